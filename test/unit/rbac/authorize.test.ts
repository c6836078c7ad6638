import { describe, expect, it } from 'vitest';
import { authorize } from '../../../src/rbac/authorize.js';
import { serviceAccountUser } from '../../../src/rbac/subjects.js';
import type { AccessRequest, RbacObjects, UserInfo } from '../../../src/rbac/types.js';
import { clusterRole, crb, group, rb, role, sa, user } from './fixtures.js';

const alice: UserInfo = { username: 'alice@contoso.com', groups: ['oidc:devs', 'system:authenticated'] };
const get = (resource: string, namespace?: string, extra: Partial<Extract<AccessRequest, { kind: 'resource' }>> = {}): AccessRequest => ({
  kind: 'resource', verb: 'get', group: '', resource, ...(namespace ? { namespace } : {}), ...extra,
});

const rbac: RbacObjects = {
  roles: [
    clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]),
    clusterRole('node-reader', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }]),
    clusterRole('health', [{ nonResourceURLs: ['/healthz', '/livez/*'], verbs: ['get'] }]),
    role('team-a', 'secret-db', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }]),
    role('team-a', 'deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]),
  ],
  roleBindings: [
    crb('devs-read-nodes', 'node-reader', [group('oidc:devs')]),
    crb('everyone-health', 'health', [group('system:authenticated')]),
    rb('team-a', 'alice-pods', { kind: 'ClusterRole', name: 'pod-reader' }, [user('alice@contoso.com')]),
    rb('team-a', 'alice-db', { kind: 'Role', name: 'secret-db' }, [user('alice@contoso.com')]),
    rb('team-a', 'ops-deploy', { kind: 'Role', name: 'deployer' }, [group('oidc:ops')]),
    rb('team-a', 'ci-deploy', { kind: 'Role', name: 'deployer' }, [sa('ci')]),
    rb('team-b', 'dangling', { kind: 'ClusterRole', name: 'does-not-exist' }, [user('alice@contoso.com')]),
  ],
};

describe('authorize', () => {
  it('grants through a ClusterRoleBinding to a group the user is in', () => {
    const d = authorize(rbac, alice, { ...get('nodes'), verb: 'list' });
    expect(d.allowed).toBe(true);
    expect(d.grants).toHaveLength(1);
    expect(d.grants[0]).toMatchObject({ binding: { kind: 'ClusterRoleBinding', name: 'devs-read-nodes' }, subject: { kind: 'Group', name: 'oidc:devs' }, role: { kind: 'ClusterRole', name: 'node-reader' } });
  });

  it('a RoleBinding to a ClusterRole grants inside its namespace only', () => {
    expect(authorize(rbac, alice, get('pods', 'team-a')).allowed).toBe(true);
    const elsewhere = authorize(rbac, alice, get('pods', 'team-b'));
    expect(elsewhere.allowed).toBe(false);
    expect(elsewhere.nearMisses[0]).toMatchObject({ binding: { name: 'alice-pods', namespace: 'team-a' }, reasons: [{ dimension: 'namespace' }] });
    expect(elsewhere.nearMisses[0].reasons[0].detail).toBe('the RoleBinding grants it in namespace team-a, not in team-b');
  });

  it('a RoleBinding never grants a cluster-wide request', () => {
    const d = authorize(rbac, alice, { ...get('pods'), verb: 'list' });
    expect(d.allowed).toBe(false);
    expect(d.nearMisses[0].reasons[0].detail).toContain('this request is cluster-wide');
  });

  it('honours resourceNames', () => {
    expect(authorize(rbac, alice, get('secrets', 'team-a', { name: 'db' })).allowed).toBe(true);
    const other = authorize(rbac, alice, get('secrets', 'team-a', { name: 'api' }));
    expect(other.allowed).toBe(false);
    expect(other.nearMisses[0].reasons).toEqual([{ dimension: 'resourceName', detail: 'the rule is limited to names db, not "api"' }]);
  });

  it('grants non-resource URLs through ClusterRoleBindings, with * suffixes', () => {
    expect(authorize(rbac, alice, { kind: 'nonResource', verb: 'get', path: '/livez/etcd' }).allowed).toBe(true);
    expect(authorize(rbac, alice, { kind: 'nonResource', verb: 'get', path: '/metrics' }).allowed).toBe(false);
  });

  it('denied because the binding names a group the user is not in', () => {
    const d = authorize(rbac, alice, { kind: 'resource', verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'team-a', name: 'web' });
    expect(d.allowed).toBe(false);
    const groupMiss = d.nearMisses.find((m) => m.binding.name === 'ops-deploy');
    expect(groupMiss?.reasons).toEqual([{ dimension: 'subject', detail: 'it is bound to Group "oidc:ops", which you are not in' }]);
  });

  it('matches a ServiceAccount subject without namespace in the binding namespace', () => {
    const ci = serviceAccountUser('team-a', 'ci');
    expect(authorize(rbac, ci, { kind: 'resource', verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'team-a' }).allowed).toBe(true);
    const otherNs = serviceAccountUser('team-b', 'ci');
    expect(authorize(rbac, otherNs, { kind: 'resource', verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'team-a' }).allowed).toBe(false);
  });

  it('service accounts get system:serviceaccounts groups', () => {
    const objects: RbacObjects = {
      roles: [clusterRole('view-cm', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }])],
      roleBindings: [rb('apps', 'all-sa-in-apps', { kind: 'ClusterRole', name: 'view-cm' }, [group('system:serviceaccounts:apps')])],
    };
    expect(authorize(objects, serviceAccountUser('apps', 'web'), get('configmaps', 'apps')).allowed).toBe(true);
    expect(authorize(objects, serviceAccountUser('other', 'web'), get('configmaps', 'apps')).allowed).toBe(false);
    expect(authorize(objects, alice, get('configmaps', 'apps')).allowed).toBe(false);
  });

  it('system:masters bypasses RBAC', () => {
    const d = authorize({ roles: [], roleBindings: [] }, { username: 'admin', groups: ['system:masters'] }, get('secrets', 'kube-system'));
    expect(d.allowed).toBe(true);
    expect(d.grants[0].note).toContain('bypass authorization');
  });

  it('reports a binding whose role does not exist', () => {
    const d = authorize(rbac, alice, get('pods', 'team-b'));
    expect(d.nearMisses.some((m) => m.binding.name === 'dangling' && m.reasons[0].dimension === 'roleMissing')).toBe(true);
  });

  it('lists every grant, not only the first', () => {
    const objects: RbacObjects = {
      roles: [clusterRole('a', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), clusterRole('b', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])],
      roleBindings: [crb('one', 'a', [user('alice@contoso.com')]), crb('two', 'b', [group('oidc:devs')])],
    };
    expect(authorize(objects, alice, get('pods', 'x')).grants.map((g) => g.binding.name)).toEqual(['one', 'two']);
  });

  it('does not offer unrelated rules as near misses', () => {
    const d = authorize(rbac, alice, get('configmaps', 'team-a'));
    expect(d.allowed).toBe(false);
    expect(d.nearMisses.filter((m) => m.rule)).toEqual([]);
  });

  it('shows only the closest misses, catch-all rules last, at most five', () => {
    const roles = [clusterRole('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), clusterRole('admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])];
    const roleBindings = [
      crb('admins', 'admin', [group('system:masters')]),
      ...Array.from({ length: 12 }, (_, i) => rb(`ns${i}`, `b${i}`, { kind: 'ClusterRole', name: 'r' }, [group(i === 7 ? 'oidc:devs' : 'other')])),
      rb('target', 'others', { kind: 'ClusterRole', name: 'r' }, [group('other')]),
    ];
    const d = authorize({ roles, roleBindings }, alice, get('pods', 'target'));
    // b7 (other namespace) and "others" (other group) are one change away; the rest are two and left out
    expect(d.nearMisses.map((m) => m.binding.name)).toEqual(['b7', 'others', 'admins']);

    const many = Array.from({ length: 8 }, (_, i) => rb('target', `g${i}`, { kind: 'ClusterRole', name: 'r' }, [group(`other${i}`)]));
    expect(authorize({ roles, roleBindings: many }, alice, get('pods', 'target')).nearMisses).toHaveLength(5);
  });
});
