// The Entra emulator driven by the real msal-node: if msal accepts it, the credential helper's tests
// exercise the same protocol they will meet against Entra.
import { createPublicKey, verify, X509Certificate, type JsonWebKey } from 'node:crypto';
import { ConfidentialClientApplication, ManagedIdentityApplication, PublicClientApplication, type AuthenticationResult, type DeviceCodeRequest, type NodeAuthOptions } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { signInWithBrowser } from '../support/entra-emulator/browser.js';
import { testPki } from '../support/tls.js';
import { AKS_SERVER_ID, startEntraEmulator, trustCaInProcess, type EntraEmulator } from '../support/entra-emulator/index.js';

const CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';
const AKS_SCOPE = `${AKS_SERVER_ID}/.default`;
const manyGroups = Array.from({ length: 201 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

let emu: EntraEmulator;
/** no autoApprove: device codes wait for approval, the authorize endpoint shows its sign-in page */
let manual: EntraEmulator;

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

function pca(authority = emu.authority()): PublicClientApplication {
  return new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority, knownAuthorities: [emu.hostPort] } });
}

async function deviceCodeSignIn(app: PublicClientApplication, scopes = [AKS_SCOPE], extra: Partial<DeviceCodeRequest> = {}): Promise<AuthenticationResult> {
  const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: () => undefined, ...extra });
  if (!result) throw new Error('device code flow returned no result');
  return result;
}

beforeAll(async () => {
  emu = await startEntraEmulator({
    autoApprove: 'alice@contoso.example',
    users: [
      { username: 'alice@contoso.example', name: 'Alice Adams', groups: ['11111111-1111-4111-8111-111111111111'] },
      { username: 'bob@contoso.example' },
    ],
  });
  manual = await startEntraEmulator({ deviceCodeIntervalSeconds: 0.05, users: [{ username: 'bob@contoso.example', groups: ['22222222-2222-4222-8222-222222222222'] }] });
  await trustCaInProcess(emu.caPem);
});

afterAll(async () => {
  await Promise.all([emu?.close(), manual?.close()]);
});

describe('device code flow with msal-node', () => {
  it('signs in with autoApprove and returns an AKS access token with Entra claims', async () => {
    const result = await deviceCodeSignIn(pca());
    expect(result.account?.username).toBe('alice@contoso.example');
    expect(result.account?.tenantId).toBe(emu.tenantId);
    const at = claimsOf(result.accessToken);
    expect(at).toMatchObject({
      aud: AKS_SERVER_ID, iss: emu.issuer(), tid: emu.tenantId, upn: 'alice@contoso.example', preferred_username: 'alice@contoso.example',
      name: 'Alice Adams', ver: '2.0', appid: CLIENT_ID, azp: CLIENT_ID, groups: ['11111111-1111-4111-8111-111111111111'],
    });
    expect(at.oid).toBe(result.account?.localAccountId);
    expect(Number(at.exp) - Number(at.iat)).toBe(3600);
    expect(claimsOf(result.idToken)).toMatchObject({ aud: CLIENT_ID, iss: emu.issuer() });
    expect(emu.tokenRequests('device_code').at(-1)).toMatchObject({ status: 200, clientId: CLIENT_ID, tenant: emu.tenantId });
  });

  it('keeps polling while the code is pending, then completes when approved over HTTP', async () => {
    const app = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: manual.authority('organizations'), knownAuthorities: [manual.hostPort] } });
    const before = manual.tokenRequests('device_code').length;
    const pending = app.acquireTokenByDeviceCode({
      scopes: [AKS_SCOPE],
      deviceCodeCallback: (r) => {
        expect(r.message).toMatch(/^To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.$/);
        // approved once a poll has been answered "pending" (not after a fixed delay a loaded box can outlast)
        const approve = setInterval(() => {
          if (!manual.tokenRequests('device_code').slice(before).some((q) => q.status === 400)) return;
          clearInterval(approve);
          void fetch(`${manual.authorityHost}/emulator/approve`, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_code: r.userCode, username: 'carol@contoso.example' }),
          });
        }, 20);
      },
    });
    const result = await pending;
    expect(result?.account?.username).toBe('carol@contoso.example');
    const polls = manual.tokenRequests('device_code');
    expect(polls.length).toBeGreaterThan(1);
    expect(polls[0].status).toBe(400);
    expect(polls.at(-1)?.status).toBe(200);
    expect(polls[0].tenant).toBe('organizations');
  });

  it('the verification_uri page takes the code and a username, as a person would', async () => {
    const app = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: manual.authority(), knownAuthorities: [manual.hostPort] } });
    const result = await app.acquireTokenByDeviceCode({
      scopes: [AKS_SCOPE],
      deviceCodeCallback: (r) => void (async () => {
        const page = await (await fetch(r.verificationUri)).text();
        expect(page).toContain('id="user_code"');
        await fetch(r.verificationUri, { method: 'POST', body: new URLSearchParams({ user_code: r.userCode.toLowerCase(), username: 'bob@contoso.example', action: 'sign-in' }) });
      })(),
    });
    expect(result?.account?.username).toBe('bob@contoso.example');
  });

  it('ends with authorization_declined when the user declines', async () => {
    const app = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: manual.authority(), knownAuthorities: [manual.hostPort] } });
    await expect(app.acquireTokenByDeviceCode({
      scopes: [AKS_SCOPE],
      deviceCodeCallback: (r) => void fetch(`${manual.authorityHost}/emulator/decline`, { method: 'POST', body: new URLSearchParams({ user_code: r.userCode }) }),
    })).rejects.toThrow(/authorization_declined/);
  });
});

describe('device code errors as Entra sends them', () => {
  it('unknown device_code is bad_verification_code, an expired one expired_token', async () => {
    const short = await startEntraEmulator({ deviceCodeLifetimeSeconds: 0.05 });
    try {
      const token = (deviceCode: string): Promise<Response> => fetch(`${short.authority()}/oauth2/v2.0/token`, {
        method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT_ID, device_code: deviceCode }),
      });
      const unknown = await token('not-a-device-code');
      expect(await unknown.json()).toMatchObject({ error: 'bad_verification_code', error_codes: [70018] });
      const dc = await (await fetch(`${short.authority()}/oauth2/v2.0/devicecode`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID, scope: AKS_SCOPE }) })).json() as { device_code: string };
      await new Promise((r) => setTimeout(r, 80));
      const expired = await token(dc.device_code);
      expect(expired.status).toBe(400);
      expect(await expired.json()).toMatchObject({ error: 'expired_token' });
    } finally {
      await short.close();
    }
  });
});

describe('refresh tokens', () => {
  it('acquireTokenSilent with forceRefresh redeems the refresh token with the current lifetime', async () => {
    const app = pca();
    const first = await deviceCodeSignIn(app);
    emu.setAccessTokenLifetime(900);
    try {
      const before = emu.tokenRequests('refresh_token').length;
      const refreshed = await app.acquireTokenSilent({ account: first.account!, scopes: [AKS_SCOPE], forceRefresh: true });
      expect(emu.tokenRequests('refresh_token').length).toBe(before + 1);
      expect(refreshed.accessToken).not.toBe(first.accessToken);
      const at = claimsOf(refreshed.accessToken);
      expect(Number(at.exp) - Number(at.iat)).toBe(900);
      // without forceRefresh the cached token is served (msal renews only within 5 minutes of expiry): no request
      await app.acquireTokenSilent({ account: first.account!, scopes: [AKS_SCOPE] });
      expect(emu.tokenRequests('refresh_token').length).toBe(before + 1);
    } finally {
      emu.setAccessTokenLifetime(3600);
    }
  });

  it('a revoked refresh token fails with invalid_grant and the AADSTS code msal surfaces', async () => {
    const app = pca();
    const first = await deviceCodeSignIn(app);
    emu.revokeRefreshTokens('alice@contoso.example', 50173);
    const err = await app.acquireTokenSilent({ account: first.account!, scopes: [AKS_SCOPE], forceRefresh: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant' });
    expect((err as Error).message).toMatch(/AADSTS50173: The provided grant has expired due to it being revoked/);
    // a fresh sign-in issues refresh tokens that work again
    const second = await deviceCodeSignIn(app);
    await expect(app.acquireTokenSilent({ account: second.account!, scopes: [AKS_SCOPE], forceRefresh: true })).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('a claims challenge (MFA, AADSTS50076) reaches msal as InteractionRequiredAuthError with claims', async () => {
    const app = pca();
    const first = await deviceCodeSignIn(app);
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', aadsts: 50076 });
    const err = await app.acquireTokenSilent({ account: first.account!, scopes: [AKS_SCOPE], forceRefresh: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant', subError: 'basic_action' });
    expect(JSON.parse((err as { claims: string }).claims)).toHaveProperty('access_token.capolids');
  });
});

describe('faults', () => {
  it('429 with Retry-After reaches the client with the header and an Entra error body', async () => {
    emu.failNext({ endpoint: 'devicecode', status: 429, retryAfterSeconds: 7 });
    const res = await fetch(`${emu.authority()}/oauth2/v2.0/devicecode`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID, scope: AKS_SCOPE }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    const body = await res.json() as { error_codes: number[]; error_description: string };
    expect(body.error_codes).toEqual([90055]);
    expect(body.error_description).toMatch(/^AADSTS90055: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s);
    // the fault was used up: the next request succeeds
    const ok = await fetch(`${emu.authority()}/oauth2/v2.0/devicecode`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID, scope: AKS_SCOPE }) });
    expect(ok.status).toBe(200);
  });

  it('msal honours a 429 Retry-After on the token endpoint: the same request is refused locally until it passes', async () => {
    const app = pca();
    const first = await deviceCodeSignIn(app);
    // the second call must come while msal still throttles: seconds, so a loaded box cannot let it through
    emu.failNext({ endpoint: 'token', grantType: 'refresh_token', status: 429, retryAfterSeconds: 5 });
    const before = emu.tokenRequests('refresh_token').length;
    const refresh = (): Promise<AuthenticationResult> => app.acquireTokenSilent({ account: first.account!, scopes: [AKS_SCOPE], forceRefresh: true });
    await expect(refresh()).rejects.toThrow(/AADSTS90055/);
    await expect(refresh()).rejects.toThrow(/throttl/i);
    expect(emu.tokenRequests('refresh_token').length).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 5100));
    await expect(refresh()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('a malformed body makes msal fail with a parsing error, not a hang', async () => {
    emu.failNext({ endpoint: 'token', grantType: 'device_code', malformed: true });
    await expect(deviceCodeSignIn(pca())).rejects.toThrow(/parse|JSON/i);
  });

  it('latency alone delays the answer and then succeeds', async () => {
    emu.failNext({ endpoint: 'devicecode', latencyMs: 300 });
    const started = Date.now();
    await deviceCodeSignIn(pca());
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe('tokens', () => {
  it('verify against the tenant JWKS named by kid', async () => {
    const result = await deviceCodeSignIn(pca());
    const jwks = await (await fetch(emu.jwksUri())).json() as { keys: (JsonWebKey & { kid: string })[] };
    const [h, p, s] = result.accessToken.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string };
    expect(header.alg).toBe('RS256');
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    expect(jwk).toBeDefined();
    const key = createPublicKey({ key: jwk!, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    const discovery = await (await fetch(`${emu.authority()}/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(discovery.issuer).toBe(emu.issuer());
    expect(discovery.jwks_uri).toBe(emu.jwksUri());
  });

  it('keep tenants apart: another tenant has its own issuer and keys', async () => {
    const other = 'f0000000-0000-4000-8000-00000000000f';
    const result = await deviceCodeSignIn(pca(emu.authority(other)));
    const at = claimsOf(result.accessToken);
    expect(at).toMatchObject({ tid: other, iss: emu.issuer(other) });
    const { kid } = JSON.parse(Buffer.from(result.accessToken.split('.')[0], 'base64url').toString()) as { kid: string };
    const kidsOf = async (tenant: string): Promise<string[]> => ((await (await fetch(emu.jwksUri(tenant))).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await kidsOf(other)).toContain(kid);
    expect(await kidsOf(emu.tenantId)).not.toContain(kid);
  });

  it('mintToken signs arbitrary claims with the tenant key (for expired or odd tokens)', async () => {
    const token = emu.mintToken({ iss: emu.issuer(), aud: AKS_SERVER_ID, exp: 1 });
    const jwks = await (await fetch(emu.jwksUri())).json() as { keys: (JsonWebKey & { kid: string })[] };
    const [h, p, s] = token.split('.');
    const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
    const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid)!, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    expect(claimsOf(token).exp).toBe(1);
  });
});

describe('authorization code flow with PKCE', () => {
  const app = (): PublicClientApplication =>
    new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: manual.authority(), knownAuthorities: [manual.hostPort] } });

  it('msal acquireTokenInteractive signs in through the page, with login_hint prefilled and the claims challenge carried', async () => {
    const claims = JSON.stringify({ access_token: { capolids: { essential: true, values: ['c1e0a5d2-7b5f-4b1e-9a43-5c0a1f0e6d11'] } } });
    let landed: { url: string; body: string } | undefined;
    const result = await app().acquireTokenInteractive({
      scopes: [AKS_SCOPE],
      loginHint: 'bob@contoso.example',
      claims,
      openBrowser: async (url) => {
        landed = await signInWithBrowser(url); // no username typed: the prefilled login_hint is submitted
      },
    });
    expect(landed?.url).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(result.account?.username).toBe('bob@contoso.example');
    const at = claimsOf(result.accessToken);
    expect(at).toMatchObject({ aud: AKS_SERVER_ID, groups: ['22222222-2222-4222-8222-222222222222'], amr: ['pwd', 'mfa'] });
    const authorize = manual.requests.filter((r) => r.endpoint === 'authorize');
    expect(authorize[0]).toMatchObject({ method: 'GET', loginHint: 'bob@contoso.example', responseMode: 'form_post', status: 200 });
    // msal merges its own id_token claims requests into the parameter; the challenge travels intact
    expect(JSON.parse(authorize[0].claims ?? '{}')).toMatchObject(JSON.parse(claims) as object);
    expect(manual.tokenRequests('authorization_code').at(-1)?.status).toBe(200);
  });

  it('Cancel on the sign-in page comes back to msal as access_denied', async () => {
    await expect(app().acquireTokenInteractive({ scopes: [AKS_SCOPE], openBrowser: async (url) => void (await signInWithBrowser(url, { cancel: true })) }))
      .rejects.toThrow(/access_denied.*AADSTS65004/s);
  });

  it('rejects a code_verifier that does not match the S256 code_challenge', async () => {
    const pkceApp = app();
    const redirectUri = 'http://localhost:8400/';
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('the-right-verifier-the-right-verifier-1234'))).toString('base64url');
    const authUrl = await pkceApp.getAuthCodeUrl({
      scopes: [AKS_SCOPE], redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', responseMode: 'query' as never, state: 's1', loginHint: 'bob@contoso.example',
    });
    const page = await (await fetch(authUrl)).text();
    const ctx = /name="ctx" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const redirect = await fetch(`${manual.authority()}/login`, { method: 'POST', body: new URLSearchParams({ ctx, username: 'bob@contoso.example' }), redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('s1');
    const code = location.searchParams.get('code') ?? '';
    const err = await pkceApp.acquireTokenByCode({ code, redirectUri, scopes: [AKS_SCOPE], codeVerifier: 'a-wrong-verifier-a-wrong-verifier-a-wrong-1234' }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/invalid_grant.*AADSTS501481/s);
    expect(manual.tokenRequests('authorization_code').at(-1)?.status).toBe(400);
    // the right verifier is accepted (the failed attempt did not burn the code)
    const ok = await pkceApp.acquireTokenByCode({ code, redirectUri, scopes: [AKS_SCOPE], codeVerifier: 'the-right-verifier-the-right-verifier-1234' });
    expect(ok.account?.username).toBe('bob@contoso.example');
  });

  it('autoApprove redirects straight back, and prompt=none without it is login_required', async () => {
    const query = new URLSearchParams({ client_id: CLIENT_ID, response_type: 'code', redirect_uri: 'http://127.0.0.1:9/cb', scope: 'openid', state: 'x', prompt: 'none' });
    const silent = await fetch(`${manual.authority()}/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
    expect(new URL(silent.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required');
    const auto = await fetch(`${emu.authority()}/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
    const back = new URL(auto.headers.get('location') ?? '');
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('x');
  });
});

describe('Microsoft Graph', () => {
  it('past 200 groups a token carries the overage claims; the _claim_sources endpoint lists all groups for a Graph token, and getByIds names them', async () => {
    const many = await startEntraEmulator({ autoApprove: 'many@contoso.example', users: [{ username: 'many@contoso.example', groups: manyGroups }] });
    try {
      many.addGroup({ id: manyGroups[0], displayName: 'aks-admins' });
      const app = new PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: many.authority(), knownAuthorities: [many.hostPort] } });
      const aks = (await app.acquireTokenByDeviceCode({ scopes: [AKS_SCOPE], deviceCodeCallback: () => undefined }))!;
      const overage = claimsOf(aks.accessToken);
      expect(overage.groups).toBeUndefined();
      expect(overage._claim_names).toEqual({ groups: 'src1' });
      const endpoint = (overage._claim_sources as { src1: { endpoint: string } }).src1.endpoint;
      expect(endpoint).toBe(`${many.graphUrl}/v1.0/users/${String(overage.oid)}/getMemberObjects`);
      const post = (url: string, token: string, body: unknown): Promise<Response> =>
        fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

      // the AKS token is not a Graph token
      const wrongAudience = await post(endpoint, aks.accessToken, { securityEnabledOnly: false });
      expect(wrongAudience.status).toBe(401);
      expect(await wrongAudience.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });

      const graph = await app.acquireTokenSilent({ account: aks.account!, scopes: ['https://graph.microsoft.com/.default'] });
      expect(claimsOf(graph.accessToken).aud).toBe('https://graph.microsoft.com');
      const members = await post(endpoint, graph.accessToken, { securityEnabledOnly: false });
      expect(members.status).toBe(200);
      expect(((await members.json()) as { value: string[] }).value).toEqual(manyGroups);
      const me = await post(`${many.graphUrl}/v1.0/me/getMemberObjects`, graph.accessToken, { securityEnabledOnly: true });
      expect(((await me.json()) as { value: string[] }).value).toHaveLength(201);

      const names = await post(`${many.graphUrl}/v1.0/directoryObjects/getByIds`, graph.accessToken, { ids: manyGroups.slice(0, 2), types: ['group'] });
      expect(((await names.json()) as { value: unknown[] }).value).toEqual([
        expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id: manyGroups[0], displayName: 'aks-admins' }),
        expect.objectContaining({ id: manyGroups[1], displayName: `group-${manyGroups[1].slice(0, 8)}` }),
      ]);

      // memberOf pages like Graph: follow @odata.nextLink
      let next: string | undefined = `${many.graphUrl}/v1.0/me/memberOf`;
      const seen: string[] = [];
      while (next) {
        const page = await (await fetch(next, { headers: { authorization: `Bearer ${graph.accessToken}` } })).json() as { value: { id: string }[]; '@odata.nextLink'?: string };
        seen.push(...page.value.map((g) => g.id));
        next = page['@odata.nextLink'];
      }
      expect(seen).toEqual(manyGroups);

      // an expired Graph token is refused
      const expired = many.mintToken({ ...claimsOf(graph.accessToken), exp: Math.floor(Date.now() / 1000) - 10 });
      expect((await post(endpoint, expired, {})).status).toBe(401);
      // and Graph throttling is injectable
      many.failNext({ endpoint: 'graph', status: 429, retryAfterSeconds: 2 });
      const throttled = await post(endpoint, graph.accessToken, {});
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(await throttled.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    } finally {
      await many.close();
    }
  });
});

describe('service principals (client credentials)', () => {
  const cca = (clientId: string, credentials: Omit<NodeAuthOptions, 'clientId'>): ConfidentialClientApplication =>
    new ConfidentialClientApplication({ auth: { ...credentials, clientId, authority: emu.authority(), knownAuthorities: [emu.hostPort] } });

  it('client secret: an app token with oid/appid/idtyp=app and no upn; a wrong secret is AADSTS7000215', async () => {
    emu.addServicePrincipal({ clientId: 'a0000000-0000-4000-8000-000000000001', secret: 's3cret-value', groups: ['33333333-3333-4333-8333-333333333333'] });
    const result = await cca('a0000000-0000-4000-8000-000000000001', { clientSecret: 's3cret-value' }).acquireTokenByClientCredential({ scopes: [AKS_SCOPE] });
    const at = claimsOf(result!.accessToken);
    expect(at).toMatchObject({ aud: AKS_SERVER_ID, iss: emu.issuer(), appid: 'a0000000-0000-4000-8000-000000000001', idtyp: 'app', appidacr: '1', groups: ['33333333-3333-4333-8333-333333333333'] });
    expect(at.sub).toBe(at.oid);
    expect(at.upn).toBeUndefined();
    await expect(cca('a0000000-0000-4000-8000-000000000001', { clientSecret: 'wrong' }).acquireTokenByClientCredential({ scopes: [AKS_SCOPE] }))
      .rejects.toThrow(/invalid_client.*AADSTS7000215/s);
  });

  it('certificate: msal signs a client assertion (PS256, x5t#S256) that the emulator verifies against the registered certificate', async () => {
    const { cert, key } = testPki().issue(['kubectl-np-sp']);
    emu.addServicePrincipal({ clientId: 'a0000000-0000-4000-8000-000000000002', certificatePem: cert });
    const thumbprintSha256 = new X509Certificate(cert).fingerprint256.replace(/:/g, '');
    const result = await cca('a0000000-0000-4000-8000-000000000002', { clientCertificate: { thumbprintSha256, privateKey: key } }).acquireTokenByClientCredential({ scopes: [AKS_SCOPE] });
    expect(claimsOf(result!.accessToken)).toMatchObject({ appid: 'a0000000-0000-4000-8000-000000000002', appidacr: '2', idtyp: 'app' });
    // a different key with the same thumbprint claim does not pass
    const other = testPki().issue(['someone-else']);
    await expect(cca('a0000000-0000-4000-8000-000000000002', { clientCertificate: { thumbprintSha256, privateKey: other.key } }).acquireTokenByClientCredential({ scopes: [AKS_SCOPE] }))
      .rejects.toThrow(/AADSTS700027/);
  });

  it('workload identity federation: an assertion from a trusted issuer and subject is exchanged; another subject is AADSTS70021', async () => {
    emu.addServicePrincipal({ clientId: 'a0000000-0000-4000-8000-000000000003', federated: { subject: 'system:serviceaccount:tools:kubectl-np' } });
    const app = (subject: string): ConfidentialClientApplication =>
      cca('a0000000-0000-4000-8000-000000000003', { clientAssertion: async () => emu.mintFederatedToken({ subject }) });
    const result = await app('system:serviceaccount:tools:kubectl-np').acquireTokenByClientCredential({ scopes: [AKS_SCOPE] });
    expect(claimsOf(result!.accessToken)).toMatchObject({ appid: 'a0000000-0000-4000-8000-000000000003', idtyp: 'app' });
    await expect(app('system:serviceaccount:tools:intruder').acquireTokenByClientCredential({ scopes: [AKS_SCOPE] })).rejects.toThrow(/AADSTS70021/);
    const issuerDoc = await (await fetch(`${emu.federationIssuer}/.well-known/openid-configuration`)).json() as { issuer: string; jwks_uri: string };
    expect(issuerDoc.issuer).toBe(emu.federationIssuer);
  });
});

describe('managed identity (IMDS on plain HTTP loopback)', () => {
  it('msal ManagedIdentityApplication gets tokens for system- and user-assigned identities via AZURE_POD_IDENTITY_AUTHORITY_HOST', async () => {
    emu.addManagedIdentity({ principalId: 'b0000000-0000-4000-8000-000000000001', systemAssigned: true });
    emu.addManagedIdentity({ principalId: 'b0000000-0000-4000-8000-000000000002', clientId: 'c0000000-0000-4000-8000-000000000002', resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci' });
    // msal chooses its managed identity source once per process: set the env before the first request
    Object.assign(process.env, emu.managedIdentityEnv('imds'));
    onTestFinished(() => {
      delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    });
    const system = await new ManagedIdentityApplication({ system: { disableInternalRetries: true } }).acquireToken({ resource: AKS_SERVER_ID });
    expect(claimsOf(system.accessToken)).toMatchObject({ aud: AKS_SERVER_ID, oid: 'b0000000-0000-4000-8000-000000000001', idtyp: 'app', iss: emu.issuer() });
    const user = await new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: 'c0000000-0000-4000-8000-000000000002' }, system: { disableInternalRetries: true } })
      .acquireToken({ resource: 'https://graph.microsoft.com' });
    expect(claimsOf(user.accessToken)).toMatchObject({ aud: 'https://graph.microsoft.com', oid: 'b0000000-0000-4000-8000-000000000002', appid: 'c0000000-0000-4000-8000-000000000002' });
    expect(emu.requests.filter((r) => r.endpoint === 'imds').map((r) => r.status)).toEqual([200, 200]);
    // IMDS insists on the Metadata header, like the real one
    const noHeader = await fetch(`${emu.imdsUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${AKS_SERVER_ID}`);
    expect(noHeader.status).toBe(400);
    const appService = await fetch(`${emu.imdsUrl}/msi/token?api-version=2019-08-01&resource=${AKS_SERVER_ID}&client_id=c0000000-0000-4000-8000-000000000002`, { headers: { 'X-IDENTITY-HEADER': emu.imdsIdentityHeader } });
    expect(await appService.json()).toMatchObject({ token_type: 'Bearer', client_id: 'c0000000-0000-4000-8000-000000000002', resource: AKS_SERVER_ID });
  });
});

describe('proof-of-possession tokens (token_type=pop, req_cnf)', () => {
  it('binds the access token to the key named in req_cnf, answers token_type pop, and refuses a PoP request without a usable req_cnf', async () => {
    emu.addServicePrincipal({ clientId: 'a0000000-0000-4000-8000-0000000000f1', secret: 'pop-s3cret-value' });
    const kid = 'x'.repeat(43);
    const token = (extra: Record<string, string>) =>
      fetch(`${emu.authority()}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'a0000000-0000-4000-8000-0000000000f1', client_secret: 'pop-s3cret-value', scope: AKS_SCOPE, ...extra }),
      });
    const bound = await token({ token_type: 'pop', req_cnf: Buffer.from(JSON.stringify({ kid, xms_ksl: 'sw' })).toString('base64url') });
    const body = (await bound.json()) as { token_type: string; access_token: string };
    expect(body.token_type).toBe('pop');
    expect(claimsOf(body.access_token).cnf).toEqual({ kid, xms_ksl: 'sw' });
    expect(emu.tokenRequests('client_credentials').at(-1)).toMatchObject({ status: 200, popKid: kid });
    const bearer = (await (await token({})).json()) as { token_type: string; access_token: string };
    expect(bearer.token_type).toBe('Bearer');
    expect(claimsOf(bearer.access_token).cnf).toBeUndefined();
    const missing = await token({ token_type: 'pop' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error_description: string }).error_description).toMatch(/^AADSTS900144: .*'req_cnf'/);
    const malformed = await token({ token_type: 'pop', req_cnf: 'not-json' });
    expect(malformed.status).toBe(400);
  });
});
