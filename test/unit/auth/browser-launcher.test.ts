// Which browser opener kubectl-np picks, and when it gives up for the device code instead.
import { describe, expect, it } from 'vitest';
import { argvFor, browserPlan, chooseLauncher, splitCommand, type HostFacts } from '../../../src/auth/browser/launcher.js';

function host(over: Partial<HostFacts> & { env?: NodeJS.ProcessEnv; executables?: string[] } = {}): HostFacts {
  const executables = new Set(over.executables ?? []);
  return {
    env: { PATH: '/usr/local/bin:/usr/bin', ...over.env },
    platform: over.platform ?? 'linux',
    isExecutable: (p) => executables.has(p),
    isWsl: over.isWsl ?? (() => false),
    inContainer: over.inContainer ?? (() => false),
  };
}

describe('chooseLauncher', () => {
  it('--browser-command wins over everything, split like a shell would (quotes kept together)', () => {
    const choice = chooseLauncher(`'/opt/My Browser/browser' --new-window`, host({ env: { BROWSER: 'firefox', SSH_CONNECTION: 'x' } }));
    expect(choice).toEqual({ ok: true, launcher: { command: '/opt/My Browser/browser', args: ['--new-window'], label: '--browser-command' } });
  });

  it('$BROWSER is used as given; its first entry, with %s replaced by the URL', () => {
    const choice = chooseLauncher(undefined, host({ env: { BROWSER: 'w3m -o x=%s:lynx' } }));
    expect(choice.ok && argvFor(choice.launcher, 'https://e/x?a=1&b=2')).toEqual(['-o', 'x=https://e/x?a=1&b=2']);
  });

  it('Linux with a display: xdg-open from PATH', () => {
    const choice = chooseLauncher(undefined, host({ env: { DISPLAY: ':0' }, executables: ['/usr/bin/xdg-open'] }));
    expect(choice).toEqual({ ok: true, launcher: { command: '/usr/bin/xdg-open', args: [], label: 'xdg-open' } });
  });

  it('an SSH session without a display, a container, no display at all: no browser, with the reason', () => {
    expect(chooseLauncher(undefined, host({ env: { SSH_CONNECTION: '1 2 3 4' }, executables: ['/usr/bin/xdg-open'] })))
      .toEqual({ ok: false, reason: 'this is an SSH session without a display' });
    expect(chooseLauncher(undefined, host({ inContainer: () => true }))).toEqual({ ok: false, reason: 'this is a container without a display' });
    expect(chooseLauncher(undefined, host())).toEqual({ ok: false, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' });
    expect(chooseLauncher(undefined, host({ env: { WAYLAND_DISPLAY: 'wayland-0' } }))).toEqual({ ok: false, reason: 'no browser opener (xdg-open, sensible-browser, x-www-browser) is on PATH' });
  });

  it('SSH with X forwarding opens the browser there (it reaches this machine\'s loopback)', () => {
    const choice = chooseLauncher(undefined, host({ env: { SSH_CONNECTION: '1 2 3 4', DISPLAY: 'localhost:10.0' }, executables: ['/usr/bin/xdg-open'] }));
    expect(choice.ok).toBe(true);
  });

  it('WSL: wslview, else the Windows default browser through rundll32.exe, without needing a display', () => {
    const wsl = { isWsl: () => true, env: { PATH: '/usr/bin:/mnt/c/Windows/System32' } };
    expect(chooseLauncher(undefined, host({ ...wsl, executables: ['/usr/bin/wslview', '/mnt/c/Windows/System32/rundll32.exe'] })))
      .toEqual({ ok: true, launcher: { command: '/usr/bin/wslview', args: [], label: 'wslview' } });
    expect(chooseLauncher(undefined, host({ ...wsl, executables: ['/mnt/c/Windows/System32/rundll32.exe'] })))
      .toEqual({ ok: true, launcher: { command: '/mnt/c/Windows/System32/rundll32.exe', args: ['url.dll,FileProtocolHandler'], label: 'the Windows default browser' } });
    expect(chooseLauncher(undefined, host(wsl))).toEqual({ ok: false, reason: 'this is WSL and neither wslview nor rundll32.exe is on PATH' });
  });

  it('macOS opens with `open` unless this is an SSH session; Windows uses the default browser', () => {
    expect(chooseLauncher(undefined, host({ platform: 'darwin' }))).toEqual({ ok: true, launcher: { command: 'open', args: [], label: 'the default browser' } });
    expect(chooseLauncher(undefined, host({ platform: 'darwin', env: { SSH_TTY: '/dev/ttys001' } })).ok).toBe(false);
    expect(chooseLauncher(undefined, host({ platform: 'win32' }))).toMatchObject({ ok: true, launcher: { command: 'rundll32.exe' } });
  });
});

describe('browserPlan', () => {
  it('--skip-open-browser prints the address even where no browser could open', () => {
    expect(browserPlan({ skipOpenBrowser: true }, { SSH_CONNECTION: 'x' })).toEqual({ mode: 'print' });
  });
  it('no browser here: the device code, with the reason', () => {
    expect(browserPlan({ skipOpenBrowser: false }, { PATH: '', SSH_CLIENT: '1 2 3' })).toEqual({ mode: 'devicecode', reason: 'this is an SSH session without a display' });
  });
});

describe('splitCommand', () => {
  it('splits on whitespace and honours quotes and backslashes without expanding anything', () => {
    expect(splitCommand(`open -a "Google Chrome"`)).toEqual(['open', '-a', 'Google Chrome']);
    expect(splitCommand(`a\\ b 'c "d"' "e \\"f\\" $HOME" ''`)).toEqual(['a b', 'c "d"', 'e "f" $HOME', '']);
  });
  it('an unbalanced quote is a usage error (exit 2)', () => {
    expect(() => splitCommand(`firefox "oops`)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
