// Large matrix output through a pipe whose reader is slow: every byte arrives, exit 0, nothing queued
// for oclif's flush() (which gives stdout 10 s, then "error: timed out"), and a reader that stops early
// (| head) ends the command quietly with exit 0.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCluster, namespacesFor, writeCluster } from '../support/generated-cluster.js';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'np-stream-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cluster = writeCluster(join(work, 'c100'), generateCluster({ namespaces: namespacesFor(100) }));
const ARGS = ['bin/run.js', 'matrix', '-A', '-f', cluster, '-o', 'json'];
const ENV = { ...process.env, KUBECONFIG: '/nonexistent' };

/** utime+stime and the scheduler state of a process, from /proc. */
function cpu(pid: number): { ticks: number; state: string } | undefined {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  const fields = readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');
  return { state: fields[0], ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * Waits until the writer is asleep and has used no CPU for `quiet` consecutive samples: with the
 * reader paused, that is the writer blocked on the full pipe, waiting for the reader.
 */
async function untilBlocked(pid: number, quiet = 5): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < quiet) {
    await sleep(500);
    const now = cpu(pid);
    if (!now) return;
    still = now.state === 'S' && now.ticks === last ? still + 1 : 0;
    last = now.ticks;
  }
}

describe('matrix output through a slow pipe', () => {
  it('every byte of a 100-pod -o json reaches a reader that waits past oclif\'s 10 s flush limit; exit 0', async () => {
    // a synchronous run blocks the test's own timeout: its limit is the hang catcher
    const expected = spawnSync(process.execPath, ARGS, { cwd: ROOT, env: ENV, maxBuffer: 1 << 28, timeout: 300_000, killSignal: 'SIGKILL' });
    expect(expected.status).toBe(0);
    expect(expected.stdout.length).toBeGreaterThan(1 << 20); // far more than a pipe holds

    const child = spawn(process.execPath, ARGS, { cwd: ROOT, env: ENV });
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await untilBlocked(child.pid!);
    // before the fix the command had returned by now, its output queued in memory, and oclif's
    // flush() gave up 10 s later; the reader waits longer than that before it reads
    await sleep(12_000);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const got = Buffer.concat(chunks);
    expect(got.length).toBe(expected.stdout.length);
    expect(got.equals(expected.stdout)).toBe(true);
  });

  it('a reader that stops early ends the command with exit 0 and no error', async () => {
    const child = spawn(process.execPath, ARGS, { cwd: ROOT, env: ENV });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout.once('data', () => child.stdout.destroy());
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
