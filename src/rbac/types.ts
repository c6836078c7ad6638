// The vocabulary of the RBAC evaluator, mirroring kube-apiserver's authorizer.Attributes and
// user.Info so a verdict here can be compared one-to-one with a SelfSubjectAccessReview.
import type { PolicyRule, Role, RoleBinding, Subject } from '../model/k8s.js';

/** The identity the authorizer sees: username and groups after the authenticator's prefixes. */
export interface UserInfo {
  username: string;
  groups: string[];
}

export interface ResourceRequest {
  kind: 'resource';
  verb: string;
  /** empty or absent = cluster-scoped (or "all namespaces" for list/watch) */
  namespace?: string;
  /** API group; "" is the core group */
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceRequest {
  kind: 'nonResource';
  verb: string;
  /** URL path, e.g. /healthz or /apis */
  path: string;
}

export type AccessRequest = ResourceRequest | NonResourceRequest;

/** The RBAC objects an evaluation reads; a ClusterSnapshot satisfies it. */
export interface RbacObjects {
  roles: Role[];
  roleBindings: RoleBinding[];
}

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

/** A rule as it applies after ClusterRole aggregation, remembering which role it came from. */
export interface EffectiveRule {
  rule: PolicyRule;
  /** the role that wrote the rule; differs from the bound role when aggregation brought it in */
  origin: ObjectRef;
}

/** One binding → role → rule chain that allows a request. */
export interface Grant {
  binding: ObjectRef;
  /** the subject of the binding that matched the user ("superuser" grants have none) */
  subject?: Subject;
  role: ObjectRef;
  rule?: PolicyRule;
  /** set when the rule came into the role through aggregation */
  aggregatedFrom?: string;
  /** human explanation used when the grant is not an ordinary binding (system:masters) */
  note?: string;
}

export type MissDimension =
  | 'subject'
  | 'namespace'
  | 'verb'
  | 'apiGroup'
  | 'resource'
  | 'resourceName'
  | 'nonResourceURL'
  | 'roleMissing';

export interface MissReason {
  dimension: MissDimension;
  /** one plain-English sentence: what would have to change */
  detail: string;
}

/** A binding/rule that comes close to allowing a denied request, and what keeps it from doing so. */
export interface NearMiss {
  binding: ObjectRef;
  role: ObjectRef;
  rule?: PolicyRule;
  reasons: MissReason[];
}

export interface Decision {
  allowed: boolean;
  grants: Grant[];
  /** only computed for denied requests */
  nearMisses: NearMiss[];
}
