// Where an engine's handling of a NetworkPolicy port field is not settled by what can be read: a policy
// using it is not evaluated under that engine, so a verdict it may decide is "cannot tell", never a guess.
// Each reason names the engine rule and its source; docs/network-policies.md, "Engines".
import type { NetworkPolicy, NetworkPolicyPort } from '../model/k8s.js';

function ports(policy: NetworkPolicy): NetworkPolicyPort[] {
  return [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])].flatMap((r) => r.ports ?? []);
}

/**
 * Why `engine` (an engine id of engine-choice.ts) cannot be said to enforce this policy as written,
 * or undefined when it follows the upstream semantics here.
 */
export function unsettledPortRule(engine: string | undefined, policy: NetworkPolicy): string | undefined {
  const used = ports(policy);
  const endPort = used.some((p) => p.endPort !== undefined && p.endPort !== null);
  const sctp = used.some((p) => p.protocol === 'SCTP');
  if (engine === 'cilium') {
    // docs.cilium.io configuration/sctp: beta, enabled by the Helm value sctp.enabled=true
    if (sctp) return 'it uses SCTP, which Cilium (the engine) enforces only with its beta SCTP support enabled (sctp.enabled=true), a setting not read here';
    // cilium/cilium#28684: releases without port ranges accepted endPort and ignored it; the current Layer 4 docs describe ranges
    if (endPort) return 'it uses endPort, which Cilium (the engine) ignored before its port-range support; which Cilium release runs is not read here';
  }
  // Azure NPM documents no endPort support; Azure/azure-container-networking#2313 asks for it
  if (engine === 'azure-npm' && endPort) return 'it uses endPort, which Azure NPM (the engine) is not documented to enforce';
  return undefined;
}
