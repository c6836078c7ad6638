// The pure RBAC evaluator (src/rbac) against the kube-apiserver test double's independent RBAC
// authorizer: for a table of users × requests, our verdict must equal its SelfSubjectAccessReview answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { readRbacObjects, selfSubjectAccessReview, selfSubjectReview } from '../../src/cluster/reviews.js';
import { authorize } from '../../src/rbac/authorize.js';
import { parseAccessRequest } from '../../src/rbac/resources.js';
import type { RbacObjects, UserInfo } from '../../src/rbac/types.js';
import { ADMINS, DEVS, rbacReaderObjects, shopObjects } from './identity/fixtures.js';

const users: Record<string, UserInfo> = {
  alice: { username: 'alice@contoso.example', groups: [DEVS, 'readers'] },
  admin: { username: 'admin@contoso.example', groups: [ADMINS, 'readers'] },
  ci: { username: 'system:serviceaccount:shop:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'readers'] },
  web: { username: 'system:serviceaccount:payments:web', groups: ['system:serviceaccounts', 'system:serviceaccounts:payments', 'readers'] },
  nobody: { username: 'nobody', groups: ['readers'] },
};

// [verb, target, namespace?, subresource?]
const requests: [string, string, string?, string?][] = [
  ['get', 'pods', 'shop'],
  ['list', 'pods', 'payments'],
  ['list', 'pods'],
  ['watch', 'services', 'shop'],
  ['delete', 'pods', 'shop'],
  ['get', 'pods/web', 'shop', 'log'],
  ['get', 'pods/web', 'shop', 'exec'],
  ['create', 'pods/web', 'shop', 'portforward'],
  ['create', 'pods/web', 'payments', 'portforward'],
  ['create', 'pods/web', 'shop', 'exec'],
  ['get', 'services/api', 'shop', 'proxy'],
  ['get', 'services/api', 'payments', 'proxy'],
  ['get', 'secrets/db', 'payments'],
  ['get', 'secrets/api', 'payments'],
  ['list', 'secrets', 'payments'],
  ['get', 'secrets/db', 'shop'],
  ['patch', 'deployments.apps/web', 'shop'],
  ['update', 'deployments.apps/web', 'shop', 'scale'],
  ['delete', 'deployments.apps/web', 'shop'],
  ['patch', 'deployments/web', 'payments'],
  ['get', 'endpoints', 'shop'],
  ['list', 'endpoints'],
  ['get', '/metrics'],
  ['get', '/debug/pprof/heap'],
  ['get', '/healthz'],
  ['get', '/version'],
  ['get', '/apis/apps/v1'],
  ['post', '/metrics'],
  ['list', 'clusterroles'],
  ['create', 'selfsubjectaccessreviews'],
  ['get', 'nodes'],
  ['*', '*'],
];

let server: TestApiServer;
let rbac: RbacObjects;
const dir = mkdtempSync(join(tmpdir(), 'np-rbac-ssar-'));

beforeAll(async () => {
  server = await startTestApiServer({
    staticTokens: Object.fromEntries(Object.entries(users).map(([name, u]) => [`${name}-token`, u])),
    objects: [...shopObjects(), ...rbacReaderObjects('readers')],
  });
  const kc = kubeconfigFor('nobody');
  rbac = (await readRbacObjects(kc)).rbac;
});
afterAll(() => server?.close());

function kubeconfigFor(name: string): KubeConfig {
  const file = join(dir, name);
  server.writeKubeconfig(file, { context: name, user: { token: `${name}-token` } });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

describe('pure RBAC evaluator vs the API server double', () => {
  it('reads the cluster RBAC objects including the bootstrap policy', () => {
    expect(rbac.roleBindings.some((b) => b.metadata.name === 'system:discovery')).toBe(true);
    expect(rbac.roles.some((r) => r.metadata.name === 'monitoring' && r.aggregationRule)).toBe(true);
  });

  for (const name of Object.keys(users)) {
    it(`agrees with SelfSubjectAccessReview for ${name} on ${requests.length} requests`, async () => {
      const kc = kubeconfigFor(name);
      // evaluate as the identity the API server reports (it adds system:authenticated)
      const user = (await selfSubjectReview(kc)).user!;
      expect(user.groups).toContain('system:authenticated');
      const rows = await Promise.all(
        requests.map(async ([verb, target, namespace, subresource]) => {
          const { request } = parseAccessRequest({ verb, target, namespace, subresource });
          const review = await selfSubjectAccessReview(kc, request);
          return { case: `${verb} ${target}${subresource ? ` --subresource ${subresource}` : ''}${namespace ? ` -n ${namespace}` : ''}`, ssar: review.allowed, ours: authorize(rbac, user, request).allowed };
        }),
      );
      expect(rows.filter((r) => r.ssar !== r.ours)).toEqual([]);
      // the table is only meaningful if it exercises both answers
      expect(rows.some((r) => r.ssar)).toBe(true);
      expect(rows.some((r) => !r.ssar)).toBe(true);
    });
  }
});

describe('pure RBAC evaluator vs the API server double on generated clusters', () => {
  it('agrees on random roles, bindings and requests', async () => {
    const fc = (await import('fast-check')).default;
    const api = 'rbac.authorization.k8s.io/v1';
    const ruleArb = fc.oneof(
      fc.record({
        apiGroups: fc.subarray(['', 'apps', '*'], { minLength: 1 }),
        resources: fc.subarray(['pods', 'pods/log', 'pods/exec', 'secrets', 'deployments', '*', '*/log'], { minLength: 1 }),
        verbs: fc.subarray(['get', 'list', 'create', 'delete', '*'], { minLength: 1 }),
        resourceNames: fc.constantFrom<string[]>([], ['a'], ['a', 'b']),
      }),
      fc.record({ nonResourceURLs: fc.subarray(['/healthz', '/metrics*', '/api/*', '*'], { minLength: 1 }), verbs: fc.subarray(['get', 'post', '*'], { minLength: 1 }) }),
    );
    const subjectArb = fc.constantFrom(
      { kind: 'User', name: 'u' },
      { kind: 'User', name: 'other' },
      { kind: 'Group', name: 'g1' },
      { kind: 'Group', name: 'g2' },
      { kind: 'Group', name: 'system:authenticated' },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'a' },
    );
    const bindingArb = fc.record({
      scope: fc.constantFrom('cluster', 'a', 'b'),
      roleKind: fc.constantFrom('Role', 'ClusterRole'),
      role: fc.constantFrom('r0', 'r1', 'r2', 'missing'),
      subjects: fc.array(subjectArb, { minLength: 1, maxLength: 2 }),
    });
    const clusterArb = fc.record({ rules: fc.array(fc.array(ruleArb, { maxLength: 3 }), { minLength: 3, maxLength: 3 }), bindings: fc.array(bindingArb, { maxLength: 5 }) });
    const requestArb = fc.oneof(
      fc.record({
        verb: fc.constantFrom('get', 'list', 'create', 'delete'),
        target: fc.constantFrom('pods', 'pods/a', 'pods/b', 'secrets/a', 'deployments.apps', 'deployments.apps/a', 'nodes'),
        namespace: fc.constantFrom('a', 'b', ''),
        subresource: fc.constantFrom(undefined, 'log', 'exec'),
      }),
      fc.record({ verb: fc.constantFrom('get', 'post'), target: fc.constantFrom('/healthz', '/metrics', '/metrics/cadvisor', '/api/v1', '/version') }),
    );

    const toObjects = (c: { rules: unknown[][]; bindings: { scope: string; roleKind: string; role: string; subjects: unknown[] }[] }) => [
      ...c.rules.map((rules, i) => ({ apiVersion: api, kind: 'ClusterRole', metadata: { name: `r${i}` }, rules })),
      ...['a', 'b'].flatMap((ns) => c.rules.map((rules, i) => ({ apiVersion: api, kind: 'Role', metadata: { name: `r${i}`, namespace: ns }, rules: (rules as { nonResourceURLs?: unknown }[]).filter((r) => !r.nonResourceURLs) }))),
      ...c.bindings.map((b, i) =>
        b.scope === 'cluster'
          ? { apiVersion: api, kind: 'ClusterRoleBinding', metadata: { name: `b${i}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role }, subjects: b.subjects }
          : { apiVersion: api, kind: 'RoleBinding', metadata: { name: `b${i}`, namespace: b.scope }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: b.roleKind, name: b.role }, subjects: b.subjects },
      ),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } },
    ];

    const generated = await startTestApiServer({ staticTokens: { 'u-token': { username: 'u', groups: ['g1'] }, 'reader-token': { username: 'reader', groups: ['system:masters'] } } });
    try {
      const file = join(dir, 'generated-u');
      generated.writeKubeconfig(file, { context: 'gen', user: { token: 'u-token' } });
      const asUser = new KubeConfig();
      asUser.loadFromFile(file);
      const readerFile = join(dir, 'generated-reader');
      generated.writeKubeconfig(readerFile, { context: 'gen', user: { token: 'reader-token' } });
      const asReader = new KubeConfig();
      asReader.loadFromFile(readerFile);
      const user = (await selfSubjectReview(asUser)).user!;

      const mismatches: unknown[] = [];
      let allowedCount = 0;
      let total = 0;
      for (const cluster of fc.sample(clusterArb, { numRuns: 20, seed: 42 })) {
        generated.setObjects(toObjects(cluster));
        const objects = (await readRbacObjects(asReader)).rbac;
        for (const req of fc.sample(requestArb, { numRuns: 15, seed: total })) {
          const { request } = parseAccessRequest(req as { verb: string; target: string; namespace?: string; subresource?: string });
          const ssar = (await selfSubjectAccessReview(asUser, request)).allowed;
          const ours = authorize(objects, user, request).allowed;
          total += 1;
          if (ssar) allowedCount += 1;
          if (ssar !== ours) mismatches.push({ request, ssar, ours, cluster });
        }
      }
      expect(mismatches).toEqual([]);
      expect(total).toBe(300);
      expect(allowedCount).toBeGreaterThan(15);
      expect(allowedCount).toBeLessThan(285);
    } finally {
      await generated.close();
    }
  });
});
