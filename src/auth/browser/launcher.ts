// Which program opens the sign-in page, and whether one can open at all. A browser on this machine is
// only useful if it can reach this machine's loopback address, so an SSH session without a display or a
// container without one gets a reason (the caller falls back to the device code) instead of a launcher
// that would open nothing or open a browser somewhere the redirect cannot come back to.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../../errors.js';

export interface Launcher {
  /** executable and its leading arguments; the URL is appended (or replaces a `%s`) */
  command: string;
  args: string[];
  /** what we tell the user ("xdg-open", "--browser-command", "$BROWSER") */
  label: string;
}

export type LauncherChoice = { ok: true; launcher: Launcher } | { ok: false; reason: string };

export interface HostFacts {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** is there an executable file at this absolute path */
  isExecutable: (path: string) => boolean;
  /** WSL: the Linux kernel says "microsoft" */
  isWsl: () => boolean;
  /** Docker, Podman or a Kubernetes pod */
  inContainer: () => boolean;
}

export function realHost(env: NodeJS.ProcessEnv = process.env): HostFacts {
  return {
    env,
    platform: process.platform,
    isExecutable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    isWsl: () => {
      if (env.WSL_DISTRO_NAME || env.WSL_INTEROP) return true;
      try {
        return /microsoft/i.test(readFileSync('/proc/sys/kernel/osrelease', 'utf8'));
      } catch {
        return false;
      }
    },
    inContainer: () => Boolean(env.KUBERNETES_SERVICE_HOST) || existsSync('/.dockerenv') || existsSync('/run/.containerenv'),
  };
}

/**
 * Splits a command line the way a POSIX shell splits words, without expanding anything: whitespace
 * separates, single and double quotes group, a backslash escapes the next character (outside single quotes).
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unbalanced ${quote} in browser command ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

/** First executable of that name on PATH (or the path itself when it has a slash). */
export function which(name: string, host: HostFacts): string | undefined {
  if (name.includes('/') || (host.platform === 'win32' && name.includes('\\'))) return host.isExecutable(name) ? name : undefined;
  const exts = host.platform === 'win32' ? (host.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').concat('') : [''];
  for (const dir of (host.env.PATH ?? '').split(host.platform === 'win32' ? ';' : delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (host.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function fromCommandLine(text: string, label: string): Launcher {
  const [command, ...args] = splitCommand(text);
  if (!command) throw new UsageError(`${label} is empty`);
  return { command, args, label };
}

/** The argument vector for a URL: `%s` (as $BROWSER allows) is replaced, otherwise the URL goes last. */
export function argvFor(launcher: Launcher, url: string): string[] {
  return launcher.args.some((a) => a.includes('%s')) ? launcher.args.map((a) => a.replaceAll('%s', url)) : [...launcher.args, url];
}

const sshSession = (env: NodeJS.ProcessEnv) => Boolean(env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY);

/** Linux and BSD openers, in the order desktop environments prefer them. */
const UNIX_OPENERS = ['xdg-open', 'sensible-browser', 'x-www-browser', 'gio', 'gnome-open', 'kde-open', 'wslview'];

/**
 * How to open the sign-in page here. An explicit --browser-command always wins; then $BROWSER; then
 * the platform's opener, unless nothing here can show a browser that reaches our loopback address.
 */
export function chooseLauncher(browserCommand: string | undefined, host: HostFacts): LauncherChoice {
  if (browserCommand) return { ok: true, launcher: fromCommandLine(browserCommand, '--browser-command') };
  const { env, platform } = host;
  const browserVar = env.BROWSER?.split(platform === 'win32' ? ';' : ':').find((c) => c.trim());
  if (browserVar) return { ok: true, launcher: fromCommandLine(browserVar, '$BROWSER') };

  if (platform === 'win32') {
    return { ok: true, launcher: { command: 'rundll32.exe', args: ['url.dll,FileProtocolHandler'], label: 'the default browser' } };
  }
  if (platform === 'darwin') {
    if (sshSession(env)) return { ok: false, reason: 'this is an SSH session, and a browser opened on this Mac would not be in front of you' };
    return { ok: true, launcher: { command: 'open', args: [], label: 'the default browser' } };
  }
  if (host.isWsl()) {
    // WSL 2 forwards localhost to Windows, so the Windows browser reaches our loopback listener
    const wslview = which('wslview', host);
    if (wslview) return { ok: true, launcher: { command: wslview, args: [], label: 'wslview' } };
    const rundll = which('rundll32.exe', host);
    if (rundll) return { ok: true, launcher: { command: rundll, args: ['url.dll,FileProtocolHandler'], label: 'the Windows default browser' } };
    return { ok: false, reason: 'this is WSL and neither wslview nor rundll32.exe is on PATH' };
  }
  const display = env.DISPLAY || env.WAYLAND_DISPLAY;
  if (!display) {
    if (sshSession(env)) return { ok: false, reason: 'this is an SSH session without a display' };
    if (host.inContainer()) return { ok: false, reason: 'this is a container without a display' };
    return { ok: false, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  for (const name of UNIX_OPENERS) {
    const path = which(name, host);
    if (path) return { ok: true, launcher: { command: path, args: name === 'gio' ? ['open'] : [], label: name } };
  }
  return { ok: false, reason: `no browser opener (${UNIX_OPENERS.slice(0, 3).join(', ')}) is on PATH` };
}

export type BrowserPlan = { mode: 'open'; launcher: Launcher } | { mode: 'print' } | { mode: 'devicecode'; reason: string };

/** What --login interactive will do here: open a browser, print the address (--skip-open-browser), or fall back to the device code. */
export function browserPlan(browser: { browserCommand?: string; skipOpenBrowser: boolean }, env: NodeJS.ProcessEnv = process.env): BrowserPlan {
  if (browser.skipOpenBrowser) return { mode: 'print' };
  const choice = chooseLauncher(browser.browserCommand, realHost(env));
  return choice.ok ? { mode: 'open', launcher: choice.launcher } : { mode: 'devicecode', reason: choice.reason };
}
