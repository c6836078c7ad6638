// What a get-token/login call is about, resolved from its flags: which authority, tenant, client and
// server application, and where its tokens are cached. Both the oclif commands and the fast path
// resolve flags here, so they always agree on the cache key. No heavy imports (the fast path uses it).
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_LOGIN_MODE, LOGIN_MODES, loginModeNames } from './login-modes.js';
import { parsePopClaims, POP_LOGIN_MODES } from './pop.js';

/** The AKS AAD server application, the audience of every AKS-managed Entra cluster. */
export const AKS_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The Azure Kubernetes Service public client (what Azure/kubelogin uses by default). */
export const AKS_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

/** Azure cloud names as Azure/kubelogin (and the Azure SDKs) spell them. */
export const ENVIRONMENTS = {
  AzurePublicCloud: 'https://login.microsoftonline.com',
  AzureUSGovernment: 'https://login.microsoftonline.us',
  AzureChinaCloud: 'https://login.chinacloudapi.cn',
} as const satisfies Record<string, string>;
/**
 * Other names of the same clouds: go-autorest (the legacy `azure` auth-provider, kubelogin's
 * --environment) also accepts AzureCloud and AzureUSGovernmentCloud. Any case is accepted.
 */
export const ENVIRONMENT_ALIASES: Readonly<Record<string, keyof typeof ENVIRONMENTS & string>> = {
  AzureCloud: 'AzurePublicCloud',
  AzureUSGovernmentCloud: 'AzureUSGovernment',
};
const MICROSOFT_HOSTS = new Set(Object.values(ENVIRONMENTS).map((u) => new URL(u).host));

export const STORAGE_MODES = ['keychain', 'file', 'none'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];
export const TOKEN_TYPES = ['access', 'id'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const DEFAULT_TIMEOUT = '5m';
/** the longest --timeout accepted */
export const MAX_TIMEOUT_MS = 24 * 3_600_000;

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
  /** boolean flag, 'true' when given: read Terraform's ARM_* variables instead of AAD_SERVICE_PRINCIPAL_* / AZURE_* (spn) */
  'use-azurerm-env-vars'?: string;
  /** boolean flag, 'true' when given: ignore the environment variables (ENV), use only the arguments */
  'disable-environment-override'?: string;
  /** boolean flag, 'true' when given: proof-of-possession tokens (Azure Arc), with --pop-claims */
  'pop-enabled'?: string;
  /** `u=<ARM ID of the cluster>[,key=value…]`, as Azure/kubelogin takes it */
  'pop-claims'?: string;
}

/** The token options that are on/off switches (given as flags without a value). */
export const BOOLEAN_TOKEN_OPTIONS = ['skip-open-browser', 'disable-instance-discovery', 'use-azurerm-env-vars', 'disable-environment-override', 'pop-enabled'] as const satisfies readonly (keyof RawTokenOptions)[];

/** Token options whose value is a secret: never written into a kubeconfig, never printed. */
export const SECRET_TOKEN_OPTIONS = ['client-secret', 'client-certificate-password', 'password'] as const satisfies readonly (keyof RawTokenOptions)[];

/**
 * Where the non-interactive modes read their settings, Azure/kubelogin's names (pkg/internal/env). As
 * in kubelogin, a variable that is set wins over the kubeconfig argument, so one kubeconfig serves
 * people and pipelines; unlike kubelogin, the variables only apply to the non-interactive modes.
 */
export const ENV = {
  loginMethod: 'AAD_LOGIN_METHOD',
  clientId: ['AAD_SERVICE_PRINCIPAL_CLIENT_ID', 'AZURE_CLIENT_ID'],
  clientSecret: ['AAD_SERVICE_PRINCIPAL_CLIENT_SECRET', 'AZURE_CLIENT_SECRET'],
  clientCertificate: ['AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE', 'AZURE_CLIENT_CERTIFICATE_PATH'],
  clientCertificatePassword: ['AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'],
  tenantId: ['AZURE_TENANT_ID'],
  username: ['AAD_USER_PRINCIPAL_NAME', 'AZURE_USERNAME'],
  password: ['AAD_USER_PRINCIPAL_PASSWORD', 'AZURE_PASSWORD'],
  // with --use-azurerm-env-vars (Terraform's azurerm provider names), instead of the above for spn
  terraform: {
    clientId: ['ARM_CLIENT_ID'],
    clientSecret: ['ARM_CLIENT_SECRET'],
    clientCertificate: ['ARM_CLIENT_CERTIFICATE_PATH'],
    clientCertificatePassword: ['ARM_CLIENT_CERTIFICATE_PASSWORD'],
    tenantId: ['ARM_TENANT_ID'],
  },
  // workloadidentity
  federatedTokenFile: 'AZURE_FEDERATED_TOKEN_FILE',
  authorityHost: 'AZURE_AUTHORITY_HOST',
  githubRequestUrl: 'ACTIONS_ID_TOKEN_REQUEST_URL',
  githubRequestToken: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  // Azure Pipelines (AzureCLI@2 and similar tasks with a workload identity service connection)
  pipelinesRequestUri: 'SYSTEM_OIDCREQUESTURI',
  pipelinesAccessToken: 'SYSTEM_ACCESSTOKEN',
  pipelinesServiceConnectionId: 'AZURESUBSCRIPTION_SERVICE_CONNECTION_ID',
  pipelinesClientId: 'AZURESUBSCRIPTION_CLIENT_ID',
  pipelinesTenantId: 'AZURESUBSCRIPTION_TENANT_ID',
  // the non-interactive modes' cloud, as the Azure SDKs and kubelogin read it
  environment: 'AZURE_ENVIRONMENT',
  // azurecli
  azureConfigDir: 'AZURE_CONFIG_DIR',
  azureCliTimeout: 'AZURE_CLI_TIMEOUT',
  // azd
  azdConfigDir: 'AZD_CONFIG_DIR',
} as const;

type SecretName = 'clientSecret' | 'clientCertificatePassword' | 'password';

/**
 * The secrets of the non-interactive modes, read only when a sign-in needs them. They live in private
 * fields, so printing, inspecting or serialising a TokenSpec never shows them.
 */
export class SignInSecrets {
  readonly #read: (name: SecretName) => string | undefined;
  constructor(read: (name: SecretName) => string | undefined) {
    this.#read = read;
  }
  clientSecret(): string | undefined {
    return this.#read('clientSecret');
  }
  clientCertificatePassword(): string | undefined {
    return this.#read('clientCertificatePassword');
  }
  password(): string | undefined {
    return this.#read('password');
  }
  toJSON(): string {
    return '[secrets are read at sign-in]';
  }
}

/** Settings of the non-interactive modes (no secrets: those are in TokenSpec.secrets). */
export interface AppCredentialOptions {
  /** spn: PEM or PFX file */
  clientCertificate?: string;
  /** workloadidentity: file holding the federated token, read again on every sign-in */
  federatedTokenFile?: string;
  /** workloadidentity without a token file: GitHub Actions' OIDC token endpoint */
  githubActions?: { requestUrl: string };
  /** workloadidentity without a token file or GitHub: Azure Pipelines' OIDC endpoint and service connection */
  azurePipelines?: { requestUri: string; serviceConnectionId: string };
  /** msi: user-assigned identity by ARM resource ID (else by client ID, else system-assigned) */
  identityResourceId?: string;
  /** msi: user-assigned identity by client ID */
  identityClientId?: string;
  /** ropc */
  username?: string;
  /** azurecli: the Azure CLI profile directory (AZURE_CONFIG_DIR), when not the default; azd: AZD_CONFIG_DIR */
  azureConfigDir?: string;
}

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
  /** --disable-instance-discovery: the authority is trusted as given (also in knownAuthorities) */
  disableInstanceDiscovery: boolean;
  /** what the non-interactive modes sign in with (paths and ids; never secrets) */
  app: AppCredentialOptions;
  /** secrets, read when needed (flag value or environment); never enumerable */
  secrets: SignInSecrets;
  /** --pop-enabled: access tokens bound to a key of ours, handed to kubectl as signed requests (auth/pop.ts) */
  pop?: PopOptions;
}

export interface PopOptions {
  /** --pop-claims; `u` is the ARM ID of the cluster, signed into every request */
  claims: Record<string, string>;
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
  const known = canonicalEnvironment(name);
  if (!known) throw new UsageError(`unknown --environment ${JSON.stringify(name)} (known: ${[...Object.keys(ENVIRONMENTS), ...Object.keys(ENVIRONMENT_ALIASES)].join(', ')})`);
  return ENVIRONMENTS[known];
}

/** The kubelogin name of a cloud given by any of its names (any case); undefined when unknown. */
export function canonicalEnvironment(name: string): keyof typeof ENVIRONMENTS | undefined {
  const lower = name.trim().toLowerCase();
  const known = (Object.keys(ENVIRONMENTS) as (keyof typeof ENVIRONMENTS)[]).find((k) => k.toLowerCase() === lower);
  if (known) return known;
  const alias = Object.keys(ENVIRONMENT_ALIASES).find((k) => k.toLowerCase() === lower);
  return alias ? ENVIRONMENT_ALIASES[alias] : undefined;
}

const SAFE_ID = /^[A-Za-z0-9._:/-]+$/;
function identifier(flag: string, value: string): string {
  if (!SAFE_ID.test(value)) throw new UsageError(`--${flag} has unexpected characters: ${JSON.stringify(value)}`);
  return value;
}

const envValue = (env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined => {
  // later names win, as in kubelogin (AZURE_* over AAD_SERVICE_PRINCIPAL_*)
  let found: string | undefined;
  for (const name of names) if (env[name] !== undefined && env[name] !== '') found = env[name];
  return found;
};

export interface ResolveOptions {
  /**
   * `setup` checks an entry that will run elsewhere: ids and secrets the environment supplies at run
   * time may be missing now.
   */
  lenient?: boolean;
}

/**
 * Flags plus, for the non-interactive modes, the environment (Azure/kubelogin's variables, see ENV).
 * The fast path calls this too, so it must stay cheap and compute the same cache key as the full path.
 */
export function resolveTokenOptions(raw: RawTokenOptions, env: NodeJS.ProcessEnv = process.env, resolve: ResolveOptions = {}): TokenSpec {
  const ignoreEnv = resolve.lenient || raw['disable-environment-override'] === 'true';
  const fromEnv: NodeJS.ProcessEnv = ignoreEnv ? {} : env;
  const envLogin = fromEnv[ENV.loginMethod];
  if (envLogin && !loginModeNames().includes(envLogin)) {
    throw new UsageError(`${ENV.loginMethod} must be one of ${loginModeNames().join(', ')} (got ${JSON.stringify(envLogin)})`);
  }
  const loginMode = oneOf('login', envLogin || (raw.login ?? DEFAULT_LOGIN_MODE), loginModeNames());
  const mode = LOGIN_MODES[loginMode];
  const terraform = raw['use-azurerm-env-vars'] === 'true';
  const names = terraform && mode.client === 'confidential' && loginMode === 'spn' ? { ...ENV, ...ENV.terraform } : ENV;
  const app: AppCredentialOptions = {};
  let tenant = raw['tenant-id'];
  let client = raw['client-id'];
  let authorityOverride = raw['authority-host'];
  let username = raw.username;
  if (mode.client === 'confidential' || mode.client === 'managed-identity') client = envValue(fromEnv, names.clientId) ?? client;
  if (mode.client === 'confidential' || loginMode === 'ropc') tenant = envValue(fromEnv, names.tenantId) ?? tenant;
  if (loginMode === 'ropc') username = envValue(fromEnv, ENV.username) ?? username;
  if (loginMode === 'workloadidentity') {
    // AZURE_CLIENT_ID is what the workload identity webhook injects, also with --use-azurerm-env-vars
    client = fromEnv.AZURE_CLIENT_ID || client;
    authorityOverride = fromEnv[ENV.authorityHost] || authorityOverride;
    app.federatedTokenFile = fromEnv[ENV.federatedTokenFile] || raw['federated-token-file'] || undefined;
    const requestUrl = fromEnv[ENV.githubRequestUrl];
    const pipelines = { requestUri: fromEnv[ENV.pipelinesRequestUri], serviceConnectionId: fromEnv[ENV.pipelinesServiceConnectionId] };
    if (app.federatedTokenFile) {
      // the file wins (AKS pods, or a token a pipeline step wrote)
    } else if (requestUrl && fromEnv[ENV.githubRequestToken]) {
      app.githubActions = { requestUrl };
    } else if (pipelines.requestUri && pipelines.serviceConnectionId && fromEnv[ENV.pipelinesAccessToken]) {
      app.azurePipelines = { requestUri: pipelines.requestUri, serviceConnectionId: pipelines.serviceConnectionId };
      // the service connection's application and tenant, as the AzureCLI@2 task exports them
      client = fromEnv.AZURE_CLIENT_ID || fromEnv[ENV.pipelinesClientId] || client;
      tenant = envValue(fromEnv, names.tenantId) || fromEnv[ENV.pipelinesTenantId] || tenant;
    }
    if (!app.federatedTokenFile && !app.githubActions && !app.azurePipelines && !resolve.lenient) {
      throw new UsageError(`--login workloadidentity needs a federated token: set ${ENV.federatedTokenFile} (the workload identity webhook does in AKS pods), pass --federated-token-file, or run in GitHub Actions with the id-token write permission, or in Azure Pipelines with a workload identity service connection (SYSTEM_ACCESSTOKEN, ${ENV.pipelinesServiceConnectionId})`);
    }
  }
  if (loginMode === 'spn') app.clientCertificate = envValue(fromEnv, names.clientCertificate) ?? (raw['client-certificate'] || undefined);

  // setup may leave out what the environment supplies where the entry runs; a user's tenant it may not
  const envSuppliesTenant = mode.client === 'confidential' || loginMode === 'ropc';
  if (!tenant && mode.needsTenant && !(resolve.lenient && envSuppliesTenant)) {
    const hint = envSuppliesTenant && !resolve.lenient ? ` or ${names.tenantId.join('/')}` : '';
    throw new UsageError(`--tenant-id${hint} is required (the Entra tenant of the cluster)`);
  }
  const tenantId = tenant ? identifier('tenant-id', tenant) : '';
  if (mode.client === 'confidential' && !client && !resolve.lenient) {
    throw new UsageError(`--login ${loginMode} needs the application (client) ID of the service principal: --client-id or ${names.clientId.join('/')}`);
  }
  if (loginMode === 'ropc' && !username && !resolve.lenient) throw new UsageError(`--login ropc needs --username or ${ENV.username.join('/')}`);
  const defaultClient = mode.client === 'public' ? AKS_CLIENT_ID : '';
  const clientId = client ? identifier('client-id', client) : defaultClient;
  const serverId = identifier('server-id', raw['server-id'] ?? AKS_SERVER_ID);
  const environment = mode.needsUser ? raw.environment : fromEnv[ENV.environment] || raw.environment;
  const authorityHost = resolveAuthorityHost(environment, authorityOverride);
  const host = new URL(authorityHost).host;
  const askedStorage = oneOf('token-cache-storage', raw['token-cache-storage'] ?? 'keychain', STORAGE_MODES);
  const storage: StorageMode = mode.cached === false ? 'none' : askedStorage;
  const tokenType = oneOf('token-type', raw['token-type'] ?? 'access', TOKEN_TYPES);
  if (tokenType === 'id' && !mode.idToken) throw new UsageError(`--token-type id needs a user sign-in; --login ${loginMode} gets access tokens only`);
  // AZURE_CLI_TIMEOUT is how long kubelogin waits for az; here it is the same --timeout
  const envTimeout = mode.client === 'azure-cli' || mode.client === 'azure-developer-cli' ? fromEnv[ENV.azureCliTimeout] : undefined;
  const timeoutText = envTimeout || raw.timeout || DEFAULT_TIMEOUT;
  const timeoutName = envTimeout ? ENV.azureCliTimeout : '--timeout';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs <= 0) throw new UsageError(`${timeoutName} must be greater than 0`);
  // Node's timers hold at most ~24.8 days; a sign-in wait beyond a day is a typo, not a plan
  if (timeoutMs > MAX_TIMEOUT_MS) throw new UsageError(`${timeoutName} must be at most 24h (got ${JSON.stringify(timeoutText)})`);
  const disableInstanceDiscovery = raw['disable-instance-discovery'] === 'true';
  const pop = popOptions(raw, loginMode, tokenType);

  if (loginMode === 'msi') {
    app.identityResourceId = raw['identity-resource-id'] || undefined;
    if (app.identityResourceId && clientId) throw new UsageError('--login msi takes either a client ID or --identity-resource-id, not both');
    app.identityClientId = clientId || undefined;
  }
  if (loginMode === 'ropc') app.username = username;
  if (loginMode === 'azurecli') app.azureConfigDir = fromEnv[ENV.azureConfigDir] || undefined;
  if (loginMode === 'azd') app.azureConfigDir = fromEnv[ENV.azdConfigDir] || undefined;

  // The cache key names the principal whose tokens these are, never a secret. The user family keeps
  // the key it always had, so existing caches stay valid.
  const family = mode.cacheFamily;
  const lower = (v: string | undefined) => (v ?? '').toLowerCase();
  let keyParts: string[];
  switch (family) {
    case 'msi':
      keyParts = ['msi', lower(app.identityClientId), lower(app.identityResourceId), lower(serverId)];
      break;
    case 'azurecli':
    case 'azd':
      keyParts = [family, lower(tenantId), lower(serverId), app.azureConfigDir ?? ''];
      break;
    case 'ropc':
      keyParts = [authorityHost.toLowerCase(), lower(tenantId), lower(clientId), lower(serverId), family, lower(app.username)];
      break;
    default:
      keyParts = [authorityHost.toLowerCase(), lower(tenantId), lower(clientId), lower(serverId), family];
  }
  // PoP tokens are bound to this key's signing key: never served where a bearer token was asked, nor the reverse
  if (pop) keyParts.push('pop');
  const cacheKey = createHash('sha256').update(JSON.stringify(keyParts)).digest('hex').slice(0, 32);

  const secretFlag: Record<SecretName, string | undefined> = {
    clientSecret: raw['client-secret'] || undefined,
    clientCertificatePassword: raw['client-certificate-password'] || undefined,
    password: raw.password || undefined,
  };
  const secretEnv: Record<SecretName, readonly string[]> = {
    clientSecret: names.clientSecret,
    clientCertificatePassword: names.clientCertificatePassword,
    password: ENV.password,
  };
  const secrets = new SignInSecrets((name) => envValue(fromEnv, secretEnv[name]) ?? secretFlag[name]);

  return {
    loginMode,
    tenantId,
    clientId,
    serverId,
    authorityHost,
    authority: `${authorityHost}/${tenantId || 'organizations'}`,
    knownAuthorities: disableInstanceDiscovery || !MICROSOFT_HOSTS.has(host) ? [host] : [],
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
    disableInstanceDiscovery,
    app,
    secrets,
    ...(pop ? { pop } : {}),
  };
}

/** --pop-enabled and --pop-claims go together (as in Azure/kubelogin), for the modes that can get PoP tokens. */
function popOptions(raw: RawTokenOptions, loginMode: string, tokenType: TokenType): PopOptions | undefined {
  const enabled = raw['pop-enabled'] === 'true';
  const claims = raw['pop-claims'];
  if (!enabled && claims === undefined) return undefined;
  if (!enabled) throw new UsageError('--pop-claims needs --pop-enabled (proof-of-possession tokens take both)');
  if (claims === undefined) throw new UsageError('--pop-enabled needs --pop-claims u=<ARM ID of the cluster>');
  if (!(POP_LOGIN_MODES as readonly string[]).includes(loginMode)) {
    throw new UsageError(`--pop-enabled works with --login ${POP_LOGIN_MODES.join(', ')}; --login ${loginMode} cannot get proof-of-possession tokens`);
  }
  if (tokenType !== 'access') throw new UsageError('--pop-enabled binds access tokens; it does not combine with --token-type id');
  return { claims: parsePopClaims(claims) };
}
