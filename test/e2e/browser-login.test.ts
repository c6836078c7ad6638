// Browser sign-in end to end: the built CLI (bin/run.js) opens the Entra emulator's sign-in page in
// headless Chromium through --browser-command (test/support/browser/drive-signin.mjs), its loopback
// listener receives the code, the tokens land in the cache, and the real kubectl (/usr/bin/kubectl)
// then lists namespaces on the test API server with them, without a prompt and without asking Entra.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { squatOnIpv6Loopback } from '../support/ports.js';
import { pathWithPlugin, requireKubectl, runKubectl, type KubectlResult } from '../support/kubectl.js';
import { repoRoot, requireFreshBuild } from '../integration/auth/dist.js';
import { approveFromStderr, claimsOf, credentialOf, execInfo, isolatedEnv, runCli, type CliResult } from '../integration/auth/cli.js';

const ALICE = 'alice@contoso.example';
const CONTEXT = 'aks-browser';
const CHROMIUM = '/usr/bin/chromium';
const DRIVER = join(repoRoot, 'test/support/browser/drive-signin.mjs');
const BROWSER_COMMAND = `${JSON.stringify(process.execPath)} ${JSON.stringify(DRIVER)}`;

let emu: EntraEmulator;
let api: TestApiServer;

beforeAll(async () => {
  // never skipped: a missing browser or kubectl fails the run (CI installs both, .ci/run)
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the browser sign-in tests need Chromium (installed by .ci/run)`);
  requireKubectl();
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE, groups: ['11111111-1111-4111-8111-111111111111'] }], deviceCodeIntervalSeconds: 0.05 });
  api = await startTestApiServer({
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, usernameClaim: 'upn', usernamePrefix: '-', groupsClaim: 'groups', caPem: emu.caPem },
    authorizer: 'always-allow',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
  });
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
});

let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;
let resultFile: string;
beforeEach(async () => {
  resultFile = join(mkdtempSync(join(tmpdir(), 'kubectl-np-drive-')), 'result.json');
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile, DRIVE_SIGNIN_RESULT: resultFile, DRIVE_SIGNIN_USERNAME: ALICE });
  env.PATH = pathWithPlugin(env.PATH);
  kubeconfig = join(env.HOME, '.kube', 'config');
  emu.setAccessTokenLifetime(3600);
  api.writeKubeconfig(kubeconfig, { context: CONTEXT, user: { token: 'placeholder-until-setup' } });
  const setup = await cli(['setup', '--context', CONTEXT, '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--login', 'interactive', '--token-cache-storage', 'file']);
  expect(setup.code, setup.stderr).toBe(0);
});

const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, onStderr?: (s: string) => void): Promise<CliResult> =>
  runCli(args, { env: { ...env, ...extraEnv }, timeoutMs: 300_000, onStderr });
const kubectl = (args: string[]): Promise<KubectlResult> => runKubectl(args, { kubeconfig, env });
/** requests that sign in or get tokens (the test API server itself reads discovery and keys to validate tokens) */
const signInCalls = (from: number) => emu.requests.slice(from).filter((r) => ['token', 'authorize', 'devicecode'].includes(r.endpoint));
const authorizeRequests = (from: number) => emu.requests.slice(from).filter((r) => r.endpoint === 'authorize' && r.method === 'GET');
interface DriverResult { opened: string; heading?: string; message?: string; error?: string; pid?: number; waiting?: boolean }
/** undefined until the browser script has written its result (a file caught half-written counts as not yet) */
const readDriverResult = (): DriverResult | undefined => {
  const text = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : '';
  return text.endsWith('}') ? (JSON.parse(text) as DriverResult) : undefined;
};
/** the browser script runs detached and may still be closing Chromium when kubectl-np has finished */
async function driverResult(): Promise<DriverResult> {
  for (const until = Date.now() + 300_000; Date.now() < until; ) {
    const result = readDriverResult();
    if (result) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the browser script wrote no result');
}
const getTokenArgs = () => ['get-token', '--login', 'interactive', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file', '--browser-command', BROWSER_COMMAND];

describe('kubectl np login --login interactive in a real browser', () => {
  it('signs in through the emulator page in headless Chromium; kubectl then uses the cached tokens without a prompt or an Entra request', async () => {
    const before = emu.requests.length;
    const login = await cli(['login', '--context', CONTEXT, '--login', 'interactive', '--browser-command', BROWSER_COMMAND]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\) for context ${CONTEXT}; token valid until \\d{4}-\\d\\d-\\d\\dT`));
    expect(login.stdout).not.toContain('JUNK');
    expect(login.stderr).toMatch(/Opening the sign-in page in --browser-command\. If no browser opens, visit http:\/\/127\.0\.0\.1:\d+\/kubectl-np-start\/[0-9a-f]{32}\n/);

    // the browser was given the one-time loopback address (never the authorization URL: argv is readable by
    // every local user), went on to the emulator's authorize endpoint with PKCE S256 and the redirect URI
    // on the IP literal, and ended on our loopback page
    const driven = await driverResult();
    expect(driven.error).toBeUndefined();
    expect(driven.opened).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kubectl-np-start\/[0-9a-f]{32}$/);
    const authorizeRequest = authorizeRequests(before)[0];
    expect(authorizeRequest).toMatchObject({ codeChallengeMethod: 'S256', redirectUri: `http://127.0.0.1:${new URL(driven.opened).port}` });
    expect(driven).toMatchObject({ heading: 'signed-in', message: `You are signed in as ${ALICE}. You can close this tab and return to the terminal.` });
    expect(authorizeRequests(before)).toEqual([expect.objectContaining({ responseMode: 'form_post', status: 200 })]);
    expect(emu.tokenRequests('authorization_code').at(-1)?.status).toBe(200);

    // tokens are in the cache: kubectl (exec entry from `setup --login interactive`) needs nothing from Entra
    const afterLogin = emu.requests.length;
    const ns = await kubectl(['get', 'ns']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toMatch(/^shop\s/m);
    expect(ns.stderr).toBe('');
    expect(signInCalls(afterLogin)).toEqual([]);
    expect(api.requests.some((r) => r.user === ALICE)).toBe(true);
  });

  it("get-token prints only the ExecCredential on stdout, whatever the browser launcher prints", async () => {
    const result = await cli(getTokenArgs(), { KUBERNETES_EXEC_INFO: execInfo(true) });
    const credential = credentialOf(result);
    expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1');
    expect(claimsOf(credential.status.token)).toMatchObject({ upn: ALICE, aud: AKS_SERVER_ID });
    expect(result.stdout).not.toContain('JUNK');
    expect((await driverResult()).heading).toBe('signed-in');
  });

  it('a claims challenge on refresh leads to a second browser sign-in that carries the claims', async () => {
    emu.setAccessTokenLifetime(60); // inside the renewal window: the next call refreshes
    const first = await cli(getTokenArgs(), { KUBERNETES_EXEC_INFO: execInfo(true) });
    expect(first.code, first.stderr).toBe(0);
    emu.setAccessTokenLifetime(3600);
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', aadsts: 50076 });
    const before = emu.requests.length;
    const second = await cli(getTokenArgs(), { KUBERNETES_EXEC_INFO: execInfo(true) });
    expect(second.code, second.stderr).toBe(0);
    expect(emu.tokenRequests('refresh_token').at(-1)?.status).toBe(400);
    const [authorize] = authorizeRequests(before);
    expect(authorize).toBeDefined();
    // the challenge Entra sent with AADSTS50076 (MFA) travels in the new authorization request
    expect(JSON.parse(authorize.claims ?? '{}')).toMatchObject({ access_token: expect.anything() });
    expect(claimsOf(credentialOf(second).status.token).amr).toEqual(['pwd', 'mfa']);
  });

  it('AADSTS53003 (blocked by Conditional Access) is explained in one line and not retried', async () => {
    emu.failNext({ endpoint: 'authorize', aadsts: 53003 });
    const before = emu.requests.length;
    const login = await cli(['login', '--context', CONTEXT, '--login', 'interactive', '--browser-command', BROWSER_COMMAND]);
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/^error: Conditional Access blocked this sign-in \(AADSTS53003\): .*ask your Entra administrator.*$/m);
    expect(login.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(authorizeRequests(before)).toHaveLength(1);
    expect(emu.requests.slice(before).filter((r) => r.endpoint === 'token')).toEqual([]);
    expect((await driverResult()).heading).toBe('sign-in-failed');
  });
});

describe('another user of this machine listening on [::1] at our port (Chromium tries ::1 first for localhost)', () => {
  it('receives nothing: the redirect names 127.0.0.1, where only kubectl-np listens', async () => {
    const squatter = await squatOnIpv6Loopback();
    try {
      const result = await cli([...getTokenArgs(), '--listen-address', `127.0.0.1:${squatter.port}`], { KUBERNETES_EXEC_INFO: execInfo(true) });
      expect(result.code, result.stderr).toBe(0);
      expect((await driverResult()).heading).toBe('signed-in');
      expect(squatter.connections()).toBe(0);
    } finally {
      await squatter.close();
    }
  });

  it('with a localhost --redirect-url, kubectl-np refuses to start rather than leave [::1] to the other user', async () => {
    const squatter = await squatOnIpv6Loopback();
    try {
      const result = await cli([...getTokenArgs(), '--redirect-url', `http://localhost:${squatter.port}`], { KUBERNETES_EXEC_INFO: execInfo(true) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: cannot listen on \[::1\]:\d+ for the sign-in redirect: another program holds it/m);
      expect(squatter.connections()).toBe(0);
    } finally {
      await squatter.close();
    }
  });
});

describe('kubectl itself starting the browser sign-in', () => {
  it('the first kubectl get ns at a terminal signs in through the browser named in the kubeconfig; its output never reaches kubectl', async () => {
    const setup = await cli(['setup', '--context', CONTEXT, '--browser-command', BROWSER_COMMAND]);
    expect(setup.code, setup.stderr).toBe(0);
    const before = emu.requests.length;
    const first = await runKubectl(['get', 'ns'], { kubeconfig, env, tty: true });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^shop\s/m);
    expect(first.stdout + first.stderr).not.toMatch(/junk/i);
    expect(first.stderr).toMatch(/Opening the sign-in page in --browser-command/);
    expect(authorizeRequests(before)).toHaveLength(1);
    expect((await driverResult()).heading).toBe('signed-in');
    const afterSignIn = emu.requests.length;
    const second = await kubectl(['get', 'ns']);
    expect(second.code, second.stderr).toBe(0);
    expect(signInCalls(afterSignIn)).toEqual([]);
  });
});

describe('where no browser can be opened', () => {
  it('interactive falls back to the device code in an SSH session without a display, and says so', async () => {
    const result = await cli(
      ['get-token', '--login', 'interactive', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file'],
      { KUBERNETES_EXEC_INFO: execInfo(true), SSH_CONNECTION: '192.0.2.10 50000 192.0.2.20 22', DISPLAY: '', BROWSER: '' },
      approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)),
    );
    expect(result.stderr).toMatch(/^No browser can be opened here \(this is an SSH session without a display\): signing in with a device code instead\./m);
    expect(result.stderr).toMatch(/enter the code [A-Z0-9]+ to authenticate/);
    expect(claimsOf(credentialOf(result).status.token).upn).toBe(ALICE);
  });
});

describe('Ctrl-C while the browser is open', () => {
  it('cancels cleanly: exit 130, the lock is released and the cache is exactly as it was', async () => {
    // signed in once; login always signs in anew, so the second one waits for the browser
    expect((await cli(getTokenArgs(), { KUBERNETES_EXEC_INFO: execInfo(true) })).code).toBe(0);
    const cacheDir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    const snapshot = () => Object.fromEntries(readdirSync(cacheDir).map((f) => [f, readFileSync(join(cacheDir, f)).toString('base64')]));
    const before = snapshot();

    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), 'login', '--context', CONTEXT, '--browser-command', BROWSER_COMMAND], {
      env: { ...env, DRIVE_SIGNIN_ACTION: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      // Node, then Chromium, start and load two pages first: minutes on a box loaded tenfold; only a hang reaches this
      const timer = setTimeout(() => reject(new Error(`no browser opened: ${stderr}`)), 300_000);
      const poll = setInterval(() => {
        const lock = readdirSync(cacheDir).some((f) => f.endsWith('.lock'));
        if (lock && readDriverResult()?.waiting) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 50);
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    });
    child.kill('SIGINT');
    const code = await exited;
    const driver = await driverResult();
    if (driver.pid) process.kill(driver.pid, 'SIGTERM');

    expect(code).toBe(130);
    expect(stderr).toMatch(/^error: sign-in cancelled \(Ctrl-C\); the token cache is unchanged$/m);
    expect(stdout).toBe('');
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(snapshot()).toEqual(before);
    // and the cached token still serves a non-interactive kubectl
    const requests = emu.requests.length;
    const ns = await kubectl(['get', 'ns']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(signInCalls(requests)).toEqual([]);
  });
});
