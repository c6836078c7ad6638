// The RBAC tools beside explain can-i: `explain can-i --list` (SelfSubjectRulesReview with the chain
// that grants each rule), `who-can` (RBAC objects read in reverse) and `access` (a verbs × resources
// table from SelfSubjectAccessReviews, as rakkess draws it).
import { currentNamespace, impersonationOf, loadKubeConfig } from '../cluster/kubeconfig.js';
import type { ImpersonationFlags } from '../cluster/impersonation.js';
import { readRbacObjects, rulesReviewProbe, selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, type ClusterUser } from '../cluster/reviews.js';
import { UsageError } from '../errors.js';
import type { PolicyRule, Subject } from '../model/k8s.js';
import { bindingsForUser } from '../rbac/bindings.js';
import { describeRequest } from '../rbac/resources.js';
import { discoverResources, resolveAccessRequest } from '../cluster/discovery.js';
import { inParallel } from '../cluster/parallel.js';
import type { AccessRequest, ObjectRef } from '../rbac/types.js';
import { whoCan, type WhoCanEntry } from '../rbac/who-can.js';
import { getByIds, GraphError, type GraphOptions } from './graph.js';
import { graphForContext } from './graph-token.js';

export interface ClusterInput {
  kubeconfig?: string;
  context?: string;
  impersonate?: ImpersonationFlags;
}

const WEBHOOK_NOTE = 'a webhook authorizer (such as AKS Azure RBAC) answers beside RBAC and cannot list what it allows: it may allow more than shown; kubectl np explain can-i VERB RESOURCE asks the API server';

// ---------------------------------------------------------------- explain can-i --list

export interface ListedRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  /** the binding → role chains that carry this rule, from the RBAC objects you may read */
  grantedBy: { binding: ObjectRef; role: ObjectRef; aggregatedFrom?: string }[];
}

export interface RulesListReport {
  namespace: string;
  user?: ClusterUser;
  rules: ListedRule[];
  /** the API server could not list everything: a webhook authorizer is in the chain */
  incomplete: boolean;
  evaluationError?: string;
  rbacGaps: string[];
  notes: string[];
}

const norm = (l: string[] | undefined) => JSON.stringify([...(l ?? [])].sort());
const sameRule = (a: PolicyRule, b: Omit<ListedRule, 'grantedBy'>) =>
  norm(a.verbs) === norm(b.verbs) && norm(a.apiGroups) === norm(b.apiGroups) && norm(a.resources) === norm(b.resources) && norm(a.resourceNames) === norm(b.resourceNames) && norm(a.nonResourceURLs) === norm(b.nonResourceURLs);

export async function runCanIList(input: ClusterInput & { namespace?: string }): Promise<RulesListReport> {
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = input.namespace ?? currentNamespace(kc);
  const [review, ssr, rbacRead] = await Promise.all([selfSubjectRulesReview(kc, namespace), selfSubjectReview(kc), readRbacObjects(kc, [namespace])]);
  if (!review) throw new UsageError('the API server does not let you create SelfSubjectRulesReviews, which --list needs; ask about one request instead: kubectl np explain can-i VERB RESOURCE');
  const notes: string[] = [];
  // the bindings that apply in this namespace: cluster-wide ones and this namespace's
  const bound = ssr.user ? bindingsForUser(rbacRead.rbac, ssr.user).filter((b) => b.binding.kind === 'ClusterRoleBinding' || b.binding.namespace === namespace) : [];
  const attribute = (rule: Omit<ListedRule, 'grantedBy'>): ListedRule => ({
    ...rule,
    grantedBy: bound.flatMap((b) => {
      const eff = b.rules.find((r) => sameRule(r.rule, rule));
      return eff ? [{ binding: b.binding, role: b.role, ...(eff.origin.name !== b.role.name ? { aggregatedFrom: eff.origin.name } : {}) }] : [];
    }),
  });
  const rules = [...review.resourceRules.map(attribute), ...review.nonResourceRules.map(attribute)];
  if (!ssr.user) notes.push(`cannot show which binding grants each rule: ${ssr.unavailable ?? 'the API server did not say who you are'}`);
  else if (rules.some((r) => r.grantedBy.length === 0)) notes.push(rbacRead.gaps.length ? `some rules come from bindings you may not list (${rbacRead.gaps.join(', ')})` : 'some rules come from bindings kubectl-np could not match');
  if (review.incomplete) notes.push(WEBHOOK_NOTE);
  return {
    namespace,
    ...(ssr.user ? { user: ssr.user } : {}),
    rules,
    incomplete: review.incomplete,
    ...(review.evaluationError ? { evaluationError: review.evaluationError } : {}),
    rbacGaps: rbacRead.gaps,
    notes,
  };
}

// ---------------------------------------------------------------- who-can

export interface WhoCanReport {
  description: string;
  request: AccessRequest;
  entries: (WhoCanEntry & { displayName?: string })[];
  /** RBAC lists that could not be read: subjects bound there are missing */
  rbacGaps: string[];
  /** false when the answer cannot be the whole story (gaps, or a webhook authorizer) */
  complete: boolean;
  notes: string[];
  /** an unknown verb or resource, with the nearest known one (printed on stderr) */
  warnings?: string[];
}

export interface WhoCanInput extends ClusterInput {
  verb: string;
  target: string;
  namespace?: string;
  allNamespaces?: boolean;
  subresource?: string;
  /** --resolve-groups: group display names from Microsoft Graph */
  resolveGroups?: boolean;
  graphUrl?: string;
  env?: NodeJS.ProcessEnv;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function runWhoCan(input: WhoCanInput): Promise<WhoCanReport> {
  if (input.allNamespaces && input.namespace) throw new UsageError('-n and -A do not combine');
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = input.allNamespaces ? '' : (input.namespace ?? currentNamespace(kc));
  const parsed = await resolveAccessRequest(kc, { verb: input.verb, target: input.target, namespace, subresource: input.subresource });
  const graph = input.resolveGroups ? graphForContext(kc, input) : undefined;
  const [rbacRead, probe] = await Promise.all([readRbacObjects(kc, namespace ? [namespace] : []), rulesReviewProbe(kc, namespace || 'default')]);
  const notes = [...parsed.notes];
  let entries: WhoCanReport['entries'] = whoCan(rbacRead.rbac, parsed.request);
  notes.push('members of system:masters may do anything: that group bypasses RBAC');
  if (rbacRead.gaps.length) notes.push(`incomplete: you may not list ${rbacRead.gaps.join(', ')}, so subjects bound there are missing`);
  if (probe?.incomplete) notes.push(WEBHOOK_NOTE);
  if (graph) entries = await withDisplayNames(entries, graph, notes);
  return {
    description: describeRequest(parsed.request),
    request: parsed.request,
    entries,
    rbacGaps: rbacRead.gaps,
    complete: rbacRead.gaps.length === 0 && !probe?.incomplete,
    notes,
    ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}),
  };
}

/** Groups named by Entra object ID (possibly behind a prefix such as aad:) get their display names. */
async function withDisplayNames(entries: WhoCanReport['entries'], graph: GraphOptions, notes: string[]): Promise<WhoCanReport['entries']> {
  const idOf = (s: Subject) => (s.kind === 'Group' ? GUID.exec(s.name)?.[0]?.toLowerCase() : undefined);
  const ids = [...new Set(entries.map((e) => idOf(e.subject)).filter((id): id is string => !!id))];
  if (ids.length === 0) return entries;
  try {
    const names = new Map((await getByIds(graph, ids)).map((g) => [g.id.toLowerCase(), g.displayName]));
    return entries.map((e) => {
      const name = names.get(idOf(e.subject) ?? '');
      return name ? { ...e, displayName: name } : e;
    });
  } catch (err) {
    if (err instanceof GraphError && (err.status === 401 || err.status === 403)) {
      notes.push('group display names need a Graph permission such as GroupMember.Read.All or Directory.Read.All; showing object IDs');
      return entries;
    }
    throw err;
  }
}

// ---------------------------------------------------------------- access

export const ACCESS_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
export const DEFAULT_ACCESS_VERBS = ['list', 'create', 'update', 'delete'];
/** how many SelfSubjectAccessReviews are in flight at once */
const ACCESS_CONCURRENCY = 16;

export interface AccessRow {
  /** RESOURCE or RESOURCE.GROUP, as kubectl names it */
  name: string;
  group: string;
  resource: string;
  namespaced: boolean;
  /** verb → allowed */
  verbs: Record<string, boolean>;
}

export interface AccessReport {
  /** the namespace asked about; absent: cluster scope (namespaced resources in all namespaces) */
  namespace?: string;
  user?: ClusterUser;
  verbs: string[];
  rows: AccessRow[];
  notes: string[];
}

export interface AccessInput extends ClusterInput {
  namespace?: string;
  verbs?: string[];
}

export async function runAccess(input: AccessInput): Promise<AccessReport> {
  const verbs = input.verbs?.length ? input.verbs : DEFAULT_ACCESS_VERBS;
  const unknown = verbs.filter((v) => !ACCESS_VERBS.includes(v));
  if (unknown.length) throw new UsageError(`unknown verb ${unknown.join(', ')} for --verbs (one of ${ACCESS_VERBS.join(', ')})`);
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = input.namespace;
  // the server's resource types (custom resources too); with -n only what lives in a namespace, as
  // rakkess does; reviews and token requests are requests, not resources
  const discovered = await discoverResources(kc);
  const resources = discovered.resources.filter((r) => !/(reviews|tokenrequests)$/.test(r.resource) && (!namespace || r.namespaced));
  const cells = resources.flatMap((r) => verbs.map((verb) => ({ r, verb })));
  const [ssr, answers] = await Promise.all([
    selfSubjectReview(kc),
    inParallel(cells, ACCESS_CONCURRENCY, ({ r, verb }) =>
      selfSubjectAccessReview(kc, { kind: 'resource', verb, group: r.group, resource: r.resource, ...(namespace && r.namespaced ? { namespace } : {}) }),
    ),
  ]);
  const rows: AccessRow[] = resources.map((r, i) => ({
    name: r.group ? `${r.resource}.${r.group}` : r.resource,
    group: r.group,
    resource: r.resource,
    namespaced: r.namespaced,
    verbs: Object.fromEntries(verbs.map((verb, v) => [verb, answers[i * verbs.length + v].allowed])),
  }));
  const notes = discovered.source === 'builtin' ? [`could not read the server's resource types (${discovered.fallbackReason}); showing the built-in table of Kubernetes types`] : [];
  if (impersonationOf(kc)) notes.push(`answers are for the impersonated identity`);
  return { ...(namespace ? { namespace } : {}), ...(ssr.user ? { user: ssr.user } : {}), verbs, rows, notes };
}

