// `who-can`: every subject some binding lets do a request, with the binding → role → rule chain.
// The reverse of authorize(): RBAC alone (a webhook authorizer may allow more; callers say so), and
// system:masters, which bypasses RBAC, is always among the answers.
import type { PolicyRule, Subject } from '../model/k8s.js';
import { bindingRef, rulesOfBinding } from './roles.js';
import { ruleAllows } from './rules.js';
import { SUPERUSER_GROUP } from './subjects.js';
import type { AccessRequest, ObjectRef, RbacObjects } from './types.js';

export interface WhoCanEntry {
  subject: Subject;
  binding: ObjectRef;
  role: ObjectRef;
  rule: PolicyRule;
  aggregatedFrom?: string;
}

/** Does a binding apply to the request at all? RoleBindings only inside their namespace. */
function inScope(binding: ObjectRef, request: AccessRequest): boolean {
  if (binding.kind === 'ClusterRoleBinding') return true;
  return request.kind === 'resource' && !!request.namespace && binding.namespace === request.namespace;
}

export function whoCan(rbac: RbacObjects, request: AccessRequest): WhoCanEntry[] {
  const entries: WhoCanEntry[] = [];
  for (const binding of rbac.roleBindings) {
    const ref = bindingRef(binding);
    if (!inScope(ref, request) || !binding.subjects?.length) continue;
    const { role, rules } = rulesOfBinding(rbac, binding);
    const granting = rules?.find((r) => ruleAllows(r.rule, request));
    if (!granting) continue;
    for (const subject of binding.subjects) {
      // a ServiceAccount subject without a namespace means the binding's own
      const s = subject.kind === 'ServiceAccount' && !subject.namespace && ref.namespace ? { ...subject, namespace: ref.namespace } : subject;
      entries.push({ subject: s, binding: ref, role, rule: granting.rule, ...(granting.origin.name !== role.name ? { aggregatedFrom: granting.origin.name } : {}) });
    }
  }
  const kindOrder = { User: 0, Group: 1, ServiceAccount: 2 } as const;
  const key = (e: WhoCanEntry) => `${kindOrder[e.subject.kind] ?? 3}\u0000${e.subject.namespace ?? ''}\u0000${e.subject.name}\u0000${e.binding.kind}\u0000${e.binding.namespace ?? ''}\u0000${e.binding.name}`;
  return entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export { SUPERUSER_GROUP };
