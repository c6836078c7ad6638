// Reachability matrices. Pods that agree on everything a policy can look at (namespace, labels,
// declared ports, and which ipBlocks contain their IPs) get the same verdicts, so the matrix is
// computed once per pair of such equivalence classes and then spread over the pods.
import { UsageError } from '../errors.js';
import type { LabelSelector, Protocol } from '../model/k8s.js';
import { labelsKey } from '../model/selectors.js';
import { cidrContains, parseIps, type Cidr } from './cidr.js';
import type { CompiledPolicy, PolicyEngine, Unseen } from './engine.js';
import type { EngineReport } from './engine-choice.js';
import { comparePorts, declaredPort, familiesOf, overFamily, peerName, portsKey, sharedFamilies, type NotEvaluated, type Peer, type PodView, type Traffic } from './types.js';

export interface PortQuery {
  /** a number, or a container port name resolved on each destination pod */
  port: number | string;
  /** required for numeric ports; for named ports it narrows the match (else the declared protocol is used) */
  protocol?: Protocol;
}

export const NOT_APPLICABLE = 2;
/** a cell whose verdict depends on data that could not be read (namespace labels without list on namespaces), on a policy that was not evaluated, or on a rule that cannot be judged statically */
export const CANNOT_TELL = 3;

export interface Matrix {
  /** NS/POD for pods (workload templates use the workload's name), ip:ADDR for externals */
  endpoints: string[];
  queries: PortQuery[];
  /** per query, row-major n×n: 1 allowed, 0 denied, 2 not applicable (named port absent, external to external), 3 cannot tell */
  cells: Uint8Array[];
  /** per query and destination index: the protocol a named port resolved to */
  protocols: (Protocol | undefined)[][];
  /** how many distinct equivalence classes the verdicts were computed for */
  classes: number;
  /** each endpoint's class: endpoints of one class have identical rows and columns */
  classOf?: Int32Array;
  /** set when some cell is CANNOT_TELL: what was missing and, for unreadable data, the permission that would show it */
  cannotTell?: Unseen[];
  /** policy objects read but not evaluated (cells they may touch are CANNOT_TELL), then those the engine ignores */
  notEvaluated: NotEvaluated[];
  /** the engine whose kinds were evaluated, when one was named or detected */
  engine?: EngineReport;
}

export interface MatrixVerdict {
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  /** null: cannot tell (the verdict depends on data that could not be read) */
  allowed: boolean | null;
}

/** Resolves a port query against a destination: numbers pass through, names resolve on the destination pod. */
export function resolveQuery(query: PortQuery, destination: Peer): Traffic | undefined {
  if (typeof query.port === 'number') return { port: query.port, protocol: query.protocol ?? 'TCP' };
  if (destination.kind !== 'pod') return undefined;
  const cp = declaredPort(destination.pod, query.port, query.protocol);
  return cp ? { port: cp.containerPort, protocol: cp.protocol ?? 'TCP' } : undefined;
}

export type IpBlocks = { cidr: Cidr; except: Cidr[] }[];

/**
 * Every distinct ipBlock in the policies (and CIDR other kinds compare pod IPs with): pods inside the
 * same ones are indistinguishable to them.
 */
export function ipBlocksOf(policies: CompiledPolicy[], otherCidrs: Cidr[] = []): { cidr: Cidr; except: Cidr[] }[] {
  const seen = new Map<string, { cidr: Cidr; except: Cidr[] }>();
  for (const cidr of otherCidrs) seen.set(`${cidr.text}|`, { cidr, except: [] });
  for (const p of policies) {
    for (const rule of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
      for (const peer of rule.peers ?? []) {
        if (peer.ipBlock) seen.set(`${peer.ipBlock.cidr.text}|${peer.ipBlock.except.map((e) => e.text).join(',')}`, peer.ipBlock);
      }
    }
  }
  return [...seen.values()];
}

/**
 * The pod label keys that NetworkPolicy pod selectors read (the policy's podSelector and its peers'):
 * labels outside this set cannot change a verdict. Undefined when other policy kinds or unevaluated
 * objects take part, whose selectors (Calico expressions, Cilium endpoint selectors) may read any label.
 */
export function podLabelKeysRead(engine: PolicyEngine): ReadonlySet<string> | undefined {
  if (engine.tiered || engine.notEvaluated.length > 0) return undefined;
  const keys = new Set<string>();
  const add = (selector: LabelSelector | undefined) => {
    for (const key of Object.keys(selector?.matchLabels ?? {})) keys.add(key);
    for (const req of selector?.matchExpressions ?? []) keys.add(req.key);
  };
  for (const { policy } of engine.policies) {
    add(policy.spec.podSelector);
    for (const rule of policy.spec.ingress ?? []) for (const peer of rule.from ?? []) add(peer.podSelector);
    for (const rule of policy.spec.egress ?? []) for (const peer of rule.to ?? []) add(peer.podSelector);
  }
  return keys;
}

/**
 * Two pods with the same key get the same verdicts from every policy, as source and as destination.
 * With `labelKeys` (podLabelKeysRead), only those labels count: a label unique to each pod that no
 * selector reads (pod-template-hash, statefulset.kubernetes.io/pod-name) no longer splits every pod
 * into a class of its own.
 */
export function equivalenceKey(pod: PodView, blocks: IpBlocks, labelKeys?: ReadonlySet<string>): string {
  let ipSignature = '';
  if (blocks.length > 0 && pod.ips.length > 0) {
    const ips = parseIps(pod.ips);
    // per family: a connection uses one, and a dual-stack pod may be inside a block over one only
    for (const b of blocks) {
      const inside = (family: 4 | 6) => ips.some((ip) => ip.family === family && cidrContains(b.cidr, ip) && !b.except.some((e) => cidrContains(e, ip)));
      ipSignature += String((inside(4) ? 1 : 0) + (inside(6) ? 2 : 0));
    }
    ipSignature += `/${[...new Set(ips.map((ip) => ip.family))].sort().join('')}`;
  }
  let labels = pod.labels;
  if (labelKeys) {
    const read: Record<string, string> = {};
    for (const key in pod.labels) if (labelKeys.has(key)) read[key] = pod.labels[key];
    labels = read;
  }
  // the service account: Cilium and Calico policies can select by it
  return `${pod.namespace}\u0000${labelsKey(labels)}\u0000${portsKey(pod)}\u0000${ipSignature}\u0000${pod.hostNetwork ? 'h' : ''}\u0000${pod.serviceAccount ?? ''}`;
}

export function computeMatrix(engine: PolicyEngine, input: { pods: PodView[]; externals: string[]; queries: PortQuery[] }): Matrix {
  const blocks = ipBlocksOf(engine.policies, engine.extraCidrs);
  const labelKeys = podLabelKeysRead(engine);
  const peers: Peer[] = [...input.pods.map((pod): Peer => ({ kind: 'pod', pod })), ...input.externals.map((ip): Peer => ({ kind: 'ip', ip }))];
  const n = peers.length;

  // equivalence classes: a representative peer per class, and each endpoint's class
  const classIndex = new Map<string, number>();
  const representatives: Peer[] = [];
  const classOf = new Int32Array(n);
  peers.forEach((peer, i) => {
    const key = peer.kind === 'ip' ? `ip\u0000${peer.ip}` : equivalenceKey(peer.pod, blocks, labelKeys);
    let c = classIndex.get(key);
    if (c === undefined) {
      c = representatives.length;
      classIndex.set(key, c);
      representatives.push(peer);
    }
    classOf[i] = c;
  });
  const k = representatives.length;
  const egressPolicies = representatives.map((r) => (r.kind === 'pod' ? engine.policiesSelecting(r.pod, 'egress') : []));
  const ingressPolicies = representatives.map((r) => (r.kind === 'pod' ? engine.policiesSelecting(r.pod, 'ingress') : []));

  const sideAllows = (policies: CompiledPolicy[], direction: 'egress' | 'ingress', other: Peer, traffic: Traffic, dst: Peer, assume: boolean, unseen?: Map<string, Unseen>): boolean => {
    if (policies.length === 0) return true;
    const destinationPorts = dst.kind === 'pod' ? dst.pod.ports : undefined;
    return policies.some((p) => engine.policyAllows(p, direction, other, traffic, destinationPorts, assume, unseen));
  };
  const allowed = (src: Peer, dst: Peer, s: number, d: number, traffic: Traffic, assume: boolean, unseen?: Map<string, Unseen>): boolean => {
    return (
      (src.kind === 'ip' || sideAllows(egressPolicies[s], 'egress', dst, traffic, dst, assume, unseen)) &&
      (dst.kind === 'ip' || sideAllows(ingressPolicies[d], 'ingress', src, traffic, dst, assume, unseen))
    );
  };
  // as engine.decide: cells whose bounds differ over unreadable namespace labels are unknown
  const allUnseen = new Map<string, Unseen>();
  const cell = (src: Peer, dst: Peer, s: number, d: number, traffic: Traffic): number => {
    const bound = engine.bounded((assume, unseen) => allowed(src, dst, s, d, traffic, assume, unseen));
    if (typeof bound === 'boolean') return bound ? 1 : 0;
    for (const [k, u] of bound) allUnseen.set(k, u);
    return CANNOT_TELL;
  };

  const families = representatives.map(familiesOf);
  // each class over one IP family (for dual-stack pairs): index k + 2 × class + (IPv6 ? 1 : 0)
  const byFamily = representatives.flatMap((r) => [overFamily(r, 4), overFamily(r, 6)]);
  const family = (c: number, f: 4 | 6) => k + 2 * c + (f === 6 ? 1 : 0);
  const ends = [...representatives, ...byFamily];
  // other policy kinds, or objects not evaluated: every cell through the engine's cells (same answers as evaluate)
  const tiered = engine.needsCells;
  const tieredCell = tiered ? engine.cellsBetween(ends) : undefined;
  const judge = (from: number, to: number, s: number, d: number, traffic: Traffic): number => {
    if (!tieredCell) return cell(ends[from], ends[to], s, d, traffic);
    const c = tieredCell(from, to, traffic);
    if (c.unseen) for (const u of c.unseen) allUnseen.set(u.what, u);
    return c.value;
  };
  const cells: Uint8Array[] = [];
  const protocols: (Protocol | undefined)[][] = [];
  for (const query of input.queries) {
    const classTraffic = representatives.map((r) => resolveQuery(query, r));
    const classCells = new Uint8Array(k * k);
    for (let s = 0; s < k; s++) {
      const src = representatives[s];
      for (let d = 0; d < k; d++) {
        const dst = representatives[d];
        const traffic = classTraffic[d];
        if (!traffic || (src.kind === 'ip' && dst.kind === 'ip')) {
          classCells[s * k + d] = NOT_APPLICABLE;
          continue;
        }
        // dual-stack ends: a connection uses one family; allowed only if every family they share allows it
        const shared = sharedFamilies(families[s], families[d]);
        if (shared.length < 2) classCells[s * k + d] = judge(s, d, s, d, traffic);
        else {
          let value = 1;
          for (const f of shared) {
            const v = judge(family(s, f), family(d, f), s, d, traffic);
            if (v === 0) value = 0;
            else if (v === CANNOT_TELL && value !== 0) value = CANNOT_TELL;
          }
          classCells[s * k + d] = value;
        }
      }
    }
    const out = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = classOf[i] * k;
      for (let j = 0; j < n; j++) out[i * n + j] = classCells[row + classOf[j]];
    }
    cells.push(out);
    protocols.push(Array.from(classOf, (c) => classTraffic[c]?.protocol));
  }
  return { endpoints: peers.map(peerName), queries: input.queries, cells, protocols, classes: k, classOf, ...(allUnseen.size > 0 ? { cannotTell: [...allUnseen.values()] } : {}), notEvaluated: engine.leftOut, ...(engine.choice ? { engine: engine.choice } : {}) };
}

/** The matrix as a flat list of verdicts, skipping cells that do not apply. */
export function* matrixVerdicts(matrix: Matrix): Generator<MatrixVerdict> {
  const n = matrix.endpoints.length;
  for (let q = 0; q < matrix.queries.length; q++) {
    const cells = matrix.cells[q];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const cell = cells[i * n + j];
        if (cell === NOT_APPLICABLE) continue;
        yield { from: matrix.endpoints[i], to: matrix.endpoints[j], port: matrix.queries[q].port, protocol: matrix.protocols[q][j]!, allowed: cell === CANNOT_TELL ? null : cell === 1 };
      }
    }
  }
}

/**
 * The port queries of a matrix: each --port for each --protocol (TCP by default; a named port without
 * --protocol takes whatever protocol each destination declares), or, with no --port, every port any
 * of the pods declares.
 */
export function matrixQueries(pods: PodView[], ports: (number | string)[], protocols: Protocol[]): PortQuery[] {
  if (ports.length > 0) {
    return ports.flatMap((port): PortQuery[] => {
      if (typeof port === 'string' && protocols.length === 0) return [{ port }];
      return (protocols.length ? protocols : (['TCP'] as Protocol[])).map((protocol) => ({ port, protocol }));
    });
  }
  const declared = new Map<string, PortQuery>();
  for (const pod of pods) {
    for (const p of pod.ports) {
      const protocol = p.protocol ?? 'TCP';
      if (protocols.length === 0 || protocols.includes(protocol)) declared.set(`${p.containerPort}/${protocol}`, { port: p.containerPort, protocol });
    }
  }
  return [...declared.values()].sort(comparePorts);
}

/** Named port queries that no pod declares (with that protocol, when one is given): their columns would all be "·". */
export function unresolvedNamedQueries(pods: PodView[], queries: PortQuery[]): PortQuery[] {
  return queries.filter((q) => typeof q.port === 'string' && !pods.some((pod) => resolveQuery(q, { kind: 'pod', pod }) !== undefined));
}

/**
 * The port queries of a matrix that can have verdicts, refused in one line when none can: no declared
 * port to ask about, or only named ports no pod declares. `unresolved` are the named ones no pod declares.
 */
export function answerableQueries(pods: PodView[], ports: (number | string)[], protocols: Protocol[]): { queries: PortQuery[]; unresolved: PortQuery[] } {
  const queries = matrixQueries(pods, ports, protocols);
  if (queries.length === 0) {
    throw new UsageError(`the selected pods declare no ${protocols.length ? `${protocols.join(' or ')} ` : ''}container ports: pass --port${protocols.length ? ' or another --protocol' : ''}`);
  }
  const unresolved = unresolvedNamedQueries(pods, queries);
  if (unresolved.length === queries.length) {
    throw new UsageError(`no selected pod declares a ${[...new Set(unresolved.map(namedQueryText))].join(' or a ')}, so no connection has a verdict`);
  }
  return { queries, unresolved };
}

/** "a port named http", "a UDP port named dns". */
export function namedQueryText(q: PortQuery): string {
  return `${q.protocol ? `${q.protocol} ` : ''}port named ${q.port}`;
}
