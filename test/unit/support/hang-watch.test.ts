// The hang watch (test/support/hang-watch) ends a worker that stopped answering; it must never signal a process
// that merely holds a pid a gone worker once had.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import HangWatchReporter from '../../support/hang-watch/reporter.js';
import { processIdentity, type WorkerState } from '../../support/hang-watch/state.js';

const STEP_LIMIT = 25 * 60_000;
const FILE_LIMIT = 30 * 60_000;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  vi.restoreAllMocks();
});

async function idleChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("ready")']);
  children.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

const exited = (child: ChildProcess) => new Promise<string | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode) : child.once('exit', (_code, signal) => resolve(signal))));

function plant(dir: string, state: WorkerState): string {
  const path = join(dir, `${state.pid}.json`);
  writeFileSync(path, JSON.stringify(state));
  return path;
}

describe('hang watch', () => {
  it('forgets a gone worker whose pid another process now holds, and leaves that process alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hang-watch-test-'));
    const bystander = await idleChild();
    const longAgo = Date.now() - 2 * FILE_LIMIT;
    // what a worker killed by a signal leaves behind: its identity, not the bystander's
    const path = plant(dir, { pid: bystander.pid!, file: '/x/edges.test.ts', fileSince: longAgo, step: 't', since: longAgo, identity: '1:1' });
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    new HangWatchReporter(STEP_LIMIT, FILE_LIMIT, { dir }).sweep();
    expect(existsSync(path)).toBe(false);
    expect(said).not.toHaveBeenCalled();
    expect(processIdentity(bystander.pid!)).toBeDefined();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a worker stuck in one test past the limit, naming its file and test; one within the limits is left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hang-watch-test-'));
    const stuck = await idleChild();
    const busy = await idleChild();
    const now = Date.now();
    plant(dir, { pid: stuck.pid!, file: '/x/login-prompts.test.ts', fileSince: now - STEP_LIMIT - 60_000, step: 'drives tmux', since: now - STEP_LIMIT - 60_000, identity: processIdentity(stuck.pid!) });
    plant(dir, { pid: busy.pid!, file: '/x/edges.test.ts', fileSince: now - 60_000, step: 'a test', since: now - 1_000, identity: processIdentity(busy.pid!) });
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (said.push(String(chunk)), true));
    new HangWatchReporter(STEP_LIMIT, FILE_LIMIT, { dir }).sweep(now);
    expect(await exited(stuck)).toBe('SIGKILL');
    expect(said.join('')).toContain(`hang-watch: /x/login-prompts.test.ts has been in "drives tmux" for 26 min, past every timeout vitest.config.ts sets; ending its worker (pid ${stuck.pid})`);
    expect(said.join('')).not.toContain('edges.test.ts');
    expect(busy.exitCode === null && busy.signalCode === null).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
