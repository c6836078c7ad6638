import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileLock, withLock } from '../../../src/auth/cache/lock.js';

const lockPath = () => join(mkdtempSync(join(tmpdir(), 'kubectl-np-lock-')), 'k.lock');

function deadPid(): number {
  // a process that has certainly exited: spawn one and wait for it
  return spawnSync(process.execPath, ['-e', '0'], { timeout: 120_000, killSignal: 'SIGKILL' }).pid!;
}

describe('cache lock', () => {
  it('lets one holder in at a time', async () => {
    const path = lockPath();
    const order: string[] = [];
    // the second waits while the first holds it: a generous bound, only a hang would use it up
    const first = withLock(path, 60_000, async () => {
      order.push('first in');
      await new Promise((r) => setTimeout(r, 150));
      order.push('first out');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withLock(path, 60_000, async () => {
      order.push('second in');
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
    expect(existsSync(path)).toBe(false);
  });

  it('gives up after the timeout with a one-line error naming the holder (exit 3)', async () => {
    const path = lockPath();
    const held = await FileLock.acquire(path, 1000);
    const started = Date.now();
    const err = await FileLock.acquire(path, 300).then(() => undefined, (e: Error & { exitCode?: number }) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toMatch(new RegExp(`timed out after 0s waiting for another kubectl-np .*held by pid ${process.pid}`));
    held.release();
  });

  it('takes over a lock whose holder died', async () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), expiresAt: Date.now() + 600_000 }), { mode: 0o600 });
    // no time at all to wait: only taking the dead holder's lock over can succeed
    const lock = await FileLock.acquire(path, 0);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock held past its own deadline, and a damaged one', async () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), expiresAt: Date.now() - 1 }), { mode: 0o600 });
    (await FileLock.acquire(path, 2000)).release();
    writeFileSync(path, 'garbage', { mode: 0o600 });
    (await FileLock.acquire(path, 2000)).release();
    expect(existsSync(path)).toBe(false);
  });

  it('never removes a lock that is no longer its own', async () => {
    const path = lockPath();
    const lock = await FileLock.acquire(path, 1000);
    const other = JSON.stringify({ pid: process.ppid, host: hostname(), expiresAt: Date.now() + 60_000 });
    writeFileSync(path, other);
    lock.release();
    expect(readFileSync(path, 'utf8')).toBe(other);
  });
});
