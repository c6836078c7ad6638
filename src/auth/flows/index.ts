// Sign-in code per `--login` mode (metadata in ../login-modes.ts). Loaded only when a sign-in is
// actually needed, so msal-node's flows stay out of the cached path.
import type { AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import type { TokenSpec } from '../token-options.js';
import type { TokenStore } from '../cache/token-store.js';

export interface SignInRequest {
  scopes: string[];
  /** a claims challenge from Conditional Access / MFA, carried into this request */
  claims?: string;
  /** the account we expect (pre-fills the username where the flow supports it) */
  loginHint?: string;
  /** the person asked for another account: show the account picker (browser: prompt=select_account) */
  selectAccount?: boolean;
  timeoutMs: number;
}

export interface SignInContext {
  /**
   * a public client bound to this cache key; created on first use, so the app-only modes (which build a
   * ConfidentialClientApplication or ManagedIdentityApplication from spec, or run az) never make one
   */
  app: PublicClientApplication;
  spec: TokenSpec;
  store: TokenStore;
  request: SignInRequest;
  /** human instructions (device code, "open this URL"): always stderr, never stdout */
  prompt: (text: string) => void;
  debug?: (text: string) => void;
  /** the environment of this call (federated token requests, the Azure CLI's PATH and profile) */
  env?: NodeJS.ProcessEnv;
}

/** What acquire keeps from a sign-in; msal's AuthenticationResult is one. */
export type SignInResult = Pick<AuthenticationResult, 'accessToken' | 'expiresOn' | 'idToken' | 'idTokenClaims' | 'account'>;

export type SignInFlow = (ctx: SignInContext) => Promise<SignInResult>;

const FLOWS: Record<string, () => Promise<SignInFlow>> = {
  devicecode: async () => (await import('./devicecode.js')).deviceCodeSignIn,
  interactive: async () => (await import('./interactive.js')).interactiveSignIn,
  spn: async () => (await import('./spn.js')).servicePrincipalSignIn,
  workloadidentity: async () => (await import('./workloadidentity.js')).workloadIdentitySignIn,
  msi: async () => (await import('./msi.js')).managedIdentitySignIn,
  azurecli: async () => (await import('./azurecli.js')).azureCliSignIn,
  azd: async () => (await import('./azd.js')).azureDeveloperCliSignIn,
  ropc: async () => (await import('./ropc.js')).usernamePasswordSignIn,
};

export async function loadSignInFlow(mode: string): Promise<SignInFlow> {
  const load = FLOWS[mode];
  if (!load) throw new Error(`login mode ${mode} has no sign-in flow`);
  return load();
}
