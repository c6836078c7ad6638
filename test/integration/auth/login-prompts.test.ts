// `kubectl np login` questions in a real terminal: the built CLI runs inside tmux (a pseudo-terminal),
// keys are sent with send-keys and the screen is read with capture-pane. Without a terminal the same
// command never asks: it fails with exit 2 and one line naming the flag that answers the question.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startEntraEmulator, trustCaInProcess, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { signInWithBrowser } from '../../support/entra-emulator/browser.js';
import { repoRoot, requireFreshBuild } from './dist.js';

/** $BROWSER / --browser-command for the fetch-driven stand-in browser (TypeScript, loaded through tsx) */
const fetchBrowserCommand = [process.execPath, '--import', join(repoRoot, 'node_modules/tsx/dist/loader.mjs'), join(repoRoot, 'test/support/browser/fetch-signin.ts')].join(' ');
import { isolatedEnv, runCli } from './cli.js';

const TMUX = '/usr/bin/tmux';
const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';
const CAROL = 'carol@contoso.example';
const CONTEXTS = ['aks-dev', 'aks-test', 'aks-prod'];
const serverIdOf = (context: string) => `api://${context}`;

let emu: EntraEmulator;
const socket = `kubectl-np-test-${process.pid}`;
// asynchronous, bounded and killed outright: a tmux client waiting on its server (or on the lock that starts
// one) ignores SIGTERM, and a synchronous call would keep the worker's own timeouts from firing meanwhile
const tmux = async (...args: string[]): Promise<string> =>
  (await promisify(execFile)(TMUX, ['-L', socket, ...args], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' })).stdout;

beforeAll(async () => {
  // never skipped: CI installs tmux (.ci/run)
  if (!existsSync(TMUX)) throw new Error(`${TMUX} not found: the prompt tests need tmux (installed by .ci/run)`);
  requireFreshBuild();
  emu = await startEntraEmulator({ users: [{ username: ALICE }, { username: BOB }], deviceCodeIntervalSeconds: 0.05 });
});
afterAll(async () => {
  try {
    await tmux('kill-server');
  } catch {
    // no server left
  }
  await emu?.close();
});

let env: NodeJS.ProcessEnv & { HOME: string };
let kubeconfig: string;
beforeEach(() => {
  env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile, TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  kubeconfig = join(env.HOME, '.kube', 'config');
  const user = (context: string) => ({
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', interactiveMode: 'IfAvailable',
      args: ['get-token', '--login', 'devicecode', '--tenant-id', emu.tenantId, '--server-id', serverIdOf(context), '--authority-host', emu.authorityHost, '--token-cache-storage', 'file'],
    },
  });
  writeFileSync(kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': CONTEXTS[0],
    clusters: CONTEXTS.map((c) => ({ name: c, cluster: { server: 'https://127.0.0.1:1' } })),
    users: CONTEXTS.map((c) => ({ name: `${c}-user`, user: user(c) })),
    contexts: CONTEXTS.map((c) => ({ name: c, context: { cluster: c, user: `${c}-user` } })),
  }), { mode: 0o600 });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI in a new tmux session; the shell prints EXIT=<code> when it ends. */
async function startInTerminal(name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const script = join(mkdtempSync(join(tmpdir(), 'kubectl-np-tmux-')), 'run.sh');
  const exports = Object.entries({ ...env, ...extraEnv }).filter(([, v]) => v !== undefined).map(([k, v]) => `export ${k}=${shellQuote(String(v))}`);
  writeFileSync(script, [...exports, `cd ${shellQuote(repoRoot)}`, `${shellQuote(process.execPath)} bin/run.js ${args.map(shellQuote).join(' ')}`, 'echo "EXIT=$?"', 'sleep 600', ''].join('\n'));
  await tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '40', `bash ${shellQuote(script)}`);
}

const screen = (name: string, escapes = false): Promise<string> => tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-t', name);

/** Waits for the screen to match; approves every device code that appears on it as `approveAs`. */
async function waitForScreen(name: string, pattern: RegExp, approveAs?: string, timeoutMs = 180_000): Promise<string> {
  const approved = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screen(name);
    if (approveAs) {
      for (const m of text.matchAll(/enter the code ([A-Z0-9]+) to authenticate/g)) {
        if (!approved.has(m[1])) {
          approved.add(m[1]);
          emu.approveDeviceCode(m[1], approveAs);
        }
      }
    }
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${text}`);
    await sleep(50);
  }
}

const cacheKeysOnDisk = () => {
  const dir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.token')).length : 0;
};

/** alice, then bob, sign in for aks-dev: both are now in its cache, bob is the signed-in one */
async function signInAliceThenBob(): Promise<void> {
  for (const who of [ALICE, BOB]) {
    const r = await runCli(['login', '--context', 'aks-dev', '--login', 'devicecode'], {
      env, onStderr: (s) => { const code = /enter the code ([A-Z0-9]+)/.exec(s)?.[1]; if (code) try { emu.approveDeviceCode(code, who); } catch { /* approved already */ } },
    });
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('kubectl np login at a terminal', () => {
  it('with three kubectl-np contexts and no --context, asks which; space and enter choose two, and it signs in for those two', async () => {
    await startInTerminal('contexts', ['login', '--login', 'devicecode']);
    const question = await waitForScreen('contexts', /Sign in for which contexts\?/);
    for (const c of CONTEXTS) expect(question).toContain(c);
    expect(question).toMatch(/aks-dev \(current\)/);
    // the current context starts checked: move down to aks-test, check it, confirm
    await tmux('send-keys', '-t', 'contexts', 'Down');
    await tmux('send-keys', '-t', 'contexts', 'Space');
    await tmux('send-keys', '-t', 'contexts', 'Enter');
    const done = await waitForScreen('contexts', /EXIT=\d+/, ALICE);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(new RegExp(`Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\) for context aks-dev; token valid until`));
    expect(done).toMatch(new RegExp(`Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\) for context aks-test; token valid until`));
    expect(done).not.toMatch(/for context aks-prod/);
    expect(cacheKeysOnDisk()).toBe(2);
  });

  it('Ctrl-C at the question ends the command with exit 130 and signs in nowhere', async () => {
    await startInTerminal('ctrlc', ['login', '--login', 'devicecode']);
    await waitForScreen('ctrlc', /Sign in for which contexts\?/);
    const before = emu.requests.length;
    await tmux('send-keys', '-t', 'ctrlc', 'C-c');
    const done = await waitForScreen('ctrlc', /EXIT=\d+/);
    expect(done).toContain('EXIT=130');
    expect(emu.requests.slice(before)).toEqual([]);
    expect(cacheKeysOnDisk()).toBe(0);
  });

  it('with several cached accounts, asks which one (default: the signed-in one); without a terminal it names --login-hint', async () => {
    await signInAliceThenBob();
    const script = await runCli(['login', '--context', 'aks-dev', '--login', 'devicecode'], { env });
    expect(script.code).toBe(2);
    expect(script.stderr).toBe(`error: several accounts are signed in for context aks-dev (${ALICE}, ${BOB}): choose one with --login-hint USER\n`);

    await startInTerminal('accounts', ['login', '--context', 'aks-dev', '--login', 'devicecode']);
    const question = await waitForScreen('accounts', /Sign in for context aks-dev as/);
    expect(question).toContain(ALICE);
    expect(question).toMatch(new RegExp(`${BOB.replace('.', '\\.')} \\(signed in\\)`));
    expect(question).toContain('another account');
    await tmux('send-keys', '-t', 'accounts', 'Enter'); // the signed-in account is the default
    const done = await waitForScreen('accounts', /EXIT=\d+/, BOB);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(new RegExp(`Signed in as ${BOB}`));
  });

  it('"another account" opens the browser sign-in with the account picker and no login hint', async () => {
    await signInAliceThenBob();
    const result = join(mkdtempSync(join(tmpdir(), 'kubectl-np-fetch-')), 'result.json');
    const browser = fetchBrowserCommand;
    await startInTerminal('another', ['login', '--context', 'aks-dev', '--login', 'interactive', '--browser-command', browser], { DRIVE_SIGNIN_USERNAME: CAROL, DRIVE_SIGNIN_RESULT: result });
    const question = await waitForScreen('another', /Sign in for context aks-dev as/);
    // alphabetical: alice, bob (signed in, the cursor starts there), another account…
    expect(question.indexOf(ALICE)).toBeLessThan(question.indexOf(BOB));
    const before = emu.requests.length;
    await tmux('send-keys', '-t', 'another', 'Down');
    await tmux('send-keys', '-t', 'another', 'Enter');
    const done = await waitForScreen('another', /EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(new RegExp(`Signed in as ${CAROL} \\(tenant ${emu.tenantId}\\) for context aks-dev`));
    const authorize = emu.requests.slice(before).filter((r) => r.endpoint === 'authorize' && r.method === 'GET');
    expect(authorize).toEqual([expect.objectContaining({ prompt: 'select_account', loginHint: undefined })]);
  });

  it('shows a status line with the time left while waiting, without colour under NO_COLOR, and Ctrl-C cancels with exit 130', async () => {
    await startInTerminal('progress', ['login', '--context', 'aks-prod', '--login', 'devicecode'], { NO_COLOR: '1' });
    const waiting = await waitForScreen('progress', /Waiting for you to sign in with the code… \(\d+:\d\d left; Ctrl-C to cancel\)/);
    expect(waiting).toMatch(/enter the code [A-Z0-9]+ to authenticate/);
    expect(await screen('progress', true)).not.toMatch(/\x1b\[(?:2|36)m/);
    await tmux('send-keys', '-t', 'progress', 'C-c');
    const done = await waitForScreen('progress', /EXIT=\d+/);
    expect(done).toContain('error: sign-in cancelled (Ctrl-C); the token cache is unchanged');
    expect(done).toContain('EXIT=130');
    const dir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lock')) : []).toEqual([]);
  });

  it('the no-keychain warning, printed while the status line is shown, gets a line of its own', async () => {
    // no D-Bus session here: keychain storage falls back to files and warns once, as the sign-in is cached
    await startInTerminal('warn', ['login', '--context', 'aks-prod', '--login', 'devicecode', '--token-cache-storage', 'keychain'], { NO_COLOR: '1' });
    await waitForScreen('warn', /Ctrl-C to cancel\)/);
    const done = await waitForScreen('warn', /EXIT=\d+/, ALICE);
    expect(done).toContain('EXIT=0');
    const lines = done.split('\n');
    expect(lines.some((l) => l.startsWith('warning: no OS keychain answers'))).toBe(true);
    expect(done).not.toMatch(/Ctrl-C to cancel\)\s*warning/);
  });

  it('--skip-open-browser prints the short loopback address; the status line counts down until the browser comes back', async () => {
    await startInTerminal('skip', ['login', '--context', 'aks-test', '--login', 'interactive', '--skip-open-browser']);
    const waiting = await waitForScreen('skip', /Waiting for you to sign in in the browser… \(\d+:\d\d left; Ctrl-C to cancel\)/);
    const address = /To sign in, open (http:\/\/127\.0\.0\.1:\d+\/kubectl-np-start\/[0-9a-f]{32}) in a browser on this machine\./.exec(waiting)?.[1];
    expect(address).toBeDefined();
    // a person opens that address: it leads to the emulator's sign-in page and back
    await trustCaInProcess(emu.caPem);
    const landed = await signInWithBrowser(address!, { username: ALICE });
    expect(landed.body).toContain(`You are signed in as ${ALICE}.`);
    const done = await waitForScreen('skip', /EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(new RegExp(`Signed in as ${ALICE} \\(tenant ${emu.tenantId}\\) for context aks-test`));
  });

  it('colours the status line when NO_COLOR is unset', async () => {
    await startInTerminal('colour', ['login', '--context', 'aks-prod', '--login', 'devicecode']);
    await waitForScreen('colour', /Waiting for you to sign in with the code…/);
    expect(await screen('colour', true)).toMatch(/\x1b\[(?:2|36)m/);
    await tmux('send-keys', '-t', 'colour', 'C-c');
    expect(await waitForScreen('colour', /EXIT=\d+/)).toContain('EXIT=130');
  });
});

describe('kubectl np login without a terminal', () => {
  it('never asks which context: exit 2 and one line naming --context', async () => {
    const r = await runCli(['login', '--login', 'devicecode'], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: 3 kubeconfig contexts sign in with kubectl-np (${CONTEXTS.join(', ')}): name the ones to sign in for with --context NAME (repeatable)\n`);
  });

  it('uses the browser for a context set up with the device code when one can open ($BROWSER here), and says nothing about it', async () => {
    const result = join(mkdtempSync(join(tmpdir(), 'kubectl-np-fetch-')), 'result.json');
    const before = emu.requests.length;
    const r = await runCli(['login', '--context', 'aks-prod'], {
      env: { ...env, BROWSER: fetchBrowserCommand, DRIVE_SIGNIN_USERNAME: CAROL, DRIVE_SIGNIN_RESULT: result },
    });
    expect(r.code, r.stderr).toBe(0);
    // the hour the emulator grants, less however long the sign-in took on this box
    const signedIn = new RegExp(`^Signed in as ${CAROL} \\(tenant ${emu.tenantId}\\) for context aks-prod; token valid until \\S+ \\(in (\\d+) minutes\\)\\.\\n$`).exec(r.stdout);
    expect(signedIn, r.stdout).not.toBeNull();
    expect(Number(signedIn![1])).toBeLessThanOrEqual(60);
    expect(Number(signedIn![1])).toBeGreaterThan(30);
    expect(r.stderr).toMatch(/^Opening the sign-in page in \$BROWSER\. If no browser opens, visit http:\/\/127\.0\.0\.1:\d+\/kubectl-np-start\/[0-9a-f]{32}\n$/);
    expect(emu.requests.slice(before).filter((q) => q.endpoint === 'devicecode')).toEqual([]);
    expect(emu.requests.slice(before).filter((q) => q.endpoint === 'authorize' && q.method === 'GET')).toHaveLength(1);
  });

  it('gives up after --timeout when nobody comes back from the browser: one line, exit 3, lock released', async () => {
    // --timeout counts from before msal loads and reads discovery (about 1 s idle): 30 s leaves time for
    // that on a box loaded tenfold, and running out there would fail with another message
    const r = await runCli(['login', '--context', 'aks-test', '--login', 'interactive', '--skip-open-browser', '--timeout', '30s'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^To sign in, open http:\/\/127\.0\.0\.1:\d+\/kubectl-np-start\/[0-9a-f]{32} in a browser on this machine\.\nerror: timed out after 0:30 waiting for the browser sign-in \(raise --timeout to wait longer\)\n$/);
    const dir = join(env.HOME, '.kube', 'cache', 'kubectl-np');
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lock')) : []).toEqual([]);
  });

  it('--context twice signs in for both without asking', async () => {
    const r = await runCli(['login', '--login', 'devicecode', '--context', 'aks-test', '--context', 'aks-prod'], {
      env, onStderr: (s) => { for (const m of s.matchAll(/enter the code ([A-Z0-9]+)/g)) try { emu.approveDeviceCode(m[1], ALICE); } catch { /* approved already */ } },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => / for context (\S+);/.exec(l)?.[1])).toEqual(['aks-test', 'aks-prod']);
  });
});
