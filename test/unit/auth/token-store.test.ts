import { describe, it, expect, beforeEach } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStore, clearAllTokenCaches } from '../../../src/auth/cache/token-store.js';
import { seal, unseal, newKey } from '../../../src/auth/cache/seal.js';
import { usableToken, RENEW_BEFORE_EXPIRY_MS, type TokenRecord } from '../../../src/auth/cache/record.js';

// no D-Bus session in this environment: the keychain is unreachable on purpose
const noKeychainEnv = { PATH: process.env.PATH, HOME: tmpdir() } as NodeJS.ProcessEnv;
const cacheKey = 'a'.repeat(32);
const record: TokenRecord = { v: 1, account: { homeAccountId: 'u.t', username: 'alice@example.com', tenantId: 't' }, tokens: { access: { token: 'at-1', expiresOn: Date.now() + 3_600_000 } } };

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-store-')), 'cache');
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe('sealed cache files', () => {
  it('open only with the same key and label', () => {
    const key = newKey();
    const blob = seal(key, 'secret text', 'label-a');
    expect(blob.toString('utf8')).not.toContain('secret text');
    expect(unseal(key, blob, 'label-a')).toBe('secret text');
    expect(unseal(newKey(), blob, 'label-a')).toBeUndefined();
    expect(unseal(key, blob, 'label-b')).toBeUndefined();
    expect(unseal(key, blob.subarray(0, blob.length - 3), 'label-a')).toBeUndefined();
  });
});

describe('file storage', () => {
  it('keeps the record and the MSAL cache in 0600 files in a 0700 directory', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    await store.writeRecord(record);
    await store.writeMsalCache('{"Account":{}}');
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.path('token'))).toBe(0o600);
    expect(mode(store.path('msal'))).toBe(0o600);
    const again = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    expect(await again.readRecord()).toEqual(record);
    expect(await again.readMsalCache()).toBe('{"Account":{}}');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a cache file other users can read, naming the fix (exit 2)', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    await store.writeRecord(record);
    chmodSync(store.path('token'), 0o644);
    const err = await store.readRecord().then(() => undefined, (e: Error & { exitCode?: number }) => e);
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toBe(`token cache ${store.path('token')} is accessible by other users (mode 644); fix it with: chmod 600 ${store.path('token')}`);
  });

  it('refuses a cache directory other users can read', () => {
    TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' });
    chmodSync(dir, 0o755);
    expect(() => TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' })).toThrow(/accessible by other users \(mode 755\); fix it with: chmod 700/);
  });

  it('treats a damaged record as absent instead of failing', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    writeFileSync(store.path('token'), '{"v":1,"tokens":{"access":{"token":42}}}', { mode: 0o600 });
    expect(await store.readRecord()).toBeUndefined();
    writeFileSync(store.path('token'), 'not json at all', { mode: 0o600 });
    expect(await store.readRecord()).toBeUndefined();
  });

  it('treats a sealed file as absent when file storage is asked for (switching storage never strands a cache)', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    writeFileSync(store.path('msal'), seal(newKey(), '{}', 'whatever'), { mode: 0o600 });
    expect(await store.readMsalCache()).toBeUndefined();
  });

  it('keeps a sealed file, and says why, when keychain storage has no keychain to open it with', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }, { env: noKeychainEnv });
    const sealed = seal(newKey(), '{}', 'whatever');
    writeFileSync(store.path('msal'), sealed, { mode: 0o600 });
    await expect(store.readMsalCache()).rejects.toThrow(`the token cache in ${dir} is sealed with a key kept in the OS keychain, and no OS keychain answers`);
    expect(readFileSync(store.path('msal'))).toEqual(sealed);
  });
});

describe('keychain storage without a keychain', () => {
  it('falls back to a 0600 file and warns on every call that does (not once per cache directory)', async () => {
    const warnings: string[] = [];
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }, { env: noKeychainEnv, warn: (m) => warnings.push(m) });
    await store.writeRecord(record);
    await store.writeMsalCache('{}');
    expect(store.storage).toBe('file');
    expect(warnings).toHaveLength(1);
    const nextCall = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }, { env: noKeychainEnv, warn: (m) => warnings.push(m) });
    await nextCall.writeRecord(record);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^warning: no OS keychain answers .*; tokens are cached in files readable only by you under /);
    expect(mode(store.path('token'))).toBe(0o600);
    expect(JSON.parse(readFileSync(store.path('token'), 'utf8'))).toEqual(record);
  });

  it('never writes plain text over a sealed session: the new tokens live in memory for the call, with a warning', async () => {
    const warnings: string[] = [];
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }, { env: noKeychainEnv, warn: (m) => warnings.push(m) });
    const sealed = seal(newKey(), '{"v":1,"tokens":{}}', `kubectl-np:${cacheKey}:token`);
    writeFileSync(store.path('token'), sealed, { mode: 0o600 });
    await store.writeRecord(record);
    expect(readFileSync(store.path('token'))).toEqual(sealed);
    expect(await store.readRecord()).toEqual(record);
    expect(warnings).toEqual([expect.stringMatching(/so this sign-in is kept in memory for this call only and the sealed files are left as they were$/)]);
  });
});

describe('memory-only storage', () => {
  it('writes nothing to disk', async () => {
    const store = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'none' });
    await store.writeRecord(record);
    expect(await store.readRecord()).toEqual(record);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('forgetting tokens', () => {
  it('removes one key, or every key', async () => {
    const a = TokenStore.open({ cacheKey, cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    const b = TokenStore.open({ cacheKey: 'b'.repeat(32), cacheDir: dir, storage: 'file' }, { env: noKeychainEnv });
    for (const s of [a, b]) {
      await s.writeRecord(record);
      await s.writeMsalCache('{}');
    }
    await a.clear();
    expect(await a.readRecord()).toBeUndefined();
    expect(await b.readRecord()).toEqual(record);
    expect(await clearAllTokenCaches(dir, { env: noKeychainEnv })).toBe(1);
    expect(await b.readRecord()).toBeUndefined();
  });
});

describe('token freshness', () => {
  it('hands out a cached token only while it has more than the renewal margin left', () => {
    const now = Date.now();
    const rec = (expiresOn: number): TokenRecord => ({ v: 1, tokens: { access: { token: 't', expiresOn } } });
    expect(usableToken(rec(now + RENEW_BEFORE_EXPIRY_MS + 1000), 'access', now)?.token).toBe('t');
    expect(usableToken(rec(now + RENEW_BEFORE_EXPIRY_MS - 1000), 'access', now)).toBeUndefined();
    expect(usableToken(rec(now + 3_600_000), 'id', now)).toBeUndefined();
  });
});
