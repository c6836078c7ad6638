// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and their
// successor ClusterNetworkPolicy (v1alpha2, tiers Admin and Baseline): cluster-scoped, prioritised,
// first matching rule wins. See docs/network-policies.md for the precedence around NetworkPolicy.
import type { LabelSelector, PolicyObject, Protocol } from '../../model/k8s.js';
import { compileSelector, formatSelector, isEmptySelector, selectorProblem, type LabelPredicate, type Labels } from '../../model/selectors.js';
import { cidrContains, parseCidr, parseIp, parseIps, type Cidr } from '../cidr.js';
import type { PodView } from '../types.js';
import { policyTitle } from './index.js';
import {
  ShapeError,
  compileKnownFirst,
  describePortMatches,
  isMap,
  namedPortsOf,
  mapAt,
  podsPeerMatch,
  mapsAt,
  optionalNumber,
  portsMatch,
  shape,
  stringsAt,
  type Action,
  type Compiled,
  type CompiledExtraPolicy,
  type CompiledRule,
  type Map,
  type Match,
  type PeerMatch,
  type PodPeer,
  type PortMatch,
} from './common.js';

function selectorAt(x: unknown, path: string): LabelSelector {
  const problem = selectorProblem(x as LabelSelector);
  if (problem) throw new ShapeError(`${path}: ${problem}`);
  return (x ?? {}) as LabelSelector;
}

function describeNamespaces(selector: LabelSelector): string {
  return isEmptySelector(selector) ? 'any namespace' : `namespaces with ${formatSelector(selector)}`;
}

/** Namespace labels may be unread (all but the name): requirements on the name are tested first. */
const compileNamespaceSelector = (selector: LabelSelector) => compileKnownFirst(selector, (key) => key !== 'kubernetes.io/metadata.name');

interface PodsPeer {
  namespaces: LabelPredicate;
  /**
   * the subject's pods, or the peer's: not host-networked (API doc of the peer types: "host-networked pods
   * are not included"), pod labels first: namespace labels may be unread, and a pod that fails its selector
   * settles it
   */
  selects: (pod: PodView, namespaceLabels: Labels) => boolean;
  /** for audit: the namespace selector names namespaces by name; the pod selector is empty */
  byName: boolean;
  anyPod: boolean;
}

function podsPeer(ns: LabelSelector, pods: LabelPredicate, anyPod: boolean): PodsPeer {
  const namespaces = compileNamespaceSelector(ns);
  return { namespaces, selects: (pod, nsLabels) => !pod.hostNetwork && pods(pod.labels) && namespaces(nsLabels), byName: namesByName(ns), anyPod };
}

function namesByName(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).includes('kubernetes.io/metadata.name') || (selector.matchExpressions ?? []).some((e) => e.key === 'kubernetes.io/metadata.name');
}

/** subject and pod peers alike: namespaces (every pod in them) or pods (namespaceSelector AND podSelector) */
function compilePodsPeer(peer: Map, path: string): { match: PodsPeer; text: string } | undefined {
  if (peer.namespaces !== undefined && peer.namespaces !== null) {
    const ns = selectorAt(peer.namespaces, `${path}.namespaces`);
    return { match: podsPeer(ns, () => true, true), text: `every pod in ${describeNamespaces(ns)}` };
  }
  if (peer.pods !== undefined && peer.pods !== null) {
    const pods = mapAt(peer.pods, `${path}.pods`);
    const ns = selectorAt(pods.namespaceSelector, `${path}.pods.namespaceSelector`);
    const ps = selectorAt(pods.podSelector, `${path}.pods.podSelector`);
    const who = isEmptySelector(ps) ? 'any pod' : `pods with ${formatSelector(ps)}`;
    return { match: podsPeer(ns, compileSelector(ps), isEmptySelector(ps)), text: `${who} in ${describeNamespaces(ns)}` };
  }
  return undefined;
}

function compilePeer(peer: Map, path: string, direction: 'ingress' | 'egress', cidrsSeen: Cidr[]): { match: PeerMatch; text: string; pods?: PodPeer; networks?: Cidr[] } | undefined {
  const pods = compilePodsPeer(peer, path);
  if (pods) {
    const { namespaces, selects, byName, anyPod } = pods.match;
    return {
      text: pods.text,
      pods: { text: pods.text, namespaces: (_ns, labels) => namespaces(labels), byName, anyPod, selects },
      match: podsPeerMatch(selects),
    };
  }
  if (direction === 'egress' && peer.networks !== undefined && peer.networks !== null) {
    const cidrs = stringsAt(peer.networks, `${path}.networks`).map((text, i) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new ShapeError(`${path}.networks[${i}]: ${JSON.stringify(text)} is not a CIDR`);
      return cidr;
    });
    cidrsSeen.push(...cidrs);
    // networks match cluster-internal traffic too: a pod's IP inside the CIDR is matched
    return {
      text: `IPs in ${cidrs.map((c) => c.text).join(', ')}`,
      networks: cidrs,
      match: (other) => {
        if (other.kind === 'ip') {
          const ip = parseIp(other.ip);
          return ip !== undefined && cidrs.some((c) => cidrContains(c, ip));
        }
        return parseIps(other.pod.ips).some((ip) => cidrs.some((c) => cidrContains(c, ip)));
      },
    };
  }
  if (direction === 'egress' && peer.nodes !== undefined && peer.nodes !== null) {
    const nodes = selectorAt(peer.nodes, `${path}.nodes`);
    const text = isEmptySelector(nodes) ? 'any node' : `nodes with ${formatSelector(nodes)}`;
    return {
      text,
      match: (other) =>
        other.kind === 'ip' || other.pod.hostNetwork ? { maybe: `whether ${other.kind === 'ip' ? other.ip : `${other.pod.namespace}/${other.pod.name}'s node`} is one of ${text} (nodes are not read)` } : false,
    };
  }
  if (direction === 'egress' && peer.domainNames !== undefined && peer.domainNames !== null) {
    const names = stringsAt(peer.domainNames, `${path}.domainNames`);
    return {
      text: `domains ${names.join(', ')}`,
      match: (other) => (other.kind === 'ip' ? { maybe: `whether ${other.ip} is what ${names.join(', ')} resolve to (DNS answers are not known statically)` } : false),
    };
  }
  return undefined;
}

const PROTOCOL_KEYS: [string, Protocol][] = [
  ['tcp', 'TCP'],
  ['udp', 'UDP'],
  ['sctp', 'SCTP'],
];

function portNumber(x: unknown, path: string): number {
  const n = optionalNumber(x, path);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 65535) throw new ShapeError(`${path}: expected a port number 1-65535, found ${shape(x)}`);
  return n;
}

function protocolAt(x: unknown, path: string): Protocol {
  if (x === undefined || x === null) return 'TCP';
  if (x === 'TCP' || x === 'UDP' || x === 'SCTP') return x;
  throw new ShapeError(`${path}: protocol must be TCP, UDP or SCTP, found ${shape(x)}`);
}

/** v1alpha1 `ports`: portNumber, namedPort or portRange */
function compileV1alpha1Ports(x: unknown, path: string): PortMatch[] | undefined {
  if (x === undefined || x === null) return undefined;
  return mapsAt(x, path).map((p, i) => {
    const at = `${path}[${i}]`;
    if (isMap(p.portNumber)) return { protocol: protocolAt(p.portNumber.protocol, `${at}.portNumber.protocol`), start: portNumber(p.portNumber.port, `${at}.portNumber.port`) };
    if (typeof p.namedPort === 'string') return { name: p.namedPort };
    if (isMap(p.portRange)) {
      const start = portNumber(p.portRange.start, `${at}.portRange.start`);
      const end = portNumber(p.portRange.end, `${at}.portRange.end`);
      if (end < start) throw new ShapeError(`${at}.portRange: end ${end} is before start ${start}`);
      return { protocol: protocolAt(p.portRange.protocol, `${at}.portRange.protocol`), start, end };
    }
    throw new ShapeError(`${at}: expected one of portNumber, namedPort or portRange`);
  });
}

/** v1alpha2 `protocols`: tcp/udp/sctp with destinationPort (number or range), or destinationNamedPort */
function compileV1alpha2Protocols(x: unknown, path: string): PortMatch[] | undefined {
  if (x === undefined || x === null) return undefined;
  return mapsAt(x, path).map((p, i) => {
    const at = `${path}[${i}]`;
    if (typeof p.destinationNamedPort === 'string') return { name: p.destinationNamedPort };
    for (const [key, protocol] of PROTOCOL_KEYS) {
      if (p[key] === undefined || p[key] === null) continue;
      const dp = mapAt(mapAt(p[key], `${at}.${key}`).destinationPort, `${at}.${key}.destinationPort`);
      if (dp.number !== undefined) return { protocol, start: portNumber(dp.number, `${at}.${key}.destinationPort.number`) };
      if (isMap(dp.range)) {
        const start = portNumber(dp.range.start, `${at}.${key}.destinationPort.range.start`);
        const end = portNumber(dp.range.end, `${at}.${key}.destinationPort.range.end`);
        if (end < start) throw new ShapeError(`${at}.${key}.destinationPort.range: end ${end} is before start ${start}`);
        return { protocol, start, end };
      }
      return { protocol };
    }
    throw new ShapeError(`${at}: expected one of tcp, udp, sctp or destinationNamedPort`);
  });
}

const ACTIONS: Record<string, { v1alpha1?: Action; v1alpha2?: Action }> = {
  Allow: { v1alpha1: 'Allow' },
  Accept: { v1alpha2: 'Allow' },
  Deny: { v1alpha1: 'Deny', v1alpha2: 'Deny' },
  Pass: { v1alpha1: 'Pass', v1alpha2: 'Pass' },
};

function compileRules(spec: Map, direction: 'ingress' | 'egress', v2: boolean, baseline: boolean, cidrs: Cidr[]): CompiledRule[] | undefined {
  if (spec[direction] === undefined || spec[direction] === null) return undefined;
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  return mapsAt(spec[direction], `spec.${direction}`).map((rule, index) => {
    const at = `spec.${direction}[${index}]`;
    const actionText = rule.action;
    const action = typeof actionText === 'string' ? ACTIONS[actionText]?.[v2 ? 'v1alpha2' : 'v1alpha1'] : undefined;
    if (!action || (baseline && !v2 && action === 'Pass')) {
      const allowed = v2 ? 'Accept, Deny or Pass' : baseline ? 'Allow or Deny' : 'Allow, Deny or Pass';
      throw new ShapeError(`${at}.action: expected ${allowed}, found ${shape(actionText)}`);
    }
    const peerMaps = mapsAt(rule[peersKey], `${at}.${peersKey}`);
    if (peerMaps.length === 0) throw new ShapeError(`${at}.${peersKey}: needs at least one peer`);
    const peers = peerMaps.map((p, i) => compilePeer(p, `${at}.${peersKey}[${i}]`, direction, cidrs));
    const ports = v2 ? compileV1alpha2Protocols(rule.protocols, `${at}.protocols`) : compileV1alpha1Ports(rule.ports, `${at}.ports`);
    // a peer with no field this reader knows (a newer CRD version): fail closed, as the API asks —
    // an Allow matches nothing, a Deny or Pass matches everything
    const unknownPeer = peers.some((p) => p === undefined);
    const known = peers.filter((p): p is NonNullable<typeof p> => p !== undefined);
    const name = typeof rule.name === 'string' ? rule.name : undefined;
    const who = [...known.map((p) => p.text), ...(unknownPeer ? ['a peer of an unknown type'] : [])].join(', or ');
    return {
      index,
      name,
      action,
      actionText: String(actionText),
      text: `${actionText} ${peersKey} ${who} ${describePortMatches(ports)}`,
      podPeers: known.flatMap((p) => (p.pods ? [p.pods] : [])),
      // networks match pod IPs too: 0.0.0.0/0 and ::/0 on every port reach every peer (ingress peers name no addresses)
      ...(action === 'Allow' && !ports && [4, 6].every((family) => known.some((p) => p.networks?.some((c) => c.family === family && c.prefix === 0))) ? { allowsAll: true } : {}),
      namedPorts: namedPortsOf(ports),
      matches(other, traffic, ctx): Match {
        if (!portsMatch(ports, traffic, ctx.destinationPorts)) return false;
        let maybe: string | undefined;
        for (const p of known) {
          const m = p.match(other, ctx.namespaceLabels);
          if (m === true) return true;
          if (m !== false) maybe ??= m.maybe;
        }
        if (unknownPeer && action !== 'Allow') return true;
        return maybe ? { maybe } : false;
      },
    } satisfies CompiledRule;
  });
}

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy → tiers admin/baseline. */
export function compileAdminPolicy(object: PolicyObject): Compiled<CompiledExtraPolicy & { tier: 'admin' | 'baseline' }> {
  try {
    const spec = mapAt(object.spec, 'spec');
    const v2 = object.kind === 'ClusterNetworkPolicy';
    let tier: 'admin' | 'baseline';
    if (v2) {
      if (spec.tier !== 'Admin' && spec.tier !== 'Baseline') throw new ShapeError(`spec.tier: expected Admin or Baseline, found ${shape(spec.tier)}`);
      tier = spec.tier === 'Admin' ? 'admin' : 'baseline';
    } else {
      tier = object.kind === 'BaselineAdminNetworkPolicy' ? 'baseline' : 'admin';
    }
    let priority: number | undefined;
    if (v2 || tier === 'admin') {
      priority = optionalNumber(spec.priority, 'spec.priority');
      if (priority === undefined || !Number.isInteger(priority) || priority < 0 || priority > 1000) {
        throw new ShapeError(`spec.priority: expected a whole number 0-1000, found ${shape(spec.priority)}`);
      }
    }
    const subject = compilePodsPeer(mapAt(spec.subject, 'spec.subject'), 'spec.subject');
    if (!subject) throw new ShapeError('spec.subject: expected namespaces or pods');
    const cidrs: Cidr[] = [];
    const ingress = compileRules(spec, 'ingress', v2, tier === 'baseline', cidrs);
    const egress = compileRules(spec, 'egress', v2, tier === 'baseline', cidrs);
    return {
      policy: {
        kind: object.kind,
        title: policyTitle(object),
        name: object.metadata.name,
        priority,
        tier,
        // the subject selects as a peer does (host-networked pods are not subjects either)
        selects: subject.match.selects,
        ingress,
        egress,
        cidrs,
      },
    };
  } catch (err) {
    if (err instanceof ShapeError) return { problem: err.message };
    throw err;
  }
}
