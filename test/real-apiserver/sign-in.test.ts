// Sign-in end to end on a real kube-apiserver: its own OIDC authenticator (--oidc-* flags) pointed at the
// Entra emulator, real kubectl running the exec entry `kubectl np setup` wrote, a device-code sign-in,
// then cached tokens for 20 parallel kubectl calls, and 20 parallel calls that must renew the token with
// one refresh request between them. Usernames from the upn claim, groups with a prefix.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveFromStderr, isolatedEnv } from '../integration/auth/cli.js';
import { requireFreshBuild } from '../integration/auth/dist.js';
import { parseRecord } from '../../src/auth/cache/record.js';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { runKubectl, type KubectlResult } from '../support/kubectl.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';

const ALICE = 'alice@contoso.example';
const ALICE_OID = '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f';
const GROUP = '5b0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const CONTEXT = 'aks-real';

let emu: EntraEmulator;
let server: RealApiServer;
let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;

function kubectl(args: string[]): Promise<KubectlResult> {
  return runKubectl(args, { kubeconfig, env, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)) });
}

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE, oid: ALICE_OID, groups: [GROUP] }], deviceCodeIntervalSeconds: 0.05 });
  server = await startRealApiServer({
    oidc: { issuerUrl: emu.issuer(), clientId: AKS_SERVER_ID, caFile: emu.caFile, usernameClaim: 'upn', usernamePrefix: '-', groupsClaim: 'groups', groupsPrefix: 'entra:' },
  });
  // the authenticator reads the issuer's discovery in the background: wait until it accepts a token
  const now = Math.floor(Date.now() / 1000);
  const probe = emu.mintToken({ iss: emu.issuer(), aud: AKS_SERVER_ID, tid: emu.tenantId, iat: now, nbf: now, exp: now + 3600, ver: '2.0', upn: 'probe@contoso.example', oid: '00000000-0000-4000-8000-000000000001' });
  const probeConfig = join(server.dir, 'probe.kubeconfig');
  server.writeKubeconfig(probeConfig, { user: { token: probe } });
  await server.eventually('the OIDC authenticator', async () => {
    const r = await runKubectl(['auth', 'whoami'], { kubeconfig: probeConfig, env: { PATH: process.env.PATH, HOME: server.dir } });
    return r.code === 0 ? true : undefined;
  });
  await server.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'signin' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'entra-group-view', namespace: 'signin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: `entra:${GROUP}` }] },
  ]);
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile });
  kubeconfig = join(env.HOME, '.kube', 'config');
  env.KUBECONFIG = kubeconfig;
  server.writeKubeconfig(kubeconfig, { context: CONTEXT, namespace: 'signin', user: { token: 'placeholder-until-setup' } });
  const setup = await kubectl(['np', 'setup', '--context', CONTEXT, '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file']);
  if (setup.code !== 0) throw new Error(`kubectl np setup failed: ${setup.stderr}`);
});

let signInRequests = 0;
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

describe('sign-in through kubectl np setup on a real kube-apiserver', () => {
  it('kubectl auth whoami: a device-code sign-in, then the upn as username, Entra groups with the prefix', async () => {
    // kubectl gives the exec plugin a terminal, as for a person at a shell, so it may prompt
    const r = await runKubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig, env, tty: true, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)) });
    signInRequests = emu.tokenRequests('device_code').length;
    expect(signInRequests).toBeGreaterThan(0);
    expect(r.code, r.stderr).toBe(0);
    const user = JSON.parse(r.stdout).status.userInfo;
    expect(user.username).toBe(ALICE);
    expect(user.groups).toEqual(expect.arrayContaining([`entra:${GROUP}`, 'system:authenticated']));
  });

  it('RBAC through the prefixed group, and kubectl np whoami agrees with the server', async () => {
    expect((await kubectl(['get', 'pods'])).code).toBe(0);
    const ours = await kubectl(['np', 'whoami', '-o', 'json']);
    expect(ours.code, ours.stderr).toBe(0);
    expect(JSON.parse(ours.stdout).apiServer.user).toMatchObject({ username: ALICE, groups: expect.arrayContaining([`entra:${GROUP}`]) });
  });

  it('20 parallel kubectl calls all succeed on the cached token, without another sign-in', async () => {
    const before = emu.tokenRequests().length;
    const results = await Promise.all(Array.from({ length: 20 }, () => kubectl(['get', 'pods', '-o', 'name'])));
    expect(results.map((r) => r.code)).toEqual(Array(20).fill(0));
    expect(emu.tokenRequests().length).toBe(before);
    expect(emu.tokenRequests('device_code').length).toBe(signInRequests);
  });

  it('20 parallel kubectl calls with an access token due for renewal: all succeed, exactly one refresh reaches Entra, the cache ends intact', async () => {
    // a sign-in whose access token is inside the renewal window (60 s < 5 min): every caller must renew
    emu.setAccessTokenLifetime(60);
    const login = await kubectl(['np', 'login', '--context', CONTEXT]);
    expect(login.code, login.stderr).toBe(0);
    emu.setAccessTokenLifetime(3600);
    // that was a sign-in of its own; the tests below count from it
    signInRequests = emu.tokenRequests('device_code').length;
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const before = emu.tokenRequests().length;
    const auditBefore = server.auditEvents().length;
    const renewing = Date.now();

    const results = await Promise.all(Array.from({ length: 20 }, () => kubectl(['get', 'pods', '-o', 'name'])));
    expect(results.map((r) => [r.code, r.stderr])).toEqual(Array(20).fill([0, '']));

    // one process renewed under the cache lock; the other nineteen read what it wrote
    expect(emu.tokenRequests().slice(before).map((r) => [r.grantType, r.status])).toEqual([['refresh_token', 200]]);
    // and the real API server took each call as alice (the renewed token is valid there)
    const lists = server.auditEvents().slice(auditBefore).filter((e) => e.verb === 'list' && e.requestURI.startsWith('/api/v1/namespaces/signin/pods'));
    expect(lists.length).toBeGreaterThanOrEqual(20);
    expect(new Set(lists.map((e) => [e.user, e.code].join(' ')))).toEqual(new Set([`${ALICE} 200`]));

    // the cache: one key's .msal and .token, 0600, readable, holding the renewed token; no lock or temp file left
    const files = readdirSync(cacheDir).sort();
    const key = files.find((f) => f.endsWith('.token'))!.split('.')[0];
    expect(files).toEqual([`${key}.msal`, `${key}.token`]);
    for (const f of files) expect((statSync(join(cacheDir, f)).mode & 0o777).toString(8)).toBe('600');
    const record = parseRecord(readFileSync(join(cacheDir, `${key}.token`), 'utf8'));
    expect(record?.account?.username).toBe(ALICE);
    const cached = Object.values(record?.tokens ?? {});
    expect(cached.length).toBeGreaterThan(0);
    // the renewed hour, counted from before the renewal (not from now: twenty kubectl runs take long on a loaded box)
    for (const t of cached) expect(t!.expiresOn - renewing).toBeGreaterThan(50 * 60_000);
    const msal = JSON.parse(readFileSync(join(cacheDir, `${key}.msal`), 'utf8'));
    expect(Object.keys(msal.RefreshToken ?? {})).toHaveLength(1);
    // so the next call is served from it without asking Entra
    const next = await kubectl(['get', 'pods', '-o', 'name']);
    expect(next.code, next.stderr).toBe(0);
    expect(emu.tokenRequests().length).toBe(before + 1);
  });
});

describe('the oid claim as username (AKS-style), on a second server trusting the same emulator', () => {
  let oidServer: RealApiServer;
  beforeAll(async () => {
    oidServer = await startRealApiServer({
      oidc: { issuerUrl: emu.issuer(), clientId: AKS_SERVER_ID, caFile: emu.caFile, usernameClaim: 'oid', usernamePrefix: '-', groupsClaim: 'groups', groupsPrefix: '' },
    });
  });
  afterAll(async () => oidServer?.close());

  it('the cached sign-in works there too; the username is the oid and groups carry no prefix', async () => {
    const config = join(env.HOME, 'oid.kubeconfig');
    // the same exec entry as setup wrote, pointed at the other server
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const exec = parse(readFileSync(kubeconfig, 'utf8')).users[0].user.exec;
    oidServer.writeKubeconfig(config, { context: 'aks-oid', user: { exec } });
    const r = await oidServer.eventually('the OIDC authenticator of the second server', async () => {
      const res = await runKubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: config, env });
      return res.code === 0 ? res : undefined;
    });
    const user = JSON.parse(r.stdout).status.userInfo;
    expect(user.username).toBe(ALICE_OID);
    expect(user.groups).toEqual(expect.arrayContaining([GROUP, 'system:authenticated']));
    expect(emu.tokenRequests('device_code').length).toBe(signInRequests);
  });
});
