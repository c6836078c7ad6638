// Pod-level reachability matrices as a table or JSON ({"verdicts":[…]}); workload-level outputs are in netpol-workloads.ts.
import { CANNOT_TELL, NOT_APPLICABLE, type Matrix, type PortQuery } from '../netpol/matrix.js';
import { engineLines, notEvaluatedLines, paint, type Style } from './netpol-text.js';
import { inertJson } from '../printable.js';
import { toYaml } from './yaml.js';

function queryLabel(q: PortQuery): string {
  return typeof q.port === 'number' ? `${q.protocol ?? 'TCP'} ${q.port}` : `port ${q.port}${q.protocol ? `/${q.protocol}` : ''}`;
}

export function renderMatrixTable(style: Style, m: Matrix): string {
  return [...matrixTableRows(style, m)].join('');
}

/** The table row by row (each ends in a newline), so a large one streams with back-pressure. */
export function* matrixTableRows(style: Style, m: Matrix): Generator<string> {
  const n = m.endpoints.length;
  const num = String(n).length;
  const corner = 'from \\ to';
  const nameWidth = Math.max(corner.length, ...m.endpoints.map((e) => e.length));
  const cell = Math.max(num, 1) + 1;
  const marks = new Map<number, string>([
    [NOT_APPLICABLE, '·'],
    [CANNOT_TELL, paint(style, 'yellow', '?')],
    [1, paint(style, 'green', '✓')],
    [0, paint(style, 'red', '✗')],
  ]);
  const pad = ' '.repeat(cell - 1);
  for (let qi = 0; qi < m.queries.length; qi++) {
    if (qi > 0) yield '\n';
    yield `${paint(style, 'bold', queryLabel(m.queries[qi]))}   rows: from, columns: to   ${paint(style, 'green', '✓')} allowed  ${paint(style, 'red', '✗')} denied  · not applicable${m.cannotTell ? `  ${paint(style, 'yellow', '?')} cannot tell` : ''}\n`;
    yield `${' '.repeat(num + 1)}${corner.padEnd(nameWidth)} ${m.endpoints.map((_, j) => String(j + 1).padStart(cell)).join('')}\n`;
    const cells = m.cells[qi];
    for (let i = 0; i < n; i++) {
      let row = `${String(i + 1).padStart(num)} ${m.endpoints[i].padEnd(nameWidth)} `;
      for (let j = 0; j < n; j++) row += pad + marks.get(cells[i * n + j]);
      yield row + '\n';
    }
  }
  if (m.notEvaluated.length) yield ['', ...notEvaluatedLines(style, m.notEvaluated)].join('\n') + '\n';
  if (m.engine) yield ['', ...engineLines(style, m.engine)].join('\n') + '\n';
}

/** The end of the JSON document: what was not evaluated and the engine, when there is something to say. */
function jsonTail(m: Matrix): string {
  return `\n]${m.notEvaluated.length ? `,"notEvaluated":${inertJson(m.notEvaluated)}` : ''}${m.engine ? `,"engine":${inertJson(m.engine)}` : ''}}\n`;
}

/** JSON in chunks (a 1,000-pod matrix is a million verdicts): {"verdicts":[{"from","to","port","protocol","allowed"},…]} */
export function* renderMatrixJson(m: Matrix): Generator<string> {
  const n = m.endpoints.length;
  const names = m.endpoints.map((e) => inertJson(e));
  let first = true;
  yield '{"verdicts":[';
  for (let q = 0; q < m.queries.length; q++) {
    const port = inertJson(m.queries[q].port);
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
  yield jsonTail(m);
}

/**
 * The compact JSON: endpoints grouped into their classes (identical verdicts), and one verdict per
 * class pair and port: {"classes":[[endpoint,…],…],"verdicts":[{"from":CLASS,"to":CLASS,"port","protocol","allowed"},…]}.
 * Expanding it (every from-member × every to-member) gives exactly the verdicts of -o json.
 */
export function* renderMatrixJsonByClass(m: Matrix): Generator<string> {
  const n = m.endpoints.length;
  const classOf = m.classOf ?? Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = [];
  classOf.forEach((c, i) => (members[c] ??= []).push(i));
  const classes = members.filter((list) => list !== undefined);
  yield `{"classes":[${classes.map((list) => `\n${inertJson(list.map((i) => m.endpoints[i]))}`).join(',')}\n],"verdicts":[`;
  let first = true;
  for (let q = 0; q < m.queries.length; q++) {
    const port = inertJson(m.queries[q].port);
    for (let a = 0; a < classes.length; a++) {
      const i = classes[a][0];
      let chunk = '';
      for (let b = 0; b < classes.length; b++) {
        const j = classes[b][0];
        const v = m.cells[q][i * n + j];
        if (v === NOT_APPLICABLE) continue;
        chunk += `${first ? '\n' : ',\n'}{"from":${a},"to":${b},"port":${port},"protocol":"${m.protocols[q][j]}","allowed":${v === CANNOT_TELL ? null : v === 1}}`;
        first = false;
      }
      if (chunk) yield chunk;
    }
  }
  yield jsonTail(m);
}

/**
 * -o yaml: the same document as -o json (or --by-class), parsed back from that writer so the two cannot
 * drift apart. Unlike JSON it is built whole, as YAML has no cheap streaming form for one mapping.
 */
export function renderMatrixYaml(m: Matrix, byClass = false): string {
  return toYaml(JSON.parse([...(byClass ? renderMatrixJsonByClass(m) : renderMatrixJson(m))].join('')));
}
