// Running the built CLI (node bin/run.js) against the real kube-apiserver: a HOME of its own per run so
// discovery caches and token caches never leak between tests.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireFreshBuild } from '../integration/auth/dist.js';
import { runCli, type CliResult } from '../integration/auth/cli.js';

export type { CliResult };

export function np(args: string[], kubeconfig: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  requireFreshBuild();
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-real-home-'));
  return runCli([...args, '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', ...env } });
}

/** The real kubectl as the kubeconfig's user: its answers are what kubectl-np's must agree with. */
export function kubectlAs(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-real-home-'));
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
