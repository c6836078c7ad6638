// A Kubernetes service-account token, told apart from an Entra one by its claims (read, never
// verified): whoami names it, and a 401 is explained in its own terms (audience, deleted service
// account) rather than Entra's (tenant, server application).
import { claimString, isObject, type JwtClaims } from './jwt.js';

/**
 * A Kubernetes service-account token's own claims: `kubernetes.io` in a bound token (TokenRequest,
 * projected volumes), `kubernetes.io/serviceaccount/*` in a legacy one read from a Secret. Such a token
 * is the cluster's, not Entra's: no user, tenant or groups to show.
 */
export interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid?: string;
  /** what a bound token dies with: its pod (and the node that pod runs on), a node, or a Secret */
  pod?: string;
  node?: string;
  secret?: string;
  /** a legacy token from a kubernetes.io/service-account-token Secret: no expiry */
  legacy?: true;
}

/** What a bound token dies with, as the output names it: the API server refuses the token once that object is gone. */
export function boundObject(sa: ServiceAccountClaims): string | undefined {
  if (sa.pod) return `pod ${sa.namespace}/${sa.pod}${sa.node ? ` on node ${sa.node}` : ''}`;
  if (sa.node) return `node ${sa.node}`;
  if (sa.secret) return `secret ${sa.namespace}/${sa.secret}`;
  return undefined;
}

const refName = (value: unknown): string | undefined => (isObject(value) ? claimString(value.name) : undefined);

export function serviceAccountClaims(claims: JwtClaims): ServiceAccountClaims | undefined {
  const found = boundClaims(claims) ?? legacyClaims(claims);
  return found && (Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) as unknown as ServiceAccountClaims);
}

function boundClaims(claims: JwtClaims): ServiceAccountClaims | undefined {
  const k = claims['kubernetes.io'];
  if (!isObject(k) || !claimString(k.namespace) || !refName(k.serviceaccount)) return undefined;
  const sa = k.serviceaccount as Record<string, unknown>;
  return { namespace: claimString(k.namespace)!, name: refName(sa)!, uid: claimString(sa.uid), pod: refName(k.pod), node: refName(k.node), secret: refName(k.secret) };
}

function legacyClaims(claims: JwtClaims): ServiceAccountClaims | undefined {
  const legacy = 'kubernetes.io/serviceaccount/';
  const namespace = claimString(claims[`${legacy}namespace`]);
  const name = claimString(claims[`${legacy}service-account.name`]);
  if (!namespace || !name) return undefined;
  return { namespace, name, uid: claimString(claims[`${legacy}service-account.uid`]), secret: claimString(claims[`${legacy}secret.name`]), legacy: true };
}
