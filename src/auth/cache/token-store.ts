// Where one cache key's tokens live. Per key K under the cache directory:
//   K.msal   the MSAL token cache (accounts, refresh tokens, access and ID tokens)
//   K.token  the "last token" record the fast path reads without msal-node
//   K.pop    the private key that --pop-enabled tokens are bound to (PKCS#8 PEM), kept and reused like
//            the tokens: sealed under the keychain's key, or a 0600 file
//   K.failed the last refresh failure (Entra down, no answer), so callers that waited for the lock
//            report it instead of each trying again; never secret, never sealed
// keychain storage: both sealed with AES-256-GCM under a random key kept in the OS keychain (service
//                   "kubectl-np", account K). No keychain on this machine: plain 0600 files, with a
//                   warning each time. A keychain that is locked or gone after files were sealed fails
//                   closed: sealed files are kept, sealed again only with a key in hand, never replaced
//                   by plain text; without a key the tokens live in memory for the call.
// file storage:     plain 0600 files (as Azure/kubelogin and the Azure CLI keep theirs).
// none:             memory only, nothing survives the process.
// The format of each file says how to read it, so switching storage never strands a cache; a file
// that cannot be read back (corrupt, truncated, key gone) is treated as absent and replaced.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageMode, TokenSpec } from '../token-options.js';
import { CacheWriteError, ensurePrivateDir, readPrivateFile, removeFile, writePrivateFileAtomic } from './private-files.js';
import { isSealed, newKey, seal, unseal } from './seal.js';
import { absenceCause, isKeychainLocked, keychainAbsenceOf, KeychainLockedError, openKeychain, readSessionKey, removeSessionKey, sessionKeyDir, unlockHint, writeSessionKey, type Keychain, type KeychainAbsence } from './keychain.js';
import { parseRecord, type TokenRecord } from './record.js';

type Part = 'msal' | 'token' | 'pop';
const CACHE_FILE = /^([0-9a-f]{32})\.(msal|token|pop)$/;
const FAILURE_FILE = /^[0-9a-f]{32}\.failed$/;

export interface StoreIo {
  env?: NodeJS.ProcessEnv;
  /** human text for stderr (the one-time no-keychain warning) */
  warn?: (message: string) => void;
  /** diagnostic detail for --debug */
  debug?: (message: string) => void;
}

export class TokenStore {
  /** what is actually used: keychain storage without a reachable keychain writes plain files */
  private effective: StorageMode;
  private keychain: Keychain | undefined;
  private key: Buffer | undefined;
  private readonly memory = new Map<Part, string>();
  private readonly sessionDir: string | undefined;
  /** the first write this store could not make (full disk, read-only directory): tokens then live for this call only */
  writeFailure: CacheWriteError | undefined;
  /** why the keychain could not be used: absent (module, service) or locked; undefined while it answers */
  private trouble: KeychainAbsence | 'locked' | undefined;
  /** warnings said once per call (per store), never once per directory: each call that falls back is told */
  private readonly warned = new Set<string>();

  private constructor(
    readonly cacheKey: string,
    readonly dir: string,
    readonly requested: StorageMode,
    private readonly io: StoreIo,
  ) {
    const env = io.env ?? process.env;
    this.keychain = requested === 'keychain' ? openKeychain(env) : undefined;
    this.effective = requested;
    this.sessionDir = requested === 'keychain' ? sessionKeyDir(env) : undefined;
    if (requested === 'keychain' && !this.keychain) {
      this.trouble = 'service';
      this.io.debug?.('no OS keychain reachable');
    }
  }

  static open(spec: Pick<TokenSpec, 'cacheKey' | 'cacheDir' | 'storage'>, io: StoreIo = {}): TokenStore {
    if (spec.storage !== 'none') ensurePrivateDir(spec.cacheDir);
    return new TokenStore(spec.cacheKey, spec.cacheDir, spec.storage, io);
  }

  get storage(): StorageMode {
    return this.effective;
  }

  path(part: Part): string {
    return join(this.dir, `${this.cacheKey}.${part}`);
  }

  async readRecord(): Promise<TokenRecord | undefined> {
    const text = await this.read('token');
    const record = text === undefined ? undefined : parseRecord(text);
    if (text !== undefined && !record) this.io.debug?.('discarding a damaged token record');
    return record;
  }

  writeRecord(record: TokenRecord): Promise<void> {
    return this.write('token', JSON.stringify(record));
  }

  /** Whether msal's cache may hold something (cheap: no decryption, no keychain). */
  hasMsalCache(): boolean {
    if (this.requested === 'none') return this.memory.has('msal');
    return existsSync(this.path('msal'));
  }

  /** The PoP signing key (PKCS#8 PEM), if one was kept for this key. */
  readPopKey(): Promise<string | undefined> {
    return this.read('pop');
  }

  writePopKey(pem: string): Promise<void> {
    return this.write('pop', pem);
  }

  readMsalCache(): Promise<string | undefined> {
    return this.read('msal');
  }

  writeMsalCache(serialized: string): Promise<void> {
    return this.write('msal', serialized);
  }

  /**
   * The failure another process met for this key at or after `since` (epoch ms), while this one waited
   * for the lock: the waiter reports it, as it would take a token the holder had got.
   */
  sharedFailure(since: number): string | undefined {
    if (this.requested === 'none') return undefined;
    try {
      const text = readPrivateFile(this.failurePath())?.toString('utf8');
      const failure = text ? (JSON.parse(text) as { at?: unknown; message?: unknown }) : undefined;
      return failure && typeof failure.at === 'number' && failure.at >= since && typeof failure.message === 'string' ? failure.message : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records this process's refresh failure for the callers waiting on the lock. */
  shareFailure(message: string): void {
    if (this.requested === 'none') return;
    try {
      writePrivateFileAtomic(this.failurePath(), JSON.stringify({ at: Date.now(), message }));
    } catch (err) {
      this.io.debug?.(`cannot record the failure for waiting callers: ${(err as Error).message}`);
    }
  }

  forgetFailure(): void {
    if (this.requested === 'none') return;
    try {
      removeFile(this.failurePath());
    } catch {
      // a stale failure is only ever read by callers that waited since it happened
    }
  }

  private failurePath(): string {
    return join(this.dir, `${this.cacheKey}.failed`);
  }

  /** Forgets this key's tokens: both files, the keychain entry and the session copy of the key. True if any were there. */
  async clear(): Promise<boolean> {
    const hadMemory = this.memory.size > 0;
    this.memory.clear();
    if (this.requested === 'none') return hadMemory;
    let removed = removeFile(this.path('msal'));
    removed = removeFile(this.path('token')) || removed;
    removed = removeFile(this.path('pop')) || removed;
    this.forgetFailure();
    removeSessionKey(this.sessionDir ?? sessionKeyDir(this.io.env ?? process.env), this.cacheKey);
    const keychain = this.keychain ?? openKeychain(this.io.env ?? process.env);
    if (keychain) removed = (await keychain.delete(this.cacheKey).catch(() => false)) || removed;
    this.key = undefined;
    return removed;
  }

  private label(part: Part): string {
    return `kubectl-np:${this.cacheKey}:${part}`;
  }

  private async read(part: Part): Promise<string | undefined> {
    if (this.memory.has(part)) return this.memory.get(part);
    if (this.requested === 'none') return undefined;
    const blob = readPrivateFile(this.path(part));
    if (!blob) return undefined;
    if (!isSealed(blob)) return blob.toString('utf8');
    const label = this.label(part);
    for await (const key of this.candidateKeys()) {
      const text = unseal(key, blob, label);
      if (text !== undefined) {
        this.key = key;
        return text;
      }
    }
    if (this.requested === 'keychain' && !(await this.keychainAnswers())) {
      // locked or unreachable: the session sealed in the file is still good; keep it and say why
      throw new KeychainLockedError(this.dir, this.trouble ?? 'service');
    }
    this.io.debug?.(`cannot decrypt ${this.path(part)} (keychain entry missing or changed); discarding it`);
    return undefined;
  }

  /**
   * After no key opened a sealed file: does the keychain really answer, so that the key is gone (then a
   * new one is stored now), or is it locked (gnome-keyring then reads as "no such entry")? Only a write
   * tells them apart.
   */
  private async keychainAnswers(): Promise<boolean> {
    if (!this.keychain || this.trouble) return false;
    const key = newKey();
    try {
      await this.keychain.set(this.cacheKey, key.toString('base64'));
    } catch (err) {
      this.noteTrouble(err);
      return false;
    }
    this.key = key;
    writeSessionKey(this.sessionDir, this.cacheKey, key);
    return true;
  }

  private noteTrouble(err: unknown): void {
    this.trouble = isKeychainLocked(err) ? 'locked' : keychainAbsenceOf(err);
    this.io.debug?.(`OS keychain ${this.trouble === 'locked' ? 'locked' : 'unavailable'} (${(err as Error).message})`);
  }

  /** Keys that may open a sealed file: the one already used, the session copy, then the keychain's. */
  private async *candidateKeys(): AsyncGenerator<Buffer> {
    if (this.key) yield this.key;
    const session = readSessionKey(this.sessionDir, this.cacheKey);
    if (session && !session.equals(this.key ?? Buffer.alloc(0))) yield session;
    const fromKeychain = await this.keychainKey(false);
    if (fromKeychain && !fromKeychain.equals(session ?? Buffer.alloc(0))) yield fromKeychain;
  }

  /** The key stored in the keychain (created when `create`); undefined if the keychain fails us. */
  private async keychainKey(create: boolean): Promise<Buffer | undefined> {
    if (!this.keychain || this.trouble) return undefined;
    try {
      const stored = await this.keychain.get(this.cacheKey);
      let key: Buffer | undefined = stored ? Buffer.from(stored, 'base64') : undefined;
      if (key && key.length !== 32) key = undefined;
      if (!key && create) {
        key = newKey();
        await this.keychain.set(this.cacheKey, key.toString('base64'));
      }
      if (key) writeSessionKey(this.sessionDir, this.cacheKey, key);
      return key;
    } catch (err) {
      this.noteTrouble(err);
      return undefined;
    }
  }

  private async write(part: Part, text: string): Promise<void> {
    if (this.requested === 'none') {
      this.memory.set(part, text);
      return;
    }
    try {
      await this.writeFile(part, text);
    } catch (err) {
      if (err instanceof CacheWriteError) this.writeFailure ??= err;
      throw err;
    }
  }

  private async writeFile(part: Part, text: string): Promise<void> {
    if (this.requested !== 'keychain') {
      writePrivateFileAtomic(this.path(part), text);
      return;
    }
    // The keychain is the source of truth when writing, so every reader can find the key later; when it
    // is locked or gone, the key already in hand (read from it earlier, or its session copy) still is
    const key = (await this.keychainKey(true)) ?? this.key ?? readSessionKey(this.sessionDir, this.cacheKey);
    if (key) {
      this.key = key;
      writePrivateFileAtomic(this.path(part), seal(key, text, this.label(part)));
      return;
    }
    if (this.trouble === 'locked' || this.hasSealedFile()) {
      // fail closed: never plain text where the user's keychain holds (or held) the session
      this.memory.set(part, text);
      this.warnOnce(
        'memory',
        this.trouble === 'locked'
          ? `warning: the OS keychain is locked, so this sign-in is kept in memory for this call only and the token cache in ${this.dir} is left as it was; to keep sign-ins, ${unlockHint()}`
          : `warning: ${absenceCause(this.trouble ?? 'service')}; the token cache in ${this.dir} is sealed with a key kept there, so this sign-in is kept in memory for this call only and the sealed files are left as they were`,
      );
      return;
    }
    this.effective = 'file';
    writePrivateFileAtomic(this.path(part), text);
    // said with each token stored this way (a sign-in or refresh), not for msal's bookkeeping on a failure
    if (part === 'token') {
      this.warnOnce(
        'file',
        `warning: ${absenceCause(this.trouble === 'module' ? 'module' : 'service')}; ` +
          `tokens are cached in files readable only by you under ${this.dir}. ` +
          `Pass --token-cache-storage file to make this the choice, or none to keep tokens in memory only.`,
      );
    }
  }

  private hasSealedFile(): boolean {
    return (['token', 'msal', 'pop'] as const).some((part) => {
      try {
        const blob = readPrivateFile(this.path(part));
        return blob !== undefined && isSealed(blob);
      } catch {
        return true; // unreadable: treat as something not to overwrite
      }
    });
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.io.warn?.(message);
  }
}

/**
 * Removes every cached token under the directories (the default one and any a kubeconfig names), every
 * kubectl-np keychain entry and every session key copy. Returns how many sign-ins (cache keys) were removed.
 */
export async function clearAllTokenCaches(dirs: string | readonly string[], io: StoreIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const list = [...new Set(typeof dirs === 'string' ? [dirs] : dirs)];
  const removed = new Set<string>();
  for (const dir of list) {
    if (!existsSync(dir)) continue;
    ensurePrivateDir(dir);
    for (const name of readdirSync(dir)) {
      if (FAILURE_FILE.test(name)) removeFile(join(dir, name)); // not a sign-in: not counted
      const m = CACHE_FILE.exec(name);
      if (!m) continue;
      await TokenStore.open({ cacheKey: m[1], cacheDir: dir, storage: 'keychain' }, io).clear();
      removed.add(m[1]);
    }
  }
  // keychain entries whose files are gone (or live in a directory no kubeconfig names any more)
  const keychain = openKeychain(env);
  if (keychain) {
    try {
      for (const account of await keychain.accounts()) {
        if (await keychain.delete(account).catch(() => false)) removed.add(account);
        removeSessionKey(sessionKeyDir(env), account);
      }
    } catch (err) {
      if (isKeychainLocked(err)) io.warn?.(`warning: the OS keychain is locked, so its kubectl-np entries were not removed; ${unlockHint()}, then run the command again`);
      else io.debug?.(`OS keychain unavailable (${(err as Error).message})`);
    }
  }
  return removed.size;
}
