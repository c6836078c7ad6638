import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { claimNumber, claimString, claimStrings, decodeJwtPayload, isObject, jwtExpiryMs } from '../../src/jwt.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }) => `${b64(header)}.${b64(payload)}.c2lnbmF0dXJl`;

describe('decodeJwtPayload', () => {
  it('reads the payload of a JWT without verifying it', () => {
    expect(decodeJwtPayload(jwt({ upn: 'alice@contoso.com', oid: 'o1' }))).toEqual({ upn: 'alice@contoso.com', oid: 'o1' });
  });

  it.each([
    ['an opaque token', 'abcdef0123456789'],
    ['two segments', `${b64({ alg: 'none' })}.${b64({ a: 1 })}`],
    ['a header without alg', jwt({ a: 1 }, { typ: 'JWT' })],
    ['a payload that is not an object', `${b64({ alg: 'RS256' })}.${b64([1, 2])}.x`],
    ['garbage base64', 'eyJhbGciOi.@@@.x'],
  ])('returns undefined for %s', (_name, token) => expect(decodeJwtPayload(token)).toBeUndefined());

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => { decodeJwtPayload(s); return true; }));
  });
});


describe('claim readers: a claim of the wrong type, or empty, counts as absent', () => {
  it('reads strings, numbers, lists and objects', () => {
    expect([claimString('alice'), claimString(''), claimString(5)]).toEqual(['alice', undefined, undefined]);
    expect([claimNumber(1765108800), claimNumber(Number.NaN), claimNumber(Infinity), claimNumber('1765108800')]).toEqual([1765108800, undefined, undefined, undefined]);
    // aud is one string or a list of them
    expect([claimStrings('api://x'), claimStrings(['a', '', 7, 'b']), claimStrings(''), claimStrings(undefined)]).toEqual([['api://x'], ['a', 'b'], undefined, undefined]);
    expect([isObject({ name: 'x' }), isObject([]), isObject(null), isObject('x')]).toEqual([true, false, false, false]);
  });

  it('an exp that is not a number is no expiry', () => {
    expect(jwtExpiryMs(jwt({ exp: 1765108800 }))).toBe(1765108800_000);
    expect(jwtExpiryMs(jwt({ exp: '1765108800' }))).toBeUndefined();
  });
});
