// Keychain storage fails closed (issue 17 item 3): against a real gnome-keyring, locked over D-Bus as a
// desktop locks it, a sealed session is reported as locked and kept — never read as "sign-in required",
// never replaced by plain text. A session of its own: gnome-keyring cannot be unlocked without a prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyring, type KeyringSession } from '../../support/keyring.js';
import { clearAllTokenCaches, TokenStore } from '../../../src/auth/cache/token-store.js';
import { describeTokenStorage } from '../../../src/auth/cache/keychain.js';
import type { TokenRecord } from '../../../src/auth/cache/record.js';
import { resolveTokenOptions } from '../../../src/auth/token-options.js';
import { requireFreshBuild } from './dist.js';
import { execInfo, runCli } from './cli.js';

let keyring: KeyringSession;
const savedEnv = { ...process.env };
const record: TokenRecord = { v: 1, account: { homeAccountId: 'u.t', username: 'alice@example.com', tenantId: 't' }, tokens: { access: { token: 'secret-access-token-value', expiresOn: Date.now() + 3_600_000 } } };
const renewed: TokenRecord = { ...record, tokens: { access: { token: 'renewed-access-token-value', expiresOn: Date.now() + 7_200_000 } } };
const dir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-kc-locked-')), 'cache');
const NO_KEY_IN_HAND = 'a'.repeat(32);
const SESSION_COPY = 'b'.repeat(32);
const NEVER_SIGNED_IN = 'c'.repeat(32);
// what get-token resolves these flags to: its cache key holds a valid session sealed before the lock
const CLI_FLAGS = ['--tenant-id', '72f988bf-86f1-41af-91ab-2d7cd011db47', '--cache-dir', dir];
const cliKey = () => resolveTokenOptions({ 'tenant-id': CLI_FLAGS[1], 'cache-dir': dir }, {}).cacheKey;

const open = (cacheKey: string, warn?: (m: string) => void) => TokenStore.open({ cacheKey, cacheDir: dir, storage: 'keychain' }, { env: process.env, warn });
const sessionCopy = (cacheKey: string) => join(keyring.runtimeDir, 'kubectl-np', `${cacheKey}.key`);

beforeAll(async () => {
  requireFreshBuild();
  keyring = await startKeyring({ runtimeOnTmpfs: true });
  // GLib connects to the session bus once per process: point this process at the private bus first
  Object.assign(process.env, keyring.env);
  for (const key of [NO_KEY_IN_HAND, SESSION_COPY, cliKey()]) {
    await open(key).writeRecord(record);
    await open(key).writeMsalCache('{"RefreshToken":{}}');
  }
  // a session without the tmpfs copy (another login session, or KUBECTL_NP_NO_SESSION_KEYS) has only the keychain
  rmSync(sessionCopy(NO_KEY_IN_HAND));
  rmSync(sessionCopy(cliKey()));
  await keyring.lock();
});
afterAll(async () => {
  process.env = savedEnv;
  await keyring?.stop();
});

describe('a locked keychain', () => {
  it('get-token: a valid session is reported as locked (exit 3, one line), not as "sign-in required"', async () => {
    const tokenFile = join(dir, `${cliKey()}.token`);
    const before = readFileSync(tokenFile);
    const result = await runCli(['get-token', ...CLI_FLAGS], { env: { ...keyring.env, KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: the token cache in ${dir} is sealed with a key kept in the OS keychain, and the OS keychain is locked; ` +
        'unlock the "login" keyring: sign in to the desktop session again, or unlock it in Seahorse (Passwords and Keys). ' +
        'Then run the command again; the sealed files are kept (kubectl np logout discards them)\n',
    );
    expect(readFileSync(tokenFile)).toEqual(before);
  });

  it('is reported as locked, with how to unlock it, and the sealed session is kept as it was', async () => {
    const store = open(NO_KEY_IN_HAND);
    const before = readFileSync(store.path('token'));
    await expect(store.readRecord()).rejects.toThrow(
      `the token cache in ${dir} is sealed with a key kept in the OS keychain, and the OS keychain is locked; unlock the "login" keyring`,
    );
    expect(readFileSync(store.path('token'))).toEqual(before);
    expect(before.subarray(0, 4).toString()).toBe('KNP1');
  });

  it('a sign-in meanwhile stays in memory for that call: no plain text over the sealed session', async () => {
    const warnings: string[] = [];
    const store = open(NO_KEY_IN_HAND, (m) => warnings.push(m));
    const before = { token: readFileSync(store.path('token')), msal: readFileSync(store.path('msal')) };
    await store.writeMsalCache('{"RefreshToken":{"x":{"secret":"new-refresh-token-value"}}}');
    await store.writeRecord(renewed);
    expect(await store.readRecord()).toEqual(renewed);
    expect({ token: readFileSync(store.path('token')), msal: readFileSync(store.path('msal')) }).toEqual(before);
    expect(warnings).toEqual([expect.stringMatching(/^warning: the OS keychain is locked, so this sign-in is kept in memory for this call only and the token cache in .* is left as it was; to keep sign-ins, unlock/)]);
  });

  it('a first sign-in while locked is not written in plain text either', async () => {
    const warnings: string[] = [];
    const store = open(NEVER_SIGNED_IN, (m) => warnings.push(m));
    await store.writeRecord(record);
    expect(existsSync(store.path('token'))).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the OS keychain is locked/);
  });

  it('with the key in hand (the session copy), the cache is read and sealed again as usual, without a warning', async () => {
    const warnings: string[] = [];
    const store = open(SESSION_COPY, (m) => warnings.push(m));
    expect(await store.readRecord()).toEqual(record);
    await store.writeRecord(renewed);
    expect(readFileSync(store.path('token')).subarray(0, 4).toString()).toBe('KNP1');
    expect(readFileSync(store.path('token')).toString('latin1')).not.toContain('renewed-access-token-value');
    expect(await open(SESSION_COPY).readRecord()).toEqual(renewed);
    expect(warnings).toEqual([]);
  });

  it('logout --all and version say it is locked instead of crashing (keytar\'s listing would end the process with SIGSEGV)', async () => {
    const warnings: string[] = [];
    expect(await clearAllTokenCaches(join(dir, '..', 'elsewhere'), { env: process.env, warn: (m) => warnings.push(m) })).toBe(0);
    expect(warnings).toEqual([expect.stringMatching(/^warning: the OS keychain is locked, so its kubectl-np entries were not removed; unlock/)]);
    expect(await describeTokenStorage(process.env)).toMatchObject({ backend: 'keychain', detail: expect.stringMatching(/locked now/) });
  });
});
