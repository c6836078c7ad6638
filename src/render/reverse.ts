// Output of the reverse questions: `can-reach --to X` and `can-reach --from X`.
import type { ReverseResult } from '../netpol/reverse.js';
import { paint, type Style } from './netpol-text.js';

export function renderReverse(style: Style, r: ReverseResult): string {
  const out: string[] = [];
  const who = r.endpoint.input;
  out.push(paint(style, 'bold', r.direction === 'to' ? `Workloads that can reach ${who}:` : `Workloads ${who} can reach:`));
  if (r.reachable.length === 0) out.push('  none');
  const width = Math.max(0, ...r.reachable.map((e) => e.workload.length));
  for (const e of r.reachable) {
    out.push(`  ${e.workload.padEnd(width)}  ${e.ports.join(', ')}${e.pods.length > 1 ? `  (${e.pods.length} pods)` : ''}`);
    out.push(`      ${e.via}`);
  }
  out.push('', paint(style, 'bold', r.direction === 'to' ? 'Addresses outside the cluster that can reach it:' : 'Addresses outside the cluster it can reach:'));
  if (r.externals.length === 0) out.push(`  none: ${r.direction === 'to' ? 'ingress' : 'egress'} is isolated and no rule admits an ipBlock or every peer`);
  for (const x of r.externals) out.push(`  ${x.range}  ${x.ports}  (${x.via})`);
  out.push('', `${r.reachable.length} of ${r.asked} workloads ${r.direction === 'to' ? `can reach ${who}` : `reachable from ${who}`}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
