// Reachability matrices as a table, JSON ({"verdicts":[…]}), Graphviz dot or Mermaid.
import { CANNOT_TELL, NOT_APPLICABLE, type Matrix, type PortQuery } from '../netpol/matrix.js';
import { notEvaluatedLines, paint, type Style } from './netpol-text.js';

function queryLabel(q: PortQuery): string {
  return typeof q.port === 'number' ? `${q.protocol ?? 'TCP'} ${q.port}` : `port ${q.port}${q.protocol ? `/${q.protocol}` : ''}`;
}

export function renderMatrixTable(style: Style, m: Matrix): string {
  const n = m.endpoints.length;
  const num = String(n).length;
  const corner = 'from \\ to';
  const nameWidth = Math.max(corner.length, ...m.endpoints.map((e) => e.length));
  const cell = Math.max(num, 1) + 1;
  const out: string[] = [];
  m.queries.forEach((q, qi) => {
    if (qi > 0) out.push('');
    out.push(`${paint(style, 'bold', queryLabel(q))}   rows: from, columns: to   ${paint(style, 'green', '✓')} allowed  ${paint(style, 'red', '✗')} denied  · not applicable${m.cannotTell ? `  ${paint(style, 'yellow', '?')} cannot tell` : ''}`);
    out.push(`${' '.repeat(num + 1)}${corner.padEnd(nameWidth)} ${m.endpoints.map((_, j) => String(j + 1).padStart(cell)).join('')}`);
    for (let i = 0; i < n; i++) {
      const row: string[] = [];
      for (let j = 0; j < n; j++) {
        const v = m.cells[qi][i * n + j];
        const mark = v === NOT_APPLICABLE ? '·' : v === CANNOT_TELL ? paint(style, 'yellow', '?') : v === 1 ? paint(style, 'green', '✓') : paint(style, 'red', '✗');
        row.push(' '.repeat(cell - 1) + mark);
      }
      out.push(`${String(i + 1).padStart(num)} ${m.endpoints[i].padEnd(nameWidth)} ${row.join('')}`);
    }
  });
  if (m.notEvaluated.length) out.push('', ...notEvaluatedLines(style, m.notEvaluated));
  return out.join('\n') + '\n';
}

/** JSON in chunks (a 1,000-pod matrix is a million verdicts): {"verdicts":[{"from","to","port","protocol","allowed"},…]} */
export function* renderMatrixJson(m: Matrix): Generator<string> {
  const n = m.endpoints.length;
  const names = m.endpoints.map((e) => JSON.stringify(e));
  let first = true;
  yield '{"verdicts":[';
  for (let q = 0; q < m.queries.length; q++) {
    const port = JSON.stringify(m.queries[q].port);
    const cells = m.cells[q];
    for (let i = 0; i < n; i++) {
      let chunk = '';
      for (let j = 0; j < n; j++) {
        const v = cells[i * n + j];
        if (v === NOT_APPLICABLE) continue;
        chunk += `${first ? '\n' : ',\n'}{"from":${names[i]},"to":${names[j]},"port":${port},"protocol":"${m.protocols[q][j]}","allowed":${v === CANNOT_TELL ? null : v === 1}}`;
        first = false;
      }
      if (chunk) yield chunk;
    }
  }
  yield m.notEvaluated.length ? `\n],"notEvaluated":${JSON.stringify(m.notEvaluated)}}\n` : '\n]}\n';
}

/** Allowed connections as edges (denied ones are absent), one edge per pair listing its ports; loopback omitted. */
function edges(m: Matrix): Map<string, { from: number; to: number; ports: string[] }> {
  const n = m.endpoints.length;
  const out = new Map<string, { from: number; to: number; ports: string[] }>();
  m.queries.forEach((q, qi) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j || m.cells[qi][i * n + j] !== 1) continue;
        const key = `${i}>${j}`;
        const e = out.get(key) ?? { from: i, to: j, ports: [] };
        e.ports.push(typeof q.port === 'number' ? `${m.protocols[qi][j]} ${q.port}` : `${q.port}`);
        out.set(key, e);
      }
    }
  });
  return out;
}

function groupsOf(m: Matrix): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  m.endpoints.forEach((e, i) => {
    const group = e.startsWith('ip:') ? '' : e.split('/')[0];
    groups.set(group, [...(groups.get(group) ?? []), i]);
  });
  return groups;
}

export function renderMatrixDot(m: Matrix): string {
  const q = (s: string) => JSON.stringify(s);
  const out = ['digraph reachability {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const [group, members] of groupsOf(m)) {
    if (group === '') {
      for (const i of members) out.push(`  ${q(m.endpoints[i])} [shape=ellipse];`);
      continue;
    }
    out.push(`  subgraph ${q(`cluster_${group}`)} {`, `    label=${q(group)};`);
    for (const i of members) out.push(`    ${q(m.endpoints[i])} [label=${q(m.endpoints[i].slice(group.length + 1))}];`);
    out.push('  }');
  }
  for (const e of edges(m).values()) out.push(`  ${q(m.endpoints[e.from])} -> ${q(m.endpoints[e.to])} [label=${q(e.ports.join(', '))}];`);
  out.push('}');
  return out.join('\n') + '\n';
}

export function renderMatrixMermaid(m: Matrix): string {
  const id = (i: number) => `n${i}`;
  const text = (s: string) => s.replace(/"/g, '#quot;');
  const out = ['flowchart LR'];
  for (const [group, members] of groupsOf(m)) {
    if (group === '') {
      for (const i of members) out.push(`  ${id(i)}(("${text(m.endpoints[i])}"))`);
      continue;
    }
    out.push(`  subgraph ns_${group.replace(/[^A-Za-z0-9_]/g, '_')}["${text(group)}"]`);
    for (const i of members) out.push(`    ${id(i)}["${text(m.endpoints[i].slice(group.length + 1))}"]`);
    out.push('  end');
  }
  for (const e of edges(m).values()) out.push(`  ${id(e.from)} -->|"${text(e.ports.join(', '))}"| ${id(e.to)}`);
  return out.join('\n') + '\n';
}
