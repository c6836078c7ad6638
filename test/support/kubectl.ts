// The real kubectl (/usr/bin/kubectl) for end-to-end tests. kubectl finds `kubectl np …` and exec
// entries with `command: kubectl-np` on PATH, so every run gets a temp directory on PATH holding a
// `kubectl-np` symlink to this checkout's bin/run.js. With `tty: true` kubectl runs under util-linux
// `script`, so its stdin is a terminal and `interactiveMode: IfAvailable` lets the plugin prompt, as
// for a person at a shell; stderr is still kept apart from stdout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const KUBECTL = '/usr/bin/kubectl';
const repoRoot = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** environment for kubectl (and so for the plugin); PATH is extended with the kubectl-np link */
  env: NodeJS.ProcessEnv;
  /** give kubectl a terminal on stdin (interactive exec plugins) */
  tty?: boolean;
  /** each time stderr grows (to answer a device code prompt) */
  onStderr?: (stderr: string) => void;
  timeoutMs?: number;
}

/** Fails (never skips) when kubectl is missing: CI installs it (.ci/run). */
export function requireKubectl(): void {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} not found: the end-to-end tests need the real kubectl (installed by .ci/run)`);
}

let linkDir: string | undefined;
/** A directory with `kubectl-np` → bin/run.js, for PATH. */
export function pluginDir(): string {
  if (!linkDir) {
    linkDir = mkdtempSync(join(tmpdir(), 'kubectl-np-path-'));
    symlinkSync(join(repoRoot, 'bin', 'run.js'), join(linkDir, 'kubectl-np'));
  }
  return linkDir;
}

export function pathWithPlugin(path = process.env.PATH ?? ''): string {
  // bin/run.js starts with `#!/usr/bin/env node`: the node running the tests must be found first
  return [pluginDir(), dirname(process.execPath), path].join(':');
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runKubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  requireKubectl();
  const env: NodeJS.ProcessEnv = { ...options.env, PATH: pathWithPlugin(options.env.PATH), KUBECONFIG: options.kubeconfig };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let poll: NodeJS.Timeout | undefined;
    let child;
    if (options.tty) {
      const errFile = join(mkdtempSync(join(tmpdir(), 'kubectl-np-tty-')), 'stderr');
      writeFileSync(errFile, '');
      const command = `${[KUBECTL, ...args].map(shellQuote).join(' ')} 2>${shellQuote(errFile)}`;
      child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const readErr = () => {
        const now = readFileSync(errFile, 'utf8');
        if (now !== stderr) {
          stderr = now;
          options.onStderr?.(stderr);
        }
      };
      poll = setInterval(readErr, 25);
      child.on('close', readErr);
    } else {
      child = spawn(KUBECTL, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        options.onStderr?.(stderr);
      });
    }
    // only catches a hang: a kubectl → kubectl-np → emulator chain takes minutes on a CI box loaded tenfold
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      // a terminal turns \n into \r\n
      resolve({ code, stdout: options.tty ? stdout.replace(/\r\n/g, '\n') : stdout, stderr, ms: Date.now() - started });
    });
  });
}
