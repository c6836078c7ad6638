// Starting the browser. The launcher runs detached in its own process group with no stdin and its
// stdout discarded: whatever a launcher prints (xdg-open, a wrapper script, Chromium's logs) must never
// reach our stdout, which carries the ExecCredential kubectl parses. Its stderr is read only with --debug.
import { spawn } from 'node:child_process';
import { argvFor, type Launcher } from './launcher.js';

export interface OpenedBrowser {
  /** settles with a one-line reason if the launcher could not start or exited unsuccessfully; never rejects */
  failure: Promise<string>;
}

export function openInBrowser(launcher: Launcher, url: string, debug?: (text: string) => void): OpenedBrowser {
  let report: (reason: string) => void = () => {};
  const failure = new Promise<string>((resolve) => (report = resolve));
  let child;
  try {
    child = spawn(launcher.command, argvFor(launcher, url), {
      detached: true,
      stdio: ['ignore', 'ignore', debug ? 'pipe' : 'ignore'],
      windowsHide: true,
    });
  } catch (err) {
    report(`cannot run ${launcher.command}: ${(err as Error).message}`);
    return { failure };
  }
  child.on('error', (err: NodeJS.ErrnoException) => report(`cannot run ${launcher.command}: ${err.code === 'ENOENT' ? 'not found' : err.message}`));
  child.on('exit', (code, signal) => {
    if (code !== 0) report(`${launcher.label} ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`);
    else debug?.(`${launcher.label} exited`);
  });
  if (child.stderr) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) debug?.(`${launcher.label}: ${line}`);
    });
    (child.stderr as unknown as { unref?: () => void }).unref?.();
  }
  // the browser outlives us; we do not wait for it
  child.unref();
  return { failure };
}
