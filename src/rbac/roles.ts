// Resolving a binding's roleRef to the rules it grants, including ClusterRole aggregation.
// A live cluster's aggregation controller has already copied aggregated rules into the role (replacing
// the role's own); a role read from manifests has only its aggregationRule. Both give the same effective
// rules here, and each
// rule remembers which role wrote it so explanations can say "aggregated from edit".
import type { PolicyRule, Role, RoleBinding } from '../model/k8s.js';
import { selectorMatches } from '../model/selectors.js';
import type { EffectiveRule, ObjectRef, RbacObjects } from './types.js';

export function roleRefOf(binding: RoleBinding): ObjectRef {
  const { kind, name } = binding.roleRef;
  return kind === 'Role' ? { kind, name, namespace: binding.metadata.namespace } : { kind, name };
}

export function bindingRef(binding: RoleBinding): ObjectRef {
  return binding.kind === 'RoleBinding'
    ? { kind: binding.kind, name: binding.metadata.name, namespace: binding.metadata.namespace }
    : { kind: binding.kind, name: binding.metadata.name };
}

export function findRole(rbac: RbacObjects, ref: ObjectRef): Role | undefined {
  return rbac.roles.find(
    (r) => r.kind === ref.kind && r.metadata.name === ref.name && (ref.kind === 'ClusterRole' || r.metadata.namespace === ref.namespace),
  );
}

const ruleKey = (rule: PolicyRule) =>
  JSON.stringify([rule.apiGroups ?? [], rule.resources ?? [], rule.verbs, rule.resourceNames ?? [], rule.nonResourceURLs ?? []]);

function refOf(role: Role): ObjectRef {
  return role.kind === 'Role' ? { kind: 'Role', name: role.metadata.name, namespace: role.metadata.namespace } : { kind: 'ClusterRole', name: role.metadata.name };
}

export function effectiveRules(rbac: RbacObjects, role: Role, visiting: Set<string> = new Set()): EffectiveRule[] {
  const selectors = role.kind === 'ClusterRole' ? role.aggregationRule?.clusterRoleSelectors : undefined;
  const own = (role.rules ?? []).map((rule) => ({ rule, origin: refOf(role) }));
  if (!selectors || selectors.length === 0) return own;

  visiting.add(role.metadata.name);
  const aggregated = new Map<string, EffectiveRule>();
  for (const source of rbac.roles) {
    if (source.kind !== 'ClusterRole' || visiting.has(source.metadata.name)) continue;
    if (!selectors.some((sel) => selectorMatches(sel, source.metadata.labels))) continue;
    for (const eff of effectiveRules(rbac, source, visiting)) {
      const key = ruleKey(eff.rule);
      if (!aggregated.has(key)) aggregated.set(key, eff);
    }
  }
  visiting.delete(role.metadata.name);
  // The aggregation controller replaces the role's rules with the selected roles' rules, and leaves
  // them alone when those give none (selectors that match nothing, or only empty roles).
  if (aggregated.size === 0) return own;
  // Rules the controller already copied in keep their order but are attributed to the role they came from.
  const result: EffectiveRule[] = [];
  const seen = new Set<string>();
  for (const eff of own) {
    const key = ruleKey(eff.rule);
    const source = aggregated.get(key);
    if (!source || seen.has(key)) continue;
    seen.add(key);
    result.push(source);
  }
  for (const [key, eff] of aggregated) if (!seen.has(key)) result.push(eff);
  return result;
}

/** The rules a binding grants, or undefined when its role does not exist. */
export function rulesOfBinding(rbac: RbacObjects, binding: RoleBinding): { role: ObjectRef; rules?: EffectiveRule[] } {
  const role = roleRefOf(binding);
  // A ClusterRoleBinding may only reference a ClusterRole; the API server rejects anything else.
  if (binding.kind === 'ClusterRoleBinding' && role.kind !== 'ClusterRole') return { role };
  const found = findRole(rbac, role);
  return { role, rules: found ? effectiveRules(rbac, found) : undefined };
}
