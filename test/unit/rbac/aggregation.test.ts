import { describe, expect, it } from 'vitest';
import { authorize } from '../../../src/rbac/authorize.js';
import { effectiveRules } from '../../../src/rbac/roles.js';
import type { RbacObjects } from '../../../src/rbac/types.js';
import { clusterRole, crb, user } from './fixtures.js';

const aggregate = (name: string, labels: Record<string, string>, selectorLabels: Record<string, string>, rules: never[] = []) =>
  clusterRole(name, rules, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: selectorLabels }] } }, labels);

describe('ClusterRole aggregation', () => {
  const monitoring = clusterRole('monitoring-endpoints', [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get'] }], {}, { 'rbac.example.com/aggregate-to-monitoring': 'true' });
  const monitoringPods = clusterRole('monitoring-pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], {}, { 'rbac.example.com/aggregate-to-monitoring': 'true', 'rbac.example.com/aggregate-to-top': 'true' });
  const monitoringRole = aggregate('monitoring', { 'rbac.example.com/aggregate-to-top': 'true' }, { 'rbac.example.com/aggregate-to-monitoring': 'true' });
  const top = aggregate('top', {}, { 'rbac.example.com/aggregate-to-top': 'true' });
  const unrelated = clusterRole('unrelated', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
  const rbac: RbacObjects = {
    roles: [monitoring, monitoringPods, monitoringRole, top, unrelated],
    roleBindings: [crb('mon', 'monitoring', [user('u')]), crb('top', 'top', [user('t')])],
  };

  it('collects the rules of every selected ClusterRole, remembering where each came from', () => {
    const rules = effectiveRules(rbac, monitoringRole);
    expect(rules.map((r) => [r.origin.name, r.rule.resources?.[0]]).sort()).toEqual([
      ['monitoring-endpoints', 'endpoints'],
      ['monitoring-pods', 'pods'],
    ]);
  });

  it('follows nested aggregation without duplicating rules', () => {
    const rules = effectiveRules(rbac, top);
    expect(rules.map((r) => r.rule.resources?.[0]).sort()).toEqual(['endpoints', 'pods']);
  });

  it('attributes rules the controller already copied in to their source role', () => {
    const live = { ...monitoringRole, rules: [...monitoring.rules!, ...monitoringPods.rules!] };
    const rules = effectiveRules({ ...rbac, roles: [monitoring, monitoringPods, live] }, live);
    expect(rules).toHaveLength(2);
    expect(rules.map((r) => r.origin.name)).toEqual(['monitoring-endpoints', 'monitoring-pods']);
  });

  it('replaces the role\'s own rules when the selectors give rules, and keeps them when they give none, as the controller does', () => {
    const own = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] as never[];
    const replaced = aggregate('replaced', {}, { 'rbac.example.com/aggregate-to-monitoring': 'true' }, own);
    expect(effectiveRules({ ...rbac, roles: [...rbac.roles, replaced] }, replaced).map((r) => r.rule.resources?.[0]).sort()).toEqual(['endpoints', 'pods']);
    const nothing = aggregate('nothing', {}, { 'rbac.example.com/aggregate-to': 'nobody' }, own);
    expect(effectiveRules({ ...rbac, roles: [...rbac.roles, nothing] }, nothing).map((r) => r.rule.resources?.[0])).toEqual(['secrets']);
    const empty = clusterRole('empty-source', [], {}, { 'rbac.example.com/aggregate-to': 'empty' });
    const onlyEmpty = aggregate('only-empty', {}, { 'rbac.example.com/aggregate-to': 'empty' }, own);
    expect(effectiveRules({ roles: [empty, onlyEmpty], roleBindings: [] }, onlyEmpty).map((r) => r.rule.resources?.[0])).toEqual(['secrets']);
  });

  it('survives aggregation cycles', () => {
    const a = aggregate('a', { x: 'a' }, { x: 'b' });
    const b = clusterRole('b', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'a' } }] } }, { x: 'b' });
    expect(effectiveRules({ roles: [a, b], roleBindings: [] }, a).map((r) => r.rule.resources?.[0])).toEqual(['pods']);
  });

  it('the authorizer grants through aggregated rules and says so', () => {
    const d = authorize(rbac, { username: 'u', groups: [] }, { kind: 'resource', verb: 'get', group: '', resource: 'pods', namespace: 'x' });
    expect(d.allowed).toBe(true);
    expect(d.grants[0]).toMatchObject({ role: { name: 'monitoring' }, aggregatedFrom: 'monitoring-pods' });
  });

  it('matchExpressions select roles too', () => {
    const agg = clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }] } });
    const gold = clusterRole('gold', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }], {}, { tier: 'gold' });
    const silver = clusterRole('silver', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }], {}, { tier: 'silver' });
    expect(effectiveRules({ roles: [agg, gold, silver], roleBindings: [] }, agg).map((r) => r.origin.name)).toEqual(['gold']);
  });
});
