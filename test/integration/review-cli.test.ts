// The policy-review commands (audit, diff, test) and the honest edges of -f, as users run them:
// `node bin/run.js` against manifests, checking exit codes, output shapes and one-line errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'can-reach.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
});

function run(args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(process.execPath, ['bin/run.js', ...args], {
    cwd: ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof run>, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

describe('-f honest edges', () => {
  it('refuses an empty stdin instead of answering for a cluster without policies', () => {
    expectOneLineError(run(['can-reach', '-f', '-', 'web', 'db', '--port', '5432'], { input: '' }), /stdin holds no Kubernetes objects/);
  });

  it('refuses a file or directory that holds no Kubernetes objects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-empty-'));
    writeFileSync(join(dir, 'notes.yaml'), '# only a comment\n---\n');
    expectOneLineError(run(['matrix', '-f', join(dir, 'notes.yaml')]), /notes\.yaml: no Kubernetes objects found/);
    const empty = mkdtempSync(join(tmpdir(), 'np-emptydir-'));
    expectOneLineError(run(['matrix', '-f', empty]), /no Kubernetes objects found \(no \.yaml, \.yml or \.json files\)/);
  });

  it('accepts an empty List (kubectl get -o yaml with nothing found) next to other manifests', () => {
    const r = run(['can-reach', '-f', 'examples/shop', '-f', '-', 'default/deploy/frontend', 'default/deploy/cart', '--port', '8080'], { input: 'apiVersion: v1\nkind: List\nitems: []\n' });
    expect(r.code).toBe(0);
  });

  it('says that --context is not used when -f gives the manifests', () => {
    const r = run(['can-reach', '-f', 'examples/shop', '--context', 'prod', 'default/deploy/frontend', 'default/deploy/cart', '--port', '8080']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: -f is given, so the answer comes from the manifests alone: --context prod is not used');
  });
});
