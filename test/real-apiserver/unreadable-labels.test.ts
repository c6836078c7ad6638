// Issue 14 item 5 on a real kube-apiserver: a user with the built-in `view` ClusterRole bound per namespace
// (a client-certificate user, so the server's own RBAC decides what it may read) cannot list namespaces.
// The server still authorizes GET namespaces/X in namespace X, so view bound there shows X's labels:
// verdicts between such namespaces are definite and equal admin's. A namespace where dev may read pods
// but not its own object (np-ext) keeps unknown labels: a verdict that hangs on a namespaceSelector over
// it is "cannot tell" (exit 3) naming get namespaces/np-ext, in both directions (In, where the truth is
// ALLOWED, and NotIn, where it is DENIED). The truth is what the same command says as admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { kubectlAs, np } from './cli.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1', ports: [{ containerPort: 5432 }] }] } });
// db in NS admits only pods of namespaces whose team label is (or is not) one of lab, ext
const policy = (ns: string, operator: 'In' | 'NotIn') => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: ns, name: `db-from-team-${operator.toLowerCase()}` },
  spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator, values: ['lab', 'ext'] }] } }] }] },
});
// what view grants on what the NetworkPolicy commands read, without the namespace object itself
const podsReader = {
  apiVersion: RBAC,
  kind: 'ClusterRole',
  metadata: { name: 'np-pods-reader' },
  rules: [
    { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list'] },
  ],
};
const podsReaderIn = (ns: string) => ({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { namespace: ns, name: 'dev-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'np-pods-reader' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }] });
const viewIn = (ns: string) => ({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { namespace: ns, name: 'dev-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }] });

// every pod of NS may send DNS only to namespaces whose team label is (or is not) lab or ext: kube-system has
// no team label, so DNS is blocked (In) or allowed (NotIn); without kube-system's labels that cannot be told
const dnsToTeam = (ns: string, operator: 'In' | 'NotIn') => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: ns, name: `dns-to-team-${operator.toLowerCase()}` },
  spec: {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator, values: ['lab', 'ext'] }] } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
  },
});

const IPS: [string, string, string][] = [
  ['np-lab', 'client', '10.244.7.5'],
  ['np-ext', 'client', '10.244.7.8'],
  ['app-in', 'db', '10.244.7.6'],
  ['app-notin', 'db', '10.244.7.7'],
  ['app-dns', 'web', '10.244.7.9'],
  ['app-dns-in', 'web', '10.244.7.10'],
];

let server: RealApiServer;
let dev: string;
beforeAll(async () => {
  server = await startRealApiServer();
  await server.apply([
    namespace('np-lab', { team: 'lab' }),
    namespace('np-ext', { team: 'ext' }),
    namespace('app-in'),
    namespace('app-notin'),
    namespace('app-dns'),
    namespace('app-dns-in'),
    pod('np-lab', 'client'),
    pod('np-ext', 'client'),
    pod('app-in', 'db'),
    pod('app-notin', 'db'),
    pod('app-dns', 'web'),
    pod('app-dns-in', 'web'),
    policy('app-in', 'In'),
    policy('app-notin', 'NotIn'),
    dnsToTeam('app-dns', 'NotIn'),
    dnsToTeam('app-dns-in', 'In'),
    ...['np-lab', 'app-in', 'app-notin', 'app-dns', 'app-dns-in'].map(viewIn),
    podsReader,
    podsReaderIn('np-ext'),
  ]);
  for (const [ns, name, ip] of IPS) await server.setPodStatus(ns, name, { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] });
  dev = server.kubeconfigFor('dev', [], 'app-in');
});
afterAll(async () => server?.close());

const asDev = (args: string[]) => np(args, dev);
const asAdmin = (args: string[]) => np(args, server.adminKubeconfig);

describe('namespace labels the user may not list, on a real kube-apiserver', () => {
  it('the premise: dev may read pods and policies of these namespaces, GET the namespaces where view is bound, but not list namespaces nor GET np-ext', async () => {
    // cluster scope: a RoleBinding's `list namespaces` only answers requests made in its own namespace
    expect((await kubectlAs(dev, ['auth', 'can-i', 'list', 'namespaces', '-A'])).stdout.trim()).toBe('no');
    expect((await kubectlAs(dev, ['auth', 'can-i', 'list', 'networkpolicies', '-n', 'app-in'])).stdout.trim()).toBe('yes');
    expect((await kubectlAs(dev, ['auth', 'can-i', 'list', 'pods', '-n', 'np-ext'])).stdout.trim()).toBe('yes');
    expect((await kubectlAs(dev, ['get', 'namespace', 'np-lab', '-o', 'jsonpath={.metadata.labels.team}'])).stdout.trim()).toBe('lab');
    const ext = await kubectlAs(dev, ['get', 'namespace', 'np-ext']);
    expect(ext.code).not.toBe(0);
    expect(ext.stderr).toContain('forbidden');
  });

  it('between namespaces whose own object dev may GET, verdicts are definite and equal admin\'s (In: ALLOWED, NotIn: DENIED)', async () => {
    for (const [to, code, word] of [['app-in/db', 0, 'ALLOWED'], ['app-notin/db', 1, 'DENIED']] as const) {
      const truth = await asAdmin(['can-reach', 'np-lab/client', to, '--port', '5432']);
      expect(truth.code, truth.stderr).toBe(code);
      const r = await asDev(['can-reach', 'np-lab/client', to, '--port', '5432']);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout.split('\n')[0]).toBe(`${word}  np-lab/client → ${to}  TCP 5432`);
      expect(r.stderr).toContain('warning: not allowed to list namespaces');
      expect(r.stderr).not.toContain('labels of namespace np-lab could not be read');
    }
  });

  it('can-reach through an In namespaceSelector over np-ext: admin gets ALLOWED; dev gets CANNOT TELL (exit 3) naming get namespaces/np-ext, never DENIED', async () => {
    const truth = await asAdmin(['can-reach', 'np-ext/client', 'app-in/db', '--port', '5432']);
    expect(truth.code, truth.stderr).toBe(0);
    expect(truth.stdout.split('\n')[0]).toBe('ALLOWED  np-ext/client → app-in/db  TCP 5432');

    const r = await asDev(['can-reach', 'np-ext/client', 'app-in/db', '--port', '5432']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  np-ext/client → app-in/db  TCP 5432');
    expect(r.stdout).toContain('it depends on whether namespace np-ext is one of the namespaces with team in (lab,ext) (a peer of a policy in app-in), which you may not see: to see it, you need to get namespaces/np-ext');
    expect(r.stdout).not.toMatch(/does not have|^DENIED|^ALLOWED/m);
    expect(r.stderr).toContain('warning: labels of namespace np-ext could not be read: get namespaces/np-ext forbidden');

    const json = await asDev(['can-reach', 'np-ext/client', 'app-in/db', '--port', '5432', '-o', 'json']);
    expect(json.code).toBe(3);
    const out = JSON.parse(json.stdout);
    expect(out.allowed).toBeNull();
    expect(out.cannotTell[0].permission).toMatch(/^get namespaces\/np-ext .* or to list namespaces/);
  });

  it('can-reach through a NotIn namespaceSelector over np-ext: admin gets DENIED; dev gets CANNOT TELL (exit 3), never ALLOWED', async () => {
    const truth = await asAdmin(['can-reach', 'np-ext/client', 'app-notin/db', '--port', '5432']);
    expect(truth.code, truth.stderr).toBe(1);
    const r = await asDev(['can-reach', 'np-ext/client', 'app-notin/db', '--port', '5432']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  np-ext/client → app-notin/db  TCP 5432');
    expect(r.stdout).toContain('team notin (lab,ext)');
    expect(r.stdout).toContain('you need to get namespaces/np-ext');
  });

  it('a verdict that does not hang on the labels stands: db → client (no policy selects client) is ALLOWED for dev as for admin', async () => {
    const r = await asDev(['can-reach', 'app-in/db', 'np-ext/client', '--port', '5432']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ALLOWED  app-in/db → np-ext/client  TCP 5432');
    expect((await asAdmin(['can-reach', 'app-in/db', 'np-ext/client', '--port', '5432'])).code).toBe(0);
  });

  it('matrix: dev gets null only for the cells that hang on np-ext\'s labels and exit 3 naming it; every other cell is admin\'s', async () => {
    const args = ['matrix', '-n', 'np-lab', '-n', 'np-ext', '-n', 'app-in', '-n', 'app-notin', '--port', '5432', '-o', 'json'];
    const cells = (stdout: string) =>
      Object.fromEntries((JSON.parse(stdout).verdicts as { from: string; to: string; allowed: boolean | null }[]).map((v) => [`${v.from}>${v.to}`, v.allowed]));
    const admin = await asAdmin(args);
    expect(admin.code, admin.stderr).toBe(0);
    const truth = cells(admin.stdout);
    expect(truth).toMatchObject({ 'np-lab/client>app-in/db': true, 'np-lab/client>app-notin/db': false, 'np-ext/client>app-in/db': true, 'np-ext/client>app-notin/db': false, 'app-in/db>np-ext/client': true });

    const r = await asDev(args);
    expect(r.code, r.stderr).toBe(3);
    const seen = cells(r.stdout);
    expect(seen['np-ext/client>app-in/db']).toBeNull();
    expect(seen['np-ext/client>app-notin/db']).toBeNull();
    expect(seen['np-lab/client>app-in/db']).toBe(true);
    expect(seen['np-lab/client>app-notin/db']).toBe(false);
    // every cell dev gets an answer for is the admin's answer: no confident wrong verdict
    for (const [cell, allowed] of Object.entries(seen)) if (allowed !== null) expect({ cell, allowed }).toEqual({ cell, allowed: truth[cell] });
    expect(r.stderr).toMatch(/^cannot tell: some verdicts depend on whether namespace np-ext is one of the namespaces with team (in|notin) \(lab,ext\) .*you need to get namespaces\/np-ext/m);
    expect(r.stderr).not.toMatch(/^cannot tell: .*namespace np-lab is one of/m);
  });

  it('explain of the pair through np-ext: admin traces ALLOWED as can-reach says; dev gets CANNOT TELL (exit 3), the rule it could not evaluate and get namespaces/np-ext, and no side said denied', async () => {
    const args = ['np-ext/client', 'app-in/db', '--port', '5432'];
    const reach = await asAdmin(['can-reach', ...args]);
    const truth = await asAdmin(['explain', ...args]);
    expect(truth.code, truth.stderr).toBe(reach.code);
    expect(truth.stdout.split('\n')[0]).toBe(reach.stdout.split('\n')[0]);
    expect(truth.stdout).toContain('ingress to app-in/db: allowed — selected by 1 policy; app-in/db-from-team-in rule #0 allows it:');
    expect(truth.stdout).toContain('✓ #0 from any pod in namespaces with team in (lab,ext) on any port');

    const r = await asDev(['explain', ...args]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  np-ext/client → app-in/db  TCP 5432');
    expect(r.stdout).toContain('to see it, you need to get namespaces/np-ext');
    // the trace names the rule it could not evaluate, and says the side is undecided rather than denied
    expect(r.stdout).toContain('#0 from any pod in namespaces with team in (lab,ext) on any port — cannot tell whether namespace np-ext is one of the namespaces with team in (lab,ext): its labels could not be read');
    expect(r.stdout).toContain('ingress to app-in/db: cannot tell — selected by 1 policy; whether one allows this connection hangs on what could not be read:');
    expect(r.stdout).not.toMatch(/^(ALLOWED|DENIED)\b|\bdenied\b|none allows this connection/m);
    expect(r.stderr).toContain('warning: labels of namespace np-ext could not be read: get namespaces/np-ext forbidden');

    const json = await asDev(['explain', ...args, '-o', 'json']);
    expect(json.code).toBe(3);
    const out = JSON.parse(json.stdout);
    expect(out.allowed).toBeNull();
    expect(out.cannotTell.map((c: { permission: string }) => c.permission)).toEqual([expect.stringMatching(/^get namespaces\/np-ext .* or to list namespaces/)]);
  });

  it('explain of the NotIn pair: admin and can-reach say DENIED; dev gets CANNOT TELL (exit 3), never ALLOWED', async () => {
    const args = ['np-ext/client', 'app-notin/db', '--port', '5432'];
    const reach = await asAdmin(['can-reach', ...args]);
    const truth = await asAdmin(['explain', ...args]);
    expect([truth.code, reach.code]).toEqual([1, 1]);
    expect(truth.stdout.split('\n')[0]).toBe(reach.stdout.split('\n')[0]);
    const r = await asDev(['explain', ...args]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  np-ext/client → app-notin/db  TCP 5432');
    expect(r.stdout).toContain('you need to get namespaces/np-ext');
    expect(r.stdout).not.toMatch(/^(ALLOWED|DENIED)\b|\b(allowed|denied) — selected by/m);
  });

  it('explain namespace: DNS through a selector over kube-system\'s labels is what admin sees (NotIn: reachable, In: blocked); dev, without those labels, is told neither', async () => {
    for (const [ns, dns] of [['app-dns', 'DNS: every workload can reach cluster DNS'], ['app-dns-in', 'DNS: blocked for pod/web']] as const) {
      const truth = await asAdmin(['explain', `namespace/${ns}`]);
      expect(truth.code, truth.stderr).toBe(0);
      expect(truth.stdout).toContain(dns);
      const r = await asDev(['explain', `namespace/${ns}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Egress: isolated for 1 of 1');
      expect(r.stdout).toContain("DNS: cannot tell for pod/web (it hangs on what could not be read: namespace labels, or the DNS pods' addresses)");
      expect(r.stdout).not.toMatch(/dns-egress-blocked|can reach cluster DNS|DNS: blocked/);
    }
  });

  it('audit as dev: every finding is one admin makes, none hangs on np-ext\'s or kube-system\'s labels, and a note names the labels not seen', async () => {
    const args = ['audit', '-n', 'np-lab', '-n', 'np-ext', '-n', 'app-in', '-n', 'app-notin', '-n', 'app-dns', '-n', 'app-dns-in', '-o', 'json'];
    type Finding = { rule: string; namespace: string; object: string; message: string };
    const findings = (stdout: string) => (JSON.parse(stdout).findings as Finding[]).map((f) => `${f.rule} ${f.namespace}/${f.object}: ${f.message}`);
    const admin = await asAdmin(args);
    expect(admin.code, admin.stderr).toBe(1);
    const truth = findings(admin.stdout);
    // admin sees kube-system's labels: DNS through the In selector is blocked, through the NotIn one allowed
    expect(truth.filter((f) => f.startsWith('dns-egress-blocked') || f.startsWith('peer-selects-nothing')).map((f) => f.split(':')[0])).toEqual(['dns-egress-blocked app-dns-in/pod/web']);

    const r = await asDev(args);
    expect(r.code, r.stderr).toBe(1);
    const seen = findings(r.stdout);
    // dev cannot see whether an engine runs (no-enforcing-engine is admin's alone) nor kube-system's labels
    // (DNS undecided, noted); every other finding is admin's
    expect(seen).toEqual(truth.filter((f) => !f.startsWith('no-enforcing-engine') && !f.startsWith('dns-egress-blocked')));
    expect(seen.filter((f) => f.startsWith('dns-egress-blocked') || f.startsWith('peer-selects-nothing'))).toEqual([]);
    expect(r.stderr).toContain("note: dns-egress-blocked could not be decided for app-dns/pod/web, app-dns-in/pod/web: whether DNS is allowed hangs on what could not be read");
    expect(r.stderr).toContain('warning: labels of namespace np-ext could not be read: get namespaces/np-ext forbidden');
    expect(r.stderr).toContain(
      'note: namespaces could not be listed, and the labels of namespace np-ext could not be read (get namespaces/NAME): peer-selects-nothing did not check namespaceSelector peers, and no finding was drawn from namespace labels not seen',
    );
    expect(admin.stderr).not.toContain('namespaces could not be listed');
  });

  it('audit -A as dev, who may list nothing across namespaces: one-line refusal naming a list it needs, exit 3, no partial report', async () => {
    const r = await asDev(['audit', '-A']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    // the first forbidden list to answer (pods, networkpolicies…) cancels the others
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: you may not list \S+ in all namespaces, which this command needs .*User "dev" cannot list/)]);
  });
});
