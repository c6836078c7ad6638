// The can-reach use case: resolved endpoints + an optional port → one verdict per port and pair of
// pods, grouped so replicas with identical labels are reported once.
import { UnreachableError, UsageError } from '../errors.js';
import type { Protocol, ServicePort } from '../model/k8s.js';
import type { PolicyEngine, Unseen } from './engine.js';
import type { EngineReport } from './engine-choice.js';
import type { Verdict } from './types.js';
import { snatCaveat, type ResolvedEndpoint } from './endpoints.js';
import { equivalenceKey, ipBlocksOf, type IpBlocks } from './matrix.js';
import { finishedPhase } from './views.js';
import { parseCidr, type Cidr } from './cidr.js';
import { comparePorts, declaredPort, peerName, podName, type NotEvaluated, type Peer, type PodView, type SideTrace, type Traffic } from './types.js';

export interface PortRequest {
  /** a number or a name; absent = every port the destination declares */
  port?: number | string;
  protocol?: Protocol;
}

/** One asked port: the port as named to the destination (a Service port, or the pod port) and, per destination pod, the traffic it becomes. */
interface Check {
  port: number | string;
  protocol: Protocol;
  servicePort?: ServicePort;
  perDestination: (Traffic | undefined)[];
}

export interface EndpointSummary {
  input: string;
  kind: string;
  namespace?: string;
  name?: string;
  ip?: string;
  dns?: string;
  pods: string[];
  fromTemplate: boolean;
}

export interface ConnectionGroup {
  sources: string[];
  destinations: string[];
  /** the port as asked: the Service port for Services, else the pod port */
  port: number | string;
  /** the port at the destination pod (after Service DNAT / named-port resolution) */
  targetPort?: number;
  protocol: Protocol;
  allowed: boolean;
  egress: SideTrace;
  ingress: SideTrace;
  notes: string[];
  /** set when this connection's answer depends on data that could not be read; `allowed` is then false but no verdict */
  cannotTell?: Unseen[];
  /** dual-stack ends whose answer differs by IP family: each family's answer */
  families?: { family: 4 | 6; allowed: boolean | null }[];
}

export interface PortVerdict {
  port: number | string;
  protocol: Protocol;
  allowed: boolean;
  targetPorts: number[];
  /** no connection on this port is denied, but some could not be decided */
  cannotTell?: boolean;
}

export interface CanReachResult {
  /** true only when every asked port is allowed between every source pod and every destination pod */
  allowed: boolean;
  /**
   * Set when no connection is denied but some depend on data that could not be read: then there is no
   * verdict (exit 3). What was missing and the permission that would show it, each once.
   */
  cannotTell?: Unseen[];
  source: EndpointSummary;
  destination: EndpointSummary;
  ports: PortVerdict[];
  connections: ConnectionGroup[];
  /** the connection that decides the answer: the first denied one, else the first */
  deciding?: ConnectionGroup;
  notes: string[];
  /** every policy object read but not evaluated, whether or not it touches these endpoints (those the engine ignores last) */
  notEvaluated: NotEvaluated[];
  /** the engine whose kinds were evaluated, when one was named or detected */
  engine?: EngineReport;
}

export function summarize(e: ResolvedEndpoint): EndpointSummary {
  return { input: e.input, kind: e.kind, namespace: e.namespace, name: e.name, ip: e.ip, ...(e.dns !== undefined ? { dns: e.dns } : {}), pods: e.pods.map(podName), fromTemplate: e.fromTemplate };
}

function parsePortText(port: number | string): number | string {
  return typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
}

function protocolsFor(pods: PodView[], port: number, asked?: Protocol): Protocol[] {
  if (asked) return [asked];
  const declared = new Set<Protocol>();
  for (const pod of pods) for (const p of pod.ports) if (p.containerPort === port) declared.add(p.protocol ?? 'TCP');
  return declared.size > 0 ? [...declared].sort((a, b) => comparePorts({ protocol: a }, { protocol: b })) : ['TCP'];
}

function describePorts(pods: PodView[]): string {
  const seen = new Set<string>();
  const ports = pods.flatMap((pod) => pod.ports).sort((a, b) => comparePorts({ protocol: a.protocol, port: a.containerPort }, { protocol: b.protocol, port: b.containerPort }));
  for (const p of ports) seen.add(`${p.containerPort}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`);
  return seen.size ? [...seen].join(', ') : 'none';
}

function serviceChecks(destination: ResolvedEndpoint, request: PortRequest): Check[] {
  const service = destination.service!;
  const name = `${destination.namespace}/${destination.name}`;
  const all = (service.spec.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? ('TCP' as Protocol) })).sort(comparePorts);
  const wanted = request.port === undefined ? undefined : parsePortText(request.port);
  const chosen = all.filter((p) => (wanted === undefined || p.port === wanted || p.name === wanted) && (!request.protocol || p.protocol === request.protocol));
  if (chosen.length === 0) {
    const list = all.map((p) => `${p.port}/${p.protocol}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'none';
    const what = wanted === undefined ? `${request.protocol} ports` : `port ${wanted}${request.protocol ? `/${request.protocol}` : ''}`;
    throw new UsageError(`service ${name} has no ${what}; its ports: ${list}`);
  }
  return chosen.map((sp) => ({
    port: sp.port,
    protocol: sp.protocol,
    servicePort: sp,
    perDestination: destination.pods.map((pod) => {
      const target = sp.targetPort ?? sp.port;
      if (typeof target === 'number') return { port: target, protocol: sp.protocol };
      const cp = declaredPort(pod, target, sp.protocol);
      return cp ? { port: cp.containerPort, protocol: sp.protocol } : undefined;
    }),
  }));
}

function podChecks(destination: ResolvedEndpoint, request: PortRequest): Check[] {
  const pods = destination.pods;
  if (request.port === undefined) {
    if (destination.kind === 'ip') throw new UsageError(`${destination.input} is outside the cluster and declares no ports: pass --port`);
    const declared = new Map<string, { port: number; protocol: Protocol }>();
    for (const pod of pods) {
      for (const p of pod.ports) {
        const protocol = p.protocol ?? 'TCP';
        if (!request.protocol || request.protocol === protocol) declared.set(`${p.containerPort}/${protocol}`, { port: p.containerPort, protocol });
      }
    }
    if (declared.size === 0) throw new UsageError(`${destination.input} declares no ${request.protocol ?? ''}${request.protocol ? ' ' : ''}container ports: pass --port`);
    return [...declared.values()]
      .sort(comparePorts)
      .map(({ port, protocol }) => ({ port, protocol, perDestination: pods.map(() => ({ port, protocol })) }));
  }
  const port = parsePortText(request.port);
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`port ${port} is out of range (1-65535)`);
    // an address outside the cluster is a single destination with no pods behind it
    const count = destination.kind === 'ip' ? 1 : pods.length;
    return protocolsFor(pods, port, request.protocol).map((protocol) => ({ port, protocol, perDestination: Array.from({ length: count }, () => ({ port, protocol })) }));
  }
  if (destination.kind === 'ip') throw new UsageError(`a named port (${port}) needs a pod destination to resolve on; ${destination.input} is an address: pass a number`);
  const resolved = pods.map((pod) => declaredPort(pod, port, request.protocol));
  if (resolved.every((r) => r === undefined)) {
    throw new UsageError(`${destination.input} declares no port named ${port}${request.protocol ? `/${request.protocol}` : ''}; its ports: ${describePorts(pods)}`);
  }
  const protocols = new Set(resolved.filter((r) => r).map((r) => r!.protocol ?? 'TCP'));
  return [...protocols].sort((a, b) => comparePorts({ protocol: a }, { protocol: b })).map((protocol) => ({
    port,
    protocol,
    perDestination: resolved.map((r) => (r && (r.protocol ?? 'TCP') === protocol ? { port: r.containerPort, protocol } : undefined)),
  }));
}

/**
 * Can SOURCE open a connection to DESTINATION? Every source pod × destination pod × asked port is judged
 * (at the backend pods, after Service DNAT); pods with identical labels are judged once.
 */
export function canReach(engine: PolicyEngine, source: ResolvedEndpoint, destination: ResolvedEndpoint, request: PortRequest): CanReachResult {
  if (source.kind === 'ip' && destination.kind === 'ip') {
    throw new UsageError('both endpoints are addresses outside the cluster: NetworkPolicies only apply to pods');
  }
  for (const end of [source, destination]) {
    const phase = end.kind === 'Pod' ? finishedPhase(end.pods[0]) : undefined;
    if (phase) {
      throw new UnreachableError(
        `cannot tell: pod ${end.namespace}/${end.name} has finished (${phase}), so it sends and receives no traffic and no NetworkPolicy verdict applies to it; name its workload or a running pod`,
      );
    }
  }
  const checks = destination.service ? serviceChecks(destination, request) : podChecks(destination, request);
  const blocks: IpBlocks = ipBlocksOf(engine.policies, engine.extraCidrs);
  const sourcePeers: Peer[] = source.kind === 'ip' ? [{ kind: 'ip', ip: source.ip! }] : source.pods.map((pod) => ({ kind: 'pod', pod }));
  const dns = destination.dns;
  const addresses = dns !== undefined ? regionAddresses(blocks) : [];
  const destinationPeers: Peer[] = destination.kind === 'ip' ? [dns !== undefined ? { kind: 'ip', ip: addresses[0], dns } : { kind: 'ip', ip: destination.ip! }] : destination.pods.map((pod) => ({ kind: 'pod', pod }));
  const keyOf = (peer: Peer) => (peer.kind === 'ip' ? peerName(peer) : equivalenceKey(peer.pod, blocks));
  const nameOf = (peer: Peer) => (peer.kind === 'ip' ? peerName(peer) : podName(peer.pod));
  const evaluate = (src: Peer, dst: Peer, traffic: Traffic) => (dst.kind === 'ip' && dst.dns !== undefined ? evaluateName(engine, src, dst.dns, addresses, traffic) : engine.evaluate(src, dst, traffic));

  const notes: string[] = [];
  if (source.kind === 'ip' && destination.service) {
    const caveat = snatCaveat(destination.service);
    if (caveat) notes.push(caveat);
  }
  const connections: ConnectionGroup[] = [];
  const ports: PortVerdict[] = [];
  for (const check of checks) {
    const groups = new Map<string, ConnectionGroup>();
    const targetPorts = new Set<number>();
    destinationPeers.forEach((dst, di) => {
      const traffic = check.perDestination[di];
      if (!traffic) {
        const target = check.servicePort?.targetPort ?? check.port;
        notes.push(`${nameOf(dst)} declares no ${check.protocol} port named ${target}, so it receives no traffic for port ${check.port}`);
        return;
      }
      targetPorts.add(traffic.port);
      for (const src of sourcePeers) {
        const key = `${keyOf(src)}\u0001${keyOf(dst)}\u0001${traffic.port}`;
        const existing = groups.get(key);
        if (existing) {
          if (!existing.sources.includes(nameOf(src))) existing.sources.push(nameOf(src));
          if (!existing.destinations.includes(nameOf(dst))) existing.destinations.push(nameOf(dst));
          continue;
        }
        const verdict = evaluate(src, dst, traffic);
        groups.set(key, {
          sources: [nameOf(src)],
          destinations: [nameOf(dst)],
          port: check.port,
          targetPort: traffic.port !== check.port ? traffic.port : undefined,
          protocol: check.protocol,
          allowed: verdict.allowed,
          egress: verdict.egress,
          ingress: verdict.ingress,
          notes: verdict.notes,
          ...(verdict.cannotTell ? { cannotTell: verdict.cannotTell } : {}),
          ...(verdict.families ? { families: verdict.families } : {}),
        });
      }
    });
    const list = [...groups.values()];
    if (list.length === 0) notes.push(`no destination pod serves ${check.protocol} port ${check.port}`);
    connections.push(...list);
    const undecided = list.some((g) => g.cannotTell) && list.every((g) => g.allowed || g.cannotTell);
    ports.push({ port: check.port, protocol: check.protocol, allowed: list.length > 0 && list.every((g) => g.allowed), targetPorts: [...targetPorts], ...(undecided ? { cannotTell: true } : {}) });
  }
  // a denied connection is a fact whatever could not be read; otherwise an undecided one leaves no verdict
  const denied = connections.some((c) => !c.allowed && !c.cannotTell) || ports.some((p) => !p.allowed && !p.cannotTell);
  const unseen = new Map<string, Unseen>();
  if (!denied) for (const c of connections) for (const u of c.cannotTell ?? []) unseen.set(u.what, u);
  return {
    allowed: ports.every((p) => p.allowed),
    ...(unseen.size > 0 ? { cannotTell: [...unseen.values()] } : {}),
    source: summarize(source),
    destination: summarize(destination),
    ports,
    connections,
    deciding: connections.find((c) => !c.allowed && !c.cannotTell) ?? connections.find((c) => c.cannotTell) ?? connections[0],
    notes: [...new Set([...(source.notes ?? []), ...(destination.notes ?? []), ...notes])],
    notEvaluated: engine.leftOut,
    ...(engine.choice ? { engine: engine.choice } : {}),
  };
}

/**
 * One address in every region that the policies' CIDRs (ipBlocks, Cilium CIDRs, ANP networks, Calico
 * nets, their excepts) cut the address space into: any address a name resolves to meets the same
 * address rules as one of these.
 */
export function regionAddresses(blocks: { cidr: Cidr; except: Cidr[] }[]): string[] {
  const starts: Record<4 | 6, Set<bigint>> = { 4: new Set([0n]), 6: new Set([0n]) };
  for (const cidr of blocks.flatMap((b) => [b.cidr, ...b.except])) {
    const width = cidr.family === 4 ? 32 : 128;
    const size = 1n << BigInt(width - cidr.prefix);
    starts[cidr.family].add(cidr.network);
    if (cidr.network + size < 1n << BigInt(width)) starts[cidr.family].add(cidr.network + size);
  }
  const text4 = (v: bigint) => [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const text6 = (v: bigint) => Array.from({ length: 8 }, (_, i) => ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  const sorted = (xs: Set<bigint>) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // a public address first, so a trace shows an ordinary outside address where all regions agree
  const first = '203.0.113.10';
  const inFirst = parseCidr(`${first}/32`)!.network;
  return [first, ...sorted(starts[4]).filter((v) => v !== inFirst).map(text4), ...sorted(starts[6]).map(text6)];
}

/**
 * The verdict for a DNS name: the same for every address it could resolve to, or cannot tell. Cilium's
 * toFQDNs rules match the name itself; NetworkPolicy ipBlocks, CIDR rules and networks see only an address.
 */
function evaluateName(engine: PolicyEngine, source: Peer, name: string, addresses: string[], traffic: Traffic): Verdict {
  const verdicts = addresses.map((ip) => ({ ip, verdict: engine.evaluate(source, { kind: 'ip', ip, dns: name }, traffic) }));
  const first = verdicts[0].verdict;
  const same = verdicts.every(({ verdict }) => verdict.allowed === first.allowed && !verdict.cannotTell === !first.cannotTell);
  if (same) return { ...first, notes: [...first.notes, `dns:${name}: the same answer for every address the name could resolve to (judged as an address outside the cluster)`] };
  const allowedAt = verdicts.filter((v) => v.verdict.allowed && !v.verdict.cannotTell).map((v) => v.ip);
  const deniedAt = verdicts.filter((v) => !v.verdict.allowed && !v.verdict.cannotTell).map((v) => v.ip);
  const shown = (ips: string[]) => `${ips.slice(0, 3).join(', ')}${ips.length > 3 ? ', …' : ''}`;
  const denied = verdicts.find((v) => !v.verdict.allowed && !v.verdict.cannotTell)?.verdict ?? first;
  return {
    ...denied,
    allowed: false,
    cannotTell: [
      ...(denied.cannotTell ?? []),
      { what: `where dns:${name} resolves: address rules (ipBlock, CIDR, networks) decide differently by address (allowed e.g. at ${shown(allowedAt) || 'none'}, denied e.g. at ${shown(deniedAt) || 'none'}); only Cilium toFQDNs rules match DNS names` },
    ],
  };
}
