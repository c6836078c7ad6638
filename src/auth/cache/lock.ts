// One lock file per cache key, held from reading the cache through refresh or sign-in to writing it
// back: parallel kubectl calls with an expired token then make one refresh and show one prompt. The
// lock file says who holds it and until when, so a lock left by a dead process is taken over.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UnreachableError } from '../../errors.js';
import { createPrivateFileExclusive, removeFile, writePrivateFileAtomic } from './private-files.js';

export interface Holder {
  pid: number;
  host: string;
  /** epoch ms after which the lock counts as abandoned even if the pid looks alive (pid reuse, hung holder) */
  expiresAt: number;
  /** set while the holder waits for a person to sign in, so non-interactive callers need not wait */
  waitingForUser?: boolean;
}

export interface AcquireOptions {
  /** how long this process may keep the lock (default: the timeout); others judge abandonment by it */
  holdForMs?: number;
  /** checked while waiting: return an error to stop waiting for this holder */
  giveUp?: (holder: Holder) => Error | undefined;
  /** called once, when the lock is first found held by another live process */
  onWait?: (holder: Holder | undefined) => void;
}

/** Extra time past a holder's own timeout before its lock counts as abandoned. */
const ABANDON_GRACE_MS = 60_000;
/** A stale-lock breaker is only ever held for a few file operations. */
const BREAKER_MAX_AGE_MS = 5_000;

export class LockTimeoutError extends UnreachableError {
  constructor(path: string, timeoutMs: number, holder: Holder | undefined) {
    const who = holder ? ` (held by pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`})` : '';
    super(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for another kubectl-np to finish with the token cache${who}; lock file ${path}`);
    this.name = 'LockTimeoutError';
  }
}

function readHolder(path: string): { raw: string; holder: Holder | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(raw) as Holder;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.expiresAt === 'number') return { raw, holder: h };
  } catch {
    // fall through: unreadable content, judged by age alone
  }
  return { raw, holder: undefined };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isAbandoned(holder: Holder | undefined, now = Date.now()): boolean {
  if (!holder) return true; // content is written atomically with the file, so unreadable means damaged
  if (now > holder.expiresAt) return true;
  return holder.host === hostname() && !processAlive(holder.pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FileLock {
  private released = false;
  private constructor(
    readonly path: string,
    private content: string,
  ) {}

  /**
   * Waits up to timeoutMs for the lock. `holdForMs` bounds how long this process may keep it, which is
   * what other processes use to recognise an abandoned lock.
   */
  static async acquire(path: string, timeoutMs: number, options: AcquireOptions = {}): Promise<FileLock> {
    const holdForMs = options.holdForMs ?? timeoutMs;
    const deadline = Date.now() + timeoutMs;
    let delay = 10;
    let waiting = false;
    for (;;) {
      const content = JSON.stringify({ pid: process.pid, host: hostname(), expiresAt: Date.now() + holdForMs + ABANDON_GRACE_MS } satisfies Holder);
      if (createPrivateFileExclusive(path, content)) {
        const lock = new FileLock(path, content);
        lock.releaseOnExit();
        return lock;
      }
      const current = readHolder(path);
      if (current && isAbandoned(current.holder)) {
        breakAbandoned(path, current.raw);
        continue;
      }
      const stop = current?.holder && options.giveUp?.(current.holder);
      if (stop) throw stop;
      if (!waiting) {
        waiting = true;
        options.onWait?.(current?.holder);
      }
      if (Date.now() >= deadline) throw new LockTimeoutError(path, timeoutMs, current?.holder);
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())) + Math.random() * 10);
      delay = Math.min(delay * 2, 100);
    }
  }

  /** Tells waiting processes that this holder now waits for a person (or no longer does). */
  markWaitingForUser(waiting: boolean): void {
    const holder = JSON.parse(this.content) as Holder;
    const next = JSON.stringify({ ...holder, waitingForUser: waiting || undefined });
    try {
      writePrivateFileAtomic(this.path, next);
      this.content = next;
    } catch {
      // only a hint for waiting callers (they then wait instead of failing fast): never worth failing a sign-in
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    // Remove only our own lock: never one a competitor took over after judging ours abandoned.
    if (readHolder(this.path)?.raw === this.content) removeFile(this.path);
  }

  private readonly onExit = () => this.release();

  private releaseOnExit(): void {
    process.once('exit', this.onExit);
  }
}

/**
 * Removes an abandoned lock, but only the exact one judged abandoned: a short-lived breaker lock makes
 * "check it is still that lock, then delete it" atomic among competitors, so no one deletes a fresh
 * lock another process has just taken.
 */
function breakAbandoned(path: string, abandonedRaw: string): void {
  const breaker = `${path}.break`;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), expiresAt: Date.now() + BREAKER_MAX_AGE_MS } satisfies Holder);
  if (!createPrivateFileExclusive(breaker, mine)) {
    const other = readHolder(breaker);
    if (other && isAbandoned(other.holder)) {
      if (readHolder(breaker)?.raw === other.raw) removeFile(breaker);
    }
    return; // someone else is breaking it; go round again
  }
  try {
    if (readHolder(path)?.raw === abandonedRaw) removeFile(path);
  } finally {
    removeFile(breaker);
  }
}

export async function withLock<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = await FileLock.acquire(path, timeoutMs);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
