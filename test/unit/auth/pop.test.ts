// The signed requests of src/auth/pop.ts against the emulator's verifier (test/support/entra-emulator/
// pop.ts), written apart from it: what we sign verifies, and each thing a thief or a bug could change
// makes it fail.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { boundKeyId, isBoundTo, newPopKeyPem, popKeyFrom, signedRequest, SHR_LIFETIME_MS, type PopKey } from '../../../src/auth/pop.js';
import { jwkThumbprint, PopRejected, requestedConfirmation, verifyPopToken } from '../../support/entra-emulator/pop.js';

const ARC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** an unsigned stand-in for Entra's access token: the verifier is given no issuer check here */
const accessToken = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.sig`;
const key = popKeyFrom(newPopKeyPem()) as PopKey;
const bound = accessToken({ oid: 'o', cnf: { kid: key.thumbprint } });

describe('the PoP key', () => {
  it('names itself by its RFC 7638 thumbprint, in req_cnf as Entra reads it, and survives a round trip through its PEM', () => {
    expect(key.thumbprint).toBe(jwkThumbprint(key.jwk));
    expect(requestedConfirmation(key.reqCnf)).toEqual({ kid: key.thumbprint, xms_ksl: 'sw' });
    const again = popKeyFrom(key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(again?.thumbprint).toBe(key.thumbprint);
    expect(popKeyFrom('not a key')).toBeUndefined();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(popKeyFrom(ec)).toBeUndefined();
  });

  it('tells a token bound to it from a bearer token and from one bound to another key', () => {
    expect(boundKeyId(bound)).toBe(key.thumbprint);
    expect(isBoundTo(bound, key)).toBe(true);
    expect(isBoundTo(accessToken({ oid: 'o' }), key)).toBe(false);
    expect(isBoundTo(accessToken({ cnf: { kid: popKeyFrom(newPopKeyPem())!.thumbprint } }), key)).toBe(false);
    expect(isBoundTo('opaque', key)).toBe(false);
  });
});

describe('signed requests', () => {
  const now = Date.now();
  const shr = signedRequest(key, { token: bound, expiresOn: now + 3_600_000 }, ARC, now);

  it('verify: signature under cnf.jwk, the access token bound to that key, ts now, u as asked, a nonce', () => {
    const verified = verifyPopToken(shr.token, { u: ARC, now });
    expect(verified).toMatchObject({ at: bound, u: ARC, ts: Math.floor(now / 1000), thumbprint: key.thumbprint });
    expect(verified.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(Buffer.from(shr.token.split('.')[0], 'base64url').toString())).toEqual({ typ: 'pop', alg: 'RS256', kid: key.thumbprint });
    expect(signedRequest(key, { token: bound, expiresOn: now + 3_600_000 }, ARC, now).token).not.toBe(shr.token);
  });

  it('last SHR_LIFETIME_MS, or less when the access token ends sooner', () => {
    expect(shr.expiresOn).toBe(now + SHR_LIFETIME_MS);
    expect(signedRequest(key, { token: bound, expiresOn: now + 60_000 }, ARC, now).expiresOn).toBe(now + 60_000);
  });

  it('fail to verify when anything is changed, re-signed by another key, stale, or for another cluster', () => {
    const [h, p, s] = shr.token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const other = popKeyFrom(newPopKeyPem())!;
    const resign = (header: unknown, body: unknown, with_: PopKey) => {
      const input = `${b64(header)}.${b64(body)}`;
      return `${input}.${sign('sha256', Buffer.from(input), with_.privateKey).toString('base64url')}`;
    };
    const rejected: [string, string][] = [
      [`${h}.${b64({ ...payload, u: '/other' })}.${s}`, 'signature'],
      [`${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`, 'signature'],
      // a thief with the access token and a key of their own: the token is bound to ours
      [resign({ typ: 'pop', alg: 'RS256', kid: other.thumbprint }, { ...payload, cnf: { jwk: other.jwk } }, other), 'not bound'],
      [resign({ typ: 'pop', alg: 'RS256', kid: key.thumbprint }, { ...payload, at: accessToken({ oid: 'o' }) }, key), 'not bound'],
      [resign({ typ: 'JWT', alg: 'RS256', kid: key.thumbprint }, payload, key), 'typ'],
      [resign({ typ: 'pop', alg: 'RS256', kid: other.thumbprint }, payload, key), 'thumbprint'],
      [resign({ typ: 'pop', alg: 'RS256', kid: key.thumbprint }, { ...payload, ts: payload.ts - 3600 }, key), 'too old'],
    ];
    for (const [token, reason] of rejected) expect(() => verifyPopToken(token, { u: ARC, now }), reason).toThrow(PopRejected);
    for (const [token, reason] of rejected) expect(() => verifyPopToken(token, { u: ARC, now })).toThrow(new RegExp(reason));
    expect(() => verifyPopToken(shr.token, { u: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/other', now })).toThrow(/u is/);
  });
});
