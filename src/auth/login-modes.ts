// The `--login` modes. Only metadata lives here (the fast path reads it to compute cache keys); each
// mode's sign-in code is loaded on demand from ./flows so msal-node stays out of the fast path.

/**
 * Which kind of client gets the token: a public client that signs a person in and keeps a refresh
 * token (msal silent renewal applies), or an app-only credential with no refresh token, where every
 * renewal is a new sign-in with the same credential.
 */
export type LoginClientKind = 'public' | 'confidential' | 'managed-identity' | 'azure-cli' | 'azure-developer-cli';

export interface LoginModeInfo {
  name: string;
  /** a person has to act (read a code, use a browser): impossible when kubectl says interactive=false */
  needsUser: boolean;
  /**
   * Modes that sign in the same kind of principal share a token cache: a user who signed in with the
   * device code can be refreshed silently when the kubeconfig later says browser, and vice versa.
   */
  cacheFamily: string;
  client: LoginClientKind;
  /** the mode needs an Entra tenant (managed identity and the Azure CLI know theirs) */
  needsTenant: boolean;
  /** can return an ID token (`--token-type id`) */
  idToken: boolean;
  /**
   * false: tokens are never cached, whatever --token-cache-storage says. The Azure CLI and azd keep
   * their own sessions: `az logout` or a switch to another account must take effect on the next call,
   * and nothing short of asking them tells which account is signed in now (docs/benchmarks.md: the cost).
   */
  cached?: false;
  summary: string;
}

export const LOGIN_MODES: Readonly<Record<string, LoginModeInfo>> = {
  devicecode: {
    name: 'devicecode',
    needsUser: true,
    cacheFamily: 'user',
    client: 'public',
    needsTenant: true,
    idToken: true,
    summary: 'show a code on stderr; sign in at the verification URL on any device',
  },
  interactive: {
    name: 'interactive',
    needsUser: true,
    cacheFamily: 'user',
    client: 'public',
    needsTenant: true,
    idToken: true,
    summary: 'sign in in a browser (auth code + PKCE, loopback redirect); falls back to device code where no browser can open',
  },
  spn: {
    name: 'spn',
    needsUser: false,
    cacheFamily: 'app',
    client: 'confidential',
    needsTenant: true,
    idToken: false,
    summary: 'service principal: client secret or certificate (PEM or PFX) from the environment or a file',
  },
  workloadidentity: {
    name: 'workloadidentity',
    needsUser: false,
    // the same application as spn, proven by a federated token instead of a secret: same tokens
    cacheFamily: 'app',
    client: 'confidential',
    needsTenant: true,
    idToken: false,
    summary: 'workload identity federation: a federated token (AZURE_FEDERATED_TOKEN_FILE, or GitHub Actions OIDC) as client assertion',
  },
  msi: {
    name: 'msi',
    needsUser: false,
    cacheFamily: 'msi',
    client: 'managed-identity',
    needsTenant: false,
    idToken: false,
    summary: 'managed identity of the VM, pod or App Service (system-assigned, or user-assigned by --client-id or --identity-resource-id)',
  },
  azurecli: {
    name: 'azurecli',
    needsUser: false,
    cacheFamily: 'azurecli',
    cached: false,
    client: 'azure-cli',
    needsTenant: false,
    idToken: false,
    summary: 'the token of the signed-in Azure CLI (az account get-access-token)',
  },
  azd: {
    name: 'azd',
    needsUser: false,
    cacheFamily: 'azd',
    cached: false,
    client: 'azure-developer-cli',
    needsTenant: false,
    idToken: false,
    summary: 'the token of the signed-in Azure Developer CLI (azd auth token)',
  },
  ropc: {
    name: 'ropc',
    needsUser: false,
    cacheFamily: 'ropc',
    client: 'public',
    needsTenant: true,
    idToken: true,
    summary: 'DISCOURAGED: user name and password sent to Entra (no MFA, no Conditional Access); prefer workloadidentity or spn',
  },
};

export const DEFAULT_LOGIN_MODE = 'devicecode';

export function loginModeNames(): string[] {
  return Object.keys(LOGIN_MODES);
}
