// Pods and workload templates as the engine sees them.
import type { ContainerPort, Pod, Workload } from '../model/k8s.js';
import type { PodView } from './types.js';

/**
 * The ports a pod serves, in the order Kubernetes' FindPort resolves names: its containers, then its
 * sidecars (init containers with restartPolicy Always). Plain init containers have exited before the
 * pod runs, so their ports serve nothing.
 */
function declaredPorts(spec: Pod['spec'] | undefined): ContainerPort[] {
  const ports: ContainerPort[] = [];
  const sidecars = (spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) ports.push({ ...p, protocol: p.protocol ?? 'TCP' });
  }
  return ports;
}

export function podView(pod: Pod): PodView {
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return {
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    labels: pod.metadata.labels ?? {},
    ips,
    ports: declaredPorts(pod.spec),
    hostNetwork: pod.spec?.hostNetwork === true,
  };
}

/** A workload with no running pods, evaluated with its pod template's own labels (never another pod's). */
export function templateView(workload: Workload): PodView {
  return {
    namespace: workload.metadata.namespace ?? 'default',
    name: workload.metadata.name,
    labels: workload.spec.template.metadata?.labels ?? {},
    ips: [],
    ports: declaredPorts(workload.spec.template.spec),
    hostNetwork: workload.spec.template.spec?.hostNetwork === true,
    template: { kind: workload.kind, name: workload.metadata.name },
  };
}

/** Pods that no longer run take no traffic. */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}
