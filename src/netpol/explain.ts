// `explain networkpolicy/NAME` and `explain pod/NAME`: what a policy says, and how a pod is isolated.
import type { NetworkPolicyPort } from '../model/k8s.js';
import { describeSubject } from './describe.js';
import { effectivePolicyTypes, portMatches, type CompiledPolicy, type PolicyEngine } from './engine.js';
import { podName, type Direction, type PodView } from './types.js';

export interface RuleLine {
  policy: string;
  index: number;
  text: string;
}

export interface DirectionSummary {
  /** the policy isolates / the pod is isolated in this direction */
  isolated: boolean;
  /** for a policy: its rules; for a pod: the union of rules of every isolating policy */
  rules: RuleLine[];
}

export interface PolicyDescription {
  namespace: string;
  name: string;
  appliesTo: string;
  policyTypes: Direction[];
  policyTypesInferred: boolean;
  ingress: DirectionSummary;
  egress: DirectionSummary;
  /** pods it selects now (NS/NAME) */
  selects: string[];
  warnings: string[];
}

export interface IsolationSummary {
  pod: string;
  labels: Record<string, string>;
  fromTemplate: boolean;
  ingress: DirectionSummary & { policies: string[] };
  egress: DirectionSummary & { policies: string[] };
  notes: string[];
}

function rulesOf(policy: CompiledPolicy, direction: Direction): RuleLine[] {
  return (policy[direction] ?? []).map((r) => ({ policy: `${policy.namespace}/${policy.name}`, index: r.index, text: r.text }));
}

/** Could any of these egress rules let DNS (UDP 53) out? Named ports might, so they count as maybe. */
function allowsDns(policies: CompiledPolicy[]): boolean {
  const dns = { port: 53, protocol: 'UDP' as const };
  return policies.some((p) =>
    (p.egress ?? []).some((r) => !r.ports || r.ports.some((port: NetworkPolicyPort) => typeof port.port === 'string' || portMatches(port, dns, undefined))),
  );
}

export function describePolicy(engine: PolicyEngine, policy: CompiledPolicy, pods: PodView[]): PolicyDescription {
  const types = effectivePolicyTypes(policy.policy);
  const spec = policy.policy.spec;
  const warnings: string[] = [];
  if (types.inferred && types.egress && (spec.ingress ?? []).length === 0) {
    warnings.push('policyTypes is omitted, so it isolates Ingress as well as Egress: with no ingress rules it denies all ingress to the pods it selects');
  }
  if (!types.ingress && (spec.ingress ?? []).length > 0) warnings.push('its ingress rules are ignored: policyTypes does not list Ingress');
  if (!types.egress && (spec.egress ?? []).length > 0) warnings.push('its egress rules are ignored: policyTypes does not list Egress');
  if (types.egress && !allowsDns([policy])) {
    warnings.push('it isolates egress without allowing DNS (UDP 53): unless another policy allows it, name lookups from these pods fail');
  }
  const selects = pods.filter((p) => p.namespace === policy.namespace && policy.selects(p.labels)).map(podName);
  if (selects.length === 0) warnings.push('it selects no pod right now');
  return {
    namespace: policy.namespace,
    name: policy.name,
    appliesTo: describeSubject(policy.policy),
    policyTypes: [...(types.ingress ? ['ingress' as const] : []), ...(types.egress ? ['egress' as const] : [])],
    policyTypesInferred: types.inferred,
    ingress: { isolated: types.ingress, rules: rulesOf(policy, 'ingress') },
    egress: { isolated: types.egress, rules: rulesOf(policy, 'egress') },
    selects,
    warnings,
  };
}

/** A pod's isolation: per direction, the policies that isolate it and the union of what they allow. */
export function isolationOf(engine: PolicyEngine, pod: PodView): IsolationSummary {
  const side = (direction: Direction) => {
    const policies = engine.policiesSelecting(pod, direction);
    return {
      isolated: policies.length > 0,
      policies: policies.map((p) => `${p.namespace}/${p.name}`),
      rules: policies.flatMap((p) => rulesOf(p, direction)),
    };
  };
  const egress = side('egress');
  const notes: string[] = [];
  if (pod.template) notes.push(`no pod of ${pod.template.kind} ${pod.template.name} is running: this is its pod template`);
  if (pod.hostNetwork) notes.push('it uses the host network: whether NetworkPolicies apply to hostNetwork pods is implementation-defined');
  if (egress.isolated && !allowsDns(engine.policiesSelecting(pod, 'egress'))) {
    notes.push('egress is isolated and no rule allows DNS (UDP 53): name lookups will fail');
  }
  notes.push('traffic from its own node (kubelet probes) is always allowed');
  return { pod: podName(pod), labels: { ...pod.labels }, fromTemplate: pod.template !== undefined, ingress: side('ingress'), egress, notes };
}
