// The non-interactive modes through the built CLI (child processes), focused on what kubectl does not
// show: the get-token fast path (dist/fast-path.cjs, no oclif and no msal) must find the token the
// full path cached, with the login mode, client ID and identity taken from the environment exactly
// as the full path takes them — and a different principal must not find it. A secret never takes
// part in the cache key, so rotating one keeps the cache.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { createFakeAz } from '../../support/fake-az/index.js';
import { repoRoot, requireFreshBuild } from './dist.js';
import { claimsOf, credentialOf, execInfo, isolatedEnv, runCli } from './cli.js';
import { parseExecArgs } from '../../../src/auth/exec-args.js';
import { resolveTokenOptions } from '../../../src/auth/token-options.js';

const SP = { clientId: '5ec7e700-0000-4000-8000-000000000011', objectId: '5ec7e700-0000-4000-8000-0000000000b1', secret: 'first-secret-value' };
const MI = { principalId: 'a5a5a5a5-0000-4000-8000-0000000000f2', clientId: 'a5a5a5a5-0000-4000-8000-0000000000f3', resourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci' };
let emu: EntraEmulator;

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({});
  emu.addServicePrincipal({ clientId: SP.clientId, objectId: SP.objectId, secret: SP.secret });
  emu.addManagedIdentity(MI);
});
afterAll(async () => {
  await emu?.close();
});

let env: ReturnType<typeof isolatedEnv>;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile, KUBERNETES_EXEC_INFO: execInfo(false) });
  emu.setAccessTokenLifetime(3600);
});

/** Only the fast path: true and the ExecCredential when it answered from the cache, false when it would hand over to oclif. */
function fastPath(args: string[], childEnv: NodeJS.ProcessEnv): Promise<{ answered: boolean; stdout: string }> {
  const script = `require(${JSON.stringify(join(repoRoot, 'dist', 'fast-path.cjs'))}).tryCachedToken(JSON.parse(process.argv[1])).then((ok) => process.stderr.write(String(ok)))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(args)], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ answered: stderr === 'true', stdout }));
  });
}

const cacheFiles = () => readdirSync(join(env.HOME, '.kube', 'cache', 'kubectl-np')).filter((f) => f.endsWith('.token'));

describe('the fast path agrees with the full path on environment-derived identities', () => {
  it('spn chosen by AAD_LOGIN_METHOD with its ids from the environment', async () => {
    // a kubeconfig entry written for people; the pipeline's environment makes it a service principal
    const args = ['--login', 'devicecode', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file'];
    const spnEnv = { ...env, AAD_LOGIN_METHOD: 'spn', AZURE_CLIENT_ID: SP.clientId, AZURE_CLIENT_SECRET: SP.secret };
    const full = await runCli(['get-token', ...args], { env: spnEnv });
    const token = credentialOf(full).status.token;
    expect(claimsOf(token)).toMatchObject({ oid: SP.objectId, idtyp: 'app', aud: AKS_SERVER_ID });
    // the file the full path wrote is the one the key computed from these args and this environment names
    const parsed = parseExecArgs(args);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(cacheFiles()).toEqual([`${resolveTokenOptions(parsed.options, spnEnv).cacheKey}.token`]);

    const before = emu.requests.length;
    const fast = await fastPath(args, spnEnv);
    expect(fast.answered).toBe(true);
    expect(JSON.parse(fast.stdout).status.token).toBe(token);
    // a rotated secret is the same principal: same cache
    expect((await fastPath(args, { ...spnEnv, AZURE_CLIENT_SECRET: 'rotated-secret' })).answered).toBe(true);
    // another principal, or no AAD_LOGIN_METHOD (the device code user), must not get this token
    expect((await fastPath(args, { ...spnEnv, AZURE_CLIENT_ID: '5ec7e700-0000-4000-8000-0000000000ff' })).answered).toBe(false);
    const { AAD_LOGIN_METHOD: _m, ...userEnv } = spnEnv;
    expect((await fastPath(args, userEnv)).answered).toBe(false);
    expect(emu.requests.slice(before)).toEqual([]);
  });

  it('msi: the user-assigned identity is part of the key', async () => {
    const miEnv = { ...env, ...emu.managedIdentityEnv('imds') };
    const byResource = ['--login', 'msi', '--identity-resource-id', MI.resourceId, '--token-cache-storage', 'file'];
    const token = credentialOf(await runCli(['get-token', ...byResource], { env: miEnv })).status.token;
    expect(claimsOf(token)).toMatchObject({ oid: MI.principalId, xms_mirid: MI.resourceId });
    expect((await fastPath(byResource, miEnv)).answered).toBe(true);
    expect((await fastPath(['--login', 'msi', '--token-cache-storage', 'file'], miEnv)).answered).toBe(false); // system-assigned
    expect((await fastPath(['--login', 'msi', '--client-id', MI.clientId, '--token-cache-storage', 'file'], miEnv)).answered).toBe(false);
  });

  it('azurecli: never cached, whatever --token-cache-storage says: the fast path does not answer and each call asks az', async () => {
    const now = Math.floor(Date.now() / 1000);
    const az = createFakeAz({ signedIn: true, tenant: emu.tenantId, tokens: { [AKS_SERVER_ID]: { accessToken: emu.mintToken({ aud: AKS_SERVER_ID, iss: emu.issuer(), oid: 'cli-user', exp: now + 3600 }), expiresOn: now + 3600 } } });
    const azEnv = { ...env, ...az.env, PATH: `${az.binDir}:${env.PATH}`, AZURE_CONFIG_DIR: join(env.HOME, '.azure') };
    const args = ['--login', 'azurecli', '--token-cache-storage', 'file'];
    expect(credentialOf(await runCli(['get-token', ...args], { env: azEnv })).status.token).toBeTruthy();
    expect((await fastPath(args, azEnv)).answered).toBe(false);
    expect(credentialOf(await runCli(['get-token', ...args], { env: azEnv })).status.token).toBeTruthy();
    expect(az.calls()).toHaveLength(2);
  });
});

describe('parallel callers', () => {
  it('ten parallel get-token runs for a service principal make one token request and print the same token', async () => {
    const args = ['get-token', '--login', 'spn', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file'];
    const spnEnv = { ...env, AZURE_CLIENT_ID: SP.clientId, AZURE_CLIENT_SECRET: SP.secret };
    const before = emu.requests.length;
    const runs = await Promise.all(Array.from({ length: 10 }, () => runCli(args, { env: spnEnv, timeoutMs: 10 * 30_000 })));
    expect(runs.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(new Set(runs.map((r) => credentialOf(r).status.token)).size).toBe(1);
    expect(emu.requests.slice(before).filter((r) => r.endpoint === 'token').map((r) => r.grantType)).toEqual(['client_credentials']);
  });
});

describe('bad input is one line, exit 2, before any network request', () => {
  it.each([
    [['--login', 'spn', '--tenant-id', 'T'], {}, 'error: --login spn needs the application (client) ID of the service principal: --client-id or AAD_SERVICE_PRINCIPAL_CLIENT_ID/AZURE_CLIENT_ID'],
    [['--login', 'spn', '--tenant-id', 'T', '--client-id', 'C'], {}, 'error: --login spn needs a client secret or certificate: set AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET, or AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE or AZURE_CLIENT_CERTIFICATE_PATH (PEM or PFX)'],
    [['--login', 'workloadidentity', '--tenant-id', 'T', '--client-id', 'C'], {}, 'error: --login workloadidentity needs a federated token: set AZURE_FEDERATED_TOKEN_FILE (the workload identity webhook does in AKS pods), pass --federated-token-file, or run in GitHub Actions with the id-token write permission, or in Azure Pipelines with a workload identity service connection (SYSTEM_ACCESSTOKEN, AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)'],
    [['--login', 'workloadidentity', '--tenant-id', 'T', '--client-id', 'C'], { AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/token' }, 'error: cannot read the federated token file /nonexistent/token (AZURE_FEDERATED_TOKEN_FILE): ENOENT'],
    [['--login', 'ropc', '--tenant-id', 'T', '--username', 'u@x'], {}, 'error: --login ropc needs a user name (--username, AAD_USER_PRINCIPAL_NAME or AZURE_USERNAME) and a password (AAD_USER_PRINCIPAL_PASSWORD or AZURE_PASSWORD)'],
  ])('%j %j', async (args, extra, line) => {
    const before = emu.requests.length;
    const result = await runCli(['get-token', '--authority-host', emu.authorityHost, '--token-cache-storage', 'none', ...args], { env: { ...env, ...extra } });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.code).toBe(2);
    expect(emu.requests.slice(before)).toEqual([]);
  });

  it('an empty federated token file is refused with the path', async () => {
    const file = join(env.HOME, 'empty-token');
    writeFileSync(file, '\n');
    const result = await runCli(['get-token', '--login', 'workloadidentity', '--tenant-id', 'T', '--client-id', 'C', '--authority-host', emu.authorityHost, '--federated-token-file', file], { env });
    expect(result.stderr).toBe(`error: the federated token file ${file} is empty\n`);
    expect(result.code).toBe(2);
  });
});

describe('a hung Azure CLI', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** waits (bounded) for a process to be gone; the bound is for a hang, not a measurement */
  async function gone(pid: number): Promise<boolean> {
    for (const until = Date.now() + 120_000; alive(pid) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    return !alive(pid);
  }
  const azArgs = () => ['get-token', '--login', 'azurecli', '--tenant-id', emu.tenantId, '--token-cache-storage', 'file'];

  it('is ended whole on --timeout: the process az started does not outlive kubectl-np', async () => {
    const az = createFakeAz({ signedIn: true, tenant: emu.tenantId, hang: true });
    // long enough for the fake az (a shell, then Node) to start and write its pid on a box loaded tenfold
    const result = await runCli([...azArgs(), '--timeout', '20s'], { env: { ...env, ...az.env, PATH: `${az.binDir}:${env.PATH}` } });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('error: az account get-access-token did not answer within 20s\n');
    const worker = Number(readFileSync(az.pidFile, 'utf8'));
    expect(await gone(worker)).toBe(true);
  });

  it('is ended whole on Ctrl-C, with exit code 130', async () => {
    const az = createFakeAz({ signedIn: true, tenant: emu.tenantId, hang: true });
    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), ...azArgs()], { env: { ...env, ...az.env, PATH: `${az.binDir}:${env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let running = true;
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => ((running = false), resolve(code))));
    // az is up once its worker wrote its pid: kubectl-np, a shell and Node start first, slowly on a loaded box
    const written = () => existsSync(az.pidFile) && readFileSync(az.pidFile, 'utf8') !== '';
    for (const until = Date.now() + 300_000; running && !written() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    const worker = Number(readFileSync(az.pidFile, 'utf8'));
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(stderr).toBe('error: sign-in cancelled (Ctrl-C); the token cache is unchanged\n');
    expect(await gone(worker)).toBe(true);
  });
});

describe('a developer CLI that is not installed', () => {
  it.each([
    ['azurecli', 'error: --login azurecli needs the Azure CLI, but `az` is not on PATH; install it (https://aka.ms/azure-cli) or choose another --login mode'],
    ['azd', 'error: --login azd needs the Azure Developer CLI, but `azd` is not on PATH; install it (https://aka.ms/azd) or choose another --login mode'],
  ])('--login %s: one line and exit 3, like a signed-out CLI (the machine\'s setup, not the command line)', async (mode, line) => {
    const result = await runCli(['get-token', '--login', mode, '--tenant-id', emu.tenantId, '--token-cache-storage', 'file'], { env: { ...env, PATH: join(env.HOME, 'empty-bin') } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${line}\n`);
  });
});
