// Machine output of the NetworkPolicy commands (-o json|yaml): stable shapes scripts depend on.
import type { CanReachResult } from '../netpol/can-reach.js';

/** The stable JSON shape: the deciding connection's port, protocol, egress and ingress at the top. */
export function canReachJson(r: CanReachResult) {
  return {
    // no verdict when it depends on what could not be read (exit 3): null, with what was missing
    allowed: r.cannotTell ? null : r.allowed,
    ...(r.cannotTell ? { cannotTell: r.cannotTell } : {}),
    source: r.source,
    destination: r.destination,
    port: r.deciding?.port ?? r.ports[0]?.port ?? null,
    targetPort: r.deciding?.targetPort ?? null,
    protocol: r.deciding?.protocol ?? r.ports[0]?.protocol ?? null,
    egress: r.deciding?.egress ?? null,
    ingress: r.deciding?.ingress ?? null,
    ports: r.ports,
    connections: r.connections,
    notes: [...new Set([...r.connections.flatMap((c) => c.notes), ...r.notes])],
    notEvaluated: r.notEvaluated,
    ...(r.engine ? { engine: r.engine } : {}),
  };
}
