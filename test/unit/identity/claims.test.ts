import { describe, expect, it } from 'vitest';
import { detectOverage, identityFromClaims, secondsUntilExpiry } from '../../../src/identity/claims.js';

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

describe('service-account tokens', () => {
  it('reads a bound token\'s kubernetes.io claims: namespace, name, uid and what it is bound to', () => {
    const id = identityFromClaims({
      iss: 'https://kubernetes.default.svc',
      aud: ['https://kubernetes.default.svc'],
      sub: 'system:serviceaccount:robots:deployer',
      exp: 1_700_003_600,
      'kubernetes.io': { namespace: 'robots', serviceaccount: { name: 'deployer', uid: 'u-1' }, pod: { name: 'runner', uid: 'p-1' }, node: { name: 'node-1' } },
    });
    expect(id.serviceAccount).toEqual({ namespace: 'robots', name: 'deployer', uid: 'u-1', pod: 'runner', node: 'node-1' });
    expect(id.displayUser).toBeUndefined();
  });

  it('reads a legacy Secret-based token, which has no kubernetes.io object and no expiry', () => {
    const id = identityFromClaims({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:robots:deployer',
      'kubernetes.io/serviceaccount/namespace': 'robots',
      'kubernetes.io/serviceaccount/service-account.name': 'deployer',
      'kubernetes.io/serviceaccount/service-account.uid': 'u-1',
      'kubernetes.io/serviceaccount/secret.name': 'deployer-token-x',
    });
    expect(id.serviceAccount).toEqual({ namespace: 'robots', name: 'deployer', uid: 'u-1', secret: 'deployer-token-x', legacy: true });
  });

  it('says nothing about service accounts for an Entra token', () => {
    expect(identityFromClaims({ iss: 'https://sts.windows.net/t/', upn: 'alice@contoso.com' }).serviceAccount).toBeUndefined();
  });
});
