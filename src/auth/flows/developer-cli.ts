// Running a developer CLI that hands out tokens (az, azd): its output, with "not installed" and "hung"
// turned into one-line sign-in errors. Each mode reads the answer and explains failures its own way.
import { execFile } from 'node:child_process';
import { SignInFailedError } from '../sign-in-errors.js';

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

export async function runDeveloperCli(cli: DeveloperCli, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv | undefined): Promise<CliOutput> {
  const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: NodeJS.ErrnoException | null }>((resolve) => {
    execFile(
      cli.command,
      args,
      { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true, shell: process.platform === 'win32' },
      (err, out, errOut) => resolve({ stdout: String(out), stderr: String(errOut), error: err as NodeJS.ErrnoException | null }),
    );
  });
  const what = `${cli.command} ${args.slice(0, 2).join(' ')}`;
  if (error?.code === 'ENOENT') {
    throw new SignInFailedError(`--login ${cli.mode} needs the ${cli.title}, but \`${cli.command}\` is not on PATH; install it (${cli.installUrl}) or choose another --login mode`);
  }
  if ((error as { killed?: boolean } | null)?.killed) throw new SignInFailedError(`${what} did not answer within ${Math.round(timeoutMs / 1000)}s`);
  return { stdout, stderr, failed: error !== null };
}
