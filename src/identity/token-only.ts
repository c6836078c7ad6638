// `kubectl np whoami --token-only`: the claims of the token kubectl would send, without contacting the
// cluster — from kubectl-np's own cache for its exec entries (no sign-in, no network, even when
// expired), from the kubeconfig for a static token, else by running the exec plugin as kubectl would.
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { currentBearerToken } from '../cluster/reviews.js';
import { UsageError } from '../errors.js';
import { decodeJwtPayload } from '../jwt.js';
import { parseExecArgs } from '../auth/exec-args.js';
import { resolveTokenOptions } from '../auth/token-options.js';
import { identityFromClaims, secondsUntilExpiry, type TokenIdentity } from './claims.js';
import { describeCredential, kubectlNpExecOf, type CredentialSource } from './credential.js';

export interface TokenOnlyReport {
  context: string;
  credential: CredentialSource;
  /** where the token came from */
  source?: 'kubectl-np token cache' | 'kubeconfig' | 'exec plugin';
  token?: TokenIdentity & { expiresInSeconds?: number };
  /** why there are no claims to show */
  tokenNote?: string;
}

export interface TokenOnlyInput {
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runTokenOnly(input: TokenOnlyInput): Promise<TokenOnlyReport> {
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false });
  const context = kc.getCurrentContext();
  const user = kc.getCurrentUser();
  const credential = describeCredential(user);
  const base = { context, credential };
  const login = `kubectl np login --context ${context}`;

  let token: string | undefined;
  let source: TokenOnlyReport['source'];
  const exec = kubectlNpExecOf(user);
  if (exec) {
    const parsed = parseExecArgs(exec.args);
    if (!parsed.ok) throw new UsageError(`cannot read the kubectl-np exec entry of context ${context}: ${parsed.reason}`);
    const env = { ...(input.env ?? process.env), ...exec.env };
    const spec = resolveTokenOptions(parsed.options, env, { lenient: true });
    if (spec.storage === 'none') return { ...base, tokenNote: `the exec entry keeps no tokens (--token-cache-storage none): nothing cached to show` };
    const { TokenStore } = await import('../auth/cache/token-store.js');
    const record = await TokenStore.open(spec, { env }).readRecord();
    token = record?.tokens[spec.tokenType]?.token;
    if (!token) return { ...base, tokenNote: `no cached token: not signed in for context ${context} (${login})` };
    source = 'kubectl-np token cache';
  } else if (credential.kind === 'token') {
    token = user?.token;
    source = 'kubeconfig';
  } else if (credential.kind === 'exec') {
    // another plugin's cache is its own: ask it as kubectl does (it may sign in); the cluster is not contacted
    token = await currentBearerToken(kc);
    source = 'exec plugin';
  } else {
    const why = credential.kind === 'client-certificate' ? 'the context authenticates with a client certificate' : credential.kind === 'basic-auth' ? 'the context uses a username and password' : credential.kind === 'auth-provider' ? `the auth-provider ${credential.provider} is not run offline (convert the context with kubectl np setup --context ${context})` : 'the context sends no credentials';
    return { ...base, tokenNote: `${why}: there is no token to decode` };
  }
  const claims = token ? decodeJwtPayload(token) : undefined;
  if (!claims) return { ...base, ...(source ? { source } : {}), tokenNote: token ? 'the token is not a JWT; there are no claims to show' : 'the exec plugin returned no token' };
  const identity = identityFromClaims(claims);
  const expiresInSeconds = secondsUntilExpiry(identity);
  return { ...base, source, token: { ...identity, ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}) } };
}
