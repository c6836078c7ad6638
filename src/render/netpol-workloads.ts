// Workload-level matrix outputs: Graphviz dot, Mermaid, CSV and Markdown. Replicas are collapsed by
// owner (src/netpol/workloads.ts), parallel port edges merged into one edge that lists its ports once.
import { UsageError } from '../errors.js';
import { groupDescription, joinPorts, stateOf, workloadPairs, type PairSummary, type WorkloadGroup, type WorkloadMatrix } from '../netpol/workloads.js';

export interface GraphOptions {
  /** draw denied pairs instead of allowed ones */
  denied?: boolean;
  /** group indexes: only edges to or from these */
  focus?: number[];
}


interface Edge {
  from: number;
  to: number;
  /** ports where every pod pair has the drawn verdict, and ports where only some do */
  full: string[];
  partly: string[];
  /** ports whose verdict cannot be told for some pod pair */
  unknown: string[];
}

function edgeLabel(e: { full: string[]; partly: string[]; unknown: string[] }): string {
  const full = joinPorts(e.full);
  const partly = e.partly.length ? `partly: ${joinPorts(e.partly)}` : '';
  const unknown = e.unknown.length ? `cannot tell: ${joinPorts(e.unknown)}` : '';
  return [full, partly, unknown].filter(Boolean).join(' · ');
}

/** One edge per workload pair with the drawn verdict on some port; a workload's replicas talking among themselves are not drawn. */
function graphEdges(w: WorkloadMatrix, opts: GraphOptions): Edge[] {
  const focus = opts.focus ? new Set(opts.focus) : undefined;
  const out: Edge[] = [];
  for (const p of workloadPairs(w)) {
    if (p.from === p.to) continue;
    if (focus && !focus.has(p.from) && !focus.has(p.to)) continue;
    const full = opts.denied ? p.denied : p.allowed;
    if (full.length + p.partly.length + p.unknown.length === 0) continue;
    out.push({ from: p.from, to: p.to, full, partly: p.partly, unknown: p.unknown });
  }
  return out;
}

function edgeStyle(e: { full: string[]; partly: string[] }): 'solid' | 'dashed' | 'dotted' {
  return e.full.length ? 'solid' : e.partly.length ? 'dashed' : 'dotted';
}

function whatIsDrawn(opts: GraphOptions): string {
  return opts.denied
    ? 'edges: denied connections (dashed: denied for some replicas only; dotted: cannot tell)'
    : 'edges: allowed connections (dashed: allowed for some replicas only; dotted: cannot tell)';
}

/** Mermaid's defaults (mermaid.initialize maxEdges, maxTextSize): a larger diagram is refused, not drawn. */
export const MERMAID_MAX_EDGES = 500;
export const MERMAID_MAX_TEXT = 50_000;
/**
 * Past this many edges Graphviz dot takes minutes even with edge xlabels (on a 2-core machine, 500 edges
 * over 25 namespace clusters: 2.5 s; 840: 47 s), and the picture is a tangle anyway.
 */
export const DOT_MAX_EDGES = 500;

interface Node {
  id: string;
  label: string;
  /** the namespace cluster it is drawn in; undefined for namespaces themselves and external addresses */
  cluster?: string;
  external: boolean;
  focused: boolean;
}

interface Graph {
  nodes: Node[];
  edges: { from: string; to: string; label: string; style: 'solid' | 'dashed' | 'dotted' }[];
  comment: string;
}

function workloadGraph(w: WorkloadMatrix, edges: Edge[], opts: GraphOptions): Graph {
  const drawn = new Set(opts.focus ?? w.groups.map((_, i) => i));
  if (opts.focus) for (const e of edges) drawn.add(e.from).add(e.to);
  const nodes = w.groups.flatMap((g, i): Node[] =>
    drawn.has(i) ? [{ id: g.id, label: g.kind === 'External' ? g.name : `${g.name}\n${groupDescription(g)}`, cluster: g.namespace, external: g.kind === 'External', focused: opts.focus?.includes(i) ?? false }] : [],
  );
  return {
    nodes,
    edges: edges.map((e) => ({ from: w.groups[e.from].id, to: w.groups[e.to].id, label: edgeLabel(e), style: edgeStyle(e) })),
    comment: `nodes are workloads (replicas collapsed), ${whatIsDrawn(opts)}`,
  };
}

/** The same edges between namespaces: a namespace pair's edge lists every port some workload pair has. */
function namespaceGraph(w: WorkloadMatrix, edges: Edge[], opts: GraphOptions, reason: string): Graph {
  const nodeOf = (i: number) => w.groups[i].namespace ?? w.groups[i].name;
  const counts = new Map<string, number>();
  for (let i = 0; i < w.groups.length; i++) counts.set(nodeOf(i), (counts.get(nodeOf(i)) ?? 0) + 1);
  const merged = new Map<string, { from: string; to: string; full: Set<string>; partly: Set<string>; unknown: Set<string> }>();
  let inside = 0;
  for (const e of edges) {
    const [from, to] = [nodeOf(e.from), nodeOf(e.to)];
    if (from === to) {
      inside++;
      continue;
    }
    const key = `${from}\u0000${to}`;
    const m = merged.get(key) ?? { from, to, full: new Set<string>(), partly: new Set<string>(), unknown: new Set<string>() };
    for (const p of e.full) m.full.add(p);
    for (const p of e.partly) m.partly.add(p);
    for (const p of e.unknown) m.unknown.add(p);
    merged.set(key, m);
  }
  const nodes = [...counts].map(([name, count]): Node => {
    const external = name.startsWith('ip:');
    return { id: name, label: external ? name : `${name}\n${count} workload${count === 1 ? '' : 's'}`, external, focused: false };
  });
  return {
    nodes,
    edges: [...merged.values()].map((m) => {
      const e = { full: [...m.full], partly: [...m.partly].filter((p) => !m.full.has(p)), unknown: [...m.unknown].filter((p) => !m.full.has(p) && !m.partly.has(p)) };
      return { from: m.from, to: m.to, label: edgeLabel(e), style: edgeStyle(e) };
    }),
    comment:
      `${reason}; drawn per namespace instead: an edge lists every port on which some workload of one namespace ${opts.denied ? 'is denied' : 'may connect'} to some workload of the other` +
      `${inside ? `; the ${inside} edges inside namespaces are not drawn` : ''}. Narrow it with -n or --focus to see workloads.`,
  };
}

function renderDotGraph(graph: Graph, opts: GraphOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const out = [
    `// kubectl np matrix: ${graph.comment}`,
    'digraph reachability {',
    // newrank lays clusters out without dot's "trouble in init_rank" failures on dense graphs
    '  graph [rankdir=LR, newrank=true, fontname="Helvetica"];',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    `  edge [fontname="Helvetica", fontsize=10${opts.denied ? ', color="#b2182b", fontcolor="#b2182b"' : ''}];`,
  ];
  const node = (n: Node, indent: string) => `${indent}${q(n.id)} [label=${q(n.label)}${n.external ? ', shape=ellipse' : ''}${n.focused ? ', penwidth=2' : ''}];`;
  const clusters = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    if (n.cluster === undefined) out.push(node(n, '  '));
    else clusters.set(n.cluster, [...(clusters.get(n.cluster) ?? []), n]);
  }
  for (const [ns, members] of clusters) {
    out.push(`  subgraph ${q(`cluster_${ns}`)} {`, `    label=${q(ns)};`, ...members.map((n) => node(n, '    ')), '  }');
  }
  // xlabel: placed after layout; a label is a node to dot, and 250 of them take minutes to rank
  for (const e of graph.edges) out.push(`  ${q(e.from)} -> ${q(e.to)} [xlabel=${q(e.label)}${e.style === 'solid' ? '' : `, style=${e.style}`}];`);
  out.push('}');
  return out.join('\n') + '\n';
}

function renderMermaidGraph(graph: Graph): string {
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const out = ['flowchart LR', `  %% kubectl np matrix: ${graph.comment}`];
  const node = (n: Node, indent: string) => `${indent}${ids.get(n.id)}${n.external ? `(("${text(n.label)}"))` : `["${text(n.label)}"]`}`;
  const clusters = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    if (n.cluster === undefined) out.push(node(n, '  '));
    else clusters.set(n.cluster, [...(clusters.get(n.cluster) ?? []), n]);
  }
  [...clusters].forEach(([ns, members], i) => {
    out.push(`  subgraph ns${i}_${ns.replace(/[^A-Za-z0-9_]/g, '_')}["${text(ns)}"]`, ...members.map((n) => node(n, '    ')), '  end');
  });
  for (const e of graph.edges) out.push(`  ${ids.get(e.from)} ${e.style === 'solid' ? '-->' : '-.->'}|"${text(e.label)}"| ${ids.get(e.to)}`);
  return out.join('\n') + '\n';
}

/** Graphviz dot of workloads in namespace clusters; past DOT_MAX_EDGES, of namespaces, with a comment saying so. */
export function renderWorkloadDot(w: WorkloadMatrix, opts: GraphOptions = {}): string {
  const edges = graphEdges(w, opts);
  const graph =
    edges.length > DOT_MAX_EDGES
      ? namespaceGraph(w, edges, opts, `${edges.length} workload edges are more than Graphviz lays out in reasonable time (${DOT_MAX_EDGES})`)
      : workloadGraph(w, edges, opts);
  return renderDotGraph(graph, opts);
}

/**
 * Mermaid flowchart of workloads; past Mermaid's edge or text limit, of namespaces (with a comment
 * saying so), since Mermaid refuses to draw a larger diagram at all.
 */
export function renderWorkloadMermaid(w: WorkloadMatrix, opts: GraphOptions = {}): string {
  const edges = graphEdges(w, opts);
  let reason: string | undefined;
  if (edges.length > MERMAID_MAX_EDGES) reason = `${edges.length} workload edges exceed Mermaid's limit of ${MERMAID_MAX_EDGES}`;
  else {
    const text = renderMermaidGraph(workloadGraph(w, edges, opts));
    if (text.length <= MERMAID_MAX_TEXT) return text;
    reason = `the workload diagram (${text.length} characters) exceeds Mermaid's limit of ${MERMAID_MAX_TEXT}`;
  }
  const graph = namespaceGraph(w, edges, opts, reason);
  const text = renderMermaidGraph(graph);
  if (graph.edges.length > MERMAID_MAX_EDGES || text.length > MERMAID_MAX_TEXT) {
    throw new UsageError(`even drawn per namespace the diagram has ${graph.edges.length} edges and ${text.length} characters, over Mermaid's limits (${MERMAID_MAX_EDGES}, ${MERMAID_MAX_TEXT}): narrow it with -n or --focus, or use -o dot`);
  }
  return text;
}

function pairsFor(w: WorkloadMatrix, opts: GraphOptions): PairSummary[] {
  const focus = opts.focus ? new Set(opts.focus) : undefined;
  const out: PairSummary[] = [];
  for (const p of workloadPairs(w)) {
    if (focus && !focus.has(p.from) && !focus.has(p.to)) continue;
    if (opts.denied && p.denied.length + p.partly.length + p.unknown.length === 0) continue;
    out.push(p);
  }
  return out;
}

function csvField(s: string | number): string {
  const text = String(s);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per workload pair and port: from, to, their kinds and running pods, the port, the verdict
 * (allowed, denied, partly) and how many of the pod pairs are allowed.
 */
export function* renderWorkloadCsv(w: WorkloadMatrix, opts: GraphOptions = {}): Generator<string> {
  yield 'from,from_kind,from_pods,to,to_kind,to_pods,port,protocol,verdict,allowed_pod_pairs,pod_pairs\n';
  const g = w.groups.length;
  const focus = opts.focus ? new Set(opts.focus) : undefined;
  for (let from = 0; from < g; from++) {
    let chunk = '';
    for (let to = 0; to < g; to++) {
      if (focus && !focus.has(from) && !focus.has(to)) continue;
      for (let q = 0; q < w.queries.length; q++) {
        const total = w.pairs[q][from * g + to];
        if (total === 0) continue;
        const ok = w.allowed[q][from * g + to];
        const verdict = stateOf(total, ok, w.unknown[q][from * g + to]);
        if (opts.denied && verdict === 'allowed') continue;
        const [a, b] = [w.groups[from], w.groups[to]];
        chunk += [a.id, a.kind, a.replicas, b.id, b.kind, b.replicas, w.queries[q].port, w.protocols[q][to] ?? '', verdict === 'unknown' ? 'cannot tell' : verdict, ok, total].map(csvField).join(',') + '\n';
      }
    }
    if (chunk) yield chunk;
  }
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|');

/** A Markdown table for pull-request comments: one row per workload pair, ports sorted by verdict. */
export function renderWorkloadMarkdown(w: WorkloadMatrix, opts: GraphOptions = {}): string {
  const name = (g: WorkloadGroup) => `\`${g.id}\`${g.replicas > 1 ? ` ×${g.replicas}` : ''}`;
  const pairs = pairsFor(w, opts);
  const unknown = pairs.some((p) => p.unknown.length > 0);
  const out = [
    `Reachability between workloads (replicas collapsed; *partly*: some replicas only).${opts.denied ? ' Only pairs with a denied port.' : ''}`,
    '',
    `| from | to | allowed | denied | partly |${unknown ? ' cannot tell |' : ''}`,
    `|---|---|---|---|---|${unknown ? '---|' : ''}`,
  ];
  for (const p of pairs) {
    const cells = [p.allowed, p.denied, p.partly, ...(unknown ? [p.unknown] : [])].map((ports) => mdCell(joinPorts(ports)));
    out.push(`| ${name(w.groups[p.from])} | ${name(w.groups[p.to])} | ${cells.join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}
