// Replicas collapsed by owner: a matrix over pods becomes one over workloads (Deployment, StatefulSet,
// DaemonSet, Job, CronJob, bare pods), with each pair's verdict allowed, denied or partly (some ports,
// or some replicas). Pure: over the snapshot's objects and the matrix.
import type { ClusterSnapshot, Pod, Protocol } from '../model/k8s.js';
import { CANNOT_TELL, NOT_APPLICABLE, type Matrix, type PortQuery } from './matrix.js';
import { Owners } from './owners.js';
import type { PodView } from './types.js';

export type GroupKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'Pod' | 'External';

export interface WorkloadGroup {
  /** NS/KIND/NAME with kubectl's short kind (default/deploy/web), ip:ADDR for an external address */
  id: string;
  /** undefined for an address outside the cluster */
  namespace?: string;
  kind: GroupKind;
  name: string;
  /** running pods; 0 when the workload is drawn from its pod template */
  replicas: number;
  /** endpoint indexes (into Matrix.endpoints) */
  members: number[];
}

export interface Grouping {
  groups: WorkloadGroup[];
  /** each endpoint's group index */
  groupOf: Int32Array;
}

const SHORT: Record<GroupKind, string> = {
  Deployment: 'deploy',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  ReplicaSet: 'rs',
  Job: 'job',
  CronJob: 'cronjob',
  Pod: 'pod',
  External: 'ip',
};

/**
 * Groups a matrix's endpoints (pods, then externals, as computeMatrix orders them) by workload. Pods
 * are looked up in the snapshot by namespace and name for their owner references; workload templates
 * stand for their workload.
 */
export function groupEndpoints(snapshot: Pick<ClusterSnapshot, 'pods' | 'workloads'>, pods: PodView[], externals: string[]): Grouping {
  const owners = new Owners(snapshot.workloads);
  const podByName = new Map<string, Pod>();
  for (const p of snapshot.pods) podByName.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);

  const index = new Map<string, number>();
  const groups: WorkloadGroup[] = [];
  const groupOf = new Int32Array(pods.length + externals.length);
  const add = (i: number, namespace: string | undefined, owner: { kind: GroupKind; name: string }, running: boolean) => {
    const id = namespace === undefined ? owner.name : `${namespace}/${SHORT[owner.kind]}/${owner.name}`;
    let g = index.get(id);
    if (g === undefined) {
      g = groups.length;
      index.set(id, g);
      groups.push({ id, ...(namespace === undefined ? {} : { namespace }), kind: owner.kind, name: owner.name, replicas: 0, members: [] });
    }
    groups[g].members.push(i);
    if (running) groups[g].replicas++;
    groupOf[i] = g;
  };
  pods.forEach((view, i) => {
    if (view.template) return add(i, view.namespace, { kind: view.template.kind, name: view.template.name }, false);
    const pod = podByName.get(`${view.namespace}/${view.name}`);
    add(i, view.namespace, pod ? owners.of(pod) : { kind: 'Pod', name: view.name }, true);
  });
  externals.forEach((ip, i) => add(pods.length + i, undefined, { kind: 'External', name: `ip:${ip}` }, false));

  // namespaces, then names; addresses outside the cluster last
  const order = groups.map((_, g) => g).sort((a, b) => compareGroups(groups[a], groups[b]));
  const renumber = new Int32Array(groups.length);
  order.forEach((g, at) => (renumber[g] = at));
  return { groups: order.map((g) => groups[g]), groupOf: groupOf.map((g) => renumber[g]) };
}

function compareGroups(a: WorkloadGroup, b: WorkloadGroup): number {
  if ((a.namespace === undefined) !== (b.namespace === undefined)) return a.namespace === undefined ? 1 : -1;
  const x = `${a.namespace ?? ''}\u0000${a.name}\u0000${a.kind}`;
  const y = `${b.namespace ?? ''}\u0000${b.name}\u0000${b.kind}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A workload's short description: "Deployment ×3", "Pod", "StatefulSet (template, no pods)". */
export function groupDescription(g: WorkloadGroup): string {
  if (g.kind === 'External') return 'outside the cluster';
  if (g.replicas === 0) return `${g.kind} (pod template)`;
  return g.replicas > 1 ? `${g.kind} ×${g.replicas}` : g.kind;
}

/** unknown: some pod pair's verdict could not be told (data the reader may not see, a policy not evaluated) */
export type PairState = 'allowed' | 'denied' | 'partly' | 'unknown';

export interface WorkloadMatrix {
  groups: WorkloadGroup[];
  queries: PortQuery[];
  /** per query, row-major g×g: pod pairs with a verdict, how many of them are allowed, and how many cannot be told */
  pairs: Uint32Array[];
  allowed: Uint32Array[];
  unknown: Uint32Array[];
  /** per query and destination group: the protocol a named port resolved to */
  protocols: (Protocol | undefined)[][];
}

/** Counts each workload pair's pod verdicts per port. Linear in the matrix's cells. */
export function workloadMatrix(m: Matrix, grouping: Grouping): WorkloadMatrix {
  const g = grouping.groups.length;
  const n = m.endpoints.length;
  const of = grouping.groupOf;
  const pairs: Uint32Array[] = [];
  const allowed: Uint32Array[] = [];
  const unknown: Uint32Array[] = [];
  const protocols: (Protocol | undefined)[][] = [];
  m.queries.forEach((_, q) => {
    const cells = m.cells[q];
    const p = new Uint32Array(g * g);
    const a = new Uint32Array(g * g);
    const u = new Uint32Array(g * g);
    for (let i = 0; i < n; i++) {
      const row = of[i] * g;
      for (let j = 0; j < n; j++) {
        const v = cells[i * n + j];
        if (v === NOT_APPLICABLE) continue;
        p[row + of[j]]++;
        if (v === 1) a[row + of[j]]++;
        else if (v === CANNOT_TELL) u[row + of[j]]++;
      }
    }
    pairs.push(p);
    allowed.push(a);
    unknown.push(u);
    protocols.push(grouping.groups.map((group) => group.members.map((i) => m.protocols[q][i]).find((x) => x !== undefined)));
  });
  return { groups: grouping.groups, queries: m.queries, pairs, allowed, unknown, protocols };
}

/** One port's verdict for a workload pair; undefined when no pod pair has one (a named port neither declares). */
export function pairState(w: WorkloadMatrix, q: number, from: number, to: number): PairState | undefined {
  const at = from * w.groups.length + to;
  const total = w.pairs[q][at];
  if (total === 0) return undefined;
  return stateOf(total, w.allowed[q][at], w.unknown[q][at]);
}

/** Partly is certain once some pair is allowed and another denied; otherwise one unknown pair leaves the answer open. */
export function stateOf(total: number, allowed: number, unknown: number): PairState {
  const denied = total - allowed - unknown;
  if (allowed > 0 && denied > 0) return 'partly';
  if (unknown > 0) return 'unknown';
  return allowed === total ? 'allowed' : 'denied';
}

/** "TCP 8080", or the port's name ("http") when it was asked by name. */
export function portText(query: PortQuery): string {
  return typeof query.port === 'number' ? `${query.protocol ?? 'TCP'} ${query.port}` : String(query.port);
}

/** Port labels listed once per protocol: "TCP 8080, 8443; UDP 53". */
export function joinPorts(labels: string[]): string {
  const byProtocol = new Map<string, string[]>();
  const names: string[] = [];
  for (const l of labels) {
    const m = /^(TCP|UDP|SCTP) (\d+)$/.exec(l);
    if (!m) {
      names.push(l);
      continue;
    }
    byProtocol.set(m[1], [...(byProtocol.get(m[1]) ?? []), m[2]]);
  }
  return [...[...byProtocol].map(([protocol, ports]) => `${protocol} ${ports.join(', ')}`), ...names].join('; ');
}

export interface PairSummary {
  from: number;
  to: number;
  allowed: string[];
  denied: string[];
  partly: string[];
  unknown: string[];
}

/** Each ordered workload pair with at least one verdict, its ports sorted into allowed, denied and partly. */
export function* workloadPairs(w: WorkloadMatrix): Generator<PairSummary> {
  const g = w.groups.length;
  for (let from = 0; from < g; from++) {
    for (let to = 0; to < g; to++) {
      const pair: PairSummary = { from, to, allowed: [], denied: [], partly: [], unknown: [] };
      for (let q = 0; q < w.queries.length; q++) {
        const state = pairState(w, q, from, to);
        if (state) pair[state].push(portText(w.queries[q]));
      }
      if (pair.allowed.length + pair.denied.length + pair.partly.length + pair.unknown.length > 0) yield pair;
    }
  }
}

/**
 * The groups a --focus names: NS/KIND/NAME as the outputs write it, NS/NAME, KIND/NAME or NAME (every
 * workload of that name). Empty when nothing matches.
 */
export function focusGroups(groups: WorkloadGroup[], text: string): number[] {
  const t = text.trim();
  const parts = t.split('/');
  const kindMatches = (g: WorkloadGroup, k: string) => SHORT[g.kind] === k.toLowerCase() || g.kind.toLowerCase() === k.toLowerCase();
  const out: number[] = [];
  groups.forEach((g, i) => {
    const ok =
      g.id === t ||
      (g.kind === 'External' ? g.name === t || g.name === `ip:${t}` :
        parts.length === 1 ? g.name === t :
        parts.length === 2 ? (g.namespace === parts[0] && g.name === parts[1]) || (kindMatches(g, parts[0]) && g.name === parts[1]) :
        parts.length === 3 && g.namespace === parts[0] && kindMatches(g, parts[1]) && g.name === parts[2]);
    if (ok) out.push(i);
  });
  return out;
}
