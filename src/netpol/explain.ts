// `explain networkpolicy/NAME` and `explain pod/NAME`: what a policy says, and how a pod is isolated.
import type { ClusterSnapshot } from '../model/k8s.js';
import type { Labels } from '../model/selectors.js';
import { cidrContains, parseCidr, parseIp, type Cidr, type Ip } from './cidr.js';
import { describeSubject } from './describe.js';
import { clusterPods, serviceBackends } from './endpoints.js';
import { effectivePolicyTypes, portMatches, type CompiledPolicy, type PolicyEngine } from './engine.js';
import { declaredPort, podName, type Direction, type PodView, type Traffic } from './types.js';

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
 * Where DNS queries land, as enforcement sees them: after the kube-dns Service's DNAT, at its backend
 * pods (else the kube-system pods labelled k8s-app=kube-dns, which CoreDNS keeps; else CoreDNS as
 * kubeadm and AKS deploy it), each with the traffic a query to port 53 becomes there, per protocol.
 */
export interface DnsTarget {
  namespace: string;
  /** label sets of the DNS pods (at least one) */
  labels: Labels[];
  /** known pod IPs of cluster DNS; never the Service's ClusterIP, which no policy ever sees */
  ips: Ip[];
  /** per protocol, the pods and the traffic (the Service's target port) a lookup becomes at each */
  targets: Record<DnsProtocol, { pod: PodView; traffic?: Traffic }[]>;
  /** the kube-dns Service's addresses, to say why an ipBlock over them does not count */
  serviceIps: Ip[];
}

export type DnsProtocol = 'UDP' | 'TCP';

const DNS_NAMESPACE = 'kube-system';
const COREDNS: PodView = {
  namespace: DNS_NAMESPACE,
  name: 'coredns',
  labels: { 'k8s-app': 'kube-dns' },
  ips: [],
  hostNetwork: false,
  ports: [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
  ],
};
/** where cluster DNS is when its IPs are unknown: somewhere in private address space */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map((c) => parseCidr(c)!);

export function dnsTarget(snapshot?: ClusterSnapshot): DnsTarget {
  const service = snapshot?.services.find((s) => s.metadata.namespace === DNS_NAMESPACE && s.metadata.name === 'kube-dns');
  let pods: PodView[] = [];
  if (snapshot && service?.spec.selector && Object.keys(service.spec.selector).length > 0) {
    try {
      const backends = serviceBackends(snapshot, service);
      if (!backends.fromTemplate) pods = backends.pods;
    } catch {
      // no backend and no template in the snapshot: fall through to the label
    }
  }
  if (pods.length === 0 && snapshot) pods = clusterPods(snapshot, [DNS_NAMESPACE]).filter((p) => p.labels['k8s-app'] === 'kube-dns' && !p.template);
  if (pods.length === 0) pods = [COREDNS];
  const targetsOf = (protocol: DnsProtocol) => {
    const sp = service?.spec.ports?.find((p) => p.port === 53 && (p.protocol ?? 'TCP') === protocol);
    const target = sp ? (sp.targetPort ?? sp.port) : 53;
    return pods.map((pod) => {
      if (typeof target === 'number') return { pod, traffic: { port: target, protocol } };
      const cp = declaredPort(pod, target, protocol);
      return { pod, traffic: cp ? { port: cp.containerPort, protocol } : undefined };
    });
  };
  const targets = { UDP: targetsOf('UDP'), TCP: targetsOf('TCP') };
  const serviceIps = [service?.spec.clusterIP, ...(service?.spec.clusterIPs ?? [])].flatMap((a) => (a ? [parseIp(a)] : [])).filter((ip): ip is Ip => ip !== undefined);
  const ips = pods.flatMap((p) => p.ips).map(parseIp).filter((ip): ip is Ip => ip !== undefined);
  return { namespace: DNS_NAMESPACE, labels: pods.map((p) => p.labels), ips, targets, serviceIps };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (cidrContains(a, { family: b.family, value: b.network }) || cidrContains(b, { family: a.family, value: a.network }));
}

/**
 * Do these egress policies let a lookup (53 to the kube-dns Service; UDP unless asked) reach cluster DNS?
 * Judged as can-reach judges it — egress to the DNS pods after DNAT, the Service's target port, named
 * ports by name and protocol on the DNS pods — so the explain warnings, audit's dns-egress-blocked and
 * can-reach always agree. "unknown" when only an ipBlock over private space could let it out and the
 * DNS pods' IPs are not in the snapshot, or a namespaceSelector over unreadable labels might.
 */
export function dnsEgress(engine: PolicyEngine, policies: CompiledPolicy[], dns: DnsTarget, protocol: DnsProtocol = 'UDP'): 'allowed' | 'denied' | 'unknown' {
  const targets = dns.targets[protocol];
  for (const { pod, traffic } of targets) {
    if (traffic && policies.some((p) => engine.policyAllows(p, 'egress', { kind: 'pod', pod }, traffic, pod.ports))) return 'allowed';
  }
  // a namespaceSelector over kube-system's unreadable labels might let it out: no claim either way
  const unread = (assume: boolean) => targets.some(({ pod, traffic }) => traffic && policies.some((p) => engine.policyAllows(p, 'egress', { kind: 'pod', pod }, traffic, pod.ports, assume)));
  if (engine.namespaceLabelsUnknown && unread(true)) return 'unknown';
  if (dns.ips.length > 0) return 'denied';
  const byAddress = policies.some((p) =>
    (p.egress ?? []).some(
      (r) =>
        targets.some(({ pod, traffic }) => traffic && (!r.ports || r.ports.some((port) => portMatches(port, traffic, pod.ports)))) &&
        r.peers?.some((peer) => peer.ipBlock && PRIVATE.some((range) => overlaps(peer.ipBlock!.cidr, range) && !peer.ipBlock!.except.some((e) => e.family === range.family && e.prefix <= range.prefix && cidrContains(e, { family: range.family, value: range.network })))),
    ),
  );
  return byAddress ? 'unknown' : 'denied';
}

/**
 * A pod's name lookups fail: its egress is isolated and none of the policies selecting it (unioned) allows
 * DNS. The pod view and the policy view both ask this, so they cannot disagree.
 */
export function dnsBlocked(engine: PolicyEngine, pod: PodView, dns: DnsTarget): boolean {
  const policies = engine.policiesSelecting(pod, 'egress');
  return policies.length > 0 && dnsEgress(engine, policies, dns) === 'denied';
}

/** ipBlocks that cover the kube-dns Service IP: a common way to "allow DNS" that enforcement never sees. */
function serviceIpRules(policy: CompiledPolicy, dns: DnsTarget): number[] {
  return (policy.egress ?? [])
    .filter((r) => r.peers?.some((peer) => peer.ipBlock && dns.serviceIps.some((ip) => cidrContains(peer.ipBlock!.cidr, ip) && !peer.ipBlock!.except.some((e) => cidrContains(e, ip)))))
    .map((r) => r.index);
}

const DNS_DENIED = `without allowing DNS (UDP 53 to ${DNS_NAMESPACE}/kube-dns)`;

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
  const selected = pods.filter((p) => p.namespace === policy.namespace && policy.selects(p.labels));
  // the pods' other policies may allow DNS (policies are unioned): warn for the pods whose lookups really fail
  const failing = selected.filter((p) => dnsBlocked(engine, p, dns));
  if (types.egress && dnsEgress(engine, [policy], dns) === 'denied' && (selected.length === 0 || failing.length > 0)) {
    warnings.push(
      selected.length === 0
        ? `it isolates egress ${DNS_DENIED}: unless another policy allows it, name lookups from the pods it selects fail`
        : failing.length === selected.length
          ? `it isolates egress ${DNS_DENIED}, and no other policy selecting these pods allows it: name lookups from them fail`
          : `it isolates egress ${DNS_DENIED}; other policies allow it for some of these pods, but not for ${failing.map(podName).join(', ')}: name lookups from those fail`,
    );
    for (const index of serviceIpRules(policy, dns)) {
      warnings.push(`egress rule #${index}'s ipBlock covers the kube-dns Service IP, but policies see DNS traffic after DNAT, at the DNS pods' own IPs: it does not allow DNS`);
    }
  }
  for (const { index, anywhere } of imdsRules(policy)) {
    warnings.push(
      anywhere
        ? `egress rule #${index} allows every destination, including 169.254.169.254, the cloud instance metadata service (IMDS), which hands out node credentials: list the destinations in "to", with 169.254.169.254/32 in an ipBlock's except list, unless these pods need it`
        : `egress rule #${index} includes 169.254.169.254, the cloud instance metadata service (IMDS), which hands out node credentials: add 169.254.169.254/32 to its except list unless these pods need it`,
    );
  }
  const selects = selected.map(podName);
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
  if (pod.hostNetwork) notes.push(engine.hostNetworkNote(pod));
  if (dnsBlocked(engine, pod, dns)) {
    notes.push(`egress is isolated and no rule allows DNS (UDP 53 to ${DNS_NAMESPACE}/kube-dns): name lookups will fail`);
  }
  for (const p of engine.policiesSelecting(pod, 'egress')) {
    for (const { index } of imdsRules(p)) notes.push(`egress rule #${index} of ${p.namespace}/${p.name} lets it reach 169.254.169.254, the cloud instance metadata service (IMDS)`);
  }
  notes.push('traffic from its own node (kubelet probes) is always allowed');
  return { pod: podName(pod), labels: { ...pod.labels }, fromTemplate: pod.template !== undefined, ingress: side('ingress'), egress, notes };
}
