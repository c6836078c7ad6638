// What the API server itself says about the caller: SelfSubjectReview (who am I, after the
// authenticator's prefixes), SelfSubjectAccessReview (may I — authoritative, whatever the authorizer
// chain), SelfSubjectRulesReview (used only as a probe: a webhook authorizer makes it "incomplete"),
// plus the RBAC objects that explain those answers. Everything goes through @kubernetes/client-node.
import type https from 'node:https';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1SubjectRulesReviewStatus,
} from '@kubernetes/client-node';
import type { AccessRequest, RbacObjects, UserInfo } from '../rbac/types.js';
import { toRole, toRoleBinding } from './convert.js';
import { httpStatusOf, makeApiClient, toClusterError } from './kubeconfig.js';
import { listAll, type ListPage, type Page } from './paging.js';

export interface ClusterUser extends UserInfo {
  uid?: string;
  extra?: Record<string, string[]>;
}

export type SelfSubjectReviewVersion = 'v1' | 'v1beta1' | 'v1alpha1';

export interface SelfSubjectReviewResult {
  user?: ClusterUser;
  /** the authentication.k8s.io version that answered */
  apiVersion?: SelfSubjectReviewVersion;
  /** why there is no answer (cluster older than 1.26, feature gate off, not permitted) */
  unavailable?: string;
}

export interface AccessReviewResult {
  allowed: boolean;
  /** an authorizer explicitly denied (webhooks can; RBAC never does) */
  denied: boolean;
  /** the authorizer's own words, e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"` */
  reason?: string;
  evaluationError?: string;
}

export interface RbacReadResult {
  rbac: RbacObjects;
  /** what could not be read (forbidden lists); explanations built on partial data must say so */
  gaps: string[];
}

const statusOf = httpStatusOf;

const isNotServed = (err: unknown) =>
  statusOf(err) === 404 || (err instanceof Error && /Unrecognized API version and kind/.test(err.message));

function userFromStatus(status: unknown): ClusterUser | undefined {
  const info = (status as { userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } } | undefined)?.userInfo;
  if (!info) return undefined;
  return {
    username: info.username ?? '',
    groups: info.groups ?? [],
    ...(info.uid ? { uid: info.uid } : {}),
    ...(info.extra && Object.keys(info.extra).length > 0 ? { extra: info.extra } : {}),
  };
}

/** SelfSubjectReview: authentication.k8s.io/v1 (1.28+), then v1beta1 (1.27), then v1alpha1 (1.26). */
export async function selfSubjectReview(kc: KubeConfig, versions: SelfSubjectReviewVersion[] = ['v1', 'v1beta1', 'v1alpha1']): Promise<SelfSubjectReviewResult> {
  let forbidden = false;
  for (const version of versions) {
    try {
      if (version === 'v1') {
        const review = await makeApiClient(kc, AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
        return { user: userFromStatus(review.status), apiVersion: version };
      }
      // client-node 1.4 ships typed clients for v1 only; older versions go through the generic object API
      const review = await makeApiClient(kc, KubernetesObjectApi).create({ apiVersion: `authentication.k8s.io/${version}`, kind: 'SelfSubjectReview', metadata: {} } as KubernetesObject);
      return { user: userFromStatus((review as { status?: unknown }).status), apiVersion: version };
    } catch (err) {
      if (isNotServed(err)) continue;
      if (statusOf(err) === 403) {
        forbidden = true;
        continue;
      }
      throw toClusterError(err, kc, 'asking who you are (SelfSubjectReview)');
    }
  }
  return {
    unavailable: forbidden
      ? 'the API server does not let you create SelfSubjectReviews'
      : 'the API server does not serve SelfSubjectReview (Kubernetes older than 1.26, or the feature is off)',
  };
}

export async function selfSubjectAccessReview(kc: KubeConfig, request: AccessRequest): Promise<AccessReviewResult> {
  const spec =
    request.kind === 'nonResource'
      ? { nonResourceAttributes: { verb: request.verb, path: request.path } }
      : {
          resourceAttributes: {
            verb: request.verb,
            group: request.group,
            resource: request.resource,
            ...(request.namespace ? { namespace: request.namespace } : {}),
            ...(request.subresource ? { subresource: request.subresource } : {}),
            ...(request.name ? { name: request.name } : {}),
          },
        };
  try {
    const review = await makeApiClient(kc, AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec },
    });
    const status = review.status;
    return {
      allowed: !!status?.allowed,
      denied: !!status?.denied,
      ...(status?.reason ? { reason: status.reason } : {}),
      ...(status?.evaluationError ? { evaluationError: status.evaluationError } : {}),
    };
  } catch (err) {
    throw toClusterError(err, kc, 'asking whether you may do it (SelfSubjectAccessReview)');
  }
}

export interface RulesReviewProbe {
  incomplete: boolean;
  evaluationError?: string;
}

/** The SelfSubjectRulesReview status in `namespace`; undefined when not served or not permitted. `doing` names it in errors. */
async function rulesReviewStatus(kc: KubeConfig, namespace: string, doing: string): Promise<Partial<V1SubjectRulesReviewStatus> | undefined> {
  try {
    const review = await makeApiClient(kc, AuthorizationV1Api).createSelfSubjectRulesReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    });
    return review.status ?? {};
  } catch (err) {
    if (statusOf(err) === 403 || statusOf(err) === 404) return undefined;
    throw toClusterError(err, kc, `${doing} (SelfSubjectRulesReview)`);
  }
}

/**
 * SelfSubjectRulesReview, only for what it reveals about the authorizer chain: RBAC can list its rules,
 * a webhook cannot, so the API server marks the answer incomplete when a webhook is in the chain.
 */
export async function rulesReviewProbe(kc: KubeConfig, namespace: string): Promise<RulesReviewProbe | undefined> {
  const status = await rulesReviewStatus(kc, namespace, 'probing the authorizer');
  return status && { incomplete: !!status.incomplete, ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}) };
}

export interface RulesReviewResult {
  resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  nonResourceRules: { verbs: string[]; nonResourceURLs?: string[] }[];
  incomplete: boolean;
  evaluationError?: string;
}

/** SelfSubjectRulesReview in `namespace`: what `kubectl auth can-i --list` shows. undefined when not served or not permitted. */
export async function selfSubjectRulesReview(kc: KubeConfig, namespace: string): Promise<RulesReviewResult | undefined> {
  const status = await rulesReviewStatus(kc, namespace, 'listing what you may do');
  return (
    status && {
      resourceRules: (status.resourceRules ?? []).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) })),
      nonResourceRules: (status.nonResourceRules ?? []).map((r) => ({ verbs: r.verbs, ...(r.nonResourceURLs ? { nonResourceURLs: r.nonResourceURLs } : {}) })),
      incomplete: !!status.incomplete,
      ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}),
    }
  );
}

/**
 * ClusterRoles, ClusterRoleBindings, and Roles/RoleBindings (all namespaces, or the given ones when
 * listing across namespaces is forbidden). Forbidden lists become gaps, not errors: people often may
 * read their namespace's bindings but not the cluster's.
 */
export async function readRbacObjects(kc: KubeConfig, namespaces: string[] = []): Promise<RbacReadResult> {
  const api = makeApiClient(kc, RbacAuthorizationV1Api);
  // gaps in the order the lists are asked for, not the order the answers arrive (output must not shuffle)
  const asked: string[] = [];
  const forbidden = new Set<string>();
  const attempt = async <T, R>(what: string, read: (page: Page) => Promise<ListPage<T>>, convert: (item: T) => R): Promise<R[] | undefined> => {
    asked.push(what);
    try {
      return await listAll(read, convert);
    } catch (err) {
      if (statusOf(err) === 403) {
        forbidden.add(what);
        return undefined;
      }
      throw toClusterError(err, kc, `listing ${what}`);
    }
  };

  const [clusterRoles, clusterRoleBindings, allRoles, allBindings] = await Promise.all([
    attempt('clusterroles', (page) => api.listClusterRole(page), (r) => toRole('ClusterRole', r)),
    attempt('clusterrolebindings', (page) => api.listClusterRoleBinding(page), (b) => toRoleBinding('ClusterRoleBinding', b)),
    attempt('roles in all namespaces', (page) => api.listRoleForAllNamespaces(page), (r) => toRole('Role', r)),
    attempt('rolebindings in all namespaces', (page) => api.listRoleBindingForAllNamespaces(page), (b) => toRoleBinding('RoleBinding', b)),
  ]);
  let roles = allRoles;
  let bindings = allBindings;
  if (namespaces.length > 0) {
    const perNamespace = await Promise.all(
      namespaces.map(async (namespace) => {
        const [nsRoles, nsBindings] = await Promise.all([
          allRoles ? [] : attempt(`roles in ${namespace}`, (page) => api.listNamespacedRole({ namespace, ...page }), (r) => toRole('Role', r)),
          allBindings ? [] : attempt(`rolebindings in ${namespace}`, (page) => api.listNamespacedRoleBinding({ namespace, ...page }), (b) => toRoleBinding('RoleBinding', b)),
        ]);
        return { roles: nsRoles ?? [], bindings: nsBindings ?? [] };
      }),
    );
    roles ??= perNamespace.flatMap((p) => p.roles);
    bindings ??= perNamespace.flatMap((p) => p.bindings);
  }
  return {
    rbac: {
      roles: [...(clusterRoles ?? []), ...(roles ?? [])],
      roleBindings: [...(clusterRoleBindings ?? []), ...(bindings ?? [])],
    },
    gaps: asked.filter((what) => forbidden.has(what)),
  };
}

/**
 * The bearer token kubectl would send for the current context: client-node runs exec plugins and
 * reads token files exactly as it does for its own requests. Callers decode it and drop it; it must
 * never be printed.
 */
export async function currentBearerToken(kc: KubeConfig): Promise<string | undefined> {
  const opts: https.RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (err) {
    throw toClusterError(err, kc, 'getting credentials');
  }
  const headers = (opts.headers ?? {}) as Record<string, unknown>;
  const header = headers.Authorization ?? headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
