import { describe, it, expect } from 'vitest';
import { EXEC_V1, EXEC_V1BETA1, execCredentialJson, parseExecInfo, rfc3339 } from '../../../src/auth/exec-credential.js';

describe('KUBERNETES_EXEC_INFO', () => {
  it('reads the apiVersion and interactive flag kubectl sends', () => {
    const info = parseExecInfo(JSON.stringify({ kind: 'ExecCredential', apiVersion: EXEC_V1, spec: { interactive: false } }));
    expect(info).toEqual({ apiVersion: EXEC_V1, interactive: false });
  });

  it('answers v1beta1 when kubectl sent nothing (as Azure/kubelogin does), interactivity unknown', () => {
    expect(parseExecInfo(undefined)).toEqual({ apiVersion: EXEC_V1BETA1, interactive: undefined });
    expect(parseExecInfo('')).toEqual({ apiVersion: EXEC_V1BETA1, interactive: undefined });
    expect(parseExecInfo('{"kind":"ExecCredential","spec":{}}').apiVersion).toBe(EXEC_V1BETA1);
  });

  it('rejects an apiVersion it cannot answer with a one-line usage error (exit 2)', () => {
    let error: (Error & { exitCode?: number }) | undefined;
    try {
      parseExecInfo(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1alpha1', spec: {} }));
    } catch (e) {
      error = e as Error & { exitCode?: number };
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/unsupported ExecCredential apiVersion "client.authentication.k8s.io\/v1alpha1"/);
    expect(error?.message).not.toContain('\n');
  });

  it('rejects malformed JSON as bad input', () => {
    expect(() => parseExecInfo('{nope')).toThrow(/not valid JSON/);
  });
});

describe('ExecCredential output', () => {
  it('is a single JSON line in the requested apiVersion, expiring a minute early', () => {
    const expiresOn = Date.parse('2030-01-02T03:04:05.678Z');
    const text = execCredentialJson({ apiVersion: EXEC_V1, interactive: true }, 'tok', expiresOn);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim()).not.toContain('\n');
    expect(JSON.parse(text)).toEqual({
      kind: 'ExecCredential',
      apiVersion: EXEC_V1,
      spec: { interactive: true },
      status: { token: 'tok', expirationTimestamp: '2030-01-02T03:03:05Z' },
    });
  });

  it('answers v1beta1 callers in v1beta1 and leaves spec out when kubectl sent none', () => {
    const cred = JSON.parse(execCredentialJson({ apiVersion: EXEC_V1BETA1, interactive: undefined }, 't', Date.UTC(2030, 0, 1)));
    expect(cred.apiVersion).toBe(EXEC_V1BETA1);
    expect(cred.spec).toBeUndefined();
  });

  it('formats timestamps as RFC 3339 UTC without fractions', () => {
    expect(rfc3339(Date.UTC(2031, 11, 31, 23, 59, 59, 999))).toBe('2031-12-31T23:59:59Z');
  });
});
