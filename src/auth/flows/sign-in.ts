// What a sign-in flow is given and gives back. The flows and their loader (index.ts) both import this
// module, never each other's: index.ts loads each flow lazily, and a flow needs only these shapes.
import type { AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import type { TokenSpec } from '../token-options.js';
import type { TokenStore } from '../cache/token-store.js';
import type { PopKey } from '../pop.js';

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
  /** --pop-enabled: the key the app-only token is to be bound to (the public client is built with it already) */
  popKey?: PopKey;
}

/** What acquire keeps from a sign-in; msal's AuthenticationResult is one. */
export type SignInResult = Pick<AuthenticationResult, 'accessToken' | 'expiresOn' | 'idToken' | 'idTokenClaims' | 'account'>;

export type SignInFlow = (ctx: SignInContext) => Promise<SignInResult>;
