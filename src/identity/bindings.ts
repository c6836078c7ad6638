// The bindings that name an identity, as whoami reports them (JSON-stable: plain refs and rules).
import type { PolicyRule } from '../model/k8s.js';
import { bindingsForUser, type BoundRole } from '../rbac/bindings.js';
import type { ObjectRef, RbacObjects, UserInfo } from '../rbac/types.js';

export interface WhoamiBinding {
  binding: ObjectRef;
  /** how the binding names you: User "x", Group "y", ServiceAccount ns/name */
  via: { kind: string; name: string; namespace?: string }[];
  role: ObjectRef;
  roleFound: boolean;
  summary: string;
  rules: (PolicyRule & { aggregatedFrom?: string })[];
}

function toWhoamiBinding(b: BoundRole): WhoamiBinding {
  return {
    binding: b.binding,
    via: b.subjects.map((s) => ({ kind: s.kind, name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}) })),
    role: b.role,
    roleFound: b.roleFound,
    summary: b.summary,
    rules: b.rules.map((r) => (r.origin.name !== b.role.name ? { ...r.rule, aggregatedFrom: r.origin.name } : r.rule)),
  };
}

export function bindingsReport(rbac: RbacObjects, user: UserInfo): WhoamiBinding[] {
  return bindingsForUser(rbac, user).map(toWhoamiBinding);
}
