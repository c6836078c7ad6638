// `diff --with CHANGE [--delete KIND/NS/NAME]`: the base snapshot with a change overlaid, and the
// connections whose verdict that flips. Pure. Pods are grouped by their class before AND after the
// change, so a verdict is computed once per pair of such classes, as the matrix does.
import { UsageError } from '../errors.js';
import type { ClusterSnapshot, Protocol } from '../model/k8s.js';
import { clusterPods, kindOf } from './endpoints.js';
import { PolicyEngine, type Unseen } from './engine.js';
import type { EngineChoice, EngineReport } from './engine-choice.js';
import { decidingText } from './expectations.js';
import { CANNOT_TELL, NOT_APPLICABLE, computeMatrix, equivalenceKey, ipBlocksOf, matrixQueries, resolveQuery, type PortQuery } from './matrix.js';
import { ownerIndex } from './owners.js';
import { POLICY_KINDS, groupOf, policyKindOf, type PolicyKind } from './kinds/index.js';
import type { NotEvaluated, Peer, PodView, Traffic } from './types.js';

export interface DeleteRef {
  /** NetworkPolicy, Namespace, Pod, Service, a workload kind, or a policy kind beyond NetworkPolicy (policy set) */
  kind: string;
  /** a policy kind beyond NetworkPolicy: objects of its family go, whichever group they were read from */
  policy?: PolicyKind;
  namespace?: string;
  name: string;
  input: string;
}

const POLICY_WORDS = ['networkpolicy', 'networkpolicies', 'netpol', 'netpols'];
const NAMESPACE_WORDS = ['namespace', 'namespaces', 'ns'];

/**
 * Policy kinds beyond NetworkPolicy as kubectl names them: kind or plural, with `.GROUP` where the name alone
 * is ambiguous (Calico's `networkpolicies.projectcalico.org`); a bare networkpolicy is networking.k8s.io's.
 */
function policyKindWord(word: string): PolicyKind | undefined {
  const dot = word.indexOf('.');
  const name = dot < 0 ? word : word.slice(0, dot);
  const group = dot < 0 ? undefined : word.slice(dot + 1);
  if (group === undefined && POLICY_WORDS.includes(name)) return undefined;
  return POLICY_KINDS.find((k) => (group === undefined || k.group === group) && (k.kind.toLowerCase() === name || k.resource === name));
}

/**
 * `KIND/NAMESPACE/NAME` (`networkpolicy/payments/allow-cart`, `deploy/shop/web`), `namespace/NAME`, or a
 * cluster-scoped policy kind's `KIND/NAME` (`adminnetworkpolicy/no-imds`).
 */
export function parseDeleteRef(text: string): DeleteRef {
  const parts = text.trim().split('/');
  const word = parts[0]?.toLowerCase() ?? '';
  if (parts.some((p) => p === '')) throw new UsageError(`--delete ${text}: expected KIND/NAMESPACE/NAME (e.g. networkpolicy/payments/allow-cart) or namespace/NAME`);
  if (NAMESPACE_WORDS.includes(word)) {
    if (parts.length !== 2) throw new UsageError(`--delete ${text}: a namespace is namespace/NAME`);
    return { kind: 'Namespace', name: parts[1], input: text };
  }
  const policy = policyKindWord(word);
  if (policy && !policy.namespaced) {
    if (parts.length !== 2) throw new UsageError(`--delete ${text}: ${policy.kind} is cluster-scoped: ${word}/NAME`);
    return { kind: policy.kind, policy, name: parts[1], input: text };
  }
  if (policy) {
    if (parts.length !== 3) throw new UsageError(`--delete ${text}: expected ${word}/NAMESPACE/NAME`);
    return { kind: policy.kind, policy, namespace: parts[1], name: parts[2], input: text };
  }
  if (parts.length !== 3) throw new UsageError(`--delete ${text}: expected KIND/NAMESPACE/NAME (e.g. networkpolicy/payments/allow-cart) or namespace/NAME`);
  const kind = POLICY_WORDS.includes(word) ? 'NetworkPolicy' : kindOf(word);
  if (!kind) throw new UsageError(`--delete ${text}: unknown kind "${parts[0]}" (networkpolicy, pod, svc, deploy, sts, ds, rs, job, namespace, or a policy kind such as adminnetworkpolicy, ciliumnetworkpolicy, networkpolicies.projectcalico.org)`);
  return { kind, namespace: parts[1], name: parts[2], input: text };
}

type Meta = { metadata: { name: string; namespace?: string } };
const keyOf = (kind: string, o: Meta) => `${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The base with the change applied as `kubectl apply` would: an object of the same kind, namespace and
 * name replaces the base's, others are added; deletions remove objects (a namespace, everything in it).
 * Namespaces the change only refers to (no Namespace object) keep the base's labels.
 */
export function overlaySnapshot(base: ClusterSnapshot, change: ClusterSnapshot | undefined, deletes: DeleteRef[] = []): ClusterSnapshot {
  const out: ClusterSnapshot = { ...base, source: change ? `${base.source} with ${change.source.replace(/^manifests /, '')}` : base.source };
  const merge = <T extends Meta>(list: T[], extra: T[] | undefined, kind: (o: T) => string): T[] => {
    if (!extra || extra.length === 0) return list;
    const replaced = new Map(extra.map((o) => [keyOf(kind(o), o), o]));
    const kept = list.map((o) => replaced.get(keyOf(kind(o), o)) ?? o);
    const present = new Set(list.map((o) => keyOf(kind(o), o)));
    return [...kept, ...extra.filter((o) => !present.has(keyOf(kind(o), o)))];
  };
  const baseNamespaces = new Set(base.namespaces.map((n) => n.metadata.name));
  const implicit = (n: ClusterSnapshot['namespaces'][number]) => Object.keys(n.metadata.labels ?? {}).length <= 1 && !n.metadata.annotations && baseNamespaces.has(n.metadata.name);
  out.namespaces = merge(base.namespaces, change?.namespaces.filter((n) => !implicit(n)), () => 'Namespace');
  out.pods = merge(base.pods, change?.pods, () => 'Pod');
  out.services = merge(base.services, change?.services, () => 'Service');
  out.workloads = merge(base.workloads, change?.workloads, (w) => w.kind);
  out.networkPolicies = merge(base.networkPolicies, change?.networkPolicies, () => 'NetworkPolicy');
  out.roles = merge(base.roles, change?.roles, (r) => r.kind);
  out.roleBindings = merge(base.roleBindings, change?.roleBindings, (r) => r.kind);
  out.serviceAccounts = merge(base.serviceAccounts, change?.serviceAccounts, () => 'ServiceAccount');
  // Calico's policies replace each other whichever of its two groups they were read from
  const policyKey = (o: { apiVersion: string; kind: string }) => policyKindOf(o.apiVersion, o.kind)?.family ?? `${groupOf(o.apiVersion).replace(/^crd\.projectcalico\.org$/, 'projectcalico.org')}/${o.kind}`;
  const policyObjects = merge(base.policyObjects ?? [], change?.policyObjects, policyKey);
  if (policyObjects.length > 0) out.policyObjects = policyObjects;

  for (const ref of deletes) {
    if (ref.kind === 'Namespace') {
      if (!out.namespaces.some((n) => n.metadata.name === ref.name)) throw new UsageError(`--delete ${ref.input}: namespace ${ref.name} is not in ${base.source}`);
      const elsewhere = <T extends Meta>(list: T[]) => list.filter((o) => o.metadata.namespace !== ref.name);
      out.namespaces = out.namespaces.filter((n) => n.metadata.name !== ref.name);
      out.pods = elsewhere(out.pods);
      out.services = elsewhere(out.services);
      out.workloads = elsewhere(out.workloads);
      out.networkPolicies = elsewhere(out.networkPolicies);
      if (out.policyObjects) out.policyObjects = elsewhere(out.policyObjects);
      continue;
    }
    const matches = (o: Meta) => o.metadata.name === ref.name && (o.metadata.namespace ?? 'default') === ref.namespace;
    const drop = <T extends Meta>(list: T[], test: (o: T) => boolean): T[] => {
      const kept = list.filter((o) => !test(o));
      if (kept.length === list.length) throw new UsageError(`--delete ${ref.input}: ${ref.kind.toLowerCase()} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} is not in ${base.source}`);
      return kept;
    };
    if (ref.policy) {
      const family = ref.policy.family;
      const scope = ref.namespace;
      out.policyObjects = drop(out.policyObjects ?? [], (o) => policyKindOf(o.apiVersion, o.kind)?.family === family && o.metadata.name === ref.name && (scope === undefined || (o.metadata.namespace ?? 'default') === scope));
    } else if (ref.kind === 'NetworkPolicy') out.networkPolicies = drop(out.networkPolicies, matches);
    else if (ref.kind === 'Pod') out.pods = drop(out.pods, matches);
    else if (ref.kind === 'Service') out.services = drop(out.services, matches);
    else out.workloads = drop(out.workloads, (w) => w.kind === ref.kind && matches(w));
  }
  return out;
}

export interface ReachabilityChange {
  /** [NAMESPACE/]KIND/NAME in the can-reach grammar (deploy/…, sts/…, pod/…), or ip:ADDRESS */
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  /** null: cannot tell (see DiffResult.cannotTell) */
  before: boolean | null;
  after: boolean | null;
  /** one line: the policy and rule that decide the new verdict */
  reason: string;
}

export interface DiffResult {
  changes: ReachabilityChange[];
  notes: string[];
  /** set when some compared verdict, before or after, cannot be told: what it depends on */
  cannotTell?: Unseen[];
  /** policy objects read but not evaluated, after the change (verdicts they may touch are cannot tell; kinds the engine does not enforce are ignored) */
  notEvaluated: NotEvaluated[];
  /** which engine's kinds counted, as can-reach says it */
  engine?: EngineReport;
}

export interface DiffOptions {
  /** namespaces whose pods are compared; undefined = every namespace */
  namespaces?: string[];
  ports?: (number | string)[];
  protocols?: Protocol[];
  externals?: string[];
  /** which engine's kinds count, before and after alike (chooseEngine); default: every kind given */
  engine?: EngineChoice;
  /** the after snapshot's engine, when the caller compiled it already (with `engine`): compiled once, its memos serve both */
  afterEngine?: PolicyEngine;
}

const SHORT: Record<string, string> = { deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', replicaset: 'rs' };
function endpointName(namespace: string, owner: string): string {
  const [kind, ...rest] = owner.split('/');
  return `${namespace}/${SHORT[kind] ?? kind}/${rest.join('/')}`;
}

interface Member {
  before?: PodView;
  after?: PodView;
  ip?: string;
  name: string;
}

/** Connections between pods present before and after (and the --external addresses) whose verdict changes. */
export function diffReachability(before: ClusterSnapshot, after: ClusterSnapshot, options: DiffOptions = {}): DiffResult {
  const notes: string[] = [];
  const podsBefore = clusterPods(before, options.namespaces);
  const podsAfter = clusterPods(after, options.namespaces);
  const byName = (pods: PodView[]) => new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const mb = byName(podsBefore);
  const ma = byName(podsAfter);
  const ownerBefore = ownerIndex(before);
  const ownerAfter = ownerIndex(after);
  const gone = [...new Set(podsBefore.filter((p) => !ma.has(`${p.namespace}/${p.name}`)).map((p) => endpointName(p.namespace, ownerBefore(p))))];
  const added = [...new Set(podsAfter.filter((p) => !mb.has(`${p.namespace}/${p.name}`)).map((p) => endpointName(p.namespace, ownerAfter(p))))];
  if (gone.length) notes.push(`only in the base, not compared: ${gone.join(', ')}`);
  if (added.length) notes.push(`only after the change, not compared: ${added.join(', ')}`);

  const engineBefore = new PolicyEngine(before, options.engine);
  const engineAfter = options.afterEngine ?? new PolicyEngine(after, options.engine);
  const blocksBefore = ipBlocksOf(engineBefore.policies, engineBefore.extraCidrs);
  const blocksAfter = ipBlocksOf(engineAfter.policies, engineAfter.extraCidrs);

  // classes of endpoints that every policy, before and after, treats alike
  const members: Member[] = [];
  for (const [key, a] of ma) {
    const b = mb.get(key);
    if (b) members.push({ before: b, after: a, name: endpointName(a.namespace, ownerAfter(a)) });
  }
  for (const ip of options.externals ?? []) members.push({ ip, name: `ip:${ip}` });
  const classIndex = new Map<string, number>();
  const reps: Member[] = [];
  const names: Set<string>[] = [];
  for (const m of members) {
    const key = m.ip ? `ip\u0000${m.ip}` : `${equivalenceKey(m.before!, blocksBefore)}\u0002${equivalenceKey(m.after!, blocksAfter)}`;
    let c = classIndex.get(key);
    if (c === undefined) {
      c = reps.length;
      classIndex.set(key, c);
      reps.push(m);
      names.push(new Set());
    }
    names[c].add(m.name);
  }

  const queries: PortQuery[] = matrixQueries([...podsBefore, ...podsAfter], options.ports ?? [], options.protocols ?? []);
  const peer = (m: Member, side: 'before' | 'after'): Peer => (m.ip ? { kind: 'ip', ip: m.ip } : { kind: 'pod', pod: m[side]! });
  const changes = new Map<string, ReachabilityChange>();
  const unseen = new Map<string, Unseen>();
  const answer = (v: { value: 0 | 1 | 3; unseen?: Unseen[] }): boolean | null => {
    for (const u of v.unseen ?? []) unseen.set(u.what, u);
    return v.value === 3 ? null : v.value === 1;
  };
  // every verdict through the matrix's path (policies resolved once per class, not per pair); reps are the pods'
  // classes, then the addresses', so class c is the matrix's endpoint c
  const k = reps.length;
  const matrixOf = (engine: PolicyEngine, side: 'before' | 'after') =>
    computeMatrix(engine, { pods: reps.filter((r) => !r.ip).map((r) => r[side]!), externals: reps.flatMap((r) => (r.ip ? [r.ip] : [])), queries });
  const matrixBefore = matrixOf(engineBefore, 'before');
  const matrixAfter = matrixOf(engineAfter, 'after');
  // a verdict that cannot be told is judged again for what it depends on, so the notes name what the compared verdicts needed
  const judged = (engine: PolicyEngine, side: 'before' | 'after', cell: number, s: number, d: number, traffic: Traffic) =>
    cell === CANNOT_TELL ? engine.judge(peer(reps[s], side), peer(reps[d], side), traffic) : { value: cell as 0 | 1 };
  queries.forEach((query, q) => {
    const trafficBefore = reps.map((r) => resolveQuery(query, peer(r, 'before')));
    const trafficAfter = reps.map((r) => resolveQuery(query, peer(r, 'after')));
    const cellsBefore = matrixBefore.cells[q];
    const cellsAfter = matrixAfter.cells[q];
    for (let s = 0; s < k; s++) {
      for (let d = 0; d < k; d++) {
        const cb = cellsBefore[s * k + d];
        const ca = cellsAfter[s * k + d];
        // address to address, or a named port one side's destination does not declare
        if (cb === NOT_APPLICABLE || ca === NOT_APPLICABLE) continue;
        const ta = trafficAfter[d]!;
        // the same judgement as can-reach and matrix, every policy kind and "cannot tell" included
        const was = answer(judged(engineBefore, 'before', cb, s, d, trafficBefore[d]!));
        const after = judged(engineAfter, 'after', ca, s, d, ta);
        const is = answer(after);
        if (was === is) continue;
        const verdict = engineAfter.evaluate(peer(reps[s], 'after'), peer(reps[d], 'after'), ta);
        const reason =
          is === null
            ? `cannot tell: depends on ${(after.unseen ?? []).map((u) => u.what).join('; ')}`
            : decidingText({ egress: verdict.egress, ingress: verdict.ingress, sources: [reps[s].name], destinations: [reps[d].name] });
        for (const from of names[s]) {
          for (const to of names[d]) {
            const change = { from, to, port: query.port, protocol: ta.protocol, before: was, after: is, reason };
            changes.set(`${from}\u0000${to}\u0000${query.port}\u0000${ta.protocol}`, change);
          }
        }
      }
    }
  });
  const list = [...changes.values()].sort(
    (a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.protocol, b.protocol) || (typeof a.port === 'number' && typeof b.port === 'number' ? a.port - b.port : cmp(String(a.port), String(b.port))),
  );
  // the kinds the engine does not enforce are named too, as can-reach names them, a deleted one included
  const named = new Set(engineAfter.leftOut.map((n) => n.object));
  const notEvaluated = [...engineAfter.leftOut, ...engineBefore.ignored.filter((n) => !named.has(n.object))];
  return { changes: list, notes, ...(unseen.size > 0 ? { cannotTell: [...unseen.values()] } : {}), notEvaluated, ...(engineAfter.choice ? { engine: engineAfter.choice } : {}) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
