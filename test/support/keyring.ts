// A real freedesktop Secret Service for keychain tests: a private dbus-daemon plus
// `gnome-keyring-daemon --unlock --components=secrets`, with HOME and XDG dirs in a temp directory so
// nothing touches the developer's own keyring. Pass `env` to child processes (or copy it into
// process.env before the first keytar call: GLib connects to the session bus once per process).
// Failing to start is an error, never a skip: CI installs gnome-keyring and dbus (.ci/run).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface KeyringSession {
  /** environment for processes that should see this keyring (HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS) */
  env: NodeJS.ProcessEnv;
  home: string;
  /** XDG_RUNTIME_DIR; on tmpfs when `runtimeOnTmpfs` was asked for and /dev/shm exists */
  runtimeDir: string;
  /** the keyring password, should a test want to lock/unlock */
  password: string;
  /**
   * Locks the default collection over D-Bus, as the desktop does on screen lock or after a timeout.
   * gnome-keyring cannot be unlocked again without a prompt, so lock last (or in a session of its own).
   */
  lock(): Promise<void>;
  stop(): Promise<void>;
}

export interface KeyringOptions {
  /** put XDG_RUNTIME_DIR on tmpfs (/dev/shm), as systemd-logind does, so session key copies are used */
  runtimeOnTmpfs?: boolean;
  startTimeoutMs?: number;
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = pattern.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not be started: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early with code ${code}: ${stderr.trim()}`));
    });
  });
}

async function defaultCollection(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets',
      '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.ReadAlias', 'string:default'], { env, timeout: 2000 });
    return /object path "(\/org\/freedesktop\/secrets\/collection\/[^"]+)"/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function defaultCollectionReady(env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await defaultCollection(env)) !== undefined;
}

async function lockDefaultCollection(env: NodeJS.ProcessEnv): Promise<void> {
  const collection = await defaultCollection(env);
  if (!collection) throw new Error('the keyring has no default collection to lock');
  await execFileAsync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets',
    '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${collection}`], { env, timeout: 120_000 });
}

// The bus has no service directories: with Debian's session.conf, our readiness probe (a call to
// org.freedesktop.secrets) made before our daemon had claimed the name auto-started a second
// gnome-keyring-daemon, which took the name ("another secret service is running") and never unlocked —
// seen only when the box was loaded enough to slow our daemon's start.
function busConfig(busPath: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${busPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startKeyring(options: KeyringOptions = {}): Promise<KeyringSession> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const base = mkdtempSync(join(tmpdir(), 'kubectl-np-keyring-'));
  const home = join(base, 'home');
  const shm = '/dev/shm';
  const runtimeDir = options.runtimeOnTmpfs && existsSync(shm) ? mkdtempSync(join(shm, 'kubectl-np-run-')) : join(base, 'run');
  for (const d of [home, join(base, 'data'), join(base, 'config'), join(base, 'cache'), runtimeDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const busPath = join(base, 'bus');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(base, 'data'),
    XDG_CONFIG_HOME: join(base, 'config'),
    XDG_CACHE_HOME: join(base, 'cache'),
    XDG_RUNTIME_DIR: runtimeDir,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${busPath}`,
  };
  delete env.DISPLAY;
  delete env.GNOME_KEYRING_CONTROL;

  let dbus: ChildProcess | undefined;
  let keyring: ChildProcess | undefined;
  const cleanup = async () => {
    await stopChild(keyring);
    await stopChild(dbus);
    rmSync(base, { recursive: true, force: true });
    if (runtimeDir.startsWith(shm)) rmSync(runtimeDir, { recursive: true, force: true });
  };
  try {
    const configPath = join(base, 'bus.conf');
    writeFileSync(configPath, busConfig(busPath), { mode: 0o600 });
    dbus = spawn('dbus-daemon', [`--config-file=${configPath}`, '--nofork', '--nopidfile', '--print-address=1'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(dbus, /unix:path=\S+/, timeoutMs, 'dbus-daemon');

    const password = 'kubectl-np-test';
    keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let keyringExit: string | undefined;
    let keyringErr = '';
    keyring.stderr?.on('data', (c: Buffer) => (keyringErr += c.toString()));
    keyring.once('exit', (code) => (keyringExit = `gnome-keyring-daemon exited with code ${code}: ${keyringErr.trim()}`));
    keyring.once('error', (err) => (keyringExit = `gnome-keyring-daemon could not be started: ${err.message}`));
    keyring.stdin?.end(password);

    const deadline = Date.now() + timeoutMs;
    while (!(await defaultCollectionReady(env))) {
      if (keyringExit) throw new Error(keyringExit);
      if (Date.now() > deadline) throw new Error(`gnome-keyring did not provide an unlocked default collection within ${timeoutMs} ms: ${keyringErr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { env, home, runtimeDir, password, lock: () => lockDefaultCollection(env), stop: cleanup };
  } catch (err) {
    await cleanup();
    throw new Error(`cannot start a private Secret Service (dbus-daemon + gnome-keyring-daemon): ${(err as Error).message}`);
  }
}
