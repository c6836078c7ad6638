// The built CLI in a child process, without blocking the event loop: the test API server a test talks
// to runs in the test's own process, so a spawnSync would stall it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

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
