// Running the real CLI (node bin/run.js) as kubectl would: a child process with its own HOME,
// environment and KUBERNETES_EXEC_INFO, stdout and stderr kept apart.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './dist.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  env: NodeJS.ProcessEnv;
  /** called with each stderr chunk as it arrives (to answer a device code prompt) */
  onStderr?: (text: string) => void;
  timeoutMs?: number;
  /** working directory (default: this process's), for paths given relative as a user types them */
  cwd?: string;
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // only catches a hang: one CLI run can take a minute of wall time on a CI box loaded tenfold
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function execInfo(interactive: boolean, apiVersion = 'client.authentication.k8s.io/v1'): string {
  return JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive } });
}

/** A HOME of its own (so ~/.kube/cache is fresh) and no D-Bus session unless the caller adds one. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv & { HOME: string } {
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-home-'));
  mkdirSync(join(home, '.kube'), { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, KUBECONFIG: join(home, '.kube', 'config'), ...extra };
  return env as NodeJS.ProcessEnv & { HOME: string };
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function credentialOf(result: CliResult): { apiVersion: string; status: { token: string; expirationTimestamp: string } } {
  if (result.code !== 0) throw new Error(`get-token failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as { apiVersion: string; status: { token: string; expirationTimestamp: string } };
}

/** Approves the device code shown on stderr, once, as `username`. */
export function approveFromStderr(approve: (userCode: string) => void): (stderr: string) => void {
  let done = false;
  return (stderr) => {
    const code = /enter the code ([A-Z0-9]+) to authenticate/.exec(stderr)?.[1];
    if (code && !done) {
      done = true;
      approve(code);
    }
  };
}
