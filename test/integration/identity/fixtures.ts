// RBAC fixtures shared by the identity/RBAC integration tests: a small shop cluster.
const rbacApi = 'rbac.authorization.k8s.io/v1';
const g = (name: string) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
const u = (name: string) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });

export const ADMINS = '0b5c1d6e-0000-4000-8000-00000000a001';
export const DEVS = '0b5c1d6e-0000-4000-8000-00000000a002';

export function shopObjects(groupPrefix = ''): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'view-pods' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log', 'services'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'debugger' }, rules: [{ apiGroups: [''], resources: ['pods/portforward', 'pods/exec'], verbs: ['create'] }, { apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] }] },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }] },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-monitoring': 'true' } }] }, rules: [] },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'monitoring-endpoints', labels: { 'example.com/aggregate-to-monitoring': 'true' } }, rules: [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'list'] }, { nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }] },
    { apiVersion: rbacApi, kind: 'Role', metadata: { name: 'deployer', namespace: 'shop' }, rules: [{ apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'update', 'patch'] }] },
    { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: 'devs-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view-pods' }, subjects: [g(`${groupPrefix}${DEVS}`)] },
    { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: 'admins-monitoring' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring' }, subjects: [g(`${groupPrefix}${ADMINS}`)] },
    { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: 'devs-debug', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'debugger' }, subjects: [g(`${groupPrefix}${DEVS}`)] },
    { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: 'admins-debug', namespace: 'payments' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'debugger' }, subjects: [g(`${groupPrefix}${ADMINS}`)] },
    { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: 'alice-deployer', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [u('alice@contoso.example')] },
    { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: 'alice-db-secret', namespace: 'payments' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' }, subjects: [u('alice@contoso.example')] },
    { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: 'ci-deployer', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] },
    { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: 'all-sa-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view-pods' }, subjects: [g('system:serviceaccounts:shop')] },
  ];
}

/** A reader who may list RBAC objects (so explanations are complete) but nothing else. */
export function rbacReaderObjects(group: string): unknown[] {
  return [
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'rbac-reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: ['get', 'list'] }] },
    { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: 'rbac-readers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rbac-reader' }, subjects: [g(group)] },
  ];
}
