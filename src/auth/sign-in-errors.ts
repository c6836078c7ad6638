// What an Entra/msal-node failure means for the user, and the one line we tell them. No msal import
// here: errors are recognised by their fields, so this stays testable and cheap.
import { UnreachableError } from '../errors.js';
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

/** "AADSTS50173: The provided grant has expired…" without msal's timestamps and trace ids, one line, redacted. */
export function entraReason(err: MsalLikeError): string {
  const text = `${err.errorMessage ?? ''} ${err.message ?? ''}`;
  const aadsts = /AADSTS\d+:[^\r\n]*?(?=\s*(?:\\r\\n|\r|\n|Trace ID:| - Correlation ID| - Trace ID|$))/.exec(text)?.[0];
  const base = aadsts ?? (err.errorMessage || err.message || err.errorCode || 'unknown error');
  return redact(base.split(/\r?\n/)[0].trim());
}

/** msal client errors that mean the authority could not be reached or understood */
const UNREACHABLE_CODES = new Set(['endpoints_resolution_error', 'openid_config_error', 'no_network_connectivity']);

export function classifySignInError(error: unknown, authorityHost?: string): FailureKind {
  const err = (error ?? {}) as MsalLikeError;
  const code = aadstsCode(err);
  if (err.errorCode && UNREACHABLE_CODES.has(err.errorCode)) {
    return { kind: 'failed', reason: `cannot reach ${authorityHost ?? 'the sign-in authority'} or read its OpenID configuration` };
  }
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
