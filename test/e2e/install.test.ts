// The install path of the README, for real: npm pack → npm install -g from the tarball into a private
// prefix → kubectl finds the plugin → it runs → shell completion works in bash and through kubectl.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, requireKubectl } from '../support/kubectl.js';

const repoRoot = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
let prefix: string;
let tarball: string;
let env: NodeJS.ProcessEnv;

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(path) : entry.isFile() ? statSync(path).size : 0;
  }
  return total;
}

beforeAll(() => {
  requireKubectl();
  const work = mkdtempSync(join(tmpdir(), 'np-install-'));
  // npm test has just built dist/: skip prepack's second build
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000, killSignal: 'SIGKILL' })) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  tarball = join(work, packed[0].filename);
  prefix = join(work, 'prefix');
  // the npm cache already holds every dependency (npm ci ran): no registry round trip needed, but allowed
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', tarball], { stdio: 'ignore', timeout: 600_000, killSignal: 'SIGKILL' });
  env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: work, KUBECONFIG: join(work, 'none') };
  process.stdout.write(`install: tarball ${(packed[0].size / 1024).toFixed(0)} KiB (${packed[0].files.length} files), installed with dependencies ${(sizeOf(prefix) / 1048576).toFixed(1)} MiB\n`);
});

describe('npm install -g from the packed tarball', () => {
  it('carries the docs and the licence, and no test code or source maps', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' }).split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/docs/getting-started.md', 'package/bin/run.js', 'package/bin/complete.js', 'package/dist/fast-path.cjs', 'package/plugins/np.yaml']));
    expect(files.filter((f) => f.startsWith('package/test/') || f.startsWith('package/src/') || f.endsWith('.map'))).toEqual([]);
  });

  it('installs no test-only dependencies', () => {
    const installed = readdirSync(join(prefix, 'lib', 'node_modules', 'kubectl-np', 'node_modules'));
    for (const devOnly of ['vitest', 'playwright-core', 'typescript', 'esbuild', 'oclif', 'fast-check', 'tsx']) expect(installed).not.toContain(devOnly);
    expect(installed).toContain('@oclif');
  });

  it('is found by kubectl plugin list and runs as kubectl np', () => {
    const list = spawnSync(KUBECTL, ['plugin', 'list'], { env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
    expect(list.stdout).toContain(join(prefix, 'bin', 'kubectl-np'));
    const version = spawnSync(KUBECTL, ['np', 'version', '--client'], { env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^kubectl-np: \d+\.\d+\.\d+\nnode: 20\./);
    const example = spawnSync(KUBECTL, ['np', 'can-reach', '-f', join(prefix, 'lib', 'node_modules', 'kubectl-np', 'examples', 'shop'), 'default/deploy/frontend', 'payments/deploy/payments', '--port', '8443'], { env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
    expect(example.status).toBe(1);
    expect(example.stdout).toMatch(/^DENIED {2}default\/deploy\/frontend → payments\/deploy\/payments {2}TCP 8443$/m);
  });

  it('completes `kubectl np …` through kubectl_complete-np, as kubectl 1.26+ asks', () => {
    expect(existsSync(join(prefix, 'bin', 'kubectl_complete-np'))).toBe(true);
    const result = spawnSync(KUBECTL, ['__complete', 'np', 'can-reach', '--prot'], { env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^--protocol\t/), ':4']));
  });

  it('completes kubectl-np in bash with the script of `completion bash`', () => {
    const script = `source <(kubectl-np completion bash)
COMP_WORDS=(kubectl-np explain ''); COMP_CWORD=2; _kubectl_np_complete; printf '%s\\n' "\${COMPREPLY[@]}"
COMP_WORDS=(kubectl-np matrix -o ''); COMP_CWORD=3; _kubectl_np_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['-c', script], { env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('can-i');
    expect(lines).toEqual(expect.arrayContaining(['table', 'json']));
  });
});
