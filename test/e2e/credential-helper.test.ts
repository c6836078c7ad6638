// The credential helper end to end: real kubectl (/usr/bin/kubectl) runs `kubectl-np get-token` from a
// kubeconfig written by `kubectl np setup`, against the test API server (a kube-apiserver double that
// validates Entra tokens as OIDC) and the Entra emulator, with tokens kept in a real Secret Service
// (gnome-keyring on a private D-Bus session).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { startKeyring, type KeyringSession } from '../support/keyring.js';
import { pathWithPlugin, requireKubectl, runKubectl, type KubectlResult } from '../support/kubectl.js';
import { requireFreshBuild } from '../integration/auth/dist.js';
import { approveFromStderr, claimsOf, credentialOf, execInfo, isolatedEnv, runCli } from '../integration/auth/cli.js';

const ALICE = 'alice@contoso.example';
const CONTEXT = 'aks-e2e';
let emu: EntraEmulator;
let api: TestApiServer;
let keyring: KeyringSession;

beforeAll(async () => {
  requireKubectl();
  requireFreshBuild();
  keyring = await startKeyring({ runtimeOnTmpfs: true });
  emu = await startEntraEmulator({ users: [{ username: ALICE, groups: ['11111111-1111-4111-8111-111111111111'] }], deviceCodeIntervalSeconds: 0.05 });
  api = await startTestApiServer({
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, usernameClaim: 'upn', usernamePrefix: '-', groupsClaim: 'groups', caPem: emu.caPem },
    authorizer: 'always-allow',
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    ],
  });
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
  await keyring?.stop();
});

let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;
beforeEach(async () => {
  // the keyring session's D-Bus and XDG runtime dir, but a HOME (token cache, kubeconfig) per test
  const { HOME: _home, ...session } = keyring.env;
  env = isolatedEnv({ ...session, NODE_EXTRA_CA_CERTS: emu.caFile });
  kubeconfig = join(env.HOME, '.kube', 'config');
  env.KUBECONFIG = kubeconfig;
  emu.setAccessTokenLifetime(3600);
  api.writeKubeconfig(kubeconfig, { context: CONTEXT, user: { token: 'placeholder-until-setup' } });
  const setup = await kubectl(['np', 'setup', '--context', CONTEXT, '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost]);
  expect(setup.code, setup.stderr).toBe(0);
});

function kubectl(args: string[], opts: { tty?: boolean; approveAs?: string; env?: NodeJS.ProcessEnv } = {}): Promise<KubectlResult> {
  return runKubectl(args, {
    kubeconfig,
    env: opts.env ?? env,
    tty: opts.tty,
    onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, opts.approveAs ?? ALICE)),
  });
}

const since = (n: number) => emu.requests.slice(n);
const tokenCalls = (n: number, grant?: string) => since(n).filter((r) => r.endpoint === 'token' && (!grant || r.grantType === grant));
const namespaces = (r: KubectlResult) => r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);

describe('kubectl with a kubeconfig written by kubectl np setup', () => {
  it('kubectl np --help lists the commands (kubectl finds the plugin on PATH)', async () => {
    const help = await kubectl(['np', '--help']);
    expect(help.code).toBe(0);
    for (const command of ['get-token', 'login', 'logout', 'setup']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'));
  });

  it('setup wrote an exec entry and a backup, and changed nothing else', async () => {
    const config = parse(readFileSync(kubeconfig, 'utf8'));
    expect(config.users[0].user).toEqual({
      exec: expect.objectContaining({
        apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', interactiveMode: 'IfAvailable',
        args: ['get-token', '--login', 'devicecode', '--tenant-id', emu.tenantId, '--client-id', '80faf920-1908-4b52-b5ef-a8e7bedfc67a', '--server-id', AKS_SERVER_ID, '--authority-host', emu.authorityHost],
        installHint: expect.stringContaining('npm install -g ./kubectl-np-VERSION.tgz'),
      }),
    });
    const backups = readdirSync(join(env.HOME, '.kube')).filter((f) => f.startsWith('config.kubectl-np-backup-'));
    expect(backups).toHaveLength(1);
    const before = parse(readFileSync(join(env.HOME, '.kube', backups[0]), 'utf8'));
    expect({ ...config, users: undefined }).toEqual({ ...before, users: undefined });
  });

  it('first kubectl call shows the device code on stderr, signs in, and lists namespaces; the next is served from the keychain-backed cache', async () => {
    const before = emu.requests.length;
    const first = await kubectl(['get', 'ns'], { tty: true });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]+ to authenticate\./);
    expect(namespaces(first)).toEqual(expect.arrayContaining(['payments', 'shop']));
    expect(tokenCalls(before, 'device_code').at(-1)?.status).toBe(200);
    expect(api.requests.filter((r) => r.user === ALICE).length).toBeGreaterThan(0);

    const afterSignIn = emu.requests.length;
    const second = await kubectl(['get', 'ns']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    expect(namespaces(second)).toEqual(namespaces(first));
    expect(since(afterSignIn)).toEqual([]); // not a single request to Entra
    // the keychain holds the key; the cache files on disk are sealed with it
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    for (const f of readdirSync(cacheDir).filter((n) => /\.(token|msal)$/.test(n))) {
      expect(readFileSync(join(cacheDir, f)).subarray(0, 4).toString()).toBe('KNP1');
      expect(execFileSync('secret-tool', ['lookup', 'service', 'kubectl-np', 'account', f.split('.')[0]], { env: keyring.env, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' })).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
  });

  it('an expired access token is renewed silently with one refresh request', async () => {
    emu.setAccessTokenLifetime(60);
    const login = await kubectl(['np', 'login', '--context', CONTEXT]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\) for context ${CONTEXT}`));
    emu.setAccessTokenLifetime(3600);
    const before = emu.requests.length;
    const result = await kubectl(['get', 'ns']);
    expect(result.code, result.stderr).toBe(0);
    expect(tokenCalls(before).map((r) => [r.grantType, r.status])).toEqual([['refresh_token', 200]]);
    expect(since(before).filter((r) => r.endpoint === 'devicecode')).toEqual([]);
  });

  it('a revoked refresh token prompts again at a terminal, and tells a non-interactive kubectl to log in', async () => {
    emu.setAccessTokenLifetime(60);
    expect((await kubectl(['np', 'login', '--context', CONTEXT])).code).toBe(0);
    emu.revokeRefreshTokens(ALICE, 50173);

    const script = await kubectl(['get', 'ns']);
    expect(script.code).not.toBe(0);
    expect(script.stderr).toContain(`run \`kubectl np login --context ${CONTEXT}\``);
    expect(script.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);

    const before = emu.requests.length;
    const person = await kubectl(['get', 'ns'], { tty: true });
    expect(person.code, person.stderr).toBe(0);
    expect(person.stderr).toMatch(/enter the code/);
    expect(tokenCalls(before, 'device_code').at(-1)?.status).toBe(200);
    expect(namespaces(person)).toContain('shop');
  });

  it('logout --context forgets the tokens in keychain and on disk; the next non-interactive call says to log in', async () => {
    expect((await kubectl(['np', 'login', '--context', CONTEXT])).code).toBe(0);
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const key = readdirSync(cacheDir).find((n) => n.endsWith('.token'))!.split('.')[0];
    const logout = await kubectl(['np', 'logout', '--context', CONTEXT]);
    expect(logout.stdout).toBe(`Removed cached tokens for context ${CONTEXT}.\n`);
    expect(readdirSync(cacheDir).filter((n) => n.startsWith(key))).toEqual([]);
    expect(() => execFileSync('secret-tool', ['lookup', 'service', 'kubectl-np', 'account', key], { env: keyring.env, timeout: 120_000, killSignal: 'SIGKILL' })).toThrow();
    const after = await kubectl(['get', 'ns']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain(`not signed in to tenant ${emu.tenantId} for this cluster, and kubectl does not allow interaction here; run \`kubectl np login --context ${CONTEXT}\``);
  });
});

describe('parallel callers', () => {
  it('twenty parallel get-token runs with an expired token make exactly one refresh request and print the same token', async () => {
    emu.setAccessTokenLifetime(60);
    expect((await kubectl(['np', 'login', '--context', CONTEXT])).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
    const args = ['get-token', '--login', 'devicecode', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost];
    const before = emu.requests.length;
    const renewing = Date.now() / 1000;
    // twenty Node processes share two (possibly busy) cores and queue on one lock: budget each a full
    // process start-up in turn; the test asserts what happened, not how fast
    const runs = await Promise.all(Array.from({ length: 20 }, () =>
      runCli(args, { env: { ...env, PATH: pathWithPlugin(env.PATH), KUBERNETES_EXEC_INFO: execInfo(false) }, timeoutMs: 20 * 30_000 })));
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const tokens = new Set(runs.map((r) => credentialOf(r).status.token));
    expect(tokens.size).toBe(1);
    expect(tokenCalls(before).map((r) => r.grantType)).toEqual(['refresh_token']);
    const [token] = tokens;
    // the renewed hour (not the 60 s token), counted from before the runs however long they took
    expect(Number(claimsOf(token).exp) - renewing).toBeGreaterThan(3000);
  });
});

describe('without a keychain', () => {
  it('with no D-Bus session, kubectl still works through a 0600 file cache and warns when it writes one', async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _bus, XDG_RUNTIME_DIR: _run, ...noBus } = env;
    const first = await kubectl(['get', 'ns'], { tty: true, env: noBus });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/warning: no OS keychain answers/);
    const second = await kubectl(['get', 'ns'], { env: noBus });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const token = readdirSync(cacheDir).find((n) => n.endsWith('.token'))!;
    expect(JSON.parse(readFileSync(join(cacheDir, token), 'utf8')).account.username).toBe(ALICE);
  });
});
