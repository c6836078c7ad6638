// Non-interactive sign-in end to end: the real kubectl (/usr/bin/kubectl) runs `kubectl-np get-token`
// from a kubeconfig written by `kubectl np setup`, against the test API server (a kube-apiserver
// double validating Entra tokens as OIDC) and the Entra emulator — for a service principal (secret,
// PEM and PFX certificate), workload identity (token file, GitHub Actions OIDC), managed identity
// (IMDS, App Service) and the Azure CLI (a fake `az` on PATH). Each second call must come from the
// cache: no new request reaches the emulator, and az is not started again.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { requireKubectl, runKubectl, type KubectlResult } from '../support/kubectl.js';
import { createFakeAz, type FakeAz } from '../support/fake-az/index.js';
import { requireFreshBuild } from '../integration/auth/dist.js';
import { execInfo, isolatedEnv, runCli } from '../integration/auth/cli.js';

const CONTEXT = 'aks-ci';
const CERTS = new URL('../integration/auth/sp-certificates/', import.meta.url).pathname;
const SP_SECRET = { clientId: '5ec7e700-0000-4000-8000-000000000001', objectId: '5ec7e700-0000-4000-8000-0000000000a1', secret: 'sp-secret-Zq8~not-for-printing' };
const SP_CERT = { clientId: 'ce7e7000-0000-4000-8000-000000000002', objectId: 'ce7e7000-0000-4000-8000-0000000000a2' };
const SP_FED = { clientId: 'fed00000-0000-4000-8000-000000000003', objectId: 'fed00000-0000-4000-8000-0000000000a3', subject: 'system:serviceaccount:ci:deployer' };
const SP_GITHUB = { clientId: '9178b000-0000-4000-8000-000000000004', objectId: '9178b000-0000-4000-8000-0000000000a4', subject: 'repo:contoso/shop:ref:refs/heads/main' };
const SP_ADO = { clientId: 'ad000000-0000-4000-8000-000000000005', objectId: 'ad000000-0000-4000-8000-0000000000a5', subject: 'sc://contoso/shop/aks-deployer', issuer: 'https://vstoken.dev.azure.com/0a1b2c3d-0000-4000-8000-000000000000' };
const MI_SYSTEM = { principalId: '5a5a5a5a-0000-4000-8000-0000000000b1' };
const MI_USER = { principalId: 'a5a5a5a5-0000-4000-8000-0000000000b2', clientId: 'a5a5a5a5-0000-4000-8000-0000000000c2', resourceId: '/subscriptions/s/resourceGroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer' };
const AZ_USER_OID = 'a2c11000-0000-4000-8000-0000000000d1';
const PFX_PASSWORD = 'pfx-pass';

let emu: EntraEmulator;
let api: TestApiServer;
let github: Server;
let githubUrl: string;
const githubRequests: { authorization?: string; audience: string | null }[] = [];
const pipelinesRequests: { method?: string; authorization?: string; apiVersion: string | null; serviceConnectionId: string | null }[] = [];

beforeAll(async () => {
  requireKubectl();
  requireFreshBuild();
  emu = await startEntraEmulator({});
  emu.addServicePrincipal({ clientId: SP_SECRET.clientId, objectId: SP_SECRET.objectId, secret: SP_SECRET.secret });
  emu.addServicePrincipal({ clientId: SP_CERT.clientId, objectId: SP_CERT.objectId, certificatePem: readFileSync(join(CERTS, 'cert.pem'), 'utf8') });
  emu.addServicePrincipal({ clientId: SP_FED.clientId, objectId: SP_FED.objectId, federated: { subject: SP_FED.subject } });
  emu.addServicePrincipal({ clientId: SP_GITHUB.clientId, objectId: SP_GITHUB.objectId, federated: { issuer: 'https://token.actions.githubusercontent.com', subject: SP_GITHUB.subject } });
  emu.addServicePrincipal({ clientId: SP_ADO.clientId, objectId: SP_ADO.objectId, federated: { issuer: SP_ADO.issuer, subject: SP_ADO.subject } });
  emu.addManagedIdentity({ principalId: MI_SYSTEM.principalId, systemAssigned: true });
  emu.addManagedIdentity(MI_USER);
  api = await startTestApiServer({
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, usernameClaim: 'oid', usernamePrefix: '-', groupsClaim: 'groups', caPem: emu.caPem },
    authorizer: 'always-allow',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
  });
  // GitHub Actions' OIDC token endpoint, as a job with `permissions: id-token: write` sees it, and
  // Azure Pipelines' (SYSTEM_OIDCREQUESTURI) for a workload identity service connection
  github = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.endsWith('/oidctoken')) {
      pipelinesRequests.push({ method: req.method, authorization: req.headers.authorization, apiVersion: url.searchParams.get('api-version'), serviceConnectionId: url.searchParams.get('serviceConnectionId') });
      if (req.headers.authorization !== 'Bearer ado-job-token' || req.method !== 'POST') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ oidcToken: emu.mintFederatedToken({ issuer: SP_ADO.issuer, subject: SP_ADO.subject }) }));
      return;
    }
    githubRequests.push({ authorization: req.headers.authorization, audience: url.searchParams.get('audience') });
    if (req.headers.authorization !== 'bearer gha-request-token') {
      res.writeHead(403).end('{"message":"forbidden"}');
      return;
    }
    const value = emu.mintFederatedToken({ issuer: 'https://token.actions.githubusercontent.com', subject: SP_GITHUB.subject, audience: url.searchParams.get('audience') ?? 'none' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value }));
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/_apis/token?api-version=2.0`;
});
afterAll(async () => {
  if (github) {
    github.closeAllConnections();
    await new Promise((resolve) => github.close(resolve));
  }
  await api?.close();
  await emu?.close();
});

let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile });
  kubeconfig = join(env.HOME, '.kube', 'config');
  env.KUBECONFIG = kubeconfig;
  emu.setAccessTokenLifetime(3600);
  api.writeKubeconfig(kubeconfig, { context: CONTEXT, user: { token: 'placeholder-until-setup' } });
});

function kubectl(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<KubectlResult> {
  return runKubectl(args, { kubeconfig, env: { ...env, ...extraEnv } });
}

async function setup(args: string[]): Promise<KubectlResult> {
  const result = await kubectl(['np', 'setup', '--context', CONTEXT, '--token-cache-storage', 'file', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

const execArgs = () => (parse(readFileSync(kubeconfig, 'utf8')).users[0].user.exec.args as string[]);
const tokenCalls = (n: number) => emu.requests.slice(n).filter((r) => r.endpoint === 'token' || r.endpoint === 'imds');
const usersSince = (n: number) => [...new Set(api.requests.slice(n).map((r) => r.user))];

/** kubectl get ns twice: the first signs in as `principal`, the second is answered from the cache */
async function signsInThenCaches(principal: string, extraEnv: NodeJS.ProcessEnv, endpoint: 'token' | 'imds' = 'token'): Promise<void> {
  const before = emu.requests.length;
  const apiBefore = api.requests.length;
  const first = await kubectl(['get', 'ns'], extraEnv);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toBe('');
  expect(first.stdout).toMatch(/^shop\s+Active/m);
  expect(tokenCalls(before).map((r) => [r.endpoint, r.status, r.subject])).toEqual([[endpoint, 200, endpoint === 'imds' ? principal : expect.any(String)]]);
  expect(usersSince(apiBefore)).toEqual([principal]);

  const afterFirst = emu.requests.length;
  const second = await kubectl(['get', 'ns'], extraEnv);
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toBe('');
  expect(emu.requests.slice(afterFirst)).toEqual([]); // nothing reached Entra or IMDS
}

describe('--login spn', () => {
  const spnEnv = { AAD_SERVICE_PRINCIPAL_CLIENT_ID: SP_SECRET.clientId, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET: SP_SECRET.secret };

  it('client secret from the environment: setup writes no secret, kubectl signs in as the service principal, then uses the cache', async () => {
    await setup(['--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost]);
    expect(execArgs()).toEqual(['get-token', '--login', 'spn', '--tenant-id', emu.tenantId, '--server-id', AKS_SERVER_ID, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file']);
    await signsInThenCaches(SP_SECRET.objectId, spnEnv);
    expect(emu.tokenRequests('client_credentials').at(-1)?.clientId).toBe(SP_SECRET.clientId);
    // kubectl np login signs in anew and says as whom
    const login = await kubectl(['np', 'login', '--context', CONTEXT], spnEnv);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Signed in as application ${SP_SECRET.clientId} \\(tenant ${emu.tenantId}\\) for context ${CONTEXT}`));
  });

  it('a wrong secret fails in one line naming the AADSTS error, exit code 3', async () => {
    await setup(['--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost]);
    const result = await kubectl(['get', 'ns'], { ...spnEnv, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET: 'wrong-secret-value' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^error: sign-in failed: AADSTS7000215: Invalid client secret provided\./m);
    expect(result.stderr).toMatch(/executable kubectl-np failed with exit code 3/);
    expect(result.stderr).not.toContain('wrong-secret-value');
  });

  it.each([
    ['PEM certificate (AZURE_CLIENT_CERTIFICATE_PATH)', { AZURE_CLIENT_CERTIFICATE_PATH: join(CERTS, 'sp.pem') }],
    ['encrypted PEM with its password', { AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE: join(CERTS, 'sp-encrypted.pem'), AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD: 'pem-pass' }],
    ['PFX (AES) with its password', { AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE: join(CERTS, 'sp-aes.pfx'), AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD: PFX_PASSWORD }],
    ['PFX (3DES, Windows-style) with its password', { AZURE_CLIENT_CERTIFICATE_PATH: join(CERTS, 'sp-3des.pfx'), AZURE_CLIENT_CERTIFICATE_PASSWORD: PFX_PASSWORD }],
  ])('%s', async (_name, certEnv) => {
    await setup(['--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--client-id', SP_CERT.clientId]);
    await signsInThenCaches(SP_CERT.objectId, certEnv);
    // the token endpoint saw a certificate assertion, not a secret (the emulator would refuse a secret for this principal)
    expect(emu.tokenRequests('client_credentials').at(-1)).toMatchObject({ clientId: SP_CERT.clientId, status: 200 });
  });

  it('a PFX with the wrong password says so in one line', async () => {
    await setup(['--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--client-id', SP_CERT.clientId]);
    const before = emu.requests.length;
    const result = await kubectl(['get', 'ns'], { AZURE_CLIENT_CERTIFICATE_PATH: join(CERTS, 'sp-aes.pfx'), AZURE_CLIENT_CERTIFICATE_PASSWORD: 'not-it' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`error: cannot open the client certificate ${join(CERTS, 'sp-aes.pfx')}: wrong password`);
    expect(tokenCalls(before)).toEqual([]);
  });

  it('AAD_LOGIN_METHOD=spn turns a device code entry into a service principal sign-in, as with kubelogin', async () => {
    await setup(['--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost]);
    expect(execArgs()).toContain('devicecode');
    await signsInThenCaches(SP_SECRET.objectId, { AAD_LOGIN_METHOD: 'spn', AZURE_CLIENT_ID: SP_SECRET.clientId, AZURE_CLIENT_SECRET: SP_SECRET.secret });
  });
});

describe('--login workloadidentity', () => {
  const tokenFile = () => join(env.HOME, 'azure-identity-token');
  const wiEnv = () => ({ AZURE_CLIENT_ID: SP_FED.clientId, AZURE_TENANT_ID: emu.tenantId, AZURE_FEDERATED_TOKEN_FILE: tokenFile(), AZURE_AUTHORITY_HOST: `${emu.authorityHost}/` });

  it('the webhook-injected variables are enough: setup needs only the mode', async () => {
    writeFileSync(tokenFile(), emu.mintFederatedToken({ subject: SP_FED.subject }));
    await setup(['--login', 'workloadidentity']);
    expect(execArgs()).toEqual(['get-token', '--login', 'workloadidentity', '--server-id', AKS_SERVER_ID, '--token-cache-storage', 'file']);
    await signsInThenCaches(SP_FED.objectId, wiEnv());
  });

  it('reads the token file again on each sign-in: a stale token is refused, the rotated one works', async () => {
    await setup(['--login', 'workloadidentity']);
    emu.setAccessTokenLifetime(120); // inside the renewal margin: every call signs in again
    writeFileSync(tokenFile(), emu.mintFederatedToken({ subject: SP_FED.subject }));
    const first = await kubectl(['get', 'ns'], wiEnv());
    expect(first.code, first.stderr).toBe(0);

    // the file now holds an expired token: had the first one been kept anywhere, this would pass
    writeFileSync(tokenFile(), emu.mintFederatedToken({ subject: SP_FED.subject, lifetimeSeconds: -60 }));
    const stale = await runCli(execArgs(), { env: { ...env, ...wiEnv(), KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(stale.code).toBe(3);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toBe('error: sign-in failed: AADSTS700024: Client assertion is not within its valid time range.\n');

    writeFileSync(tokenFile(), emu.mintFederatedToken({ subject: SP_FED.subject })); // what kubelet rotates in
    const before = emu.requests.length;
    const rotated = await kubectl(['get', 'ns'], wiEnv());
    expect(rotated.code, rotated.stderr).toBe(0);
    // (kubectl may run the plugin twice; with a token inside the renewal margin each run signs in)
    const statuses = tokenCalls(before).map((r) => r.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('GitHub Actions OIDC when there is no token file', async () => {
    await setup(['--login', 'workloadidentity', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost]);
    const ghaEnv = { AZURE_CLIENT_ID: SP_GITHUB.clientId, ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'gha-request-token' };
    const before = githubRequests.length;
    await signsInThenCaches(SP_GITHUB.objectId, ghaEnv);
    expect(githubRequests.slice(before)).toEqual([{ authorization: 'bearer gha-request-token', audience: 'api://AzureADTokenExchange' }]);
  });
});

describe('--login workloadidentity in Azure Pipelines', () => {
  it('the service connection\'s OIDC token, client and tenant from the task\'s variables', async () => {
    await setup(['--login', 'workloadidentity', '--authority-host', emu.authorityHost]);
    const adoEnv = {
      SYSTEM_OIDCREQUESTURI: `${new URL(githubUrl).origin}/contoso/shop/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken`,
      SYSTEM_ACCESSTOKEN: 'ado-job-token', AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'sc-aks-deployer',
      AZURESUBSCRIPTION_CLIENT_ID: SP_ADO.clientId, AZURESUBSCRIPTION_TENANT_ID: emu.tenantId,
    };
    const before = pipelinesRequests.length;
    await signsInThenCaches(SP_ADO.objectId, adoEnv);
    expect(pipelinesRequests.slice(before)).toEqual([{ method: 'POST', authorization: 'Bearer ado-job-token', apiVersion: '7.1', serviceConnectionId: 'sc-aks-deployer' }]);
  });
});

describe('--login msi', () => {
  it('system-assigned identity through IMDS', async () => {
    await setup(['--login', 'msi']);
    expect(execArgs()).toEqual(['get-token', '--login', 'msi', '--server-id', AKS_SERVER_ID, '--token-cache-storage', 'file']);
    await signsInThenCaches(MI_SYSTEM.principalId, emu.managedIdentityEnv('imds'), 'imds');
  });

  it('user-assigned identity by client ID (App Service endpoint) and by resource ID (IMDS)', async () => {
    await setup(['--login', 'msi', '--client-id', MI_USER.clientId]);
    await signsInThenCaches(MI_USER.principalId, emu.managedIdentityEnv('appService'), 'imds');
    expect(emu.requests.filter((r) => r.endpoint === 'imds').at(-1)?.clientId).toBe(MI_USER.clientId);

    api.writeKubeconfig(kubeconfig, { context: CONTEXT, user: { token: 'placeholder-until-setup' } });
    await setup(['--login', 'msi', '--identity-resource-id', MI_USER.resourceId]);
    await signsInThenCaches(MI_USER.principalId, emu.managedIdentityEnv('imds'), 'imds');
  });
});

describe('--login azurecli', () => {
  let az: FakeAz;
  const azToken = (lifetime = 3600) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + lifetime;
    return { accessToken: emu.mintToken({ aud: AKS_SERVER_ID, iss: emu.issuer(), tid: emu.tenantId, oid: AZ_USER_OID, upn: 'dev@contoso.example', iat: now, nbf: now, exp, ver: '1.0' }), expiresOn: exp };
  };
  const azEnv = () => ({ ...az.env, PATH: `${az.binDir}:${env.PATH}` });
  beforeEach(() => {
    az = createFakeAz({ signedIn: true, tenant: emu.tenantId, tokens: { [AKS_SERVER_ID]: azToken() } });
  });

  it('asks the signed-in az on every kubectl run (never cached: az logout or another account counts at once)', async () => {
    await setup(['--login', 'azurecli']);
    const first = await kubectl(['get', 'ns'], azEnv());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const call = ['account', 'get-access-token', '--resource', AKS_SERVER_ID, '--output', 'json'];
    expect(az.calls()[0]).toEqual(call);
    expect(api.requests.at(-1)?.user).toBe(AZ_USER_OID);
    const firstRunCalls = az.calls().length;
    const second = await kubectl(['get', 'ns'], azEnv());
    expect(second.code, second.stderr).toBe(0);
    expect(az.calls().length).toBeGreaterThan(firstRunCalls);
    for (const c of az.calls()) expect(c).toEqual(call);
  });

  it('passes the tenant, reads the older az output format, and asks az again once the token is due for renewal', async () => {
    az.setState({ signedIn: true, tenant: emu.tenantId, oldFormat: true, tokens: { [AKS_SERVER_ID]: azToken(200) } });
    await setup(['--login', 'azurecli', '--tenant-id', emu.tenantId]);
    expect((await kubectl(['get', 'ns'], azEnv())).code).toBe(0);
    expect((await kubectl(['get', 'ns'], azEnv())).code).toBe(0);
    // kubectl runs the plugin more than once per invocation (discovery and the request); with a token
    // inside the renewal margin each run asks az
    const calls = az.calls();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect(call).toEqual(['account', 'get-access-token', '--resource', AKS_SERVER_ID, '--output', 'json', '--tenant', emu.tenantId]);
  });

  it('signed out: one clear line telling to run az login', async () => {
    az.setState({ signedIn: false, tenant: emu.tenantId });
    await setup(['--login', 'azurecli']);
    const result = await kubectl(['get', 'ns'], azEnv());
    expect(result.code).not.toBe(0);
    const ours = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
    // kubectl retries the plugin; every attempt says the same one line
    expect([...new Set(ours)]).toEqual(["error: the Azure CLI is not signed in (Please run 'az login' to setup account); run `az login` and try again"]);
  });

  it('az missing: one clear line', async () => {
    await setup(['--login', 'azurecli']);
    const result = await kubectl(['get', 'ns'], { PATH: '/nonexistent' });
    expect(result.code).not.toBe(0);
    const ours = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect([...new Set(ours)]).toEqual(['error: --login azurecli needs the Azure CLI, but `az` is not on PATH; install it (https://aka.ms/azure-cli) or choose another --login mode']);
  });
});

describe('--login azd', () => {
  it('uses the signed-in Azure Developer CLI on every kubectl run; signed out is one line', async () => {
    const now = Math.floor(Date.now() / 1000);
    const az = createFakeAz({ signedIn: true, tenant: emu.tenantId, tokens: { [AKS_SERVER_ID]: {
      accessToken: emu.mintToken({ aud: AKS_SERVER_ID, iss: emu.issuer(), tid: emu.tenantId, oid: AZ_USER_OID, iat: now, nbf: now, exp: now + 3600, ver: '1.0' }), expiresOn: now + 3600 } } });
    const azdEnv = { ...az.env, PATH: `${az.binDir}:${env.PATH}` };
    await setup(['--login', 'azd', '--tenant-id', emu.tenantId]);
    const first = await kubectl(['get', 'ns'], azdEnv);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(api.requests.at(-1)?.user).toBe(AZ_USER_OID);
    expect(az.calls()[0]).toEqual(['azd', 'auth', 'token', '--output', 'json', '--no-prompt', '--scope', `${AKS_SERVER_ID}/.default`, '--tenant-id', emu.tenantId]);
    const firstRunCalls = az.calls().length;
    expect((await kubectl(['get', 'ns'], azdEnv)).code).toBe(0);
    // never cached: each kubectl run asks azd
    expect(az.calls().length).toBeGreaterThan(firstRunCalls);

    az.setState({ signedIn: false, tenant: emu.tenantId });
    const out = await runCli([...execArgs(), '--cache-dir', join(env.HOME, 'fresh-cache')], { env: { ...env, ...azdEnv, KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(out.code).toBe(3);
    expect(out.stderr).toBe('error: the Azure Developer CLI is not signed in (fetching token: not logged in, run `azd auth login` to login); run `azd auth login` and try again\n');
  });
});

describe('--login ropc (discouraged)', () => {
  const ROPC = { username: 'pipeline-bot@contoso.example', oid: '7090c000-0000-4000-8000-0000000000e1', password: 'ropc-Pa55word-not-for-printing' };
  beforeAll(() => emu.addUser({ ...ROPC }));

  it('user name in the kubeconfig, password from the environment; renewal uses the refresh token, not the password again', async () => {
    await setup(['--login', 'ropc', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--username', ROPC.username]);
    expect(execArgs()).toEqual(['get-token', '--login', 'ropc', '--tenant-id', emu.tenantId, '--client-id', '80faf920-1908-4b52-b5ef-a8e7bedfc67a', '--server-id', AKS_SERVER_ID,
      '--authority-host', emu.authorityHost, '--token-cache-storage', 'file', '--username', ROPC.username]);
    emu.setAccessTokenLifetime(120); // inside the renewal margin: the next call renews
    const before = emu.requests.length;
    const first = await kubectl(['get', 'ns'], { AAD_USER_PRINCIPAL_PASSWORD: ROPC.password });
    expect(first.code, first.stderr).toBe(0);
    expect(api.requests.at(-1)?.user).toBe(ROPC.oid);
    const grants = tokenCalls(before).map((r) => r.grantType);
    expect(grants[0]).toBe('password');
    expect(grants.slice(1).every((g) => g === 'refresh_token')).toBe(true);
    const again = emu.requests.length;
    expect((await kubectl(['get', 'ns'], { AAD_USER_PRINCIPAL_PASSWORD: ROPC.password })).code).toBe(0);
    expect(new Set(tokenCalls(again).map((r) => r.grantType))).toEqual(new Set(['refresh_token']));
  });

  it('a wrong password: one line with Entra\'s reason', async () => {
    await setup(['--login', 'ropc', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--username', ROPC.username]);
    const result = await runCli(execArgs(), { env: { ...env, KUBERNETES_EXEC_INFO: execInfo(false), AZURE_PASSWORD: 'wrong-password-value' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('error: sign-in failed: AADSTS50126: Error validating credentials due to invalid username or password.\n');
  });
});

describe('secrets stay secret', () => {
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }

  it('setup given --client-secret warns and does not write it; no secret shows in output, --debug output or any file written', async () => {
    const set = await kubectl(['np', 'setup', '--context', CONTEXT, '--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost,
      '--client-id', SP_SECRET.clientId, '--client-secret', SP_SECRET.secret]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain('warning: user');
    expect(set.stderr).toContain('--client-secret was given, but secrets are not written into kubeconfigs; set AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET where kubectl runs instead');
    expect(execArgs()).not.toContain('--client-secret');

    // the secret from the environment, a PFX password too, and the secret given as a flag to get-token itself, with --debug
    const args = [...execArgs(), '--debug'];
    const secrets = [SP_SECRET.secret, PFX_PASSWORD];
    const withSecret = await runKubectl(['get', 'ns', '-v=0'], { kubeconfig, env: { ...env, AZURE_CLIENT_SECRET: SP_SECRET.secret } });
    expect(withSecret.code, withSecret.stderr).toBe(0);
    const debugRun = await runCli([...args, '--client-secret', SP_SECRET.secret, '--cache-dir', join(env.HOME, 'debug-cache')], {
      env: { ...env, KUBERNETES_EXEC_INFO: execInfo(false), AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD: PFX_PASSWORD },
    });
    expect(debugRun.code, debugRun.stderr).toBe(0);
    expect(debugRun.stderr).toMatch(/^debug: /m);
    expect(debugRun.stderr).toContain('spn: signing in with a client secret');
    // a PFX and its password given as flags, with --debug
    const certRun = await runCli([
      'get-token', '--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--client-id', SP_CERT.clientId,
      '--client-certificate', join(CERTS, 'sp-aes.pfx'), '--client-certificate-password', PFX_PASSWORD, '--token-cache-storage', 'file', '--debug',
    ], { env: { ...env, KUBERNETES_EXEC_INFO: execInfo(false) } });
    expect(certRun.code, certRun.stderr).toBe(0);
    expect(certRun.stderr).toContain('spn: signing in with the certificate CN=kubectl-np-test-sp');
    for (const out of [set.stdout, set.stderr, withSecret.stdout, withSecret.stderr, debugRun.stdout, debugRun.stderr, certRun.stdout, certRun.stderr]) {
      for (const secret of secrets) expect(out).not.toContain(secret);
      expect(out).not.toContain('PRIVATE KEY');
    }
    for (const file of filesUnder(env.HOME)) {
      const text = readFileSync(file, 'latin1');
      for (const secret of secrets) expect(text, file).not.toContain(secret);
      expect(text, file).not.toContain('PRIVATE KEY');
      if (/\.(token|msal)$/.test(file)) expect(statSync(file).mode & 0o077, file).toBe(0);
    }
  });
});
