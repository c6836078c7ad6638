import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeJwtPayload } from '../../src/jwt.js';

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

