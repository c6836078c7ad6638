// The RBAC authorizer as a pure function: which bindings grant a request, and when none does, which
// ones came closest and why they fall short.
import type { PolicyRule, RoleBinding } from '../model/k8s.js';
import { apiGroupMatches, ruleAllows, ruleMismatches } from './rules.js';
import { bindingRef, rulesOfBinding } from './roles.js';
import { describeSubject, matchingSubjects, SUPERUSER_GROUP } from './subjects.js';
import type { AccessRequest, Decision, Grant, MissReason, NearMiss, RbacObjects, UserInfo } from './types.js';

export interface AuthorizeOptions {
  /** how many near misses to report for a denied request (default 5) */
  nearMissLimit?: number;
}

/** Misses further than this from a grant are noise ("a rule about secrets in another namespace for another group"). */
const MAX_MISS_DISTANCE = 2;

function requestNamespace(request: AccessRequest): string {
  return request.kind === 'resource' ? request.namespace ?? '' : '';
}

/** kube-apiserver consults ClusterRoleBindings for every request, RoleBindings only inside their namespace. */
function bindingInScope(binding: RoleBinding, request: AccessRequest): boolean {
  if (binding.kind === 'ClusterRoleBinding') return true;
  const ns = requestNamespace(request);
  return ns !== '' && ns === binding.metadata.namespace;
}

export function authorize(rbac: RbacObjects, user: UserInfo, request: AccessRequest, options: AuthorizeOptions = {}): Decision {
  const grants: Grant[] = [];
  if (user.groups.includes(SUPERUSER_GROUP)) {
    grants.push({
      binding: { kind: 'Group', name: SUPERUSER_GROUP },
      role: { kind: 'Superuser', name: 'all access' },
      note: `members of ${SUPERUSER_GROUP} bypass authorization entirely (no binding needed)`,
    });
  }
  for (const binding of rbac.roleBindings) {
    if (!bindingInScope(binding, request)) continue;
    const subjects = matchingSubjects(binding, user);
    if (subjects.length === 0) continue;
    const { role, rules } = rulesOfBinding(rbac, binding);
    for (const eff of rules ?? []) {
      if (!ruleAllows(eff.rule, request)) continue;
      grants.push({
        binding: bindingRef(binding),
        subject: subjects[0],
        role,
        rule: eff.rule,
        ...(eff.origin.name !== role.name || eff.origin.kind !== role.kind ? { aggregatedFrom: eff.origin.name } : {}),
      });
    }
  }
  const allowed = grants.length > 0;
  return { allowed, grants, nearMisses: allowed ? [] : nearMisses(rbac, user, request, options.nearMissLimit ?? 5) };
}

/** Is the rule about the thing requested at all (same API group and resource, ignoring subresource/verb/name)? */
function ruleIsAbout(rule: PolicyRule, request: AccessRequest): boolean {
  if (request.kind === 'nonResource') return (rule.nonResourceURLs ?? []).length > 0;
  if (!apiGroupMatches(rule, request.group)) return false;
  return (rule.resources ?? []).some((r) => {
    const [base] = r.split('/');
    return base === '*' || base === request.resource;
  });
}

function scopeReason(binding: RoleBinding, request: AccessRequest): MissReason | undefined {
  if (bindingInScope(binding, request)) return undefined;
  const where = binding.metadata.namespace;
  if (request.kind === 'nonResource') {
    return { dimension: 'namespace', detail: `non-resource URLs can only be granted by a ClusterRoleBinding, and this is a RoleBinding in namespace ${where}` };
  }
  return request.namespace
    ? { dimension: 'namespace', detail: `the RoleBinding grants it in namespace ${where}, not in ${request.namespace}` }
    : { dimension: 'namespace', detail: `the RoleBinding only grants access inside namespace ${where}; this request is cluster-wide` };
}

function subjectReason(binding: RoleBinding, user: UserInfo): MissReason | undefined {
  if (matchingSubjects(binding, user).length > 0) return undefined;
  const ns = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
  const subjects = binding.subjects ?? [];
  if (subjects.length === 0) return { dimension: 'subject', detail: 'the binding has no subjects' };
  const named = subjects.slice(0, 3).map((s) => describeSubject(s, ns));
  const more = subjects.length > 3 ? ` and ${subjects.length - 3} more` : '';
  const who = subjects.length === 1 && subjects[0].kind === 'Group' ? `${named[0]}, which you are not in` : `${named.join(', ')}${more} — you are none of them`;
  return { dimension: 'subject', detail: `it is bound to ${who}` };
}

function nearMisses(rbac: RbacObjects, user: UserInfo, request: AccessRequest, limit: number): NearMiss[] {
  const misses: NearMiss[] = [];
  for (const binding of rbac.roleBindings) {
    const context = [scopeReason(binding, request), subjectReason(binding, user)].filter((r): r is MissReason => !!r);
    const { role, rules } = rulesOfBinding(rbac, binding);
    if (!rules) {
      // A dangling roleRef is worth reporting when it is the only thing wrong with an applicable binding.
      if (context.length === 0) {
        misses.push({ binding: bindingRef(binding), role, reasons: [{ dimension: 'roleMissing', detail: `it refers to ${role.kind} ${role.name}, which does not exist` }] });
      }
      continue;
    }
    for (const { rule } of rules) {
      if (!ruleIsAbout(rule, request)) continue;
      const reasons = [...context, ...ruleMismatches(rule, request)];
      if (reasons.length === 0 || reasons.length > MAX_MISS_DISTANCE) continue;
      misses.push({ binding: bindingRef(binding), role, rule, reasons });
    }
  }
  // Closest first: once something is one change away, misses two changes away are noise. Among equals,
  // specific rules before catch-all ones (cluster-admin's `*` is "one group away" from every request),
  // and rule or namespace mismatches before who-is-bound ones.
  const closest = Math.min(...misses.map((m) => m.reasons.length));
  const catchAll = (m: NearMiss) => !!m.rule && (m.rule.resources ?? m.rule.nonResourceURLs ?? []).includes('*');
  const rank = (m: NearMiss) => (catchAll(m) ? 2 : 0) + (m.reasons.some((r) => r.dimension === 'subject') ? 1 : 0);
  return misses
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.reasons.length === closest)
    .sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i)
    .slice(0, limit)
    .map(({ m }) => m);
}
