// What every evaluated policy kind compiles to: policies with ordered rules whose actions are Allow,
// Deny, Pass or Log, matched against the other end of a connection. The engine orders them into tiers.
import type { ContainerPort, LabelSelector, Protocol } from '../../model/k8s.js';
import { compileSelector, type LabelPredicate, type Labels } from '../../model/selectors.js';
import type { Cidr } from '../cidr.js';
import type { Direction, Peer, PodView, Traffic } from '../types.js';

export type Action = 'Allow' | 'Deny' | 'Pass' | 'Log';

/** A rule matches, does not, or depends on something a static analysis cannot see (DNS answers, L7, cloud groups). */
export type Match = true | false | { maybe: string };

export interface MatchContext {
  namespaceLabels(namespace: string): Labels;
  /** the destination pod's declared ports, for named ports (undefined for an address) */
  destinationPorts: ContainerPort[] | undefined;
  /** the pod whose side is being decided (Calico rules also test it: source or destination by direction) */
  self?: PodView;
  direction?: Direction;
}

export interface CompiledRule {
  index: number;
  /** the rule's own name, where the API has one */
  name?: string;
  /** the action as the API spells it (Accept for ClusterNetworkPolicy) */
  action: Action;
  actionText: string;
  text: string;
  matches(other: Peer, traffic: Traffic, ctx: MatchContext): Match;
  /** said when this rule allows a connection: what it further limits that is not modelled (L7 rules) */
  caveat?: string;
  /** for `audit` (peer-selects-nothing, undeclared-named-port): the peers that select pods, as the rule matches them */
  podPeers?: PodPeer[];
  /** the rule names no peer, or one that takes every pod (Cilium entity all/cluster): every pod is a peer */
  anyPeer?: boolean;
  /**
   * for `audit` (allow-all): an Allow rule that matches every peer, pod or address, on every port and
   * protocol, and checks nothing more (no L7 match, no IP version)
   */
  allowsAll?: boolean;
  /** named ports of the rule, resolved on the destination pod (protocol unset: any) */
  namedPorts?: { name: string; protocol?: Protocol }[];
  /**
   * the rule also tests the subject (ctx.self: a Calico selector or net on the pod whose side is decided),
   * so its answer is not shared between subjects with the same policies
   */
  readsSelf?: boolean;
}

export interface CompiledExtraPolicy {
  kind: string;
  /** "CiliumNetworkPolicy shop/x" */
  title: string;
  /** a namespaced policy, which selects pods of this namespace only; undefined = cluster-wide */
  namespace?: string;
  name: string;
  /** priority (ANP, ClusterNetworkPolicy) or order (Calico); undefined = last */
  priority?: number;
  /** Calico tier; ANP/CNP tiers are their kinds */
  tier?: string;
  selects(pod: PodView, namespaceLabels: Labels): boolean;
  /** rules per direction the policy applies to; undefined = it does not affect that direction */
  ingress?: CompiledRule[];
  egress?: CompiledRule[];
  /** per direction, whether selecting a pod isolates it (Cilium's enableDefaultDeny: false does not); default yes */
  isolates?: { ingress: boolean; egress: boolean };
  /** CIDRs its rules compare pod IPs with: pods inside different ones are told apart (matrix classes) */
  cidrs?: Cidr[];
  /**
   * the rule set of its object it compiles, for a kind whose objects hold several (Cilium: `spec`, or
   * `specs[index]`), with the object's title; `several`: the object holds more than one, and then title and
   * name end in the path
   */
  ruleSet?: { objectTitle: string; path: string; index?: number; several: boolean };
}

/**
 * A rule peer that selects pods (not addresses or entities), for `audit`: where its pods may live and which
 * pods it selects, with the kind's own semantics (the matcher the rule uses).
 */
export interface PodPeer {
  /** as the rule's text says it */
  text: string;
  /** its pods must be in this namespace (a namespaced policy's own); unset: any namespace `namespaces` admits */
  namespace?: string;
  /** the namespaces it selects pods in, by their labels (kubernetes.io/metadata.name included); unset: no namespace selector */
  namespaces?: (namespace: string, labels: Labels) => boolean;
  /** the namespaces are named by name (kubernetes.io/metadata.name, projectcalico.org/name, io.kubernetes.pod.namespace) */
  byName?: boolean;
  /** every pod of the namespaces it admits (an empty pod selector): no pod label to get wrong */
  anyPod?: boolean;
  /** why it may match nothing though its labels are right (a kind's scoping rule), for the audit's message */
  scoping?: string;
  selects(pod: PodView, namespaceLabels: Labels): boolean;
}

/** How a rule tests the other end of a connection against one of its peers (namespace labels on demand). */
export type PeerMatch = (other: Peer, namespaceLabels: (namespace: string) => Labels) => Match;

/**
 * A peer that selects pods matches the other end exactly when that end is a pod it selects: the rule's
 * matcher and the audit's PodPeer.selects are one predicate, so the two cannot drift apart.
 */
export function podsPeerMatch(selects: PodPeer['selects']): PeerMatch {
  return (other, namespaceLabels) => other.kind === 'pod' && selects(other.pod, namespaceLabels(other.pod.namespace));
}

/** The named ports among port matches, for CompiledRule.namedPorts. */
export function namedPortsOf(ports: PortMatch[] | undefined): { name: string; protocol?: Protocol }[] | undefined {
  const named = (ports ?? []).filter((p): p is PortMatch & { name: string } => p.name !== undefined).map((p) => ({ name: p.name, ...(p.protocol ? { protocol: p.protocol } : {}) }));
  return named.length > 0 ? named : undefined;
}

export type Compiled<T> = { policy: T } | { problem: string };

export type Map = Record<string, unknown>;

export function isMap(x: unknown): x is Map {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Shape errors name the path: "spec.egress[0].to[1]: expected a map, found a list". */
export class ShapeError extends Error {}

export function mapAt(x: unknown, path: string): Map {
  if (x === undefined || x === null) return {};
  if (!isMap(x)) throw new ShapeError(`${path}: expected a map, found ${shape(x)}`);
  return x;
}

export function listAt(x: unknown, path: string): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new ShapeError(`${path}: expected a list, found ${shape(x)}`);
  return x;
}

export function mapsAt(x: unknown, path: string): Map[] {
  return listAt(x, path).map((e, i) => {
    if (!isMap(e)) throw new ShapeError(`${path}[${i}]: expected a map, found ${shape(e)}`);
    return e;
  });
}

export function stringsAt(x: unknown, path: string): string[] {
  return listAt(x, path).map((e, i) => {
    if (typeof e !== 'string') throw new ShapeError(`${path}[${i}]: expected a string, found ${shape(e)}`);
    return e;
  });
}

export function optionalNumber(x: unknown, path: string): number | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x)) return Number(x);
  throw new ShapeError(`${path}: expected a number, found ${shape(x)}`);
}

export function shape(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a map';
  if (typeof x === 'string') return `a string (${JSON.stringify(x)})`;
  return `a ${typeof x} (${String(x)})`;
}

export function directionWord(direction: Direction): 'from' | 'to' {
  return direction === 'ingress' ? 'from' : 'to';
}

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** A port (or range) on one protocol; name set for named ports, resolved on the destination pod. */
export interface PortMatch {
  protocol?: Protocol; // undefined = any protocol
  start?: number; // undefined with no name = any port
  end?: number;
  name?: string;
}

export function portMatch(p: PortMatch, traffic: Traffic, destinationPorts: ContainerPort[] | undefined): boolean {
  if (p.protocol && p.protocol !== traffic.protocol) return false;
  if (p.name !== undefined) {
    return (destinationPorts ?? []).some((cp) => cp.name === p.name && (cp.protocol ?? 'TCP') === traffic.protocol && cp.containerPort === traffic.port);
  }
  if (p.start === undefined) return true;
  return traffic.port >= p.start && traffic.port <= (p.end ?? p.start);
}

export function describePortMatch(p: PortMatch): string {
  const protocol = p.protocol ?? 'any protocol';
  if (p.name !== undefined) return `${p.protocol ?? ''}${p.protocol ? ' ' : ''}port named ${p.name}`;
  if (p.start === undefined) return `any ${p.protocol ?? ''}${p.protocol ? ' ' : ''}port`;
  return `${protocol} ${p.start}${p.end !== undefined && p.end !== p.start ? `-${p.end}` : ''}`;
}

export function describePortMatches(ports: PortMatch[] | undefined): string {
  return !ports || ports.length === 0 ? 'on any port' : `on ${ports.map(describePortMatch).join(', ')}`;
}

export function portsMatch(ports: PortMatch[] | undefined, traffic: Traffic, destinationPorts: ContainerPort[] | undefined): boolean {
  return !ports || ports.length === 0 || ports.some((p) => portMatch(p, traffic, destinationPorts));
}

// Namespace labels that could not be read. Their stand-in knows the namespace's name (the API server sets
// kubernetes.io/metadata.name) and records the namespace when any other key is looked at, also through the
// labels derived from it (Calico's pcns.KEY, Cilium's io.cilium.k8s.namespace.labels.KEY): a selector that
// never asks for another key is decided from what was read; one that does may change with the real labels.
const NAME_KEY = 'kubernetes.io/metadata.name';
const unread = new WeakMap<object, { namespace: string; reads: Set<string> }>();

/** The labels of a namespace that could not be read, noting in `reads` any look beyond its name. */
export function unreadNamespaceLabels(namespace: string, reads: Set<string>): Labels {
  const known: Labels = { [NAME_KEY]: namespace };
  const look = (key: string | symbol) => {
    if (key !== NAME_KEY && typeof key === 'string') reads.add(namespace);
  };
  const proxy = new Proxy(known, {
    get: (target, key) => (look(key), Reflect.get(target, key)),
    has: (target, key) => (look(key), Reflect.has(target, key)),
    getOwnPropertyDescriptor: (target, key) => (look(key), Reflect.getOwnPropertyDescriptor(target, key)),
    // listing every key reads them all
    ownKeys: (target) => (reads.add(namespace), Reflect.ownKeys(target)),
  });
  unread.set(proxy, { namespace, reads });
  return proxy;
}

/**
 * An engine's labels for a pod (its own plus its namespace's under the engine's prefix), built once per pod:
 * selectors test them once per policy and matrix cell, and pods and namespace labels do not change once read.
 */
export function labelsOncePerPod(build: (pod: PodView, namespaceLabels: Labels) => Labels): (pod: PodView, namespaceLabels: Labels) => Labels {
  const derived = new WeakMap<PodView, { namespaceLabels: Labels; labels: Labels }>();
  return (pod, namespaceLabels) => {
    const hit = derived.get(pod);
    if (hit?.namespaceLabels === namespaceLabels) return hit.labels;
    const labels = build(pod, namespaceLabels);
    derived.set(pod, { namespaceLabels, labels });
    return labels;
  };
}

/**
 * `own` with a namespace's labels added under `prefix` (namespace labels win, as Cilium and Calico add them
 * last). For labels that could not be read, the result is a view that looks a key under the prefix up in
 * them only when a selector asks for it, so only a selector that reads a namespace label is noted.
 */
export function withNamespaceLabels(own: Record<string, string>, namespaceLabels: Labels, prefix: string): Labels {
  if (!unread.has(namespaceLabels)) {
    for (const [k, v] of Object.entries(namespaceLabels)) own[`${prefix}${k}`] = v;
    return own;
  }
  const name = namespaceLabels[NAME_KEY];
  if (name !== undefined) own[`${prefix}${NAME_KEY}`] = name;
  // keys set here win (the name, projectcalico.org/name); the rest under the prefix are the namespace's
  const derived = (key: string | symbol): key is string => typeof key === 'string' && key.startsWith(prefix) && !Object.prototype.hasOwnProperty.call(own, key);
  const descriptor = (value: string | undefined) => (value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true });
  return new Proxy(own, {
    get: (target, key) => (derived(key) ? namespaceLabels[key.slice(prefix.length)] : Reflect.get(target, key)),
    has: (target, key) => (derived(key) ? key.slice(prefix.length) in namespaceLabels : Reflect.has(target, key)),
    getOwnPropertyDescriptor: (target, key) =>
      derived(key) ? descriptor(Object.prototype.hasOwnProperty.call(namespaceLabels, key.slice(prefix.length)) ? namespaceLabels[key.slice(prefix.length)] : undefined) : Reflect.getOwnPropertyDescriptor(target, key),
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), ...Reflect.ownKeys(namespaceLabels).map((k) => `${prefix}${String(k)}`)])],
  });
}

/**
 * A label selector as a predicate that tests the requirements on keys `late` says may be unknown (namespace
 * labels) only after the others: when a known requirement fails, the unknown ones are never looked at.
 * AND is order-free, so the answer is the selector's.
 */
export function compileKnownFirst(selector: LabelSelector, late: (key: string) => boolean): LabelPredicate {
  const part = (wantLate: boolean): LabelSelector => ({
    matchLabels: Object.fromEntries(Object.entries(selector.matchLabels ?? {}).filter(([k]) => late(k) === wantLate)),
    matchExpressions: (selector.matchExpressions ?? []).filter((e) => late(e.key) === wantLate),
  });
  const early = compileSelector(part(false));
  const rest = compileSelector(part(true));
  return (labels) => early(labels) && rest(labels);
}
