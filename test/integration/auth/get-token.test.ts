// get-token, login and logout as kubectl runs them (child processes of the built CLI) against the Entra
// emulator, with the file cache (no D-Bus session in these children). The keychain variant and real
// kubectl are in credential-helper e2e tests.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { requireFreshBuild } from './dist.js';
import { approveFromStderr, claimsOf, credentialOf, execInfo, isolatedEnv, runCli, type CliResult } from './cli.js';

const ALICE = 'alice@contoso.example';
const CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';
let emu: EntraEmulator;

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE, groups: ['11111111-1111-4111-8111-111111111111'] }], deviceCodeIntervalSeconds: 0.05 });
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

function getToken(opts: { interactive?: boolean; apiVersion?: string; extra?: string[]; approveAs?: string } = {}): Promise<CliResult> {
  const childEnv = { ...env };
  if (opts.interactive !== undefined) childEnv.KUBERNETES_EXEC_INFO = execInfo(opts.interactive, opts.apiVersion);
  return runCli(['get-token', ...tokenArgs(), ...(opts.extra ?? [])], {
    env: childEnv,
    onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, opts.approveAs ?? ALICE)),
  });
}

async function signIn(): Promise<string> {
  return credentialOf(await getToken({ interactive: true })).status.token;
}

const requestsSince = (n: number) => emu.requests.slice(n);
const tokenCalls = (since: number, grant?: string) => requestsSince(since).filter((r) => r.endpoint === 'token' && (!grant || r.grantType === grant));

describe('first use: device code sign-in', () => {
  it('shows the device code on stderr and prints only an ExecCredential on stdout', async () => {
    const before = emu.requests.length;
    const result = await getToken({ interactive: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]+ to authenticate\./);
    expect(result.stderr).toMatch(/warning: no OS keychain answers/);
    const cred = JSON.parse(result.stdout);
    expect(Object.keys(cred)).toEqual(['kind', 'apiVersion', 'spec', 'status']);
    expect(cred).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: true } });
    const claims = claimsOf(cred.status.token);
    expect(claims).toMatchObject({ aud: AKS_SERVER_ID, upn: ALICE, iss: emu.issuer() });
    // reported a minute before the real expiry, so kubectl never sends a token that expires in flight; msal
    // counts the lifetime from when it started polling, so the report may be earlier by up to the whole run
    const reported = Date.parse(cred.status.expirationTimestamp) / 1000;
    expect(reported).toBeLessThanOrEqual(Number(claims.exp) - 60);
    expect(reported).toBeGreaterThanOrEqual(Number(claims.exp) - 60 - Math.ceil(result.ms / 1000) - 1);
    expect(tokenCalls(before, 'device_code').at(-1)?.status).toBe(200);
  });

  it('answers later calls from the cache without asking Entra, in the apiVersion asked for', async () => {
    const token = await signIn();
    const before = emu.requests.length;
    const v1beta1 = await getToken({ interactive: false, apiVersion: 'client.authentication.k8s.io/v1beta1' });
    const noExecInfo = await getToken({});
    expect(credentialOf(v1beta1)).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1beta1', status: { token } });
    // without KUBERNETES_EXEC_INFO: v1beta1, like Azure/kubelogin
    expect(credentialOf(noExecInfo).apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(requestsSince(before)).toEqual([]);
    // the no-keychain warning is shown once
    expect(v1beta1.stderr + noExecInfo.stderr).toBe('');
  });

  it('returns the ID token with --token-type id', async () => {
    await signIn();
    const cred = credentialOf(await getToken({ interactive: false, extra: ['--token-type', 'id'] }));
    expect(claimsOf(cred.status.token)).toMatchObject({ aud: CLIENT_ID, iss: emu.issuer(), preferred_username: ALICE });
  });

  it('keeps the cache in 0600 files in a 0700 directory', async () => {
    await signIn();
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const files = readdirSync(cacheDir()).filter((f) => /\.(token|msal)$/.test(f));
    expect(files).toHaveLength(2);
    for (const f of files) expect(statSync(join(cacheDir(), f)).mode & 0o777).toBe(0o600);
  });
});

describe('when kubectl forbids interaction', () => {
  it('fails at once with the command to run, without contacting Entra', async () => {
    const before = emu.requests.length;
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(3);
    // it fails before any sign-in starts (no request below), so it never waits out the 5-minute sign-in timeout
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`error: not signed in to tenant ${emu.tenantId} for this cluster, and kubectl does not allow interaction here; run \`kubectl np login --tenant-id ${emu.tenantId} --authority-host ${emu.authorityHost}\``);
    expect(requestsSince(before)).toEqual([]);
  });

  it('names the kubeconfig context in the hint when one uses these settings', async () => {
    writeFileSync(env.KUBECONFIG!, `apiVersion: v1
kind: Config
contexts:
- name: aks-prod
  context: {cluster: c, user: u}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl-np
      args: [get-token, --tenant-id, ${emu.tenantId}, --authority-host, ${emu.authorityHost}]
`);
    const result = await getToken({ interactive: false });
    expect(result.stderr).toContain('run `kubectl np login --context aks-prod`');
  });
});

describe('renewal', () => {
  it('renews an expired access token silently with one refresh request', async () => {
    emu.setAccessTokenLifetime(60); // inside the 5-minute renewal window from the start
    const first = await signIn();
    emu.setAccessTokenLifetime(3600);
    const before = emu.requests.length;
    const renewed = credentialOf(await getToken({ interactive: false })).status.token;
    expect(renewed).not.toBe(first);
    expect(tokenCalls(before).map((r) => [r.grantType, r.status])).toEqual([['refresh_token', 200]]);
    const again = credentialOf(await getToken({ interactive: false })).status.token;
    expect(again).toBe(renewed);
    expect(tokenCalls(before)).toHaveLength(1);
  });

  it.each([
    ['missing', (path: string) => rmSync(path)],
    ['corrupt', (path: string) => writeFileSync(path, '{"v":1,"tok', { mode: 0o600 })],
  ])('refreshes without interaction when only the token record is %s and msal still holds the session', async (_what, damage) => {
    await signIn();
    damage(join(cacheDir(), readdirSync(cacheDir()).find((n) => n.endsWith('.token'))!));
    const since = emu.requests.length;
    const result = await getToken({ interactive: false });
    // no keychain in these children: each call that writes the file cache says so (issue 17), nothing else
    expect(result.stderr).toMatch(/^warning: no OS keychain answers [^\n]*\n$/);
    expect(result.code).toBe(0);
    expect(credentialOf(result).status.token).toMatch(/^eyJ/);
    // from msal's cached access token or one refresh; never a new sign-in
    expect(tokenCalls(since).filter((r) => r.grantType !== 'refresh_token')).toEqual([]);
  });

  it('fails fast, without Entra, when neither the record nor msal\'s cache is there', async () => {
    await signIn();
    for (const f of readdirSync(cacheDir()).filter((n) => /\.(token|msal)$/.test(n))) rmSync(join(cacheDir(), f));
    const since = emu.requests.length;
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: not signed in to tenant .*run `kubectl np login/);
    expect(requestsSince(since)).toEqual([]);
  });

  it('signs in again when the refresh token was revoked and interaction is allowed', async () => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.revokeRefreshTokens(ALICE, 50173);
    const before = emu.requests.length;
    const result = await getToken({ interactive: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/enter the code/);
    expect(tokenCalls(before).map((r) => r.grantType)).toEqual(['refresh_token', ...tokenCalls(before, 'device_code').map(() => 'device_code')]);
    expect(tokenCalls(before, 'refresh_token')[0].status).toBe(400);
  });

  it.each([50173, 70043, 700082] as const)('AADSTS%d without interaction: exit 3 with the login command, then no more refresh attempts', async (aadsts) => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.revokeRefreshTokens(ALICE, aadsts);
    const before = emu.requests.length;
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`^error: the session has ended \\(AADSTS${aadsts}: [^\\n]*\\), and kubectl does not allow interaction here; run \`kubectl np login --tenant-id`));
    expect(result.stderr).not.toMatch(/eyJ|at .*\.js/);
    // the dead refresh token was dropped: the next call fails fast without asking Entra again
    const next = await getToken({ interactive: false });
    expect(next.code).toBe(3);
    expect(tokenCalls(before)).toHaveLength(1);
  });

  it('keeps a claims challenge met without interaction for the next sign-in', async () => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', aadsts: 50076 });
    const refused = await getToken({ interactive: false });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/additional verification required \(AADSTS50076/);
    const before = emu.requests.length;
    const result = await getToken({ interactive: true });
    expect(result.code).toBe(0);
    // no refresh attempt that would be refused again: straight to sign-in, carrying the challenge
    expect(tokenCalls(before, 'refresh_token')).toEqual([]);
    const deviceCodeRequest = requestsSince(before).find((r) => r.endpoint === 'devicecode');
    expect(JSON.parse(deviceCodeRequest?.claims ?? '{}')).toHaveProperty('access_token.capolids');
    // satisfied: the challenge is not carried into later requests
    emu.setAccessTokenLifetime(3600);
    const after = emu.requests.length;
    expect((await getToken({ interactive: false })).code).toBe(0);
    expect(requestsSince(after).filter((r) => r.endpoint === 'devicecode')).toEqual([]);
  });

  it('explains AADSTS53003 (Conditional Access) in one line and does not retry', async () => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', aadsts: 53003 });
    const before = emu.requests.length;
    const result = await getToken({ interactive: true });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: Conditional Access blocked this sign-in \(AADSTS53003\)/);
    expect(tokenCalls(before)).toHaveLength(1);
    expect(requestsSince(before).filter((r) => r.endpoint === 'devicecode')).toEqual([]);
  });

  it('waits out a 429 with Retry-After and succeeds', async () => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.setAccessTokenLifetime(3600);
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 429, retryAfterSeconds: 1 });
    const before = emu.requests.length;
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(0);
    const calls = tokenCalls(before, 'refresh_token');
    expect(calls.map((r) => r.status)).toEqual([429, 200]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('reports, rather than sleeps through, a Retry-After beyond its bound', async () => {
    emu.setAccessTokenLifetime(60);
    await signIn();
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 503, retryAfterSeconds: 120 });
    const before = emu.requests.length;
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(3);
    // sleeping through the 120 s Retry-After would take at least that long
    expect(result.ms).toBeLessThan(120_000);
    expect(result.stderr).toMatch(/^error: cannot refresh the token: /);
    expect(tokenCalls(before)).toHaveLength(1);
  });
});

describe('damaged and exposed caches', () => {
  it('discards a corrupt cache and asks the user to sign in again, without crashing', async () => {
    await signIn();
    for (const f of readdirSync(cacheDir()).filter((n) => /\.(token|msal)$/.test(n))) writeFileSync(join(cacheDir(), f), '{"v":1,"tok', { mode: 0o600 });
    const result = await getToken({ interactive: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/enter the code/);
    expect(credentialOf(result).status.token).toMatch(/^eyJ/);
  });

  it('follows a symlinked cache directory to a private directory, and names the target when it is not private', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'kubectl-np-moved-cache-')), 'tokens');
    mkdirSync(target, { mode: 0o700 });
    const link = join(env.HOME, 'cache-link');
    symlinkSync(target, link);
    const first = await getToken({ interactive: true, extra: ['--cache-dir', link] });
    expect(first.code).toBe(0);
    expect(readdirSync(target).filter((f) => f.endsWith('.token'))).toHaveLength(1);
    const since = emu.requests.length;
    expect((await getToken({ interactive: false, extra: ['--cache-dir', link] })).code).toBe(0);
    expect(tokenCalls(since)).toEqual([]);
    chmodSync(target, 0o755);
    const exposed = await getToken({ interactive: false, extra: ['--cache-dir', link] });
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toBe(`error: token cache ${target} is accessible by other users (mode 755); fix it with: chmod 700 ${target}\n`);
    const dangling = join(env.HOME, 'dangling-link');
    symlinkSync(join(env.HOME, 'nowhere'), dangling);
    const missing = await getToken({ interactive: false, extra: ['--cache-dir', dangling] });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: token cache path ${dangling} is a symbolic link to ${join(env.HOME, 'nowhere')}, which does not exist\n`);
  });

  it('refuses a cache file others can read, naming the fix', async () => {
    await signIn();
    const file = readdirSync(cacheDir()).find((n) => n.endsWith('.token'))!;
    chmodSync(join(cacheDir(), file), 0o644);
    const result = await getToken({ interactive: false });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: token cache ${join(cacheDir(), file)} is accessible by other users (mode 644); fix it with: chmod 600 ${join(cacheDir(), file)}\n`);
  });
});

describe('--debug', () => {
  it('says each sign-in step and each request to Entra in one line, like kubectl -v=6; never a token or code', async () => {
    const lines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('debug: sign-in: '));
    // a short-lived first token, so the next call renews it; its 2 minutes are counted from when msal
    // started polling, so a slow approval on a loaded box leaves fewer
    emu.setAccessTokenLifetime(120);
    const first = await getToken({ interactive: true, extra: ['--debug'] });
    const tokens = [credentialOf(first).status.token];
    expect(lines(first)).toEqual([
      'debug: sign-in: no cached access token valid for 5 min more',
      'debug: sign-in: sign-in required: signing in with --login devicecode',
      expect.stringMatching(/^debug: sign-in: new access token valid until \S+Z \(in [0-2] min\), kept in the token cache \(file\)$/),
    ]);
    expect(first.stderr).toMatch(/^debug: POST https:\/\/127\.0\.0\.1:\d+\/[\w-]+\/oauth2\/v2\.0\/devicecode → 200 \(\d+ ms\)$/m);
    expect(first.stderr).toMatch(/^debug: POST https:\/\/127\.0\.0\.1:\d+\/[\w-]+\/oauth2\/v2\.0\/token → 200 \(\d+ ms\)$/m);

    emu.setAccessTokenLifetime(3600);
    const renewed = await getToken({ interactive: false, extra: ['--debug'] });
    tokens.push(credentialOf(renewed).status.token);
    expect(lines(renewed)).toEqual([
      'debug: sign-in: no cached access token valid for 5 min more',
      `debug: sign-in: refreshing silently for ${ALICE} (msal's cache, else its refresh token)`,
      expect.stringMatching(/^debug: sign-in: renewed access token valid until \S+Z \(in \d+ min\), kept in the token cache \(file\)$/),
    ]);
    expect(renewed.stderr).toMatch(/^debug: POST https:\/\/\S+\/oauth2\/v2\.0\/token → 200 \(\d+ ms\)$/m);

    // KUBECTL_NP_DEBUG=1 is the same switch, and passes over the fast path so a cached answer is explained too
    const cached = await runCli(['get-token', ...tokenArgs()], { env: { ...env, KUBECTL_NP_DEBUG: '1', KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(credentialOf(cached).status.token).toBe(tokens[1]);
    expect(lines(cached)).toEqual([expect.stringMatching(/^debug: sign-in: cached access token valid until \S+Z \(in \d+ min\): no request to Entra$/)]);

    // minutes left shrink with however long the box took between the calls: the renewed hour, never more
    for (const run of [renewed, cached]) {
      const minutes = Number(/\(in (\d+) min\)/.exec(run.stderr)?.[1]);
      expect(minutes).toBeGreaterThan(5);
      expect(minutes).toBeLessThanOrEqual(60);
    }
    for (const run of [first, renewed, cached]) {
      for (const token of tokens) expect(run.stderr).not.toContain(token);
      expect(run.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
      expect(run.stderr).not.toMatch(/(device_code|refresh_token|code)=[A-Za-z0-9]/);
    }
  });
});

describe('errors', () => {
  it('an unreachable Entra is one line without a stack trace; --debug adds detail but no secrets', async () => {
    await signIn();
    emu.setAccessTokenLifetime(60);
    const closedPort = ['--tenant-id', emu.tenantId, '--authority-host', 'https://127.0.0.1:9'];
    const plain = await runCli(['get-token', ...closedPort], { env: { ...env, KUBERNETES_EXEC_INFO: execInfo(true) } });
    // a different authority is a different cache: nothing to refresh, so it tries to sign in
    expect(plain.code).toBe(3);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toBe('error: sign-in failed: cannot reach https://127.0.0.1:9 or read its OpenID configuration\n');
    const debug = await runCli(['get-token', ...tokenArgs(), '--debug'], { env: { ...env, KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(debug.code).toBe(0);
    expect(debug.stderr).toMatch(/debug: /);
    expect(debug.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(debug.stderr).not.toContain(credentialOf(debug).status.token);
  });

  it('an authority whose TLS certificate is not trusted is named as such, with NODE_EXTRA_CA_CERTS as the fix', async () => {
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = env;
    const result = await runCli(['get-token', ...tokenArgs()], { env: { ...untrusting, KUBERNETES_EXEC_INFO: execInfo(true) } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: sign-in failed: the TLS certificate of ${new URL(emu.authorityHost).origin} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); behind a TLS-inspecting proxy set NODE_EXTRA_CA_CERTS to its CA file\n`,
    );
  });

  it('a --timeout beyond 24h is a one-line usage error, not an overflowing timer', async () => {
    const result = await getToken({ interactive: true, extra: ['--timeout', '600h'] });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: --timeout must be at most 24h (got "600h")\n');
  });

  it('a device code declined on its page is said in words, not as authorization_declined', async () => {
    const result = await runCli(['get-token', ...tokenArgs()], {
      env: { ...env, KUBERNETES_EXEC_INFO: execInfo(true) },
      onStderr: approveFromStderr((code) => emu.declineDeviceCode(code)),
    });
    expect(result.code).toBe(3);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual(['error: sign-in failed: the sign-in was declined at the device code page']);
  });

  it('login without any kubeconfig says so, with the paths it looked at', async () => {
    const missing = join(env.HOME, 'nope.yaml');
    const viaEnv = await runCli(['login'], { env: { ...env, KUBECONFIG: missing } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toBe(`error: no kubeconfig found (none of the files in $KUBECONFIG exist: ${missing}); use --kubeconfig, or set KUBECONFIG\n`);
    const { KUBECONFIG: _k, ...noEnv } = env;
    const byDefault = await runCli(['logout', '--context', 'x'], { env: noEnv });
    expect(byDefault.stderr).toBe(`error: no kubeconfig found (looked at ${join(env.HOME, '.kube', 'config')}); use --kubeconfig, or set KUBECONFIG\n`);
  });

  it('login on a kubelogin context suggests setup without a tenant (the conversion keeps it); a broken kubeconfig says why on one line', async () => {
    writeFileSync(env.KUBECONFIG!, [
      'apiVersion: v1', 'kind: Config', 'current-context: aks', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'contexts: [{name: aks, context: {cluster: c, user: u}}, {name: plain, context: {cluster: c, user: p}}]',
      `users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [get-token, --login, devicecode, --server-id, ${AKS_SERVER_ID}, --tenant-id, ${emu.tenantId}]}}}, {name: p, user: {token: t}}]`, '',
    ].join('\n'), { mode: 0o600 });
    const kubelogin = await runCli(['login', '--context', 'aks'], { env });
    expect(kubelogin.code).toBe(2);
    expect(kubelogin.stderr).toBe('error: context "aks" does not sign in with kubectl-np; run `kubectl np setup --context aks` first\n');
    const plain = await runCli(['login', '--context', 'plain'], { env });
    expect(plain.stderr).toBe('error: context "plain" does not sign in with kubectl-np; run `kubectl np setup --context plain --tenant-id …` first\n');
    writeFileSync(env.KUBECONFIG!, 'users:\ngarbage: [\n', { mode: 0o600 });
    const broken = await runCli(['login'], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(`error: cannot parse kubeconfig ${env.KUBECONFIG}: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`);
  });

  it('an unsupported apiVersion from kubectl is a one-line usage error', async () => {
    const result = await getToken({ interactive: true, apiVersion: 'client.authentication.k8s.io/v1alpha1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: unsupported ExecCredential apiVersion "client.authentication.k8s.io/v1alpha1" (supported: client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1)\n');
  });
});

describe('login and logout', () => {
  it('login always signs in anew and says who; logout forgets exactly that sign-in', async () => {
    const login = await runCli(['login', ...tokenArgs()], { env, onStderr: approveFromStderr((c) => emu.approveDeviceCode(c, ALICE)) });
    expect(login.code).toBe(0);
    expect(login.stderr).toMatch(/enter the code/);
    expect(login.stdout).toMatch(new RegExp(`^Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\); token valid until \\d{4}-\\d\\d-\\d\\dT`));
    // a second, unrelated sign-in (another server application) must survive the logout
    const other = await runCli(['login', ...tokenArgs(), '--server-id', 'api://other'], { env, onStderr: approveFromStderr((c) => emu.approveDeviceCode(c, ALICE)) });
    expect(other.code).toBe(0);
    const logout = await runCli(['logout', ...tokenArgs()], { env });
    expect(logout.code).toBe(0);
    expect((await getToken({ interactive: false })).code).toBe(3);
    expect((await getToken({ interactive: false, extra: ['--server-id', 'api://other'] })).code).toBe(0);
    const all = await runCli(['logout', '--all'], { env });
    expect(all.stdout).toBe('Removed 1 cached sign-in.\n');
    expect((await getToken({ interactive: false, extra: ['--server-id', 'api://other'] })).code).toBe(3);
  });
});
