// The token cache against a real Secret Service (gnome-keyring on a private D-Bus session).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startKeyring, type KeyringSession } from '../../support/keyring.js';
import { TokenStore, clearAllTokenCaches } from '../../../src/auth/cache/token-store.js';
import { openKeychain, KEYCHAIN_SERVICE } from '../../../src/auth/cache/keychain.js';
import type { TokenRecord } from '../../../src/auth/cache/record.js';

let keyring: KeyringSession;
const savedEnv = { ...process.env };
const record: TokenRecord = { v: 1, account: { homeAccountId: 'u.t', username: 'alice@example.com', tenantId: 't' }, tokens: { access: { token: 'secret-access-token-value', expiresOn: Date.now() + 3_600_000 } } };

beforeAll(async () => {
  keyring = await startKeyring({ runtimeOnTmpfs: true });
  // GLib connects to the session bus once per process: point this process at the private bus first
  Object.assign(process.env, keyring.env);
});
afterAll(async () => {
  process.env = savedEnv;
  await keyring?.stop();
});

/** what the Secret Service holds for kubectl-np, asked through another client (libsecret's CLI) */
function secretToolLookup(account: string): string | undefined {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'account', account], { env: keyring.env, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  } catch {
    return undefined;
  }
}

describe('keychain storage (gnome-keyring)', () => {
  it('keeps only a key in the keychain and seals the tokens on disk with it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-kc-')), 'cache');
    const cacheKey = '1'.repeat(32);
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' });
    expect(store.storage).toBe('keychain');
    const bigMsalCache = JSON.stringify({ RefreshToken: { x: { secret: 'r'.repeat(6000) } } });
    await store.writeMsalCache(bigMsalCache);
    await store.writeRecord(record);

    const stored = secretToolLookup(cacheKey);
    expect(stored).toBeDefined();
    expect(Buffer.from(stored!, 'base64')).toHaveLength(32);
    for (const part of ['token', 'msal'] as const) {
      const onDisk = readFileSync(store.path(part));
      expect(onDisk.subarray(0, 4).toString()).toBe('KNP1');
      expect(onDisk.toString('latin1')).not.toContain('secret-access-token-value');
      expect(onDisk.toString('latin1')).not.toContain('rrrrrrrr');
    }

    const fresh = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' });
    expect(await fresh.readRecord()).toEqual(record);
    expect(await fresh.readMsalCache()).toBe(bigMsalCache);
  });

  it('keeps a session copy of the key on the tmpfs runtime dir and still works without it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-kc-')), 'cache');
    const cacheKey = '2'.repeat(32);
    await TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }).writeRecord(record);
    const sessionKey = join(keyring.runtimeDir, 'kubectl-np', `${cacheKey}.key`);
    expect(readFileSync(sessionKey, 'utf8')).toBe(secretToolLookup(cacheKey));

    // a stale session copy (say, from before a logout elsewhere) is passed over for the keychain's key
    writeFileSync(sessionKey, Buffer.alloc(32, 7).toString('base64'));
    expect(await TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }).readRecord()).toEqual(record);
  });

  it('discards sealed files whose key was deleted from the keychain and starts over', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-kc-')), 'cache');
    const cacheKey = '3'.repeat(32);
    await TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }).writeRecord(record);
    execFileSync('secret-tool', ['clear', 'service', KEYCHAIN_SERVICE, 'account', cacheKey], { env: keyring.env, timeout: 120_000, killSignal: 'SIGKILL' });
    const sessionKey = join(keyring.runtimeDir, 'kubectl-np', `${cacheKey}.key`);
    writeFileSync(sessionKey, Buffer.alloc(32, 9).toString('base64'));
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' });
    expect(await store.readRecord()).toBeUndefined();
    await store.writeRecord(record);
    expect(await TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }).readRecord()).toEqual(record);
  });

  it('logout of one key removes its keychain entry, files and session copy, and --all removes the rest', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-kc-')), 'cache');
    const a = TokenStore.open({ cacheKey: '4'.repeat(32), cacheDir: dir, storage: 'keychain' });
    const b = TokenStore.open({ cacheKey: '5'.repeat(32), cacheDir: dir, storage: 'keychain' });
    await a.writeRecord(record);
    await b.writeRecord(record);
    await a.clear();
    expect(secretToolLookup('4'.repeat(32))).toBeUndefined();
    expect(existsSync(a.path('token'))).toBe(false);
    expect(existsSync(join(keyring.runtimeDir, 'kubectl-np', `${'4'.repeat(32)}.key`))).toBe(false);
    expect(secretToolLookup('5'.repeat(32))).toBeDefined();

    await clearAllTokenCaches(dir);
    expect(await openKeychain()!.accounts()).toEqual([]);
    expect(readdirSync(dir).filter((f) => /\.(token|msal)$/.test(f))).toEqual([]);
  });
});
