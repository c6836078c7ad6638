// Where npm skipped keytar (no libsecret headers or no compiler), the cache must still work, and the
// warning must name the missing native module, not a missing Secret Service: the fixes differ.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStore } from '../../../src/auth/cache/token-store.js';

vi.mock('keytar', () => {
  throw new Error("Cannot find package 'keytar' imported from keychain.js");
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-nokeytar-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keychain storage when the keytar module is missing', () => {
  it('falls back to a 0600 file and says the native module is what is missing', async () => {
    const warnings: string[] = [];
    // a session bus that looks present, so the store really tries the keychain module
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', KUBECTL_NP_NO_SESSION_KEYS: '1' };
    const store = TokenStore.open({ cacheKey: 'c'.repeat(32), cacheDir: join(dir, 'cache'), storage: 'keychain' }, { env, warn: (m) => warnings.push(m) });
    await store.writeMsalCache('{"Account":{}}');
    // the warning comes with the token stored that way (a sign-in or refresh), not with msal's bookkeeping
    await store.writeRecord({ v: 1, tokens: {} });
    expect(store.storage).toBe('file');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/keychain module \(keytar\) is not installed or did not load/);
    expect(warnings[0]).toMatch(/npm rebuild keytar/);
    expect(warnings[0]).not.toMatch(/Secret Service/);
    expect(statSync(store.path('msal')).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.path('msal'), 'utf8')).toBe('{"Account":{}}');
  });
});
