import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeJwtPayload, detectOverage, identityFromClaims, secondsUntilExpiry } from '../../../src/identity/claims.js';

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

describe('identityFromClaims', () => {
  const base = {
    aud: '6dae42f8-4368-4678-94ff-3960e28e3630',
    iss: 'https://sts.windows.net/tenant-1/',
    iat: 1_700_000_000,
    nbf: 1_700_000_000,
    exp: 1_700_003_600,
    oid: '11111111-1111-1111-1111-111111111111',
    tid: 'tenant-1',
    upn: 'alice@contoso.com',
    appid: '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
    scp: 'user.read user_impersonation',
    ver: '1.0',
  };

  it('maps Entra access token claims', () => {
    const id = identityFromClaims({ ...base, groups: ['g1', 'g2'] });
    expect(id).toEqual({
      displayUser: 'alice@contoso.com',
      upn: 'alice@contoso.com',
      oid: base.oid,
      tid: 'tenant-1',
      issuer: base.iss,
      audience: [base.aud],
      clientId: base.appid,
      issuedAt: '2023-11-14T22:13:20.000Z',
      notBefore: '2023-11-14T22:13:20.000Z',
      expiresAt: '2023-11-14T23:13:20.000Z',
      scopes: ['user.read', 'user_impersonation'],
      groups: ['g1', 'g2'],
      version: '1.0',
    });
  });

  it('falls back to preferred_username (v2 tokens, guests) and azp', () => {
    const id = identityFromClaims({ preferred_username: 'bob@fabrikam.com', azp: 'client', aud: ['a', 'b'] });
    expect(id.displayUser).toBe('bob@fabrikam.com');
    expect(id.clientId).toBe('client');
    expect(id.audience).toEqual(['a', 'b']);
  });

  it('detects overage from _claim_names/_claim_sources and keeps the endpoint', () => {
    const id = identityFromClaims({
      ...base,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.windows.net/tenant-1/users/o1/getMemberObjects' } },
    });
    expect(id.groups).toBeUndefined();
    expect(id.overage).toEqual({ kind: 'claim-sources', endpoint: 'https://graph.windows.net/tenant-1/users/o1/getMemberObjects' });
  });

  it('detects overage from hasgroups', () => {
    expect(detectOverage({ hasgroups: true })).toEqual({ kind: 'hasgroups' });
    expect(detectOverage({ hasgroups: false })).toBeUndefined();
    expect(detectOverage({ groups: ['g'] })).toBeUndefined();
  });

  it('ignores claims of the wrong type instead of failing', () => {
    const id = identityFromClaims({ upn: 42, exp: 'soon', groups: 'single-group', _claim_names: 'x' });
    expect(id).toEqual({ audience: [], groups: ['single-group'] });
  });

  it('says how long the token has left', () => {
    const id = identityFromClaims(base);
    expect(secondsUntilExpiry(id, new Date('2023-11-14T23:03:20Z'))).toBe(600);
    expect(secondsUntilExpiry(id, new Date('2023-11-14T23:23:20Z'))).toBe(-600);
    expect(secondsUntilExpiry(identityFromClaims({}))).toBeUndefined();
  });
});
