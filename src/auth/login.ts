// `kubectl np login` and `kubectl np logout`: sign in ahead of time, or forget cached tokens — for
// kubeconfig contexts (their kubectl-np exec arguments say which cache) or for explicit token options.
//
// login asks only what flags have not answered: which contexts (--context) when several use
// kubectl-np, and which account (--login-hint) when several are cached for one sign-in. Without a
// terminal it never asks; it fails naming the flag instead.
import { acquireToken, type AcquiredToken } from './acquire.js';
import { browserPlan } from './browser/launcher.js';
import { clearAllTokenCaches, TokenStore } from './cache/token-store.js';
import { contextsWhere, currentContextName, loadKubeconfigs, loadRequiredKubeconfigs, tokenOptionsOfContext, type KubeconfigFile } from './kubeconfig.js';
import { DEFAULT_LOGIN_MODE, LOGIN_MODES } from './login-modes.js';
import { ANOTHER_ACCOUNT, type LoginPrompter } from './prompts.js';
import { defaultCacheDir, resolveTokenOptions, type RawTokenOptions, type TokenSpec } from './token-options.js';
import type { CommandIo } from './get-token.js';
import { UsageError } from '../errors.js';
import { printable } from '../printable.js';

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
  const { context, options } = tokenOptionsOfContext(loadRequiredKubeconfigs(target.kubeconfig, env), target.context);
  return { spec: resolveTokenOptions({ ...options, ...target.options }), context: context.name };
}

export interface LoginRequest {
  kubeconfig?: string;
  /** --context (repeatable); none: the only kubectl-np context, or ask when there are several */
  contexts: string[];
  /** token flags given on the command line; with contexts they override the contexts' exec arguments */
  options: RawTokenOptions;
}

export interface LoginOutcome extends AcquiredToken {
  /** the contexts this sign-in serves (several when they share tenant, client and server application) */
  contexts: string[];
  spec: TokenSpec;
}

interface Plan {
  options: RawTokenOptions;
  contexts: string[];
}

/**
 * The sign-in a person wants from `login`: the browser where one can open. A context set up for the
 * device code shares its cache with the browser sign-in, so `login` may use either; an explicit
 * --login on the command line is taken as given.
 */
export function loginModeFor(options: RawTokenOptions, explicit: string | undefined, env: NodeJS.ProcessEnv): RawTokenOptions {
  if (explicit) return options;
  const mode = options.login ?? DEFAULT_LOGIN_MODE;
  if (mode !== 'devicecode') return options;
  const plan = browserPlan({ browserCommand: options['browser-command'], skipOpenBrowser: options['skip-open-browser'] === 'true' }, env);
  return plan.mode === 'open' ? { ...options, login: 'interactive' } : options;
}

function describeContext(options: RawTokenOptions): string {
  const mode = options.login ?? DEFAULT_LOGIN_MODE;
  return `tenant ${options['tenant-id'] ?? '?'}, ${mode}`;
}

async function chooseContexts(files: KubeconfigFile[], request: LoginRequest, prompter: LoginPrompter | undefined): Promise<(string | undefined)[]> {
  if (request.contexts.length) return request.contexts;
  const entra = contextsWhere(files, () => true);
  if (entra.length <= 1) return [entra[0]]; // none: the current context, which explains what is missing
  if (!prompter) {
    throw new UsageError(`${entra.length} kubeconfig contexts sign in with kubectl-np (${entra.join(', ')}): name the ones to sign in for with --context NAME (repeatable)`);
  }
  const current = currentContextName(files);
  const chosen = await prompter.chooseContexts(entra.map((name) => ({ name, current: name === current, detail: describeContext(tokenOptionsOfContext(files, name).options) })));
  if (!chosen.length) throw new UsageError('no context chosen');
  return chosen;
}

/** One plan per distinct sign-in (contexts with the same tenant, client and server share one). */
async function planLogins(request: LoginRequest, env: NodeJS.ProcessEnv, prompter: LoginPrompter | undefined): Promise<Plan[]> {
  if (!request.contexts.length && request.options['tenant-id']) return [{ options: request.options, contexts: [] }];
  const files = loadRequiredKubeconfigs(request.kubeconfig, env);
  const names = await chooseContexts(files, request, prompter);
  const plans = new Map<string, Plan>();
  for (const name of names) {
    const { context, options } = tokenOptionsOfContext(files, name);
    const merged = { ...options, ...request.options };
    const key = resolveTokenOptions(merged, env).cacheKey;
    const plan = plans.get(key);
    if (plan) plan.contexts.push(context.name);
    else plans.set(key, { options: merged, contexts: [context.name] });
  }
  return [...plans.values()];
}

/** The accounts msal has cached for this sign-in (a person who switched accounts has several). */
async function cachedAccounts(spec: TokenSpec, io: CommandIo): Promise<{ usernames: string[]; current?: string }> {
  const store = TokenStore.open(spec, { env: io.env, warn: (m) => io.stderr(`${m}\n`), debug: io.debug });
  if (spec.storage === 'none') return { usernames: [] };
  const record = await store.readRecord();
  const { createPublicClient } = await import('./msal/client.js');
  const accounts = await createPublicClient(spec, store, { debug: io.debug }).getTokenCache().getAllAccounts();
  const usernames = [...new Set(accounts.map((a) => a.username).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  return { usernames, current: record?.account?.username };
}

/**
 * Signs in for each chosen sign-in in turn; `signedIn` hears of each as it completes, so a failure
 * later on does not hide the ones that worked.
 */
export async function login(request: LoginRequest, io: CommandIo, prompter?: LoginPrompter, signedIn?: (outcome: LoginOutcome) => void): Promise<LoginOutcome[]> {
  const plans = await planLogins(request, io.env, prompter);
  const outcomes: LoginOutcome[] = [];
  for (const plan of plans) {
    const options = loginModeFor(plan.options, request.options.login, io.env);
    let spec = resolveTokenOptions(options, io.env);
    const where = plan.contexts.length ? `for ${plan.contexts.length > 1 ? 'contexts' : 'context'} ${plan.contexts.join(', ')}` : `to tenant ${spec.tenantId}`;
    let anotherAccount = false;
    if (LOGIN_MODES[spec.loginMode].needsUser && !spec.loginHint) {
      const { usernames, current } = await cachedAccounts(spec, io);
      if (usernames.length > 1) {
        if (!prompter) throw new UsageError(`several accounts are signed in ${where} (${usernames.join(', ')}): choose one with --login-hint USER`);
        const choice = await prompter.chooseAccount(usernames, current, where);
        if (choice === ANOTHER_ACCOUNT) anotherAccount = true;
        else spec = { ...spec, loginHint: choice };
      }
    }
    const loginCommand = () => (plan.contexts.length ? `kubectl np login --context ${plan.contexts[0]}` : `kubectl np login --tenant-id ${spec.tenantId}`);
    const token = await acquireToken(
      spec,
      { interactive: true, prompt: io.stderr, warn: (m) => io.stderr(`${m}\n`), debug: io.debug, env: io.env },
      { forceSignIn: true, loginCommand, anotherAccount },
    );
    const outcome = { ...token, contexts: plan.contexts, spec };
    outcomes.push(outcome);
    signedIn?.(outcome);
  }
  return outcomes;
}

/** "Signed in as alice@contoso.com (tenant …) for context aks-prod; token valid until 2025-…Z (in 59 minutes)." */
export function describeLogin(outcome: LoginOutcome, now = Date.now()): string {
  const who = outcome.account ? `${outcome.account.username} (tenant ${outcome.account.tenantId})` : `tenant ${outcome.spec.tenantId}`;
  const where = outcome.contexts.length ? ` for ${outcome.contexts.length > 1 ? 'contexts' : 'context'} ${outcome.contexts.join(', ')}` : '';
  const minutes = Math.round((outcome.expiresOn - now) / 60_000);
  const left = minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
  // the account name comes from Entra's token: shown as text, never as terminal control
  return printable(`Signed in as ${who}${where}; token valid until ${new Date(outcome.expiresOn).toISOString()} (in ${left}).`);
}

export interface LogoutResult {
  /** contexts whose cached tokens were removed (other contexts using the same sign-in lose them too) */
  contexts: string[];
  /** the context asked for (--context, or the current one), when one was */
  context?: string;
  /** sign-ins removed: with --all how many, otherwise 1 or 0 (there was nothing cached) */
  removed: number;
  /** --all: the cache directories cleared */
  dirs?: string[];
}

/** The cache directories kubectl-np exec entries in the kubeconfig(s) name with --cache-dir. */
export function cacheDirsOfKubeconfigs(files: KubeconfigFile[]): string[] {
  const dirs: string[] = [];
  contextsWhere(files, (o) => {
    if (o['cache-dir'] && !dirs.includes(o['cache-dir'])) dirs.push(o['cache-dir']);
    return false;
  });
  return dirs;
}

export async function logout(target: Target & { all?: boolean }, io: CommandIo): Promise<LogoutResult> {
  if (target.all) {
    if (target.context) throw new UsageError('use either --context or --all, not both');
    // the default directory (or --cache-dir), and every directory a kubectl-np context caches in
    const dirs = [target.options['cache-dir'] || defaultCacheDir()];
    let files: KubeconfigFile[] = [];
    try {
      files = loadKubeconfigs(target.kubeconfig, io.env);
    } catch (err) {
      io.stderr(`warning: cannot read the kubeconfig (${(err as Error).message}); cache directories named only there are left alone\n`);
    }
    for (const dir of cacheDirsOfKubeconfigs(files)) if (!dirs.includes(dir)) dirs.push(dir);
    io.debug?.(`clearing token caches in ${dirs.join(', ')}`);
    const removed = await clearAllTokenCaches(dirs, { env: io.env, warn: (m) => io.stderr(`${m}\n`), debug: io.debug });
    return { contexts: [], removed, dirs };
  }
  const { spec, context } = resolveTarget(target, io.env);
  const removed = await TokenStore.open(spec, { env: io.env, debug: io.debug }).clear();
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
  return { contexts: removed ? sharing : [], context, removed: removed ? 1 : 0 };
}

/** What logout prints: what was removed, or that nothing was there. */
export function describeLogout(result: LogoutResult, all: boolean): string {
  if (all) return result.removed ? `Removed ${result.removed} cached sign-in${result.removed === 1 ? '' : 's'}.` : 'No cached tokens.';
  const contexts = (names: string[]) => `${names.length > 1 ? 'contexts' : 'context'} ${names.join(', ')}`;
  if (!result.removed) return result.context ? `No cached tokens for ${contexts([result.context])}.` : 'No cached tokens for these settings.';
  return result.contexts.length ? `Removed cached tokens for ${contexts(result.contexts)}.` : 'Removed cached tokens.';
}
