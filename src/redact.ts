// Secrets must never reach logs, errors or --debug output. Anything shaped like a JWT, a bearer
// header, a secret-named field or a long opaque credential is masked before it is printed. This is
// defence in depth: the code never means to print a secret, so a mask here only ever catches a mistake.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer\s+)[^\s"']+/gi;
/**
 * Field names that hold secrets, in the spellings that reach text: OAuth's snake_case (form bodies,
 * Entra's JSON) and msal's camelCase (its objects, its log lines). Matched without regard to case.
 */
const SECRET_FIELDS = [
  'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'id_token', 'idToken',
  'client_secret', 'clientSecret', 'client_assertion', 'clientAssertion', 'assertion',
  'device_code', 'deviceCode', 'code_verifier', 'codeVerifier', 'code', 'password', 'secret', 'token',
].join('|');
/** a secret-named field in JSON: "refresh_token": "…" */
const JSON_FIELD = new RegExp(`("(?:${SECRET_FIELDS})"\\s*:\\s*")([^"]{6,})`, 'gi');
/** a secret-named parameter in a form body or query string: code=…&… */
const FORM_FIELD = new RegExp(`(\\b(?:${SECRET_FIELDS})=)([^&\\s"']{6,})`, 'gi');
/**
 * "refresh_token: …" as in YAML, log lines or util.inspect output ({ clientSecret: '…' }). Only names
 * that cannot be prose: "the token: invalid_client" and "error code: AADSTS50173" are messages people
 * need to read.
 */
const LABELLED_FIELD = new RegExp(
  `(\\b(?:${SECRET_FIELDS.split('|').filter((n) => !['code', 'secret', 'token', 'assertion'].includes(n)).join('|')})['"]?\\s*:\\s*)([^"&\\s,}]{6,})`,
  'gi',
);
/**
 * A bare opaque credential in prose: Entra's refresh tokens ("0.AXEA…", "1.AQ…"), authorization and
 * device codes ("DAQAB…") and msal's PKCE verifiers are long base64url runs that mix upper case, lower
 * case and digits. GUIDs, hex digests, cache keys, host names and paths never mix all three over 32
 * characters, so they stay readable.
 */
const OPAQUE = /(?<![A-Za-z0-9._~+-])[A-Za-z0-9._~+-]{32,}=*(?![A-Za-z0-9._~+-])/g;
const mixesClasses = (s: string) => /[A-Z][^A-Z]*[A-Z]/.test(s) && /[a-z][^a-z]*[a-z]/.test(s) && /\d[^\d]*\d/.test(s);

export function redact(text: string): string {
  return text
    .replace(JWT, '[redacted-jwt]')
    .replace(BEARER, '$1[redacted]')
    .replace(JSON_FIELD, '$1[redacted]')
    .replace(FORM_FIELD, '$1[redacted]')
    .replace(LABELLED_FIELD, '$1[redacted]')
    .replace(OPAQUE, (run) => (mixesClasses(run) ? '[redacted]' : run));
}
