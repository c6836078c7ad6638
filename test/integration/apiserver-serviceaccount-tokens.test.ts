// The test double's service-account tokens beyond what test/support/fidelity-cases.ts checks on both
// servers: who may ask for one, that the token is never recorded, and that a token stops working when
// the ServiceAccount it names is gone or was recreated (another uid), or when another server signed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, startTestApiServer, TokenRequestError, type TestApiServer } from '../support/apiserver/index.js';
import { ServiceAccountTokenRejected, ServiceAccountTokens } from '../support/apiserver/serviceaccounts.js';
import { ObjectStore } from '../support/apiserver/store.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'robots' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'robots' } },
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'token-minter', namespace: 'robots' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['builder'] }] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'minter', namespace: 'robots' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'token-minter' }, subjects: [{ kind: 'User', name: 'minter' }] },
];
const TOKENS = { 'minter-token-0123456789': { username: 'minter' }, 'nobody-token-0123456789': { username: 'nobody' } };

const whoami = (server: TestApiServer, token: string) =>
  apiRequest(server, '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
const tokenRequest = (server: TestApiServer, token: string, name: string, spec: Record<string, unknown> = {}) =>
  apiRequest(server, `/api/v1/namespaces/robots/serviceaccounts/${name}/token`, { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } });

let server: TestApiServer;
beforeAll(async () => {
  server = await startTestApiServer({ staticTokens: TOKENS, objects });
});
afterAll(async () => server?.close());

describe('service-account tokens of the test API server', () => {
  it('issues them to whoever may create serviceaccounts/token, and to nobody else (403 with kube\'s wording)', async () => {
    const minted = await tokenRequest(server, 'minter-token-0123456789', 'builder');
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ kind: 'TokenRequest', metadata: { name: 'builder', namespace: 'robots' }, spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600, boundObjectRef: null } });
    const refused = await tokenRequest(server, 'nobody-token-0123456789', 'builder');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('serviceaccounts "builder" is forbidden: User "nobody" cannot create resource "serviceaccounts/token" in API group "" in the namespace "robots"');
    const zero = await tokenRequest(server, 'minter-token-0123456789', 'builder', { expirationSeconds: 0 });
    expect(zero.status).toBe(422);
    expect(zero.body.reason).toBe('Invalid');
  });

  it('authenticates them without ever recording the token', async () => {
    const token = server.serviceAccountToken('robots', 'builder');
    const review = await whoami(server, token);
    expect(review.status).toBe(201);
    expect(review.body.status.userInfo.username).toBe('system:serviceaccount:robots:builder');
    expect(JSON.stringify(server.requests)).not.toContain(token.split('.')[2]);
  });

  it('refuses a token once its ServiceAccount is gone or recreated with another uid, and one another server signed', async () => {
    const token = server.serviceAccountToken('robots', 'builder');
    const other = await startTestApiServer({ objects });
    try {
      const foreign = other.serviceAccountToken('robots', 'builder');
      expect((await whoami(server, foreign)).status).toBe(401);
      expect(server.requests.at(-1)?.authError).toMatch(/could not be verified/);
    } finally {
      await other.close();
    }
    // setObjects gives every object a new uid, as deleting and recreating it does
    server.setObjects(objects);
    expect((await whoami(server, token)).status).toBe(401);
    expect(server.requests.at(-1)?.authError).toMatch(/ServiceAccount UID \(.+\) does not match claim/);
    server.setObjects(objects.filter((o) => o.kind !== 'ServiceAccount'));
    expect((await whoami(server, token)).status).toBe(401);
    expect(() => server.serviceAccountToken('robots', 'builder')).toThrow(TokenRequestError);
    server.setObjects(objects);
  });
});

describe('service-account token lifetimes (the double\'s clock passed in, never waited for)', () => {
  const issuer = 'https://kubernetes.default.svc';
  const tokens = new ServiceAccountTokens(new ObjectStore(objects), issuer, [issuer]);
  const minted = (issuedAtMs: number, expirationSeconds = 600) => (tokens.issue('robots', 'builder', { spec: { expirationSeconds } }, issuedAtMs) as { status: { token: string } }).status.token;
  const now = Date.parse('2026-12-07T12:00:00Z');

  it('accepts a token up to 60 s past its exp (go-jose\'s leeway) and refuses it after', () => {
    const token = minted(now - 600_000 - 30_000);
    expect(tokens.authenticate(token, now)?.username).toBe('system:serviceaccount:robots:builder');
    expect(() => tokens.authenticate(minted(now - 600_000 - 90_000), now)).toThrow(new ServiceAccountTokenRejected('service account token has expired'));
  });

  it('refuses a token issued more than 60 s in the future by its clock', () => {
    expect(() => tokens.authenticate(minted(now + 120_000), now)).toThrow(ServiceAccountTokenRejected);
    expect(tokens.authenticate(minted(now + 30_000), now)).toBeDefined();
  });
});
