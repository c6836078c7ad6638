// Behaviour of a real kube-apiserver that the test double must copy, as data: objects to create and what
// reading them back must show. test/real-apiserver/fidelity.test.ts checks each case against the real
// server (so the expectations are facts, not guesses) and test/integration/apiserver-fidelity.test.ts
// checks the double against the same cases. A difference found later becomes a case here.

import { X509Certificate } from 'node:crypto';

export const FIDELITY_NS = 'fidelity';
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
];
