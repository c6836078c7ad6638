// `kubectl np whoami`: who the API server thinks I am, what my token says, and which RBAC bindings
// that gives me — or, with --as-pod, the same for a workload's service account.
import { currentNamespace, impersonationOf, loadKubeConfig, type KubeConfig } from '../cluster/kubeconfig.js';
import { describeImpersonation, impersonationOrigin, type Impersonation, type ImpersonationFlags } from '../cluster/impersonation.js';
import { readLiveSnapshot, type SnapshotInclude } from '../cluster/live.js';
import { UsageError } from '../errors.js';
import { chooseEngine } from '../netpol/engine-choice.js';
import { authorize } from '../rbac/authorize.js';
import { detectAuthorizerMode, type AuthorizerMode } from '../rbac/authorizer-mode.js';
import { bindingsReport, type WhoamiBinding } from './bindings.js';
import type { AccessRequest } from '../rbac/types.js';
import {
  currentBearerToken,
  readRbacObjects,
  rulesReviewProbe,
  selfSubjectAccessReview,
  selfSubjectReview,
  type ClusterUser,
  type SelfSubjectReviewVersion,
} from '../cluster/reviews.js';
import { identityFromClaims, secondsUntilExpiry, type TokenIdentity } from './claims.js';
import { decodeJwtPayload } from '../jwt.js';
import { describeCredential, type CredentialSource } from './credential.js';
import { graphForContext } from './graph-token.js';
import { parseAsPod, podIdentity, type PodIdentityReport } from './pod-identity.js';
import { resolveGroups, type DirectoryGroup, type GraphOptions } from './graph.js';

export interface GroupView extends DirectoryGroup {
  /** whether the API server's group list contains this ID (possibly behind a groups prefix) */
  seenByApiServer?: boolean;
}

export interface WhoamiReport {
  context: string;
  server?: string;
  credential: CredentialSource;
  /** whom the requests impersonate (kubeconfig as/as-groups, --as/--as-group): the API server's view and the bindings are theirs */
  impersonation?: Impersonation;
  /** SelfSubjectReview: the identity RBAC is evaluated against */
  apiServer: { apiVersion?: SelfSubjectReviewVersion; user?: ClusterUser; unavailable?: string };
  /** claims of the bearer token kubectl would send, decoded locally (absent for non-JWT credentials) */
  token?: TokenIdentity & { expiresInSeconds?: number };
  /** why there are no token claims to show */
  tokenNote?: string;
  /** groups from the token or, with --resolve-groups, from Microsoft Graph */
  groups?: { source: 'token' | 'graph'; items: GroupView[]; namesResolved?: boolean; note?: string };
  bindings: WhoamiBinding[];
  /** RBAC lists we were not allowed to read: the binding list may be incomplete */
  rbacGaps: string[];
  authorization?: AuthorizerMode;
  notes: string[];
}

export interface WhoamiOptions {
  /** namespace for the authorizer probes (the context namespace) */
  namespace: string;
  /** Microsoft Graph access for --resolve-groups */
  graph?: GraphOptions;
}

/** Does the API server's group list contain this Entra object ID, with or without a groups prefix? */
function seenBy(user: ClusterUser | undefined, id: string, impersonating: boolean): boolean | undefined {
  // an impersonated identity's groups say nothing about whether the API server maps the token's
  if (!user || impersonating) return undefined;
  const lower = id.toLowerCase();
  return user.groups.some((g) => g.toLowerCase().endsWith(lower));
}

export async function whoami(kc: KubeConfig, options: WhoamiOptions): Promise<WhoamiReport> {
  const notes: string[] = [];
  const credential = describeCredential(kc.getCurrentUser());
  const impersonation = impersonationOf(kc);
  const token = await currentBearerToken(kc);
  const claims = token ? decodeJwtPayload(token) : undefined;
  const tokenIdentity = claims ? identityFromClaims(claims) : undefined;

  const [ssr, rbacRead, probe] = await Promise.all([
    selfSubjectReview(kc),
    readRbacObjects(kc, [options.namespace]),
    rulesReviewProbe(kc, options.namespace),
  ]);
  const user = ssr.user;

  let groups: WhoamiReport['groups'];
  if (options.graph) {
    const resolved = await resolveGroups(options.graph);
    groups = {
      source: 'graph',
      items: resolved.groups.map((g) => ({ ...g, seenByApiServer: seenBy(user, g.id, !!impersonation) })),
      namesResolved: resolved.namesResolved,
      ...(resolved.note ? { note: resolved.note } : {}),
    };
  } else if (tokenIdentity?.groups) {
    groups = { source: 'token', items: tokenIdentity.groups.map((id) => ({ id, seenByApiServer: seenBy(user, id, !!impersonation) })) };
  }
  if (tokenIdentity?.overage && !options.graph) {
    notes.push('your token carries no group list (more groups than fit in a token); run with --resolve-groups to fetch them from Microsoft Graph');
  }
  if (groups && user && groups.items.some((g) => g.seenByApiServer === false)) {
    const missing = groups.items.filter((g) => g.seenByApiServer === false).length;
    notes.push(`${missing} of your ${groups.items.length} groups are not in the API server's view of you: RBAC bindings naming them do not apply to you (groups claim not mapped, or group changes not yet in a new token)`);
  }
  if (impersonation) {
    notes.push(`requests impersonate ${describeImpersonation(impersonation)} (${impersonationOrigin(impersonation)}): the API server's view and the bindings are that identity's; the credential and token are yours`);
  }
  if (!token) {
    notes.push(credential.kind === 'client-certificate' ? 'you authenticate with a client certificate: there is no token to decode' : 'no bearer token is sent for this context');
  }

  const bindings = user ? bindingsReport(rbacRead.rbac, user) : [];
  if (!user) notes.push('without SelfSubjectReview the cluster username and groups are unknown, so bindings cannot be matched to you');

  // One authoritative answer compared with what the bindings say: disagreement reveals another authorizer.
  const sample: AccessRequest = { kind: 'resource', verb: 'list', group: '', resource: 'pods', namespace: options.namespace };
  const review = await selfSubjectAccessReview(kc, sample);
  const authorization = detectAuthorizerMode({
    rulesReview: probe,
    comparisons: user ? [{ request: sample, review, rbacAllowed: authorize(rbacRead.rbac, user, sample).allowed }] : [],
    rbacComplete: rbacRead.gaps.length === 0,
    serverUrl: kc.getCurrentCluster()?.server,
  });

  const expiresInSeconds = tokenIdentity ? secondsUntilExpiry(tokenIdentity) : undefined;
  return {
    context: kc.getCurrentContext(),
    ...(kc.getCurrentCluster()?.server ? { server: kc.getCurrentCluster()!.server } : {}),
    credential,
    ...(impersonation ? { impersonation } : {}),
    apiServer: { ...(ssr.apiVersion ? { apiVersion: ssr.apiVersion } : {}), ...(user ? { user } : {}), ...(ssr.unavailable ? { unavailable: ssr.unavailable } : {}) },
    ...(tokenIdentity ? { token: { ...tokenIdentity, ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}) } } : {}),
    ...(token && !claims ? { tokenNote: 'the bearer token is not a JWT; there are no claims to show' } : {}),
    ...(groups ? { groups } : {}),
    bindings,
    rbacGaps: rbacRead.gaps,
    authorization,
    notes,
  };
}

export interface WhoamiInput {
  kubeconfig?: string;
  context?: string;
  /** -n: the namespace for --as-pod names and the authorizer probe (default: the context's) */
  namespace?: string;
  /** fetch the full group list from Microsoft Graph */
  resolveGroups?: boolean;
  graphUrl?: string;
  /** --as-pod: a pod or workload whose identity to show instead of mine */
  asPod?: string;
  /** --engine for --as-pod: whose policy kinds count (default: the engine detected from what runs) */
  engine?: string;
  /** --as, --as-group, --as-uid */
  impersonate?: ImpersonationFlags;
  env?: NodeJS.ProcessEnv;
  debug?: (text: string) => void;
}

export type WhoamiResult = { kind: 'user'; report: WhoamiReport } | { kind: 'pod'; report: PodIdentityReport };

/** The use-case behind `kubectl np whoami`: load the context, then my identity or the pod's. */
export async function runWhoami(input: WhoamiInput): Promise<WhoamiResult> {
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = input.namespace ?? currentNamespace(kc);
  if (input.asPod) {
    if (input.resolveGroups) throw new UsageError('--resolve-groups is about your own token; it does not combine with --as-pod');
    // NS/pod/NAME and NS/NAME name the namespace themselves; read that one, not -n's or the context's
    const spec = parseAsPod(input.asPod);
    const podNamespace = spec.namespace ?? namespace;
    // only what the report uses: the pod (or the workload, its running pods and the ReplicaSets that tie
    // a Deployment's pods to it; its template when none can be read), its service account, the policies
    // selecting it (of every kind: AdminNetworkPolicy and Calico subjects select by namespace labels,
    // hence the namespace list); RBAC objects come from readRbacObjects, with its own fallbacks
    const include: SnapshotInclude = {
      namespaces: 'optional',
      pods: spec.kind === 'Pod' ? 'required' : 'optional',
      services: 'skip',
      workloads: spec.kind === 'Pod' ? {} : { [spec.kind]: 'required', ...(spec.kind === 'Deployment' ? { ReplicaSet: 'optional' } : {}) },
      serviceAccounts: 'optional',
      networkPolicies: 'required',
      rbac: 'skip',
      // which engine runs decides which policy kinds select it, as for can-reach
      policyEngines: 'optional',
    };
    const [snapshot, rbacRead] = await Promise.all([
      readLiveSnapshot({ kubeconfig: input.kubeconfig, context: input.context, namespaces: [podNamespace], impersonate: input.impersonate }, { include, forbiddenHint: 'ask for list access' }),
      readRbacObjects(kc, [podNamespace]),
    ]);
    const report = podIdentity(snapshot, rbacRead, input.asPod, podNamespace, chooseEngine(snapshot, input.engine));
    return { kind: 'pod', report: { ...report, context: kc.getCurrentContext(), notes: [...report.notes, ...(snapshot.warnings ?? [])] } };
  }
  let graph: GraphOptions | undefined;
  if (input.resolveGroups) {
    const impersonation = impersonationOf(kc);
    if (impersonation) throw new UsageError(`--resolve-groups fetches your own groups; it does not combine with impersonating ${describeImpersonation(impersonation)} (${impersonationOrigin(impersonation)})`);
    graph = graphForContext(kc, input);
  }
  return { kind: 'user', report: await whoami(kc, { namespace, graph }) };
}
