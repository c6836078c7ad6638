// `kubectl np matrix -o dot` of generated running clusters (100 and 1,000 pods) rendered by the real
// Graphviz `dot -Tsvg`: no errors, no warnings, every workload or namespace drawn.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCluster, namespacesFor, WORKLOADS_PER_NAMESPACE, writeCluster } from '../support/generated-cluster.js';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'np-graphviz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function matrixDot(pods: number): string {
  const dir = writeCluster(join(work, `c${pods}`), generateCluster({ namespaces: namespacesFor(pods) }));
  const r = spawnSync(process.execPath, ['bin/run.js', 'matrix', '-A', '-f', dir, '-o', 'dot'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/nonexistent' }, maxBuffer: 1 << 28, timeout: 300_000, killSignal: 'SIGKILL' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function render(dot: string) {
  // only hangs are caught: the limit is far above the few seconds a loaded machine needs
  const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000, killSignal: 'SIGKILL' });
  return { code: r.status, svg: r.stdout, stderr: r.stderr };
}

describe('matrix -o dot rendered by Graphviz', () => {
  it('100 pods: workloads in namespace clusters, rendered without warnings', () => {
    const dot = matrixDot(100);
    expect(dot).toContain('nodes are workloads');
    const r = render(dot);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const namespaces = namespacesFor(100);
    expect(r.svg.match(/<g id="clust\d+" class="cluster">/g)).toHaveLength(namespaces + 1);
    expect(r.svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(namespaces * WORKLOADS_PER_NAMESPACE + 1);
  });

  it('1,000 pods: drawn per namespace (said in a comment), rendered without warnings', () => {
    const dot = matrixDot(1000);
    expect(dot.split('\n')[0]).toMatch(/drawn per namespace instead/);
    const r = render(dot);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(namespacesFor(1000) + 1);
    expect(r.svg.match(/<g id="edge\d+" class="edge">/g)!.length).toBeGreaterThan(namespacesFor(1000));
  });
});
