import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { looksLikeOpaqueCredential, redact } from '../../src/redact.js';

describe('redact', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';

  it('masks JWTs wherever they appear in a message', () => {
    const out = redact(`request failed for token ${jwt} at step 2`);
    expect(out).not.toContain(jwt);
    expect(out).toContain('[redacted-jwt]');
    expect(out).toContain('at step 2');
  });

  it('masks bearer headers and secret-named fields in JSON and form bodies', () => {
    const out = redact('Authorization: Bearer abc.def-ghi {"refresh_token":"0.AAAA-secret-value","client_secret":"s3cr3t-value"} code=xyz123456');
    expect(out).not.toMatch(/abc\.def-ghi|0\.AAAA-secret-value|s3cr3t-value|xyz123456/);
  });

  it('masks secrets in YAML-like lines and query strings', () => {
    const out = redact('refresh_token: 0.AAAA-secret-value\nclient_secret:s3cr3t-value https://x/cb?code=authcode-12345&state=abc');
    expect(out).not.toMatch(/0\.AAAA-secret-value|s3cr3t-value|authcode-12345/);
    expect(out).toContain('state=abc');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('context aks-prod not found in kubeconfig')).toBe('context aks-prod not found in kubeconfig');
  });

  it('keeps Entra error names and codes readable', () => {
    for (const message of [
      'cannot refresh the token: invalid_client AADSTS7000222: The provided client secret keys are expired.',
      'error code: AADSTS50173 expired',
      'cannot refresh the token: server_error A transient error has occurred. Please try again.',
    ]) expect(redact(message)).toBe(message);
  });
});

// Shapes the credential helper's review found unmasked, then fuzzed: whatever surrounds a secret, the
// secret does not come out, and the messages people need (Entra codes, GUIDs, paths) come out unchanged.
describe('redact: opaque credentials and secret names in any spelling', () => {
  const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  /** what Entra hands out that is not a JWT (refresh tokens, authorization codes, device codes) and PKCE verifiers */
  const opaqueSecret = fc
    .tuple(fc.constantFrom('0.A', '1.AQ', 'DAQABAAEAAAD', ''), fc.uint8Array({ minLength: 32, maxLength: 300 }))
    .map(([prefix, bytes]) => `${prefix}${base64url(bytes)}`)
    // the contract: what looks random is masked (fast-check also tries runs like AAAA…, which are no credential)
    .filter(looksLikeOpaqueCredential);
  const prose = fc.array(fc.constantFrom('the', 'request', 'failed', 'for', 'tenant', 'contoso', 'AADSTS70043:', 'with', '(HTTP 400)', 'refresh', 'token', 'expired', '—', 'at', 'step', '2', 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token'), { maxLength: 8 }).map((w) => w.join(' '));
  const names = ['refresh_token', 'refreshToken', 'client_secret', 'clientSecret', 'ClientSecret', 'code_verifier', 'codeVerifier', 'device_code', 'deviceCode', 'access_token', 'client_assertion', 'password'];
  const secretValue = fc.stringMatching(/^[A-Za-z0-9~._-]{6,60}$/);

  it('a bare refresh token, code or verifier in prose is masked, wherever it sits', () => {
    fc.assert(
      fc.property(prose, opaqueSecret, prose, fc.constantFrom(' ', ': ', ' "', " '", '\n', '(', '[', ' <'), (before, secret, after, sep) => {
        const out = redact(`${before}${sep}${secret}${sep.trim() ? sep.trim().replace('(', ')').replace('[', ']').replace('<', '>') : ' '}${after}`);
        expect(out).not.toContain(secret);
        expect(out).not.toContain(secret.slice(-32));
      }),
      { numRuns: 300 },
    );
  });

  it("real random credentials of Entra's lengths are always masked in prose", () => {
    for (let i = 0; i < 300; i++) {
      for (const secret of [`1.AQ${randomBytes(540).toString('base64url')}`, `DAQABAAEAAAD${randomBytes(96).toString('base64url')}`, `0.AXEA${randomBytes(90).toString('base64url')}`]) {
        expect(redact(`refresh failed for ${secret} (HTTP 400)`)).toBe('refresh failed for [redacted] (HTTP 400)');
      }
    }
  });

  it('a secret-named field is masked in JSON, form bodies, labelled lines and inspected objects, in snake_case and camelCase', () => {
    fc.assert(
      fc.property(prose, fc.constantFrom(...names), secretValue, fc.constantFrom('json', 'form', 'label', 'inspect'), (context, name, secret, shape) => {
        const text = {
          json: `${context} {"${name}":"${secret}","state":"abc"}`,
          form: `${context} grant_type=x&${name}=${secret}&scope=openid`,
          label: `${context}\n${name}: ${secret}\n`,
          inspect: `${context} { ${name}: '${secret}', scopes: [ 'openid' ] }`,
        }[shape];
        expect(redact(text)).not.toContain(secret);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves what people need to read unchanged: GUIDs, digests, cache keys, paths, host names and Entra messages', () => {
    const benign = fc.oneof(
      fc.uuid(),
      fc.stringMatching(/^[0-9a-f]{32,64}$/),
      fc.stringMatching(/^[0-9A-F]{40}$/),
      fc.constantFrom(
        '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-1',
        'aks-prod-dns-4f8a2c1e.hcp.westeurope.azmk8s.io:443',
        '/home/alice/.kube/cache/kubectl-np/0123456789abcdef0123456789abcdef.json',
        'AADSTS7000222: The provided client secret keys for app 80faf920-1908-4b52-b5ef-a8e7bedfc67a are expired.',
        'Trace ID: 0b1f6471-1bf0-4dda-aec3-cb9272f09590 Correlation ID: 8e3b2c1a-0000-4000-8000-000000000001 Timestamp: 2026-12-07 01:26:43Z',
        'kubectl np login --context aks-prod --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47',
        'context aks-Prod-Cluster-2024-westeurope-01 not found',
        'MyCompany-Production-AKS-Cluster-01',
        'clusterUser_rg-Prod-2024_aks-Prod-EastUS2-cluster01',
        'ManagedIdentityCredentialAuthenticationError2',
        'AKS-PROD-dns-12345678.hcp.eastus.azmk8s.io',
        '/kubectl-np-start/0123456789abcdef0123456789abcdef',
      ),
    );
    fc.assert(fc.property(prose, benign, (context, text) => {
      expect(redact(`${context} ${text}`)).toBe(`${context} ${text}`);
    }), { numRuns: 300 });
  });
});
