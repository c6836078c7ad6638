// TEST DOUBLE of kube-apiserver. Not production code, never shipped.
//
// An HTTPS server that authenticates like kube-apiserver (client certificates of the test CA, static
// token file semantics and the OIDC authenticator, see oidc.ts), authorizes every request (RBAC of its own, see rbac.ts; a
// webhook function standing in for AKS Azure RBAC; or always-allow), and serves read-only cluster state
// from fixtures: discovery, list/get of the kinds kubectl-np reads, SelfSubjectReview,
// SelfSubjectAccessReview and SelfSubjectRulesReview. Real kubectl (/usr/bin/kubectl) and
// @kubernetes/client-node talk to it unchanged. See docs/testing.md, "Test API server".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { testPki } from '../tls.js';
import { OidcAuthenticator, TokenRejected, type OidcOptions } from './oidc.js';
import { PopRejected, verifyPopToken } from '../entra-emulator/pop.js';
import { ImpersonationError, impersonate } from './impersonation.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, ServiceAccountTokenRejected, ServiceAccountTokens, TokenRequestError, type TokenRequestSpec } from './serviceaccounts.js';
import { rbacAuthorize, rbacRulesFor, type Decision, type ResourceAttributes, type UserInfo } from './rbac.js';
import {
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  findResourceType,
  reviewResourceExists,
  type SelfSubjectReviewVersion,
} from './resources.js';
import { matchesFieldSelector, matchesRequirements, parseLabelSelector } from './selectors.js';
import { ObjectStore, bootstrapPolicyObjects, type StoredObject } from './store.js';
import { toTable } from './tables.js';

export type { OidcOptions } from './oidc.js';
export type { ResourceAttributes, UserInfo, Decision } from './rbac.js';
export type { SelfSubjectReviewVersion } from './resources.js';
export { TokenRequestError, type TokenRequestSpec } from './serviceaccounts.js';

export interface TestApiServerOptions {
  oidc?: OidcOptions;
  /**
   * Azure Arc's guard with PoP enabled: every bearer token must be a Signed HTTP Request for this
   * cluster (`u` = hostname), signed by the key its access token is bound to; the access token inside
   * then goes to the OIDC authenticator
   */
  pop?: { hostname: string };
  /** like --token-auth-file: token → user */
  staticTokens?: Record<string, { username: string; groups?: string[]; uid?: string; extra?: Record<string, string[]> }>;
  /** manifests (List kinds are flattened): Namespace, Pod, Service, ServiceAccount, NetworkPolicy, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Role, ClusterRole, RoleBinding, ClusterRoleBinding */
  objects?: unknown[];
  /**
   * 'rbac' (default): this double's own RBAC over the fixtures. 'webhook': RBAC OR the `webhook`
   * function, as on AKS with Azure RBAC where bindings are not the whole story. 'always-allow'.
   */
  authorizer?: 'rbac' | 'webhook' | 'always-allow';
  webhook?: (user: { username: string; groups: string[] }, attrs: ResourceAttributes) => boolean;
  /** which authentication.k8s.io versions serve SelfSubjectReview (default ['v1']); others 404 and are absent from discovery */
  selfSubjectReviewVersions?: SelfSubjectReviewVersion[];
  /**
   * serve the policy API groups (policy.networking.k8s.io: AdminNetworkPolicy, BaselineAdminNetworkPolicy,
   * ClusterNetworkPolicy; cilium.io; Calico's projectcalico.org and crd.projectcalico.org) in discovery and
   * lists, as a cluster with those CRDs (and Calico's API server) installed does: true for every group, or the
   * groups to serve (a Calico cluster without its API server serves crd.projectcalico.org alone); default
   * false, as a plain cluster
   */
  policyCrds?: boolean | string[];
  /**
   * --service-account-issuer: the `iss` of the service-account tokens the server issues through the
   * TokenRequest subresource (`kubectl create token`) and accepts; default https://kubernetes.default.svc,
   * as the real-server harness sets it
   */
  serviceAccountIssuer?: string;
  /** --api-audiences: a token's default `aud`, and the audiences a service-account token must share; default [serviceAccountIssuer] */
  apiAudiences?: string[];
  /** add kube's bootstrap RBAC (cluster-admin for system:masters, discovery and self-reviews for system:authenticated); default true */
  bootstrapPolicy?: boolean;
  port?: number;
}

export interface RecordedRequest {
  method: string;
  /** path with query string; tokens never appear here */
  path: string;
  /** when the request arrived (epoch ms), for start-up benchmarks */
  receivedAt: number;
  status: number;
  user?: string;
  /** how the request authenticated: a verified client certificate comes first, as in kube-apiserver */
  authorization?: 'client-certificate' | 'bearer' | 'none';
  /** why authentication failed (no token material) */
  authError?: string;
  /** with Impersonate-* headers: who asked (`user` is then the impersonated user) and the identity asked for, one entry per header line */
  impersonatedBy?: string;
  impersonated?: UserInfo;
  /** with `pop`: what the verified Signed HTTP Request said (never the token) */
  pop?: { u: string; thumbprint: string; ts: number; nonce: string };
}

/** One list call as the server saw it: which page of which list. */
export interface ListRequest {
  resource: string;
  namespace?: string;
  /** the `limit` asked for (unset: the whole list at once) */
  limit?: number;
  /** a later page (the request carried `continue`) */
  continued?: boolean;
}

export interface TestApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  caFile: string;
  caPem: string;
  requests: RecordedRequest[];
  /** every list call, with its paging */
  listRequests: ListRequest[];
  setObjects(objs: unknown[]): void;
  /**
   * A service-account token as `kubectl create token` gets it (the TokenRequest subresource, without the
   * authorization check): for tests that need one without running kubectl. Throws TokenRequestError.
   */
  serviceAccountToken(namespace: string, name: string, spec?: TokenRequestSpec): string;
  /** writes a kubeconfig (mode 0600) with one cluster/context/user pointing at this server */
  writeKubeconfig(path: string, opts: { context?: string; namespace?: string; user: Record<string, unknown> }): void;
  close(): Promise<void>;
}

const STATUS_REASONS: Record<number, string> = { 500: 'InternalError', 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 415: 'UnsupportedMediaType', 422: 'Invalid' };

/** groups whose kinds exist only where their CRDs are installed (TestApiServerOptions.policyCrds) */
const POLICY_CRD_GROUPS = new Set(['policy.networking.k8s.io', 'cilium.io', 'projectcalico.org', 'crd.projectcalico.org']);

class HttpError extends Error {
  constructor(readonly code: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

function status(code: number, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: STATUS_REASONS[code] ?? 'InternalError', ...(details ? { details } : {}), code };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * `limit` and `continue` as the real server pages a list: at most `limit` items, and while more remain
 * a `continue` token (opaque; here the offset and the resourceVersion it was issued at) and
 * `remainingItemCount`. A token that does not parse is a 400, as on the real server.
 */
function paginate<T>(items: T[], params: URLSearchParams, resourceVersion: string): { items: T[]; metadata: Record<string, unknown>; limit?: number; continued: boolean } {
  const limit = Number(params.get('limit') ?? 0);
  const token = params.get('continue');
  let start = 0;
  if (token) {
    let decoded: { rv?: string; start?: number } | undefined;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    if (!decoded || typeof decoded.start !== 'number') throw new HttpError(400, 'continue key is not valid: the provided continue parameter is too old to display a consistent list result or is malformed');
    start = decoded.start;
  }
  if (!Number.isInteger(limit) || limit <= 0) return { items: items.slice(start), metadata: {}, continued: !!token };
  const end = start + limit;
  const more = end < items.length;
  return {
    items: items.slice(start, end),
    metadata: more ? { continue: Buffer.from(JSON.stringify({ rv: resourceVersion, start: end })).toString('base64url'), remainingItemCount: items.length - end } : {},
    limit,
    continued: !!token,
  };
}

function forbiddenMessage(user: UserInfo, a: ResourceAttributes): string {
  if (!a.resource) return `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource; // kube names the resource with its group
  const what = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}" ${scope}`;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const pki = testPki();
  const tls = pki.issue(['localhost', '127.0.0.1']);
  const store = new ObjectStore();
  const withBootstrap = (objs: unknown[]) => (opts.bootstrapPolicy === false ? objs : [...bootstrapPolicyObjects(), ...objs]);
  store.replace(withBootstrap(opts.objects ?? []));
  const oidc = opts.oidc ? new OidcAuthenticator(opts.oidc) : undefined;
  const saIssuer = opts.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  const serviceAccountTokens = new ServiceAccountTokens(store, saIssuer, opts.apiAudiences ?? [saIssuer]);
  const authorizerMode = opts.authorizer ?? 'rbac';
  const ssrVersions = opts.selfSubjectReviewVersions ?? ['v1'];
  const requests: RecordedRequest[] = [];
  const hiddenGroup = (group: string) => POLICY_CRD_GROUPS.has(group) && !(opts.policyCrds === true || (Array.isArray(opts.policyCrds) && opts.policyCrds.includes(group)));
  const listRequests: ListRequest[] = [];

  const withAuthenticated = (u: UserInfo): UserInfo => ({ ...u, groups: u.groups.includes('system:authenticated') ? u.groups : [...u.groups, 'system:authenticated'] });

  async function authenticate(req: IncomingMessage, record: RecordedRequest): Promise<UserInfo> {
    // --client-ca-file: a certificate the test CA signed names the user (CN) and groups (O), and the
    // server records which credential it was (SHA-256 of the DER certificate)
    const socket = req.socket as TLSSocket;
    const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
    if (peer?.subject?.CN) {
      record.authorization = 'client-certificate';
      const organizations = peer.subject.O === undefined ? [] : ([] as string[]).concat(peer.subject.O);
      return withAuthenticated({
        username: ([] as string[]).concat(peer.subject.CN)[0],
        groups: organizations,
        extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${peer.fingerprint256.replace(/:/g, '').toLowerCase()}`] },
      });
    }
    const header = req.headers.authorization;
    const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!m) {
      record.authorization = 'none';
      record.authError = header ? 'unsupported Authorization scheme' : 'no credentials (anonymous requests are disabled)';
      throw new HttpError(401, 'Unauthorized');
    }
    record.authorization = 'bearer';
    let token = m[1];
    if (opts.pop) {
      try {
        const shr = verifyPopToken(token, { u: opts.pop.hostname });
        record.pop = { u: shr.u, thumbprint: shr.thumbprint, ts: shr.ts, nonce: shr.nonce };
        token = shr.at;
      } catch (err) {
        record.authError = `pop: ${err instanceof PopRejected ? err.message : (err as Error).message}`;
        throw new HttpError(401, 'Unauthorized');
      }
    }
    const known = opts.staticTokens?.[token];
    if (known) return withAuthenticated({ username: known.username, groups: [...(known.groups ?? [])], uid: known.uid, extra: known.extra });
    // kube-apiserver tries the service-account authenticator after the token file and before OIDC
    try {
      const sa = serviceAccountTokens.authenticate(token);
      if (sa) return withAuthenticated(sa);
    } catch (err) {
      record.authError = err instanceof ServiceAccountTokenRejected ? `serviceaccount: ${err.message}` : `serviceaccount: ${(err as Error).message}`;
      throw new HttpError(401, 'Unauthorized');
    }
    if (oidc) {
      try {
        const user = await oidc.authenticate(token);
        if (user) return withAuthenticated(user);
        record.authError = 'token is neither a known static token nor a JWT from the configured issuer';
      } catch (err) {
        record.authError = err instanceof TokenRejected ? err.message : `oidc: ${(err as Error).message}`;
      }
    } else record.authError = 'unknown token';
    throw new HttpError(401, 'Unauthorized');
  }

  function authorize(user: UserInfo, attrs: ResourceAttributes): Decision {
    if (authorizerMode === 'always-allow') return { allowed: true, reason: '' };
    const rbac = rbacAuthorize(store, user, attrs);
    if (rbac.allowed || authorizerMode === 'rbac') return rbac;
    const allowed = !!opts.webhook?.({ username: user.username, groups: [...user.groups] }, { ...attrs });
    return { allowed, reason: allowed ? 'allowed by webhook' : '' };
  }

  function requireAllowed(user: UserInfo, attrs: ResourceAttributes): void {
    if (!authorize(user, attrs).allowed) {
      throw new HttpError(403, forbiddenMessage(user, attrs), attrs.resource ? { ...(attrs.name ? { name: attrs.name } : {}), group: attrs.group ?? '', kind: attrs.resource } : undefined);
    }
  }

  function rulesReview(user: UserInfo, namespace: string) {
    if (authorizerMode === 'always-allow') {
      return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
    }
    const rules = rbacRulesFor(store, user, namespace);
    // a webhook cannot enumerate what it would allow, so the real server marks the answer incomplete
    return authorizerMode === 'webhook'
      ? { ...rules, incomplete: true, evaluationError: 'webhook authorizer does not support user rule resolution' }
      : { ...rules, incomplete: false };
  }

  async function handleReview(req: IncomingMessage, user: UserInfo, group: string, version: string, resource: string): Promise<[number, unknown]> {
    if (req.method !== 'POST') throw new HttpError(405, `the server does not allow this method on the requested resource`);
    requireAllowed(user, { verb: 'create', group, version, resource });
    if (req.headers['content-type'] && !/json/.test(req.headers['content-type'])) throw new HttpError(415, `the body of the request was in an unknown format - accepted media types include: application/json`);
    let body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = JSON.parse((await readBody(req)) || '{}');
    } catch {
      throw new HttpError(400, 'the request body is not valid JSON');
    }
    const apiVersion = `${group}/${version}`;
    const meta = { creationTimestamp: null };
    if (resource === 'selfsubjectreviews') {
      return [201, { kind: 'SelfSubjectReview', apiVersion, metadata: meta, status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } } }];
    }
    if (resource === 'selfsubjectaccessreviews') {
      const spec = body.spec ?? {};
      const attrs: ResourceAttributes | undefined = spec.resourceAttributes
        ? { verb: spec.resourceAttributes.verb ?? '', namespace: spec.resourceAttributes.namespace ?? '', group: spec.resourceAttributes.group ?? '', version: spec.resourceAttributes.version, resource: spec.resourceAttributes.resource ?? '', subresource: spec.resourceAttributes.subresource ?? '', name: spec.resourceAttributes.name ?? '' }
        : spec.nonResourceAttributes
          ? { verb: spec.nonResourceAttributes.verb ?? '', path: spec.nonResourceAttributes.path ?? '' }
          : undefined;
      if (!attrs) throw new HttpError(400, 'SelfSubjectAccessReview: exactly one of nonResourceAttributes or resourceAttributes must be specified');
      if (attrs.resource === '' && spec.resourceAttributes) throw new HttpError(400, 'SelfSubjectAccessReview: resourceAttributes.resource is required');
      const decision = authorize(user, attrs);
      return [201, { kind: 'SelfSubjectAccessReview', apiVersion, metadata: meta, spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } }];
    }
    // selfsubjectrulesreviews
    const namespace = body.spec?.namespace ?? '';
    return [201, { kind: 'SelfSubjectRulesReview', apiVersion, metadata: meta, spec: body.spec ?? {}, status: rulesReview(user, namespace) }];
  }

  /** POST …/namespaces/NS/serviceaccounts/NAME/token: `kubectl create token` */
  async function handleTokenRequest(req: IncomingMessage, user: UserInfo, namespace: string, name: string): Promise<[number, unknown]> {
    requireAllowed(user, { verb: 'create', namespace, group: '', version: 'v1', resource: 'serviceaccounts', subresource: 'token', name });
    if (req.headers['content-type'] && !/json/.test(req.headers['content-type'])) throw new HttpError(415, `the body of the request was in an unknown format - accepted media types include: application/json`);
    let body: { metadata?: { name?: string; namespace?: string }; spec?: TokenRequestSpec | null };
    try {
      body = JSON.parse((await readBody(req)) || '{}');
    } catch {
      throw new HttpError(400, 'the request body is not valid JSON');
    }
    try {
      return [201, serviceAccountTokens.issue(namespace, name, body ?? {})];
    } catch (err) {
      if (err instanceof TokenRequestError) throw new HttpError(err.code, err.message, err.details);
      throw err;
    }
  }

  function handleRead(req: IncomingMessage, url: URL, user: UserInfo, group: string, version: string, rest: string[]): [number, unknown] {
    let namespace: string | undefined;
    let parts = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      parts = rest.slice(2);
    }
    const [resource, name, subresource, ...more] = parts;
    const type = findResourceType(group, version, resource);
    if (!type || more.length > 0 || (namespace !== undefined && !type.namespaced) || (namespace === undefined && type.namespaced && name)) {
      throw new HttpError(404, 'the server could not find the requested resource');
    }
    if (subresource) {
      requireAllowed(user, { verb: req.method === 'GET' ? 'get' : 'create', namespace, group, version, resource, subresource, name });
      throw new HttpError(405, `the test API server does not implement ${resource}/${subresource}`);
    }
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const verb = req.method !== 'GET' ? req.method!.toLowerCase() : name ? 'get' : watch ? 'watch' : 'list';
    // kube's RequestInfo: a namespace object's own name is the request's namespace, so a RoleBinding in X may grant `get namespaces` on X
    requireAllowed(user, { verb, namespace: namespace ?? (resource === 'namespaces' && name ? name : ''), group, version, resource, name });
    if (req.method !== 'GET' || watch) throw new HttpError(405, 'the test API server is read-only and does not support watch');

    const asTable = /as=Table/.test(req.headers.accept ?? '');
    if (name) {
      const obj = store.get(type, name, namespace);
      if (!obj) throw new HttpError(404, `${resource}${group ? '.' + group : ''} "${name}" not found`, { name, group, kind: resource });
      return [200, asTable ? toTable([obj], type.kind, store.currentResourceVersion, url.searchParams.get('includeObject')) : obj];
    }
    let items: StoredObject[] = store.list(type, namespace);
    try {
      const ls = url.searchParams.get('labelSelector');
      if (ls) {
        const reqs = parseLabelSelector(ls);
        items = items.filter((o) => matchesRequirements(reqs, o.metadata.labels));
      }
      const fs = url.searchParams.get('fieldSelector');
      if (fs) items = items.filter((o) => matchesFieldSelector(fs, o));
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const page = paginate(items, url.searchParams, store.currentResourceVersion);
    listRequests.push({ resource, ...(namespace ? { namespace } : {}), ...(page.limit ? { limit: page.limit } : {}), ...(page.continued ? { continued: true } : {}) });
    if (asTable) return [200, toTable(page.items, type.kind, store.currentResourceVersion, url.searchParams.get('includeObject'), page.metadata)];
    return [200, { kind: `${type.kind}List`, apiVersion: group ? `${group}/${version}` : version, metadata: { resourceVersion: store.currentResourceVersion, ...page.metadata }, items: page.items }];
  }

  async function route(req: IncomingMessage, url: URL, user: UserInfo): Promise<[number, unknown]> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const seg = path.split('/').filter(Boolean);
    const discovery = (doc: unknown | undefined): [number, unknown] => {
      requireAllowed(user, { verb: 'get', path });
      if (doc === undefined) throw new HttpError(404, 'the server could not find the requested resource');
      return [200, doc];
    };
    if (path === '/version') return discovery({ major: '1', minor: '31', gitVersion: 'v1.31.0-kubectl-np-test-double', gitCommit: 'test', gitTreeState: 'clean', buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.22', compiler: 'gc', platform: 'linux/amd64' });
    if (path === '/api') return discovery(apiVersionsDocument());
    if (path === '/apis') {
      const doc = apiGroupListDocument(ssrVersions) as { groups: { name: string }[] };
      return discovery({ ...doc, groups: doc.groups.filter((g) => !hiddenGroup(g.name)) });
    }
    if (seg[0] === 'apis' && seg.length >= 2 && hiddenGroup(seg[1])) throw new HttpError(404, 'the server could not find the requested resource');
    if (path === '/api/v1') return discovery(apiResourceListDocument('', 'v1', ssrVersions));
    if (seg[0] === 'apis' && seg.length === 2) return discovery(apiGroupDocument(seg[1], ssrVersions));
    if (seg[0] === 'apis' && seg.length === 3) return discovery(apiResourceListDocument(seg[1], seg[2], ssrVersions));

    let group: string, version: string, rest: string[];
    if (seg[0] === 'api' && seg[1] === 'v1' && seg.length > 2) [group, version, rest] = ['', 'v1', seg.slice(2)];
    else if (seg[0] === 'apis' && seg.length > 3) [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
    else return discovery(undefined); // /openapi/*, /healthz and the rest: not served
    if (rest.length === 1 && reviewResourceExists(group, version, rest[0], ssrVersions)) return handleReview(req, user, group, version, rest[0]);
    if (rest.length === 1 && /^(selfsubject|subject|token)\w*reviews$/.test(rest[0])) throw new HttpError(404, 'the server could not find the requested resource');
    if (group === '' && req.method === 'POST' && rest.length === 5 && rest[0] === 'namespaces' && rest[2] === 'serviceaccounts' && rest[4] === 'token') return handleTokenRequest(req, user, rest[1], rest[3]);
    return handleRead(req, url, user, group, version, rest);
  }

  // client certificates are asked for, never required: bearer tokens stay the common case
  const server = createServer({ key: tls.key, cert: tls.cert, ca: pki.caPem, requestCert: true, rejectUnauthorized: false }, (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, status: 0, receivedAt: Date.now() };
    const send = (code: number, body: unknown) => {
      record.status = code;
      requests.push(record);
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
      res.end(JSON.stringify(body));
    };
    (async () => {
      const authenticated = await authenticate(req, record);
      record.user = authenticated.username;
      let user = authenticated;
      try {
        const impersonated = impersonate(req, authenticated, authorize);
        if (impersonated) {
          record.impersonatedBy = authenticated.username;
          record.impersonated = impersonated;
          record.user = impersonated.username;
          user = impersonated;
        }
      } catch (err) {
        if (err instanceof ImpersonationError) throw new HttpError(err.code, err.message);
        throw err;
      }
      return route(req, url, user);
    })()
      .then(([code, body]) => send(code, body))
      .catch((err: unknown) => {
        if (err instanceof HttpError) send(err.code, status(err.code, err.message, err.details));
        else send(500, status(500, `test API server bug: ${(err as Error).message}`));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caFile: pki.caFile,
    caPem: pki.caPem,
    requests,
    listRequests,
    setObjects(objs: unknown[]) {
      store.replace(withBootstrap(objs));
    },
    serviceAccountToken(namespace, name, spec = {}) {
      return (serviceAccountTokens.issue(namespace, name, { spec }) as { status: { token: string } }).status.token;
    },
    writeKubeconfig(path, { context = 'test', namespace, user }) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: context, cluster: { server: url, 'certificate-authority': pki.caFile } }],
        users: [{ name: `${context}-user`, user }],
        contexts: [{ name: context, context: { cluster: context, user: `${context}-user`, ...(namespace ? { namespace } : {}) } }],
        'current-context': context,
        preferences: {},
      };
      writeFileSync(path, stringify(config), { mode: 0o600 });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export { apiRequest, canI, runKubectl, requireKubectl, KUBECTL, type ApiResponse, type KubectlResult } from './client.js';
