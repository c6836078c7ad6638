// Where an engine's handling of a NetworkPolicy port field is not settled by what can be read. The policy
// is evaluated as written, and a verdict is "cannot tell" only for the connections the unsettled field can
// change: SCTP traffic of the pods it selects, or (endPort) a connection whose answer differs under another
// reading the engine may apply. Each reason names the engine rule and its source; docs/network-policies.md,
// "Engines".
import type { NetworkPolicy, NetworkPolicyPort } from '../model/k8s.js';

function ports(policy: NetworkPolicy): NetworkPolicyPort[] {
  return [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])].flatMap((r) => r.ports ?? []);
}

/** A way an engine may enforce every policy using endPort: the policy as enforced, undefined when refused whole. */
export interface PortReading {
  /** "with endPort ignored (its port alone)" */
  name: string;
  apply(policy: NetworkPolicy): NetworkPolicy | undefined;
}

export interface UnsettledPorts {
  /** why the engine's handling of SCTP is not known ("Cilium (the engine) enforces SCTP only …"): SCTP traffic of the pods it selects */
  sctp?: string;
  /** why the engine's handling of endPort is not known ("Cilium (the engine) ignored endPort …") */
  endPort?: string;
}

const withoutEndPort = (policy: NetworkPolicy): NetworkPolicy => {
  const strip = <R extends { ports?: NetworkPolicyPort[] }>(rules: R[] | undefined): R[] | undefined =>
    rules?.map((r) => (r.ports ? { ...r, ports: r.ports.map(({ endPort: _endPort, ...p }) => p) } : r));
  return { ...policy, spec: { ...policy.spec, ingress: strip(policy.spec.ingress), egress: strip(policy.spec.egress) } };
};

const IGNORED: PortReading = { name: 'with endPort ignored (its port alone)', apply: withoutEndPort };
const REFUSED: PortReading = { name: 'with the policy refused whole', apply: () => undefined };

/**
 * The readings besides the upstream one that `engine` may apply to every policy using endPort (one engine
 * release runs, so one reading holds for all of them).
 */
export function endPortReadings(engine: string | undefined): PortReading[] {
  // cilium/cilium#28684: releases without port ranges accepted endPort and ignored it; #28704 then made
  // the agent refuse such policies (not enforced at all) until port ranges were supported
  if (engine === 'cilium') return [IGNORED, REFUSED];
  // Azure/AKS#2857: NPM programs the port alone (endPort ignored)
  if (engine === 'azure-npm') return [IGNORED];
  return [];
}

/**
 * What of this policy's ports `engine` (an engine id of engine-choice.ts) cannot be said to enforce as
 * written, or undefined when it follows the upstream semantics here.
 */
export function unsettledPorts(engine: string | undefined, policy: NetworkPolicy): UnsettledPorts | undefined {
  const used = ports(policy);
  const endPort = used.some((p) => p.endPort !== undefined && p.endPort !== null);
  const sctp = used.some((p) => p.protocol === 'SCTP');
  const out: UnsettledPorts = {};
  if (engine === 'cilium') {
    // docs.cilium.io configuration/sctp: beta, enabled by the Helm value sctp.enabled=true
    if (sctp) out.sctp = 'Cilium (the engine) enforces SCTP only with its beta SCTP support enabled (sctp.enabled=true), a setting not read here';
    if (endPort) out.endPort = 'Cilium (the engine) ignored endPort before its port-range support and some releases refused such a policy whole; which release runs is not read here';
  }
  // Azure NPM documents no endPort support (Azure/azure-container-networking#2313 asks for it)
  if (engine === 'azure-npm' && endPort) out.endPort = 'Azure NPM (the engine) is not documented to enforce endPort and has been seen to program the port alone';
  return out.sctp || out.endPort ? out : undefined;
}
