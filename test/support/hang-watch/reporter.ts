// A test worker that stops answering stalls the whole run: vitest's testTimeout and hookTimeout only fire in
// a worker whose event loop turns, so one blocked in a synchronous call (a spawnSync whose child never ends)
// waits for ever and CI ends at its own limit with no word about which test it was. This reporter, in the
// main process, reads what each worker last said it was running (worker.ts) and, once a step has outlived
// every timeout the config allows (or a file has run for longer than any file could by timing out test after
// test), prints the file, the step and the worker's process tree, then ends that worker, so vitest reports
// the run as failed and goes on with the other files.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Reporter } from 'vitest/node';
import { processIdentity, readStates, stateDir } from './state.js';

/** The process and its descendants, read from one listing: their pids, and the tree as lines for the report. */
function processTree(pid: number): { pids: number[]; text: string } {
  try {
    const table = execFileSync('ps', ['-eo', 'pid=,ppid=,etime=,args='], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    const rows = table.split('\n').filter(Boolean).map((line) => {
      const [p, pp, etime, ...args] = line.trim().split(/\s+/);
      return { pid: Number(p), ppid: Number(pp), text: `${p} ${etime} ${args.join(' ').slice(0, 200)}` };
    });
    const pids: number[] = [];
    const lines: string[] = [];
    const walk = (at: number, depth: number) => {
      for (const row of rows.filter((r) => r.ppid === at)) {
        pids.push(row.pid);
        lines.push(`${'  '.repeat(depth)}${row.text}`);
        walk(row.pid, depth + 1);
      }
    };
    const self = rows.find((r) => r.pid === pid);
    if (self) lines.push(self.text);
    walk(pid, 1);
    return { pids, text: lines.join('\n') };
  } catch (err) {
    return { pids: [], text: `(ps failed: ${(err as Error).message})` };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default class HangWatchReporter implements Reporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly dir: string;
  private readonly everyMs: number;

  /**
   * @param stepLimitMs longest one test (with its hooks) may take before vitest's own timeouts fail it
   * @param fileLimitMs longest one file may take; a file failing by timeouts one test after another can
   *   otherwise outlast CI's limit as surely as a blocked one. The slowest file takes under a minute on an idle
   *   box: a machine slow enough to take this long over one file could not finish the run inside CI's limit anyway
   * @param options.dir where workers write their state (default: a directory of this run, handed to the workers
   *   through the environment they inherit)
   */
  constructor(private readonly stepLimitMs: number, private readonly fileLimitMs: number, options: { everyMs?: number; dir?: string } = {}) {
    this.everyMs = options.everyMs ?? 30_000;
    this.dir = options.dir ?? stateDir();
    if (!options.dir) process.env.KUBECTL_NP_HANG_WATCH_DIR = this.dir;
  }

  onInit(): void {
    this.timer = setInterval(() => this.sweep(), this.everyMs);
    this.timer.unref();
  }

  /** One look at every worker's state: forgets the gone, ends the hung. */
  sweep(now = Date.now()): void {
    for (const state of readStates(this.dir)) {
      // a worker that is gone, or a pid now held by another process: forget it, never signal it
      const alive = state.identity !== undefined ? processIdentity(state.pid) === state.identity : isAlive(state.pid);
      if (!alive) {
        rmSync(`${this.dir}/${state.pid}.json`, { force: true });
        continue;
      }
      const stepMinutes = Math.round((now - state.since) / 60_000);
      const fileMinutes = Math.round((now - state.fileSince) / 60_000);
      let why: string;
      if (now - state.since >= this.stepLimitMs) why = `has been in "${state.step}" for ${stepMinutes} min, past every timeout vitest.config.ts sets`;
      else if (now - state.fileSince >= this.fileLimitMs) why = `has run for ${fileMinutes} min (now in "${state.step}" for ${stepMinutes} min), longer than any file may`;
      else continue;
      const tree = processTree(state.pid);
      process.stderr.write(`\nhang-watch: ${state.file} ${why}; ending its worker (pid ${state.pid}) so the run can finish. Its processes:\n${tree.text}\n\n`);
      for (const pid of [...tree.pids, state.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(`${this.dir}/${state.pid}.json`, { force: true });
    }
  }

  onTestRunEnd(): void {
    if (this.timer) clearInterval(this.timer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
