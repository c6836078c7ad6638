// Finding the cluster the way kubectl does (--kubeconfig, else $KUBECONFIG's path list, else
// ~/.kube/config; --context, else current-context), making API clients for it, and turning transport
// and authentication failures into the CLI's one-line errors. @kubernetes/client-node is imported only
// under src/cluster; other layers receive a KubeConfig and call functions from here.
import { existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { ApiException, KubeConfig, ServerConfiguration, createConfiguration, type Configuration } from '@kubernetes/client-node';
import { isKubectlNpExec } from '../auth/kubeconfig.js';
import { ExitCode, UnreachableError, UsageError } from '../errors.js';
import { redact } from '../redact.js';
import { passDebugToExecPlugin } from './exec-plugin.js';
import { mergeImpersonation, readKubeconfigImpersonation, type Impersonation, type ImpersonationFlags } from './impersonation.js';
import { UnauthorizedResponse, kubeHttpLibrary } from './request.js';
import { diagnoseRejectedToken, diagnosisLines } from './unauthorized.js';

export { KubeConfig };

export interface KubeConfigOptions {
  /** --kubeconfig: one file, which must exist */
  kubeconfig?: string;
  /** --context: must name a context in the kubeconfig */
  context?: string;
  /** the command can read manifests instead (-f): say so when there is no kubeconfig (default true) */
  manifestsInstead?: boolean;
  /** --as, --as-group, --as-uid: override the kubeconfig user's as, as-groups, as-uid */
  impersonate?: ImpersonationFlags;
}

/** The merged impersonation of each loaded KubeConfig (client-node keeps only `as`). */
const impersonations = new WeakMap<KubeConfig, Impersonation | undefined>();

/**
 * Whom requests made with this KubeConfig impersonate: what loadKubeConfig found (kubeconfig fields
 * and flags), else the `as` client-node parsed for a KubeConfig loaded elsewhere.
 */
export function impersonationOf(kc: KubeConfig): Impersonation | undefined {
  if (impersonations.has(kc)) return impersonations.get(kc);
  const user = kc.getCurrentUser()?.impersonateUser;
  return user ? { user, source: 'kubeconfig' } : undefined;
}

/** Inside a pod, client-node (like kubectl) uses the service account when there is no kubeconfig. */
function inCluster(env: NodeJS.ProcessEnv): boolean {
  return !!env.KUBERNETES_SERVICE_HOST && !!env.KUBERNETES_SERVICE_PORT && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/** ~/.kube/config where client-node's loadFromDefault looks for it ($HOME; on Windows also USERPROFILE, HOMEDRIVE+HOMEPATH). */
function defaultKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const homes = process.platform === 'win32' ? [env.HOME, env.USERPROFILE, env.HOMEDRIVE && env.HOMEPATH ? join(env.HOMEDRIVE, env.HOMEPATH) : undefined] : [env.HOME];
  return homes.map((h) => (h ? join(h, '.kube', 'config') : '')).find((f) => f !== '' && existsSync(f));
}

/**
 * The API server answered 403 to something the command cannot do without: one line, exit 1 — what
 * kubectl does on Forbidden. Exit 3 stays for a cluster that cannot be reached or that rejects the
 * credentials (docs/identity-and-rbac.md, "Exit codes").
 */
/**
 * The cluster refused a read the command cannot do without (403). Exit 3, not 1: for can-reach 1 means
 * DENIED, and a script must never take "you may not look" for "the traffic is blocked".
 */
export class ForbiddenError extends Error {
  readonly exitCode = ExitCode.Unreachable;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** How long one API request may take before the cluster counts as unreachable. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function firstLine(text: string): string {
  return redact(text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

/**
 * Loads the kubeconfig and selects the context. Like kubectl: files in $KUBECONFIG that do not exist
 * are skipped and the first file that sets current-context wins. Problems are UsageErrors (exit 2).
 */
export function loadKubeConfig(opts: KubeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  let where = opts.kubeconfig ?? '~/.kube/config';
  const instead = `use --kubeconfig${opts.manifestsInstead === false ? '' : ', or -f to read manifests'}`;
  /** the files read, in kubectl's precedence order */
  let files: string[] = [];
  try {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) throw new UsageError(`kubeconfig ${opts.kubeconfig} does not exist`);
      files = [opts.kubeconfig];
      kc.loadFromFile(opts.kubeconfig);
    } else if (env.KUBECONFIG) {
      files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '' && existsSync(f));
      where = files.join(delimiter) || env.KUBECONFIG;
      if (files.length === 0) throw new UsageError(`no kubeconfig found (none of the files in $KUBECONFIG exist: ${env.KUBECONFIG}); ${instead}`);
      kc.loadFromFile(files[0]);
      for (const file of files.slice(1)) {
        const next = new KubeConfig();
        next.loadFromFile(file);
        kc.mergeConfig(next, true);
      }
    } else {
      // client-node would fall back to http://localhost:8080 and fail with a TLS message; kubectl too
      // says nothing useful. Without a file (and outside a pod) there is no cluster to talk to.
      const file = defaultKubeconfig(env);
      if (!file && !inCluster(env)) throw new UsageError(`no kubeconfig found (looked at $KUBECONFIG / ~/.kube/config); ${instead}`);
      files = file ? [file] : [];
      kc.loadFromDefault(undefined, true);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot load kubeconfig ${where}: ${firstLine((err as Error).message ?? String(err))}`, { cause: err });
  }

  const available = kc.getContexts().map((c) => c.name);
  const list = available.length > 0 ? `available: ${available.join(', ')}` : 'the kubeconfig defines no contexts';
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) throw new UsageError(`context "${opts.context}" not found in kubeconfig ${where} (${list})`);
    kc.setCurrentContext(opts.context);
  }
  const current = kc.getCurrentContext();
  if (!current) throw new UsageError(`no current context in kubeconfig ${where}: pass --context (${list})`);
  const context = kc.getContextObject(current);
  if (!context) throw new UsageError(`current-context "${current}" is not defined in kubeconfig ${where} (${list})`);
  if (!kc.getCurrentCluster()) throw new UsageError(`context "${current}" refers to cluster "${context.cluster}", which kubeconfig ${where} does not define`);
  impersonations.set(kc, mergeImpersonation(readKubeconfigImpersonation(files, context.user), opts.impersonate));
  passDebugToExecPlugin(kc);
  return kc;
}

/** The context's namespace, else "default" (what kubectl uses without -n). */
export function currentNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** The API server URL of the current context, for messages. */
export function serverUrl(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? 'the API server';
}

/**
 * A typed client (CoreV1Api, AppsV1Api, …) for the current context whose requests time out (and are
 * cancelled with `signal`, e.g. when a sibling request has already failed).
 * Same wiring as KubeConfig.makeApiClient plus the timeout, which client-node does not set by default;
 * the timeout starts when the request is sent, so an interactive sign-in by an exec plugin is not cut short.
 */
export function makeApiClient<T>(kc: KubeConfig, Api: new (config: Configuration) => T, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`context "${kc.getCurrentContext()}" has no cluster`);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const signal = () => (opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs));
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: kubeHttpLibrary(impersonationOf(kc)),
    promiseMiddleware: [
      {
        pre: async (request) => {
          request.setSignal(signal());
          return request;
        },
        post: async (response) => response,
      },
    ],
  });
  return new Api(config);
}

/** The HTTP status of an API error, or undefined for transport and credential failures. */
export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : err instanceof UnauthorizedResponse ? err.status : undefined;
}

/** The `message` of the Status body of an API error (never the exception text, which embeds headers). */
export function apiErrorMessage(err: unknown): string | undefined {
  if (!(err instanceof ApiException)) return undefined;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text ? firstLine(text) : undefined;
    }
  }
  const message = body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : '';
  return message ? firstLine(message) : undefined;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate is not signed by a trusted CA (check certificate-authority in the kubeconfig)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: the server certificate is not signed by a trusted CA (check certificate-authority in the kubeconfig)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed and not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: the server certificate is not signed by a trusted CA (check certificate-authority in the kubeconfig)',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the server certificate does not match the host name',
  EPROTO: 'TLS handshake failed',
};

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code ?? e?.errno;
  return typeof code === 'string' ? code : undefined;
}

/** What to do about a 401: signing in again helps only when kubectl-np (or another plugin) makes the token. */
function fixFor401(kc: KubeConfig): string {
  const context = kc.getCurrentContext();
  const user = kc.getCurrentUser();
  const exec = user?.exec;
  if (exec?.command) {
    const entry = { command: exec.command, args: exec.args ?? [] };
    const viaKubectl = basename(entry.command).replace(/\.(exe|cmd)$/i, '') === 'kubectl' && entry.args[0] === 'np';
    if (isKubectlNpExec(entry) || (viaKubectl && isKubectlNpExec({ command: 'kubectl-np', args: entry.args.slice(1) }))) return `run kubectl np login --context ${context}`;
    return `the token from the exec plugin ${basename(entry.command)} was refused: sign in again with it, or check that the cluster trusts its issuer and audience`;
  }
  if (user?.authProvider?.name) return `the token of auth-provider ${user.authProvider.name} was refused; convert the context with kubectl np setup --context ${context}`;
  // client-node reads token-file into token
  if (user?.token) return `the static token of context ${context} (user ${user?.name ?? '?'}) is not valid for this cluster; get a new one from the cluster admin`;
  if (user?.certData || user?.certFile) return `the client certificate of context ${context} (user ${user?.name ?? '?'}) is not accepted (expired, or signed by a CA the cluster does not trust)`;
  if (user?.username) return `the username and password of context ${context} are not accepted`;
  return `context ${context} sends no credentials, and the cluster does not allow anonymous requests`;
}

/**
 * Maps any failure of a request to the cluster to the CLI contract: unreachable server, TLS problems,
 * timeouts, rejected credentials (401), failed credential plugins and unexpected HTTP answers are
 * UnreachableErrors (exit 3) naming the server; a 403 is a ForbiddenError (exit 1); files the kubeconfig points at but that are missing are
 * UsageErrors. `what` says what was being done ("listing pods in namespace shop"). Never includes a token.
 */
export function toClusterError(err: unknown, kc: KubeConfig, what: string): Error {
  if (err instanceof UsageError || err instanceof UnreachableError || err instanceof ForbiddenError) return err;
  const server = serverUrl(kc);
  const context = kc.getCurrentContext();
  const status = httpStatusOf(err);
  if (status === 401) {
    const exec = kc.getCurrentUser()?.exec;
    const diagnosis = diagnoseRejectedToken({
      claims: err instanceof UnauthorizedResponse ? err.claims : undefined,
      context,
      ...(exec?.command ? { exec: { command: exec.command, args: exec.args ?? [] } } : {}),
    });
    return new UnreachableError(`the API server ${server} rejected the credentials (401): ${diagnosis.lead ?? fixFor401(kc)}`, { cause: err, details: diagnosisLines(diagnosis) });
  }
  if (status === 403) {
    return new ForbiddenError(`forbidden while ${what}: ${apiErrorMessage(err) ?? 'HTTP 403'}`, { cause: err });
  }
  if (status !== undefined) {
    return new UnreachableError(`the API server ${server} answered HTTP ${status} while ${what}${apiErrorMessage(err) ? `: ${apiErrorMessage(err)}` : ''}`, { cause: err });
  }
  const name = (err as { name?: unknown })?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new UnreachableError(`cannot reach the API server ${server}: no answer in time while ${what}`, { cause: err });
  }
  const code = errorCode(err);
  if (code && (NETWORK_CODES[code] || name === 'FetchError')) {
    return new UnreachableError(`cannot reach the API server ${server}: ${NETWORK_CODES[code] ?? code}`, { cause: err });
  }
  if (name === 'FetchError') {
    return new UnreachableError(`cannot reach the API server ${server}: ${firstLine(String((err as Error).message))}`, { cause: err });
  }
  if (code === 'ENOENT' || code === 'EACCES') {
    const path = (err as { path?: unknown }).path;
    return new UsageError(`kubeconfig for context ${context} refers to ${code === 'ENOENT' ? 'a missing' : 'an unreadable'} file${typeof path === 'string' ? ` ${path}` : ''}`, { cause: err });
  }
  const user = kc.getCurrentUser();
  if (user?.exec || user?.authProvider) {
    // client-node rejects with the credential plugin's stderr
    return new UnreachableError(`cannot get credentials for context ${context}: ${firstLine(String((err as Error)?.message ?? err)) || 'the credential plugin failed'}`, { cause: err });
  }
  return new UnreachableError(`cannot reach the API server ${server} while ${what}: ${firstLine(String((err as Error)?.message ?? err))}`, { cause: err });
}
