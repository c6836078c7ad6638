// The cache lock between real processes: what twenty parallel kubectl calls do to one cache key.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot, requireFreshBuild } from './dist.js';

beforeAll(() => requireFreshBuild());

// read-modify-write with a pause in the middle: without mutual exclusion increments get lost
const incrementer = `
import { readFileSync, writeFileSync } from 'node:fs';
import { withLock } from ${JSON.stringify(join(repoRoot, 'dist/auth/cache/lock.js'))};
const [lockPath, counter, holdMs, waitMs] = process.argv.slice(1);
await withLock(lockPath, Number(waitMs), async () => {
  const n = Number(readFileSync(counter, 'utf8'));
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  writeFileSync(counter, String(n + 1));
  if (process.env.DIE_HOLDING) process.kill(process.pid, 'SIGKILL');
});
`;

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', incrementer, ...args], { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code));
  });
}

describe('cache lock across processes', () => {
  it('serialises twenty parallel processes: no lost update', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-lockp-'));
    const counter = join(dir, 'n');
    writeFileSync(counter, '0');
    // the last of twenty processes starting on two busy cores waits for all the others: a bound only a hang reaches
    const codes = await Promise.all(Array.from({ length: 20 }, () => run([join(dir, 'k.lock'), counter, '15', '300000'])));
    expect(codes).toEqual(Array(20).fill(0));
    expect(readFileSync(counter, 'utf8')).toBe('20');
    expect(existsSync(join(dir, 'k.lock'))).toBe(false);
  });

  it('recovers the lock of a process killed while holding it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-lockp-'));
    const counter = join(dir, 'n');
    writeFileSync(counter, '0');
    const killed = await run([join(dir, 'k.lock'), counter, '1', '300000'], { DIE_HOLDING: '1' });
    expect(killed).toBeNull();
    expect(existsSync(join(dir, 'k.lock'))).toBe(true);
    // allowed no wait at all: it succeeds only by taking the dead holder's lock over at once
    expect(await run([join(dir, 'k.lock'), counter, '1', '0'])).toBe(0);
    expect(readFileSync(counter, 'utf8')).toBe('2');
  });
});
