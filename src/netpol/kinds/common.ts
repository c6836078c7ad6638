// What every evaluated policy kind compiles to: policies with ordered rules whose actions are Allow,
// Deny, Pass or Log, matched against the other end of a connection. The engine orders them into tiers.
import type { ContainerPort, Protocol } from '../../model/k8s.js';
import type { Labels } from '../../model/selectors.js';
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
