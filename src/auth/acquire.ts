// Getting a token for one cache key: cached → (lock) → cached again → silent refresh → sign-in.
// The lock spans everything after the first look, so parallel callers make one refresh and show one
// prompt; the others find the fresh token when they get the lock. msal-node is loaded only past the
// cached case.
import { join } from 'node:path';
import type { AuthenticationResult, PublicClientApplication, AccountInfo } from '@azure/msal-node';
import { UsageError } from '../errors.js';
import type { SignInRequest, SignInResult } from './flows/index.js';
import { FileLock } from './cache/lock.js';
import { CacheWriteError } from './cache/private-files.js';
import { emptyRecord, expiryOf, RENEW_BEFORE_EXPIRY_MS, usableToken, type CachedToken, type TokenRecord } from './cache/record.js';
import { TokenStore } from './cache/token-store.js';
import { LOGIN_MODES } from './login-modes.js';
import { noteAboveStatusLine } from './progress.js';
import { redact } from '../redact.js';
import { decodeJwtPayload } from '../jwt.js';
import { classifySignInError, LoginRequiredError, SignInFailedError } from './sign-in-errors.js';
import type { TokenSpec } from './token-options.js';
import { isBoundTo, newPopKeyPem, popKeyFrom, type PopKey } from './pop.js';

export interface AcquireIo {
  /** may we ask a person to do something (device code, browser)? */
  interactive: boolean;
  /** sign-in instructions (stderr) */
  prompt: (text: string) => void;
  /** warnings (stderr) */
  warn: (text: string) => void;
  debug?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface AcquireOptions {
  /** sign in even if a cached or refreshable token exists (`kubectl np login`) */
  forceSignIn?: boolean;
  /** the command that would sign this user in, for messages ("run `kubectl np login --context prod`") */
  loginCommand?: () => string;
  /** `kubectl np login` was asked for another account: no login hint from the cache, the sign-in asks who */
  anotherAccount?: boolean;
}

export type Account = NonNullable<TokenRecord['account']>;

export interface AcquiredToken extends CachedToken {
  account?: Account;
  /** where it came from: the record, msal (cache or refresh token), or a new sign-in */
  source: 'cache' | 'silent' | 'sign-in';
  /** --pop-enabled: the key the access token is bound to, which signs each request (auth/pop.ts) */
  popKey?: PopKey;
}

const defaultLoginCommand = (spec: TokenSpec) => `kubectl np login --tenant-id ${spec.tenantId} --server-id ${spec.serverId}`;

export async function acquireToken(spec: TokenSpec, given: AcquireIo, options: AcquireOptions = {}): Promise<AcquiredToken> {
  // a warning or debug line written while a sign-in's status line is shown goes above that line
  const io: AcquireIo = {
    ...given,
    warn: (text) => noteAboveStatusLine(redact(text)) || given.warn(text),
    debug: given.debug && ((text) => (noteAboveStatusLine(redact(`debug: ${text}`)) ? undefined : given.debug?.(text))),
  };
  // --timeout bounds the whole call: waiting for the lock and every request after it
  const started = Date.now();
  const deadline = started + spec.timeoutMs;
  const store = TokenStore.open(spec, { env: io.env, warn: io.warn, debug: io.debug });
  const loginCommand = options.loginCommand ?? (() => defaultLoginCommand(spec));
  if (!options.forceSignIn) {
    const record = await store.readRecord();
    const cached = await usableCached(store, spec, record);
    if (cached) {
      io.debug?.(`sign-in: cached ${spec.tokenType} token valid until ${until(cached.expiresOn)}: no request to Entra`);
      return { ...cached, account: record?.account, source: 'cache' };
    }
    io.debug?.(`sign-in: no cached ${spec.tokenType} token valid for ${RENEW_BEFORE_EXPIRY_MS / 60_000} min more`);
  }
  if (spec.storage === 'none') return acquireLocked(spec, store, io, options, loginCommand, { deadline });

  let waited = false;
  const lock = await FileLock.acquire(join(spec.cacheDir, `${spec.cacheKey}.lock`), spec.timeoutMs, {
    giveUp: (holder) =>
      !io.interactive && holder.waitingForUser
        ? new LoginRequiredError(`another kubectl-np (pid ${holder.pid}) is waiting for you to sign in; finish that sign-in, or run \`${loginCommand()}\``)
        : undefined,
    onWait: (holder) => {
      waited = true;
      io.debug?.(`another kubectl-np${holder ? ` (pid ${holder.pid})` : ''} holds the token cache lock; waiting for it`);
    },
  });
  try {
    return await acquireLocked(spec, store, io, options, loginCommand, { lock, deadline, waitedSince: waited ? started : undefined });
  } finally {
    lock.release();
  }
}

async function acquireLocked(
  spec: TokenSpec,
  store: TokenStore,
  io: AcquireIo,
  options: AcquireOptions,
  loginCommand: () => string,
  held: Held,
): Promise<AcquiredToken> {
  const { lock, deadline } = held;
  const record = (await store.readRecord()) ?? emptyRecord();
  const mode = LOGIN_MODES[spec.loginMode];
  const needsUser = mode.needsUser;
  if (!options.forceSignIn) {
    // another process may have refreshed while we waited for the lock
    const cached = await usableCached(store, spec, record);
    if (cached) {
      io.debug?.(`sign-in: another kubectl-np renewed the token while this one waited; valid until ${until(cached.expiresOn)}`);
      return { ...cached, account: record.account, source: 'cache' };
    }
    // … or failed: then its failure is ours too, as its token would have been (in an outage ten waiting
    // callers make one attempt, not ten)
    const failure = held.waitedSince === undefined ? undefined : store.sharedFailure(held.waitedSince);
    if (failure) {
      io.debug?.('the kubectl-np that held the lock failed while this one waited; reporting its failure instead of trying again');
      throw new SignInFailedError(failure);
    }
    // nothing to refresh and no one to ask: say so now, before loading msal. Without the record, msal's
    // own cache may still hold the account and its refresh token: then msal is worth loading.
    if (needsUser && !io.interactive && !record.account && !store.hasMsalCache()) {
      throw new LoginRequiredError(`not signed in to tenant ${spec.tenantId} for this cluster, and kubectl does not allow interaction here; run \`${loginCommand()}\``);
    }
  }

  const popKey = spec.pop ? await popKeyFor(store, io) : undefined;
  if (mode.client !== 'public') {
    // app-only credentials (service principal, federated token, managed identity, Azure CLI) have no
    // refresh token: each renewal is a new request with the same credential, made by the mode's flow
    const noPublicClient = (): never => {
      throw new Error(`--login ${spec.loginMode} does not sign in through a public client`);
    };
    io.debug?.(`sign-in: requesting a token with --login ${spec.loginMode} (app-only: no refresh token, each renewal is a new request)`);
    const result = await sharedOnFailure(store, runSignInFlow(spec, store, io, { scopes: spec.scopes, timeoutMs: spec.timeoutMs }, noPublicClient, undefined, popKey));
    return remember(store, spec, result, 'sign-in', io, popKey);
  }
  const { createPublicClient, findAccount } = await import('./msal/client.js');
  const app = createPublicClient(spec, store, { debug: io.debug, deadline, popKey });
  const account = await findAccount(app, record.account?.homeAccountId);
  let claims = record.claims;
  let why = 'sign-in required';

  if (claims && !options.forceSignIn) {
    // a claims challenge is outstanding: a refresh without it would be refused again
    why = 'additional verification required (Conditional Access asked for it earlier)';
  } else if (account && !options.forceSignIn) {
    try {
      io.debug?.(`sign-in: refreshing silently for ${account.username} (msal's cache, else its refresh token)`);
      const result = await silent(app, account, spec, popKey);
      return await remember(store, spec, result, 'silent', io, popKey);
    } catch (err) {
      const failure = classifySignInError(err, spec.authorityHost);
      io.debug?.(`silent token acquisition failed: ${failure.reason}`);
      if (failure.kind !== 'reauthenticate') {
        const error = new SignInFailedError(failure.kind === 'blocked' ? failure.reason : `cannot refresh the token: ${failure.reason}`, { cause: err });
        store.shareFailure(error.message);
        throw error;
      }
      if (failure.dropRefreshToken) await app.getTokenCache().removeAccount(account);
      claims = failure.claims ?? claims;
      why = failure.claims ? `additional verification required (${failure.reason})` : `the session has ended (${failure.reason})`;
    }
  } else if (record.account && !options.forceSignIn) {
    why = 'the cached session is gone';
  }

  if (needsUser && !io.interactive) {
    if (claims !== record.claims) await store.writeRecord({ ...record, claims });
    throw new LoginRequiredError(`${why}, and kubectl does not allow interaction here; run \`${loginCommand()}\``);
  }

  io.debug?.(`sign-in: ${options.forceSignIn ? 'a new sign-in was asked for' : why}: signing in with --login ${spec.loginMode}`);
  const request = options.anotherAccount
    ? { scopes: spec.scopes, claims, selectAccount: true, timeoutMs: spec.timeoutMs }
    : { scopes: spec.scopes, claims, loginHint: account?.username ?? record.account?.username, timeoutMs: spec.timeoutMs };
  const result = await runSignInFlow(spec, store, io, request, () => app, needsUser ? lock : undefined, popKey);
  return remember(store, spec, result, 'sign-in', io, popKey);
}

/**
 * The record's token if it is still good, and for --pop-enabled only if it is bound to the key kept
 * with it: a token bound to a key we no longer have could not sign a single request.
 */
async function usableCached(store: TokenStore, spec: TokenSpec, record: TokenRecord | undefined): Promise<(CachedToken & { popKey?: PopKey }) | undefined> {
  const cached = usableToken(record, spec.tokenType);
  if (!cached || !spec.pop) return cached;
  const popKey = popKeyFrom((await store.readPopKey()) ?? '');
  return popKey && isBoundTo(cached.token, popKey) ? { ...cached, popKey } : undefined;
}

/**
 * The key PoP tokens of this cache key are bound to: the one kept in the token store (sealed under the
 * keychain's key, or a 0600 file), else a new one, kept there for every later call.
 */
async function popKeyFor(store: TokenStore, io: AcquireIo): Promise<PopKey> {
  const kept = popKeyFrom((await store.readPopKey()) ?? '');
  if (kept) return kept;
  const pem = newPopKeyPem();
  try {
    await store.writePopKey(pem);
  } catch (err) {
    // a full or read-only cache: the key (and the token bound to it) serve this call only; said once by remember
    if (!(err instanceof CacheWriteError)) throw err;
  }
  const key = popKeyFrom(pem) as PopKey;
  io.debug?.(`new proof-of-possession key ${key.thumbprint.slice(0, 8)}…`);
  return key;
}

/** What the lock-holding part of a call has: the lock (none for storage none), its deadline, since when it waited. */
interface Held {
  lock?: FileLock;
  deadline: number;
  /** set when another process held the lock first: failures it recorded since then are shared */
  waitedSince?: number;
}

/** An app-only request's failure (the service down, the credential refused) is the same for every waiter. */
async function sharedOnFailure<T>(store: TokenStore, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof SignInFailedError) store.shareFailure(err.message);
    throw err;
  }
}

/** Loads and runs the mode's sign-in flow; failures become one-line SignInFailedErrors. */
async function runSignInFlow(
  spec: TokenSpec,
  store: TokenStore,
  io: AcquireIo,
  request: SignInRequest,
  publicClient: () => PublicClientApplication,
  waitingLock: FileLock | undefined,
  popKey: PopKey | undefined,
): Promise<SignInResult> {
  const { loadSignInFlow } = await import('./flows/index.js');
  const signIn = await loadSignInFlow(spec.loginMode);
  let app: PublicClientApplication | undefined;
  waitingLock?.markWaitingForUser(true);
  try {
    return await signIn({
      get app() {
        return (app ??= publicClient());
      },
      spec,
      store,
      request,
      prompt: io.prompt,
      debug: io.debug,
      env: io.env ?? process.env,
      popKey,
    });
  } catch (err) {
    if (err instanceof SignInFailedError || err instanceof UsageError) throw err;
    const failure = classifySignInError(err, spec.authorityHost);
    throw new SignInFailedError(failure.kind === 'blocked' ? failure.reason : `sign-in failed: ${failure.reason}`, { cause: err });
  } finally {
    waitingLock?.markWaitingForUser(false);
  }
}

function idTokenExpiry(result: SignInResult): number | undefined {
  const exp = (result.idTokenClaims as { exp?: number } | undefined)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** The result's token of this type with its expiry (never past the token's own `exp`), if it has one. */
function tokenOf(result: SignInResult, type: TokenSpec['tokenType']): CachedToken | undefined {
  if (type === 'access') {
    return result.accessToken && result.expiresOn ? { token: result.accessToken, expiresOn: expiryOf(result.accessToken, result.expiresOn.getTime()) } : undefined;
  }
  const exp = idTokenExpiry(result);
  return result.idToken && exp !== undefined ? { token: result.idToken, expiresOn: exp } : undefined;
}

/**
 * msal's cache or refresh token. msal judges its cached access tokens by the expiry it computed from
 * this machine's clock, and hands back ID tokens even when stale: a token that its own `exp` says is
 * about to end is refreshed instead.
 */
async function silent(app: PublicClientApplication, account: AccountInfo, spec: TokenSpec, popKey: PopKey | undefined): Promise<AuthenticationResult> {
  const result = await app.acquireTokenSilent({ account, scopes: spec.scopes });
  const token = tokenOf(result, spec.tokenType);
  // a PoP token msal kept that is bound to another key (the key was lost or replaced) is refreshed for this one
  if (!token || token.expiresOn - Date.now() <= RENEW_BEFORE_EXPIRY_MS || (popKey && !isBoundTo(token.token, popKey))) {
    return app.acquireTokenSilent({ account, scopes: spec.scopes, forceRefresh: true });
  }
  return result;
}

/**
 * Who an app-only token (service principal, managed identity, Azure CLI) belongs to, from its claims,
 * so `login` can say whom it signed in; msal gives no account for these. Not verified: display only.
 */
function principalOf(accessToken: string | undefined): Account | undefined {
  const claims = accessToken ? decodeJwtPayload(accessToken) : undefined;
  if (!claims) return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const oid = text(claims.oid);
  const tid = text(claims.tid);
  const appid = text(claims.appid) ?? text(claims.azp);
  const username = text(claims.upn) ?? text(claims.preferred_username) ?? text(claims.unique_name) ?? (appid ? `application ${appid}` : oid);
  if (!oid || !tid || !username) return undefined;
  return { homeAccountId: `${oid}.${tid}`, username, tenantId: tid };
}

async function remember(store: TokenStore, spec: TokenSpec, result: SignInResult, source: AcquiredToken['source'], io: AcquireIo, popKey?: PopKey): Promise<AcquiredToken> {
  const tokens: TokenRecord['tokens'] = {};
  const access = tokenOf(result, 'access');
  const id = tokenOf(result, 'id');
  if (access) tokens.access = access;
  if (id) tokens.id = id;
  const account: Account | undefined = result.account
    ? { homeAccountId: result.account.homeAccountId, username: result.account.username, tenantId: result.account.tenantId }
    : principalOf(result.accessToken);
  const chosen = tokens[spec.tokenType];
  if (!chosen) throw new SignInFailedError(`Entra returned no ${spec.tokenType === 'id' ? 'ID' : 'access'} token`);
  // checked, not assumed: a bearer token would be sent wrapped in a signature the cluster cannot tie to it
  if (popKey && !isBoundTo(chosen.token, popKey)) {
    throw new SignInFailedError(`Entra returned an access token that is not bound to this machine's proof-of-possession key (no cnf claim naming key ${popKey.thumbprint}); the authority may not issue PoP tokens`);
  }
  try {
    await store.writeRecord({ v: 1, account, tokens });
  } catch (err) {
    if (!(err instanceof CacheWriteError)) throw err;
  }
  // the token is good whether or not it could be kept: kubectl gets it, and is told it was not kept
  if (store.writeFailure) io.warn(`warning: ${store.writeFailure.message}; the new token is used for this call only`);
  else {
    store.forgetFailure();
    io.debug?.(`sign-in: ${source === 'silent' ? 'renewed' : 'new'} ${spec.tokenType} token valid until ${until(chosen.expiresOn)}, kept in the token cache (${store.storage})`);
  }
  warnIfClockAhead(chosen, io);
  return { ...chosen, account, source, ...(popKey ? { popKey } : {}) };
}

/** an expiry for debug lines: when, and how far off */
function until(expiresOn: number): string {
  return `${new Date(expiresOn).toISOString()} (in ${Math.round((expiresOn - Date.now()) / 60_000)} min)`;
}

/**
 * A token just issued that this machine's clock already counts as (nearly) expired, issued (by its
 * `iat`) well before "now", means the clock is ahead of Entra's. The token is still handed out, with its
 * true expiry, and every call renews it: correct, but slow, so the user is told why.
 */
function warnIfClockAhead(token: CachedToken, io: AcquireIo): void {
  const now = Date.now();
  if (token.expiresOn - now > RENEW_BEFORE_EXPIRY_MS) return;
  const issuedAt = decodeJwtPayload(token.token)?.iat;
  if (typeof issuedAt !== 'number' || now - issuedAt * 1000 <= RENEW_BEFORE_EXPIRY_MS) return;
  io.warn(
    `warning: this machine's clock (${new Date(now).toISOString()}) looks ${Math.round((now - issuedAt * 1000) / 60_000)} minutes ahead of Entra's: ` +
      `a token issued just now already counts as expiring. Correct the system clock; until then every call renews the token.`,
  );
}
