// `explain networkpolicy/NAME` and `explain pod/NAME`: what a policy says, and how a pod is isolated.
import type { ClusterSnapshot, NetworkPolicyPort } from '../model/k8s.js';
import type { Labels } from '../model/selectors.js';
import { cidrContains, parseCidr, parseIp, type Cidr, type Ip } from './cidr.js';
import { describeSubject } from './describe.js';
import { clusterPods } from './endpoints.js';
import { effectivePolicyTypes, portMatches, type CompiledPolicy, type CompiledRule, type PolicyEngine } from './engine.js';
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

/**
 * Where cluster DNS lives, as far as the snapshot tells: the kube-system pods labelled k8s-app=kube-dns
 * (CoreDNS keeps that label) and their IPs plus the kube-dns Service IP. Without them, the usual label.
 */
export interface DnsTarget {
  namespace: string;
  /** label sets of the DNS pods (at least one) */
  labels: Labels[];
  /** known pod and Service IPs of cluster DNS; empty when unknown */
  ips: Ip[];
}

const DNS_NAMESPACE = 'kube-system';
const DNS_LABELS: Labels = { 'k8s-app': 'kube-dns' };
/** where cluster DNS is when its IPs are unknown: somewhere in private address space */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map((c) => parseCidr(c)!);

export function dnsTarget(snapshot?: ClusterSnapshot): DnsTarget {
  const pods = snapshot ? clusterPods(snapshot, [DNS_NAMESPACE]).filter((p) => p.labels['k8s-app'] === 'kube-dns') : [];
  const service = snapshot?.services.find((s) => s.metadata.namespace === DNS_NAMESPACE && s.metadata.name === 'kube-dns');
  const ips = [...pods.flatMap((p) => p.ips), ...(service?.spec.clusterIP ? [service.spec.clusterIP] : [])].map(parseIp).filter((ip): ip is Ip => ip !== undefined);
  return { namespace: DNS_NAMESPACE, labels: pods.length > 0 ? pods.map((p) => p.labels) : [DNS_LABELS], ips };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (cidrContains(a, { family: b.family, value: b.network }) || cidrContains(b, { family: a.family, value: a.network }));
}

/** Can this peer include cluster DNS? Selectors: the DNS pods' namespace and labels; ipBlocks: the DNS IPs (or, unknown, private space). */
function peerMayBeDns(engine: PolicyEngine, policy: CompiledPolicy, peer: NonNullable<CompiledRule['peers']>[number], dns: DnsTarget): boolean {
  if (peer.invalid) return false;
  if (peer.ipBlock) {
    const block = peer.ipBlock;
    if (dns.ips.length > 0) return dns.ips.some((ip) => cidrContains(block.cidr, ip) && !block.except.some((e) => cidrContains(e, ip)));
    return PRIVATE.some((range) => overlaps(block.cidr, range) && !block.except.some((e) => cidrContains(e, { family: range.family, value: range.network }) && e.prefix <= range.prefix));
  }
  const namespaceOk = peer.namespaceMatch ? peer.namespaceMatch(engine.namespaceLabels(dns.namespace)) : policy.namespace === dns.namespace;
  return namespaceOk && dns.labels.some((labels) => peer.podMatch!(labels));
}

/**
 * Could any of these egress rules let DNS (UDP 53 to the kube-dns pods) out? A rule needs both a port
 * that can be 53 (named ports might be) and peers that can include cluster DNS.
 */
function allowsDns(engine: PolicyEngine, policies: CompiledPolicy[], dns: DnsTarget): boolean {
  const udp53 = { port: 53, protocol: 'UDP' as const };
  return policies.some((p) =>
    (p.egress ?? []).some(
      (r) =>
        (!r.ports || r.ports.some((port: NetworkPolicyPort) => typeof port.port === 'string' || portMatches(port, udp53, undefined))) &&
        (!r.peers || r.peers.some((peer) => peerMayBeDns(engine, p, peer, dns))),
    ),
  );
}

const IMDS = parseIp('169.254.169.254')!;

/**
 * Egress rules that let pods reach the cloud metadata service on TCP 80: rules to every destination (no
 * or empty `to`), and ipBlocks containing 169.254.169.254 — usually "the internet" written as 0.0.0.0/0.
 */
function imdsRules(policy: CompiledPolicy): { index: number; anywhere: boolean }[] {
  const http = { port: 80, protocol: 'TCP' as const };
  return (policy.egress ?? [])
    .filter((r) => !r.ports || r.ports.some((p) => portMatches(p, http, undefined)))
    .filter((r) => !r.peers || r.peers.some((peer) => peer.ipBlock && cidrContains(peer.ipBlock.cidr, IMDS) && !peer.ipBlock.except.some((e) => cidrContains(e, IMDS))))
    .map((r) => ({ index: r.index, anywhere: !r.peers }));
}

export function describePolicy(engine: PolicyEngine, policy: CompiledPolicy, pods: PodView[], dns: DnsTarget = dnsTarget()): PolicyDescription {
  const types = effectivePolicyTypes(policy.policy);
  const spec = policy.policy.spec;
  const warnings: string[] = [];
  if (types.inferred && types.egress && (spec.ingress ?? []).length === 0) {
    warnings.push('policyTypes is omitted, so it isolates Ingress as well as Egress: with no ingress rules it denies all ingress to the pods it selects');
  }
  if (!types.ingress && (spec.ingress ?? []).length > 0) warnings.push('its ingress rules are ignored: policyTypes does not list Ingress');
  if (!types.egress && (spec.egress ?? []).length > 0) warnings.push('its egress rules are ignored: policyTypes does not list Egress');
  if (types.egress && !allowsDns(engine, [policy], dns)) {
    warnings.push(`it isolates egress without allowing DNS (UDP 53 to ${DNS_NAMESPACE}/kube-dns): unless another policy allows it, name lookups from these pods fail`);
  }
  for (const { index, anywhere } of imdsRules(policy)) {
    warnings.push(
      anywhere
        ? `egress rule #${index} allows every destination, including 169.254.169.254, the cloud instance metadata service (IMDS), which hands out node credentials: list the destinations in "to", with 169.254.169.254/32 in an ipBlock's except list, unless these pods need it`
        : `egress rule #${index} includes 169.254.169.254, the cloud instance metadata service (IMDS), which hands out node credentials: add 169.254.169.254/32 to its except list unless these pods need it`,
    );
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
export function isolationOf(engine: PolicyEngine, pod: PodView, dns: DnsTarget = dnsTarget()): IsolationSummary {
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
  if (pod.hostNetwork) notes.push('it uses the host network: whether NetworkPolicies apply to hostNetwork pods is implementation-defined');
  if (egress.isolated && !allowsDns(engine, engine.policiesSelecting(pod, 'egress'), dns)) {
    notes.push(`egress is isolated and no rule allows DNS (UDP 53 to ${DNS_NAMESPACE}/kube-dns): name lookups will fail`);
  }
  for (const p of engine.policiesSelecting(pod, 'egress')) {
    for (const { index } of imdsRules(p)) notes.push(`egress rule #${index} of ${p.namespace}/${p.name} lets it reach 169.254.169.254, the cloud instance metadata service (IMDS)`);
  }
  notes.push('traffic from its own node (kubelet probes) is always allowed');
  return { pod: podName(pod), labels: { ...pod.labels }, fromTemplate: pod.template !== undefined, ingress: side('ingress'), egress, notes };
}
