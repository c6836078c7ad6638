// `kubectl np explain can-i`: the API server's verdict (SelfSubjectAccessReview, authoritative under
// any authorizer) beside the binding → role → rule chain RBAC objects give for it, or the nearest misses.
import { currentNamespace, impersonationOf, loadKubeConfig, type KubeConfig } from '../cluster/kubeconfig.js';
import type { ImpersonationFlags } from '../cluster/impersonation.js';
import { UsageError } from '../errors.js';
import { authorize } from '../rbac/authorize.js';
import { detectAuthorizerMode, type AuthorizerMode } from '../rbac/authorizer-mode.js';
import type { AccessRequest, Grant, NearMiss, RbacObjects } from '../rbac/types.js';
import { currentBearerToken, readRbacObjects, selfSubjectAccessReview, selfSubjectReview, type AccessReviewResult, type ClusterUser, type RbacReadResult } from '../cluster/reviews.js';
import { describeRequest } from '../rbac/resources.js';
import { resolveAccessRequest } from '../cluster/discovery.js';
import { describeSubject } from '../rbac/subjects.js';
import { identityFromClaims } from './claims.js';
import { decodeJwtPayload } from '../jwt.js';

export interface RbacChain {
  allowed: boolean;
  grants: Grant[];
  nearMisses: NearMiss[];
  /** false when some RBAC lists were forbidden: the chain may be missing links */
  complete: boolean;
  gaps: string[];
}

export interface AccessExplanation {
  request: AccessRequest;
  /** "create pods/portforward "web" in namespace shop" */
  description: string;
  /** the verdict: the API server's */
  allowed: boolean;
  review: AccessReviewResult;
  /** RBAC's side of the story; absent when the cluster would not tell us who we are */
  rbac?: RbacChain;
  authorization: AuthorizerMode;
}

export interface CanIReport extends AccessExplanation {
  user?: ClusterUser;
  notes: string[];
  /** an unknown verb or resource, with the nearest known one (printed on stderr) */
  warnings?: string[];
}

/** The caller's identity and the RBAC objects, read once for any number of explanations. */
export interface RbacContext {
  user?: ClusterUser;
  userUnavailable?: string;
  rbacRead: RbacReadResult;
  /** the `groups` claim of the bearer token kubectl sends (decoded locally), when it is a JWT with one */
  tokenGroups?: string[];
}

/** The groups claim of the current credential; undefined for non-JWT credentials (a failure shows up in the reviews). */
async function tokenGroupsOf(kc: KubeConfig): Promise<string[] | undefined> {
  // the token's groups are the impersonator's, not those of the identity being asked about
  if (impersonationOf(kc)) return undefined;
  const token = await currentBearerToken(kc).catch(() => undefined);
  const claims = token ? decodeJwtPayload(token) : undefined;
  return claims ? identityFromClaims(claims).groups : undefined;
}

export async function readRbacContext(kc: KubeConfig, namespaces: string[]): Promise<RbacContext> {
  const [ssr, rbacRead, tokenGroups] = await Promise.all([selfSubjectReview(kc), readRbacObjects(kc, namespaces.filter(Boolean)), tokenGroupsOf(kc)]);
  return { user: ssr.user, userUnavailable: ssr.unavailable, rbacRead, ...(tokenGroups?.length ? { tokenGroups } : {}) };
}

/**
 * "Bound to a group you are not in" is wrong when your token carries that group and the API server
 * drops it (groups claim not mapped) or renames it (another groups prefix): say that instead.
 */
function explainTokenGroups(misses: NearMiss[], rbac: RbacObjects, user: ClusterUser, tokenGroups: string[] | undefined): NearMiss[] {
  if (!tokenGroups?.length) return misses;
  const ids = tokenGroups.map((g) => g.toLowerCase());
  return misses.map((miss) => {
    const binding = rbac.roleBindings.find((b) => b.kind === miss.binding.kind && b.metadata.name === miss.binding.name && (b.metadata.namespace ?? undefined) === (miss.binding.namespace ?? undefined));
    const subject = binding?.subjects?.find((s) => s.kind === 'Group' && ids.some((id) => s.name.toLowerCase().endsWith(id)));
    if (!subject) return miss;
    const id = ids.find((i) => subject.name.toLowerCase().endsWith(i))!;
    const seenAs = user.groups.find((g) => g.toLowerCase().endsWith(id));
    const bound = `it is bound to ${describeSubject(subject, miss.binding.namespace)}`;
    const detail = seenAs
      ? `${bound}: your token has this group, but the API server sees it as "${seenAs}" (another groups prefix): the binding must name "${seenAs}"`
      : `${bound}: your token has this group but the API server does not map it (check --oidc-groups-claim / prefix)`;
    return { ...miss, reasons: miss.reasons.map((r) => (r.dimension === 'subject' ? { ...r, detail } : r)) };
  });
}

export function rbacChain(rbac: RbacObjects, ctx: RbacContext, request: AccessRequest): RbacChain | undefined {
  if (!ctx.user) return undefined;
  const decision = authorize(rbac, ctx.user, request);
  const nearMisses = explainTokenGroups(decision.nearMisses, rbac, ctx.user, ctx.tokenGroups);
  return { ...decision, nearMisses, complete: ctx.rbacRead.gaps.length === 0, gaps: ctx.rbacRead.gaps };
}

export async function explainAccess(kc: KubeConfig, ctx: RbacContext, request: AccessRequest): Promise<AccessExplanation> {
  const review = await selfSubjectAccessReview(kc, request);
  const rbac = rbacChain(ctx.rbacRead.rbac, ctx, request);
  const authorization = detectAuthorizerMode({
    comparisons: rbac ? [{ request, review, rbacAllowed: rbac.allowed }] : [],
    rbacComplete: !!rbac?.complete,
    serverUrl: kc.getCurrentCluster()?.server,
  });
  return { request, description: describeRequest(request), allowed: review.allowed, review, ...(rbac ? { rbac } : {}), authorization };
}

export async function canI(kc: KubeConfig, request: AccessRequest, parseNotes: string[] = []): Promise<CanIReport> {
  const ctx = await readRbacContext(kc, [request.kind === 'resource' ? request.namespace ?? '' : '']);
  const explanation = await explainAccess(kc, ctx, request);
  const notes = [...parseNotes];
  if (!ctx.user) notes.push(`cannot show the RBAC chain: ${ctx.userUnavailable ?? 'the API server did not say who you are'}`);
  return { ...explanation, ...(ctx.user ? { user: ctx.user } : {}), notes };
}

export interface CanIInput {
  kubeconfig?: string;
  context?: string;
  verb: string;
  target: string;
  namespace?: string;
  allNamespaces?: boolean;
  subresource?: string;
  /** --as, --as-group, --as-uid */
  impersonate?: ImpersonationFlags;
}

/** The use-case behind `kubectl np explain can-i`. */
export async function runCanI(input: CanIInput): Promise<CanIReport> {
  if (input.allNamespaces && input.namespace) throw new UsageError('-n and -A do not combine');
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = input.allNamespaces ? '' : (input.namespace ?? currentNamespace(kc));
  const parsed = await resolveAccessRequest(kc, { verb: input.verb, target: input.target, namespace, subresource: input.subresource });
  const report = await canI(kc, parsed.request, parsed.notes);
  return parsed.warnings.length ? { ...report, warnings: parsed.warnings } : report;
}
