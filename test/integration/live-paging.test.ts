// Live reads page every list like kubectl (limit=500 + continue), against the test API server double,
// which pages like the real one (test/support/fidelity-cases.ts). The real-server suite lists a few
// thousand pods the same way (test/real-apiserver/netpol.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLiveSnapshot } from '../../src/cluster/live.js';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.js';
import { readRbacObjects } from '../../src/cluster/reviews.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';

const ADMIN = 'paging-admin-token';
const PODS = 1234;
const ROLES = 510;

const objects = [
  { kind: 'Namespace', metadata: { name: 'big' } },
  ...Array.from({ length: PODS }, (_, i) => ({ kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'big', labels: { app: `a${i % 7}` } }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP: `10.2.${Math.floor(i / 250)}.${i % 250}` } })),
  ...Array.from({ length: ROLES }, (_, i) => ({ kind: 'ClusterRole', metadata: { name: `role-${i}` }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })),
];

describe('live reads page every list', () => {
  let server: TestApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { [ADMIN]: { username: 'root', groups: ['system:masters'] } }, objects });
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-np-paging-')), 'admin.yaml');
    server.writeKubeconfig(kubeconfig, { context: 'admin', namespace: 'big', user: { token: ADMIN } });
  });
  afterAll(async () => server?.close());

  it(`reads all ${PODS} pods of a namespace in pages of 500, and every other list with limit=500`, async () => {
    server.listRequests.length = 0;
    const snap = await readLiveSnapshot({ kubeconfig, namespaces: ['big'] }, { include: { rbac: 'optional', serviceAccounts: 'optional' } });
    expect(snap.pods).toHaveLength(PODS);
    expect(new Set(snap.pods.map((p) => p.metadata.name)).size).toBe(PODS);
    const podPages = server.listRequests.filter((r) => r.resource === 'pods');
    expect(podPages.map((r) => [r.limit, !!r.continued])).toEqual([[500, false], [500, true], [500, true]]);
    // every kind the read asked for was asked with a limit
    expect(server.listRequests.filter((r) => r.limit !== 500)).toEqual([]);
    expect(new Set(server.listRequests.map((r) => r.resource))).toEqual(
      new Set(['namespaces', 'pods', 'services', 'serviceaccounts', 'networkpolicies', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']),
    );
    expect(snap.roles.filter((r) => r.metadata.name.startsWith('role-'))).toHaveLength(ROLES);
  });

  it('with -A as well', async () => {
    server.listRequests.length = 0;
    const snap = await readLiveSnapshot({ kubeconfig, allNamespaces: true });
    expect(snap.pods).toHaveLength(PODS);
    expect(server.listRequests.filter((r) => r.resource === 'pods').map((r) => r.namespace ?? 'all')).toEqual(['all', 'all', 'all']);
  });

  it('the RBAC reader of whoami and explain can-i pages too', async () => {
    server.listRequests.length = 0;
    const { rbac } = await readRbacObjects(loadKubeConfig({ kubeconfig }));
    expect(rbac.roles.filter((r) => r.metadata.name.startsWith('role-'))).toHaveLength(ROLES);
    expect(server.listRequests.filter((r) => r.resource === 'clusterroles').map((r) => !!r.continued)).toEqual([false, true]);
    expect(server.listRequests.filter((r) => r.limit !== 500)).toEqual([]);
  });
});
