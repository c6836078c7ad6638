// A msal-node PublicClientApplication bound to one cache key: its token cache is read from and written
// to the TokenStore through msal's cache plugin, its HTTP goes through the retrying client, and its
// log (with --debug) goes to stderr, redacted.
import {
  ConfidentialClientApplication, LogLevel, ManagedIdentityApplication, PublicClientApplication,
  type AccountInfo, type Configuration, type ICachePlugin, type INetworkModule, type NodeAuthOptions, type TokenCacheContext,
} from '@azure/msal-node';
import type { TokenStore } from '../cache/token-store.js';
import { CacheWriteError } from '../cache/private-files.js';
import type { TokenSpec } from '../token-options.js';
import { redact } from '../../redact.js';
import { DeviceCodePolling } from './device-code-polling.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, RetryingNetworkClient, type RetryPolicy } from './network.js';
import { PopBinding } from './pop-binding.js';
import type { PopKey } from '../pop.js';

export interface ClientIo {
  debug?: (message: string) => void;
  /** epoch ms by which every request must have its answer (default: --timeout from now) */
  deadline?: number;
  /** --pop-enabled: every token request asks for a token bound to this key */
  popKey?: PopKey;
}

/** Every request bounded by its own default and by what is left of --timeout; with a PoP key, bound to it. */
function networkClient(spec: TokenSpec, io: ClientIo, policy: RetryPolicy = DEFAULT_RETRY): INetworkModule {
  const debug = io.debug;
  const client = new RetryingNetworkClient(policy, (m) => debug?.(m), undefined, {
    perRequestMs: DEFAULT_REQUEST_TIMEOUT_MS,
    deadline: io.deadline ?? Date.now() + spec.timeoutMs,
  });
  return io.popKey ? new PopBinding(client, io.popKey.reqCnf, (m) => debug?.(m)) : client;
}

function cachePlugin(store: TokenStore, io: ClientIo): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const serialized = await store.readMsalCache();
      if (serialized === undefined) return;
      try {
        // msal keeps the text as a snapshot it re-parses when serialising: only hand it valid JSON
        const parsed: unknown = JSON.parse(serialized);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        context.tokenCache.deserialize(serialized);
      } catch {
        io.debug?.('discarding a damaged MSAL token cache');
        context.tokenCache.deserialize('{}');
      }
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      try {
        await store.writeMsalCache(context.tokenCache.serialize());
      } catch (err) {
        // a full or read-only cache directory must not cost the token msal just got: the store keeps
        // the failure, and the caller says so once and still answers with the token
        if (!(err instanceof CacheWriteError)) throw err;
        io.debug?.(`msal cache not written: ${err.message}`);
      }
    },
  };
}

type LoggerOptions = NonNullable<NonNullable<Configuration['system']>['loggerOptions']>;

function loggerOptions(debug: ClientIo['debug']): LoggerOptions {
  return {
    logLevel: debug ? LogLevel.Info : LogLevel.Error,
    piiLoggingEnabled: false,
    loggerCallback: (_level, message) => debug?.(`msal: ${redact(message)}`),
  };
}

/** How a confidential client proves itself: exactly one of these msal auth options. */
export type ClientCredential =
  | { clientSecret: string }
  | { clientCertificate: NonNullable<NodeAuthOptions['clientCertificate']> }
  | { clientAssertion: NonNullable<NodeAuthOptions['clientAssertion']> };

/** Client and authority, shared by public and confidential clients. */
function authorityOf(spec: TokenSpec): { clientId: string; authority: string; knownAuthorities?: string[] } {
  return {
    clientId: spec.clientId,
    authority: spec.authority,
    // a non-Microsoft authority (sovereign proxy, test emulator) is trusted as given: no instance
    // discovery request to login.microsoftonline.com
    ...(spec.knownAuthorities.length ? { knownAuthorities: spec.knownAuthorities } : {}),
  };
}

/**
 * A confidential client for the app-only modes (spn, workloadidentity). No msal cache plugin: an
 * app token has no refresh token, and the TokenStore record already keeps the access token.
 */
export function createConfidentialClient(spec: TokenSpec, credential: ClientCredential, io: ClientIo = {}): ConfidentialClientApplication {
  const debug = io.debug;
  return new ConfidentialClientApplication({
    auth: { ...authorityOf(spec), ...credential },
    system: { networkClient: networkClient(spec, io), loggerOptions: loggerOptions(debug) },
  });
}

/** msal's managed identity client: it finds the source (IMDS, App Service, Azure Arc, …) from the environment. */
export function createManagedIdentityClient(spec: TokenSpec, io: ClientIo = {}): ManagedIdentityApplication {
  const { identityClientId, identityResourceId } = spec.app;
  return new ManagedIdentityApplication({
    managedIdentityIdParams: identityResourceId
      ? { userAssignedResourceId: identityResourceId }
      : identityClientId
        ? { userAssignedClientId: identityClientId }
        : undefined,
    // msal retries managed identity requests itself: ours only bounds them
    system: { networkClient: networkClient(spec, { ...io, popKey: undefined }, { ...DEFAULT_RETRY, maxRetries: 0 }), loggerOptions: loggerOptions(io.debug) },
  });
}

export function createPublicClient(spec: TokenSpec, store: TokenStore, io: ClientIo = {}): PublicClientApplication {
  const debug = io.debug;
  return new PublicClientApplication({
    auth: authorityOf(spec),
    cache: { cachePlugin: cachePlugin(store, io) },
    system: {
      // device code polling as RFC 8628 asks (msal's own gives up on slow_down and on one bad answer)
      networkClient: new DeviceCodePolling(networkClient(spec, io), (m) => debug?.(m)),
      loggerOptions: loggerOptions(debug),
    },
  });
}

/** The account a cache key was signed in with, if msal's cache still has it. */
export async function findAccount(app: PublicClientApplication, homeAccountId: string | undefined): Promise<AccountInfo | undefined> {
  const cache = app.getTokenCache();
  if (homeAccountId) {
    const account = await cache.getAccountByHomeId(homeAccountId);
    if (account) return account;
  }
  const all = await cache.getAllAccounts();
  return all.length === 1 ? all[0] : undefined;
}
