// The OS keychain through keytar (macOS Keychain, Windows Credential Manager, the freedesktop Secret
// Service on Linux). It holds one small random key per cache key; the tokens themselves are sealed
// with it on disk because keychains cap entry sizes (Windows: 2,560 bytes).
import { existsSync, lstatSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { UnreachableError } from '../../errors.js';
import { removeFile, writePrivateFileAtomic } from './private-files.js';
import { KEY_BYTES } from './seal.js';

export const KEYCHAIN_SERVICE = 'kubectl-np';
/** written and deleted at once to learn whether the keychain is locked; never a cache key (those are hex) */
const PROBE_ACCOUNT = 'lock-probe';

/**
 * The part of keytar's API we use, declared here so that building never needs keytar itself: it is an
 * optional native module that npm skips where libsecret's headers or a compiler are missing.
 */
interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface Keychain {
  get(account: string): Promise<string | undefined>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  accounts(): Promise<string[]>;
}

/**
 * Whether a Secret Service could answer at all. Without a D-Bus session libsecret tries to autolaunch
 * one through X11 and fails after a detour; asking first keeps headless runs fast and quiet.
 */
function sessionBusLikely(env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== 'linux') return true;
  if (env.DBUS_SESSION_BUS_ADDRESS) return true;
  return Boolean(env.XDG_RUNTIME_DIR && existsSync(join(env.XDG_RUNTIME_DIR, 'bus')));
}

/**
 * Why there is no keychain: the native module is missing (fixed by installing libsecret and rebuilding
 * keytar) or no Secret Service answers (fixed by running one, e.g. gnome-keyring in a D-Bus session).
 */
export type KeychainAbsence = 'module' | 'service';

export class KeychainUnavailableError extends Error {
  constructor(
    readonly absence: KeychainAbsence,
    message: string,
  ) {
    super(message);
    this.name = 'KeychainUnavailableError';
  }
}

/** Names the cause as the user has to fix it; any failure that is not the module's is the service's. */
export function keychainAbsenceOf(err: unknown): KeychainAbsence {
  return err instanceof KeychainUnavailableError ? err.absence : 'service';
}

/** Why there is no keychain, with the fix: the native module (install libsecret, rebuild keytar) or the Secret Service. */
export function absenceCause(absence: KeychainAbsence): string {
  return absence === 'module'
    ? 'the keychain module (keytar) is not installed or did not load; on Linux install libsecret-1-dev, then run npm rebuild keytar in the kubectl-np install'
    : 'no OS keychain answers (on Linux: no D-Bus Secret Service such as gnome-keyring is running)';
}

/**
 * A keychain that is there but locked. gnome-keyring refuses writes to a locked collection ("Cannot
 * create an item in a locked collection") and answers reads as if nothing were stored; macOS says
 * "User interaction is not allowed" when it cannot ask to unlock.
 */
export function isKeychainLocked(err: unknown): boolean {
  return /\blocked\b|interaction is not allowed/i.test(err instanceof Error ? err.message : String(err));
}

/** How to unlock the keychain, in the words of this platform. */
export function unlockHint(): string {
  if (process.platform === 'darwin') return 'unlock the login keychain (Keychain Access, or: security unlock-keychain)';
  if (process.platform === 'win32') return 'sign in to Windows again';
  return 'unlock the "login" keyring: sign in to the desktop session again, or unlock it in Seahorse (Passwords and Keys)';
}

/**
 * Sealed token files whose key is in a keychain that is locked or cannot be reached now. The files are
 * kept: the session inside is valid, and discarding it (or replacing it with plain text) is what a
 * locked keychain must never cause.
 */
export class KeychainLockedError extends UnreachableError {
  constructor(dir: string, why: 'locked' | KeychainAbsence) {
    const state = why === 'locked' ? `the OS keychain is locked; ${unlockHint()}` : absenceCause(why);
    super(`the token cache in ${dir} is sealed with a key kept in the OS keychain, and ${state}. Then run the command again; the sealed files are kept (kubectl np logout discards them)`);
    this.name = 'KeychainLockedError';
  }
}

// A specifier in a variable: neither tsc nor esbuild try to resolve keytar at build time.
const KEYTAR_MODULE = 'keytar';

let keytar: Promise<Keytar> | undefined;
/**
 * keytar is loaded on first use: the fast path usually finds the key without it. A dynamic import works
 * both here and in the CommonJS bundle of the fast path (dist/fast-path.cjs).
 */
function loadKeytar(): Promise<Keytar> {
  keytar ??= (import(KEYTAR_MODULE) as Promise<Keytar | { default: Keytar }>).then(
    (mod) => ('default' in mod ? mod.default : mod),
    (err: Error) => {
      // optional dependency not installed, or its native module failed to load
      throw new KeychainUnavailableError('module', `keytar is not available: ${err.message.split('\n')[0]}`);
    },
  );
  return keytar;
}

/**
 * The keychain, or undefined when this machine plainly has none. Whether it answers shows on first use:
 * callers treat a failing call as "no keychain" and fall back to files.
 */
export function openKeychain(env: NodeJS.ProcessEnv = process.env): Keychain | undefined {
  if (env.KUBECTL_NP_DISABLE_KEYCHAIN === '1' || !sessionBusLikely(env)) return undefined;
  return {
    async get(account) {
      return (await (await loadKeytar()).getPassword(KEYCHAIN_SERVICE, account)) ?? undefined;
    },
    set: async (account, secret) => (await loadKeytar()).setPassword(KEYCHAIN_SERVICE, account, secret),
    delete: async (account) => (await loadKeytar()).deletePassword(KEYCHAIN_SERVICE, account),
    async accounts() {
      const kt = await loadKeytar();
      // keytar's findCredentials crashes the process (SIGSEGV in libsecret) on a locked gnome-keyring
      // collection; a write is refused there cleanly ("… locked collection"), so one goes first
      if (process.platform === 'linux') {
        await kt.setPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT, 'probe');
        await kt.deletePassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
      }
      return (await kt.findCredentials(KEYCHAIN_SERVICE)).map((c) => c.account).filter((a) => a !== PROBE_ACCOUNT);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Session copy of the keys. A Secret Service round trip costs more than the rest of a cached
// get-token together, so on Linux the key is also kept in $XDG_RUNTIME_DIR: a per-user 0700 tmpfs
// that never reaches a disk and is wiped at logout. It adds no reader the unlocked Secret Service
// does not already answer (any process of the user may query it), and is only used when the
// directory really is memory-backed and private.
// ---------------------------------------------------------------------------------------------
const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

export function sessionKeyDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  if (process.platform !== 'linux' || !runtime || env.KUBECTL_NP_NO_SESSION_KEYS === '1') return undefined;
  try {
    const st = lstatSync(runtime);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (st.mode & 0o077) !== 0 || (uid !== undefined && st.uid !== uid)) return undefined;
    const fsType = statfsSync(runtime).type;
    if (fsType !== TMPFS_MAGIC && fsType !== RAMFS_MAGIC) return undefined;
  } catch {
    return undefined;
  }
  return join(runtime, 'kubectl-np');
}

export function readSessionKey(dir: string | undefined, cacheKey: string): Buffer | undefined {
  if (!dir) return undefined;
  try {
    const key = Buffer.from(readFileSync(join(dir, `${cacheKey}.key`), 'utf8'), 'base64');
    return key.length === KEY_BYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

export function writeSessionKey(dir: string | undefined, cacheKey: string, key: Buffer): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writePrivateFileAtomic(join(dir, `${cacheKey}.key`), key.toString('base64'));
  } catch {
    // only a speed-up: the keychain remains the source of the key
  }
}

export function removeSessionKey(dir: string | undefined, cacheKey: string): void {
  if (!dir) return;
  try {
    removeFile(join(dir, `${cacheKey}.key`));
  } catch {
    // nothing to clean
  }
}

/** Where tokens are kept on this machine now, in words, for `kubectl np version` and diagnostics. */
export async function describeTokenStorage(env: NodeJS.ProcessEnv = process.env): Promise<{ backend: 'keychain' | 'file'; detail: string }> {
  const name = process.platform === 'darwin' ? 'macOS Keychain' : process.platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service (libsecret)';
  if (env.KUBECTL_NP_DISABLE_KEYCHAIN === '1') return { backend: 'file', detail: '0600 files (KUBECTL_NP_DISABLE_KEYCHAIN=1)' };
  const keychain = openKeychain(env);
  if (!keychain) return { backend: 'file', detail: '0600 files (no D-Bus session bus, so no Secret Service)' };
  try {
    await keychain.accounts();
    return { backend: 'keychain', detail: `OS keychain: ${name}` };
  } catch (err) {
    if (isKeychainLocked(err)) return { backend: 'keychain', detail: `OS keychain: ${name}, locked now (cached calls report it until you ${unlockHint()})` };
    return keychainAbsenceOf(err) === 'module'
      ? { backend: 'file', detail: '0600 files (the keytar native module is not installed or did not load)' }
      : { backend: 'file', detail: `0600 files (${name} did not answer: ${(err as Error).message.split('\n')[0]})` };
  }
}
