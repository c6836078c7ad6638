// Output of `diff`: the connections whose verdict a change flips, grouped by source workload.
import type { DiffResult } from '../netpol/diff.js';
import { engineLines, notEvaluatedLines, paint, type Style } from './netpol-text.js';

const word = (style: Style, allowed: boolean | null) => (allowed === null ? paint(style, 'yellow', 'cannot tell') : allowed ? paint(style, 'green', 'allowed') : paint(style, 'red', 'denied'));

/** Changes whose verdicts are known on both sides; the others involve a verdict that cannot be told. */
export function certainChanges(result: DiffResult): number {
  return result.changes.filter((c) => c.before !== null && c.after !== null).length;
}

export function diffSummary(result: DiffResult): string {
  const opened = result.changes.filter((c) => c.before === false && c.after === true).length;
  const closed = result.changes.filter((c) => c.before === true && c.after === false).length;
  const unknown = result.changes.length - opened - closed;
  if (result.changes.length === 0) return result.cannotTell ? 'no connection is known to change its verdict, but some verdicts cannot be told' : 'no connection changes its verdict';
  return `${result.changes.length} connection${result.changes.length === 1 ? '' : 's'} change${result.changes.length === 1 ? 's' : ''}: ${opened} opened, ${closed} closed${unknown ? `, ${unknown} cannot tell` : ''}`;
}

export function renderDiffTable(style: Style, result: DiffResult): string {
  const out: string[] = [];
  let source = '';
  for (const c of result.changes) {
    if (c.from !== source) {
      if (source) out.push('');
      source = c.from;
      out.push(paint(style, 'bold', c.from));
    }
    const port = typeof c.port === 'number' ? `${c.protocol} ${c.port}` : `${c.protocol} port ${c.port}`;
    out.push(`  → ${c.to}  ${port}  ${word(style, c.before)} → ${word(style, c.after)}`);
    out.push(`      ${c.reason}`);
  }
  if (out.length) out.push('');
  out.push(diffSummary(result));
  for (const n of result.notes) out.push(`note: ${n}`);
  out.push(...notEvaluatedLines(style, result.notEvaluated));
  out.push(...engineLines(style, result.engine));
  for (const u of result.cannotTell ?? []) out.push(`${paint(style, 'yellow', 'cannot tell:')} some verdicts depend on ${u.what}${u.permission ? `: to see it, you need to ${u.permission}` : ''}`);
  return out.join('\n') + '\n';
}

export function diffJson(result: DiffResult) {
  return {
    changes: result.changes.map((c) => ({ from: c.from, to: c.to, port: c.port, protocol: c.protocol, before: c.before, after: c.after, reason: c.reason })),
    notes: result.notes,
    ...(result.notEvaluated.length > 0 ? { notEvaluated: result.notEvaluated } : {}),
    ...(result.cannotTell ? { cannotTell: result.cannotTell } : {}),
    ...(result.engine ? { engine: result.engine } : {}),
  };
}
