// `explain namespace/NAME`: a namespace's posture in one view — isolation both ways, the peers its rules
// allow, DNS, addresses outside the cluster its workloads may reach, and the audit findings there. Pure.
import type { ClusterSnapshot } from '../model/k8s.js';
import { auditSnapshot, isolationOf, type Finding } from './audit.js';
import { describeSubject } from './describe.js';
import { clusterPods } from './endpoints.js';
import type { PolicyEngine } from './engine.js';
import type { EngineChoice } from './engine-choice.js';
import { ownerIndex } from './owners.js';
import { externalRanges, type ExternalEntry } from './reverse.js';
import type { PodView } from './types.js';

export interface NamespacePosture {
  namespace: string;
  /** KIND/NAME of every workload (or bare pod) in it */
  workloads: string[];
  ingress: { isolated: string[]; open: string[] };
  egress: { isolated: string[]; open: string[] };
  policies: { name: string; appliesTo: string; ingressRules: string[]; egressRules: string[] }[];
  /** policies of the other kinds the engine enforces that select its pods (AdminNetworkPolicy, Calico, Cilium…), by title */
  otherPolicies: { title: string; ingressRules: string[]; egressRules: string[] }[];
  /** workloads whose egress is isolated and that cannot reach cluster DNS */
  dnsBlocked: string[];
  /** workloads whose egress is isolated and whose DNS can be told neither way (it hangs on what could not be read) */
  dnsUndecided: string[];
  /** per workload, the addresses outside the cluster its egress admits */
  external: { workload: string; ranges: ExternalEntry[] }[];
  findings: Finding[];
}

/** @param choice the engine choice `engine` was built with, for the audit findings */
export function namespacePosture(snapshot: ClusterSnapshot, engine: PolicyEngine, namespace: string, choice?: EngineChoice): NamespacePosture {
  const pods = clusterPods(snapshot, [namespace]);
  const owner = ownerIndex(snapshot);
  const byWorkload = new Map<string, PodView[]>();
  for (const pod of pods) byWorkload.set(owner(pod), [...(byWorkload.get(owner(pod)) ?? []), pod]);
  const workloads = [...byWorkload.keys()].sort();
  // the audit's decision, so both commands agree on every kind the engine enforces
  const isolation = isolationOf(engine);
  const side = (direction: 'ingress' | 'egress') => {
    const isolated = workloads.filter((w) => byWorkload.get(w)!.every((p) => isolation(p, direction)));
    return { isolated, open: workloads.filter((w) => !isolated.includes(w)) };
  };
  const others = new Map<string, NamespacePosture['otherPolicies'][number]>();
  for (const pod of pods) {
    for (const direction of ['ingress', 'egress'] as const) {
      for (const p of engine.extraPoliciesSelecting(pod, direction)) {
        const entry = others.get(p.title) ?? { title: p.title, ingressRules: [], egressRules: [] };
        others.set(p.title, entry);
        const rules = direction === 'ingress' ? entry.ingressRules : entry.egressRules;
        if (rules.length === 0) rules.push(...(p[direction] ?? []).map((r) => `#${r.index}${r.name ? ` (${r.name})` : ''} ${r.text}`));
      }
    }
  }
  const audit = auditSnapshot(snapshot, { namespaces: [namespace], engine: choice });
  const findings = audit.findings;
  return {
    namespace,
    workloads,
    ingress: side('ingress'),
    egress: side('egress'),
    policies: engine.policiesInNamespace(namespace).map((p) => ({
      name: p.name,
      appliesTo: describeSubject(p.policy),
      ingressRules: (p.ingress ?? []).map((r) => `#${r.index} ${r.text}`),
      egressRules: (p.egress ?? []).map((r) => `#${r.index} ${r.text}`),
    })),
    otherPolicies: [...others.values()].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0)),
    dnsBlocked: findings.filter((f) => f.rule === 'dns-egress-blocked').map((f) => f.object),
    dnsUndecided: audit.dnsUndecided.map((o) => o.slice(namespace.length + 1)),
    external: workloads.map((w) => ({ workload: w, ranges: externalRanges(engine, byWorkload.get(w)!, 'egress', {}) })),
    findings,
  };
}
