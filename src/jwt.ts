// Reading a JWT's payload locally, without verifying its signature: a leaf module shared by the
// credential helper (src/auth: expiry, who a token belongs to) and the explainers (src/identity).
// Whoever needs the signature checked (the API server) checks it; nothing here returns the token.

export type JwtClaims = Record<string, unknown>;

// Readers of claim values, shared by everything that reads a token's claims: a claim of the wrong type,
// or an empty string, counts as absent.

/** A JSON object (not null, not an array): the payload, or a claim holding claims of its own. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const claimString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** exp, nbf, iat: seconds since the epoch */
export const claimNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** aud, groups, roles: one string or a list of them */
export function claimStrings(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((v): v is string => claimString(v) !== undefined);
  const one = claimString(value);
  return one === undefined ? undefined : [one];
}

/** The payload of a JWT, or undefined when the token is not a JWT (opaque tokens, client certificates). */
export function decodeJwtPayload(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(payload) || typeof header.alg !== 'string') return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

/** The `exp` claim of a JWT in epoch milliseconds; undefined for opaque tokens or a JWT without one. */
export function jwtExpiryMs(token: string): number | undefined {
  const exp = claimNumber(decodeJwtPayload(token)?.exp);
  return exp !== undefined ? exp * 1000 : undefined;
}
