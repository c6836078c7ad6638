// Which object people call a pod by: the workload that runs it. Shared by audit and diff, whose
// findings and changes name workloads rather than replicas.
import type { ClusterSnapshot, Pod } from '../model/k8s.js';
import type { PodView } from './types.js';

/** What a finding about a pod names: the workload that runs it (Deployment over its ReplicaSet), else the pod. */
export function ownerIndex(snapshot: ClusterSnapshot): (pod: PodView) => string {
  const pods = new Map<string, Pod>();
  for (const p of snapshot.pods) pods.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);
  const controllers = new Map<string, { kind: string; name: string }>();
  for (const w of snapshot.workloads) {
    const ref = w.metadata.ownerReferences?.find((o) => o.controller) ?? w.metadata.ownerReferences?.[0];
    if (ref) controllers.set(`${w.metadata.namespace ?? 'default'}/${w.kind}/${w.metadata.name}`, ref);
  }
  return (view) => {
    if (view.template) return `${view.template.kind.toLowerCase()}/${view.template.name}`;
    const pod = pods.get(`${view.namespace}/${view.name}`);
    const ref = pod?.metadata.ownerReferences?.find((o) => o.controller) ?? pod?.metadata.ownerReferences?.[0];
    if (!ref) return `pod/${view.name}`;
    const parent = controllers.get(`${view.namespace}/${ref.kind}/${ref.name}`);
    return parent ? `${parent.kind.toLowerCase()}/${parent.name}` : `${ref.kind.toLowerCase()}/${ref.name}`;
  };
}

