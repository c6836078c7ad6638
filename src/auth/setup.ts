// `kubectl np setup`: point kubeconfig users at `kubectl-np get-token`. A context's user becomes an
// exec entry; Azure/kubelogin exec entries and the legacy `azure` auth-provider are converted in place
// keeping their tenant, server and client ids. Only user entries change; each file written is backed
// up next to itself first.
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import { redact } from '../redact.js';
import { EXEC_V1 } from './exec-credential.js';
import { formatExecArgs, parseExecArgs } from './exec-args.js';
import {
  contextsOfUser, execOfUser, findEntry, isKubectlNpExec, isKubeloginExec, namedEntries, renderEntries, resolveContext,
  writeKubeconfigWithBackup, type KubeconfigFile,
} from './kubeconfig.js';
import { DEFAULT_LOGIN_MODE, LOGIN_MODES } from './login-modes.js';
import { AKS_CLIENT_ID, AKS_SERVER_ID, ENV, canonicalEnvironment, SECRET_TOKEN_OPTIONS, resolveTokenOptions, type RawTokenOptions } from './token-options.js';

export const INSTALL_HINT = 'kubectl-np signs you in to this cluster with Entra ID; install it from its tarball (npm install -g ./kubectl-np-VERSION.tgz, see its README) and make sure kubectl-np is on your PATH';

/** Credentials an exec entry replaces: leaving them would make kubectl send two identities. */
const REPLACED_USER_KEYS = ['exec', 'auth-provider', 'token', 'tokenFile', 'username', 'password', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data'];

export type SourceKind = 'kubelogin' | 'azure auth-provider' | 'kubectl-np' | 'other';

export interface SetupRequest {
  /** convert this context's user (default: the current context) */
  context?: string;
  /** convert every kubelogin / azure auth-provider / kubectl-np user instead */
  all?: boolean;
  /** flags given to setup; they override what the existing entry says */
  overrides: RawTokenOptions;
}

export interface SetupChange {
  user: string;
  contexts: string[];
  from: SourceKind;
  file: string;
  args: string[];
}

export interface SetupResult {
  changes: SetupChange[];
  /** the user entries changed, per file, for writing */
  edited: Map<KubeconfigFile, YAMLMap[]>;
  unchanged: string[];
  skipped: { user: string; reason: string }[];
  /** things the user should know (a secret left out of the kubeconfig); never a secret value */
  warnings: string[];
  backups: { file: string; backup: string }[];
}

// Azure/kubelogin's get-token flags (pkg/internal/token/options.go), to read its entries faithfully.
const KUBELOGIN_VALUE_FLAGS = new Set(['login', 'l', 'client-id', 'client-secret', 'client-certificate', 'client-certificate-password', 'username', 'password',
  'identity-resource-id', 'server-id', 'federated-token-file', 'authority-host', 'token-cache-dir', 'cache-dir', 'tenant-id', 't', 'environment', 'e', 'pop-claims', 'timeout',
  'redirect-url', 'login-hint']);
const KUBELOGIN_BOOL_FLAGS = new Set(['legacy', 'use-azurerm-env-vars', 'pop-enabled', 'disable-environment-override', 'disable-instance-discovery']);
const KUBELOGIN_SHORT: Record<string, string> = { l: 'login', t: 'tenant-id', e: 'environment' };

/** What a kubelogin entry means in kubectl-np terms; features kubectl-np lacks are reported, not dropped silently. */
export function optionsFromKubelogin(args: string[]): RawTokenOptions {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 1; i < args.length; i++) {
    const m = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(args[i]);
    if (!m) throw new UsageError(`unexpected kubelogin argument ${JSON.stringify(args[i])}`);
    const name = KUBELOGIN_SHORT[m[1]] ?? m[1];
    if (KUBELOGIN_BOOL_FLAGS.has(name)) {
      if (m[2] !== 'false') flags.add(name);
    } else if (KUBELOGIN_VALUE_FLAGS.has(name) || KUBELOGIN_VALUE_FLAGS.has(m[1])) {
      values[name] = m[2] ?? args[++i] ?? '';
    } else {
      throw new UsageError(`unknown kubelogin flag ${args[i]}`);
    }
  }
  if (flags.has('legacy')) throw new UsageError('kubelogin --legacy (spn: audience) is not supported by kubectl-np');
  // --cache-dir/--token-cache-dir are kubelogin's own cache (kubectl-np keeps its own)
  return {
    login: values.login,
    'tenant-id': values['tenant-id'],
    'server-id': values['server-id'],
    'client-id': values['client-id'],
    environment: values.environment,
    'authority-host': values['authority-host'],
    timeout: values.timeout,
    'client-secret': values['client-secret'],
    'client-certificate': values['client-certificate'],
    'client-certificate-password': values['client-certificate-password'],
    'identity-resource-id': values['identity-resource-id'],
    'federated-token-file': values['federated-token-file'],
    username: values.username,
    password: values.password,
    'redirect-url': values['redirect-url'],
    'login-hint': values['login-hint'],
    'use-azurerm-env-vars': flags.has('use-azurerm-env-vars') ? 'true' : undefined,
    'disable-environment-override': flags.has('disable-environment-override') ? 'true' : undefined,
    'disable-instance-discovery': flags.has('disable-instance-discovery') ? 'true' : undefined,
    // proof-of-possession (Azure Arc): checked like kubectl-np's own flags, so a mode without PoP is refused
    'pop-enabled': flags.has('pop-enabled') ? 'true' : undefined,
    'pop-claims': values['pop-claims'],
  };
}

/** Where a secret that setup will not write into a kubeconfig should come from instead. */
const SECRET_ENV: Record<(typeof SECRET_TOKEN_OPTIONS)[number], string> = {
  'client-secret': ENV.clientSecret.join(' or '),
  'client-certificate-password': ENV.clientCertificatePassword.join(' or '),
  password: ENV.password.join(' or '),
};

/** The legacy in-tree `azure` auth-provider (removed in Kubernetes 1.26); its cached tokens are dropped with it. */
export function optionsFromAzureAuthProvider(user: YAMLMap): RawTokenOptions {
  const config = user.getIn(['user', 'auth-provider', 'config'], true);
  const get = (key: string) => {
    const v = isMap(config) ? config.get(key) : undefined;
    return typeof v === 'string' && v ? v : undefined;
  };
  return { 'tenant-id': get('tenant-id'), 'server-id': get('apiserver-id'), 'client-id': get('client-id'), environment: get('environment') };
}

function sourceOf(user: YAMLMap): SourceKind {
  const exec = execOfUser(user);
  if (isKubeloginExec(exec)) return 'kubelogin';
  if (isKubectlNpExec(exec)) return 'kubectl-np';
  if (user.getIn(['user', 'auth-provider', 'name']) === 'azure') return 'azure auth-provider';
  return 'other';
}

/** A kubeconfig exec entry's `env` list: name → value. */
function execEnvOf(user: YAMLMap): Map<string, string> {
  const env = new Map<string, string>();
  const node = user.getIn(['user', 'exec', 'env']);
  const list: unknown = isSeq(node) ? node.toJSON() : node;
  if (!Array.isArray(list)) return env;
  for (const item of list as unknown[]) {
    const { name, value } = (item ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && name) env.set(name, value === undefined || value === null ? '' : String(value));
  }
  return env;
}

type LoginMode = keyof typeof LOGIN_MODES;
/**
 * The variables of a kubelogin entry's `env` that carry a non-secret setting kubectl-np takes as a flag,
 * and the modes that read them (as resolveTokenOptions does). In those modes the variable wins over the
 * argument, as it does in kubelogin; a later name wins over an earlier one.
 */
const ENV_SETTINGS: { key: keyof RawTokenOptions; names: (terraform: boolean) => readonly string[]; modes: readonly LoginMode[] }[] = [
  { key: 'login', names: () => [ENV.loginMethod], modes: Object.keys(LOGIN_MODES) as LoginMode[] },
  { key: 'client-id', names: (tf) => (tf ? ENV.terraform.clientId : ENV.clientId), modes: ['spn', 'msi'] },
  { key: 'client-id', names: () => ['AZURE_CLIENT_ID'], modes: ['workloadidentity'] },
  { key: 'tenant-id', names: (tf) => (tf ? ENV.terraform.tenantId : ENV.tenantId), modes: ['spn', 'workloadidentity', 'ropc'] },
  { key: 'client-certificate', names: (tf) => (tf ? ENV.terraform.clientCertificate : ENV.clientCertificate), modes: ['spn'] },
  { key: 'username', names: () => ENV.username, modes: ['ropc'] },
  { key: 'federated-token-file', names: () => [ENV.federatedTokenFile], modes: ['workloadidentity'] },
  { key: 'authority-host', names: () => [ENV.authorityHost], modes: ['workloadidentity'] },
];
const SECRET_VARIABLE = /SECRET|PASSWORD|TOKEN(?!_FILE)|_KEY\b/i;

/**
 * kubelogin entries often carry their service principal in `exec.env` (convert-kubeconfig writes
 * AAD_SERVICE_PRINCIPAL_CLIENT_ID there). The new entry has no env: its non-secret settings become flags,
 * and every variable left behind is named, never its value.
 */
function withKubeloginEnv(options: RawTokenOptions, env: Map<string, string>, notes: string[]): RawTokenOptions {
  if (!env.size) return options;
  const result = { ...options };
  const taken = new Set<string>();
  const fromEnv = (names: readonly string[]) => names.filter((n) => env.get(n)).at(-1);
  const loginName = fromEnv([ENV.loginMethod]);
  if (loginName) {
    result.login = env.get(loginName);
    taken.add(loginName);
  }
  const mode = (result.login ?? DEFAULT_LOGIN_MODE) as LoginMode;
  const terraform = result['use-azurerm-env-vars'] === 'true' && mode === 'spn';
  for (const setting of ENV_SETTINGS) {
    if (setting.key === 'login' || !setting.modes.includes(mode)) continue;
    const name = fromEnv(setting.names(terraform));
    if (!name) continue;
    result[setting.key] = env.get(name);
    taken.add(name);
  }
  // what stays behind is named (never its value): kubelogin read it, kubectl-np's entry will not have it
  const secrets = [...env.keys()].filter((n) => !taken.has(n) && SECRET_VARIABLE.test(n));
  const others = [...env.keys()].filter((n) => !taken.has(n) && !SECRET_VARIABLE.test(n));
  const them = (list: string[]) => (list.length > 1 ? 'them' : 'it');
  if (secrets.length) notes.push(`${secrets.join(', ')} in the entry's env dropped: secrets are not written into kubeconfigs; set ${them(secrets)} where kubectl runs instead`);
  if (others.length) notes.push(`${others.join(', ')} in the entry's env dropped: --login ${mode} does not read ${them(others)} from a kubeconfig; set ${them(others)} where kubectl runs if needed`);
  return result;
}

function existingOptions(user: YAMLMap, from: SourceKind, notes: string[]): RawTokenOptions {
  switch (from) {
    case 'kubelogin':
      return withKubeloginEnv(optionsFromKubelogin(execOfUser(user)!.args), execEnvOf(user), notes);
    case 'azure auth-provider':
      return optionsFromAzureAuthProvider(user);
    case 'kubectl-np': {
      const parsed = parseExecArgs(execOfUser(user)!.args.slice(1));
      if (!parsed.ok) throw new UsageError(`existing kubectl-np arguments are not understood: ${parsed.reason}`);
      return parsed.options;
    }
    default:
      return {};
  }
}

const defined = (o: RawTokenOptions): RawTokenOptions =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as RawTokenOptions;

/**
 * Options that only some login modes use. When setup changes the mode, the entry's values for these
 * are dropped unless the new mode uses them too (or they are given again): `--login ropc --username u`
 * rewritten with `--login spn` must not keep `--username u`.
 */
const MODE_OPTIONS: Partial<Record<keyof RawTokenOptions, readonly string[]>> = {
  // the browser settings also serve devicecode entries: `kubectl np login` opens a browser for them
  'listen-address': ['devicecode', 'interactive'],
  'redirect-url': ['devicecode', 'interactive'],
  'browser-command': ['devicecode', 'interactive'],
  'skip-open-browser': ['devicecode', 'interactive'],
  'login-hint': ['devicecode', 'interactive'],
  'client-secret': ['spn'],
  'client-certificate': ['spn'],
  'client-certificate-password': ['spn'],
  'use-azurerm-env-vars': ['spn'],
  'federated-token-file': ['workloadidentity'],
  'identity-resource-id': ['msi'],
  username: ['ropc'],
  password: ['ropc'],
  'pop-enabled': ['interactive', 'devicecode', 'spn'],
  'pop-claims': ['interactive', 'devicecode', 'spn'],
};

/** The existing entry's options that still mean something after the mode change `overrides` asks for. */
function forNewMode(existing: RawTokenOptions, overrides: RawTokenOptions, notes: string[]): RawTokenOptions {
  const oldMode = existing.login ?? DEFAULT_LOGIN_MODE;
  const newMode = overrides.login;
  if (!newMode || newMode === oldMode || !LOGIN_MODES[newMode] || !LOGIN_MODES[oldMode]) return existing;
  const kept: RawTokenOptions = { ...existing };
  const dropped: string[] = [];
  const drop = (key: keyof RawTokenOptions) => {
    if (kept[key] === undefined || kept[key] === '' || overrides[key] !== undefined) return;
    delete kept[key];
    dropped.push(`--${key}`);
  };
  for (const [key, modes] of Object.entries(MODE_OPTIONS) as [keyof RawTokenOptions, readonly string[]][]) {
    if (!modes.includes(newMode)) drop(key);
  }
  // the client ID names a different thing per kind of client: the public app, the service principal, the managed identity
  if (LOGIN_MODES[newMode].client !== LOGIN_MODES[oldMode].client) drop('client-id');
  if (!LOGIN_MODES[newMode].idToken) drop('token-type');
  if (dropped.length) notes.push(`${dropped.join(', ')} dropped: --login ${newMode} does not use ${dropped.length > 1 ? 'them' : 'it'}`);
  return kept;
}

/**
 * The get-token arguments for a user: explicit ids so the kubeconfig reads on its own. Secrets are
 * never written (a kubeconfig is copied, shared and read by every tool); each one left out is named
 * in `warnings`, without its value.
 */
export function execArgsFor(existing: RawTokenOptions, overrides: RawTokenOptions, warnings: string[] = []): string[] {
  const merged: RawTokenOptions = { ...defined(forNewMode(existing, overrides, warnings)), ...defined(overrides) };
  for (const key of SECRET_TOKEN_OPTIONS) {
    if (merged[key] === undefined) continue;
    delete merged[key];
    const where = key in defined(overrides) ? `--${key} was given` : `the entry had --${key}`;
    warnings.push(`${where}, but secrets are not written into kubeconfigs; set ${SECRET_ENV[key]} where kubectl runs instead`);
  }
  // validates login mode, environment, tenant (where the environment cannot supply it) and formats
  const spec = resolveTokenOptions(merged, {}, { lenient: true });
  const publicClient = LOGIN_MODES[spec.loginMode].client === 'public';
  // the cloud under its kubelogin name (AzureUSGovernmentCloud → AzureUSGovernment); the public cloud is the default
  const cloud = merged.environment ? canonicalEnvironment(merged.environment) : undefined;
  const environment = cloud && cloud !== 'AzurePublicCloud' ? cloud : undefined;
  return formatExecArgs({
    ...merged,
    login: merged.login ?? 'devicecode',
    'server-id': merged['server-id'] ?? AKS_SERVER_ID,
    // app-only modes name their own application (or take it from the environment at run time)
    'client-id': merged['client-id'] ?? (publicClient ? AKS_CLIENT_ID : undefined),
    environment,
  });
}

function rewriteUser(file: KubeconfigFile, user: YAMLMap, args: string[]): void {
  const exec = { apiVersion: EXEC_V1, command: 'kubectl-np', args, interactiveMode: 'IfAvailable', provideClusterInfo: false, installHint: INSTALL_HINT };
  const body = user.get('user', true);
  if (!isMap(body)) {
    user.set('user', file.doc.createNode({ exec }));
    return;
  }
  for (const key of REPLACED_USER_KEYS) body.delete(key);
  body.set('exec', file.doc.createNode(exec));
}

/** Applies setup to the loaded files (in memory); `writeSetup` saves them. */
export function planSetup(files: KubeconfigFile[], request: SetupRequest): SetupResult {
  if (request.all && request.context) throw new UsageError('use either --context or --all, not both');
  const result: SetupResult = { changes: [], edited: new Map(), unchanged: [], skipped: [], warnings: [], backups: [] };
  const targets: { file: KubeconfigFile; user: YAMLMap; name: string }[] = [];
  if (request.all) {
    for (const file of files) {
      for (const user of namedEntries(file, 'users')) {
        const name = String(user.get('name'));
        if (sourceOf(user) !== 'other' && !targets.some((t) => t.name === name)) targets.push({ file, user, name });
      }
    }
    if (!targets.length) throw new UsageError('no Azure kubelogin, azure auth-provider or kubectl-np users found; use --context to set up one context');
  } else {
    const context = resolveContext(files, request.context);
    const found = findEntry(files, 'users', context.user);
    if (!found) throw new UsageError(`user ${JSON.stringify(context.user)} of context ${JSON.stringify(context.name)} is not defined in the kubeconfig`);
    targets.push({ file: found.file, user: found.entry, name: context.user });
  }

  for (const { file, user, name } of targets) {
    const from = sourceOf(user);
    let args: string[];
    const warnings: string[] = [];
    try {
      args = execArgsFor(existingOptions(user, from, warnings), request.overrides, warnings);
    } catch (err) {
      if (!request.all) throw new UsageError(`cannot set up user ${JSON.stringify(name)}: ${(err as Error).message}`);
      result.skipped.push({ user: name, reason: (err as Error).message });
      continue;
    }
    result.warnings.push(...warnings.map((w) => `user ${name}: ${w}`));
    const before = file.doc.toString();
    rewriteUser(file, user, args);
    if (file.doc.toString() === before) result.unchanged.push(name);
    else {
      result.changes.push({ user: name, contexts: contextsOfUser(files, name), from, file: file.path, args });
      result.edited.set(file, [...(result.edited.get(file) ?? []), user]);
    }
  }
  return result;
}

/** One line per changed user: `user U (context C): converted from kubelogin to kubectl-np get-token …`. */
export function describeSetupChange(change: SetupChange): string {
  const contexts = change.contexts.length ? ` (${change.contexts.length > 1 ? 'contexts' : 'context'} ${change.contexts.join(', ')})` : '';
  const what = change.from === 'kubectl-np' ? 'updated to' : change.from === 'other' ? 'converted to' : `converted from ${change.from} to`;
  return `user ${change.user}${contexts}: ${what} kubectl-np ${change.args.join(' ')}`;
}

/** The new text of a file planSetup changed: only its edited user entries differ from the original. */
export function renderSetup(file: KubeconfigFile, result: SetupResult): string {
  return renderEntries(file, result.edited.get(file) ?? []);
}

/**
 * What setup would write, per file, before and after (`setup --dry-run` shows the diff). The entries it
 * replaces may hold credentials (a static token, a key, kubelogin's --client-secret): both texts have their
 * values masked, and long certificate data shortened, so they can be shown and pasted.
 */
export function setupEdits(result: SetupResult): { path: string; before: string; after: string }[] {
  return [...result.edited.keys()].map((file) => ({ path: file.path, before: maskKubeconfig(file.original), after: maskKubeconfig(renderSetup(file, result)) }));
}

const SECRET_KEY = /(\b(?:token|password|client-key-data|access-token|refresh-token|id-token|client-secret|secret)["']?\s*:[ \t]*)(?=[^\s,}])(["']?)[^\n,}"']+\2/gi;
const SECRET_ARG = /(--(?:client-secret|client-certificate-password|password)(?:=|["']?[ \t]*,[ \t]*["']?|["']?[ \t]*\n[ \t]*-[ \t]+["']?))[^\s,\]"']+/g;
const SECRET_ENV_VALUE = /(name:[ \t]*["']?\w*(?:SECRET|PASSWORD|TOKEN)\w*["']?[ \t]*(?:,[ \t]*|\n[ \t]*)value:[ \t]*)(["']?)[^\n,}"']+\2/gi;
const DATA_KEY = /(\b[\w-]+-data\s*:[ \t]*)([A-Za-z0-9+/=]{40,})/g;

function maskKubeconfig(text: string): string {
  const masked = text
    .replace(SECRET_KEY, '$1<redacted>')
    .replace(SECRET_ARG, '$1<redacted>')
    .replace(SECRET_ENV_VALUE, '$1<redacted>')
    .replace(DATA_KEY, (_m, key: string, data: string) => `${key}<${data.length} characters>`);
  return redact(masked);
}

/** Writes every file planSetup changed, each after a backup. */
export function writeSetup(result: SetupResult, now = new Date()): void {
  for (const file of result.edited.keys()) {
    const text = renderSetup(file, result);
    if (text === file.original) continue;
    result.backups.push({ file: file.path, backup: writeKubeconfigWithBackup(file, text, now) });
  }
}
