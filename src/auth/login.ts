// `kubectl np login` and `kubectl np logout`: sign in ahead of time, or forget cached tokens — for a
// kubeconfig context (its kubectl-np exec arguments say which cache) or for explicit token options.
import { acquireToken, type AcquiredToken } from './acquire.js';
import { clearAllTokenCaches, TokenStore } from './cache/token-store.js';
import { contextsWhere, loadKubeconfigs, tokenOptionsOfContext } from './kubeconfig.js';
import { defaultCacheDir, resolveTokenOptions, type RawTokenOptions, type TokenSpec } from './token-options.js';
import type { CommandIo } from './get-token.js';
import { UsageError } from '../errors.js';

export interface Target {
  kubeconfig?: string;
  context?: string;
  /** token flags given on the command line; with a context they override its exec arguments */
  options: RawTokenOptions;
}

/** A context's options (plus overrides), or the options alone when no context is involved. */
export function resolveTarget(target: Target, env: NodeJS.ProcessEnv): { spec: TokenSpec; context?: string } {
  if (!target.context && target.options['tenant-id']) return { spec: resolveTokenOptions(target.options) };
  // no tenant on the command line: the context (given, or the current one) says which sign-in
  const { context, options } = tokenOptionsOfContext(loadKubeconfigs(target.kubeconfig, env), target.context);
  return { spec: resolveTokenOptions({ ...options, ...target.options }), context: context.name };
}

export async function login(target: Target, io: CommandIo): Promise<AcquiredToken & { context?: string; spec: TokenSpec }> {
  const { spec, context } = resolveTarget(target, io.env);
  const token = await acquireToken(spec, { interactive: true, prompt: io.stderr, warn: (m) => io.stderr(`${m}\n`), debug: io.debug, env: io.env }, { forceSignIn: true });
  return { ...token, context, spec };
}

export interface LogoutResult {
  /** contexts whose cached tokens were removed (other contexts using the same sign-in lose them too) */
  contexts: string[];
  removed: number;
}

export async function logout(target: Target & { all?: boolean }, io: CommandIo): Promise<LogoutResult> {
  if (target.all) {
    if (target.context) throw new UsageError('use either --context or --all, not both');
    const dir = target.options['cache-dir'] || defaultCacheDir();
    const removed = await clearAllTokenCaches(dir, { env: io.env, debug: io.debug });
    return { contexts: [], removed };
  }
  const { spec, context } = resolveTarget(target, io.env);
  await TokenStore.open(spec, { env: io.env, debug: io.debug }).clear();
  let sharing: string[] = context ? [context] : [];
  try {
    const files = loadKubeconfigs(target.kubeconfig, io.env);
    sharing = contextsWhere(files, (o) => {
      try {
        return resolveTokenOptions(o).cacheKey === spec.cacheKey;
      } catch {
        return false;
      }
    });
  } catch {
    // the kubeconfig is only consulted to name the affected contexts
  }
  return { contexts: sharing, removed: 1 };
}
