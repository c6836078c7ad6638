// Human output for RBAC explanations: the verdict, then the binding → role → rule chain that grants
// it, or the nearest misses and what each lacks. The parts (renderGrant, renderExplanationBody) return
// raw lines; each whole rendering goes through printable() once.
import type { AccessExplanation, CanIReport } from '../identity/can-i.js';
import { describeSubject } from '../rbac/subjects.js';
import { describeRef, summarizeRule } from '../rbac/summary.js';
import type { Grant, NearMiss } from '../rbac/types.js';
import { printable } from '../printable.js';

const INDENT = '  ';

export function renderGrant(g: Grant, indent = INDENT): string[] {
  if (g.note) return [`${indent}${g.binding.kind} ${g.binding.name}: ${g.note}`];
  const via = g.subject ? `   via ${describeSubject(g.subject, g.binding.namespace)}` : '';
  const lines = [`${indent}${describeRef(g.binding)} → ${describeRef(g.role)}${via}`];
  if (g.rule) lines.push(`${indent}${INDENT}rule: ${summarizeRule(g.rule)}${g.aggregatedFrom ? ` (aggregated from ClusterRole ${g.aggregatedFrom})` : ''}`);
  return lines;
}

export function renderNearMiss(m: NearMiss, indent = INDENT): string[] {
  const lines = [`${indent}${describeRef(m.binding)} → ${describeRef(m.role)}`];
  if (m.rule) lines.push(`${indent}${INDENT}rule: ${summarizeRule(m.rule)}`);
  for (const r of m.reasons) lines.push(`${indent}${INDENT}✗ ${r.detail}`);
  return lines;
}

/** The chain (or misses) and any authorizer caveat, for one access question. */
export function renderExplanationBody(e: AccessExplanation, indent = INDENT): string[] {
  const out: string[] = [];
  // RBAC's own reason repeats the chain printed below it; other authorizers' reasons are the only explanation
  const repeatsChain = e.review.reason?.startsWith('RBAC:') && (e.rbac?.grants.length ?? 0) > 0;
  const reason = e.review.reason && !repeatsChain ? ` (${e.review.reason})` : '';
  out.push(`${indent}API server: ${e.allowed ? 'allowed' : e.review.denied ? 'denied explicitly' : 'not allowed'}${reason}`);
  if (e.review.evaluationError) out.push(`${indent}evaluation error: ${e.review.evaluationError}`);
  const rbac = e.rbac;
  if (rbac) {
    if (rbac.grants.length > 0) {
      out.push(`${indent}Granted by`);
      for (const g of rbac.grants) out.push(...renderGrant(g, indent + INDENT));
    } else if (e.allowed && !rbac.complete) {
      // the granting binding may well be one we could not read: do not blame another authorizer
      out.push(
        e.review.reason?.startsWith('RBAC:')
          ? `${indent}No binding you may read grants this; the API server's reason above names the one that does.`
          : `${indent}No binding you may read grants this: the one that does is among the RBAC objects you may not list, or another authorizer allowed it.`,
      );
    } else if (e.allowed) {
      out.push(`${indent}No RBAC binding grants this: another authorizer allowed it${e.authorization.aks ? ' (Azure RBAC)' : ''}.`);
    } else if (rbac.nearMisses.length > 0) {
      out.push(`${indent}Nearest misses${rbac.complete ? '' : ' (among the RBAC objects you may read)'}`);
      for (const m of rbac.nearMisses) out.push(...renderNearMiss(m, indent + INDENT));
    } else {
      out.push(rbac.complete ? `${indent}No binding or rule comes close.` : `${indent}No binding or rule you may read comes close.`);
    }
    if (!e.allowed && rbac.allowed) out.push(`${indent}RBAC would allow it, so an authorizer ahead of RBAC refused it.`);
    if (!rbac.complete) out.push(`${indent}(RBAC view incomplete: not allowed to list ${rbac.gaps.join(', ')}; the API server's verdict above is authoritative)`);
  }
  if (e.authorization.mode === 'webhook' && !(rbac && rbac.grants.length === 0 && e.allowed)) {
    out.push(`${indent}A webhook authorizer${e.authorization.aks ? ' (Azure RBAC)' : ''} answers too: the API server's verdict above is the one that counts.`);
  }
  return out;
}

export function renderCanI(r: CanIReport): string {
  const out = [`${r.allowed ? 'yes' : 'no'} — ${r.description}${r.user ? ` as ${r.user.username}` : ''}`];
  out.push(...renderExplanationBody(r));
  for (const n of r.notes) out.push(`note: ${n}`);
  // binding, role, subject and user names come from the cluster: shown as text, never as terminal control
  return printable(out.join('\n') + '\n');
}
