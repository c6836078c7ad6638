// networking.k8s.io/v1 NetworkPolicy semantics over plain data: which policies select a pod, which
// rule admits a connection, and why not. Pure; see docs/network-policies.md for the rules.
import type {
  ContainerPort,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyObject,
  UnreadableList,
} from '../model/k8s.js';
import { compileSelector, formatSelector, type LabelPredicate, type Labels } from '../model/selectors.js';
import { cidrContains, parseCidr, parseIp, parseIps, type Cidr, type Ip } from './cidr.js';
import { NAMESPACE_NAME_LABEL, describeNamespaceSelector, describePorts, describeRule, namespaceMismatch } from './describe.js';
import { unreadNamespaceLabels, type CompiledExtraPolicy, type CompiledRule as ExtraRule, type Match, type MatchContext } from './kinds/common.js';
import { compileExtras, type CompileOptions, type NotEvaluatedEntry } from './kinds/compile.js';
import type { EngineReport } from './engine-choice.js';
import { endPortReadings, unsettledPorts, type UnsettledPorts } from './engine-ports.js';
import { decideSide, hasTiers, planSide, quickSide, SelectionMemo, tierPolicies, type SideOutcome, type SidePlan, type TieredPolicies } from './tiers.js';
import {
  connectionFamilies,
  declaredPort,
  familyName,
  overFamily,
  podName,
  peerName,
  portsKey,
  type Direction,
  type NotEvaluated,
  type Peer,
  type PodView,
  type PolicyTrace,
  type RuleTrace,
  type SideTrace,
  type Traffic,
  type Verdict,
} from './types.js';

/** policyTypes as the API server defaults them: Ingress always, Egress when egress rules exist. */
export function effectivePolicyTypes(policy: NetworkPolicy): { ingress: boolean; egress: boolean; inferred: boolean } {
  const types = policy.spec.policyTypes;
  if (types && types.length > 0) {
    return { ingress: types.includes('Ingress'), egress: types.includes('Egress'), inferred: false };
  }
  return { ingress: true, egress: (policy.spec.egress ?? []).length > 0, inferred: true };
}

interface CompiledPeer {
  spec: NetworkPolicyPeer;
  /** pods: namespace predicate (undefined = the policy's own namespace) and pod predicate */
  namespaceMatch?: LabelPredicate;
  podMatch?: LabelPredicate;
  ipBlock?: { cidr: Cidr; except: Cidr[] };
  /** a peer with neither selectors nor ipBlock (rejected by the API server): matches nothing */
  invalid?: boolean;
}

export interface CompiledRule {
  index: number;
  /** undefined = every peer (from/to absent or empty) */
  peers?: CompiledPeer[];
  /** undefined = every port and protocol (ports absent or empty) */
  ports?: NetworkPolicyPort[];
  text: string;
}

export interface CompiledPolicy {
  policy: NetworkPolicy;
  namespace: string;
  name: string;
  selects: LabelPredicate;
  /** rules per direction the policy isolates; undefined when it does not affect that direction */
  ingress?: CompiledRule[];
  egress?: CompiledRule[];
}

function compilePeer(peer: NetworkPolicyPeer): CompiledPeer {
  if (peer.ipBlock) {
    const cidr = parseCidr(peer.ipBlock.cidr);
    const except = (peer.ipBlock.except ?? []).map(parseCidr).filter((c): c is Cidr => c !== undefined);
    return cidr ? { spec: peer, ipBlock: { cidr, except } } : { spec: peer, invalid: true };
  }
  if (!peer.podSelector && !peer.namespaceSelector) return { spec: peer, invalid: true };
  return {
    spec: peer,
    namespaceMatch: peer.namespaceSelector ? compileSelector(peer.namespaceSelector) : undefined,
    podMatch: compileSelector(peer.podSelector ?? {}),
  };
}

function compileRules(
  direction: Direction,
  rules: { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[] | undefined,
  namespace: string,
): CompiledRule[] {
  return (rules ?? []).map((rule, index) => {
    const peers = direction === 'ingress' ? rule.from : rule.to;
    return {
      index,
      peers: peers && peers.length > 0 ? peers.map(compilePeer) : undefined,
      ports: rule.ports && rule.ports.length > 0 ? rule.ports : undefined,
      text: describeRule(direction, rule, namespace),
    };
  });
}

export function compilePolicy(policy: NetworkPolicy): CompiledPolicy {
  const namespace = policy.metadata.namespace ?? 'default';
  const types = effectivePolicyTypes(policy);
  return {
    policy,
    namespace,
    name: policy.metadata.name,
    selects: compileSelector(policy.spec.podSelector ?? {}),
    ingress: types.ingress ? compileRules('ingress', policy.spec.ingress, namespace) : undefined,
    egress: types.egress ? compileRules('egress', policy.spec.egress, namespace) : undefined,
  };
}

/**
 * A namespaceSelector over a namespace whose labels could not be read: only kubernetes.io/metadata.name
 * is known (the API server sets it), so a requirement on any other key could go either way. False when
 * a known requirement fails, true when every requirement is on the name, else undefined.
 */
export function nameOnlyOutcome(selector: LabelSelector, namespace: string): boolean | undefined {
  const known = { [NAMESPACE_NAME_LABEL]: namespace };
  let unknown = false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (key !== NAMESPACE_NAME_LABEL) unknown = true;
    else if (value !== namespace) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (req.key !== NAMESPACE_NAME_LABEL) unknown = true;
    else if (!compileSelector({ matchExpressions: [req] })(known)) return false;
  }
  return unknown ? undefined : true;
}

/** What a verdict depended on that the reader could not see, and the permission that would show it. */
export interface Unseen {
  /** one line: which data, for which rule */
  what: string;
  /** the RBAC permission that would let kubectl-np read it; unset when no permission would help (a policy kind not evaluated, a rule that cannot be decided statically) */
  permission?: string;
}

export const NAMESPACES_PERMISSION = 'list namespaces (a ClusterRole with verbs [list] on resources [namespaces] in API group "", bound by a ClusterRoleBinding: namespaces are cluster-scoped)';

/** What would show one namespace's labels: reading that namespace alone is enough, and a RoleBinding there grants it. */
export function namespacePermission(namespace: string): string {
  return `get namespaces/${namespace} (the view ClusterRole, or any role granting get on namespaces, bound by a RoleBinding in namespace ${namespace}), or to ${NAMESPACES_PERMISSION}`;
}

/** Unseen data as one line, for the other kinds' "maybe" answers (which carry no permission field). */
function unseenText(unseen: Unseen[]): string {
  return unseen.map((u) => `${u.what}${u.permission ? `, which you may not see (to see it: ${u.permission})` : ''}`).join('; ');
}

/** A bound (PolicyEngine.bounded) as a rule's match: unequal bounds are a maybe naming what they hang on. */
function boundMatch(bound: boolean | Map<string, Unseen>): Match {
  return typeof bound === 'boolean' ? bound : { maybe: unseenText([...bound.values()]) };
}

function inIpBlock(block: { cidr: Cidr; except: Cidr[] }, ip: Ip): boolean {
  return cidrContains(block.cidr, ip) && !block.except.some((e) => cidrContains(e, ip));
}

/** Does a rule port admit this traffic? Named ports resolve on the destination pod, by name and protocol. */
export function portMatches(rulePort: NetworkPolicyPort, traffic: Traffic, destinationPorts: ContainerPort[] | undefined): boolean {
  const protocol = rulePort.protocol ?? 'TCP';
  if (protocol !== traffic.protocol) return false;
  const port = rulePort.port;
  if (port === undefined || port === null) return true;
  if (typeof port === 'number') {
    const end = rulePort.endPort ?? port;
    return traffic.port >= port && traffic.port <= end;
  }
  return (destinationPorts ?? []).some(
    (cp) => cp.name === port && (cp.protocol ?? 'TCP') === protocol && cp.containerPort === traffic.port,
  );
}

/** Collects the implementation-defined corners met while tracing, for the verdict's notes. */
interface TraceNotes {
  ipBlockMatchedPod: Set<string>;
  ipBlockUnknownIp: Set<string>;
  /** notes of the tiers (same-priority policies, L7 caveats…) */
  other: Set<string>;
}

export interface EngineInput {
  namespaces: Namespace[];
  networkPolicies: NetworkPolicy[];
  /** AdminNetworkPolicy, Cilium, Calico, … objects (ClusterSnapshot.policyObjects) */
  policyObjects?: PolicyObject[];
  /** lists that could not be read: policy lists among them make their scope "cannot tell" */
  unreadable?: UnreadableList[];
  /** the enforcement engines found (ClusterSnapshot.policyEngines): how they treat hostNetwork pods */
  policyEngines?: string[];
}

/**
 * How each engine treats pods on the host network. Calico, Cilium, Azure NPM, Antrea, OVN-Kubernetes and
 * kube-router all see their traffic as the node's: not selected by pod NetworkPolicies, and matched by
 * peers only through ipBlocks over the node's address. An engine that behaved otherwise would be 'pod'.
 */
const HOST_NETWORK: Record<string, { name: string; as: 'node' | 'pod' }> = {
  'calico-node': { name: 'Calico', as: 'node' },
  canal: { name: 'Calico (Canal)', as: 'node' },
  cilium: { name: 'Cilium', as: 'node' },
  'cilium-agent': { name: 'Cilium', as: 'node' },
  'azure-npm': { name: 'Azure NPM', as: 'node' },
  'azure-npm-win': { name: 'Azure NPM', as: 'node' },
  'antrea-agent': { name: 'Antrea', as: 'node' },
  'ovnkube-node': { name: 'OVN-Kubernetes', as: 'node' },
  'kube-router': { name: 'kube-router', as: 'node' },
};

/** How hostNetwork pods are judged here, and the words that say why. */
function hostNetworkBehaviour(engines: string[] | undefined): { asNode: boolean; why: string } {
  const known = [...new Set((engines ?? []).map((e) => HOST_NETWORK[e]).filter((e) => e !== undefined).map((e) => `${e.name}:${e.as}`))];
  if (known.length === 1) {
    const [name, as] = known[0].split(':');
    return { asNode: as === 'node', why: `as ${name}, the enforcement engine found, does` };
  }
  return { asNode: true, why: 'as Calico, Cilium, Azure NPM and Antrea do' };
}

/** One side of a matrix cell: allowed, and what it depends on that was not evaluated. */
interface CellSide {
  allowed: boolean;
  unknown: Unseen[];
}

const OUTSIDE: CellSide = { allowed: true, unknown: [] };

export interface Cell {
  value: 0 | 1 | 3;
  unseen?: Unseen[];
}

const ALLOWED: Cell = { value: 1 };
const DENIED: Cell = { value: 0 };
const PROTOCOL_INDEX: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/** A pod's side of matrix cells, resolved once: its policies per step, and the unevaluated objects that may select it. */
interface SubjectPlan {
  node: boolean;
  unknown: Unseen[];
  allowed: CellSide;
  denied: CellSide;
  /** other kinds take part: the policies of each step selecting the pod */
  plan?: SidePlan;
  /** pods with the same group get the same answers (cellsBetween) */
  group: string;
  /** reused per cell: only the destination ports change (egress) */
  ctx: MatchContext;
  /** the NetworkPolicy union (PolicyEngine.union); undefined when no NetworkPolicy selects the pod */
  networkPolicy?: (other: Peer, traffic: Traffic) => Match;
}

export class PolicyEngine {
  private readonly byNamespace = new Map<string, CompiledPolicy[]>();
  private readonly namespaceLabelMap = new Map<string, Labels>();
  readonly policies: CompiledPolicy[];
  /** some namespace's labels could not be read (namespaceLabelsKnown says whose): only kubernetes.io/metadata.name is known there */
  readonly namespaceLabelsUnknown: boolean;
  /** with a forbidden namespace list: the namespaces whose labels were still read one by one */
  private readonly labelsReadByName?: ReadonlySet<string>;
  /** hostNetwork pods as node traffic (the common behaviour), and why */
  readonly hostNetwork: { asNode: boolean; why: string };
  /** the other policy kinds, ordered into tiers (tiers.ts) */
  readonly tiers: TieredPolicies;
  private readonly notEvaluatedEntries: NotEvaluatedEntry[];
  /** policy objects the chosen engine does not enforce: named in the output beside notEvaluated, never "cannot tell" */
  readonly ignored: NotEvaluated[];
  private readonly ignoredEntries: NotEvaluatedEntry[];
  /** which engine's kinds count and why (engine-choice.ts); undefined for manifests without --engine */
  readonly choice?: EngineReport;
  /** the engine applies NetworkPolicy ipBlocks only to peers outside the cluster (Cilium) */
  readonly ipBlockSkipsPods: boolean;
  private calicoWrappers?: CompiledExtraPolicy[];
  /** set while probing: the unknown namespaces whose labels compiled policies looked at */
  private probing?: Set<string>;
  /** per pod: the other kinds' policies whose selection of it hangs on its namespace's unknown labels */
  private readonly selectionUnknownMemo = new WeakMap<PodView, Unseen[]>();
  private readonly selectionMemo = new SelectionMemo();
  private readonly subjectPlans = new WeakMap<PodView, { ingress?: SubjectPlan; egress?: SubjectPlan }>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private readonly namespaceLabelsOf = (namespace: string): Labels => this.namespaceLabels(namespace);

  /** NetworkPolicies whose port fields the engine may not enforce as written (engine-ports.ts) */
  private readonly unsettled = new Map<CompiledPolicy, UnsettledPorts>();
  private readonly unsettledMemo = new WeakMap<PodView, { ingress?: [CompiledPolicy, UnsettledPorts][]; egress?: [CompiledPolicy, UnsettledPorts][] }>();
  /** the same cluster under each other reading of endPort the engine may apply, built when first asked */
  private readonly readings: { name: string; build: () => PolicyEngine; engine?: PolicyEngine }[] = [];

  /**
   * @param options.portsAsWritten every port field as upstream defines it, whatever the engine (the
   *   engines of the other endPort readings)
   */
  constructor(input: EngineInput, options: CompileOptions & { report?: EngineReport; portsAsWritten?: boolean } = {}) {
    this.choice = options.report;
    // Cilium matches CIDR rules only against peers that are neither its endpoints nor nodes: a NetworkPolicy
    // ipBlock never admits a pod (or a host-network pod's node address) there
    const engines = options.report && (options.report.by === 'detected' || options.report.by === 'flag') ? options.report.engines : [];
    const engine = engines.length === 1 ? engines[0] : undefined;
    this.ipBlockSkipsPods = engine === 'cilium';
    const namespaceList = (input.unreadable ?? []).find((l) => l.resource === 'namespaces' && l.namespace === undefined);
    this.namespaceLabelsUnknown = namespaceList !== undefined;
    if (namespaceList) this.labelsReadByName = new Set(namespaceList.readByName ?? []);
    this.hostNetwork = hostNetworkBehaviour(input.policyEngines);
    for (const ns of input.namespaces) {
      this.namespaceLabelMap.set(ns.metadata.name, { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name });
    }
    this.policies = input.networkPolicies.map(compilePolicy).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    if (!options.portsAsWritten) {
      for (const p of this.policies) {
        const u = unsettledPorts(engine, p.policy);
        if (u) this.unsettled.set(p, u);
      }
      // one engine release runs: each reading holds for every policy using endPort at once
      const endPorts = new Set([...this.unsettled].filter(([, u]) => u.endPort).map(([p]) => p.policy));
      if (endPorts.size > 0) {
        for (const reading of endPortReadings(engine)) {
          const networkPolicies = input.networkPolicies.flatMap((np) => (endPorts.has(np) ? (reading.apply(np) ?? []) : [np]));
          this.readings.push({ name: reading.name, build: () => new PolicyEngine({ ...input, networkPolicies }, { ...options, portsAsWritten: true }) });
        }
      }
    }
    for (const p of this.policies) {
      const list = this.byNamespace.get(p.namespace) ?? [];
      list.push(p);
      this.byNamespace.set(p.namespace, list);
    }
    const extra = compileExtras(input.policyObjects ?? [], input.unreadable ?? [], options, (ns) => this.compiledLabels(ns));
    this.tiers = extra.tiers;
    this.notEvaluatedEntries = extra.notEvaluated;
    if (this.namespaceLabelsUnknown) this.guardUnknownLabels();
    this.ignoredEntries = extra.ignored;
    this.ignored = extra.ignored.map(({ object, reason }) => ({ object, reason }));
  }

  /** Everything read but not evaluated, for `notEvaluated` in the output. */
  get notEvaluated(): NotEvaluated[] {
    return this.notEvaluatedEntries.map(({ object, reason }) => ({ object, reason }));
  }

  /** What the output names as read but not evaluated: objects that may make a verdict "cannot tell", then those the engine ignores. */
  get leftOut(): NotEvaluated[] {
    return [...this.notEvaluated, ...this.ignored];
  }

  /** The unevaluated objects that may select this pod: a verdict involving it cannot be told. */
  notEvaluatedFor(pod: PodView): NotEvaluated[] {
    return this.notEvaluatedEntries.filter((e) => e.maySelect(pod)).map(({ object, reason }) => ({ object, reason }));
  }

  /**
   * The policies of kinds the engine does not enforce that would select this pod were they enforced (or
   * may: a list not read, labels not read), and how many others were read.
   */
  ignoredFor(pod: PodView): { selecting: NotEvaluated[]; others: number } {
    const selecting = this.ignoredEntries.filter((e) => {
      const { value, read } = this.probe(() => e.maySelect(pod));
      return value || read.size > 0;
    });
    return { selecting: selecting.map(({ object, reason }) => ({ object, reason })), others: this.ignoredEntries.length - selecting.length };
  }

  /** CIDRs of other kinds' rules that pod IPs are compared with (for matrix equivalence classes). */
  get extraCidrs(): Cidr[] {
    return tierPolicies(this.tiers).flatMap((p) => p.cidrs ?? []);
  }

  /**
   * Matrix cells between fixed peers, by index, without traces, when other kinds or unevaluated objects
   * take part: 1 allowed, 0 denied, 3 cannot tell (as evaluate). Each side's policies are resolved once
   * per pod, and its answer is computed once per group of subjects those policies treat alike and shared;
   * it is given without reasons unless a rule that cannot be decided statically could change it.
   */
  cellsBetween(peers: Peer[]): (source: number, destination: number, traffic: Traffic) => Cell {
    const plans: { egress?: SubjectPlan; ingress?: SubjectPlan }[] = peers.map(() => ({}));
    // per group of subjects and traffic (port × 4 + protocol), per other peer: 0 not yet, 1 denied, 2 allowed, 3 undecided
    const answers = new Map<string, Map<number, Uint8Array>>();
    const side = (direction: Direction, subject: number, other: number, traffic: Traffic): CellSide => {
      const peer = peers[subject];
      if (peer.kind !== 'pod') return OUTSIDE;
      const s = (plans[subject][direction] ??= this.subjectPlan(direction, peer.pod));
      // a host-network pod is allowed as its node, yet unevaluated objects (Cilium host policies) may select it
      if (s.node) return s.allowed;
      let byTraffic = answers.get(s.group);
      if (!byTraffic) answers.set(s.group, (byTraffic = new Map()));
      const key = traffic.port * 4 + (PROTOCOL_INDEX[traffic.protocol] ?? 3);
      let row = byTraffic.get(key);
      if (!row) byTraffic.set(key, (row = new Uint8Array(peers.length)));
      if (row[other] === 0) {
        const to = peers[other];
        if (direction === 'egress') s.ctx.destinationPorts = to.kind === 'pod' ? to.pod.ports : undefined;
        // undecided (a maybe of the NetworkPolicy union among them): decideTiered says what it hangs on
        const quick = s.plan ? quickSide(s.plan, to, traffic, s.ctx, s.networkPolicy) : (s.networkPolicy?.(to, traffic) ?? true);
        row[other] = quick === true ? 2 : quick === false ? 1 : 3;
      }
      if (row[other] !== 3) return row[other] === 2 ? s.allowed : s.denied;
      const outcome = this.decideTiered(direction, peer.pod, peers[other], traffic);
      return { allowed: outcome.allowed, unknown: [...outcome.undecided.map((what) => ({ what })), ...s.unknown] };
    };
    // `read`, when given, receives the sides the answer read: the way in is not read where the way out certainly denies
    const answer = (source: number, destination: number, traffic: Traffic, read?: { egress?: CellSide; ingress?: CellSide }): Cell => {
      const egress = side('egress', source, destination, traffic);
      if (read) read.egress = egress;
      // a certain denial on the way out decides, whatever the way in says
      if (!egress.allowed && egress.unknown.length === 0) return DENIED;
      const ingress = side('ingress', destination, source, traffic);
      if (read) read.ingress = ingress;
      if (egress.allowed && ingress.allowed) {
        if (egress.unknown.length + ingress.unknown.length === 0) return ALLOWED;
        return { value: 3, unseen: [...egress.unknown, ...ingress.unknown] };
      }
      if (!ingress.allowed && ingress.unknown.length === 0) return DENIED;
      // denied only where unknown: cannot tell, for what the denying sides depend on
      return { value: 3, unseen: [...(egress.allowed ? [] : egress.unknown), ...(ingress.allowed ? [] : ingress.unknown)] };
    };
    if (this.unsettled.size === 0) return answer;
    const readings: ((source: number, destination: number, traffic: Traffic) => Cell)[] = [];
    return (source, destination, traffic) => {
      // the answer's own sides: an undecided one is not decided again
      const read: { egress?: CellSide; ingress?: CellSide } = {};
      const cell = answer(source, destination, traffic, read);
      const certainlyDenies = (direction: Direction) => {
        const s = direction === 'egress' ? read.egress! : (read.ingress ??= side('ingress', destination, source, traffic));
        return !s.allowed && s.unknown.length === 0;
      };
      const ports = this.portsUnseen(peers[source], peers[destination], traffic, cell.value, (r) => (readings[r] ??= this.reading(r).cellsBetween(peers))(source, destination, traffic).value, certainlyDenies);
      return ports.length === 0 ? cell : { value: 3, unseen: [...(cell.value === 3 ? cell.unseen ?? [] : []), ...ports] };
    };
  }

  /** The engine of another endPort reading, built once. */
  private reading(index: number): PolicyEngine {
    const r = this.readings[index];
    return (r.engine ??= r.build());
  }

  /** The NetworkPolicies with unsettled ports that isolate this pod for a direction. */
  private unsettledSelecting(pod: PodView, direction: Direction): [CompiledPolicy, UnsettledPorts][] {
    let memo = this.unsettledMemo.get(pod);
    if (!memo) this.unsettledMemo.set(pod, (memo = {}));
    return (memo[direction] ??= this.policiesSelecting(pod, direction).flatMap((p) => {
      const u = this.unsettled.get(p);
      return u ? [[p, u] as [CompiledPolicy, UnsettledPorts]] : [];
    }));
  }

  /**
   * What a connection's answer hangs on among the port fields the engine may not enforce as written: SCTP
   * traffic of a pod an SCTP-using policy isolates, or an answer (`value`, as written) that another
   * endPort reading changes (`other(i)` answers under reading i). Empty when no such field can change it.
   * `certainlyDenies(direction)`: that side denies as written with nothing unknown; when a side no SCTP-using
   * policy isolates does, the connection is denied however the engine treats SCTP on the other side.
   */
  private portsUnseen(source: Peer, destination: Peer, traffic: Traffic, value: 0 | 1 | 3, other: (reading: number) => 0 | 1 | 3, certainlyDenies: (direction: Direction) => boolean): Unseen[] {
    const sides = [
      ...(source.kind === 'pod' ? this.unsettledSelecting(source.pod, 'egress').map(([p, u]) => ({ direction: 'egress' as Direction, pod: source.pod, p, u })) : []),
      ...(destination.kind === 'pod' ? this.unsettledSelecting(destination.pod, 'ingress').map(([p, u]) => ({ direction: 'ingress' as Direction, pod: destination.pod, p, u })) : []),
    ];
    if (sides.length === 0) return [];
    const out: Unseen[] = [];
    if (traffic.protocol === 'SCTP') {
      const sctpSides = sides.filter(({ u }) => u.sctp);
      const unaffected = (['egress', 'ingress'] as const).filter((d) => !sctpSides.some((x) => x.direction === d));
      if (!unaffected.some(certainlyDenies)) for (const { pod, p, u } of sctpSides) out.push({ what: `how the engine applies NetworkPolicy ${p.namespace}/${p.name} to SCTP: it selects ${podName(pod)} and uses SCTP, and ${u.sctp}` });
    }
    const endPort = sides.filter(({ u }) => u.endPort);
    if (out.length > 0 || endPort.length === 0 || value === 3) return out;
    const said = (v: 0 | 1 | 3) => (v === 3 ? 'cannot tell' : v === 1 ? 'allowed' : 'denied');
    const differ = this.readings.map((r, i) => ({ name: r.name, value: other(i) })).filter((r) => r.value !== value);
    if (differ.length === 0) return out;
    const answers = [`${said(value)} as written`, ...differ.map((r) => `${said(r.value)} ${r.name}`)].join(', ');
    for (const { pod, p, u } of endPort) out.push({ what: `how the engine applies NetworkPolicy ${p.namespace}/${p.name}: it selects ${podName(pod)} and uses endPort, and ${u.endPort} — ${answers}` });
    return out;
  }

  /** Said beside an answer that every endPort reading gives, so the policy's field is not passed over in silence. */
  private portNotes(source: Peer, destination: Peer): string[] {
    const policies = new Map([...(source.kind === 'pod' ? this.unsettledSelecting(source.pod, 'egress') : []), ...(destination.kind === 'pod' ? this.unsettledSelecting(destination.pod, 'ingress') : [])].filter(([, u]) => u.endPort));
    const readings = ['as written', ...this.readings.map((r) => r.name)].join(', ');
    return [...policies].map(([p, u]) => `NetworkPolicy ${p.namespace}/${p.name} uses endPort, and ${u.endPort}: every reading (${readings}) gives this answer`);
  }

  /** Matrix cells need cellsBetween (not the NetworkPolicy-only class path): other kinds, unevaluated objects or unsettled ports take part. */
  get needsCells(): boolean {
    return this.tiered || this.notEvaluatedEntries.length > 0 || this.unsettled.size > 0;
  }

  /** One cell as cellsBetween gives it, for callers without a fixed set of peers. */
  cell(source: Peer, destination: Peer, traffic: Traffic): Cell {
    return this.cellsBetween([source, destination])(0, 1, traffic);
  }

  private idOf(x: object): number {
    let id = this.ids.get(x);
    if (id === undefined) this.ids.set(x, (id = this.nextId++));
    return id;
  }

  private subjectPlan(direction: Direction, pod: PodView): SubjectPlan {
    let plans = this.subjectPlans.get(pod);
    if (!plans) this.subjectPlans.set(pod, (plans = {}));
    const cached = plans[direction];
    if (cached) return cached;
    const unknown = [
      ...this.notEvaluatedEntries.filter((e) => e.maySelect(pod)).map((e) => ({ what: `${e.object}, which was not evaluated (${e.reason})` })),
      ...this.selectionUnknown(pod),
    ];
    const policies = this.policiesSelecting(pod, direction);
    const side = this.tiered ? planSide(this.tiers, direction, pod, this.namespaceLabels(pod.namespace), () => this.networkPoliciesAsCalico(), this.selectionMemo) : undefined;
    // pods whose side runs through the same policies share its answers: the key is everything quickSide reads of the subject
    const lists = side ? [side.admin, side.ciliumDeny, ...side.calico.map((t) => t.rules), side.ciliumAllow, side.baseline] : [];
    const readsSelf = lists.some((rules) => rules.some((r) => r.readsSelf));
    const key = [
      direction,
      // named ports resolve on the destination: the subject's own ports on the way in
      direction === 'ingress' ? portsKey(pod) : '',
      policies.map((p) => this.idOf(p)).join(','),
      ...lists.map((rules) => rules.map((r) => this.idOf(r)).join(',')),
      side ? `${side.ciliumIsolates} ${side.calico.map((t) => t.selected).join(',')}` : '',
      readsSelf ? `self ${this.idOf(pod)}` : '',
    ].join('|');
    const plan: SubjectPlan = {
      node: this.isNode(pod),
      unknown,
      allowed: { allowed: true, unknown },
      denied: { allowed: false, unknown },
      group: key,
      plan: side,
      ctx: { namespaceLabels: this.namespaceLabelsOf, destinationPorts: direction === 'ingress' ? pod.ports : undefined, self: pod, direction },
      networkPolicy: policies.length === 0 ? undefined : (other, traffic) => this.union(policies, direction, pod, other, traffic),
    };
    plans[direction] = plan;
    return plan;
  }

  /**
   * One connection's answer without traces, as evaluate() answers it: 1 allowed, 0 denied, 3 cannot tell
   * (with what it depends on). Between dual-stack ends, allowed only if every family they share allows it.
   */
  judge(source: Peer, destination: Peer, traffic: Traffic): { value: 0 | 1 | 3; unseen?: Unseen[] } {
    const families = connectionFamilies(source, destination);
    if (families.length < 2) return this.judgeOnce(source, destination, traffic);
    const per = families.map((f) => this.judgeOnce(overFamily(source, f), overFamily(destination, f), traffic));
    if (per.some((p) => p.value === 0)) return { value: 0 };
    const unknown = per.filter((p) => p.value === 3);
    return unknown.length > 0 ? { value: 3, unseen: unknown.flatMap((p) => p.unseen ?? []) } : { value: 1 };
  }

  private judgeOnce(source: Peer, destination: Peer, traffic: Traffic): { value: 0 | 1 | 3; unseen?: Unseen[] } {
    if (this.needsCells) return this.cell(source, destination, traffic);
    const decided = this.decide(source, destination, traffic);
    return decided.unseen ? { value: 3, unseen: decided.unseen } : { value: decided.allowed ? 1 : 0 };
  }

  /** True when policy kinds other than NetworkPolicy take part (the tiered path). */
  get tiered(): boolean {
    return hasTiers(this.tiers);
  }

  private matchContext(direction: Direction, subject: PodView, other: Peer): MatchContext {
    return { namespaceLabels: this.namespaceLabelsOf, destinationPorts: destinationPortsOf(direction, subject, other), self: subject, direction };
  }

  /** NetworkPolicies as Calico sees them: tier default, order 1000, Allow rules. */
  private networkPoliciesAsCalico(): CompiledExtraPolicy[] {
    if (!this.calicoWrappers) {
      this.calicoWrappers = this.policies.map((p) => {
        const rules = (direction: Direction): ExtraRule[] | undefined =>
          p[direction]?.map((r) => ({
            index: r.index,
            action: 'Allow',
            actionText: 'Allow',
            text: r.text,
            matches: (other, traffic, ctx) => this.rulePortsMatch(r, traffic, ctx.destinationPorts) && boundMatch(this.bounded((assume, unseen) => this.rulePeersMatch(r, p.namespace, other, assume, unseen))),
          }));
        return {
          kind: 'NetworkPolicy',
          title: `NetworkPolicy ${p.namespace}/${p.name}`,
          namespace: p.namespace,
          name: p.name,
          priority: 1000,
          tier: 'default',
          selects: (pod: PodView) => pod.namespace === p.namespace && p.selects(pod.labels),
          ingress: rules('ingress'),
          egress: rules('egress'),
        };
      });
    }
    return this.calicoWrappers;
  }

  /** One side through every tier (tiers.ts); the NetworkPolicy union is this engine's own. */
  decideTiered(direction: Direction, subject: PodView, other: Peer, traffic: Traffic): SideOutcome {
    return decideSide(
      this.tiers,
      direction,
      subject,
      this.namespaceLabels(subject.namespace),
      other,
      traffic,
      this.matchContext(direction, subject, other),
      () => {
        const policies = this.policiesSelecting(subject, direction);
        return policies.length === 0 ? undefined : this.union(policies, direction, subject, other, traffic);
      },
      () => this.networkPoliciesAsCalico(),
      this.selectionMemo,
    );
  }

  /** The NetworkPolicy union of one side over the policies that isolate the subject: allowed, denied, or maybe (bounded). */
  private union(policies: CompiledPolicy[], direction: Direction, subject: PodView, other: Peer, traffic: Traffic): Match {
    const ports = destinationPortsOf(direction, subject, other);
    return boundMatch(
      this.bounded((assume, unseen) => {
        for (const p of policies) if (this.policyAllows(p, direction, other, traffic, ports, assume, unseen)) return true;
        return false;
      }),
    );
  }

  /** A namespace's labels, always including kubernetes.io/metadata.name (the API server sets it). */
  namespaceLabels(namespace: string): Labels {
    let labels = this.namespaceLabelMap.get(namespace);
    if (!labels) {
      labels = { [NAMESPACE_NAME_LABEL]: namespace };
      this.namespaceLabelMap.set(namespace, labels);
    }
    return labels;
  }

  /** The labels other kinds' policies see: a probe for an unknown namespace while probing. */
  private compiledLabels(namespace: string): Labels {
    return this.probing && !this.namespaceLabelsKnown(namespace) ? unreadNamespaceLabels(namespace, this.probing) : this.namespaceLabels(namespace);
  }

  /** Runs f with unknown namespaces' labels as probes: its value and the unknown namespaces it looked at. */
  private probe<T>(f: () => T): { value: T; read: Set<string> } {
    const outer = this.probing;
    const read = new Set<string>();
    this.probing = read;
    try {
      return { value: f(), read };
    } finally {
      this.probing = outer;
    }
  }

  private labelsUnseen(namespaces: Iterable<string>, why: string): Unseen[] {
    return [...namespaces].sort().map((ns) => ({ what: `${why}, which hangs on the labels of namespace ${ns}`, permission: namespacePermission(ns) }));
  }

  /**
   * With some namespaces' labels unknown, the other kinds' rules that look at them answer "maybe" (so the
   * tiers treat them as undecided), and an unevaluated object whose scope hangs on them may select the pod.
   * Only done when some labels are unknown, so a cluster read whole pays nothing.
   */
  private guardUnknownLabels(): void {
    const guard = (rule: ExtraRule): ExtraRule => ({
      ...rule,
      matches: (other, traffic, ctx) => {
        const { value, read } = this.probe(() => rule.matches(other, traffic, { ...ctx, namespaceLabels: (ns) => this.compiledLabels(ns) }));
        if (value === false || value === true ? read.size === 0 : true) return value;
        return { maybe: `whether it matches hangs on the labels of namespace${read.size === 1 ? '' : 's'} ${[...read].sort().join(', ')}, which could not be read (to see them: ${[...read].sort().map((ns) => `get namespaces/${ns}`).join(', ')} bound in that namespace, or list namespaces)` };
      },
    });
    for (const p of tierPolicies(this.tiers)) {
      if (p.ingress) p.ingress = p.ingress.map(guard);
      if (p.egress) p.egress = p.egress.map(guard);
    }
    for (const e of this.notEvaluatedEntries) {
      const maySelect = e.maySelect;
      e.maySelect = (pod) => {
        const { value, read } = this.probe(() => maySelect(pod));
        return value || read.size > 0;
      };
    }
  }

  /** The other kinds' policies whose selection of this pod hangs on its namespace's unknown labels. */
  private selectionUnknown(pod: PodView): Unseen[] {
    if (this.namespaceLabelsKnown(pod.namespace) || !this.tiered || this.isNode(pod)) return [];
    let out = this.selectionUnknownMemo.get(pod);
    if (!out) {
      out = [];
      for (const p of tierPolicies(this.tiers)) {
        const { read } = this.probe(() => p.selects(pod, this.compiledLabels(pod.namespace)));
        if (read.size > 0) out.push(...this.labelsUnseen(read, `whether ${p.title} selects ${podName(pod)}`));
      }
      this.selectionUnknownMemo.set(pod, out);
    }
    return out;
  }

  /** Were this namespace's labels read (from the list, or one by one when the list was forbidden)? */
  namespaceLabelsKnown(namespace: string): boolean {
    return !this.labelsReadByName || this.labelsReadByName.has(namespace);
  }

  policy(namespace: string, name: string): CompiledPolicy | undefined {
    return this.byNamespace.get(namespace)?.find((p) => p.name === name);
  }

  policiesInNamespace(namespace: string): CompiledPolicy[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  /** The policies that isolate this pod for one direction (select it and have that policy type). */
  policiesSelecting(pod: PodView, direction: Direction): CompiledPolicy[] {
    if (this.isNode(pod)) return [];
    return this.policiesInNamespace(pod.namespace).filter((p) => p[direction] !== undefined && p.selects(pod.labels));
  }

  /**
   * The policies of the other kinds that select this pod for a direction, in the order they are consulted
   * (admin tier, Cilium denies, Calico tiers, Cilium allows, baseline tier), each once.
   */
  extraPoliciesSelecting(pod: PodView, direction: Direction): CompiledExtraPolicy[] {
    if (this.isNode(pod)) return [];
    const t = this.tiers;
    const labels = this.namespaceLabels(pod.namespace);
    const out = new Map<string, CompiledExtraPolicy>();
    for (const list of [t.admin, t.ciliumDeny, ...t.calico.map((c) => c.policies), t.ciliumAllow, t.baseline]) {
      for (const p of this.selectionMemo.selecting(list, direction, pod, labels)) if (!out.has(p.title)) out.set(p.title, p);
    }
    return [...out.values()];
  }

  /** A hostNetwork pod judged as its node: no pod policy selects it, no pod or namespace selector matches it. */
  isNode(pod: PodView): boolean {
    return pod.hostNetwork && this.hostNetwork.asNode;
  }

  /** One line on how a hostNetwork pod is judged here. */
  hostNetworkNote(pod: PodView): string {
    const peers = this.ipBlockSkipsPods
      ? 'and no NetworkPolicy peer matches it (Cilium matches node addresses by its host and remote-node entities, never by ipBlock)'
      : "and peers match it only through an ipBlock over the node's address";
    return this.hostNetwork.asNode
      ? `${podName(pod)} uses the host network: judged as node traffic, ${this.hostNetwork.why} — pod NetworkPolicies do not select it, ${peers}`
      : `${podName(pod)} uses the host network: judged as a pod, ${this.hostNetwork.why}`;
  }

  /**
   * Does a namespaceSelector select this namespace? Undefined when that depends on labels that could
   * not be read.
   */
  namespaceSelects(peer: CompiledPeer, namespace: string): boolean | undefined {
    if (this.namespaceLabelsKnown(namespace)) return peer.namespaceMatch!(this.namespaceLabels(namespace));
    return nameOnlyOutcome(peer.spec.namespaceSelector!, namespace);
  }

  /**
   * @param assume what a namespaceSelector whose outcome depends on unreadable labels counts as (the
   *   verdict is monotone in peer matches, so assuming false then true bounds it); default false
   * @param unseen collects the namespaces whose unreadable labels were consulted
   */
  peerMatches(peer: CompiledPeer, policyNamespace: string, other: Peer, assume = false, unseen?: Map<string, Unseen>): boolean {
    if (peer.invalid) return false;
    if (peer.ipBlock) {
      if (other.kind === 'ip') {
        const ip = parseIp(other.ip);
        return ip !== undefined && inIpBlock(peer.ipBlock, ip);
      }
      if (this.ipBlockSkipsPods) return false;
      return parseIps(other.pod.ips).some((ip) => inIpBlock(peer.ipBlock!, ip));
    }
    if (other.kind === 'ip') return false;
    const pod = other.pod;
    if (this.isNode(pod)) return false;
    if (peer.namespaceMatch) {
      const selects = this.namespaceSelects(peer, pod.namespace);
      if (selects === false) return false;
      if (selects === undefined) {
        // the pod selector may settle it without the namespace's labels
        if (!peer.podMatch!(pod.labels)) return false;
        unseen?.set(`${pod.namespace}\u0000${formatSelector(peer.spec.namespaceSelector)}`, {
          what: `whether namespace ${pod.namespace} is one of the ${describeNamespaceSelector(peer.spec.namespaceSelector!)} (a peer of a policy in ${policyNamespace})`,
          permission: namespacePermission(pod.namespace),
        });
        return assume;
      }
    } else if (pod.namespace !== policyNamespace) {
      return false;
    }
    return peer.podMatch!(pod.labels);
  }

  private peerMismatch(peer: CompiledPeer, policyNamespace: string, other: Peer, notes?: TraceNotes): string {
    const who = peerName(other);
    if (peer.invalid) return 'the peer is invalid (no podSelector, namespaceSelector or valid ipBlock)';
    if (peer.ipBlock) {
      const range = `${peer.ipBlock.cidr.text}${peer.ipBlock.except.length ? ` minus ${peer.ipBlock.except.map((e) => e.text).join(', ')}` : ''}`;
      if (other.kind === 'pod') {
        if (this.ipBlockSkipsPods) return `${who} is in the cluster, and Cilium (the engine) matches ipBlock ${range} only against addresses outside it, never pods or nodes`;
        if (other.pod.ips.length === 0) {
          notes?.ipBlockUnknownIp.add(who);
          return `${who} has no known IP to compare with ${range}`;
        }
        return `${who} (${other.pod.ips.join(', ')}) is not in ${range}`;
      }
      return `${other.ip} is not in ${range}`;
    }
    if (other.kind === 'ip') return `${who} is not a pod, and the peer selects pods`;
    const pod = other.pod;
    if (this.isNode(pod)) return `${who} uses the host network: its traffic is the node's, which pod and namespace selectors do not match`;
    if (peer.namespaceMatch) {
      const selects = this.namespaceSelects(peer, pod.namespace);
      if (selects === false) return namespaceMismatch(pod.namespace, peer.spec.namespaceSelector!);
      if (selects === undefined && peer.podMatch!(pod.labels)) {
        return `cannot tell whether namespace ${pod.namespace} is one of the ${describeNamespaceSelector(peer.spec.namespaceSelector!)}: its labels could not be read`;
      }
    } else if (pod.namespace !== policyNamespace) {
      return `${who} is not in namespace ${policyNamespace} (a podSelector alone selects pods in the policy's namespace)`;
    }
    return `${who} does not have ${formatSelector(peer.spec.podSelector)}`;
  }

  private rulePeersMatch(rule: CompiledRule, policyNamespace: string, other: Peer, assume = false, unseen?: Map<string, Unseen>): boolean {
    if (!rule.peers) return true;
    for (const peer of rule.peers) if (this.peerMatches(peer, policyNamespace, other, assume, unseen)) return true;
    return false;
  }

  private rulePortsMatch(rule: CompiledRule, traffic: Traffic, destinationPorts: ContainerPort[] | undefined): boolean {
    if (!rule.ports) return true;
    for (const p of rule.ports) if (portMatches(p, traffic, destinationPorts)) return true;
    return false;
  }

  /** Does one isolating policy admit the connection through any of its rules for this direction? */
  policyAllows(policy: CompiledPolicy, direction: Direction, other: Peer, traffic: Traffic, destinationPorts: ContainerPort[] | undefined, assume = false, unseen?: Map<string, Unseen>): boolean {
    for (const rule of policy[direction] ?? []) {
      if (this.rulePortsMatch(rule, traffic, destinationPorts) && this.rulePeersMatch(rule, policy.namespace, other, assume, unseen)) return true;
    }
    return false;
  }

  /**
   * One side of a connection: egress of the source (subject = source, other = destination) or
   * ingress of the destination (subject = destination, other = source).
   */
  sideAllows(direction: Direction, subject: PodView, other: Peer, traffic: Traffic, assume = false, unseen?: Map<string, Unseen>): boolean {
    if (this.isNode(subject)) return true;
    if (this.tiered) return this.decideTiered(direction, subject, other, traffic).allowed;
    const policies = this.policiesSelecting(subject, direction);
    if (policies.length === 0) return true;
    const destinationPorts = destinationPortsOf(direction, subject, other);
    return policies.some((p) => this.policyAllows(p, direction, other, traffic, destinationPorts, assume, unseen));
  }

  /** Is the connection allowed? Egress of the source AND ingress of the destination; ip: ends skip their side. */
  allows(source: Peer, destination: Peer, traffic: Traffic, assume = false, unseen?: Map<string, Unseen>): boolean {
    if (source.kind === 'pod' && !this.sideAllows('egress', source.pod, destination, traffic, assume, unseen)) return false;
    if (destination.kind === 'pod' && !this.sideAllows('ingress', destination.pod, source, traffic, assume, unseen)) return false;
    return true;
  }

  /**
   * A NetworkPolicy answer when it does not depend on what could not be read, else what it depends on
   * (keyed by namespace and selector). Answers are monotone in peer matches, so one evaluation with every
   * unreadable namespaceSelector outcome false and one with them true bound it: equal bounds are the answer.
   * `allows(assume, unseen)` answers with those outcomes taken as `assume`, collecting them in `unseen`.
   */
  bounded(allows: (assume: boolean, unseen?: Map<string, Unseen>) => boolean): boolean | Map<string, Unseen> {
    if (!this.namespaceLabelsUnknown) return allows(false);
    const unseen = new Map<string, Unseen>();
    const low = allows(false, unseen);
    if (low || unseen.size === 0) return low;
    return allows(true, unseen) === low ? low : unseen;
  }

  /** The verdict when it does not depend on what could not be read, else what it depends on. */
  decide(source: Peer, destination: Peer, traffic: Traffic): { allowed: boolean; unseen?: undefined } | { allowed?: undefined; unseen: Unseen[] } {
    const bound = this.bounded((assume, unseen) => this.allows(source, destination, traffic, assume, unseen));
    return typeof bound === 'boolean' ? { allowed: bound } : { unseen: [...bound.values()] };
  }

  private traceRule(rule: CompiledRule, policy: CompiledPolicy, other: Peer, traffic: Traffic, destinationPorts: ContainerPort[] | undefined, notes: TraceNotes): RuleTrace {
    let peerOk = !rule.peers;
    let viaIpBlock = false;
    const misses: string[] = [];
    for (const peer of rule.peers ?? []) {
      if (this.peerMatches(peer, policy.namespace, other)) {
        peerOk = true;
        viaIpBlock = peer.ipBlock !== undefined && other.kind === 'pod';
        break;
      }
      misses.push(this.peerMismatch(peer, policy.namespace, other, notes));
    }
    if (!peerOk) {
      const why = misses.length === 1 ? misses[0] : `none of its ${misses.length} peers matches: ${misses.join('; ')}`;
      return { index: rule.index, text: rule.text, matched: false, why };
    }
    if (!this.rulePortsMatch(rule, traffic, destinationPorts)) {
      return { index: rule.index, text: rule.text, matched: false, why: portMismatch(rule.ports!, traffic, destinationPorts) };
    }
    if (viaIpBlock) notes.ipBlockMatchedPod.add(peerName(other));
    return { index: rule.index, text: rule.text, matched: true };
  }

  private tracePolicy(policy: CompiledPolicy, direction: Direction, other: Peer, traffic: Traffic, destinationPorts: ContainerPort[] | undefined, notes: TraceNotes): PolicyTrace {
    const rules = (policy[direction] ?? []).map((r) => this.traceRule(r, policy, other, traffic, destinationPorts, notes));
    const hit = rules.find((r) => r.matched);
    const base = { namespace: policy.namespace, name: policy.name, rules };
    if (hit) return { ...base, allowed: true, rule: hit.index, ruleText: hit.text, summary: `rule #${hit.index} allows it: ${hit.text}` };
    if (rules.length === 0) {
      return { ...base, allowed: false, summary: `has no ${direction} rules, so it allows no ${direction} at all` };
    }
    const summary =
      rules.length === 1
        ? `its only ${direction} rule #0 (${rules[0].text}) does not match: ${rules[0].why}`
        : `none of its ${rules.length} ${direction} rules matches`;
    return { ...base, allowed: false, summary };
  }

  traceSide(direction: Direction, subject: PodView, other: Peer, traffic: Traffic, notes: TraceNotes = newNotes()): SideTrace {
    if (this.isNode(subject)) {
      return { direction, subject: podName(subject), isolated: false, allowed: true, policies: [], skipped: `${podName(subject)} uses the host network: its traffic is the node's, which pod policies do not select` };
    }
    const policies = this.policiesSelecting(subject, direction);
    const destinationPorts = destinationPortsOf(direction, subject, other);
    const seen = newNotes();
    const traces = policies.map((p) => this.tracePolicy(p, direction, other, traffic, destinationPorts, seen));
    if (this.tiered) return this.traceTiered(direction, subject, other, traffic, traces, seen, notes);
    const allowed = traces.length === 0 || traces.some((t) => t.allowed);
    // caveats only where they could change this side's answer: an ipBlock that admitted a pod, or one
    // that could not be checked for lack of an IP when nothing else admitted the connection
    if (allowed) for (const who of seen.ipBlockMatchedPod) notes.ipBlockMatchedPod.add(who);
    else for (const who of seen.ipBlockUnknownIp) notes.ipBlockUnknownIp.add(who);
    return { direction, subject: podName(subject), isolated: traces.length > 0, allowed, policies: traces };
  }

  /** traceSide when other kinds take part: the NetworkPolicy traces stay, the deciding tier is named. */
  private traceTiered(direction: Direction, subject: PodView, other: Peer, traffic: Traffic, traces: PolicyTrace[], seen: TraceNotes, notes: TraceNotes): SideTrace {
    const outcome = this.decideTiered(direction, subject, other, traffic);
    const npDecided = outcome.stage === 'network-policy' && outcome.decidedBy === undefined;
    if (npDecided && outcome.allowed) for (const who of seen.ipBlockMatchedPod) notes.ipBlockMatchedPod.add(who);
    if (npDecided && !outcome.allowed) for (const who of seen.ipBlockUnknownIp) notes.ipBlockUnknownIp.add(who);
    for (const n of outcome.notes) notes.other.add(n);
    const cilium: PolicyTrace[] = outcome.ciliumAllow.map(({ policy, rule }) => ({
      kind: policy.kind,
      namespace: policy.namespace ?? '',
      name: policy.name,
      allowed: rule !== undefined,
      rule: rule?.index,
      ruleText: rule?.text,
      summary: rule ? `rule #${rule.index} allows it: ${rule.text}` : `none of its ${direction} rules allows it`,
      rules: [],
    }));
    // NetworkPolicies only count where the union step was reached
    const policies = outcome.stage === 'network-policy' ? [...traces, ...cilium] : outcome.stage === 'calico' || outcome.stage === 'cilium-deny' ? traces : [];
    return {
      direction,
      subject: podName(subject),
      isolated: outcome.isolated || traces.length > 0,
      allowed: outcome.allowed,
      policies,
      ...(outcome.decidedBy ? { decidedBy: outcome.decidedBy } : {}),
      ...(outcome.passed.length ? { passed: outcome.passed } : {}),
      ...(outcome.undecided.length ? { undecided: outcome.undecided } : {}),
    };
  }

  /**
   * The full answer with reasons: which policies select each end, which rule decided, and caveats.
   * Between dual-stack ends a connection uses one family, and ipBlocks see only that family's
   * addresses: each family is judged, and an answer that differs by family is given per family.
   */
  evaluate(source: Peer, destination: Peer, traffic: Traffic): Verdict {
    const families = connectionFamilies(source, destination);
    const whole = this.evaluateOnce(source, destination, traffic);
    if (families.length < 2) return whole;
    const per = families.map((family) => ({ family, verdict: this.evaluateOnce(overFamily(source, family), overFamily(destination, family), traffic) }));
    const answer = (v: Verdict) => (v.cannotTell ? null : v.allowed);
    if (per.every((p) => answer(p.verdict) === answer(per[0].verdict))) {
      // the whole trace names every address, but it may pair one family's source with the other's destination
      // (an IPv4 ipBlock/nets on one end, an IPv6 one on the other), a connection no packet makes
      if (answer(whole) === answer(per[0].verdict)) return whole;
      const note = `dual-stack: each family judged on its own addresses, ${per.map((p) => familyName(p.family)).join(' and ')} alike (the trace is ${familyName(per[0].family)}'s)`;
      return { ...per[0].verdict, notes: [...per[0].verdict.notes, note] };
    }
    // a certain denial over one family decides; otherwise a family that cannot be told
    const deciding = per.find((p) => answer(p.verdict) === false) ?? per.find((p) => answer(p.verdict) === null)!;
    const said = (a: boolean | null) => (a === null ? 'cannot tell' : a ? 'allowed' : 'denied');
    const allowedOver = per.filter((p) => answer(p.verdict) === true).map((p) => familyName(p.family));
    const others = per.filter((p) => answer(p.verdict) !== true).map((p) => `${familyName(p.family)} ${said(answer(p.verdict))}`);
    const note = `dual-stack: allowed over ${allowedOver.join(' and ')} only; ${others.join(', ')} — a connection may use either family, so there is no single yes (the trace is ${familyName(deciding.family)}'s)`;
    return { ...deciding.verdict, allowed: false, families: per.map((p) => ({ family: p.family, allowed: answer(p.verdict) })), notes: [...deciding.verdict.notes, note] };
  }

  private evaluateOnce(source: Peer, destination: Peer, traffic: Traffic): Verdict {
    const notes = newNotes();
    const egress: SideTrace =
      source.kind === 'pod'
        ? this.traceSide('egress', source.pod, destination, traffic, notes)
        : { direction: 'egress', allowed: true, isolated: false, policies: [], skipped: `${peerName(source)} is outside the cluster: no egress policy applies to it` };
    const ingress: SideTrace =
      destination.kind === 'pod'
        ? this.traceSide('ingress', destination.pod, source, traffic, notes)
        : { direction: 'ingress', allowed: true, isolated: false, policies: [], skipped: `${peerName(destination)} is outside the cluster: no ingress policy applies to it` };
    // unreadable namespace labels (decide), unevaluated objects that may select a pod, undecidable rules
    const decided = this.decide(source, destination, traffic);
    const unknownOf = (side: SideTrace, peer: Peer): Unseen[] => [
      ...(peer.kind === 'pod' ? this.notEvaluatedFor(peer.pod).map((n) => ({ what: `${n.object}, which may select ${podName(peer.pod)} and was not evaluated (${n.reason})` })) : []),
      ...(peer.kind === 'pod' ? this.selectionUnknown(peer.pod) : []),
      ...(side.undecided ?? []).map((what) => ({ what })),
    ];
    const unknown = { egress: unknownOf(egress, source), ingress: unknownOf(ingress, destination) };
    const allowed = decided.allowed ?? false;
    // allowed: anything unknown on either side could deny it; denied: only if no denying side is certain
    const denying = [egress, ingress].filter((side) => !side.allowed);
    const certainDeny = !decided.unseen && denying.some((side) => unknown[side.direction].length === 0);
    const cannotTell = [
      ...(decided.unseen ?? []),
      ...(allowed || decided.unseen ? [...unknown.egress, ...unknown.ingress] : certainDeny ? [] : denying.flatMap((side) => unknown[side.direction])),
    ];
    if (this.unsettled.size > 0) {
      const value = cannotTell.length > 0 ? 3 : allowed ? 1 : 0;
      const sideOf = { egress, ingress };
      const certainlyDenies = (direction: Direction) => !decided.unseen && !sideOf[direction].allowed && unknown[direction].length === 0;
      const ports = this.portsUnseen(source, destination, traffic, value, (r) => this.reading(r).judge(source, destination, traffic).value, certainlyDenies);
      cannotTell.push(...ports);
      if (ports.length === 0 && value !== 3) for (const note of this.portNotes(source, destination)) notes.other.add(note);
    }
    const unique = [...new Map(cannotTell.map((u) => [u.what, u])).values()];
    return {
      allowed: unique.length ? false : allowed,
      egress,
      ingress,
      notes: verdictNotes(source, destination, notes, (pod) => this.hostNetworkNote(pod)),
      ...(unique.length ? { cannotTell: unique } : {}),
    };
  }
}

function newNotes(): TraceNotes {
  return { ipBlockMatchedPod: new Set(), ipBlockUnknownIp: new Set(), other: new Set() };
}

/** Named ports always resolve on the destination: the subject for ingress, the peer for egress. */
function destinationPortsOf(direction: Direction, subject: PodView, other: Peer): ContainerPort[] | undefined {
  if (direction === 'ingress') return subject.ports;
  return other.kind === 'pod' ? other.pod.ports : undefined;
}

function portMismatch(ports: NetworkPolicyPort[], traffic: Traffic, destinationPorts: ContainerPort[] | undefined): string {
  const asked = `${traffic.protocol} ${traffic.port}`;
  const named = ports.filter((p): p is NetworkPolicyPort & { port: string } => typeof p.port === 'string');
  const details = named.map((p) => {
    const protocol = p.protocol ?? 'TCP';
    const cp = declaredPort({ ports: destinationPorts ?? [] }, p.port, protocol);
    if (!destinationPorts) return `named port ${p.port} cannot resolve on an address outside the cluster`;
    return cp ? `${p.port} is ${protocol} ${cp.containerPort} on the destination` : `the destination declares no ${protocol} port named ${p.port}`;
  });
  return `${asked} is not ${describePorts(ports).replace(/^on /, '')}${details.length ? ` (${details.join('; ')})` : ''}`;
}

const METADATA_SERVICES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

function verdictNotes(source: Peer, destination: Peer, notes: TraceNotes, hostNote: (pod: PodView) => string): string[] {
  const out: string[] = [];
  for (const peer of [source, destination]) {
    if (peer.kind !== 'pod') continue;
    if (peer.pod.template) {
      out.push(`${podName(peer.pod)} has no running pods: evaluated with the pod template labels of ${peer.pod.template.kind} ${peer.pod.template.name}`);
    }
    if (peer.pod.hostNetwork) out.push(hostNote(peer.pod));
  }
  if (destination.kind === 'ip' && METADATA_SERVICES.has(destination.ip)) {
    out.push(`${destination.ip} is the cloud instance metadata service (IMDS): pods that reach it can often obtain the node's credentials`);
  }
  if (source.kind === 'pod' && destination.kind === 'pod' && source.pod === destination.pod) {
    out.push('a pod connecting to itself: most implementations always allow loopback traffic; this verdict follows the policies as written');
  }
  for (const who of notes.ipBlockMatchedPod) {
    out.push(`an ipBlock matched the pod IP of ${who}: the upstream conformance tests expect this, but Cilium does not apply ipBlock to in-cluster pods`);
  }
  for (const who of notes.ipBlockUnknownIp) {
    out.push(`${who} has no IP in this snapshot, so ipBlock rules could not match it`);
  }
  out.push(...notes.other);
  return out;
}
