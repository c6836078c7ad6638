// Files that hold tokens: 0700 directories, 0600 files, written atomically, and refused when anyone
// but their owner could read them (a cache other users can read is a leaked credential).
import { closeSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { UnreachableError, UsageError } from '../../errors.js';

/** A token cache file or directory other users can read or write: refused, with the fix. */
export class ExposedCacheError extends UsageError {
  constructor(path: string, mode: number, isDir: boolean) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    super(`token cache ${path} is accessible by other users (mode ${octal}); fix it with: chmod ${isDir ? '700' : '600'} ${path}`);
    this.name = 'ExposedCacheError';
  }
}

/** Why a directory takes no writes, in words; anything else is unexpected and stays as it is. */
const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** The token cache cannot be written (full disk, quota, read-only mount, permissions): one line, exit 3. */
export class CacheWriteError extends UnreachableError {
  constructor(
    readonly dir: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write the token cache in ${dir}: ${WRITE_FAILURES[code] ?? code} (${code})`, options);
    this.name = 'CacheWriteError';
  }
}

function asCacheWriteError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code && code in WRITE_FAILURES ? new CacheWriteError(dir, code, { cause: err }) : err;
}

const myUid = typeof process.getuid === 'function' ? process.getuid() : undefined;
// Windows has no POSIX modes; its ACLs default to the user profile being private.
const checkModes = process.platform !== 'win32';

function assertPrivate(path: string, mode: number, uid: number, isDir: boolean): void {
  if (!checkModes) return;
  if (myUid !== undefined && uid !== myUid) throw new UsageError(`token cache ${path} belongs to another user (uid ${uid}); use a ${isDir ? 'directory' : 'file'} of your own`);
  if ((mode & 0o077) !== 0) throw new ExposedCacheError(path, mode, isDir);
}

/** Creates the directory (0700) if needed and refuses one that others can read. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOENT: the path is a symbolic link to nowhere (reported below), or a parent is missing
    if (code !== 'EEXIST' && !(code === 'ENOENT' && lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink())) throw asCacheWriteError(err, dir);
  }
  let st = lstatSync(dir);
  let where = dir;
  if (st.isSymbolicLink()) {
    // a cache moved elsewhere (another disk, a tmpfs) and linked back: what counts is the directory it
    // points to, which must be a directory of this user's that nobody else can read (as kubelogin follows it)
    where = realpathOrUndefined(dir) ?? '';
    if (!where) throw new UsageError(`token cache path ${dir} is a symbolic link to ${readlinkSync(dir)}, which does not exist`);
    st = statSync(where);
    if (!st.isDirectory()) throw new UsageError(`token cache path ${dir} is a symbolic link to ${where}, which is not a directory`);
  } else if (!st.isDirectory()) {
    throw new UsageError(`token cache path ${dir} is not a directory`);
  }
  assertPrivate(where, st.mode, st.uid, true);
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  }
}

/** Reads a private file; undefined if it does not exist. Symlinks are not followed. */
export function readPrivateFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UsageError(`token cache ${path} is a symbolic link; remove it`);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    assertPrivate(path, st.mode, st.uid, false);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes a 0600 file by rename, so readers see the old content or the new, never half of either. A
 * failed write leaves no temporary file behind (a full disk creates it, then refuses its content).
 */
export function writePrivateFileAtomic(path: string, data: string | Buffer): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw asCacheWriteError(err, dirname(path));
  }
}

/**
 * Creates `path` with `data` only if it does not exist yet, atomically with its content (write a
 * temp file, hard-link it into place). Returns false if the path already exists.
 */
export function createPrivateFileExclusive(path: string, data: string): boolean {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw asCacheWriteError(err, dirname(path));
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asCacheWriteError(err, dirname(path));
  } finally {
    unlinkSync(tmp);
  }
}

export function removeFile(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
