// Proof-of-possession on the emulator's side: reading a token request's `req_cnf`, and checking a
// Signed HTTP Request (SHR) the way the resource does (Azure Arc's guard, RFC 7800): the JWT is
// `typ: pop`, RS256, signed by the key in its own `cnf.jwk`; that key's RFC 7638 thumbprint is the
// header's `kid` and the `cnf.kid` Entra put in the access token (`at`), so the token is usable only by
// whoever holds the private key it was issued for; `ts` is recent; `u` is the cluster asked about.
// Written independently of src/auth/pop.ts (node:crypto only), so the two check each other.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { decodeJwt } from './jwt.js';

export class PopRejected extends Error {}

/** The confirmation a PoP token request asks for: `req_cnf` = base64url({"kid": thumbprint, …}). */
export function requestedConfirmation(reqCnf: string | undefined): { kid: string; xms_ksl?: string } | undefined {
  if (!reqCnf) return undefined;
  try {
    const value = JSON.parse(Buffer.from(reqCnf, 'base64url').toString('utf8')) as { kid?: unknown; xms_ksl?: unknown };
    if (typeof value?.kid !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value.kid)) return undefined;
    return { kid: value.kid, ...(typeof value.xms_ksl === 'string' ? { xms_ksl: value.xms_ksl } : {}) };
  } catch {
    return undefined;
  }
}

/** RFC 7638 thumbprint of an RSA public JWK. */
export function jwkThumbprint(jwk: { e: string; n: string }): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
}

export interface VerifiedPop {
  /** the access token inside (its own signature is the issuer's to check: verifyPopToken's `accessToken` option) */
  at: string;
  atClaims: Record<string, unknown>;
  u: string;
  /** epoch seconds */
  ts: number;
  nonce: string;
  /** the key's thumbprint (= header kid = the access token's cnf.kid) */
  thumbprint: string;
}

export interface PopVerifyOptions {
  /** the cluster this resource is (guard's --azure.pop-hostname); compared case-insensitively, as guard does */
  u?: string;
  /** how old `ts` may be (default 15 minutes, guard's default window) */
  maxAgeMs?: number;
  now?: number;
  /** checks the inner access token; returns its claims or undefined when it does not verify */
  accessToken?: (at: string) => Record<string, unknown> | undefined;
}

/** The SHR's contents when it verifies; throws PopRejected naming the first check that failed. */
export function verifyPopToken(shr: string, opts: PopVerifyOptions = {}): VerifiedPop {
  const jwt = decodeJwt(shr);
  if (!jwt) throw new PopRejected('not a compact JWS');
  const { header, payload } = jwt;
  if (header.typ !== 'pop') throw new PopRejected(`typ is ${JSON.stringify(header.typ)}, not "pop"`);
  if (header.alg !== 'RS256') throw new PopRejected(`alg is ${JSON.stringify(header.alg)}, not RS256`);
  if (typeof header.kid !== 'string') throw new PopRejected('no kid in the header');
  const jwk = (payload.cnf as { jwk?: { kty?: unknown; e?: unknown; n?: unknown } } | undefined)?.jwk;
  if (!jwk || jwk.kty !== 'RSA' || typeof jwk.e !== 'string' || typeof jwk.n !== 'string') throw new PopRejected('no RSA cnf.jwk');
  const thumbprint = jwkThumbprint({ e: jwk.e, n: jwk.n });
  if (header.kid !== thumbprint) throw new PopRejected('the header kid is not the thumbprint of cnf.jwk');
  const publicKey = createPublicKey({ key: { kty: 'RSA', e: jwk.e, n: jwk.n }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(jwt.signingInput), publicKey, jwt.signature)) throw new PopRejected('the signature does not verify against cnf.jwk');
  const { at, ts, u, nonce } = payload;
  if (typeof at !== 'string' || typeof ts !== 'number' || typeof u !== 'string' || typeof nonce !== 'string' || !nonce) throw new PopRejected('at, ts, u or nonce missing');
  const now = opts.now ?? Date.now();
  if (ts * 1000 + (opts.maxAgeMs ?? 15 * 60_000) < now) throw new PopRejected(`ts ${ts} is too old`);
  if (ts * 1000 > now + 5 * 60_000) throw new PopRejected(`ts ${ts} is in the future`);
  if (opts.u !== undefined && u.toLowerCase() !== opts.u.toLowerCase()) throw new PopRejected(`u is ${JSON.stringify(u)}, not ${JSON.stringify(opts.u)}`);
  const atClaims = opts.accessToken ? opts.accessToken(at) : decodeJwt(at)?.payload;
  if (!atClaims) throw new PopRejected('the access token inside does not verify');
  const cnfKid = (atClaims.cnf as { kid?: unknown } | undefined)?.kid;
  if (cnfKid !== thumbprint) throw new PopRejected('the access token is not bound to the key that signed the request (cnf.kid differs)');
  return { at, atClaims, u, ts, nonce, thumbprint };
}
