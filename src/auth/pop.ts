// Proof-of-possession tokens for Azure Arc-enabled clusters, as Azure/kubelogin makes them
// (pkg/internal/pop). The token request carries `token_type=pop` and `req_cnf`, the thumbprint of an
// RSA key of ours; Entra binds the access token to that key (its `cnf.kid` claim). kubectl is handed
// not the access token but a Signed HTTP Request (SHR): a JWT of `typ: pop`, signed RS256 with that
// key, holding the access token (`at`), the time (`ts`), a nonce, the cluster's ARM ID (`u`, from
// --pop-claims) and the public key (`cnf.jwk`). The cluster's guard checks the signature against
// `cnf.jwk`, that `u` is itself and that `ts` is recent, so a stolen access token alone is useless.
//
// msal-node 7 cannot do this: it resets every request's authenticationScheme to Bearer ("POP isn't
// supported yet") and its crypto provider cannot sign. msal still runs every flow; the two request
// parameters are added by its network module (msal/pop-binding.ts) and the SHR is made here. Node
// built-ins only: the fast path signs a fresh SHR for each cached answer.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { UsageError } from '../errors.js';
import { decodeJwtPayload } from '../jwt.js';

/**
 * How long kubectl may keep one SHR. Arc's guard refuses one whose `ts` is older than its validity
 * window (minutes; kubelogin's tokens carry a new `ts` on every call), so kubectl is told to ask again
 * well within it. Asking again is the fast path: a signature, no request to Entra.
 */
export const SHR_LIFETIME_MS = 5 * 60_000;

/** The login modes that can get PoP tokens (Azure/kubelogin: interactive, spn; here the device code too). */
export const POP_LOGIN_MODES = ['interactive', 'devicecode', 'spn'] as const;

/**
 * --pop-claims as Azure/kubelogin reads it: `key=value` pairs separated by commas, `u` (the ARM ID of
 * the cluster) required. As in kubelogin only `u` goes into the token; the others are accepted.
 */
export function parsePopClaims(text: string): Record<string, string> {
  const format = 'write it as u=<ARM ID of the cluster>[,key=value…]';
  if (text.trim() === '') throw new UsageError(`--pop-claims is empty; ${format}`);
  const claims: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!key || !value) throw new UsageError(`--pop-claims ${JSON.stringify(text)} is not a list of key=value pairs; ${format}`);
    // the value travels in a signed JWT and is compared by the cluster: no control characters or spaces
    if (/[\s\u0000-\u001f\u007f-\u009f]/.test(value) || /[\s\u0000-\u001f\u007f-\u009f]/.test(key)) {
      throw new UsageError(`--pop-claims ${JSON.stringify(key)} has spaces or control characters in it; ${format}`);
    }
    claims[key] = value;
  }
  if (!claims.u) throw new UsageError(`--pop-claims has no u claim, the ARM ID of the cluster; ${format}`);
  return claims;
}

export interface PopKey {
  privateKey: KeyObject;
  /** the public key as the SHR's cnf.jwk carries it */
  jwk: { kty: 'RSA'; e: string; n: string; alg: 'RS256'; kid: string };
  /** RFC 7638 JWK thumbprint (SHA-256, base64url): the `kid` Entra puts in the token's cnf */
  thumbprint: string;
  /** the req_cnf request parameter: base64url of {"kid": thumbprint, "xms_ksl": "sw"} (a software key) */
  reqCnf: string;
}

/** A new signing key, as PKCS#8 PEM for the token store. 2048-bit RSA, as kubelogin's. */
export function newPopKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The key held in `pem`; undefined when it is not a usable RSA private key (then a new one is made). */
export function popKeyFrom(pem: string): PopKey | undefined {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    return undefined;
  }
  if (privateKey.asymmetricKeyType !== 'rsa') return undefined;
  const { e, n } = privateKey.export({ format: 'jwk' });
  if (typeof e !== 'string' || typeof n !== 'string') return undefined;
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace
  const thumbprint = createHash('sha256').update(`{"e":"${e}","kty":"RSA","n":"${n}"}`).digest('base64url');
  return {
    privateKey,
    jwk: { kty: 'RSA', e, n, alg: 'RS256', kid: thumbprint },
    thumbprint,
    reqCnf: Buffer.from(JSON.stringify({ kid: thumbprint, xms_ksl: 'sw' })).toString('base64url'),
  };
}

/** The key an access token is bound to (its `cnf.kid`), if it is a PoP token. */
export function boundKeyId(accessToken: string): string | undefined {
  const cnf = decodeJwtPayload(accessToken)?.cnf;
  const kid = cnf && typeof cnf === 'object' ? (cnf as { kid?: unknown }).kid : undefined;
  return typeof kid === 'string' ? kid : undefined;
}

/** Whether Entra bound this access token to this key; a bearer token, or one bound to another key, is not. */
export function isBoundTo(accessToken: string, key: PopKey): boolean {
  return boundKeyId(accessToken) === key.thumbprint;
}

export interface SignedRequest {
  /** the SHR: what kubectl sends as the bearer token */
  token: string;
  /** epoch ms after which kubectl should ask for a new one */
  expiresOn: number;
}

/**
 * The SHR for one call, signed now: what get-token prints instead of the access token. Its life is the
 * access token's, and no longer than SHR_LIFETIME_MS, so kubectl asks for a fresh `ts` in time.
 */
export function signedRequest(key: PopKey, access: { token: string; expiresOn: number }, u: string, now = Date.now()): SignedRequest {
  const header = { typ: 'pop', alg: 'RS256', kid: key.thumbprint };
  const payload = { at: access.token, ts: Math.floor(now / 1000), u, cnf: { jwk: key.jwk }, nonce: randomBytes(16).toString('hex') };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
  return { token: `${input}.${signature}`, expiresOn: Math.min(access.expiresOn, now + SHR_LIFETIME_MS) };
}
