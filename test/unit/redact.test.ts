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

  it('leaves ordinary text alone', () => {
    expect(redact('context aks-prod not found in kubeconfig')).toBe('context aks-prod not found in kubeconfig');
  });
});
