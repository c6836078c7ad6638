// The `--login` modes. Only metadata lives here (the fast path reads it to compute cache keys); each
// mode's sign-in code is loaded on demand from ./flows so msal-node stays out of the fast path.

export interface LoginModeInfo {
  name: string;
  /** a person has to act (read a code, use a browser): impossible when kubectl says interactive=false */
  needsUser: boolean;
  /**
   * Modes that sign in the same kind of principal share a token cache: a user who signed in with the
   * device code can be refreshed silently when the kubeconfig later says browser, and vice versa.
   */
  cacheFamily: string;
  summary: string;
}

export const LOGIN_MODES: Readonly<Record<string, LoginModeInfo>> = {
  devicecode: {
    name: 'devicecode',
    needsUser: true,
    cacheFamily: 'user',
    summary: 'show a code on stderr; sign in at the verification URL on any device',
  },
  interactive: {
    name: 'interactive',
    needsUser: true,
    cacheFamily: 'user',
    summary: 'sign in in a browser (auth code + PKCE, loopback redirect); falls back to device code where no browser can open',
  },
};

export const DEFAULT_LOGIN_MODE = 'devicecode';

export function loginModeNames(): string[] {
  return Object.keys(LOGIN_MODES);
}
