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
    serviceAccount: pod.spec?.serviceAccountName || 'default',
    ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
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
    serviceAccount: workload.spec.template.spec?.serviceAccountName || 'default',
    template: { kind: workload.kind, name: workload.metadata.name },
  };
}

/** Pods that no longer run take no traffic. */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** A pod that has finished: it sends and receives nothing, so no connection verdict applies to it. */
export function finishedPhase(pod: { phase?: string }): string | undefined {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed' ? pod.phase : undefined;
}

/**
 * Why a pod a Service selects is not one of its backends, as EndpointSlices decide: it has finished, or
 * it has no IP yet (Pending). Undefined when it is a backend. Pods without status (manifests) are taken
 * as they will run.
 */
export function notBackend(pod: Pod): string | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return `it has finished (${phase})`;
  if (pod.status && !pod.status.podIP && !pod.status.podIPs?.length) return `it has no IP yet${phase ? ` (${phase})` : ''}`;
  return undefined;
}

/** The Ready condition: false when the pod reports it not ready, undefined when it does not say. */
export function isReady(pod: Pod): boolean | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return ready ? ready.status === 'True' : undefined;
}
