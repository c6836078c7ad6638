// Human output of `can-reach me`: one line per API path with its verdict and the chain behind it.
import type { ApiReachReport } from '../identity/api-reach.js';
import { API_PATHS } from '../rbac/api-reach.js';
import { renderExplanationBody } from './rbac.js';
import { printable } from '../printable.js';

export function renderApiReach(r: ApiReachReport): string {
  const d = r.destination;
  const what = d.kind === 'Pod' ? `pod ${d.namespace}/${d.name}` : `${d.kind} ${d.namespace}/${d.name}`;
  const who = r.user ? ` as ${r.user.username}` : '';
  const out = [`${r.allowed ? 'ALLOWED' : 'DENIED'} — ${r.allowed ? 'you may' : 'you may not'} port-forward to ${what}${who}`];
  if (d.pods.length > 1) out.push(`  pods: ${d.pods.join(', ')}`);
  for (const p of r.paths) {
    const label = p.path.padEnd(12);
    const describe = API_PATHS.find((x) => x.path === p.path)?.describe ?? '';
    const partly = p.deniedFor.length > 0 ? ` (denied for ${p.deniedFor.join(', ')})` : '';
    out.push('', `${label} ${p.allowed ? 'yes' : 'no'}${partly} — ${describe}`);
    // one explanation per distinct answer is enough: pods of one workload usually share it
    const seen = new Set<string>();
    for (const c of p.checks) {
      const key = `${c.allowed}|${JSON.stringify(c.rbac?.grants ?? [])}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`  ${c.description}`);
      out.push(...renderExplanationBody(c, '    '));
    }
  }
  out.push('');
  for (const n of r.notes) out.push(`note: ${n}`);
  // pod, binding and role names come from the cluster: shown as text, never as terminal control
  return printable(out.join('\n') + '\n');
}
