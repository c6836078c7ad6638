// RBAC commands against a real kube-apiserver, where the data is what users' clusters return: roles
// stored with `rules: []` come back as `"rules": null`, aggregated ClusterRoles are filled by the
// controller (own rules replaced when the selectors match something), SelfSubjectReview carries extra.
// The verdicts are compared with the real kubectl's own answers on the same server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { kubectlAs, np } from './cli.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NS = 'rbac-null';

let server: RealApiServer;
beforeAll(async () => {
  server = await startRealApiServer();
  await server.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    // rules: [] is stored as null: "an empty list does not survive storage"
    { apiVersion: RBAC, kind: 'Role', metadata: { name: 'empty', namespace: NS }, rules: [] },
    { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'alice-empty', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'empty' }, subjects: [{ kind: 'User', name: 'alice' }] },
    // an aggregated ClusterRole whose selector matches nothing, and without rules of its own: null
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'agg-nothing' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to': 'nothing' } }] } },
    { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'alice-agg-nothing' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'agg-nothing' }, subjects: [{ kind: 'User', name: 'alice' }] },
    // alice may read RBAC objects, so the commands read them (and met the nulls)
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'rbac-reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'alice-rbac-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rbac-reader' }, subjects: [{ kind: 'User', name: 'alice' }] },
  ]);
});
afterAll(async () => server?.close());

describe('"rules": null from a real API server', () => {
  it('is what the server returns for rules: [] and for an aggregation that matches nothing', async () => {
    const role = await server.kubectl(['get', 'role', 'empty', '-n', NS, '-o', 'json']);
    expect(JSON.parse(role.stdout).rules).toBeNull();
    const agg = await server.kubectl(['get', 'clusterrole', 'agg-nothing', '-o', 'json']);
    expect(JSON.parse(agg.stdout).rules).toBeNull();
  });

  it('explain can-i answers instead of crashing, agreeing with kubectl auth can-i', async () => {
    const kubeconfig = server.kubeconfigFor('alice', [], NS);
    const r = await np(['explain', 'can-i', 'list', 'pods', '-n', NS], kubeconfig);
    expect(r.stderr).not.toMatch(/Cannot read properties|TypeError/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rbac-reader/);
    expect((await kubectlAs(kubeconfig, ['auth', 'can-i', 'list', 'pods', '-n', NS])).stdout.trim()).toBe('yes');
    const denied = await np(['explain', 'can-i', 'delete', 'pods', '-n', NS], kubeconfig);
    expect(denied.stderr).not.toMatch(/Cannot read properties|TypeError/);
    expect(denied.code).toBe(1);
    expect((await kubectlAs(kubeconfig, ['auth', 'can-i', 'delete', 'pods', '-n', NS])).stdout.trim()).toBe('no');
  });

  it('whoami lists the bindings to empty roles without crashing', async () => {
    const kubeconfig = server.kubeconfigFor('alice', [], NS);
    const r = await np(['whoami', '-o', 'json'], kubeconfig);
    expect(r.stderr).not.toMatch(/Cannot read properties|TypeError/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.apiServer.user.username).toBe('alice');
    expect(JSON.stringify(out)).toMatch(/alice-empty/);
  });
});

describe('whoami on a real kube-apiserver', () => {
  it('says what kubectl auth whoami says, extra (credential-id) included', async () => {
    const kubeconfig = server.kubeconfigFor('gil', ['devs', 'ops']);
    const ours = await np(['whoami', '-o', 'json'], kubeconfig);
    const theirs = await kubectlAs(kubeconfig, ['auth', 'whoami', '-o', 'json']);
    expect(ours.code).toBe(0);
    expect(theirs.code).toBe(0);
    const reference = JSON.parse(theirs.stdout).status.userInfo;
    expect(reference.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^X509SHA256=/);
    expect(JSON.parse(ours.stdout).apiServer.user).toMatchObject({ username: reference.username, groups: reference.groups, extra: reference.extra });
  });
});
