// Reading a JWT's payload locally, without verifying its signature: a leaf module shared by the
// credential helper (src/auth: expiry, who a token belongs to) and the explainers (src/identity).
// Whoever needs the signature checked (the API server) checks it; nothing here returns the token.

export type JwtClaims = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  const exp = decodeJwtPayload(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}
