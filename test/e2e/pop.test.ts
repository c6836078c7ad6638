// Proof-of-possession tokens end to end, as on an Azure Arc-enabled cluster: `kubectl np setup
// --pop-enabled --pop-claims u=<ARM ID>` writes the exec entry, the real kubectl (/usr/bin/kubectl)
// runs get-token, and the test API server plays Arc's guard: it accepts only a Signed HTTP Request for
// its own ARM ID, signed by the key its access token is bound to, then validates that token as OIDC.
// One test per login mode that gets PoP tokens: the device code (tokens and key sealed under a key in a
// real Secret Service), the browser (headless Chromium) and a service principal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { startTestApiServer, type RecordedRequest, type TestApiServer } from '../support/apiserver/index.js';
import { startKeyring, type KeyringSession } from '../support/keyring.js';
import { requireKubectl, runKubectl, type KubectlResult } from '../support/kubectl.js';
import { repoRoot, requireFreshBuild } from '../integration/auth/dist.js';
import { approveFromStderr, isolatedEnv } from '../integration/auth/cli.js';

const ALICE = 'alice@contoso.example';
const ALICE_OID = 'a11ce000-0000-4000-8000-0000000000a1';
const SP = { clientId: '5ec7e700-0000-4000-8000-0000000000c7', objectId: '5ec7e700-0000-4000-8000-0000000000c8', secret: 'arc-sp-secret-value-0123' };
const ARC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc';
const CONTEXT = 'arc';
const CHROMIUM = '/usr/bin/chromium';
const BROWSER_COMMAND = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, 'test/support/browser/drive-signin.mjs'))}`;
let emu: EntraEmulator;
let api: TestApiServer;
let keyring: KeyringSession;

beforeAll(async () => {
  requireKubectl();
  requireFreshBuild();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the browser sign-in test needs Chromium (installed by .ci/run)`);
  keyring = await startKeyring({ runtimeOnTmpfs: true });
  emu = await startEntraEmulator({ users: [{ username: ALICE, oid: ALICE_OID }], deviceCodeIntervalSeconds: 0.05 });
  emu.addServicePrincipal({ clientId: SP.clientId, objectId: SP.objectId, secret: SP.secret });
  api = await startTestApiServer({
    pop: { hostname: ARC },
    // users by object ID: the same claim names people and service principals
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, usernameClaim: 'oid', usernamePrefix: '-', caPem: emu.caPem },
    authorizer: 'always-allow',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
  });
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
  await keyring?.stop();
});

let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;
let driverResult: string;
beforeEach(() => {
  const { HOME: _home, ...session } = keyring.env;
  driverResult = join(mkdtempSync(join(tmpdir(), 'kubectl-np-drive-')), 'result.json');
  env = isolatedEnv({ ...session, NODE_EXTRA_CA_CERTS: emu.caFile, DRIVE_SIGNIN_RESULT: driverResult, DRIVE_SIGNIN_USERNAME: ALICE });
  kubeconfig = join(env.HOME, '.kube', 'config');
  env.KUBECONFIG = kubeconfig;
  api.writeKubeconfig(kubeconfig, { context: CONTEXT, user: { token: 'placeholder-until-setup' } });
});

function kubectl(args: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<KubectlResult> {
  return runKubectl(args, { kubeconfig, env: { ...env, ...opts.env }, tty: opts.tty, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)) });
}

async function setup(args: string[]): Promise<void> {
  const result = await kubectl(['np', 'setup', '--context', CONTEXT, '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--pop-enabled', '--pop-claims', `u=${ARC}`, ...args]);
  expect(result.code, result.stderr).toBe(0);
  const exec = parse(readFileSync(kubeconfig, 'utf8')).users[0].user.exec as { args: string[] };
  expect(exec.args.slice(-3)).toEqual(['--pop-enabled', '--pop-claims', `u=${ARC}`]);
}

/** The API server's requests made with a kubectl run's credential since `from`: each one a verified PoP request. */
function apiCalls(from: number): RecordedRequest[] {
  const calls = api.requests.slice(from);
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) expect(call.authError, call.path).toBeUndefined();
  return calls;
}

/** Two kubectl runs: the first signs in, the second is answered from the cache; both reach the cluster with PoP. */
async function twoRuns(first: () => Promise<KubectlResult>, user: string): Promise<void> {
  const beforeFirst = api.requests.length;
  const signIn = await first();
  expect(signIn.code, signIn.stderr).toBe(0);
  expect(signIn.stdout).toMatch(/^shop\s/m);
  const firstCalls = apiCalls(beforeFirst);
  expect(firstCalls.map((c) => [c.user, c.pop?.u])).toEqual(firstCalls.map(() => [user, ARC]));

  const beforeSecond = api.requests.length;
  const entraBefore = emu.requests.length;
  const cached = await kubectl(['get', 'ns']);
  expect(cached.code, cached.stderr).toBe(0);
  expect(cached.stderr).toBe('');
  const secondCalls = apiCalls(beforeSecond);
  // the same key signed both runs' requests; each run's request is its own (a new nonce)
  expect(new Set([...firstCalls, ...secondCalls].map((c) => c.pop?.thumbprint)).size).toBe(1);
  expect(secondCalls[0].pop?.nonce).not.toBe(firstCalls[0].pop?.nonce);
  expect(emu.requests.slice(entraBefore).filter((r) => ['token', 'authorize', 'devicecode'].includes(r.endpoint))).toEqual([]);
  expect(emu.tokenRequests().filter((r) => r.status === 200).at(-1)?.popKid).toBe(secondCalls[0].pop?.thumbprint);
}

describe('kubectl against an Arc cluster that accepts only PoP tokens', () => {
  it('device code: signs in at the first call, then answers from the keychain-sealed cache with the same key', async () => {
    await setup(['--login', 'devicecode']);
    await twoRuns(() => kubectl(['get', 'ns'], { tty: true }), ALICE_OID);
    // the signing key lies beside the tokens, sealed with the key kept in the Secret Service
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const keyFile = readdirSync(cacheDir).find((f) => f.endsWith('.pop'));
    expect(keyFile).toBeDefined();
    expect(readFileSync(join(cacheDir, keyFile!)).subarray(0, 4).toString()).toBe('KNP1');
  });

  it('interactive: the first kubectl call signs in through the browser, the next one is answered from the cache', async () => {
    await setup(['--login', 'interactive', '--browser-command', BROWSER_COMMAND, '--token-cache-storage', 'file']);
    await twoRuns(() => kubectl(['get', 'ns'], { tty: true }), ALICE_OID);
    // the browser script runs detached: it may still be writing its result after kubectl has finished
    const written = () => existsSync(driverResult) && readFileSync(driverResult, 'utf8').endsWith('}');
    for (const until = Date.now() + 300_000; !written() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(driverResult, 'utf8')).heading).toBe('signed-in');
  });

  it('spn: a service principal from the environment gets its PoP token without a prompt', async () => {
    await setup(['--login', 'spn', '--client-id', SP.clientId, '--token-cache-storage', 'file']);
    const spEnv = { AZURE_CLIENT_SECRET: SP.secret };
    await twoRuns(() => kubectl(['get', 'ns'], { env: spEnv }), SP.objectId);
  });

  it('refuses a bearer token: the same user without --pop-enabled is not let in', async () => {
    const setupBearer = await kubectl(['np', 'setup', '--context', CONTEXT, '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--login', 'spn', '--client-id', SP.clientId, '--token-cache-storage', 'file']);
    expect(setupBearer.code, setupBearer.stderr).toBe(0);
    const before = api.requests.length;
    const result = await kubectl(['get', 'ns'], { env: { AZURE_CLIENT_SECRET: SP.secret } });
    expect(result.code).not.toBe(0);
    expect(api.requests.slice(before).every((r) => r.status === 401 && r.authError?.startsWith('pop: '))).toBe(true);
  });
});
