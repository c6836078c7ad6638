// What a bearer token says about its holder, read locally without verifying the signature: the API
// server verifies it; we only explain it. Nothing here ever returns or prints the token itself.

import { claimNumber, claimString, claimStrings, isObject, type JwtClaims } from '../jwt.js';
import { serviceAccountClaims, type ServiceAccountClaims } from '../serviceaccount-token.js';

export type { ServiceAccountClaims };

export type Claims = JwtClaims;

const time = (value: unknown): string | undefined => {
  const seconds = claimNumber(value);
  return seconds !== undefined ? new Date(seconds * 1000).toISOString() : undefined;
};

/**
 * Entra leaves `groups` out of a token past 200 groups (150 in SAML, 6 in implicit-flow tokens) and
 * says where to fetch them instead: `_claim_names`/`_claim_sources`, or `hasgroups: true`.
 */
export interface GroupsOverage {
  kind: 'claim-sources' | 'hasgroups';
  /** the endpoint the token names for the full list (legacy Azure AD Graph or Microsoft Graph) */
  endpoint?: string;
}

export interface TokenIdentity {
  /** the name a person recognises: upn, else preferred_username, unique_name or email */
  displayUser?: string;
  upn?: string;
  preferredUsername?: string;
  email?: string;
  name?: string;
  oid?: string;
  sub?: string;
  tid?: string;
  issuer?: string;
  audience: string[];
  /** the client application the token was issued to (azp or appid) */
  clientId?: string;
  issuedAt?: string;
  notBefore?: string;
  expiresAt?: string;
  /** delegated scopes (scp), space-separated in the token */
  scopes?: string[];
  roles?: string[];
  /** group object IDs from the `groups` claim; absent when the token has none or is past the overage limit */
  groups?: string[];
  overage?: GroupsOverage;
  /** token version (`ver`: 1.0 or 2.0) */
  version?: string;
  /** set when this is a Kubernetes service-account token rather than an Entra one */
  serviceAccount?: ServiceAccountClaims;
}

export function identityFromClaims(claims: Claims): TokenIdentity {
  const upn = claimString(claims.upn);
  const preferredUsername = claimString(claims.preferred_username);
  const email = claimString(claims.email);
  const identity: TokenIdentity = {
    displayUser: upn ?? preferredUsername ?? claimString(claims.unique_name) ?? email,
    upn,
    preferredUsername,
    email,
    name: claimString(claims.name),
    oid: claimString(claims.oid),
    sub: claimString(claims.sub),
    tid: claimString(claims.tid),
    issuer: claimString(claims.iss),
    audience: claimStrings(claims.aud) ?? [],
    clientId: claimString(claims.azp) ?? claimString(claims.appid),
    issuedAt: time(claims.iat),
    notBefore: time(claims.nbf),
    expiresAt: time(claims.exp),
    scopes: claimString(claims.scp)?.split(' ').filter(Boolean),
    roles: claimStrings(claims.roles),
    groups: claimStrings(claims.groups),
    overage: detectOverage(claims),
    version: claimString(claims.ver),
    serviceAccount: serviceAccountClaims(claims),
  };
  // Drop absent fields so -o json/yaml stay compact and stable.
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as unknown as TokenIdentity;
}

export function detectOverage(claims: Claims): GroupsOverage | undefined {
  const names = claims._claim_names;
  if (isObject(names) && typeof names.groups === 'string') {
    const sources = claims._claim_sources;
    const source = isObject(sources) ? sources[names.groups] : undefined;
    const endpoint = isObject(source) ? claimString(source.endpoint) : undefined;
    return endpoint ? { kind: 'claim-sources', endpoint } : { kind: 'claim-sources' };
  }
  if (claims.hasgroups === true || claims.hasgroups === 'true') return { kind: 'hasgroups' };
  return undefined;
}

/** Seconds until expiry (negative once expired), or undefined without an `exp` claim. */
export function secondsUntilExpiry(identity: TokenIdentity, now: Date = new Date()): number | undefined {
  if (!identity.expiresAt) return undefined;
  return Math.round((Date.parse(identity.expiresAt) - now.getTime()) / 1000);
}
