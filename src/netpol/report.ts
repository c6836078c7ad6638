// The HTML report's precomputed traces: for a workload pair and one port, the same can-reach trace
// `kubectl np explain` prints, over the workloads' replicas (canReach groups identical replicas once).
// Pure: over the engine, the matrix's endpoints and the workload grouping.
import type { WorkloadKind } from '../model/k8s.js';
import { canReach, type CanReachResult } from './can-reach.js';
import type { PolicyEngine } from './engine.js';
import type { ObjectKind, ResolvedEndpoint } from './endpoints.js';
import { equivalenceKey, ipBlocksOf, podLabelKeysRead } from './matrix.js';
import type { PodView } from './types.js';
import { pairState, type WorkloadGroup, type WorkloadMatrix } from './workloads.js';

/** A workload as can-reach's endpoint: its replicas (or its pod template), named as the report names it. */
export function workloadEndpoint(group: WorkloadGroup, pods: PodView[]): ResolvedEndpoint {
  // CronJob is not an endpoint kind of its own: its Job's pods stand for it, as a Job's would
  const kind: ObjectKind = group.kind === 'CronJob' ? 'Job' : group.kind === 'External' ? 'Pod' : (group.kind as WorkloadKind | 'Pod');
  return { input: group.id, kind, namespace: group.namespace, name: group.name, pods: group.members.map((i) => pods[i]), fromTemplate: group.replicas === 0 };
}

/**
 * One trace per port that has a verdict for the pair; a trace that cannot be computed (a finished
 * pod, say) is its error message, so the report still says why there is none.
 */
export function pairTraces(engine: PolicyEngine, w: WorkloadMatrix, pods: PodView[], from: number, to: number): (CanReachResult | string | undefined)[] {
  const source = representatives(engine, workloadEndpoint(w.groups[from], pods));
  const destination = representatives(engine, workloadEndpoint(w.groups[to], pods));
  return w.queries.map((query, q) => {
    if (pairState(w, q, from, to) === undefined) return undefined;
    try {
      return canReach(engine, source, destination, { port: query.port, protocol: query.protocol });
    } catch (err) {
      return (err as Error).message;
    }
  });
}

/**
 * One replica per class of replicas no policy tells apart (labels no selector reads, like
 * pod-template-hash, left out): their traces would differ only in pod names, and a report holds one
 * trace per workload pair and port. Replicas that policies do tell apart (a rollout's v1 and v2) all stay.
 */
function representatives(engine: PolicyEngine, endpoint: ResolvedEndpoint): ResolvedEndpoint {
  const blocks = ipBlocksOf(engine.policies, engine.extraCidrs);
  const keys = podLabelKeysRead(engine);
  const seen = new Set<string>();
  const pods = endpoint.pods.filter((pod) => {
    const key = equivalenceKey(pod, blocks, keys);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (pods.length === endpoint.pods.length) return endpoint;
  const note = `${endpoint.input}: ${pods.length} of its ${endpoint.pods.length} pods traced; the others carry the same labels as far as any policy reads them, so their verdicts are the same`;
  return { ...endpoint, pods, notes: [...(endpoint.notes ?? []), note] };
}

/** Each policy with the workloads it selects (some replica's labels match), for the report's policy list. */
export function policyWorkloads(engine: PolicyEngine, w: WorkloadMatrix, pods: PodView[]): { namespace: string; name: string; workloads: string[] }[] {
  return engine.policies.map((p) => ({
    namespace: p.namespace,
    name: p.name,
    workloads: w.groups.filter((g) => g.members.some((m) => pods[m].namespace === p.namespace && p.selects(pods[m].labels))).map((g) => g.id),
  }));
}
