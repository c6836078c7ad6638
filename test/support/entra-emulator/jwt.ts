// Compact JWS (RS256 / PS256) with node:crypto only: the emulator signs what Entra signs and checks the
// client assertions that msal-node (jsonwebtoken underneath) produces.
import { constants, createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string };
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  // Entra's kid looks like a base64url SHA-1 thumbprint; derive one from the modulus so it is stable per key
  const kid = base64url(createHash('sha1').update(String(jwk.n)).digest());
  return { kid, privateKey, publicJwk: { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: jwk.n, e: jwk.e } };
}

export function signJwt(payload: Record<string, unknown>, key: SigningKey, extraHeader: Record<string, unknown> = {}): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, ...extraHeader };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${input}.${base64url(sign('sha256', Buffer.from(input), key.privateKey))}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWS; undefined when it is not one. Checks nothing. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** RS256 or PS256 signature check (msal-node signs certificate assertions with PS256 when given a SHA-256 thumbprint). */
export function verifySignature(jwt: DecodedJwt, key: KeyObject | JsonWebKey): boolean {
  const publicKey = 'asymmetricKeyType' in key ? (key as KeyObject) : createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  const data = Buffer.from(jwt.signingInput);
  if (jwt.header.alg === 'RS256') return verify('sha256', data, publicKey, jwt.signature);
  if (jwt.header.alg === 'PS256') {
    return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature);
  }
  return false;
}

/** Deterministic GUID from a name, so a user's oid is the same in every run (fixtures can hard-code it). */
export function guidFrom(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const newGuid = randomUUID;
