// readLiveSnapshot against the test double of kube-apiserver: what a live read returns, how -n/-A and
// the context namespace select, NetworkPolicy-engine detection, and the CLI's error contract
// (unreachable/TLS/timeout/401 → exit 3 naming the server; unknown context → exit 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readLiveSnapshot } from '../../src/cluster/live.js';
import { currentNamespace, ForbiddenError, loadKubeConfig } from '../../src/cluster/kubeconfig.js';
import { UnreachableError, UsageError } from '../../src/errors.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { freePortBelowEphemeralRange } from '../support/ports.js';

const ADMIN = 'admin-token-5f0c1d2e';
const SHOP_ONLY = 'shop-only-token-9a8b7c';
const NO_PODS = 'no-pods-token-1b2c3d';
const PODS_ONLY = 'pods-only-token-4e5f6a';

const objects = [
  { kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'retail' } } },
  { kind: 'Namespace', metadata: { name: 'payments', labels: { team: 'finance', pci: 'true' } } },
  {
    kind: 'Pod',
    metadata: {
      name: 'web-7d4b9-abcde',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d4b9' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}', 'example.com/owner': 'team-web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
    },
    spec: {
      serviceAccountName: 'web',
      nodeName: 'node-1',
      containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], resources: { limits: { cpu: '1' } } }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
    status: { phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }], hostIP: '192.168.0.10', conditions: [{ type: 'Ready', status: 'True' }] },
  },
  { kind: 'Pod', metadata: { name: 'api-0', namespace: 'payments', labels: { app: 'api' } }, spec: { containers: [{ name: 'api', ports: [{ containerPort: 8443 }] }] }, status: { phase: 'Running', podIP: '10.1.1.7' } },
  { kind: 'Pod', metadata: { name: 'calico-node-x1', namespace: 'kube-system', labels: { 'k8s-app': 'calico-node' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'calico-node', uid: 'ds-uid', controller: true }] }, spec: { hostNetwork: true, containers: [{ name: 'calico-node' }] } },
  { kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], clusterIP: '10.96.0.10', type: 'ClusterIP', sessionAffinity: 'None' } },
  { kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' }, secrets: [{ name: 'web-token' }] },
  {
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    status: { replicas: 2 },
  },
  { kind: 'ReplicaSet', metadata: { name: 'web-7d4b9', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': '7d4b9' } }, spec: { containers: [{ name: 'web' }] } } } },
  { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { serviceName: 'db', selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db' }] } } } },
  { kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { metadata: { labels: { job: 'migrate' } }, spec: { containers: [{ name: 'm' }], restartPolicy: 'Never' } } } },
  { kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { selector: { matchLabels: { 'k8s-app': 'calico-node' } }, template: { metadata: { labels: { 'k8s-app': 'calico-node' } }, spec: { hostNetwork: true, containers: [{ name: 'calico-node' }] } } } },
  { kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, spec: { selector: { matchLabels: { 'k8s-app': 'kube-proxy' } }, template: { metadata: { labels: { 'k8s-app': 'kube-proxy' } }, spec: { containers: [{ name: 'kube-proxy' }] } } } },
  {
    kind: 'NetworkPolicy',
    metadata: { name: 'web-ingress', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { team: 'retail' } }, podSelector: { matchLabels: { role: 'frontend' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 'http' }, { port: 9000, endPort: 9100 }] },
        {},
      ],
      egress: [],
    },
  },
  { kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'payments' }, spec: { podSelector: {} } },
  { kind: 'Role', metadata: { name: 'pod-reader', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'], resourceNames: ['web'] }] },
  { kind: 'RoleBinding', metadata: { name: 'web-reads', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
  { kind: 'ClusterRole', metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] } },
  // the shop-only user: may read most things in shop, nothing cluster-wide
  { kind: 'ClusterRole', metadata: { name: 'ns-reader' }, rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }] },
  { kind: 'RoleBinding', metadata: { name: 'shop-only-reads', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ns-reader' }, subjects: [{ kind: 'User', name: 'shop-only' }] },
  // the no-pods user: may read network policies and namespaces, not pods
  { kind: 'ClusterRole', metadata: { name: 'netpol-reader' }, rules: [{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list'] }, { apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }] },
  { kind: 'ClusterRoleBinding', metadata: { name: 'no-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-reader' }, subjects: [{ kind: 'User', name: 'no-pods' }] },
  // the pods-only user: may read pods and services in shop, nothing else
  { kind: 'Role', metadata: { name: 'pods-services', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['list'] }] },
  { kind: 'RoleBinding', metadata: { name: 'pods-only', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods-services' }, subjects: [{ kind: 'User', name: 'pods-only' }] },
];

describe('readLiveSnapshot', () => {
  let server: TestApiServer;
  let dir: string;
  let admin: string;

  beforeAll(async () => {
    server = await startTestApiServer({
      staticTokens: {
        [ADMIN]: { username: 'root', groups: ['system:masters'] },
        [SHOP_ONLY]: { username: 'shop-only' },
        [NO_PODS]: { username: 'no-pods' },
        [PODS_ONLY]: { username: 'pods-only' },
      },
      objects,
    });
    dir = mkdtempSync(join(tmpdir(), 'kubectl-np-live-'));
    admin = join(dir, 'admin.yaml');
    server.writeKubeconfig(admin, { context: 'admin@test', namespace: 'payments', user: { token: ADMIN } });
  });
  afterAll(async () => server?.close());

  it('-n shop: that namespace\'s objects, converted to plain data; all namespaces with their labels', async () => {
    const snap = await readLiveSnapshot({ kubeconfig: admin, namespaces: ['shop'] }, { include: { serviceAccounts: 'optional' } });
    expect(snap.source).toBe('admin@test');
    expect(snap.defaultNamespace).toBe('payments');
    expect(snap.warnings).toBeUndefined();
    expect(snap.namespaces.map((n) => n.metadata.name).sort()).toEqual(['default', 'kube-system', 'payments', 'shop']);
    expect(snap.namespaces.find((n) => n.metadata.name === 'payments')?.metadata.labels).toEqual({ team: 'finance', pci: 'true', 'kubernetes.io/metadata.name': 'payments' });

    expect(snap.pods).toHaveLength(1);
    expect(snap.pods[0]).toEqual({
      kind: 'Pod',
      metadata: {
        name: 'web-7d4b9-abcde',
        namespace: 'shop',
        labels: { app: 'web', 'pod-template-hash': '7d4b9' },
        annotations: { 'example.com/owner': 'team-web' },
        uid: expect.any(String),
        ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'rs-uid', controller: true }],
      },
      spec: {
        serviceAccountName: 'web',
        nodeName: 'node-1',
        containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
        initContainers: [{ name: 'init' }],
      },
      status: { phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }], hostIP: '192.168.0.10', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(JSON.stringify(snap)).not.toMatch(/managedFields|last-applied|creationTimestamp|resourceVersion/);

    expect(snap.services).toEqual([{ kind: 'Service', metadata: { name: 'web', namespace: 'shop', uid: expect.any(String) }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], clusterIP: '10.96.0.10', type: 'ClusterIP' } }]);
    expect(snap.serviceAccounts.map((s) => `${s.kind} ${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['ServiceAccount shop/web']);
    expect(snap.workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(['Deployment/web', 'Job/migrate', 'ReplicaSet/web-7d4b9', 'StatefulSet/db']);
    const deploy = snap.workloads.find((w) => w.kind === 'Deployment')!;
    // the API server defaults container port protocols to TCP
    expect(deploy.spec).toEqual({ selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] } } });
    expect(snap.workloads.find((w) => w.kind === 'StatefulSet')!.spec.selector).toEqual({ matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] });
  });

  it('NetworkPolicies keep from/ports/ipBlock/endPort and empty rules, as the API server returns them (protocol defaulted, empty lists dropped)', async () => {
    const snap = await readLiveSnapshot({ kubeconfig: admin, namespaces: ['shop', 'payments'] });
    const web = snap.networkPolicies.find((p) => p.metadata.name === 'web-ingress')!;
    expect(web.spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { team: 'retail' } }, podSelector: { matchLabels: { role: 'frontend' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
          ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'TCP', port: 9000, endPort: 9100 }],
        },
        {},
      ],
    });
    const deny = snap.networkPolicies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect('ingress' in deny.spec).toBe(false);
  });

  it('RBAC objects (when asked for): ClusterRoles/Bindings plus Roles/RoleBindings of the selected namespaces, with aggregation rules', async () => {
    const snap = await readLiveSnapshot({ kubeconfig: admin, namespaces: ['shop'] }, { include: { rbac: 'optional' } });
    expect(snap.roles.find((r) => r.metadata.name === 'pod-reader')).toEqual({ kind: 'Role', metadata: { name: 'pod-reader', namespace: 'shop', uid: expect.any(String) }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'], resourceNames: ['web'] }] });
    expect(snap.roles.find((r) => r.metadata.name === 'monitoring')?.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] });
    expect(snap.roleBindings.find((b) => b.metadata.name === 'web-reads')).toEqual({
      kind: 'RoleBinding',
      metadata: { name: 'web-reads', namespace: 'shop', uid: expect.any(String) },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    });
    expect(snap.roleBindings.filter((b) => b.kind === 'ClusterRoleBinding').map((b) => b.metadata.name)).toContain('cluster-admin');
  });

  it('without -n reads the context namespace; -A reads every namespace', async () => {
    const own = await readLiveSnapshot({ kubeconfig: admin });
    expect(own.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['payments/api-0']);
    expect(own.networkPolicies.map((p) => p.metadata.name)).toEqual(['default-deny']);

    const all = await readLiveSnapshot({ kubeconfig: admin, allNamespaces: true });
    expect(all.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual(['kube-system/calico-node-x1', 'payments/api-0', 'shop/web-7d4b9-abcde']);
    expect(all.workloads.filter((w) => w.kind === 'DaemonSet').map((w) => w.metadata.name).sort()).toEqual(['calico-node', 'kube-proxy']);
    expect(server.requests.some((r) => r.path.startsWith('/api/v1/pods'))).toBe(true);

    const typo = await readLiveSnapshot({ kubeconfig: admin, namespaces: ['shpo'] });
    expect(typo.pods).toEqual([]);
    expect(typo.warnings).toEqual(['namespace "shpo" does not exist']);
  });

  it('detects the NetworkPolicy engine from kube-system DaemonSets, and reports none when there is none', async () => {
    const snap = await readLiveSnapshot({ kubeconfig: admin, namespaces: ['shop'] });
    expect(snap.policyEngines).toEqual(['calico-node']);
    expect(snap.pods.some((p) => p.metadata.namespace === 'kube-system')).toBe(false);

    const plain = await startTestApiServer({ staticTokens: { [ADMIN]: { username: 'root', groups: ['system:masters'] } }, objects: objects.filter((o) => o.metadata.name !== 'calico-node' && !o.metadata.name.startsWith('calico-node')) });
    try {
      const kubeconfig = join(dir, 'plain.yaml');
      plain.writeKubeconfig(kubeconfig, { user: { token: ADMIN } });
      expect((await readLiveSnapshot({ kubeconfig, allNamespaces: true })).policyEngines).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('a user limited to one namespace gets its objects, with warnings for what was forbidden', async () => {
    const kubeconfig = join(dir, 'shop-only.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'shop-only', namespace: 'shop', user: { token: SHOP_ONLY } });
    const snap = await readLiveSnapshot({ kubeconfig }, { include: { rbac: 'optional' } });
    expect(snap.pods.map((p) => p.metadata.name)).toEqual(['web-7d4b9-abcde']);
    expect(snap.networkPolicies.map((p) => p.metadata.name)).toEqual(['web-ingress']);
    expect(snap.roles.map((r) => r.metadata.name).sort()).toEqual(['pod-reader', 'pods-services']);
    // namespaces could not be listed, but the server lets a RoleBinding in shop GET namespaces/shop: its labels are read
    expect(snap.namespaces).toEqual([{ kind: 'Namespace', metadata: expect.objectContaining({ name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', team: 'retail' } }) }]);
    expect(snap.policyEngines).toBeUndefined();
    expect(snap.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^not allowed to list namespaces: namespaces is forbidden: User "shop-only" cannot list resource "namespaces"/),
      expect.stringMatching(/^not allowed to list clusterroles: /),
      expect.stringMatching(/^not allowed to list daemonsets in namespace kube-system: /),
    ]));
    expect(snap.warnings!.join('\n')).not.toMatch(/namespaceSelectors can only match|labels of namespace shop/);
    // the same refusals, structured: resource and namespace (unset = cluster-scoped or all namespaces)
    expect(snap.unreadable).toEqual(expect.arrayContaining([{ resource: 'namespaces', readByName: ['shop'] }, { resource: 'clusterroles' }, { resource: 'daemonsets', namespace: 'kube-system' }]));
    expect(snap.unreadable).not.toContainEqual({ resource: 'pods', namespace: 'shop' });
  });

  it('a namespace whose own object is forbidden too keeps unknown labels, named in a warning', async () => {
    const kubeconfig = join(dir, 'pods-only-labels.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'pods-only', namespace: 'shop', user: { token: PODS_ONLY } });
    const snap = await readLiveSnapshot({ kubeconfig }, { include: { networkPolicies: 'optional' } });
    expect(snap.namespaces).toEqual([{ kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } }]);
    expect(snap.unreadable).toContainEqual({ resource: 'namespaces', readByName: [] });
    expect(snap.warnings).toEqual(expect.arrayContaining([
      'labels of namespace shop could not be read: get namespaces/shop forbidden',
      'without their labels, NetworkPolicy namespaceSelectors can only match kubernetes.io/metadata.name in namespace shop',
    ]));
  });

  it('a forbidden required list (pods) is a one-line exit-1 error (as kubectl on Forbidden) saying what you may not list', async () => {
    const kubeconfig = join(dir, 'no-pods.yaml');
    server.writeKubeconfig(kubeconfig, { user: { token: NO_PODS } });
    const err = await readLiveSnapshot({ kubeconfig, namespaces: ['shop'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).exitCode).toBe(3);
    expect((err as Error).message).toBe('you may not list pods in namespace shop, which this command needs (ask for list access, or analyse manifests with -f): pods is forbidden: User "no-pods" cannot list resource "pods" in API group "" in the namespace "shop"');
  });

  it('by default (the NetworkPolicy commands) never reads RBAC objects or service accounts, so their absence warns nobody', async () => {
    const kubeconfig = join(dir, 'shop-only-default.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'shop-only', namespace: 'shop', user: { token: SHOP_ONLY } });
    const before = server.requests.length;
    const snap = await readLiveSnapshot({ kubeconfig });
    const paths = server.requests.slice(before).map((r) => r.path);
    expect(paths.filter((p) => /rbac\.authorization|serviceaccounts/.test(p))).toEqual([]);
    expect(snap.roles).toEqual([]);
    expect((snap.warnings ?? []).filter((w) => /roles|rolebindings|serviceaccounts/.test(w))).toEqual([]);
    // what the NetworkPolicy commands do need still warns when forbidden
    expect(snap.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^not allowed to list namespaces: /), expect.stringMatching(/^not allowed to list daemonsets in namespace kube-system: /)]));
  });

  it('include: skipped kinds are not read; a command that needs no NetworkPolicies works without list access to them', async () => {
    const kubeconfig = join(dir, 'pods-only.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'pods-only', namespace: 'shop', user: { token: PODS_ONLY } });
    const before = server.requests.length;
    const snap = await readLiveSnapshot({ kubeconfig }, { include: { namespaces: 'skip', networkPolicies: 'skip', policyEngines: 'skip', workloads: 'skip', services: 'required' } });
    expect(snap.pods.map((p) => p.metadata.name)).toEqual(['web-7d4b9-abcde']);
    expect(snap.services.map((p) => p.metadata.name)).toEqual(['web']);
    expect(snap.warnings).toBeUndefined();
    expect(snap.policyEngines).toBeUndefined();
    expect(server.requests.slice(before).map((r) => `${r.status} ${r.path.split('?')[0]}`).sort()).toEqual(['200 /api/v1/namespaces/shop/pods', '200 /api/v1/namespaces/shop/services']);

    // the NetworkPolicy commands' default: NetworkPolicies are required
    const err = await readLiveSnapshot({ kubeconfig }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toMatch(/^you may not list networkpolicies in namespace shop, which this command needs /);
  });

  it('rejected credentials (401) → exit 3, a fix that fits the credential, and never the token', async () => {
    const kubeconfig = join(dir, 'bad.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'aks-prod', user: { token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' } });
    const before = server.requests.length;
    const err = await readLiveSnapshot({ kubeconfig }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    // kubectl np login cannot fix a static token
    expect((err as Error).message).toBe(`the API server ${server.url} rejected the credentials (401): the static token of context aks-prod (user aks-prod-user) is not valid for this cluster; get a new one from the cluster admin`);
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain('eyJzdWIiOiJ4In0');
    // the first request failed, so nothing else was sent
    expect(server.requests.slice(before).filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('a 401 suggests kubectl np login only for a kubectl-np exec entry; another plugin is told to sign in with itself', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0.c2lnbmF0dXJl';
    const script = `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }))`;
    // a stand-in kubectl-np on disk: what matters is the command name and get-token
    const bin = join(dir, 'kubectl-np');
    writeFileSync(bin, `#!${process.execPath}\n${script}\n`, { mode: 0o755 });
    const np = join(dir, 'np-exec.yaml');
    server.writeKubeconfig(np, { context: 'aks-np', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: bin, args: ['get-token', '--tenant-id', 't'], interactiveMode: 'Never' } } });
    expect(String(await readLiveSnapshot({ kubeconfig: np }).catch((e: unknown) => (e as Error).message))).toBe(`the API server ${server.url} rejected the credentials (401): run kubectl np login --context aks-np`);

    const other = join(dir, 'other-exec.yaml');
    server.writeKubeconfig(other, { context: 'aks-other', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', script], interactiveMode: 'Never' } } });
    const message = String(await readLiveSnapshot({ kubeconfig: other }).catch((e: unknown) => (e as Error).message));
    expect(message).toMatch(/rejected the credentials \(401\): the token from the exec plugin node was refused: sign in again with it/);
    expect(message).not.toContain('kubectl np login');
  });

  it('an exec credential plugin supplies the token (run once for all parallel requests); its failure is exit 3', async () => {
    const counter = join(dir, 'exec-count');
    writeFileSync(counter, '');
    const script = `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x'); process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(ADMIN)}, expirationTimestamp: new Date(Date.now() + 3600e3).toISOString() } }))`;
    const kubeconfig = join(dir, 'exec.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'exec', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', script], interactiveMode: 'Never' } } });
    const snap = await readLiveSnapshot({ kubeconfig, namespaces: ['shop'] });
    expect(snap.pods).toHaveLength(1);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(counter, 'utf8')).toBe('x');

    const failing = join(dir, 'exec-fail.yaml');
    server.writeKubeconfig(failing, { context: 'exec-fail', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', 'process.stderr.write("error: not signed in: run kubectl np login\\n"); process.exit(1)'] } } });
    const err = await readLiveSnapshot({ kubeconfig: failing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe('cannot get credentials for context exec-fail: error: not signed in: run kubectl np login');
  });
});

describe('readLiveSnapshot: unreachable clusters and bad kubeconfigs', () => {
  let dir: string;
  let caFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-np-live-err-'));
    const s = await startTestApiServer({});
    caFile = s.caFile;
    await s.close();
  });

  const kubeconfigFor = (name: string, server: string, extra: Record<string, unknown> = { 'certificate-authority': caFile }) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': name,
      clusters: [{ name, cluster: { server, ...extra } }],
      users: [{ name, user: { token: 'secret-token-value' } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
    }));
    return path;
  };
  const failure = async (kubeconfig: string, timeoutMs?: number) => {
    const err = await readLiveSnapshot({ kubeconfig }, { timeoutMs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).exitCode).toBe(3);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toContain('secret-token-value');
    return (err as Error).message;
  };

  it('connection refused names the server', async () => {
    // a port freed in the ephemeral range could be any parallel test's connection by the time we connect
    const port = await freePortBelowEphemeralRange();
    expect(await failure(kubeconfigFor('refused', `https://127.0.0.1:${port}`))).toBe(`cannot reach the API server https://127.0.0.1:${port}: connection refused`);
  });

  it('an unknown host names the server', async () => {
    expect(await failure(kubeconfigFor('dns', 'https://no-such-cluster.invalid:6443'))).toBe('cannot reach the API server https://no-such-cluster.invalid:6443: host not found (DNS)');
  });

  it('an untrusted server certificate is a TLS error naming the server', async () => {
    const s = await startTestApiServer({});
    try {
      expect(await failure(kubeconfigFor('tls', s.url, {}))).toMatch(new RegExp(`^cannot reach the API server ${s.url}: TLS: `));
    } finally {
      await s.close();
    }
  });

  it('a server that never answers times out', async () => {
    const silent: Server = createServer(() => { /* accept and say nothing */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      expect(await failure(kubeconfigFor('silent', `https://127.0.0.1:${port}`), 300)).toBe(`cannot reach the API server https://127.0.0.1:${port}: no answer in time while listing namespaces`);
    } finally {
      silent.close();
    }
  });

  it('an unknown --context is a usage error naming the available contexts', async () => {
    const kubeconfig = kubeconfigFor('only-one', 'https://127.0.0.1:1');
    const err = await readLiveSnapshot({ kubeconfig, context: 'prod' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`context "prod" not found in kubeconfig ${kubeconfig} (available: only-one)`);
  });

  it('a missing --kubeconfig file is a usage error', async () => {
    const err = await readLiveSnapshot({ kubeconfig: join(dir, 'nope.yaml') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`kubeconfig ${join(dir, 'nope.yaml')} does not exist`);
  });

  it('$KUBECONFIG: a path list, missing files skipped, the first current-context wins, namespace from the context', () => {
    const a = kubeconfigFor('ctx-a', 'https://a.example:6443');
    const b = join(dir, 'b.yaml');
    writeFileSync(b, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'ctx-b',
      clusters: [{ name: 'cb', cluster: { server: 'https://b.example:6443' } }],
      users: [{ name: 'ub', user: {} }],
      contexts: [{ name: 'ctx-b', context: { cluster: 'cb', user: 'ub', namespace: 'team-b' } }],
    }));
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), a, b].join(delimiter) };
    const kc = loadKubeConfig({}, env);
    expect(kc.getCurrentContext()).toBe('ctx-a');
    expect(currentNamespace(kc)).toBe('default');
    const kcB = loadKubeConfig({ context: 'ctx-b' }, env);
    expect(kcB.getCurrentCluster()?.server).toBe('https://b.example:6443');
    expect(currentNamespace(kcB)).toBe('team-b');
    expect(() => loadKubeConfig({ context: 'ctx-c' }, env)).toThrow('context "ctx-c" not found in kubeconfig');
  });
});
