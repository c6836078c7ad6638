// What an Entra/msal-node failure means for the user, and the one line we tell them. No msal import
// here: errors are recognised by their fields, so this stays testable and cheap.
import { UnreachableError } from '../errors.js';
import { printable } from '../printable.js';
import { redact } from '../redact.js';

/** The refresh token is dead: revoked (50173), expired from inactivity (70043, 700082). */
const DEAD_REFRESH_TOKEN = new Set([50173, 70043, 700082]);
const BLOCKED_BY_CONDITIONAL_ACCESS = 53003;
/** msal's InteractionRequiredAuthError codes that mean "no usable refresh token here" */
const INTERACTION_CODES = new Set(['invalid_grant', 'interaction_required', 'login_required', 'consent_required', 'no_tokens_found', 'refresh_token_expired', 'bad_token']);

export type FailureKind =
  /** sign in again (interactively, or tell the user to run login); `claims` goes with that request */
  | { kind: 'reauthenticate'; dropRefreshToken: boolean; claims?: string; reason: string }
  /** Conditional Access blocked this sign-in: explain, never retry */
  | { kind: 'blocked'; reason: string }
  | { kind: 'failed'; reason: string };

interface MsalLikeError {
  name?: string;
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string | number;
  claims?: string;
  message?: string;
}

/** AADSTS number from msal's fields or message text. */
export function aadstsCode(err: MsalLikeError): number | undefined {
  if (err.errorNo !== undefined && /^\d+$/.test(String(err.errorNo))) return Number(err.errorNo);
  const m = /AADSTS(\d+)/.exec(`${err.errorMessage ?? ''} ${err.message ?? ''}`);
  return m ? Number(m[1]) : undefined;
}

/** "AADSTS50173: The provided grant has expired…" without msal's timestamps and trace ids, one line, redacted, printable. */
export function entraReason(err: MsalLikeError): string {
  const text = `${err.errorMessage ?? ''} ${err.message ?? ''}`;
  const aadsts = /AADSTS\d+:[^\r\n]*?(?=\s*(?:\\r\\n|\r|\n|Trace ID:| - Correlation ID| - Trace ID|$))/.exec(text)?.[0];
  const base = aadsts ?? (err.errorMessage || err.message || err.errorCode || 'unknown error');
  return printable(redact(base.split(/\r?\n/)[0].trim()));
}

/** msal client errors that mean the authority could not be reached or understood */
const UNREACHABLE_CODES = new Set(['endpoints_resolution_error', 'openid_config_error', 'no_network_connectivity']);

/** Node's codes for a TLS certificate the client does not accept. */
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'INVALID_CA',
  'CERT_CHAIN_TOO_LONG', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE',
]);
const EXPIRED_CERT_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const WRONG_NAME_CERT_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const isTlsCode = (code: string) => UNTRUSTED_CERT_CODES.has(code) || EXPIRED_CERT_CODES.has(code) || WRONG_NAME_CERT_CODES.has(code);

/** A TLS certificate code anywhere in the error's cause chain (fetch hides it in `cause`). */
export function tlsErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && isTlsCode(code)) return code;
  }
  return undefined;
}

/**
 * The last transport failure (DNS, TCP, TLS) of our HTTP client in this process. msal replaces a failed
 * OpenID discovery with a bare `endpoints_resolution_error`, so the classifier looks here for the cause.
 */
let lastTransportFailure: { origin: string; error: unknown } | undefined;
export function noteTransportFailure(url: string, error: unknown): void {
  lastTransportFailure = { origin: new URL(url).origin, error };
}

/** One line for a certificate the TLS client refused, with what to do about it. */
export function tlsReason(origin: string, code: string): string {
  if (EXPIRED_CERT_CODES.has(code)) return `the TLS certificate of ${origin} is expired or not yet valid (${code}); check this machine's clock`;
  if (WRONG_NAME_CERT_CODES.has(code)) return `the TLS certificate of ${origin} is not issued for that host name (${code})`;
  return `the TLS certificate of ${origin} is not trusted (${code}); behind a TLS-inspecting proxy set NODE_EXTRA_CA_CERTS to its CA file`;
}

export function classifySignInError(error: unknown, authorityHost?: string): FailureKind {
  const err = (error ?? {}) as MsalLikeError;
  const code = aadstsCode(err);
  const tls = tlsErrorCode(error);
  if (tls) {
    const origin = lastTransportFailure && tlsErrorCode(lastTransportFailure.error) === tls ? lastTransportFailure.origin : (authorityHost ?? 'the sign-in authority');
    return { kind: 'failed', reason: tlsReason(origin, tls) };
  }
  if (err.errorCode && UNREACHABLE_CODES.has(err.errorCode)) {
    const recorded = lastTransportFailure && tlsErrorCode(lastTransportFailure.error);
    if (recorded && lastTransportFailure) return { kind: 'failed', reason: tlsReason(lastTransportFailure.origin, recorded) };
    return { kind: 'failed', reason: `cannot reach ${authorityHost ?? 'the sign-in authority'} or read its OpenID configuration` };
  }
  // the device code flow's endings (RFC 8628): msal's poller reports them as post_request_failed with
  // the bare OAuth error as the message
  const oauth = err.errorCode === 'post_request_failed' ? (err.errorMessage ?? '').trim() : err.errorCode;
  if (oauth === 'authorization_declined' || code === 70020) return { kind: 'failed', reason: 'the sign-in was declined at the device code page' };
  if (oauth === 'expired_token' || code === 70019) return { kind: 'failed', reason: 'the device code expired before the sign-in was completed; run the command again for a new code' };
  const reason = entraReason(err);
  if (code === BLOCKED_BY_CONDITIONAL_ACCESS) {
    return { kind: 'blocked', reason: `Conditional Access blocked this sign-in (AADSTS53003): your organisation's policy does not allow access from this device, location or app; ask your Entra administrator — retrying will not help` };
  }
  if (code !== undefined && DEAD_REFRESH_TOKEN.has(code)) return { kind: 'reauthenticate', dropRefreshToken: true, reason, claims: err.claims || undefined };
  const interaction = err.name === 'InteractionRequiredAuthError' || (err.errorCode !== undefined && INTERACTION_CODES.has(err.errorCode));
  if (interaction) {
    const claims = err.claims || undefined;
    // invalid_grant without a claims challenge: the refresh token itself was refused
    return { kind: 'reauthenticate', dropRefreshToken: err.errorCode === 'invalid_grant' && !claims, claims, reason };
  }
  return { kind: 'failed', reason };
}

/** Sign-in is needed and kubectl said we may not interact (or it failed): exit 3 with what to run. */
export class LoginRequiredError extends UnreachableError {
  constructor(message: string) {
    super(message);
    this.name = 'LoginRequiredError';
  }
}

export class SignInFailedError extends UnreachableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignInFailedError';
  }
}
