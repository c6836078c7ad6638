// Human output of `kubectl np whoami`: three short sections (the API server's view, the token's
// claims, the bindings) readable at a glance; -o json|yaml print the report object as is. Names and
// claims come from Entra, Graph and the cluster: each rendering ends in printable(), once.
import type { WhoamiBinding } from '../identity/bindings.js';
import type { WhoamiReport } from '../identity/whoami.js';
import type { TokenOnlyReport } from '../identity/token-only.js';
import type { PodIdentityReport } from '../identity/pod-identity.js';
import type { CredentialSource } from '../identity/credential.js';
import { describeImpersonation } from '../model/impersonation.js';
import { describeRef } from '../rbac/summary.js';
import { printable } from '../printable.js';
import { boundObject } from '../serviceaccount-token.js';
import { engineLines, notEvaluatedLines } from './netpol-text.js';

const INDENT = '  ';

function rows(pairs: [string, string | undefined][]): string[] {
  const present = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  const width = Math.max(0, ...present.map(([k]) => k.length));
  return present.map(([k, v]) => `${INDENT}${k.padEnd(width)}  ${v}`);
}

export function formatDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  const text = abs >= 3600 ? `${Math.floor(abs / 3600)}h${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}m` : abs >= 60 ? `${Math.floor(abs / 60)}m` : `${abs}s`;
  return seconds < 0 ? `expired ${text} ago` : `in ${text}`;
}

function list(items: string[], max = 8): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} … (+${items.length - max} more)` : shown;
}

function via(b: WhoamiBinding): string {
  return b.via.map((v) => (v.kind === 'ServiceAccount' ? `ServiceAccount ${v.namespace ?? b.binding.namespace ?? ''}/${v.name}` : `${v.kind} ${v.name}`)).join(', ');
}

export function renderBindings(bindings: WhoamiBinding[], gaps: string[]): string[] {
  const out: string[] = [`Bindings (${bindings.length})`];
  if (bindings.length === 0) out.push(gaps.length > 0 ? `${INDENT}(none found in the lists you may read)` : `${INDENT}(none found)`);
  for (const b of bindings) {
    out.push(`${INDENT}${describeRef(b.binding)} → ${b.roleFound ? describeRef(b.role) : `${describeRef(b.role)} (missing)`}   via ${via(b)}`);
    out.push(`${INDENT}${INDENT}${b.summary}`);
  }
  if (gaps.length > 0) out.push(`${INDENT}(incomplete: not allowed to list ${gaps.join(', ')})`);
  return out;
}

export function renderWhoami(r: WhoamiReport): string {
  const out: string[] = [];
  out.push(...rows([
    ['Context', r.server ? `${r.context} (${r.server})` : r.context],
    ['Credential', describeCredentialSource(r.credential)],
    ['Impersonating', r.impersonation ? describeImpersonation(r.impersonation) : undefined],
  ]));
  out.push('');

  out.push(r.apiServer.apiVersion ? `API server sees you as (SelfSubjectReview, authentication.k8s.io/${r.apiServer.apiVersion})` : 'API server sees you as');
  if (r.apiServer.user) {
    const u = r.apiServer.user;
    out.push(...rows([
      ['Username', u.username || '(empty)'],
      ['UID', u.uid],
      ['Groups', list(u.groups, 12)],
      ...Object.entries(u.extra ?? {}).map(([k, v]): [string, string] => [`Extra ${k}`, v.join(', ')]),
    ]));
  } else out.push(`${INDENT}unknown: ${r.apiServer.unavailable ?? 'no answer'}`);
  out.push('');

  if (r.token) {
    // the group list below counts them already
    out.push(...renderTokenSection(r.token, r.groups?.source === 'token' && r.groups.items.length > 0), '');
  } else if (r.tokenNote) {
    out.push(`Token: ${r.tokenNote}`, '');
  }

  if (r.groups && r.groups.items.length > 0) {
    const from = r.groups.source === 'graph' ? 'from Microsoft Graph' : 'from the token';
    out.push(`Groups ${from} (${r.groups.items.length})`);
    for (const g of r.groups.items.slice(0, 50)) {
      const seen = g.seenByApiServer === false ? '   (not seen by the API server)' : '';
      out.push(`${INDENT}${g.id}${g.displayName ? `  ${g.displayName}` : ''}${seen}`);
    }
    if (r.groups.items.length > 50) out.push(`${INDENT}… +${r.groups.items.length - 50} more (-o json lists all)`);
    if (r.groups.note) out.push(`${INDENT}${r.groups.note}`);
    out.push('');
  }

  out.push(...renderBindings(r.bindings, r.rbacGaps));
  out.push('');

  if (r.authorization) out.push(...renderAuthorization(r.authorization, r.rbacGaps));
  for (const note of r.notes) out.push(`note: ${note}`);
  return printable(out.join('\n').replace(/\n+$/, '') + '\n');
}

/** The token's claims, as whoami and whoami --token-only show them. */
function renderTokenSection(t: NonNullable<WhoamiReport['token']>, groupsListed = false): string[] {
  const groupsLine = t.overage
    ? `not in the token: more than fit (overage${t.overage.kind === 'hasgroups' ? ', hasgroups' : ''})`
    : t.groups && !groupsListed
      ? `${t.groups.length} in the token`
      : undefined;
  const sa = t.serviceAccount;
  return [
    'Your token says (decoded locally, not verified)',
    ...rows([
      ['Kind', sa ? `Kubernetes service account token${sa.legacy ? ' (legacy, from a Secret)' : ''}, not an Entra ID token` : undefined],
      ['Service account', sa ? `${sa.namespace}/${sa.name}` : undefined],
      ['Bound to', sa ? boundObject(sa) : undefined],
      ['User', t.displayUser],
      ['Object ID', t.oid],
      ['Tenant', t.tid],
      ['Issuer', t.issuer],
      ['Version', t.version],
      ['Audience', t.audience.join(', ')],
      ['Client', t.clientId],
      ['Expires', t.expiresAt ? `${t.expiresAt}${t.expiresInSeconds !== undefined ? ` (${formatDuration(t.expiresInSeconds)})` : ''}` : sa?.legacy ? 'never (a legacy token lives as long as its Secret)' : undefined],
      ['Groups', groupsLine],
    ]),
  ];
}

export function renderTokenOnly(r: TokenOnlyReport): string {
  const out = rows([
    ['Context', r.context],
    ['Credential', describeCredentialSource(r.credential)],
    ['Token from', r.source],
  ]);
  out.push('');
  if (r.token) {
    out.push(...renderTokenSection(r.token, !!r.token.groups?.length));
    if (r.token.groups?.length) out.push('', `Groups in the token (${r.token.groups.length})`, ...r.token.groups.map((g) => `${INDENT}${g}`));
  } else out.push(`Token: ${r.tokenNote ?? 'none'}`);
  return printable(out.join('\n') + '\n');
}

/** `gaps`: RBAC lists that could not be read; then the bindings shown are not the whole story either. */
export function renderAuthorization(a: NonNullable<WhoamiReport['authorization']>, gaps: string[] = []): string[] {
  const out: string[] = [];
  if (a.mode !== 'webhook' && gaps.length > 0) {
    out.push(
      `Authorization: ${a.mode === 'rbac' ? 'RBAC' : 'unknown'} — the bindings above are incomplete (you may not list ${gaps.join(', ')});`,
      `${INDENT}ask the API server instead, its SelfSubjectAccessReview is authoritative: kubectl np explain can-i VERB RESOURCE`,
    );
  } else if (a.mode === 'webhook') {
    out.push(
      `Authorization: ${a.aks ? 'Azure RBAC (AKS webhook)' : 'a webhook authorizer'} answers alongside RBAC — the bindings above are not the whole story;`,
      `${INDENT}ask the API server instead: kubectl np explain can-i VERB RESOURCE`,
    );
  } else if (a.mode === 'rbac') {
    out.push('Authorization: RBAC — the bindings above are the whole story');
  } else {
    out.push('Authorization: could not tell whether a webhook authorizer answers too; kubectl np explain can-i asks the API server');
  }
  for (const e of a.evidence) out.push(`${INDENT}- ${e}`);
  return out;
}

export function renderPodIdentity(r: PodIdentityReport): string {
  const out: string[] = [];
  const pods = r.target.pods ?? [];
  const shown = r.target.fromTemplate ? 'pod template' : `pod ${pods[0]}${pods.length > 1 ? ` of ${pods.length} running` : ''}`;
  const what = r.target.kind === 'Pod' ? `pod ${r.target.namespace}/${r.target.name}` : `${r.target.kind} ${r.target.namespace}/${r.target.name} (${shown})`;
  out.push(...rows([
    ['Context', r.context],
    ['Workload', what],
    ['Service account', `${r.serviceAccount.namespace}/${r.serviceAccount.name}${r.serviceAccount.found ? '' : ' (not found)'}`],
    ['Username', r.user.username],
    ['Groups', list(r.user.groups)],
  ]));
  out.push('');
  if (r.workloadIdentity) {
    const wi = r.workloadIdentity;
    out.push('Entra workload identity (azure.workload.identity)');
    out.push(...rows([
      ['Client ID', wi.clientId ?? '(not annotated)'],
      ['Tenant', wi.tenantId],
      ['Pod opted in', wi.podOptedIn ? 'yes' : 'no'],
    ]));
    if (wi.problem) out.push(`${INDENT}! ${wi.problem}`);
  } else {
    out.push('Entra workload identity: none (no azure.workload.identity/client-id on the service account)');
  }
  out.push('');
  out.push(...renderBindings(r.bindings, r.rbacGaps));
  out.push('');
  const others = r.networkPolicies.some((p) => p.kind);
  out.push(`${others ? 'Policies' : 'NetworkPolicies'} selecting it (${r.networkPolicies.length})`);
  if (r.networkPolicies.length === 0) out.push(`${INDENT}(none: not isolated, all ingress and egress allowed)`);
  for (const p of r.networkPolicies) out.push(`${INDENT}${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}   ${p.directions.join(', ')}   (${p.appliesTo})`);
  for (const n of r.notEvaluated ?? []) out.push(`${INDENT}${notEvaluatedLines({ colour: false }, [n])[0]}${n.mayDecide ? ' (may select it)' : ''}`);
  if (r.ignoredNotSelecting) out.push(`${INDENT}(${r.ignoredNotSelecting} other ${r.ignoredNotSelecting === 1 ? 'policy' : 'policies'} of kinds the engine does not enforce would not select it: not listed)`);
  out.push(...engineLines({ colour: false }, r.engine));
  for (const note of r.notes) out.push(`note: ${note}`);
  return printable(out.join('\n') + '\n');
}

/** The credential as the Credential line names it. */
function describeCredentialSource(c: CredentialSource): string {
  switch (c.kind) {
    case 'exec':
      return c.helper === 'kubectl-np'
        ? 'exec plugin kubectl-np get-token'
        : c.helper === 'kubelogin'
          ? 'exec plugin kubelogin get-token'
          : `exec plugin ${c.command}`;
    case 'token':
      return 'static token (token or token-file)';
    case 'client-certificate':
      return 'client certificate';
    case 'basic-auth':
      return 'username and password';
    case 'auth-provider':
      return `auth-provider ${c.provider}`;
    default:
      return 'no credentials (anonymous)';
  }
}
