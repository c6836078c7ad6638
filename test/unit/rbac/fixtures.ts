// Small builders so each test reads as the RBAC objects it is about.
import type { PolicyRule, Role, RoleBinding, Subject } from '../../../src/model/k8s.js';

export const clusterRole = (name: string, rules: PolicyRule[], extra: Partial<Role> = {}, labels?: Record<string, string>): Role => ({
  kind: 'ClusterRole',
  metadata: { name, ...(labels ? { labels } : {}) },
  rules,
  ...extra,
});

export const role = (namespace: string, name: string, rules: PolicyRule[]): Role => ({
  kind: 'Role',
  metadata: { name, namespace },
  rules,
});

export const user = (name: string): Subject => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
export const group = (name: string): Subject => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
export const sa = (name: string, namespace?: string): Subject => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });

export const crb = (name: string, roleName: string, subjects: Subject[]): RoleBinding => ({
  kind: 'ClusterRoleBinding',
  metadata: { name },
  subjects,
  roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: 'rbac.authorization.k8s.io' },
});

export const rb = (namespace: string, name: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: Subject[]): RoleBinding => ({
  kind: 'RoleBinding',
  metadata: { name, namespace },
  subjects,
  roleRef: { ...roleRef, apiGroup: 'rbac.authorization.k8s.io' },
});
