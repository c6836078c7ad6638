// One side of a connection through every evaluated policy kind, in the order the APIs define:
//   1. the admin tier (AdminNetworkPolicy, ClusterNetworkPolicy tier Admin) by ascending priority,
//      first matching rule; Allow and Deny are final, Pass hands over to step 3;
//   2. Cilium deny rules (ingressDeny/egressDeny): a match denies whatever allows it;
//   3. the allow lists: NetworkPolicy and Cilium allow rules, unioned — or, where Calico policies are
//      given, Calico's tiers with the NetworkPolicies (and Cilium allows) in tier "default" at order 1000;
//   4. the baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy tier Baseline), only when
//      nothing in step 3 selected the pod for this direction; then allowed.
// Pure; docs/network-policies.md cites the API documents behind each step.
import type { Labels } from '../model/selectors.js';
import type { Action, CompiledExtraPolicy, CompiledRule, Match, MatchContext } from './kinds/common.js';
import type { Direction, Peer, PodView, RuleRef, Traffic } from './types.js';

export interface CalicoTier {
  name: string;
  /** Tier.spec.order; undefined = none (applied last), or unknown when orderUnknown */
  order?: number;
  /** no Tier object of this name was read: its place among the tiers is not known */
  orderUnknown?: true;
  /** Tier.spec.defaultAction Pass: a selected endpoint no rule decided goes on to the next tier (default: Deny) */
  defaultAction?: 'Pass';
  policies: CompiledExtraPolicy[];
}

export interface TieredPolicies {
  admin: CompiledExtraPolicy[];
  baseline: CompiledExtraPolicy[];
  /** Cilium policies' deny rules and allow rules, split; a policy may be in both */
  ciliumDeny: CompiledExtraPolicy[];
  ciliumAllow: CompiledExtraPolicy[];
  /** Calico tiers in evaluation order; empty when no Calico policy was given */
  calico: CalicoTier[];
}

export interface SideOutcome {
  allowed: boolean;
  /** which step decided: admin, cilium-deny, network-policy, calico, baseline, or default (nothing selected) */
  stage: 'admin' | 'cilium-deny' | 'network-policy' | 'calico' | 'baseline' | 'default';
  decidedBy?: RuleRef;
  /** Pass rules met on the way */
  passed: RuleRef[];
  /** rules whose match cannot be decided statically and whose action would change this answer */
  undecided: string[];
  /** step 3 selected the pod for this direction */
  isolated: boolean;
  /** the Cilium allow policies that selected the pod (for the trace), with whether they allowed it */
  ciliumAllow: { policy: CompiledExtraPolicy; rule?: CompiledRule }[];
  notes: string[];
}

export function emptyTiers(): TieredPolicies {
  return { admin: [], baseline: [], ciliumDeny: [], ciliumAllow: [], calico: [] };
}

export function hasTiers(t: TieredPolicies): boolean {
  return t.admin.length + t.baseline.length + t.ciliumDeny.length + t.ciliumAllow.length + t.calico.length > 0;
}

/** Every policy of the tiers once (a Cilium policy may be in both ciliumDeny and ciliumAllow), in one fixed order. */
export function tierPolicies(t: TieredPolicies): CompiledExtraPolicy[] {
  return [...new Set([...t.admin, ...t.baseline, ...t.ciliumDeny, ...t.ciliumAllow, ...t.calico.flatMap((c) => c.policies)])];
}

/** priority ascending (unset last), then name: Calico's documented tie-break, and a stable order for the rest */
export function byPriority(a: CompiledExtraPolicy, b: CompiledExtraPolicy): number {
  const pa = a.priority ?? Number.POSITIVE_INFINITY;
  const pb = b.priority ?? Number.POSITIVE_INFINITY;
  return pa !== pb ? pa - pb : a.title.localeCompare(b.title);
}

function refOf(policy: CompiledExtraPolicy, rule: CompiledRule, tier: string): RuleRef {
  return { kind: policy.kind, policy: policy.title, tier, priority: policy.priority, rule: rule.index, ruleName: rule.name, action: rule.actionText, text: rule.text };
}

interface Maybe {
  action: string;
  why: string;
}

interface OrderedResult {
  decision?: { action: 'Allow' | 'Deny' | 'Pass'; policy: CompiledExtraPolicy; rule: CompiledRule };
  selected: CompiledExtraPolicy[];
  maybes: Maybe[];
}

/** First matching rule across ordered policies; Log rules are noted and passed over. */
function firstMatch(policies: CompiledExtraPolicy[], direction: Direction, subject: PodView, subjectLabels: Labels, other: Peer, traffic: Traffic, ctx: MatchContext, memo: SelectionMemo): OrderedResult {
  const selected: CompiledExtraPolicy[] = [];
  const maybes: Maybe[] = [];
  for (const policy of memo.selecting(policies, direction, subject, subjectLabels)) {
    const rules = policy[direction]!;
    selected.push(policy);
    for (const rule of rules) {
      const m = rule.matches(other, traffic, ctx);
      if (m === false || rule.action === 'Log') continue;
      if (m !== true) {
        maybes.push({ action: rule.action, why: `${policy.title} rule #${rule.index}${rule.name ? ` (${rule.name})` : ''} ${rule.actionText}: ${m.maybe}` });
        continue;
      }
      return { decision: { action: rule.action, policy, rule }, selected, maybes };
    }
  }
  return { selected, maybes };
}

/** Same-priority policies are implementation-defined: say so when another one would have decided differently. */
function samePriorityNote(policies: CompiledExtraPolicy[], result: OrderedResult, direction: Direction, subject: PodView, subjectLabels: Labels, other: Peer, traffic: Traffic, ctx: MatchContext, memo: SelectionMemo): string | undefined {
  const d = result.decision;
  if (!d || d.policy.priority === undefined) return undefined;
  // a policy without rules for this direction has none that could disagree
  for (const p of memo.selecting(policies, direction, subject, subjectLabels)) {
    if (p === d.policy || p.priority !== d.policy.priority) continue;
    const hit = p[direction]!.find((r) => r.action !== 'Log' && r.matches(other, traffic, ctx) === true);
    if (hit && hit.action !== d.rule.action) {
      return `${d.policy.title} and ${p.title} share priority ${d.policy.priority} and disagree (${d.rule.actionText} vs ${hit.actionText}): which one wins is implementation-defined; this verdict took ${d.policy.title} (name order)`;
    }
  }
  return undefined;
}

/** Undecided rules before the decision matter only if their action would give another answer. */
function relevantMaybes(maybes: Maybe[], allowed: boolean): string[] {
  return maybes.filter((m) => m.action === 'Pass' || (m.action === 'Allow') !== allowed).map((m) => m.why);
}

/**
 * Which policies of a list select a subject for a direction (and have rules for it), in list order. This
 * depends on one side only, so one memo per engine answers it once per pod class instead of per matrix cell.
 * Keyed by object identity: policies, pods and namespace labels are not mutated once an engine is built.
 */
export class SelectionMemo {
  private readonly lists = new WeakMap<CompiledExtraPolicy[], WeakMap<PodView, Map<string, { labels: Labels; selected: CompiledExtraPolicy[] }>>>();
  /** per list and namespace, the policies that may select its pods: the namespace's own and the cluster-wide ones, in list order */
  private readonly candidates = new WeakMap<CompiledExtraPolicy[], Map<string, CompiledExtraPolicy[]>>();

  selecting(policies: CompiledExtraPolicy[], direction: Direction, subject: PodView, subjectLabels: Labels): CompiledExtraPolicy[] {
    let bySubject = this.lists.get(policies);
    if (!bySubject) this.lists.set(policies, (bySubject = new WeakMap()));
    let byDirection = bySubject.get(subject);
    if (!byDirection) bySubject.set(subject, (byDirection = new Map()));
    const hit = byDirection.get(direction);
    if (hit && hit.labels === subjectLabels) return hit.selected;
    const selected = this.inNamespace(policies, subject.namespace).filter((p) => p[direction] && p.selects(subject, subjectLabels));
    byDirection.set(direction, { labels: subjectLabels, selected });
    return selected;
  }

  // tier default holds every NetworkPolicy of the cluster: testing each one's selector per pod class cost more than the cells
  private inNamespace(policies: CompiledExtraPolicy[], namespace: string): CompiledExtraPolicy[] {
    let byNamespace = this.candidates.get(policies);
    if (!byNamespace) this.candidates.set(policies, (byNamespace = new Map()));
    let list = byNamespace.get(namespace);
    if (!list) byNamespace.set(namespace, (list = policies.filter((p) => p.namespace === undefined || p.namespace === namespace)));
    return list;
  }
}

// The merged default tier depends on the policies only, yet a matrix asks for it twice per cell:
// sorting thousands of policies each time made mixed-kind matrices ~300× slower than plain ones.
const defaultTiers = new WeakMap<CalicoTier, { np: CompiledExtraPolicy[]; ciliumAllow: CompiledExtraPolicy[]; merged: CompiledExtraPolicy[] }>();

/** Calico's tier default: its own policies, the NetworkPolicies and the Cilium allows at order 1000, by priority. */
function defaultTierPolicies(tier: CalicoTier, np: CompiledExtraPolicy[], ciliumAllow: CompiledExtraPolicy[]): CompiledExtraPolicy[] {
  const cached = defaultTiers.get(tier);
  if (cached && cached.np === np && cached.ciliumAllow === ciliumAllow) return cached.merged;
  const merged = [...tier.policies, ...np, ...ciliumAllow.map((p) => ({ ...p, priority: 1000 }))].sort(byPriority);
  defaultTiers.set(tier, { np, ciliumAllow, merged });
  return merged;
}

/**
 * The NetworkPolicy union of one side, as the tiers take it: undefined when no NetworkPolicy selects the
 * subject for this direction, else whether one allows, or maybe (hanging on namespace labels that could not
 * be read). Step 3b takes a maybe as an undecided Allow rule: it matters only where the answer is a denial.
 */
export type UnionStep = Match | undefined;

/**
 * One side through the four steps. `networkPolicy` is the NetworkPolicy union for this side (computed by
 * the caller, which owns NetworkPolicy semantics); `npAsCalico` wraps those policies for Calico's default tier.
 */
export function decideSide(
  tiers: TieredPolicies,
  direction: Direction,
  subject: PodView,
  subjectLabels: Labels,
  other: Peer,
  traffic: Traffic,
  ctx: MatchContext,
  networkPolicy: () => UnionStep,
  npAsCalico: () => CompiledExtraPolicy[],
  memo: SelectionMemo = new SelectionMemo(),
): SideOutcome {
  const passed: RuleRef[] = [];
  const maybes: Maybe[] = [];
  const notes: string[] = [];
  const out = (o: Omit<SideOutcome, 'passed' | 'undecided' | 'notes' | 'ciliumAllow'> & { ciliumAllow?: SideOutcome['ciliumAllow'] }): SideOutcome => ({
    ciliumAllow: [],
    ...o,
    passed,
    undecided: relevantMaybes(maybes, o.allowed),
    notes,
  });

  // 1. admin tier
  if (tiers.admin.length > 0) {
    const r = firstMatch(tiers.admin, direction, subject, subjectLabels, other, traffic, ctx, memo);
    maybes.push(...r.maybes);
    const note = samePriorityNote(tiers.admin, r, direction, subject, subjectLabels, other, traffic, ctx, memo);
    if (note) notes.push(note);
    if (r.decision?.action === 'Pass') passed.push(refOf(r.decision.policy, r.decision.rule, 'admin'));
    else if (r.decision) return out({ allowed: r.decision.action === 'Allow', stage: 'admin', decidedBy: refOf(r.decision.policy, r.decision.rule, 'admin'), isolated: false });
  }

  // 2. Cilium deny rules beat every allow
  if (tiers.ciliumDeny.length > 0) {
    const r = firstMatch(tiers.ciliumDeny, direction, subject, subjectLabels, other, traffic, ctx, memo);
    maybes.push(...r.maybes);
    if (r.decision) return out({ allowed: false, stage: 'cilium-deny', decidedBy: refOf(r.decision.policy, r.decision.rule, 'cilium'), isolated: true });
  }

  // 3a. Calico tiers, the NetworkPolicies (and Cilium allows) in tier default at order 1000
  if (tiers.calico.length > 0) {
    let selectedAny = false;
    // a tier whose Tier object was not read has no known place: each tier is then judged on its own, and
    // the answer stands only if every tier that could come first gives it
    const unknownOrder = tiers.calico.some((t) => t.orderUnknown);
    type Verdict = Omit<SideOutcome, 'passed' | 'undecided' | 'notes' | 'ciliumAllow'>;
    const judged: { tier: CalicoTier; verdict?: Verdict; passed: RuleRef[]; maybes: Maybe[]; caveat?: string }[] = [];
    for (const tier of tiers.calico) {
      const policies = tier.name === 'default' ? defaultTierPolicies(tier, npAsCalico(), tiers.ciliumAllow) : tier.policies;
      const r = firstMatch(policies, direction, subject, subjectLabels, other, traffic, ctx, memo);
      const tierPassed: RuleRef[] = [];
      if (r.selected.length > 0) selectedAny = true;
      let verdict: Verdict | undefined;
      let caveat: string | undefined;
      if (r.decision?.action === 'Pass') tierPassed.push(refOf(r.decision.policy, r.decision.rule, tier.name));
      else if (r.decision) {
        if (r.decision.action === 'Allow') caveat = r.decision.rule.caveat;
        verdict = { allowed: r.decision.action === 'Allow', stage: 'calico', decidedBy: refOf(r.decision.policy, r.decision.rule, tier.name), isolated: true };
      } else if (r.selected.length > 0) {
        // Calico: an endpoint selected by a tier's policies that no rule decided meets the tier's default
        // action: Deny, or Pass on to the next tier
        const last = r.selected[r.selected.length - 1];
        const who = r.selected.map((p) => p.title).join(', ');
        const some = r.selected.length === 1 ? 'policy' : `${r.selected.length} policies`;
        if (tier.defaultAction === 'Pass') {
          tierPassed.push({ kind: last.kind, policy: who, tier: tier.name, rule: -1, action: 'end of tier', text: `no rule of the ${some} selecting it in tier ${tier.name} matched, and the tier's defaultAction is Pass` });
        } else {
          verdict = { allowed: false, stage: 'calico', decidedBy: { kind: last.kind, policy: who, tier: tier.name, rule: -1, action: 'end of tier', text: `no rule of the ${some} selecting it in tier ${tier.name} matched, so the tier's implicit deny applies` }, isolated: true };
        }
      }
      if (unknownOrder) {
        judged.push({ tier, verdict, passed: tierPassed, maybes: r.maybes, caveat });
        continue;
      }
      maybes.push(...r.maybes);
      passed.push(...tierPassed);
      if (verdict) {
        if (caveat) notes.push(caveat);
        return out(verdict);
      }
    }
    if (unknownOrder) {
      const deciding = judged.filter((j) => j.verdict);
      // known tiers keep their order among themselves; a tier of unknown order could come anywhere
      const firstKnown = deciding.find((j) => !j.tier.orderUnknown);
      const couldDecide = deciding.filter((j) => j.tier.orderUnknown || j === firstKnown);
      const unplaced = judged.filter((j) => j.tier.orderUnknown && (j.verdict || j.passed.length > 0)).map((j) => j.tier.name);
      const chosen = deciding[0];
      // what may have come before the answer: the known tiers before it, and every tier of unknown place
      const before = chosen ? judged.indexOf(chosen) : judged.length;
      judged.forEach((j, i) => {
        if (i > before && !j.tier.orderUnknown) return;
        maybes.push(...j.maybes);
        if (j !== chosen) passed.push(...j.passed);
      });
      if (unplaced.length > 0) {
        const tiersText = `Calico tier${unplaced.length === 1 ? '' : 's'} ${unplaced.join(', ')}`;
        if (couldDecide.some((j) => j.verdict!.allowed !== chosen!.verdict!.allowed)) {
          const answers = couldDecide.map((j) => `tier ${j.tier.name} ${j.verdict!.allowed ? 'allows' : 'denies'} it`).join(', ');
          // a Pass-like maybe: whichever the answer, it could have been the other
          maybes.push({ action: 'Pass', why: `the order of ${tiersText}: no Tier object of ${unplaced.length === 1 ? 'that name' : 'those names'} was read, and ${answers}` });
        } else {
          notes.push(`${tiersText}: no Tier object was read, so ${unplaced.length === 1 ? 'its' : 'their'} place in the tier order is not known; every place gives this answer`);
        }
      }
      if (chosen) {
        if (chosen.caveat) notes.push(chosen.caveat);
        return out(chosen.verdict!);
      }
    }
    if (selectedAny) return out({ allowed: true, stage: 'calico', isolated: true });
  } else {
    // 3b. the union of NetworkPolicy and Cilium allow rules
    const np = networkPolicy();
    const cilium: SideOutcome['ciliumAllow'] = [];
    let ciliumAllowed: { policy: CompiledExtraPolicy; rule: CompiledRule } | undefined;
    let ciliumIsolates = false;
    for (const policy of memo.selecting(tiers.ciliumAllow, direction, subject, subjectLabels)) {
      const rules = policy[direction]!;
      let hit: CompiledRule | undefined;
      for (const rule of rules) {
        const m = rule.matches(other, traffic, ctx);
        if (m === true) {
          hit = rule;
          break;
        }
        if (m !== false) maybes.push({ action: 'Allow', why: `${policy.title} rule #${rule.index} Allow: ${m.maybe}` });
      }
      cilium.push({ policy, rule: hit });
      if (policy.isolates?.[direction] !== false) ciliumIsolates = true;
      if (hit && !ciliumAllowed) ciliumAllowed = { policy, rule: hit };
    }
    if (typeof np === 'object') maybes.push({ action: 'Allow', why: np.maybe });
    if (np !== undefined || ciliumIsolates) {
      const npAllows = np === true;
      if (!npAllows && ciliumAllowed?.rule.caveat) notes.push(ciliumAllowed.rule.caveat);
      const allowed = npAllows || ciliumAllowed !== undefined;
      return out({
        allowed,
        stage: 'network-policy',
        decidedBy: !npAllows && ciliumAllowed ? refOf(ciliumAllowed.policy, ciliumAllowed.rule, 'cilium') : undefined,
        isolated: true,
        ciliumAllow: cilium,
      });
    }
  }

  // 4. baseline tier: only for pods no policy of step 3 selected
  if (tiers.baseline.length > 0) {
    const r = firstMatch(tiers.baseline, direction, subject, subjectLabels, other, traffic, ctx, memo);
    maybes.push(...r.maybes);
    const note = samePriorityNote(tiers.baseline, r, direction, subject, subjectLabels, other, traffic, ctx, memo);
    if (note) notes.push(note);
    if (r.decision && r.decision.action !== 'Pass') {
      return out({ allowed: r.decision.action === 'Allow', stage: 'baseline', decidedBy: refOf(r.decision.policy, r.decision.rule, 'baseline'), isolated: false });
    }
    if (r.decision) passed.push(refOf(r.decision.policy, r.decision.rule, 'baseline'));
  }
  return out({ allowed: true, stage: 'default', isolated: false });
}

/**
 * The rules of each step for one subject and direction, in order, from the policies that select it:
 * resolved once, as a matrix asks for every other class with the same subject. First match over
 * ordered policies is first match over their rules in that order.
 */
export interface SidePlan {
  admin: CompiledRule[];
  ciliumDeny: CompiledRule[];
  /** Calico tiers in order (tier default with the NetworkPolicies): their rules, and whether any policy there selects the subject */
  calico: { rules: CompiledRule[]; selected: boolean }[];
  ciliumAllow: CompiledRule[];
  /** some Cilium allow policy selecting the subject isolates it for this direction */
  ciliumIsolates: boolean;
  baseline: CompiledRule[];
  /** Calico tiers of unknown place or with defaultAction Pass: quickSide leaves them to decideSide */
  decideOnly?: true;
}

export function planSide(tiers: TieredPolicies, direction: Direction, subject: PodView, subjectLabels: Labels, npAsCalico: () => CompiledExtraPolicy[], memo: SelectionMemo): SidePlan {
  const selecting = (policies: CompiledExtraPolicy[]) => (policies.length === 0 ? policies : memo.selecting(policies, direction, subject, subjectLabels));
  const rules = (policies: CompiledExtraPolicy[]) => policies.flatMap((p) => p[direction]!);
  const ciliumAllow = tiers.calico.length > 0 ? [] : selecting(tiers.ciliumAllow);
  return {
    admin: rules(selecting(tiers.admin)),
    ciliumDeny: rules(selecting(tiers.ciliumDeny)),
    calico: tiers.calico.map((tier) => {
      const selected = selecting(tier.name === 'default' ? defaultTierPolicies(tier, npAsCalico(), tiers.ciliumAllow) : tier.policies);
      return { rules: rules(selected), selected: selected.length > 0 };
    }),
    ciliumAllow: rules(ciliumAllow),
    ciliumIsolates: ciliumAllow.some((p) => p.isolates?.[direction] !== false),
    baseline: rules(selecting(tiers.baseline)),
    ...(tiers.calico.some((t) => t.orderUnknown || t.defaultAction === 'Pass') ? { decideOnly: true as const } : {}),
  };
}

// undecided rules met on the way, by action: which matter depends on the answer (relevantMaybes)
const MAYBE_ALLOW = 1;
const MAYBE_DENY = 2;
const MAYBE_PASS = 4;
const maybeBit = (action: Action): number => (action === 'Allow' ? MAYBE_ALLOW : action === 'Pass' ? MAYBE_PASS : MAYBE_DENY);
// quickSide's undecided rules so far: module state rather than an object per call (it runs per matrix cell; rules never re-enter it)
let maybes = 0;

/** The answer, unless an undecided rule met on the way could change it (relevantMaybes). */
function certain(allowed: boolean): boolean | undefined {
  return maybes & MAYBE_PASS || (allowed ? maybes & MAYBE_DENY : maybes & MAYBE_ALLOW) ? undefined : allowed;
}

/** firstMatch over the rules of ordered policies, without reasons: the deciding rule, or undefined; undecided rules go to `maybes`. */
function firstRule(rules: CompiledRule[], other: Peer, traffic: Traffic, ctx: MatchContext): CompiledRule | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (rule.action === 'Log') continue;
    const m = rule.matches(other, traffic, ctx);
    if (m === true) return rule;
    if (m !== false) maybes |= maybeBit(rule.action);
  }
  return undefined;
}

/**
 * decideSide's answer alone, from a plan: no reasons, notes or traces. Undefined when a rule that
 * cannot be decided statically could change it: decideSide then says which. `networkPolicy` is the
 * NetworkPolicy union for this side (undefined: no NetworkPolicy selects the subject; see UnionStep).
 */
export function quickSide(plan: SidePlan, other: Peer, traffic: Traffic, ctx: MatchContext, networkPolicy: ((other: Peer, traffic: Traffic) => Match) | undefined): boolean | undefined {
  maybes = 0;
  if (plan.decideOnly) return undefined;
  // 1. admin tier
  const admin = firstRule(plan.admin, other, traffic, ctx);
  if (admin && admin.action !== 'Pass') return certain(admin.action === 'Allow');
  // 2. Cilium deny rules
  if (firstRule(plan.ciliumDeny, other, traffic, ctx)) return certain(false);
  // 3a. Calico tiers
  if (plan.calico.length > 0) {
    let passed = false;
    for (const tier of plan.calico) {
      const rule = firstRule(tier.rules, other, traffic, ctx);
      if (rule?.action === 'Pass') {
        passed = true;
        continue;
      }
      if (rule) return certain(rule.action === 'Allow');
      // the end-of-tier deny
      if (tier.selected) return certain(false);
    }
    if (passed) return certain(true);
  } else {
    // 3b. the union of NetworkPolicy and Cilium allow rules
    const np = networkPolicy?.(other, traffic);
    if (np === true) return certain(true);
    if (typeof np === 'object') maybes |= MAYBE_ALLOW;
    let allowed = false;
    for (let i = 0; i < plan.ciliumAllow.length && !allowed; i++) {
      const m = plan.ciliumAllow[i].matches(other, traffic, ctx);
      if (m === true) allowed = true;
      else if (m !== false) maybes |= MAYBE_ALLOW;
    }
    if (networkPolicy !== undefined || plan.ciliumIsolates) return certain(allowed);
  }
  // 4. baseline tier
  const baseline = firstRule(plan.baseline, other, traffic, ctx);
  if (baseline && baseline.action !== 'Pass') return certain(baseline.action === 'Allow');
  return certain(true);
}
