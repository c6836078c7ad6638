// The built CLI in a child process, without blocking the event loop: the test API server a test talks
// to runs in the test's own process, so a spawnSync would stall it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kubectl-np ARGS` from the repository's bin/run.js, colour off unless `env` sets NO_COLOR otherwise; `input` is its stdin. */
export function runCliAsync(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // only catches a hang (a run takes a minute at most on a box loaded tenfold), so no child outlives its test
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/**
 * `kubectl-np ARGS` offline (no kubeconfig), blocking: for runs on manifests, where no server in this
 * process needs the event loop. stdin is `input`, else empty, so -f - never waits.
 */
export function runCliOffline(args: string[], options: { input?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, ['bin/run.js', ...args], {
    cwd: REPO_ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', KUBECONFIG: '/nonexistent', ...options.env },
    // only catches a hang: one run can take a minute on a box loaded tenfold; SIGKILL, because a child that
    // catches SIGTERM would keep this synchronous call (and the worker's own timeouts) waiting
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input as the CLI contract has it: exit 2, nothing on stdout, one "error: …" line matching `pattern`, no stack. */
export function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Integration and e2e tests run the compiled CLI (bin/run.js imports dist/): fail clearly when the build is
 * missing or older than any source, instead of passing or failing for code that is gone.
 */
export function requireFreshBuild(): void {
  const built = join(REPO_ROOT, 'dist', 'commands', 'can-reach.js');
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
  // a second of slack for file systems that keep coarse times
  if (newest(join(REPO_ROOT, 'src')) > statSync(built).mtimeMs + 1000) throw new Error('dist/ is older than src/: run `npm run build` before these tests');
}
