// Plain data the NetworkPolicy engine reasons about, independent of where it was read from.
import type { ContainerPort, Protocol, WorkloadKind } from '../model/k8s.js';
import type { Labels } from '../model/selectors.js';

export type Direction = 'ingress' | 'egress';

/** What the policies need to know about a pod: where it lives, its labels, IPs and named ports. */
export interface PodView {
  namespace: string;
  name: string;
  labels: Labels;
  /** status.podIPs (or podIP); empty when unknown (manifests, workload templates) */
  ips: string[];
  /** declared container ports: named ports in policies resolve against these */
  ports: ContainerPort[];
  hostNetwork: boolean;
  /** spec.serviceAccountName ("default" when unset): Cilium and Calico policies can select by it */
  serviceAccount?: string;
  /** status.phase of a pod read with its status (unset for templates and manifests without status) */
  phase?: string;
  /** set when this stands for a workload that has no running pods: its pod template */
  template?: { kind: WorkloadKind; name: string };
}

/** One end of a connection: a pod, or an address outside the pod network. */
/**
 * dns: set when the address stands for a DNS name (`dns:NAME`): Cilium's toFQDNs rules match the name;
 * every other rule sees `ip`, one of the addresses the name could resolve to.
 */
export type Peer = { kind: 'pod'; pod: PodView } | { kind: 'ip'; ip: string; dns?: string };

export interface Traffic {
  /** destination port as seen by the destination pod (after Service DNAT) */
  port: number;
  protocol: Protocol;
}

export interface RuleTrace {
  index: number;
  /** one-line English rendering of the rule */
  text: string;
  matched: boolean;
  /** why the rule did not match this connection */
  why?: string;
}

export interface PolicyTrace {
  /** set for kinds other than NetworkPolicy that joined the union (CiliumNetworkPolicy, …) */
  kind?: string;
  namespace: string;
  name: string;
  allowed: boolean;
  /** index of the first rule that allows the connection */
  rule?: number;
  ruleText?: string;
  /** one line: the rule that allowed it, or why nothing did */
  summary: string;
  rules: RuleTrace[];
}

export interface SideTrace {
  direction: Direction;
  allowed: boolean;
  /** the pod whose policies were consulted, NS/NAME */
  subject?: string;
  /** set when this side is not subject to NetworkPolicy (an address outside the cluster) */
  skipped?: string;
  /** true when at least one policy selects the subject for this direction */
  isolated: boolean;
  /** the policies that select the subject for this direction, in name order */
  policies: PolicyTrace[];
  /**
   * Set when a rule of another policy kind decided this side (an AdminNetworkPolicy Deny, a Cilium deny,
   * a Calico rule or tier end, a baseline Allow…): tier, priority/order, rule and action.
   */
  decidedBy?: RuleRef;
  /** Pass rules that handed this side on to the next tier */
  passed?: RuleRef[];
  /** rules that cannot be decided statically and could change this side's answer (FQDN, node peers…) */
  undecided?: string[];
}

/** The rule of a tiered policy kind that decided a side, or passed it on. */
export interface RuleRef {
  kind: string;
  /** "AdminNetworkPolicy deny-imds", "CiliumNetworkPolicy shop/x" */
  policy: string;
  /** admin, baseline, cilium, or the Calico tier's name */
  tier: string;
  priority?: number;
  /** the rule's index; -1 for Calico's implicit end-of-tier deny */
  rule: number;
  ruleName?: string;
  /** as the API spells it: Allow, Accept, Deny, Pass, Log; "end of tier" for Calico's implicit deny */
  action: string;
  text: string;
}

/** A policy object that was read but not evaluated (or a list of policies that could not be read). */
export interface NotEvaluated {
  /** "CiliumNetworkPolicy shop/l7", "ciliumnetworkpolicies.cilium.io in namespace shop" */
  object: string;
  reason: string;
}

export interface Verdict {
  allowed: boolean;
  egress: SideTrace;
  ingress: SideTrace;
  /** implementation-defined corners worth knowing about (hostNetwork, loopback, Cilium ipBlock…) */
  notes: string[];
  /**
   * Set when the answer cannot be told: it depends on data the reader could not see (say, namespace labels
   * without the right to list namespaces; then with the permission), on a policy that was read but not
   * evaluated, or on a rule that cannot be decided statically. `allowed` is then not a verdict.
   */
  cannotTell?: { what: string; permission?: string }[];
  /**
   * Set on a connection between dual-stack ends whose answer differs by IP family (an ipBlock of one
   * family): each family's answer (null: cannot tell). `allowed` is then false, and the traces are for
   * the first family that is not allowed.
   */
  families?: { family: 4 | 6; allowed: boolean | null }[];
}

export function podName(pod: PodView): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * The container port a pod declares under this name, on this protocol (the declared protocol defaults to
 * TCP); no protocol asked: on any. Named ports in policies and Service targetPorts resolve this way.
 */
export function declaredPort(pod: Pick<PodView, 'ports'>, name: string, protocol?: Protocol): ContainerPort | undefined {
  return pod.ports.find((cp) => cp.name === name && (!protocol || (cp.protocol ?? 'TCP') === protocol));
}

export function peerName(peer: Peer): string {
  return peer.kind === 'ip' ? (peer.dns !== undefined ? `dns:${peer.dns}` : `ip:${peer.ip}`) : podName(peer.pod);
}

const PROTOCOL_RANK: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * The one order of port lists in every output: TCP, then UDP, then SCTP; within a protocol "any port"
 * first, then numbers ascending, then names.
 */
export function comparePorts(a: { protocol?: string; port?: number | string | null }, b: { protocol?: string; port?: number | string | null }): number {
  const rank = (p: { protocol?: string }) => PROTOCOL_RANK[p.protocol ?? 'TCP'] ?? 3;
  const kind = (p: { port?: number | string | null }) => (p.port === undefined || p.port === null ? 0 : typeof p.port === 'number' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (kind(a) !== kind(b)) return kind(a) - kind(b);
  if (typeof a.port === 'number' && typeof b.port === 'number') return a.port - b.port;
  return String(a.port ?? '') < String(b.port ?? '') ? -1 : String(a.port ?? '') > String(b.port ?? '') ? 1 : 0;
}

/** A pod's declared ports as one key, whatever their order: what named ports and port matches read of it. */
export function portsKey(pod: Pick<PodView, 'ports'>): string {
  return pod.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol ?? 'TCP'}`).sort().join(',');
}

/** The IP families of an endpoint: a pod's known IPs (none known: undefined), an address's own. */
export function familiesOf(peer: Peer): (4 | 6)[] | undefined {
  const ips = peer.kind === 'ip' ? [peer.ip] : peer.pod.ips;
  const families = new Set(ips.map((ip) => (ip.includes(':') ? 6 : 4) as 4 | 6));
  return families.size > 0 ? [...families].sort() : undefined;
}

/** The same endpoint seen over one IP family: a pod keeps only that family's IPs. */
export function overFamily(peer: Peer, family: 4 | 6): Peer {
  if (peer.kind !== 'pod') return peer;
  return { kind: 'pod', pod: { ...peer.pod, ips: peer.pod.ips.filter((ip) => (ip.includes(':') ? 6 : 4) === family) } };
}

/** The families a connection between these ends can use: both have them (an end without known IPs takes any). */
export function connectionFamilies(source: Peer, destination: Peer): (4 | 6)[] {
  return sharedFamilies(familiesOf(source), familiesOf(destination));
}

/** connectionFamilies over the ends' familiesOf, for callers that keep them. */
export function sharedFamilies(a: (4 | 6)[] | undefined, b: (4 | 6)[] | undefined): (4 | 6)[] {
  if (!a) return b ?? [];
  if (!b) return a;
  return a.filter((f) => b.includes(f));
}

export function familyName(family: 4 | 6): string {
  return family === 4 ? 'IPv4' : 'IPv6';
}
