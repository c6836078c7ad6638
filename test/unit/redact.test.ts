import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redact.js';

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
