// Entra's error responses: the OAuth `error`, a numbered AADSTS message with trace/correlation ids appended
// the way the service formats them, and the `suberror`/`claims` fields msal-node turns into
// InteractionRequiredAuthError. Messages follow Entra's wording as seen in the wild.
import { newGuid } from './jwt.js';

export interface AadstsEntry {
  error: string;
  message: (ctx: AadstsContext) => string;
  suberror?: string;
  /** default claims challenge sent with the error (Conditional Access asks for MFA this way) */
  claims?: string;
}

export interface AadstsContext {
  clientId?: string;
  resource?: string;
  issuedAt?: Date;
  detail?: string;
}

const mfaClaims = JSON.stringify({ access_token: { capolids: { essential: true, values: ['c1e0a5d2-7b5f-4b1e-9a43-5c0a1f0e6d11'] } } });

export const AADSTS: Record<number, AadstsEntry> = {
  50011: { error: 'invalid_request', message: (c) => `The redirect URI '${c.detail ?? ''}' specified in the request does not match the redirect URIs configured for the application '${c.clientId ?? ''}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.` },
  50027: { error: 'invalid_request', message: (c) => `JWT token is invalid or malformed. ${c.detail ?? ''}`.trim() },
  50058: { error: 'login_required', message: () => 'A silent sign-in request was sent but no user is signed in.' },
  50076: {
    error: 'invalid_grant', suberror: 'basic_action', claims: mfaClaims,
    message: (c) => `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${c.resource ?? ''}'.`,
  },
  50079: {
    error: 'invalid_grant', suberror: 'basic_action', claims: mfaClaims,
    message: (c) => `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${c.resource ?? ''}'.`,
  },
  50126: { error: 'invalid_grant', message: () => 'Error validating credentials due to invalid username or password.' },
  50148: { error: 'invalid_grant', message: () => 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.' },
  50173: {
    error: 'invalid_grant', suberror: 'bad_token',
    message: (c) => `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${iso(c.issuedAt)}' and the TokensValidFrom date for this user is '${iso(new Date())}'.`,
  },
  53003: { error: 'invalid_grant', suberror: 'message_only', message: () => 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.' },
  54005: { error: 'invalid_grant', message: () => 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.' },
  65001: {
    error: 'invalid_grant', suberror: 'consent_required',
    message: (c) => `The user or administrator has not consented to use the application with ID '${c.clientId ?? ''}' named 'kubectl-np'. Send an interactive authorization request for this user and resource.`,
  },
  65004: { error: 'access_denied', message: () => 'User declined to consent to access the app.' },
  70000: { error: 'invalid_grant', message: (c) => `The provided value for the input parameter '${c.detail ?? 'refresh_token'}' is not valid.` },
  70003: { error: 'unsupported_grant_type', message: (c) => `The app requested an unsupported grant type '${c.detail ?? ''}'.` },
  70008: { error: 'invalid_grant', message: () => 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.' },
  70016: { error: 'authorization_pending', message: () => 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' },
  70018: { error: 'bad_verification_code', message: () => 'Invalid verification code due to User typing in wrong user code for device code flow. Authorization is not approved.' },
  70019: { error: 'expired_token', message: () => 'Verification code expired. Have the user retry the sign-in.' },
  70020: { error: 'authorization_declined', message: () => 'The end user denied the authorization request.' },
  70021: { error: 'invalid_request', message: (c) => `No matching federated identity record found for presented assertion. ${c.detail ?? ''}`.trim() },
  70043: {
    error: 'invalid_grant', suberror: 'token_expired',
    message: (c) => `The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on ${iso(c.issuedAt)} and the maximum allowed lifetime for this request is 86400.`,
  },
  90055: { error: 'temporarily_unavailable', message: () => 'TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.' },
  90033: { error: 'temporarily_unavailable', message: () => 'A transient error has occurred. Please try again.' },
  700211: { error: 'invalid_request', message: (c) => `No matching federated identity record found for presented assertion issuer '${c.detail ?? ''}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.` },
  700212: { error: 'invalid_request', message: (c) => `No matching federated identity record found for presented assertion audience '${c.detail ?? ''}'.` },
  1002012: { error: 'invalid_scope', message: (c) => `The provided value for scope ${c.detail ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).` },
  7000218: { error: 'invalid_client', message: () => `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.` },
  700016: { error: 'unauthorized_client', message: (c) => `Application with identifier '${c.clientId ?? ''}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.` },
  700024: { error: 'invalid_client', message: () => 'Client assertion is not within its valid time range.' },
  700027: { error: 'invalid_client', message: (c) => `Client assertion failed signature validation. ${c.detail ?? ''}`.trim() },
  700082: {
    error: 'invalid_grant', suberror: 'bad_token',
    message: (c) => `The refresh token has expired due to inactivity. The token was issued on ${iso(c.issuedAt)} and was inactive for 90.00:00:00.`,
  },
  900144: { error: 'invalid_request', message: (c) => `The request body must contain the following parameter: '${c.detail ?? ''}'.` },
  501481: { error: 'invalid_grant', message: () => 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' },
  7000215: { error: 'invalid_client', message: (c) => `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${c.clientId ?? ''}'.` },
  9002313: { error: 'invalid_grant', message: () => 'Invalid request. Request is malformed or invalid.' },
};

function iso(d: Date | undefined): string {
  return (d ?? new Date()).toISOString().replace('Z', '0000Z');
}

function entraTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export interface ErrorBodyOptions extends AadstsContext {
  error?: string;
  description?: string;
  claims?: string;
  suberror?: string;
  correlationId?: string;
}

/** The JSON body Entra's token/devicecode endpoints answer with on failure. */
export function aadErrorBody(code: number, opts: ErrorBodyOptions = {}): Record<string, unknown> {
  const entry = AADSTS[code];
  const now = new Date();
  const traceId = newGuid();
  const correlationId = opts.correlationId ?? newGuid();
  const text = opts.description ?? entry?.message(opts) ?? 'Emulated error.';
  const body: Record<string, unknown> = {
    error: opts.error ?? entry?.error ?? 'invalid_grant',
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${entraTimestamp(now)}`,
    error_codes: [code],
    timestamp: entraTimestamp(now),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  const suberror = opts.suberror ?? entry?.suberror;
  if (suberror) body.suberror = suberror;
  const claims = opts.claims ?? entry?.claims;
  if (claims) body.claims = claims;
  return body;
}
