// Which workload runs a pod: the one place that follows controller chains (Deployment → ReplicaSet → Pod,
// CronJob → Job → Pod, StatefulSet, DaemonSet, bare pods). Endpoint resolution, the workload matrix,
// audit and diff all name pods by it, so they can never disagree about who owns a pod.
import type { ClusterSnapshot, ObjectMeta, Pod, Workload } from '../model/k8s.js';
import type { PodView } from './types.js';

export type OwnerKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'Pod';

export interface Owner {
  kind: OwnerKind;
  name: string;
}

type Ref = { kind: string; name: string };

const WORKLOAD_KINDS = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** The owner that controls an object: the one marked controller, else its only owner. */
export function controllerOf(meta: Pick<ObjectMeta, 'ownerReferences'>): Ref | undefined {
  return meta.ownerReferences?.find((o) => o.controller) ?? (meta.ownerReferences?.length === 1 ? meta.ownerReferences[0] : undefined);
}

/** The ReplicaSets and Jobs of a snapshot, by namespace and name: the middle links of controller chains. */
export class Owners {
  private readonly links = new Map<string, Workload>();
  constructor(workloads: readonly Workload[]) {
    for (const w of workloads) if (w.kind === 'ReplicaSet' || w.kind === 'Job') this.links.set(`${w.kind}/${w.metadata.namespace ?? 'default'}/${w.metadata.name}`, w);
  }

  /**
   * A pod's controllers from the pod up: [ReplicaSet, Deployment], [Job, CronJob], [StatefulSet]…;
   * empty for a bare pod. A ReplicaSet that was not read is placed under the Deployment its name says
   * (Deployments name theirs <deployment>-<pod-template-hash>); one that was read and has no
   * Deployment above it stands alone.
   */
  chain(pod: Pod): Ref[] {
    const ns = pod.metadata.namespace ?? 'default';
    const owner = controllerOf(pod.metadata);
    if (!owner) return [];
    if (owner.kind === 'ReplicaSet') {
      const rs = this.links.get(`ReplicaSet/${ns}/${owner.name}`);
      if (rs) {
        const up = controllerOf(rs.metadata);
        return up?.kind === 'Deployment' ? [owner, up] : [owner];
      }
      const hash = pod.metadata.labels?.['pod-template-hash'];
      return hash && owner.name.endsWith(`-${hash}`) ? [owner, { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) }] : [owner];
    }
    if (owner.kind === 'Job') {
      const job = this.links.get(`Job/${ns}/${owner.name}`);
      const up = job ? controllerOf(job.metadata) : undefined;
      return up?.kind === 'CronJob' ? [owner, up] : [owner];
    }
    return [owner];
  }

  /** The workload a person deployed; the pod itself when bare or owned by something not modelled (an operator's resource). */
  of(pod: Pod): Owner {
    const top = this.chain(pod).at(-1);
    return top && WORKLOAD_KINDS.has(top.kind) ? { kind: top.kind as OwnerKind, name: top.name } : { kind: 'Pod', name: pod.metadata.name };
  }
}

/** What a finding about a pod names: its workload as kind/name (deployment/web), else pod/NAME. */
export function ownerIndex(snapshot: Pick<ClusterSnapshot, 'pods' | 'workloads'>): (pod: PodView) => string {
  const owners = new Owners(snapshot.workloads);
  const pods = new Map<string, Pod>();
  for (const p of snapshot.pods) pods.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);
  return (view) => {
    if (view.template) return `${view.template.kind.toLowerCase()}/${view.template.name}`;
    const pod = pods.get(`${view.namespace}/${view.name}`);
    const owner = pod ? owners.of(pod) : { kind: 'Pod', name: view.name };
    return `${owner.kind.toLowerCase()}/${owner.name}`;
  };
}
