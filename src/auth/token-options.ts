// What a get-token/login call is about, resolved from its flags: which authority, tenant, client and
// server application, and where its tokens are cached. Both the oclif commands and the fast path
// resolve flags here, so they always agree on the cache key. No heavy imports (the fast path uses it).
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_LOGIN_MODE, LOGIN_MODES, loginModeNames } from './login-modes.js';

/** The AKS AAD server application, the audience of every AKS-managed Entra cluster. */
export const AKS_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The Azure Kubernetes Service public client (what Azure/kubelogin uses by default). */
export const AKS_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

/** Azure cloud names as Azure/kubelogin (and the Azure SDKs) spell them. */
export const ENVIRONMENTS: Readonly<Record<string, string>> = {
  AzurePublicCloud: 'https://login.microsoftonline.com',
  AzureUSGovernment: 'https://login.microsoftonline.us',
  AzureChinaCloud: 'https://login.chinacloudapi.cn',
};
const MICROSOFT_HOSTS = new Set(Object.values(ENVIRONMENTS).map((u) => new URL(u).host));

export const STORAGE_MODES = ['keychain', 'file', 'none'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];
export const TOKEN_TYPES = ['access', 'id'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const DEFAULT_TIMEOUT = '5m';

/** Flag values as given (kubelogin names); every field optional, defaults applied by resolveTokenOptions. */
export interface RawTokenOptions {
  login?: string;
  'tenant-id'?: string;
  'client-id'?: string;
  'server-id'?: string;
  environment?: string;
  'authority-host'?: string;
  'token-cache-storage'?: string;
  'cache-dir'?: string;
  timeout?: string;
  'token-type'?: string;
  // browser sign-in (--login interactive); they change how a person signs in, not which cache
  'listen-address'?: string;
  'redirect-url'?: string;
  'browser-command'?: string;
  /** boolean flag, 'true' when given */
  'skip-open-browser'?: string;
  'login-hint'?: string;
  // non-interactive modes (spn, workloadidentity, msi, azurecli, ropc), as Azure/kubelogin names them.
  // Secrets should come from the environment or files; a flag value works but `setup` warns about it.
  'client-secret'?: string;
  'client-certificate'?: string;
  'client-certificate-password'?: string;
  'identity-resource-id'?: string;
  'federated-token-file'?: string;
  username?: string;
  password?: string;
  /** boolean flag, 'true' when given: trust --authority-host as is (ADFS, private clouds) */
  'disable-instance-discovery'?: string;
}

/** The token options that are on/off switches (given as flags without a value). */
export const BOOLEAN_TOKEN_OPTIONS = ['skip-open-browser', 'disable-instance-discovery'] as const satisfies readonly (keyof RawTokenOptions)[];

export interface TokenSpec {
  loginMode: string;
  tenantId: string;
  clientId: string;
  serverId: string;
  /** origin of the authority, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** authorityHost/tenant, what msal-node calls the authority */
  authority: string;
  /** host[:port] of a non-Microsoft authority, so msal-node trusts it instead of asking Microsoft */
  knownAuthorities: string[];
  scopes: string[];
  tokenType: TokenType;
  storage: StorageMode;
  cacheDir: string;
  timeoutMs: number;
  /** identifies this authority + tenant + client + server (+ principal kind): names cache files, lock and keychain entry */
  cacheKey: string;
  /** how a person signs in with --login interactive; not part of the cache key */
  browser: BrowserOptions;
  /** account to pre-fill on sign-in pages (else the cached account's name) */
  loginHint?: string;
}

export interface BrowserOptions {
  /** host:port of the loopback redirect listener (default 127.0.0.1, random port) */
  listenAddress?: string;
  redirectUrl?: string;
  /** command that opens the URL (given as its last argument) instead of the system's browser */
  browserCommand?: string;
  /** print the URL on stderr instead of opening a browser */
  skipOpenBrowser: boolean;
}

export function defaultCacheDir(): string {
  return join(homedir(), '.kube', 'cache', 'kubectl-np');
}

/** Go-style durations as kubelogin takes them ("90s", "5m", "1m30s", "1h") or plain seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(trimmed); m; m = part.exec(trimmed)) {
    total += Number(m[1]) * unitMs[m[2]];
    matched = part.lastIndex;
  }
  if (matched === 0 || matched !== trimmed.length) throw new UsageError(`invalid duration ${JSON.stringify(text)} (use e.g. 30s, 5m, 1m30s)`);
  return Math.round(total);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

function resolveAuthorityHost(environment: string | undefined, authorityHost: string | undefined): string {
  if (authorityHost) {
    let url: URL;
    try {
      url = new URL(authorityHost);
    } catch {
      throw new UsageError(`--authority-host must be an https URL (got ${JSON.stringify(authorityHost)})`);
    }
    if (url.protocol !== 'https:') throw new UsageError('--authority-host must be an https URL');
    return url.origin;
  }
  const name = environment ?? 'AzurePublicCloud';
  const known = Object.keys(ENVIRONMENTS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!known) throw new UsageError(`unknown --environment ${JSON.stringify(name)} (known: ${Object.keys(ENVIRONMENTS).join(', ')})`);
  return ENVIRONMENTS[known];
}

const SAFE_ID = /^[A-Za-z0-9._:/-]+$/;
function identifier(flag: string, value: string): string {
  if (!SAFE_ID.test(value)) throw new UsageError(`--${flag} has unexpected characters: ${JSON.stringify(value)}`);
  return value;
}

export function resolveTokenOptions(raw: RawTokenOptions): TokenSpec {
  const loginMode = oneOf('login', raw.login ?? DEFAULT_LOGIN_MODE, loginModeNames());
  const tenant = raw['tenant-id'];
  if (!tenant) throw new UsageError('--tenant-id is required (the Entra tenant of the cluster)');
  const tenantId = identifier('tenant-id', tenant);
  const clientId = identifier('client-id', raw['client-id'] ?? AKS_CLIENT_ID);
  const serverId = identifier('server-id', raw['server-id'] ?? AKS_SERVER_ID);
  const authorityHost = resolveAuthorityHost(raw.environment, raw['authority-host']);
  const host = new URL(authorityHost).host;
  const storage = oneOf('token-cache-storage', raw['token-cache-storage'] ?? 'keychain', STORAGE_MODES);
  const tokenType = oneOf('token-type', raw['token-type'] ?? 'access', TOKEN_TYPES);
  const timeoutMs = parseDuration(raw.timeout ?? DEFAULT_TIMEOUT);
  if (timeoutMs <= 0) throw new UsageError('--timeout must be greater than 0');
  const family = LOGIN_MODES[loginMode].cacheFamily;
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([authorityHost.toLowerCase(), tenantId.toLowerCase(), clientId.toLowerCase(), serverId.toLowerCase(), family]))
    .digest('hex')
    .slice(0, 32);
  return {
    loginMode,
    tenantId,
    clientId,
    serverId,
    authorityHost,
    authority: `${authorityHost}/${tenantId}`,
    knownAuthorities: MICROSOFT_HOSTS.has(host) ? [] : [host],
    scopes: [`${serverId.replace(/\/+$/, '')}/.default`],
    tokenType,
    storage,
    cacheDir: raw['cache-dir'] || defaultCacheDir(),
    timeoutMs,
    cacheKey,
    browser: {
      listenAddress: raw['listen-address'] || undefined,
      redirectUrl: raw['redirect-url'] || undefined,
      browserCommand: raw['browser-command'] || undefined,
      skipOpenBrowser: raw['skip-open-browser'] === 'true',
    },
    loginHint: raw['login-hint'] || undefined,
  };
}
