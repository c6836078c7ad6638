// `explain namespace/NAME`: a namespace's posture in one view — isolation both ways, the peers its rules
// allow, DNS, addresses outside the cluster its workloads may reach, and the audit findings there. Pure.
import type { ClusterSnapshot } from '../model/k8s.js';
import { auditSnapshot, type Finding } from './audit.js';
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
  /** workloads whose egress is isolated and that cannot reach cluster DNS */
  dnsBlocked: string[];
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
  const side = (direction: 'ingress' | 'egress') => {
    const isolated = workloads.filter((w) => byWorkload.get(w)!.every((p) => engine.policiesSelecting(p, direction).length > 0));
    return { isolated, open: workloads.filter((w) => !isolated.includes(w)) };
  };
  const findings = auditSnapshot(snapshot, { namespaces: [namespace], engine: choice }).findings;
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
    dnsBlocked: findings.filter((f) => f.rule === 'dns-egress-blocked').map((f) => f.object),
    external: workloads.map((w) => ({ workload: w, ranges: externalRanges(engine, byWorkload.get(w)!, 'egress', {}) })),
    findings,
  };
}
