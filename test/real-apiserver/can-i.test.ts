// explain can-i against `kubectl auth can-i` on a real kube-apiserver, over generated RBAC states: empty
// roles (stored as "rules": null), aggregated ClusterRoles filled by the controller, subresources,
// resourceNames, non-resource URLs, CRDs and built-in types the old table lacked. For a cluster-scoped
// type kubectl sends the namespace given with -n (and RBAC then consults that namespace's RoleBindings,
// which cannot grant cluster-scoped access); explain can-i drops it, so there the reference is kubectl
// with -A (namespace "") — the request the API server would really see.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchResources } from '../../src/cluster/discovery.js';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.js';
import { runCanI } from '../../src/identity/can-i.js';
import { BUILTIN_RESOURCES } from '../../src/rbac/resources.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { kubectlAs, np } from './cli.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NAMESPACES = ['cani-a', 'cani-b'];
const USERS = ['ann', 'bob', 'cid', 'dee'];
const GROUPS = ['devs', 'ops'];

/** mulberry32: the same "random" cluster on every run, so a failure can be replayed */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESOURCE_RULES: { apiGroups: string[]; resources: string[] }[] = [
  { apiGroups: [''], resources: ['pods'] },
  { apiGroups: [''], resources: ['pods/log', 'pods/exec'] },
  { apiGroups: [''], resources: ['secrets', 'configmaps'] },
  { apiGroups: [''], resources: ['*'] },
  { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'] },
  { apiGroups: ['example.com'], resources: ['widgets', 'gizmos'] },
  { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
  { apiGroups: ['flowcontrol.apiserver.k8s.io'], resources: ['flowschemas'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'] },
  { apiGroups: ['*'], resources: ['*/scale'] },
  { apiGroups: [''], resources: ['nodes', 'namespaces'] },
];
const VERBS = [['get'], ['list', 'watch'], ['create', 'delete'], ['*'], ['get', 'update', 'patch']];
const URLS = [['/healthz'], ['/metrics'], ['/apis/*'], ['/logs/*']];

function generate(seed: number): { objects: unknown[]; aggregated: string[] } {
  const rand = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const rule = (clusterRole: boolean) => {
    if (clusterRole && rand() < 0.2) return { nonResourceURLs: pick(URLS), verbs: ['get'] };
    const base = pick(RESOURCE_RULES);
    return { ...base, verbs: pick(VERBS), ...(rand() < 0.2 ? { resourceNames: ['w1', 'web'] } : {}) };
  };
  const rules = (clusterRole: boolean) => (rand() < 0.15 ? [] : Array.from({ length: 1 + Math.floor(rand() * 3) }, () => rule(clusterRole)));
  const subject = () => (rand() < 0.3 ? { kind: 'Group', name: pick(GROUPS), apiGroup: 'rbac.authorization.k8s.io' } : { kind: 'User', name: pick(USERS), apiGroup: 'rbac.authorization.k8s.io' });
  const objects: unknown[] = [];
  const aggregated: string[] = [];
  for (let i = 0; i < 8; i++) {
    const label = `agg-${i % 3}`;
    objects.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: `gen-cr-${i}`, labels: { 'cani.example/aggregate': label } }, rules: rules(true) });
  }
  for (let i = 0; i < 4; i++) {
    aggregated.push(`gen-agg-${i}`);
    objects.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: `gen-agg-${i}` }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'cani.example/aggregate': `agg-${i}` } }] }, rules: rand() < 0.5 ? [rule(true)] : [] });
  }
  for (const ns of NAMESPACES) {
    for (let i = 0; i < 3; i++) objects.push({ apiVersion: RBAC, kind: 'Role', metadata: { name: `gen-role-${i}`, namespace: ns }, rules: rules(false) });
    for (let i = 0; i < 5; i++) {
      const toCluster = rand() < 0.5;
      const roleName = toCluster ? pick([...Array.from({ length: 8 }, (_, j) => `gen-cr-${j}`), ...aggregated]) : `gen-role-${Math.floor(rand() * 3)}`;
      objects.push({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: `gen-rb-${i}`, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: toCluster ? 'ClusterRole' : 'Role', name: roleName }, subjects: [subject(), subject()] });
    }
  }
  for (let i = 0; i < 4; i++) {
    const roleName = pick([...Array.from({ length: 8 }, (_, j) => `gen-cr-${j}`), ...aggregated]);
    objects.push({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: `gen-crb-${i}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects: [subject()] });
  }
  return { objects, aggregated };
}

/** [verb, target, subresource?, cluster-scoped?] */
const QUESTIONS: [string, string, string?, boolean?][] = [
  ['get', 'pods'],
  ['get', 'po/web'],
  ['list', 'pods'],
  ['get', 'pods', 'log'],
  ['create', 'pods/web', 'exec'],
  ['delete', 'secrets'],
  ['get', 'cm/web'],
  ['update', 'deploy', 'scale'],
  ['patch', 'deployments.apps/web'],
  ['list', 'widgets'],
  ['get', 'wd/w1'],
  ['delete', 'gizmos', undefined, true],
  ['get', 'gizmos/w1', undefined, true],
  ['get', 'runtimeclasses', undefined, true],
  ['list', 'flowschemas', undefined, true],
  ['watch', 'events.events.k8s.io'],
  ['list', 'nodes', undefined, true],
  ['get', '*'],
  ['*', '*'],
  ['get', '/healthz', undefined, true],
  ['get', '/metrics', undefined, true],
  ['get', '/apis/apps', undefined, true],
  ['get', '/logs/kube.log', undefined, true],
];

let server: RealApiServer;
const answers = { yes: 0, no: 0 };
let generated: ReturnType<typeof generate>;
beforeAll(async () => {
  process.env.KUBECACHEDIR = mkdtempSync(join(tmpdir(), 'kubectl-np-kubecache-'));
  server = await startRealApiServer();
  const crd = (plural: string, kind: string, scope: string, short: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: { group: 'example.com', scope, names: { plural, singular: kind.toLowerCase(), kind, shortNames: [short] }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  });
  await server.apply([crd('widgets', 'Widget', 'Namespaced', 'wd'), crd('gizmos', 'Gizmo', 'Cluster', 'gz'), ...NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))]);
  await server.eventually('the CRDs to be served', async () => {
    const r = await server.kubectl(['get', '--raw', '/apis/example.com/v1']);
    return r.code === 0 && r.stdout.includes('gizmos') && r.stdout.includes('widgets') ? true : undefined;
  });
  generated = generate(15);
  await server.apply(generated.objects);
  // the controller fills aggregated roles asynchronously: wait until each holds its selected roles' rules
  const byLabel = new Map<string, unknown[]>();
  for (const o of generated.objects as { kind: string; metadata: { labels?: Record<string, string> }; rules?: unknown[] }[]) {
    const label = o.metadata.labels?.['cani.example/aggregate'];
    if (o.kind === 'ClusterRole' && label) byLabel.set(label, [...(byLabel.get(label) ?? []), ...(o.rules ?? [])]);
  }
  for (const [i, name] of generated.aggregated.entries()) {
    const want = new Set((byLabel.get(`agg-${i}`) ?? []).map((r) => JSON.stringify(r))).size;
    if (want === 0) continue;
    await server.eventually(`aggregation of ${name}`, async () => {
      const r = await server.kubectl(['get', 'clusterrole', name, '-o', 'json']);
      return (JSON.parse(r.stdout).rules?.length ?? 0) >= want ? true : undefined;
    });
  }
});
afterAll(async () => server?.close());

describe('explain can-i on a real kube-apiserver', () => {
  it('the built-in fallback table is exactly what a 1.32 server serves', async () => {
    const served = await fetchResources(loadKubeConfig({ kubeconfig: server.adminKubeconfig }));
    const key = (r: { resource: string; group: string; namespaced: boolean }) => `${r.resource}.${r.group}:${r.namespaced}`;
    const builtIn = served.filter((r) => r.group !== 'example.com');
    expect(BUILTIN_RESOURCES.map(key).sort()).toEqual(builtIn.map(key).sort());
  });

  for (const user of USERS) {
    const groups = user === 'ann' || user === 'cid' ? [GROUPS[0]] : user === 'dee' ? [GROUPS[1]] : [];
    it(`agrees with kubectl auth can-i for ${user} (groups: ${groups.join(', ') || 'none'}) on ${QUESTIONS.length * NAMESPACES.length} generated questions`, async () => {
      const kubeconfig = server.kubeconfigFor(user, groups);
      const disagreements: string[] = [];
      for (const ns of NAMESPACES) {
        for (const [verb, target, subresource, clusterScoped] of QUESTIONS) {
          const report = await runCanI({ kubeconfig, verb, target, namespace: ns, subresource });
          const args = ['auth', 'can-i', verb, target, ...(clusterScoped ? ['-A'] : ['-n', ns]), ...(subresource ? ['--subresource', subresource] : [])];
          const ref = await kubectlAs(kubeconfig, args);
          const kubectlSays = ref.stdout.trim().split('\n').pop();
          answers[report.allowed ? 'yes' : 'no'] += 1;
          if ((report.allowed ? 'yes' : 'no') !== kubectlSays) disagreements.push(`${verb} ${target}${subresource ? `/${subresource}` : ''} -n ${ns}: kubectl-np ${report.allowed ? 'yes' : 'no'}, kubectl ${kubectlSays} (${ref.stderr.trim()})`);
          // the RBAC chain (computed from the objects read) agrees with the server's verdict
          if (report.rbac?.complete && report.rbac.allowed !== report.allowed) disagreements.push(`${verb} ${target} -n ${ns}: RBAC chain says ${report.rbac.allowed}, server ${report.allowed}`);
        }
      }
      expect(disagreements).toEqual([]);
    });
  }

  it('the generated states give both answers (the comparison is not vacuous)', () => {
    expect(answers.yes).toBeGreaterThan(QUESTIONS.length);
    expect(answers.no).toBeGreaterThan(QUESTIONS.length);
  });

  it('a RoleBinding cannot grant a cluster-scoped type: explain can-i drops the namespace where kubectl auth can-i -n keeps it', async () => {
    await server.apply([
      { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'gizmo-deleter' }, rules: [{ apiGroups: ['example.com'], resources: ['gizmos'], verbs: ['delete'] }] },
      { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'eve-gizmos', namespace: 'cani-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gizmo-deleter' }, subjects: [{ kind: 'User', name: 'eve' }] },
    ]);
    const kubeconfig = server.kubeconfigFor('eve', [], 'cani-a');
    expect((await kubectlAs(kubeconfig, ['auth', 'can-i', 'delete', 'gizmos', '-n', 'cani-a'])).stdout.trim().split('\n').pop()).toBe('yes');
    expect((await kubectlAs(kubeconfig, ['auth', 'can-i', 'delete', 'gizmos', '-A'])).stdout.trim().split('\n').pop()).toBe('no');
    const r = await np(['explain', 'can-i', 'delete', 'gizmos', '-n', 'cani-a', '-o', 'json'], kubeconfig);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.request).toMatchObject({ group: 'example.com', resource: 'gizmos', namespace: '' });
    expect(report.notes.join('\n')).toMatch(/cluster-scoped/);
  });

  it("get '*' asks what kubectl asks: resource * of the core group", async () => {
    await server.apply([
      { apiVersion: RBAC, kind: 'Role', metadata: { name: 'core-star', namespace: 'cani-b' }, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] },
      { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'fay-core-star', namespace: 'cani-b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'core-star' }, subjects: [{ kind: 'User', name: 'fay' }] },
    ]);
    const kubeconfig = server.kubeconfigFor('fay', [], 'cani-b');
    const r = await np(['explain', 'can-i', 'get', '*', '-o', 'json'], kubeconfig);
    expect((await kubectlAs(kubeconfig, ['auth', 'can-i', 'get', '*', '-n', 'cani-b'])).stdout.trim()).toBe('yes');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).request).toMatchObject({ group: '', resource: '*', namespace: 'cani-b' });
  });
});
