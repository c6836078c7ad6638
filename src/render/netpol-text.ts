// Human output of can-reach and explain: the verdict first, then the policy and rule that decided.
import type { CanReachResult, ConnectionGroup, EndpointSummary } from '../netpol/can-reach.js';
import type { IsolationSummary, PolicyDescription, RuleLine } from '../netpol/explain.js';
import type { EngineReport } from '../netpol/engine-choice.js';
import { ruleRefText } from '../netpol/describe.js';
import type { NotEvaluated, SideTrace } from '../netpol/types.js';

export interface Style {
  colour: boolean;
}

const INDENT = '  ';

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colourFor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export function paint(style: Style, code: 'green' | 'red' | 'bold' | 'dim' | 'yellow', text: string): string {
  if (!style.colour) return text;
  const open = { green: 32, red: 31, bold: 1, dim: 2, yellow: 33 }[code];
  return `\u001b[${open}m${text}\u001b[0m`;
}

export function verdictWord(style: Style, allowed: boolean, cannotTell = false): string {
  if (cannotTell) return paint(style, 'yellow', 'CANNOT TELL');
  return allowed ? paint(style, 'green', 'ALLOWED') : paint(style, 'red', 'DENIED');
}

/** The human lines for what was read but not evaluated. */
export function notEvaluatedLines(style: Style, list: NotEvaluated[]): string[] {
  // "X is not enforced: this cluster's engine is Azure NPM" reads as a sentence; other reasons follow a dash
  return list.map((n) => `${paint(style, 'yellow', 'not evaluated:')} ${n.object}${n.reason.startsWith('not ') ? ' is ' : ' — '}${n.reason}`);
}

/** "engine: Azure NPM (detected: …)", and what was assumed when detection could not decide. */
export function engineLines(style: Style, engine: EngineReport | undefined): string[] {
  if (!engine) return [];
  return [`${paint(style, 'dim', 'engine:')} ${engine.text}`, ...(engine.assumption ? [`${paint(style, 'yellow', 'note:')} ${engine.assumption}`] : [])];
}

function names(list: string[], max = 3): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} (+${list.length - max} more)`;
}

function endpointLabel(e: EndpointSummary): string {
  return e.input;
}

function portLabel(port: number | string, protocol: string): string {
  return typeof port === 'number' ? `${protocol} ${port}` : `${protocol} port ${port}`;
}

function portsHeadline(r: CanReachResult): string {
  if (r.ports.length === 1) {
    const p = r.ports[0];
    const targets = p.targetPorts.filter((t) => t !== p.port);
    return `${portLabel(p.port, p.protocol)}${targets.length ? ` (→ ${targets.join(', ')} at the pods)` : ''}`;
  }
  const allowed = r.ports.filter((p) => p.allowed).map((p) => portLabel(p.port, p.protocol));
  const denied = r.ports.filter((p) => !p.allowed && !p.cannotTell).map((p) => portLabel(p.port, p.protocol));
  const undecided = r.ports.filter((p) => p.cannotTell).map((p) => portLabel(p.port, p.protocol));
  return [denied.length ? `denied on ${denied.join(', ')}` : '', undecided.length ? `cannot tell on ${undecided.join(', ')}` : '', allowed.length ? `allowed on ${allowed.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}

/**
 * One side of a connection. Concise: the deciding reason. Detailed: every rule of every selecting policy.
 * @param uncertain the connection is "cannot tell": a side it traced as not allowed is not denied for certain
 *   (a side denied whatever could not be read would make the connection denied)
 */
export function renderSide(style: Style, side: SideTrace, detailed: boolean, uncertain = false): string[] {
  const word = side.direction === 'egress' ? 'egress from' : 'ingress to';
  const who = side.subject ?? '';
  if (side.skipped) return [`${word.split(' ')[0]}: not applicable — ${side.skipped}`];
  const out: string[] = [];
  for (const ref of side.passed ?? []) out.push(`${word} ${who}: passed on by ${ruleRefText(ref)}`);
  for (const u of side.undecided ?? []) out.push(`${word} ${who}: ${paint(style, 'yellow', 'cannot tell')} — ${u}`);
  // a rule of another policy kind decided: name its tier, priority/order, rule and action
  if (side.decidedBy && !(side.allowed && side.policies.some((p) => p.allowed && !p.kind))) {
    out.push(`${word} ${who}: ${side.allowed ? paint(style, 'green', 'allowed') : paint(style, 'red', 'denied')} by ${ruleRefText(side.decidedBy)}`);
    return out;
  }
  if (!side.isolated) return [...out, `${word} ${who}: allowed — no NetworkPolicy selects it for ${side.direction}, so it is not isolated`];
  const n = side.policies.length;
  const count = `${n} ${n === 1 ? 'policy' : 'policies'}`;
  const first = side.policies.find((p) => p.allowed);
  const notAllowed = uncertain
    ? `${paint(style, 'yellow', 'cannot tell')} — selected by ${count}; whether one allows this connection hangs on what could not be read:`
    : `${paint(style, 'red', 'denied')} — selected by ${count}, none allows this connection:`;
  if (detailed) {
    // every selecting policy, every rule: which matched and why the others did not
    out.push(`${word} ${who}: ${side.allowed ? `${paint(style, 'green', 'allowed')} — selected by ${count}; ${first!.namespace}/${first!.name} rule #${first!.rule} allows it:` : notAllowed}`);
    for (const p of side.policies) {
      out.push(`${INDENT}${policyLabel(p)}${p.rules.length === 0 ? `: ${p.summary}` : ''}`);
      for (const r of p.rules) {
        const mark = r.matched ? paint(style, 'green', '✓') : paint(style, 'red', '✗');
        out.push(`${INDENT}${INDENT}${mark} #${r.index} ${r.text}${r.why ? paint(style, 'dim', ` — ${r.why}`) : ''}`);
      }
    }
    return out;
  }
  if (first) {
    out.push(`${word} ${who}: ${paint(style, 'green', 'allowed')} by ${policyLabel(first)} rule #${first.rule}: ${first.ruleText}`);
    const others = side.policies.filter((p) => p !== first).map(policyLabel);
    if (others.length) out.push(`${INDENT}(also selected by ${names(others)})`);
    return out;
  }
  out.push(`${word} ${who}: ${notAllowed}`);
  for (const p of side.policies) {
    out.push(`${INDENT}${policyLabel(p)}: ${p.summary}`);
    if (p.rules.length > 1) {
      for (const r of p.rules) out.push(`${INDENT}${INDENT}${paint(style, 'red', '✗')} #${r.index} ${r.text}${paint(style, 'dim', ` — ${r.why}`)}`);
    }
  }
  return out;
}

const CANNOT_TELL = 'CANNOT TELL';
function policyLabel(p: { kind?: string; namespace: string; name: string }): string {
  const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  return p.kind ? `${p.kind} ${name}` : name;
}

function renderGroup(style: Style, g: ConnectionGroup, detailed: boolean, only: boolean): string[] {
  const port = `${portLabel(g.port, g.protocol)}${g.targetPort !== undefined ? ` (→ ${g.targetPort})` : ''}`;
  const word = g.cannotTell ? paint(style, 'yellow', CANNOT_TELL) : verdictWord(style, g.allowed);
  // a lone connection repeats the headline's verdict; say only which pods it was judged between
  const out = [`${only ? '' : `${word}  `}${names(g.sources)} → ${names(g.destinations)}  ${port}`];
  for (const side of [g.egress, g.ingress]) out.push(...renderSide(style, side, detailed, g.cannotTell !== undefined).map((l) => INDENT + l));
  return out;
}

const MAX_GROUPS = 12;

/** can-reach (concise) and explain SOURCE DESTINATION (detailed). */
export function renderCanReach(style: Style, r: CanReachResult, detailed = false): string {
  const out: string[] = [];
  const headline = r.cannotTell ? paint(style, 'yellow', CANNOT_TELL) : verdictWord(style, r.allowed);
  out.push(`${paint(style, 'bold', headline)}  ${endpointLabel(r.source)} → ${endpointLabel(r.destination)}  ${portsHeadline(r)}`);
  for (const u of r.cannotTell ?? []) out.push(`${INDENT}it depends on ${u.what}${u.permission ? `, which you may not see: to see it, you need to ${u.permission}` : ''}`);
  for (const port of r.ports) {
    const groups = r.connections.filter((c) => c.port === port.port && c.protocol === port.protocol);
    const allowed = groups.filter((g) => g.allowed).flatMap((g) => g.destinations);
    const denied = groups.filter((g) => !g.allowed).flatMap((g) => g.destinations);
    if (allowed.length && denied.length) {
      out.push(`${INDENT}${portLabel(port.port, port.protocol)} differs between destination pods: allowed to ${names(allowed)}; denied to ${names(denied)}`);
    }
  }
  const shown = r.connections.slice(0, MAX_GROUPS);
  for (const g of shown) out.push('', ...renderGroup(style, g, detailed, r.connections.length === 1));
  if (r.connections.length > shown.length) out.push('', `(${r.connections.length - shown.length} more connection groups; use -o json for all)`);
  const notes = [...new Set([...r.connections.flatMap((c) => c.notes), ...r.notes])];
  if (notes.length) out.push('', ...notes.map((n) => `${paint(style, 'yellow', 'note:')} ${n}`));
  if (r.notEvaluated.length) out.push('', ...notEvaluatedLines(style, r.notEvaluated));
  if (r.engine) out.push('', ...engineLines(style, r.engine));
  return out.join('\n') + '\n';
}

function ruleLines(rules: RuleLine[], withPolicy: boolean): string[] {
  return rules.map((r) => `${INDENT}${INDENT}${withPolicy ? `${r.policy} ` : ''}#${r.index} ${r.text}`);
}

/** explain networkpolicy/NAME */
export function renderPolicy(style: Style, d: PolicyDescription): string {
  const out = [paint(style, 'bold', `NetworkPolicy ${d.namespace}/${d.name}`)];
  out.push(`${INDENT}applies to  ${d.appliesTo}${d.selects.length ? ` — now ${d.selects.length} ${d.selects.length === 1 ? 'pod' : 'pods'}: ${names(d.selects, 5)}` : ''}`);
  const types = d.policyTypes.length ? d.policyTypes.join(' and ') : 'nothing';
  out.push(`${INDENT}isolates    ${types}${d.policyTypesInferred ? ' (policyTypes omitted: inferred from the rules)' : ''}`);
  for (const [direction, side] of [['ingress', d.ingress], ['egress', d.egress]] as const) {
    const word = direction === 'ingress' ? 'connect to them' : 'they connect to';
    if (!side.isolated) out.push(`${INDENT}${direction.padEnd(10)}  not restricted by this policy`);
    else if (side.rules.length === 0) out.push(`${INDENT}${direction.padEnd(10)}  ${paint(style, 'red', 'nothing is allowed')} (no ${direction} rules)`);
    else out.push(`${INDENT}${direction.padEnd(10)}  who may ${word} — any one rule is enough:`, ...ruleLines(side.rules, false));
  }
  for (const w of d.warnings) out.push(`${paint(style, 'yellow', 'warning:')} ${w}`);
  out.push(`${paint(style, 'dim', 'Other policies selecting the same pods add to what is allowed (policies are unioned).')}`);
  return out.join('\n') + '\n';
}

/** explain pod/NAME (or a workload/Service: one block per distinct pod). */
export function renderIsolation(style: Style, endpoint: EndpointSummary, summaries: { pods: string[]; summary: IsolationSummary }[]): string {
  const out: string[] = [];
  for (const { pods, summary } of summaries) {
    if (out.length) out.push('');
    const title = pods.length > 1 ? `${names(pods)} (same labels)` : summary.pod;
    out.push(paint(style, 'bold', `${endpoint.kind === 'Pod' ? 'pod' : `${endpoint.input} →`} ${title}${summary.fromTemplate ? ' (pod template: nothing running)' : ''}`));
    const labels = Object.entries(summary.labels).map(([k, v]) => `${k}=${v}`).join(',');
    out.push(`${INDENT}labels   ${labels || '(none)'}`);
    for (const direction of ['ingress', 'egress'] as const) {
      const side = summary[direction];
      const head = `${INDENT}${direction.padEnd(7)}  `;
      if (!side.isolated) out.push(`${head}not isolated: all ${direction} is allowed`);
      else if (side.rules.length === 0) out.push(`${head}isolated by ${side.policies.join(', ')}; ${paint(style, 'red', 'nothing is allowed')}`);
      else out.push(`${head}isolated by ${side.policies.join(', ')}; allowed (union of their rules):`, ...ruleLines(side.rules, true));
    }
    for (const n of summary.notes) out.push(`${paint(style, 'yellow', 'note:')} ${n}`);
  }
  return out.join('\n') + '\n';
}

/** `explain namespace/NAME`. */
export function renderNamespacePosture(style: Style, p: import('../netpol/namespace-posture.js').NamespacePosture): string {
  const out: string[] = [];
  out.push(paint(style, 'bold', `Namespace ${p.namespace}: ${p.workloads.length} workload${p.workloads.length === 1 ? '' : 's'}${p.workloads.length ? ` (${names(p.workloads, 5)})` : ''}`));
  for (const direction of ['ingress', 'egress'] as const) {
    const s = p[direction];
    out.push('', paint(style, 'bold', `${direction === 'ingress' ? 'Ingress' : 'Egress'}: isolated for ${s.isolated.length} of ${p.workloads.length}`) + (s.open.length ? ` — open: ${names(s.open, 5)}` : ''));
    const sources = [...p.policies.map((pol) => [pol.name, pol] as const), ...p.otherPolicies.map((pol) => [pol.title, pol] as const)];
    const rules = sources.flatMap(([name, pol]) => (direction === 'ingress' ? pol.ingressRules : pol.egressRules).map((r) => `${name} ${r}`));
    if (rules.length === 0) out.push(`${INDENT}${s.isolated.length ? 'no rule allows anything' : 'nothing isolates it: everything is allowed'}`);
    for (const r of rules) out.push(`${INDENT}${r}`);
  }
  const dns = [
    p.dnsBlocked.length ? `blocked for ${names(p.dnsBlocked, 5)}` : '',
    p.dnsUndecided.length ? `${paint(style, 'yellow', 'cannot tell')} for ${names(p.dnsUndecided, 5)} (it hangs on what could not be read: namespace labels, or the DNS pods' addresses)` : '',
  ].filter(Boolean);
  out.push('', paint(style, 'bold', 'DNS: ') + (dns.length ? dns.join('; ') : 'every workload can reach cluster DNS (or is not isolated for egress)'));
  out.push('', paint(style, 'bold', 'Addresses outside the cluster:'));
  for (const e of p.external) {
    const ranges = e.ranges.length ? e.ranges.map((r) => `${r.range} ${r.ports}`).join('; ') : 'none';
    out.push(`${INDENT}${e.workload}: ${ranges}`);
  }
  out.push('', paint(style, 'bold', `Audit findings: ${p.findings.length || 'none'}`));
  for (const f of p.findings) out.push(`${INDENT}${f.severity} ${f.rule} ${f.object}: ${f.message}`);
  return out.join('\n') + '\n';
}
