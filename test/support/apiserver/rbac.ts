// TEST DOUBLE of kube-apiserver — a small RBAC authorizer, written independently of src/rbac on
// purpose: integration tests compare kubectl-np's RBAC reasoning against this second implementation,
// so it must never import from src/. It follows k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac:
// ClusterRoleBindings apply everywhere, RoleBindings only in their namespace (also when they point at a
// ClusterRole), rules match verbs/apiGroups/resources(+subresources)/resourceNames or nonResourceURLs
// with `*` wildcards. Aggregated ClusterRoles are authorized by the rules stored in them, which the
// store fills in as kube-controller-manager's clusterrole-aggregation controller does.
import type { ObjectStore, StoredObject } from './store.js';

export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * What is being asked, as in SubjectAccessReview: a resource request (`resource` set) or a
 * non-resource request (`path` set, e.g. "/version").
 */
export interface ResourceAttributes {
  verb: string;
  namespace?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  path?: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}

function asBinding(o: StoredObject): Binding {
  return {
    kind: o.kind as Binding['kind'],
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    roleRef: o.roleRef as Binding['roleRef'],
    subjects: (o.subjects as Binding['subjects']) ?? [],
  };
}

function subjectMatches(subject: Binding['subjects'][number], user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return !!ns && user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

const has = (list: string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

function resourceMatches(rule: Rule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

function nonResourceURLMatches(rule: Rule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(rule: Rule, attrs: ResourceAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (attrs.resource === undefined || attrs.resource === '') {
    return nonResourceURLMatches(rule, attrs.path ?? '');
  }
  if (!has(rule.apiGroups, attrs.group ?? '')) return false;
  if (!resourceMatches(rule, attrs.resource, attrs.subresource ?? '')) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) return !!attrs.name && rule.resourceNames.includes(attrs.name);
  return true;
}

/** A ClusterRole's rules as stored: aggregation is the controller's job (store.ts does it on load), not the authorizer's. */
function clusterRoleRules(store: ObjectStore, name: string): Rule[] | undefined {
  const role = store.ofKind('ClusterRole').find((r) => r.metadata.name === name);
  return role ? ((role.rules as Rule[] | null | undefined) ?? []) : undefined;
}

function roleRules(store: ObjectStore, binding: Binding): Rule[] | undefined {
  if (binding.roleRef.kind === 'ClusterRole') return clusterRoleRules(store, binding.roleRef.name);
  const role = store.ofKind('Role').find((r) => r.metadata.name === binding.roleRef.name && r.metadata.namespace === binding.namespace);
  return role ? ((role.rules as Rule[] | null | undefined) ?? []) : undefined;
}

/** Bindings that apply to `user` for a request in `namespace` ('' = cluster scope), in the order kube visits them. */
function applicableBindings(store: ObjectStore, user: UserInfo, namespace: string): { binding: Binding; subject: Binding['subjects'][number] }[] {
  const out: { binding: Binding; subject: Binding['subjects'][number] }[] = [];
  const visit = (objs: StoredObject[]) => {
    for (const o of objs) {
      const binding = asBinding(o);
      const subject = binding.subjects.find((s) => subjectMatches(s, user, binding.namespace));
      if (subject) out.push({ binding, subject });
    }
  };
  visit(store.ofKind('ClusterRoleBinding'));
  if (namespace) visit(store.ofKind('RoleBinding').filter((o) => o.metadata.namespace === namespace));
  return out;
}

export function rbacAuthorize(store: ObjectStore, user: UserInfo, attrs: ResourceAttributes): Decision {
  const isResource = !!attrs.resource;
  for (const { binding, subject } of applicableBindings(store, user, isResource ? attrs.namespace ?? '' : '')) {
    const rules = roleRules(store, binding);
    if (!rules?.some((r) => ruleAllows(r, attrs))) continue;
    const bindingName = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
    const subjectName = subject.kind === 'ServiceAccount' ? `${subject.namespace || binding.namespace}/${subject.name}` : subject.name;
    return { allowed: true, reason: `RBAC: allowed by ${binding.kind} "${bindingName}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${subject.kind} "${subjectName}"` };
  }
  return { allowed: false, reason: '' };
}

/** What SelfSubjectRulesReview reports for RBAC: every rule that applies in `namespace`, unmerged. */
export function rbacRulesFor(store: ObjectStore, user: UserInfo, namespace: string): { resourceRules: Rule[]; nonResourceRules: Rule[] } {
  const resourceRules: Rule[] = [];
  const nonResourceRules: Rule[] = [];
  for (const { binding } of applicableBindings(store, user, namespace)) {
    for (const r of roleRules(store, binding) ?? []) {
      if (r.nonResourceURLs && r.nonResourceURLs.length > 0) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      if (r.resources && r.resources.length > 0) {
        resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
      }
    }
  }
  return { resourceRules, nonResourceRules };
}
