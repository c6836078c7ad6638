// Running a developer CLI that hands out tokens (az, azd): its output, with "not installed" and "hung"
// turned into one-line sign-in errors. Each mode reads the answer and explains failures its own way.
//
// The real `az` is a shell script whose Python child does the work, so killing the direct child on a
// timeout would leave Python running. On POSIX the tool gets a process group of its own, and a timeout
// or Ctrl-C (SIGINT, SIGTERM, SIGHUP) ends the whole group.
import { spawn } from 'node:child_process';
import { SignInFailedError } from '../sign-in-errors.js';
import { untilAborted, waitScope } from '../progress.js';

export interface DeveloperCli {
  /** executable name on PATH */
  command: string;
  /** the tool's name for people and the --login mode that uses it */
  title: string;
  mode: string;
  installUrl: string;
}

export interface CliOutput {
  stdout: string;
  stderr: string;
  /** the tool ran and exited non-zero */
  failed: boolean;
}

const MAX_OUTPUT = 1 << 20;
const posix = process.platform !== 'win32';

export async function runDeveloperCli(cli: DeveloperCli, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv | undefined): Promise<CliOutput> {
  const what = `${cli.command} ${args.slice(0, 2).join(' ')}`;
  const child = spawn(cli.command, args, {
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
    shell: !posix,
    // its own process group, so the group can be ended as a whole
    detached: posix,
  });
  const endGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (posix) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const killAll = () => {
    endGroup('SIGTERM');
    // whatever ignores SIGTERM (or is still starting) is killed a moment later
    const timer = setTimeout(() => {
      try {
        if (posix && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
    }, 1000);
    timer.unref();
  };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    if (stdout.length < MAX_OUTPUT) stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < MAX_OUTPUT) stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  const scope = waitScope(what, timeoutMs);
  let result: { code: number | null; error?: NodeJS.ErrnoException };
  try {
    result = await untilAborted(exited, scope.signal);
  } catch (reason) {
    killAll();
    if (scope.signal.reason === reason && (reason as Error).name === 'SignInTimeoutError') {
      throw new SignInFailedError(`${what} did not answer within ${Math.round(timeoutMs / 1000)}s`);
    }
    throw reason;
  } finally {
    scope.dispose();
  }
  if (result.error?.code === 'ENOENT') {
    throw new SignInFailedError(`--login ${cli.mode} needs the ${cli.title}, but \`${cli.command}\` is not on PATH; install it (${cli.installUrl}) or choose another --login mode`);
  }
  if (result.error) throw new SignInFailedError(`cannot run ${what}: ${result.error.message}`);
  return { stdout, stderr, failed: result.code !== 0 };
}
