// The token cache under conditions a review attacked it with (issue 17): a wrong clock, a token endpoint
// that never answers, an Entra outage with parallel callers, a cache that cannot be written, and the
// Azure CLI / azd modes after an account switch. The built CLI runs as kubectl runs it, against the
// Entra emulator, with the file cache (no D-Bus session in these children).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RETRY } from '../../../src/auth/msal/network.js';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { createFakeAz } from '../../support/fake-az/index.js';
import { fakeClockEnv } from '../../support/fake-clock.js';
import { failWritesEnv } from '../../support/fail-writes.js';
import { requireFreshBuild } from './dist.js';
import { approveFromStderr, claimsOf, credentialOf, execInfo, isolatedEnv, runCli, type CliResult } from './cli.js';

const ALICE = 'alice@contoso.example';
const HOUR = 3_600_000;
let emu: EntraEmulator;

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE }], deviceCodeIntervalSeconds: 0.05 });
});
afterAll(async () => {
  await emu?.close();
});

let env: ReturnType<typeof isolatedEnv>;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile });
  emu.setAccessTokenLifetime(3600);
});

const tokenArgs = () => ['--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost];
const cacheDir = () => join(env.HOME, '.kube', 'cache', 'kubectl-np');
const tokenCalls = (since: number, grant?: string) => emu.requests.slice(since).filter((r) => r.endpoint === 'token' && (!grant || r.grantType === grant));

function getToken(opts: { interactive?: boolean; extra?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const childEnv = { ...env, ...opts.env, KUBERNETES_EXEC_INFO: execInfo(opts.interactive ?? false) };
  return runCli(['get-token', ...tokenArgs(), ...(opts.extra ?? [])], {
    env: childEnv,
    onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)),
  });
}

/** What kubectl is told about a token, next to what the token says of itself. */
function expiries(result: CliResult): { reportedMs: number; expMs: number } {
  const { status } = credentialOf(result);
  return { reportedMs: Date.parse(status.expirationTimestamp), expMs: Number(claimsOf(status.token).exp) * 1000 };
}

describe('a wrong clock', () => {
  it('signed in with the clock 2 h fast: once the clock is right, kubectl is never told a token lives past its exp', async () => {
    const signIn = await getToken({ interactive: true, env: fakeClockEnv(2 * HOUR) });
    expect(signIn.code).toBe(0);
    const since = emu.requests.length;
    const later = await getToken({ interactive: false });
    const { reportedMs, expMs } = expiries(later);
    expect(reportedMs).toBeLessThanOrEqual(expMs);
    // the cached token is still good by its own exp: answered from the cache
    expect(tokenCalls(since)).toEqual([]);
  });

  it('a clock that stays 2 h fast renews on each call instead of handing out the expired cached token, and says why', async () => {
    const skewed = fakeClockEnv(2 * HOUR);
    expect((await getToken({ interactive: true, env: skewed })).code).toBe(0);
    const since = emu.requests.length;
    const again = await getToken({ interactive: false, env: skewed });
    const { reportedMs, expMs } = expiries(again);
    expect(reportedMs).toBeLessThanOrEqual(expMs);
    expect(tokenCalls(since, 'refresh_token')).toHaveLength(1);
    expect(again.stderr).toMatch(/^warning: this machine's clock \(.*\) looks 1[12]\d minutes ahead of Entra's/m);
  });

  it('a clock 2 h slow is told the expiry its own clock gives, still no later than exp', async () => {
    const { reportedMs, expMs } = expiries(await getToken({ interactive: true, env: fakeClockEnv(-2 * HOUR) }));
    expect(reportedMs).toBeLessThanOrEqual(expMs);
  });
});

describe('a token endpoint that does not answer', () => {
  it('gives up when --timeout runs out: exit 3, one line, and the cache lock free for the next caller', async () => {
    emu.setAccessTokenLifetime(60); // inside the renewal window: the next call refreshes
    expect((await getToken({ interactive: true })).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
    // far longer than any test runs: only the CLI's own bound can end the wait
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', latencyMs: 3_600_000 });
    const since = emu.requests.length;
    // generous enough for a machine loaded tenfold to load msal and read discovery (about 1 s idle) before
    // the refresh: a --timeout that ran out during discovery would fail with another message
    const stuck = await getToken({ extra: ['--timeout', '30s'] });
    expect(stuck.code).toBe(3);
    expect(stuck.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: cannot refresh the token: 127\.0\.0\.1:\d+ did not answer: the --timeout ran out/)]);
    // the delayed refresh has not been answered: the CLI gave up on its own
    expect(tokenCalls(since)).toEqual([]);
    expect(readdirSync(cacheDir()).filter((n) => n.includes('.lock'))).toEqual([]);
    const next = await getToken();
    expect(next.code).toBe(0);
    expect(tokenCalls(since, 'refresh_token').map((r) => r.status)).toEqual([200]);
  });
});

describe('an Entra outage with parallel callers', () => {
  it('callers that waited for the lock share the holder\'s failure, as they share its token: ten callers, one refresh attempt', async () => {
    emu.setAccessTokenLifetime(60);
    expect((await getToken({ interactive: true })).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
    // the first refresh is held until the nine others wait for the lock; every attempt of the holder
    // (the first and its retries) gets a 503
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 503, times: DEFAULT_RETRY.maxRetries + 1, hold });
    const since = emu.requests.length;
    const waiting = new Set<number>();
    const callers = Array.from({ length: 10 }, (_, i) =>
      runCli(['get-token', ...tokenArgs(), '--debug'], {
        env: { ...env, KUBERNETES_EXEC_INFO: execInfo(false) },
        onStderr: (text) => {
          if (/holds the token cache lock; waiting for it/.test(text)) waiting.add(i);
          if (waiting.size === 9) release();
        },
      }),
    );
    const results = await Promise.all(callers);
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(3));
    const errorLines = results.map((r) => r.stderr.split('\n').find((l) => l.startsWith('error: ')));
    expect(errorLines[0]).toMatch(/^error: cannot refresh the token: /);
    expect(errorLines.filter((line) => line !== errorLines[0])).toEqual([]);
    expect(tokenCalls(since, 'refresh_token').map((r) => r.status)).toEqual(Array(DEFAULT_RETRY.maxRetries + 1).fill(503));
  });

  it('a caller that starts after the failure tries again by itself', async () => {
    emu.setAccessTokenLifetime(60);
    expect((await getToken({ interactive: true })).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 503, times: DEFAULT_RETRY.maxRetries + 1 });
    expect((await getToken()).code).toBe(3);
    expect((await getToken()).code).toBe(0);
  });
});

describe('a cache directory that cannot be written', () => {
  async function expiredSession(): Promise<void> {
    emu.setAccessTokenLifetime(60); // inside the renewal window: the next call refreshes
    expect((await getToken({ interactive: true })).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
  }
  const litter = () => readdirSync(cacheDir()).filter((n) => n.endsWith('.tmp') || n.includes('.lock'));

  it.each([
    ['full', 'ENOSPC', 'no space left on device'],
    ['read-only', 'EROFS', 'read-only file system'],
  ] as const)('%s: exit 3 with one line naming the directory and the cause, and no temporary files left', async (_what, code, words) => {
    await expiredSession();
    const since = emu.requests.length;
    const result = await getToken({ env: failWritesEnv(cacheDir(), code) });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([`error: cannot write the token cache in ${cacheDir()}: ${words} (${code})`]);
    expect(litter()).toEqual([]);
    // nothing was refreshed that could not be kept
    expect(tokenCalls(since)).toEqual([]);
  });

  it('read-only: a token still valid in the cache is answered as usual', async () => {
    const first = credentialOf(await getToken({ interactive: true })).status.token;
    const again = await getToken({ env: failWritesEnv(cacheDir(), 'EROFS') });
    expect(credentialOf(again).status.token).toBe(first);
  });

  it('the refresh succeeded but the disk filled before the cache was written: kubectl still gets the new token, with one warning', async () => {
    await expiredSession();
    const since = emu.requests.length;
    const result = await getToken({ env: failWritesEnv(cacheDir(), 'ENOSPC', /\.(token|msal)\./) });
    expect(result.code).toBe(0);
    const { token } = credentialOf(result).status;
    expect(emu.verifyOwnToken(token)).toMatchObject({ upn: ALICE });
    expect(tokenCalls(since, 'refresh_token').map((r) => r.status)).toEqual([200]);
    expect(result.stderr.trim().split('\n')).toEqual([
      `warning: cannot write the token cache in ${cacheDir()}: no space left on device (ENOSPC); the new token is used for this call only`,
    ]);
    expect(litter()).toEqual([]);
  });
});

describe('--login azurecli and azd are never cached', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const tokenOf = (oid: string) => ({ accessToken: emu.mintToken({ aud: AKS_SERVER_ID, iss: emu.issuer(), tid: emu.tenantId, oid, iat: now(), exp: now() + 3600 }), expiresOn: now() + 3600 });

  it.each(['azurecli', 'azd'])('--login %s: after an account switch the next call has the new account\'s token; after sign-out, none', async (mode) => {
    const az = createFakeAz({ signedIn: true, tenant: emu.tenantId, tokens: { [AKS_SERVER_ID]: tokenOf('first-account') } });
    const run = () =>
      runCli(['get-token', '--login', mode, '--tenant-id', emu.tenantId, '--token-cache-storage', 'file'], {
        env: { ...env, ...az.env, PATH: `${az.binDir}:${env.PATH}`, KUBERNETES_EXEC_INFO: execInfo(false) },
      });
    expect(claimsOf(credentialOf(await run()).status.token).oid).toBe('first-account');
    az.setState({ signedIn: true, tenant: emu.tenantId, tokens: { [AKS_SERVER_ID]: tokenOf('second-account') } });
    expect(claimsOf(credentialOf(await run()).status.token).oid).toBe('second-account');
    az.setState({ signedIn: false, tenant: emu.tenantId });
    const signedOut = await run();
    expect(signedOut.code).toBe(3);
    expect(signedOut.stdout).toBe('');
    expect(az.calls()).toHaveLength(3);
    expect(existsSync(cacheDir()) ? readdirSync(cacheDir()).filter((n) => /\.(token|msal)$/.test(n)) : []).toEqual([]);
  });
});
