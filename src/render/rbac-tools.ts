// Human output of explain can-i --list, who-can and access: kubectl's column layout (two spaces
// between columns, upper-case headers that --no-headers drops), with the chain or caveat under it.
// Subject, binding, role and resource names come from the cluster: every rendering ends in lines(),
// which shows control and bidi characters as visible escapes; table() escapes its cells first so the
// columns are measured as they are shown.
import type { AccessReport, RulesListReport, WhoCanReport } from '../identity/rbac-tools.js';
import { describeRef } from '../rbac/summary.js';
import { printable } from '../printable.js';

export interface TableOptions {
  /** --no-headers */
  headers?: boolean;
}

/** Columns padded to their widest cell, like kubectl's tabwriter output. */
export function table(header: string[], rows: string[][], opts: TableOptions = {}): string[] {
  const all = (opts.headers === false ? rows : [header, ...rows]).map((r) => r.map(printable));
  const widths = header.map((_, i) => Math.max(0, ...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd());
}

/** The output: lines joined, each ending in a newline, made printable. */
function lines(out: string[]): string {
  return printable(out.join('\n') + '\n');
}

const bracket = (l: string[] | undefined) => `[${(l ?? []).join(' ')}]`;

/** RESOURCE.GROUP[/SUBRESOURCE], as kubectl auth can-i --list names it: one row per resource and group. */
function resourceNames(r: { resources?: string[]; apiGroups?: string[] }): string[] {
  if (!r.resources?.length) return [''];
  const groups = (r.apiGroups ?? []).filter((g) => g !== '');
  return r.resources.flatMap((res) => {
    const [type, sub] = res.split('/');
    const suffix = sub ? `/${sub}` : '';
    return groups.length ? groups.map((g) => `${type}.${g}${suffix}`) : [res];
  });
}

export function renderCanIList(r: RulesListReport, opts: TableOptions = {}): string {
  const rows = r.rules.flatMap((rule) => {
    const granted = rule.grantedBy.length ? rule.grantedBy.map((g) => `${describeRef(g.binding)} → ${describeRef(g.role)}${g.aggregatedFrom ? ` (aggregated from ${g.aggregatedFrom})` : ''}`).join('; ') : '?';
    return resourceNames(rule).map((name) => [name, bracket(rule.nonResourceURLs), bracket(rule.resourceNames), bracket(rule.verbs), granted]);
  });
  const out = table(['RESOURCES', 'NON-RESOURCE URLS', 'RESOURCE NAMES', 'VERBS', 'GRANTED BY'], rows, opts);
  if (opts.headers !== false) {
    out.unshift(`What ${r.user?.username ?? 'you'} may do in namespace ${r.namespace} (SelfSubjectRulesReview)${r.incomplete ? ' — INCOMPLETE' : ''}`);
    if (r.evaluationError) out.push(`note: the API server said: ${r.evaluationError}`);
    for (const n of r.notes) out.push(`note: ${n}`);
  }
  return lines(out);
}

const subjectName = (e: WhoCanReport['entries'][number]) => (e.subject.kind === 'ServiceAccount' ? `${e.subject.namespace ?? ''}/${e.subject.name}` : e.subject.name);

/** -o wide: the table plus the rule that grants it; `wide` off: as kubectl's default columns. */
export function renderWhoCan(r: WhoCanReport, opts: TableOptions & { wide?: boolean } = {}): string {
  const rule = (e: WhoCanReport['entries'][number]) =>
    [`verbs=${e.rule.verbs.join(',')}`, e.rule.apiGroups?.length ? `apiGroups=${e.rule.apiGroups.map((g) => g || '""').join(',')}` : '', e.rule.resources?.length ? `resources=${e.rule.resources.join(',')}` : '',
      e.rule.resourceNames?.length ? `resourceNames=${e.rule.resourceNames.join(',')}` : '', e.rule.nonResourceURLs?.length ? `nonResourceURLs=${e.rule.nonResourceURLs.join(',')}` : ''].filter(Boolean).join(' ');
  const hasNames = r.entries.some((e) => e.displayName);
  const rows = r.entries.map((e) => [
    e.subject.kind.toUpperCase(),
    subjectName(e),
    ...(hasNames ? [e.displayName ?? ''] : []),
    `${describeRef(e.binding)} → ${describeRef(e.role)}${e.aggregatedFrom ? ` (aggregated from ${e.aggregatedFrom})` : ''}`,
    ...(opts.wide ? [rule(e)] : []),
  ]);
  const header = ['KIND', 'SUBJECT', ...(hasNames ? ['DISPLAY NAME'] : []), 'BINDING → ROLE', ...(opts.wide ? ['RULE'] : [])];
  const body = table(header, rows, opts);
  if (opts.headers === false) return body.length ? lines(body) : '';
  const out = [`Who may ${r.description} (RBAC${r.complete ? '' : ', INCOMPLETE'})`, ...(r.entries.length ? body : ['  (no binding grants it)'])];
  for (const n of r.notes) out.push(`note: ${n}`);
  return lines(out);
}

/** -o name: each subject once, as kind/name (kubectl's form; a service account is serviceaccount/NS/NAME). */
export function renderWhoCanNames(r: WhoCanReport): string {
  const names = [...new Set(r.entries.map((e) => `${e.subject.kind.toLowerCase()}/${subjectName(e)}`))];
  return names.length ? lines(names) : '';
}

export function renderAccess(r: AccessReport, opts: TableOptions = {}): string {
  const rows = r.rows.map((row) => [row.name, ...r.verbs.map((v) => (row.verbs[v] ? '✔' : '✖'))]);
  const out = table(['NAME', ...r.verbs.map((v) => v.toUpperCase())], rows, opts);
  if (opts.headers !== false) {
    out.unshift(`Access of ${r.user?.username ?? 'you'} ${r.namespace ? `in namespace ${r.namespace}` : 'cluster-wide (namespaced resources in every namespace)'} (SelfSubjectAccessReview)`);
    for (const n of r.notes) out.push(`note: ${n}`);
  }
  return lines(out);
}
