// A Microsoft Graph token from the same account a kubectl-np exec entry signed in with: msal's cache
// for that entry holds a refresh token, which msal redeems silently for Graph. No prompt here: if the
// account is gone, the user is told to sign in with kubectl np login.
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { KubeConfig } from '../cluster/kubeconfig.js';
import { kubectlNpExecOf } from './credential.js';
import { decodeJwtPayload } from '../jwt.js';
import { serviceAccountClaims } from '../serviceaccount-token.js';
import { parseExecArgs } from '../auth/exec-args.js';
import { resolveTokenOptions } from '../auth/token-options.js';
import { LoginRequiredError, SignInFailedError, classifySignInError } from '../auth/sign-in-errors.js';
import { graphBaseUrlFor, type GraphOptions } from './graph.js';

/** Graph's resource URI for tokens; sovereign clouds have their own. */
function graphResource(baseUrl: string | undefined): string {
  return baseUrl && /graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn/.test(baseUrl) ? baseUrl : 'https://graph.microsoft.com';
}

export interface GraphAccessInput {
  /** get-token arguments of the kubectl-np exec entry */
  args: string[];
  /** the exec entry's env, over the process env */
  env: NodeJS.ProcessEnv;
  /** --graph-url: where Graph is when the authority is not a Microsoft cloud */
  graphUrl?: string;
  context: string;
  debug?: (text: string) => void;
}

export function graphAccessFor(input: GraphAccessInput): GraphOptions {
  const parsed = parseExecArgs(input.args);
  if (!parsed.ok) throw new UsageError(`cannot read the kubectl-np exec entry of context ${input.context}: ${parsed.reason}`);
  const spec = resolveTokenOptions(parsed.options);
  const known = graphBaseUrlFor(spec.authorityHost);
  const baseUrl = input.graphUrl ?? known;
  if (!baseUrl) throw new UsageError(`cannot tell where Microsoft Graph is for authority ${spec.authorityHost}: pass --graph-url`);
  const login = `kubectl np login --context ${input.context}`;

  return {
    baseUrl,
    token: async () => {
      const { TokenStore } = await import('../auth/cache/token-store.js');
      const { FileLock } = await import('../auth/cache/lock.js');
      const { createPublicClient, findAccount } = await import('../auth/msal/client.js');
      const store = TokenStore.open(spec, { env: input.env, debug: input.debug });
      // the same lock get-token takes: msal writes the cache back after redeeming the refresh token
      const lock = spec.storage === 'none' ? undefined : await FileLock.acquire(join(spec.cacheDir, `${spec.cacheKey}.lock`), spec.timeoutMs);
      try {
        const record = await store.readRecord();
        const app = createPublicClient(spec, store, { debug: input.debug });
        const account = await findAccount(app, record?.account?.homeAccountId);
        if (!account) throw new LoginRequiredError(`not signed in for context ${input.context}; run \`${login}\` and try again`);
        try {
          const result = await app.acquireTokenSilent({ account, scopes: [`${graphResource(baseUrl)}/.default`] });
          return result.accessToken;
        } catch (err) {
          const failure = classifySignInError(err, spec.authorityHost);
          throw new SignInFailedError(`cannot get a Microsoft Graph token for ${account.username}: ${failure.reason}${failure.kind === 'reauthenticate' ? `; run \`${login}\`` : ''}`, { cause: err });
        }
      } finally {
        lock?.release();
      }
    },
  };
}

/** Graph access through the account of the context's kubectl-np exec entry (--resolve-groups). */
export function graphForContext(kc: KubeConfig, input: { graphUrl?: string; env?: NodeJS.ProcessEnv; debug?: (text: string) => void }): GraphOptions {
  const exec = kubectlNpExecOf(kc.getCurrentUser());
  const token = kc.getCurrentUser()?.token;
  const sa = !exec && token ? serviceAccountClaims(decodeJwtPayload(token) ?? {}) : undefined;
  if (sa) {
    // setup cannot turn a service account into an Entra user: say what its groups are instead
    throw new UsageError(`--resolve-groups fetches Entra ID groups from Microsoft Graph, but context ${kc.getCurrentContext()} sends a Kubernetes service account token (${sa.namespace}/${sa.name}): it has no Entra groups, only system:serviceaccounts and system:serviceaccounts:${sa.namespace} (run whoami without --resolve-groups)`);
  }
  if (!exec) {
    throw new UsageError(`--resolve-groups needs a Microsoft Graph token from the account you signed in with, which kubectl-np has only for contexts using kubectl-np get-token (convert this one with: kubectl np setup --context ${kc.getCurrentContext()})`);
  }
  return graphAccessFor({ args: exec.args, env: { ...(input.env ?? process.env), ...exec.env }, graphUrl: input.graphUrl, context: kc.getCurrentContext(), debug: input.debug });
}
