// Proof-of-possession tokens (--pop-enabled, --pop-claims; Azure Arc) through the built CLI against
// the Entra emulator: the token request asks for a token bound to our key (req_cnf), and what
// get-token prints is a Signed HTTP Request that the emulator's verifier accepts — signature against
// its cnf key, the access token inside bound to that key, `u` from --pop-claims. The key is kept and
// reused; the fast path signs a fresh request for each call from the cache, without Entra.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { repoRoot, requireFreshBuild } from './dist.js';
import { approveFromStderr, claimsOf, credentialOf, execInfo, isolatedEnv, runCli } from './cli.js';

const ALICE = 'alice@contoso.example';
const SP = { clientId: '5ec7e700-0000-4000-8000-0000000000a7', objectId: '5ec7e700-0000-4000-8000-0000000000a8', secret: 'pop-sp-secret-value-0123' };
const ARC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc';
let emu: EntraEmulator;

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE }], deviceCodeIntervalSeconds: 0.05 });
  emu.addServicePrincipal({ clientId: SP.clientId, objectId: SP.objectId, secret: SP.secret });
});
afterAll(async () => {
  await emu?.close();
});

let env: ReturnType<typeof isolatedEnv>;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile, KUBERNETES_EXEC_INFO: execInfo(true) });
  emu.setAccessTokenLifetime(3600);
});

const pop = (u = ARC) => ['--pop-enabled', '--pop-claims', `u=${u}`];
const common = () => ['--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file'];
const deviceCode = () => ['get-token', '--login', 'devicecode', ...common(), ...pop()];
const spn = () => ['get-token', '--login', 'spn', '--client-id', SP.clientId, ...common(), ...pop()];
const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runCli(args, { env: { ...env, ...extra }, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)) });
const tokenCalls = (since: number) => emu.requests.slice(since).filter((r) => r.endpoint === 'token');

/** Only the fast path: whether it answered from the cache (no oclif, no msal), and what it printed. */
function fastPath(args: string[]): Promise<{ answered: boolean; stdout: string }> {
  const script = `require(${JSON.stringify(join(repoRoot, 'dist', 'fast-path.cjs'))}).tryCachedToken(JSON.parse(process.argv[1])).then((ok) => process.stderr.write(String(ok)))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(args)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ answered: stderr === 'true', stdout }));
  });
}

describe('get-token --pop-enabled', () => {
  it('device code: asks Entra for a token bound to its key and prints a signed request that verifies, with u from --pop-claims', async () => {
    const before = emu.requests.length;
    const first = await run(deviceCode());
    const credential = credentialOf(first);
    const shr = emu.verifyPopToken(credential.status.token, { u: ARC });
    expect(shr.u).toBe(ARC);
    expect(shr.atClaims).toMatchObject({ upn: ALICE, cnf: { kid: shr.thumbprint } });
    expect(tokenCalls(before).map((r) => [r.grantType, r.status, r.popKid])).toEqual([['device_code', 200, shr.thumbprint]]);
    // kubectl is told to ask again while the request is fresh (Arc refuses an old ts), not at the token's expiry
    const expires = Date.parse(credential.status.expirationTimestamp);
    expect(expires).toBeLessThanOrEqual(shr.ts * 1000 + 5 * 60_000);
    expect(expires).toBeGreaterThan(shr.ts * 1000);
  });

  it('keeps the key: the next calls (fast path and full path) sign fresh requests with the same key and the same token, without Entra', async () => {
    const shr1 = emu.verifyPopToken(credentialOf(await run(deviceCode())).status.token, { u: ARC });
    const afterSignIn = emu.requests.length;
    const fast = await fastPath(deviceCode().slice(1));
    expect(fast.answered).toBe(true);
    const shr2 = emu.verifyPopToken(JSON.parse(fast.stdout).status.token, { u: ARC });
    // --debug skips the fast path: the full path finds the same token and key in the cache
    const full = await run([...deviceCode(), '--debug']);
    const shr3 = emu.verifyPopToken(credentialOf(full).status.token, { u: ARC });
    expect(full.stderr).toContain('debug: sign-in: cached access token valid until');
    expect(new Set([shr1.thumbprint, shr2.thumbprint, shr3.thumbprint]).size).toBe(1);
    expect(new Set([shr1.at, shr2.at, shr3.at]).size).toBe(1);
    expect(new Set([shr1.nonce, shr2.nonce, shr3.nonce]).size).toBe(3);
    expect(emu.requests.slice(afterSignIn)).toEqual([]);
    // another Arc cluster is the same token, signed for that cluster
    const other = await fastPath([...deviceCode().slice(1, -1), 'u=/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/other']);
    expect(emu.verifyPopToken(JSON.parse(other.stdout).status.token).u).toMatch(/connectedClusters\/other$/);
    // the key file is private, and a PKCS#8 key (sealed when a keychain answers: see the e2e test)
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const keyFile = readdirSync(cacheDir).find((f) => f.endsWith('.pop'))!;
    expect(statSync(join(cacheDir, keyFile)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(cacheDir, keyFile), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('renews an expired PoP token with a refresh token bound to the same key', async () => {
    emu.setAccessTokenLifetime(60);
    const first = emu.verifyPopToken(credentialOf(await run(deviceCode())).status.token);
    emu.setAccessTokenLifetime(3600);
    const before = emu.requests.length;
    const renewed = emu.verifyPopToken(credentialOf(await run(deviceCode(), { KUBERNETES_EXEC_INFO: execInfo(false) })).status.token, { u: ARC });
    expect(tokenCalls(before).map((r) => [r.grantType, r.popKid])).toEqual([['refresh_token', first.thumbprint]]);
    expect(renewed.thumbprint).toBe(first.thumbprint);
    expect(renewed.at).not.toBe(first.at);
  });

  it('spn: a service principal gets an app token bound to its key, kept and reused the same way', async () => {
    const spEnv = { AZURE_CLIENT_SECRET: SP.secret, KUBERNETES_EXEC_INFO: execInfo(false) };
    const before = emu.requests.length;
    const first = emu.verifyPopToken(credentialOf(await run(spn(), spEnv)).status.token, { u: ARC });
    expect(first.atClaims).toMatchObject({ oid: SP.objectId, idtyp: 'app', cnf: { kid: first.thumbprint } });
    expect(tokenCalls(before).map((r) => [r.grantType, r.popKid])).toEqual([['client_credentials', first.thumbprint]]);
    const afterFirst = emu.requests.length;
    const again = await run(spn(), spEnv);
    expect(emu.verifyPopToken(credentialOf(again).status.token, { u: ARC }).thumbprint).toBe(first.thumbprint);
    expect(emu.requests.slice(afterFirst)).toEqual([]);
  });

  it('a bearer token is never served for a PoP entry, nor a PoP token for a bearer entry', async () => {
    const bearerArgs = ['get-token', '--login', 'devicecode', ...common()];
    const bearer = credentialOf(await run(bearerArgs)).status.token;
    expect(claimsOf(bearer).cnf).toBeUndefined();
    const popToken = credentialOf(await run(deviceCode())).status.token;
    expect(emu.verifyPopToken(popToken).u).toBe(ARC);
    expect(claimsOf(credentialOf(await run(bearerArgs)).status.token).cnf).toBeUndefined();
  });

  it('refuses bad --pop-claims, a mode without PoP and one flag without the other: one line, exit 2, before any request', async () => {
    const before = emu.requests.length;
    const cases: [string[], string][] = [
      [[...deviceCode().slice(0, -1), '/subscriptions/0000/connectedClusters/arc'], '--pop-claims "/subscriptions/0000/connectedClusters/arc" is not a list of key=value pairs'],
      [[...deviceCode().slice(0, -1), 'x=1'], '--pop-claims has no u claim, the ARM ID of the cluster'],
      [['get-token', '--login', 'msi', ...common(), ...pop()], '--pop-enabled works with --login interactive, devicecode, spn; --login msi cannot get proof-of-possession tokens'],
      [deviceCode().slice(0, -2), '--pop-enabled needs --pop-claims u=<ARM ID of the cluster>'],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
    expect(emu.requests.slice(before)).toEqual([]);
  });

  it('--debug shows the key thumbprint and u, never the key, the access token or the signed request', async () => {
    const r = await run([...deviceCode(), '--debug']);
    const credential = credentialOf(r);
    const shr = emu.verifyPopToken(credential.status.token);
    expect(r.stderr).toContain(`debug: new proof-of-possession key ${shr.thumbprint.slice(0, 8)}…`);
    expect(r.stderr).toContain(`debug: proof-of-possession: signed request for u=${ARC} with key ${shr.thumbprint.slice(0, 8)}…`);
    for (const secret of [credential.status.token, shr.at, shr.at.split('.')[2], 'PRIVATE KEY']) expect(r.stderr).not.toContain(secret);
    expect(r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const pem = readFileSync(join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.pop'))!), 'utf8');
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    expect(r.stderr).not.toContain(body.slice(0, 40));
  });
});
