// logout through the built CLI: what it removes (also from cache directories only a kubeconfig names)
// and what it says when there was nothing to remove.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { requireFreshBuild } from './dist.js';
import { approveFromStderr, credentialOf, execInfo, isolatedEnv, runCli } from './cli.js';

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
let customDir: string;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile });
  customDir = join(mkdtempSync(join(tmpdir(), 'kubectl-np-custom-cache-')), 'tokens');
});

const args = (extra: string[] = []) => ['--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost, '--token-cache-storage', 'file', ...extra];

/** aks-a and aks-c share one sign-in cached in a directory of their own; aks-b uses the default directory. */
function writeKubeconfig(): void {
  const user = (name: string, extra: string[]) =>
    `- name: ${name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-np\n      interactiveMode: IfAvailable\n      args: ${JSON.stringify(['get-token', ...args(extra)])}\n`;
  const context = (name: string, u: string) => `- name: ${name}\n  context: {cluster: c, user: ${u}}\n`;
  writeFileSync(
    env.KUBECONFIG!,
    `apiVersion: v1\nkind: Config\ncurrent-context: aks-a\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n` +
      `contexts:\n${context('aks-a', 'ua')}${context('aks-b', 'ub')}${context('aks-c', 'uc')}` +
      `users:\n${user('ua', ['--cache-dir', customDir])}${user('ub', ['--server-id', 'api://other'])}${user('uc', ['--cache-dir', customDir])}`,
    { mode: 0o600 },
  );
}

async function signIn(extra: string[]): Promise<void> {
  const result = await runCli(['get-token', ...args(extra)], {
    env: { ...env, KUBERNETES_EXEC_INFO: execInfo(true) },
    onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)),
  });
  credentialOf(result);
}

const tokenFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.(token|msal)$/.test(f)) : []);

describe('logout', () => {
  it('--all also clears the cache directories kubeconfig entries name with --cache-dir', async () => {
    writeKubeconfig();
    await signIn(['--cache-dir', customDir]);
    await signIn(['--server-id', 'api://other']);
    expect(tokenFiles(customDir)).toHaveLength(2);
    const all = await runCli(['logout', '--all'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('Removed 2 cached sign-ins.\n');
    expect(tokenFiles(customDir)).toEqual([]);
    expect(tokenFiles(join(env.HOME, '.kube', 'cache', 'kubectl-np'))).toEqual([]);
    const again = await runCli(['logout', '--all'], { env });
    expect(again.stdout).toBe('No cached tokens.\n');
  });

  it('--all leaves no warning state behind: the next sign-in is told again that tokens fall back to files', async () => {
    // no D-Bus session here, so no keychain: the automatic storage falls back to 0600 files and says so
    const auto = ['get-token', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost];
    const getToken = () =>
      runCli(auto, { env: { ...env, KUBERNETES_EXEC_INFO: execInfo(true) }, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, ALICE)) });
    const FALLBACK = /^warning: .*tokens are cached in files readable only by you under /m;
    const first = await getToken();
    credentialOf(first);
    expect(first.stderr).toMatch(FALLBACK);
    // served from the cache: nothing stored, nothing said
    const cached = await getToken();
    credentialOf(cached);
    expect(cached.stderr).toBe('');
    expect((await runCli(['logout', '--all'], { env })).stdout).toBe('Removed 1 cached sign-in.\n');
    const after = await getToken();
    credentialOf(after);
    expect(after.stderr).toMatch(/To sign in, use a web browser/);
    expect(after.stderr).toMatch(FALLBACK);
  });

  it('--context names every context that lost its tokens, and says so when there was nothing to remove', async () => {
    writeKubeconfig();
    await signIn(['--cache-dir', customDir]);
    const first = await runCli(['logout', '--context', 'aks-a'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('Removed cached tokens for contexts aks-a, aks-c.\n');
    expect(tokenFiles(customDir)).toEqual([]);
    const second = await runCli(['logout', '--context', 'aks-a'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('No cached tokens for context aks-a.\n');
    const other = await runCli(['logout', '--context', 'aks-b'], { env });
    expect(other.stdout).toBe('No cached tokens for context aks-b.\n');
  });
});

describe('logout flags', () => {
  it('offers only the flags that select a cache; browser, secret and timeout flags are not logout\'s', async () => {
    const help = await runCli(['logout', '--help'], { env });
    expect(help.code).toBe(0);
    for (const flag of ['--tenant-id', '--client-id', '--server-id', '--environment', '--authority-host', '--login', '--token-cache-storage', '--cache-dir', '--all', '--context']) {
      expect(help.stdout).toContain(flag);
    }
    for (const flag of ['--browser-command', '--listen-address', '--redirect-url', '--skip-open-browser', '--login-hint', '--client-secret', '--client-certificate', '--password', '--timeout', '--token-type', '--federated-token-file']) {
      expect(help.stdout).not.toContain(flag);
    }
    const refused = await runCli(['logout', '--tenant-id', 't', '--client-secret', 'x'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('--client-secret');
  });
});
