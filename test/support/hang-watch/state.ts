// Where each test worker says what it is running, so the main process can name (and end) a worker that
// stopped answering: a worker blocked in a synchronous call cannot report anything itself.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WorkerState {
  pid: number;
  file: string;
  /** epoch ms when this worker began loading `file` */
  fileSince: number;
  /** the test running, or the hook phase before the first one */
  step: string;
  /** epoch ms when `step` began */
  since: number;
  /** the process's parent and start time (/proc/PID/stat), so a pid reused by another process is never taken for it */
  identity: string | undefined;
}

/**
 * A process's parent pid and start time (clock ticks since boot), or undefined where /proc does not tell (not
 * Linux, or the process is gone).
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')', where field 3 begins
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${fields[1]}:${fields[19]}`;
  } catch {
    return undefined;
  }
}

/** One directory per vitest run: the main process names it in the environment its workers inherit. */
export function stateDir(): string {
  const dir = process.env.KUBECTL_NP_HANG_WATCH_DIR ?? join(tmpdir(), `kubectl-np-hang-watch-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function readStates(dir: string): WorkerState[] {
  const states: WorkerState[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      states.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as WorkerState);
    } catch {
      // written while read, or by a worker that is gone: the next look sees it whole or not at all
    }
  }
  return states;
}
