// Output of `diff`: the connections whose verdict a change flips, grouped by source workload.
import type { DiffResult } from '../netpol/diff.js';
import { paint, type Style } from './netpol-text.js';

const word = (style: Style, allowed: boolean) => (allowed ? paint(style, 'green', 'allowed') : paint(style, 'red', 'denied'));

export function diffSummary(result: DiffResult): string {
  const opened = result.changes.filter((c) => c.after).length;
  const closed = result.changes.length - opened;
  if (result.changes.length === 0) return 'no connection changes its verdict';
  return `${result.changes.length} connection${result.changes.length === 1 ? '' : 's'} change${result.changes.length === 1 ? 's' : ''}: ${opened} opened, ${closed} closed`;
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
  return out.join('\n') + '\n';
}

export function diffJson(result: DiffResult) {
  return { changes: result.changes.map((c) => ({ from: c.from, to: c.to, port: c.port, protocol: c.protocol, before: c.before, after: c.after, reason: c.reason })), notes: result.notes };
}
