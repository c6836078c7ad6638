import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../../src/model/k8s.js';
import { bindingsForUser } from '../../../src/rbac/bindings.js';
import { summarizeRule, summarizeRules } from '../../../src/rbac/summary.js';
import { clusterRole, crb, group, rb, role, user } from './fixtures.js';

describe('summarizeRule', () => {
  const cases: [PolicyRule, string][] = [
    [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }, 'get, list, watch pods, services'],
    [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }, 'all verbs on deployments (apps)'],
    [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'everything: all verbs on all resources in all API groups'],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db', 'api'] }, 'get secrets named db, api'],
    [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['get'] }, 'get all resources (core, apps)'],
    [{ apiGroups: ['*'], resources: ['pods/portforward'], verbs: ['create'] }, 'create pods/portforward in all API groups'],
    [{ nonResourceURLs: ['/healthz', '/version'], verbs: ['get'] }, 'get URLs /healthz, /version'],
    [{ nonResourceURLs: ['*'], verbs: ['*'] }, 'all verbs on all non-resource URLs'],
  ];
  it.each(cases)('%j → %s', (rule, text) => expect(summarizeRule(rule)).toBe(text));

  it('keeps long roles to one line', () => {
    const rules = Array.from({ length: 5 }, (_, i) => ({ apiGroups: [''], resources: [`r${i}`], verbs: ['get'] }));
    expect(summarizeRules(rules)).toBe('get r0; get r1; get r2; +2 more rules');
    expect(summarizeRules([])).toBe('no rules');
  });
});

describe('bindingsForUser', () => {
  it('lists the bindings naming the user or a group, cluster-wide first, with a summary', () => {
    const rbac = {
      roles: [clusterRole('view', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]), role('b', 'r', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])],
      roleBindings: [
        rb('b', 'mine-in-b', { kind: 'Role', name: 'r' }, [user('alice')]),
        rb('a', 'group-in-a', { kind: 'ClusterRole', name: 'view' }, [group('devs')]),
        crb('everyone', 'view', [group('system:authenticated')]),
        crb('not-me', 'view', [user('bob')]),
        crb('missing', 'nope', [user('alice')]),
      ],
    };
    const bound = bindingsForUser(rbac, { username: 'alice', groups: ['devs', 'system:authenticated'] });
    expect(bound.map((b) => [b.binding.kind, b.binding.name])).toEqual([
      ['ClusterRoleBinding', 'everyone'],
      ['ClusterRoleBinding', 'missing'],
      ['RoleBinding', 'group-in-a'],
      ['RoleBinding', 'mine-in-b'],
    ]);
    expect(bound[0]).toMatchObject({ subjects: [{ kind: 'Group', name: 'system:authenticated' }], summary: 'get, list pods' });
    expect(bound[1]).toMatchObject({ roleFound: false, summary: 'ClusterRole nope does not exist' });
    expect(bound[3]).toMatchObject({ role: { kind: 'Role', name: 'r', namespace: 'b' }, summary: 'get secrets' });
  });
});
