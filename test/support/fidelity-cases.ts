// Behaviour of a real kube-apiserver that the test double must copy, as data: objects to create and what
// reading them back must show. test/real-apiserver/fidelity.test.ts checks each case against the real
// server (so the expectations are facts, not guesses) and test/integration/apiserver-fidelity.test.ts
// checks the double against the same cases. A difference found later becomes a case here.

import { X509Certificate } from 'node:crypto';

export const FIDELITY_NS = 'fidelity';
/** service accounts and the pods and node their tokens are bound to (apart, so FIDELITY_NS's pod count stays the paging case's) */
export const FIDELITY_SA_NS = 'fidelity-sa';
const SA_NODE = 'fidelity-node';
const RBAC = 'rbac.authorization.k8s.io/v1';
const NETPOL = 'networking.k8s.io/v1';

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: FIDELITY_NS, labels: { app: 'page' } }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1', ports: [{ containerPort: 8080 }] }] } });

export const PAGED_PODS = 5;

export const fidelityObjects: unknown[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FIDELITY_NS } },
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'empty-rules', namespace: FIDELITY_NS }, rules: [] },
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'no-rules', namespace: FIDELITY_NS } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'ingress-only', namespace: FIDELITY_NS }, spec: { podSelector: {}, ingress: [{ from: [], ports: [{ port: 80 }] }] } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'with-egress', namespace: FIDELITY_NS }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 443 }] }] } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'empty-egress', namespace: FIDELITY_NS }, spec: { podSelector: {}, egress: [] } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'explicit-types', namespace: FIDELITY_NS }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: FIDELITY_NS }, spec: { selector: { app: 'page' }, ports: [{ port: 80 }] } },
  // aggregation: selectors that give rules replace the role's own; selectors that give none keep them
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'fidelity-source', labels: { 'fidelity.example/aggregate': 'full' } }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }] },
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'fidelity-source-empty', labels: { 'fidelity.example/aggregate': 'empty' } }, rules: [] },
  ...(['full', 'empty', 'nothing'] as const).map((sel) => ({
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: { name: `fidelity-agg-${sel}` },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'fidelity.example/aggregate': sel } }] },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  })),
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'fidelity-agg-bare' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'fidelity.example/aggregate': 'nothing' } }] } },
  ...Array.from({ length: PAGED_PODS }, (_, i) => pod(`page-${i}`)),
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'namespace-reader', namespace: FIDELITY_NS }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] }] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'viewer-namespace', namespace: FIDELITY_NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'namespace-reader' }, subjects: [{ kind: 'User', name: 'fidelity-viewer', apiGroup: 'rbac.authorization.k8s.io' }] },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FIDELITY_SA_NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: FIDELITY_SA_NS } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: SA_NODE } },
  // no kubelet: a pod is bound to its node by spec.nodeName alone
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'robot-pod', namespace: FIDELITY_SA_NS }, spec: { serviceAccountName: 'robot', nodeName: SA_NODE, containers: [{ name: 'c', image: 'registry.example/c:1' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stranger', namespace: FIDELITY_SA_NS }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] } },
];

/** GET a path as admin: the parsed JSON body, or the HTTP status when it is not 200. */
export type AdminGet = (path: string) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A kubeconfig `user` entry: token, client-certificate/client-key, as/as-groups/as-uid/as-user-extra. */
export type KubeconfigUser = Record<string, unknown>;

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** What each server's test gives a case: the same calls, made the same way on both servers. */
export interface FidelityServer {
  get: AdminGet;
  /** GET a path as `user` through the real kubectl (`kubectl get --raw`): the status, and the body when 200 */
  getAs(user: KubeconfigUser, path: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** any kubectl command as `user`: its exit code and output */
  kubectlAs(user: KubeconfigUser, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `kubectl auth whoami -o json` as `user`: the SelfSubjectReview's userInfo */
  whoami(user: KubeconfigUser): Promise<ReviewedUser>;
  /** a client certificate from the per-run test CA, which both servers trust (--client-ca-file) */
  clientCertificate(username: string, groups: string[]): { cert: string; certFile: string; keyFile: string };
  /** a JWT that the Entra emulator signs, from the issuer both servers trust as FIDELITY_OIDC says */
  oidcToken(claims: Record<string, unknown>): string;
}

export interface FidelityCase {
  name: string;
  check(server: FidelityServer): Promise<void>;
}

/** The OIDC authenticator both servers run (kube-apiserver's --oidc-* flags), pointed at the Entra emulator. */
export const FIDELITY_OIDC = { usernameClaim: 'upn', usernamePrefix: '-', groupsClaim: 'groups', groupsPrefix: 'entra:' } as const;

/** Both servers' static tokens (--token-auth-file). */
export const FIDELITY_TOKENS: Record<string, { username: string; uid: string; groups: string[] }> = {
  'fidelity-static-token-0123456789': { username: 'static-sam', uid: 'sam-1', groups: ['static-devs'] },
};


function assert(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/** JSON with keys sorted: the real server's field order is not part of the behaviour. */
const json = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

async function object(get: AdminGet, path: string) {
  const r = await get(path);
  assert(r.status === 200, `GET ${path}: HTTP ${r.status}`);
  return r.body;
}

/** The header and claims of a JWT, read without verifying it. */
function jwtParts(token: string): { header: Record<string, unknown>; claims: Record<string, any> } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const [header, claims] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
  return { header, claims };
}

/** `kubectl create token` as a system:masters client certificate: the token, or the exit code and stderr */
async function createToken(server: FidelityServer, args: string[]): Promise<{ token?: string; code: number; stderr: string }> {
  const r = await server.kubectlAs(ADMIN_CERT(server), ['create', 'token', '-n', FIDELITY_SA_NS, ...args]);
  return { ...(r.code === 0 ? { token: r.stdout.trim() } : {}), code: r.code, stderr: r.stderr };
}

const ADMIN_CERT = (server: FidelityServer): KubeconfigUser => {
  const { certFile, keyFile } = server.clientCertificate('fidelity-token-admin', ['system:masters']);
  return { 'client-certificate': certFile, 'client-key': keyFile };
};

async function mustCreateToken(server: FidelityServer, args: string[]): Promise<string> {
  const r = await createToken(server, args);
  assert(!!r.token, `kubectl create token ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.token!;
}

const SA_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${FIDELITY_SA_NS}`, 'system:authenticated'];
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

const nsPath = (group: string, resource: string, name = '') => `${group ? `/apis/${group}` : '/api/v1'}/namespaces/${FIDELITY_NS}/${resource}${name ? `/${name}` : ''}`;

export const fidelityCases: FidelityCase[] = [
  {
    name: 'a Role created with rules: [] or without rules comes back with "rules": null',
    async check({ get }) {
      for (const name of ['empty-rules', 'no-rules']) {
        const role = await object(get, nsPath('rbac.authorization.k8s.io/v1', 'roles', name));
        assert('rules' in role && role.rules === null, `role ${name}: rules is ${json(role.rules)}, the real server sends null`);
      }
    },
  },
  {
    name: 'NetworkPolicy policyTypes are defaulted (Egress only with egress rules), ports get protocol TCP, empty lists are dropped',
    async check({ get }) {
      const types = async (name: string) => (await object(get, nsPath('networking.k8s.io/v1', 'networkpolicies', name))).spec;
      const ingressOnly = await types('ingress-only');
      assert(json(ingressOnly.policyTypes) === json(['Ingress']), `ingress-only: policyTypes ${json(ingressOnly.policyTypes)}`);
      assert(json(ingressOnly.ingress) === json([{ ports: [{ port: 80, protocol: 'TCP' }] }]), `ingress-only: ingress ${json(ingressOnly.ingress)}`);
      const withEgress = await types('with-egress');
      assert(json(withEgress.policyTypes) === json(['Ingress', 'Egress']), `with-egress: policyTypes ${json(withEgress.policyTypes)}`);
      assert(json(withEgress.egress[0].ports.map((p: { protocol: string }) => p.protocol)) === json(['UDP', 'TCP']), `with-egress: ports ${json(withEgress.egress[0].ports)}`);
      const emptyEgress = await types('empty-egress');
      assert(json(emptyEgress.policyTypes) === json(['Ingress']) && !('egress' in emptyEgress), `empty-egress: ${json(emptyEgress)}`);
      const explicit = await types('explicit-types');
      assert(json(explicit.policyTypes) === json(['Egress']), `explicit-types: policyTypes ${json(explicit.policyTypes)}`);
    },
  },
  {
    name: 'the original NetworkPolicy is only in kubectl.kubernetes.io/last-applied-configuration',
    async check({ get }) {
      const np = await object(get, nsPath('networking.k8s.io/v1', 'networkpolicies', 'ingress-only'));
      const applied = JSON.parse(np.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}');
      assert(applied.spec && !('policyTypes' in applied.spec), `last-applied-configuration: ${json(applied)}`);
    },
  },
  {
    name: 'Service ports get protocol TCP and targetPort = port; type defaults to ClusterIP',
    async check({ get }) {
      const svc = await object(get, nsPath('', 'services', 'web'));
      assert(svc.spec.type === 'ClusterIP', `type ${svc.spec.type}`);
      assert(json(svc.spec.ports.map((p: Record<string, unknown>) => [p.port, p.protocol, p.targetPort])) === json([[80, 'TCP', 80]]), `ports ${json(svc.spec.ports)}`);
    },
  },
  {
    name: 'pod container ports get protocol TCP',
    async check({ get }) {
      const p = await object(get, nsPath('', 'pods', 'page-0'));
      assert(p.spec.containers[0].ports[0].protocol === 'TCP', `ports ${json(p.spec.containers[0].ports)}`);
    },
  },
  {
    name: 'every namespace carries the kubernetes.io/metadata.name label',
    async check({ get }) {
      const ns = await object(get, `/api/v1/namespaces/${FIDELITY_NS}`);
      assert(ns.metadata.labels?.['kubernetes.io/metadata.name'] === FIDELITY_NS, `labels ${json(ns.metadata.labels)}`);
    },
  },
  {
    name: 'aggregation replaces a ClusterRole\'s own rules when its selectors give rules, keeps them when they give none',
    async check({ get }) {
      const rules = async (name: string) => (await object(get, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`)).rules;
      const services = [{ verbs: ['list'], apiGroups: [''], resources: ['services'] }];
      const pods = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }];
      const norm = (r: unknown) => json((r as Record<string, unknown>[] | null)?.map((x) => ({ verbs: x.verbs, apiGroups: x.apiGroups, resources: x.resources })) ?? null);
      assert(norm(await rules('fidelity-agg-full')) === json(services), `fidelity-agg-full: ${json(await rules('fidelity-agg-full'))}`);
      assert(norm(await rules('fidelity-agg-empty')) === json(pods), `fidelity-agg-empty: ${json(await rules('fidelity-agg-empty'))}`);
      assert(norm(await rules('fidelity-agg-nothing')) === json(pods), `fidelity-agg-nothing: ${json(await rules('fidelity-agg-nothing'))}`);
      assert((await rules('fidelity-agg-bare')) === null, `fidelity-agg-bare: ${json(await rules('fidelity-agg-bare'))}`);
    },
  },
  {
    name: 'lists honour limit and continue, with remainingItemCount, until the last page',
    async check({ get }) {
      const names: string[] = [];
      let token: string | undefined;
      const pages: number[] = [];
      do {
        const r = await object(get, `${nsPath('', 'pods')}?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
        names.push(...r.items.map((i: { metadata: { name: string } }) => i.metadata.name));
        pages.push(r.items.length);
        token = r.metadata.continue || undefined;
        if (token) assert(r.metadata.remainingItemCount === PAGED_PODS - names.length, `remainingItemCount ${r.metadata.remainingItemCount} after ${names.length}`);
      } while (token && pages.length < 10);
      assert(json(pages) === json([2, 2, 1]), `pages ${json(pages)}`);
      assert(json(names.sort()) === json(Array.from({ length: PAGED_PODS }, (_, i) => `page-${i}`)), `names ${json(names)}`);
    },
  },
  {
    name: 'kubectl get (a Table request) pages with --chunk-size: the Table carries metadata.continue until the last page',
    async check({ kubectlAs, clientCertificate }) {
      const { certFile, keyFile } = clientCertificate('fidelity-table-lister', ['system:masters']);
      const r = await kubectlAs({ 'client-certificate': certFile, 'client-key': keyFile }, ['get', 'pods', '-n', FIDELITY_NS, '--chunk-size=2', '--no-headers', '-v=6']);
      assert(r.code === 0, `kubectl get pods: exit ${r.code}: ${r.stderr}`);
      const names = r.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]);
      assert(json(names.sort()) === json(Array.from({ length: PAGED_PODS }, (_, i) => `page-${i}`)), `names ${json(names)}`);
      const requests = r.stderr.split('\n').filter((line) => /GET .*\/pods\?.*limit=2/.test(line));
      assert(requests.length === Math.ceil(PAGED_PODS / 2), `${requests.length} page requests: ${requests.join(' | ')}`);
    },
  },
  {
    name: 'a continue token that is not one the server issued is a 400',
    async check({ get }) {
      const r = await get(`${nsPath('', 'pods')}?limit=2&continue=not-a-token`);
      assert(r.status === 400, `HTTP ${r.status}`);
    },
  },
  {
    name: 'a namespace object is authorized in its own namespace: a RoleBinding there lets a user get it, not list namespaces',
    async check({ getAs, clientCertificate }) {
      const { certFile, keyFile } = clientCertificate('fidelity-viewer', []);
      const viewer = { 'client-certificate': certFile, 'client-key': keyFile };
      const own = await getAs(viewer, `/api/v1/namespaces/${FIDELITY_NS}`);
      assert(own.status === 200 && own.body.metadata?.name === FIDELITY_NS, `GET its namespace: HTTP ${own.status}`);
      assert((await getAs(viewer, '/api/v1/namespaces/default')).status === 403, 'GET another namespace is not forbidden');
      assert((await getAs(viewer, '/api/v1/namespaces')).status === 403, 'listing namespaces is not forbidden');
    },
  },
  {
    name: 'SelfSubjectReview of a client-certificate user: CN, O groups, extra credential-id X509SHA256=<hex SHA-256 of the certificate>',
    async check({ whoami, clientCertificate }) {
      const { cert, certFile, keyFile } = clientCertificate('fidelity-gil', ['devs', 'ops']);
      const fingerprint = new X509Certificate(cert).fingerprint256.replace(/:/g, '').toLowerCase();
      const user = await whoami({ 'client-certificate': certFile, 'client-key': keyFile });
      const want = { username: 'fidelity-gil', groups: ['devs', 'ops', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${fingerprint}`] } };
      assert(json(user) === json(want), `userInfo ${json(user)}, want ${json(want)}`);
    },
  },
  {
    name: 'SelfSubjectReview of an OIDC user: prefixed groups, extra credential-id JTI=<jti> only when the token has a jti (Entra tokens carry uti instead)',
    async check({ whoami, oidcToken }) {
      const claims = { upn: 'fidelity-olga@contoso.example', oid: '0f1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b', groups: ['g-1'] };
      const withJti = await whoami({ token: oidcToken({ ...claims, jti: 'fidelity-jti-1' }) });
      const want = { username: claims.upn, groups: ['entra:g-1', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=fidelity-jti-1'] } };
      assert(json(withJti) === json(want), `with jti: userInfo ${json(withJti)}, want ${json(want)}`);
      const withoutJti = await whoami({ token: oidcToken({ ...claims, uti: 'AbCdEf' }) });
      const bare = { username: claims.upn, groups: ['entra:g-1', 'system:authenticated'] };
      assert(json(withoutJti) === json(bare), `without jti: userInfo ${json(withoutJti)}, want ${json(bare)}`);
    },
  },
  {
    name: 'SelfSubjectReview of a static-token user: username, uid and groups from the token file, no extra',
    async check({ whoami }) {
      const [token, u] = Object.entries(FIDELITY_TOKENS)[0];
      const user = await whoami({ token });
      const want = { username: u.username, uid: u.uid, groups: [...u.groups, 'system:authenticated'] };
      assert(json(user) === json(want), `userInfo ${json(user)}, want ${json(want)}`);
    },
  },
  {
    name: 'SelfSubjectReview under impersonation: exactly the identity asked for (uid, groups, extra), none of the impersonator\'s credential-id',
    async check({ whoami, clientCertificate }) {
      const { certFile, keyFile } = clientCertificate('fidelity-admin', ['system:masters']);
      const admin = { 'client-certificate': certFile, 'client-key': keyFile };
      const user = await whoami({ ...admin, as: 'fidelity-jane', 'as-groups': ['devs'], 'as-uid': '42', 'as-user-extra': { 'example.com/team': ['blue'] } });
      const want = { username: 'fidelity-jane', uid: '42', groups: ['devs', 'system:authenticated'], extra: { 'example.com/team': ['blue'] } };
      assert(json(user) === json(want), `userInfo ${json(user)}, want ${json(want)}`);
      const sa = await whoami({ ...admin, as: `system:serviceaccount:${FIDELITY_NS}:ci` });
      const wantSa = { username: `system:serviceaccount:${FIDELITY_NS}:ci`, groups: ['system:serviceaccounts', `system:serviceaccounts:${FIDELITY_NS}`, 'system:authenticated'] };
      assert(json(sa) === json(wantSa), `service account: userInfo ${json(sa)}, want ${json(wantSa)}`);
    },
  },
  {
    name: 'kubectl create token: an RS256 JWT for the API server\'s audience, 3600 s unless --duration says (at least 10 minutes); SelfSubjectReview of it: the service account, its uid, its groups, credential-id JTI=<jti>',
    async check(server) {
      const sa = await object(server.get, `/api/v1/namespaces/${FIDELITY_SA_NS}/serviceaccounts/robot`);
      const token = await mustCreateToken(server, ['robot']);
      const { header, claims } = jwtParts(token);
      assert(header.alg === 'RS256' && typeof header.kid === 'string' && header.kid !== '', `header ${json(header)}`);
      assert(claims.iss === 'https://kubernetes.default.svc' && json(claims.aud) === json(['https://kubernetes.default.svc']), `iss ${json(claims.iss)}, aud ${json(claims.aud)}`);
      assert(claims.sub === `system:serviceaccount:${FIDELITY_SA_NS}:robot` && claims.exp - claims.iat === 3600 && claims.nbf === claims.iat, `claims ${json({ ...claims, jti: '…' })}`);
      assert(json(claims['kubernetes.io']) === json({ namespace: FIDELITY_SA_NS, serviceaccount: { name: 'robot', uid: sa.metadata.uid } }), `kubernetes.io ${json(claims['kubernetes.io'])}`);
      assert(typeof claims.jti === 'string' && claims.jti !== '', 'no jti');
      const user = await server.whoami({ token });
      const want = { username: `system:serviceaccount:${FIDELITY_SA_NS}:robot`, uid: sa.metadata.uid, groups: SA_GROUPS, extra: { [CREDENTIAL_ID]: [`JTI=${claims.jti}`] } };
      assert(json(user) === json(want), `userInfo ${json(user)}, want ${json(want)}`);

      const tenMinutes = jwtParts(await mustCreateToken(server, ['robot', '--duration', '10m'])).claims;
      assert(tenMinutes.exp - tenMinutes.iat === 600, `--duration 10m: lifetime ${tenMinutes.exp - tenMinutes.iat}`);
      const short = await createToken(server, ['robot', '--duration', '599s']);
      const tooShort = 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes';
      assert(short.code !== 0 && short.stderr.includes(tooShort), `--duration 599s: exit ${short.code}: ${short.stderr}`);
      // the TokenRequest itself: spec defaulted, status.expirationTimestamp the requested lifetime from creation
      const tr = JSON.parse((await server.kubectlAs(ADMIN_CERT(server), ['create', 'token', 'robot', '-n', FIDELITY_SA_NS, '-o', 'json'])).stdout);
      const lifetime = (Date.parse(tr.status.expirationTimestamp) - Date.parse(tr.metadata.creationTimestamp)) / 1000;
      assert(tr.kind === 'TokenRequest' && tr.apiVersion === 'authentication.k8s.io/v1' && tr.metadata.name === 'robot' && tr.metadata.namespace === FIDELITY_SA_NS, `TokenRequest ${json({ ...tr, status: '…' })}`);
      assert(json(tr.spec) === json({ audiences: ['https://kubernetes.default.svc'], boundObjectRef: null, expirationSeconds: 3600 }) && lifetime === 3600, `spec ${json(tr.spec)}, lifetime ${lifetime}`);
      const missing = await createToken(server, ['nobody']);
      assert(missing.code !== 0 && missing.stderr.includes('serviceaccounts "nobody" not found'), `missing service account: exit ${missing.code}: ${missing.stderr}`);
    },
  },
  {
    name: 'a service-account token for another audience is refused (401); one bound to a pod names the pod and its node in extra, to a node the node; 3607 s pod-bound becomes a year with warnafter',
    async check(server) {
      const other = await mustCreateToken(server, ['robot', '--audience', 'https://vault.example']);
      assert(json(jwtParts(other).claims.aud) === json(['https://vault.example']), `aud ${json(jwtParts(other).claims.aud)}`);
      const refused = await server.kubectlAs({ token: other }, ['auth', 'whoami']);
      assert(refused.code !== 0 && /Unauthorized/.test(refused.stderr), `another audience: exit ${refused.code}: ${refused.stderr}`);

      const pod = await object(server.get, `/api/v1/namespaces/${FIDELITY_SA_NS}/pods/robot-pod`);
      const node = await object(server.get, `/api/v1/nodes/${SA_NODE}`);
      const podBound = await mustCreateToken(server, ['robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'robot-pod']);
      const { claims } = jwtParts(podBound);
      assert(json(claims['kubernetes.io'].pod) === json({ name: 'robot-pod', uid: pod.metadata.uid }) && json(claims['kubernetes.io'].node) === json({ name: SA_NODE, uid: node.metadata.uid }), `kubernetes.io ${json(claims['kubernetes.io'])}`);
      const user = await server.whoami({ token: podBound });
      const extra = {
        [CREDENTIAL_ID]: [`JTI=${claims.jti}`],
        'authentication.kubernetes.io/node-name': [SA_NODE],
        'authentication.kubernetes.io/node-uid': [node.metadata.uid],
        'authentication.kubernetes.io/pod-name': ['robot-pod'],
        'authentication.kubernetes.io/pod-uid': [pod.metadata.uid],
      };
      assert(json(user.extra) === json(extra) && json(user.groups) === json(SA_GROUPS), `pod-bound userInfo ${json(user)}, want extra ${json(extra)}`);

      const projectedRequest = JSON.parse((await server.kubectlAs(ADMIN_CERT(server), ['create', 'token', 'robot', '-n', FIDELITY_SA_NS, '--bound-object-kind', 'Pod', '--bound-object-name', 'robot-pod', '--duration', '3607s', '-o', 'json'])).stdout);
      const projected = jwtParts(projectedRequest.status.token).claims;
      assert(projected.exp - projected.iat === 365 * 24 * 3600 && projected['kubernetes.io'].warnafter === projected.iat + 3607, `3607 s: lifetime ${projected.exp - projected.iat}, warnafter ${projected['kubernetes.io'].warnafter}`);
      // the TokenRequest reports what was asked for, not the year the token got
      const reported = (Date.parse(projectedRequest.status.expirationTimestamp) - Date.parse(projectedRequest.metadata.creationTimestamp)) / 1000;
      assert(json(projectedRequest.spec) === json({ audiences: ['https://kubernetes.default.svc'], boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'robot-pod' }, expirationSeconds: 3607 }) && reported === 3607, `3607 s: spec ${json(projectedRequest.spec)}, reported lifetime ${reported}`);

      const nodeBound = await mustCreateToken(server, ['robot', '--bound-object-kind', 'Node', '--bound-object-name', SA_NODE]);
      const nodeUser = await server.whoami({ token: nodeBound });
      const nodeExtra = { [CREDENTIAL_ID]: [`JTI=${jwtParts(nodeBound).claims.jti}`], 'authentication.kubernetes.io/node-name': [SA_NODE], 'authentication.kubernetes.io/node-uid': [node.metadata.uid] };
      assert(json(nodeUser.extra) === json(nodeExtra), `node-bound userInfo ${json(nodeUser)}, want extra ${json(nodeExtra)}`);

      const stranger = await createToken(server, ['robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'stranger']);
      assert(stranger.code !== 0 && stranger.stderr.includes('cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.'), `pod of another service account: exit ${stranger.code}: ${stranger.stderr}`);
    },
  },
  {
    name: 'discovery lists subresources with their own kinds and verbs: serviceaccounts/token is a TokenRequest of authentication.k8s.io/v1 that can only be created',
    async check({ get }) {
      const want: Record<string, [string, string[], string?]> = {
        'pods/exec': ['PodExecOptions', ['create', 'get']],
        'pods/log': ['Pod', ['get']],
        'pods/portforward': ['PodPortForwardOptions', ['create', 'get']],
        'pods/proxy': ['PodProxyOptions', ['create', 'delete', 'get', 'patch', 'update']],
        'services/proxy': ['ServiceProxyOptions', ['create', 'delete', 'get', 'patch', 'update']],
        'serviceaccounts/token': ['TokenRequest', ['create'], 'authentication.k8s.io/v1'],
      };
      const listed = (await object(get, '/api/v1')).resources as { name: string; kind: string; verbs: string[]; group?: string; version?: string }[];
      for (const [name, [kind, verbs, groupVersion]] of Object.entries(want)) {
        const r = listed.find((x) => x.name === name);
        assert(!!r, `${name} is not in /api/v1`);
        const seen = [r!.kind, [...r!.verbs].sort(), r!.group ? `${r!.group}/${r!.version}` : undefined];
        assert(json(seen) === json([kind, verbs, groupVersion]), `${name}: ${json(seen)}, want ${json([kind, verbs, groupVersion])}`);
      }
    },
  },
];
