// Policy objects beyond NetworkPolicy → the tiers the engine walks, plus everything that was read but
// is not evaluated (never dropped silently: each entry says which pods it may select).
import type { PolicyObject, UnreadableList } from '../../model/k8s.js';
import { byPriority, emptyTiers, type CalicoTier, type TieredPolicies } from '../tiers.js';
import type { NotEvaluated, PodView } from '../types.js';
import { compileAdminPolicy } from './admin.js';
import { compileCalicoPolicy, type CalicoCompiled } from './calico.js';
import { parseCalicoSelector } from './calico-selector.js';
import { compileCiliumPolicy, type CiliumCompiled } from './cilium.js';
import type { Labels } from '../../model/selectors.js';
import { ShapeError, mapAt, optionalNumber, shape, type Compiled, type CompiledExtraPolicy } from './common.js';
import { POLICY_KINDS, isCalicoTier, isPolicyLike, policyKindOf, policyTitle, type PolicyFamily } from './index.js';

export interface NotEvaluatedEntry extends NotEvaluated {
  /** could it select this pod? (unknown kinds: any pod in its namespace, or any pod when cluster-scoped) */
  maySelect(pod: PodView): boolean;
}

export interface ExtraCompilation {
  tiers: TieredPolicies;
  notEvaluated: NotEvaluatedEntry[];
  /**
   * objects (and unreadable lists) of kinds the chosen engine does not enforce: named, never "cannot tell";
   * maySelect says which pods they would select were they enforced (whoami --as-pod names only those)
   */
  ignored: NotEvaluatedEntry[];
}

export interface CompileOptions {
  /** why a family is not enforced here (the engine does not implement it), or undefined when it is */
  notEnforced?: (family: PolicyFamily) => string | undefined;
}

type AnyCompiled = { admin: CompiledExtraPolicy } | { cilium: CiliumCompiled } | { calico: CalicoCompiled };

/** Compiles one evaluated kind; undefined for kinds this version does not evaluate. */
function compileOne(object: PolicyObject, family: PolicyFamily): Compiled<AnyCompiled> | undefined {
  const wrap = <T>(c: Compiled<T>, f: (p: T) => AnyCompiled): Compiled<AnyCompiled> => ('problem' in c ? c : { policy: f(c.policy) });
  switch (family) {
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy':
    case 'ClusterNetworkPolicy':
      return wrap(compileAdminPolicy(object), (admin) => ({ admin }));
    case 'CiliumNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy':
      return wrap(compileCiliumPolicy(object), (cilium) => ({ cilium }));
    case 'CalicoNetworkPolicy':
    case 'CalicoGlobalNetworkPolicy':
      return wrap(compileCalicoPolicy(object), (calico) => ({ calico }));
    default:
      return undefined;
  }
}

/** Why a policy object is malformed, the way manifests refuse it; undefined when it compiles (or is not evaluated). */
export function policyObjectProblem(object: PolicyObject): string | undefined {
  if (isCalicoTier(object.apiVersion, object.kind)) {
    const tier = compileTier(object);
    return 'problem' in tier ? tier.problem : undefined;
  }
  const kind = policyKindOf(object.apiVersion, object.kind);
  if (!kind) return undefined;
  const compiled = compileOne(object, kind.family);
  return compiled && 'problem' in compiled ? compiled.problem : undefined;
}

/** Calico's default tier order when no Tier object says otherwise (DefaultTierOrder in Calico's API). */
export const CALICO_DEFAULT_TIER_ORDER = 1_000_000;

interface TierInfo {
  /** undefined: no order, applied last */
  order?: number;
  defaultAction: 'Deny' | 'Pass';
}

function compileTier(object: PolicyObject): Compiled<TierInfo> {
  try {
    const spec = mapAt(object.spec, 'spec');
    const order = optionalNumber(spec.order, 'spec.order');
    const action = spec.defaultAction ?? 'Deny';
    if (action !== 'Deny' && action !== 'Pass') throw new ShapeError(`spec.defaultAction: expected Deny or Pass, found ${shape(action)}`);
    return { policy: { order, defaultAction: action } };
  } catch (err) {
    if (err instanceof ShapeError) return { problem: err.message };
    throw err;
  }
}

/**
 * Calico's tiers in evaluation order: ascending order, no order last, ties by name (Calico's Tier
 * reference). The default tier is at CALICO_DEFAULT_TIER_ORDER unless its Tier object says otherwise; a
 * tier whose Tier object was not read has no known place and goes last, marked.
 */
function orderTiers(policies: CompiledExtraPolicy[], tierObjects: Map<string, TierInfo>): CalicoTier[] {
  const names = [...new Set(['default', ...policies.map((p) => p.tier ?? 'default')])];
  const tiers = names.map((name): CalicoTier => {
    const info = tierObjects.get(name) ?? (name === 'default' ? { order: CALICO_DEFAULT_TIER_ORDER, defaultAction: 'Deny' as const } : undefined);
    const own = policies.filter((p) => (p.tier ?? 'default') === name).sort(byPriority);
    return info ? { name, order: info.order, ...(info.defaultAction === 'Pass' ? { defaultAction: 'Pass' as const } : {}), policies: own } : { name, orderUnknown: true, policies: own };
  });
  const rank = (t: CalicoTier) => (t.orderUnknown ? Number.POSITIVE_INFINITY : (t.order ?? Number.MAX_VALUE));
  return tiers.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function scopeOf(namespace: string | undefined): (pod: PodView) => boolean {
  return namespace ? (pod) => pod.namespace === namespace : () => true;
}

/**
 * Which pods a policy the engine ignores would select were it enforced, compiled when first asked (most
 * ignored policies are never asked about); one that cannot be compiled may select anything in its scope.
 */
function wouldSelect(object: PolicyObject, family: PolicyFamily, namespaceLabelsOf: (namespace: string) => Labels): (pod: PodView) => boolean {
  let selects: ((pod: PodView) => boolean) | undefined;
  return (pod) => {
    if (!selects) {
      const compiled = compileOne(object, family);
      if (!compiled || 'problem' in compiled) selects = scopeOf(object.metadata.namespace);
      else {
        const c = compiled.policy;
        const policies = 'admin' in c ? [c.admin] : 'calico' in c ? [c.calico.policy] : [...c.cilium.deny, ...c.cilium.allow];
        const host = 'cilium' in c && c.cilium.hostPolicies.length > 0;
        selects = (p) => (host && p.hostNetwork) || policies.some((policy) => policy.selects(p, namespaceLabelsOf(p.namespace)));
      }
    }
    return selects(pod);
  };
}

export function compileExtras(objects: PolicyObject[], unreadable: UnreadableList[], options: CompileOptions = {}, namespaceLabelsOf: (namespace: string) => Labels = (ns) => ({ 'kubernetes.io/metadata.name': ns })): ExtraCompilation {
  const tiers = emptyTiers();
  const calicoPolicies: CompiledExtraPolicy[] = [];
  const notEvaluated: NotEvaluatedEntry[] = [];
  const ignored: NotEvaluatedEntry[] = [];
  const tierObjects = new Map<string, TierInfo>();
  for (const object of objects.filter((o) => isCalicoTier(o.apiVersion, o.kind))) {
    const tier = compileTier(object);
    // a Tier that cannot be read leaves its policies without a known place, as one not read at all
    if ('policy' in tier) tierObjects.set(object.metadata.name, tier.policy);
  }
  for (const object of objects) {
    if (isCalicoTier(object.apiVersion, object.kind)) continue;
    const title = policyTitle(object);
    const kind = policyKindOf(object.apiVersion, object.kind);
    if (!kind) {
      if (isPolicyLike(object.apiVersion, object.kind)) {
        notEvaluated.push({ object: title, reason: `kubectl-np does not evaluate ${object.kind} (${object.apiVersion})`, maySelect: scopeOf(object.metadata.namespace) });
      }
      continue;
    }
    const why = options.notEnforced?.(kind.family);
    if (why) {
      ignored.push({ object: title, reason: `not enforced: ${why}`, maySelect: wouldSelect(object, kind.family, namespaceLabelsOf) });
      continue;
    }
    const compiled = compileOne(object, kind.family);
    if (!compiled) {
      notEvaluated.push({ object: title, reason: `kubectl-np does not evaluate ${kind.family} yet`, maySelect: scopeOf(object.metadata.namespace) });
      continue;
    }
    if ('problem' in compiled) {
      notEvaluated.push({ object: title, reason: `cannot read it: ${compiled.problem}`, maySelect: scopeOf(object.metadata.namespace) });
      continue;
    }
    const compiledPolicy = compiled.policy;
    if ('admin' in compiledPolicy) {
      const policy = compiledPolicy.admin;
      if (policy.tier === 'admin') tiers.admin.push(policy);
      else if (policy.tier === 'baseline') tiers.baseline.push(policy);
    } else if ('calico' in compiledPolicy) {
      const { policy, notModelled } = compiledPolicy.calico;
      const saSelector = (object.spec as { serviceAccountSelector?: unknown } | undefined)?.serviceAccountSelector;
      if (notModelled.length > 0) {
        notEvaluated.push({ object: title, reason: `${notModelled.join(', ')} ${notModelled.length === 1 ? 'is' : 'are'} not modelled`, maySelect: (pod) => policy.selects(pod, namespaceLabelsOf(pod.namespace)) });
      } else if (typeof saSelector === 'string' && parseCalicoSelector(saSelector).keys.some((k) => k !== 'projectcalico.org/name')) {
        // only a service account's name is known (projectcalico.org/name), not its labels
        notEvaluated.push({ object: title, reason: 'its serviceAccountSelector reads service account labels, which are not read', maySelect: scopeOf(object.metadata.namespace) });
      } else {
        calicoPolicies.push(policy);
      }
    } else {
      tiers.ciliumDeny.push(...compiledPolicy.cilium.deny);
      tiers.ciliumAllow.push(...compiledPolicy.cilium.allow);
      for (const what of compiledPolicy.cilium.hostPolicies) {
        notEvaluated.push({ object: what, reason: 'host policies are not modelled; they govern host-networked pods', maySelect: (pod) => pod.hostNetwork });
      }
    }
  }
  tiers.admin.sort(byPriority);
  tiers.baseline.sort(byPriority);
  if (calicoPolicies.length > 0) tiers.calico = orderTiers(calicoPolicies, tierObjects);
  // a list of policies the reader could not read may hold policies selecting anything in its scope
  for (const list of unreadable) {
    const kind = POLICY_KINDS.find((k) => list.resource === `${k.resource}.${k.group}`);
    if (!kind) continue;
    const why = options.notEnforced?.(kind.family);
    if (why) {
      ignored.push({ object: `${list.resource}${list.namespace ? ` in namespace ${list.namespace}` : ''}`, reason: `not read (you may not list them), and not enforced: ${why}`, maySelect: scopeOf(list.namespace) });
      continue;
    }
    notEvaluated.push({
      object: `${list.resource}${list.namespace ? ` in namespace ${list.namespace}` : ''}`,
      reason: 'you may not list them',
      maySelect: scopeOf(list.namespace),
    });
  }
  return { tiers, notEvaluated, ignored };
}
