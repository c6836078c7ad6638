// Every binding that names a user, with the role it gives and what that role allows in one line.
import type { Subject } from '../model/k8s.js';
import { bindingRef, rulesOfBinding } from './roles.js';
import { matchingSubjects } from './subjects.js';
import { summarizeRules } from './summary.js';
import type { EffectiveRule, ObjectRef, RbacObjects, UserInfo } from './types.js';

export interface BoundRole {
  binding: ObjectRef;
  /** the subjects of the binding that named the user (a username, a group, a service account) */
  subjects: Subject[];
  role: ObjectRef;
  roleFound: boolean;
  rules: EffectiveRule[];
  summary: string;
}

export function bindingsForUser(rbac: RbacObjects, user: UserInfo): BoundRole[] {
  const bound: BoundRole[] = [];
  for (const binding of rbac.roleBindings) {
    const subjects = matchingSubjects(binding, user);
    if (subjects.length === 0) continue;
    const { role, rules } = rulesOfBinding(rbac, binding);
    bound.push({
      binding: bindingRef(binding),
      subjects,
      role,
      roleFound: !!rules,
      rules: rules ?? [],
      summary: rules ? summarizeRules(rules.map((r) => r.rule)) : `${role.kind} ${role.name} does not exist`,
    });
  }
  // Cluster-wide first, then by namespace and name: the order a reader scans for "what can I do everywhere".
  const key = (b: BoundRole) => `${b.binding.kind === 'ClusterRoleBinding' ? 0 : 1}\u0000${b.binding.namespace ?? ''}\u0000${b.binding.name}`;
  return bound.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
