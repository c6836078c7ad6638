// Secrets must never reach logs, errors or --debug output. Anything shaped like a JWT, a bearer
// header or a long opaque credential is masked before it is printed.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer\s+)[^\s"']+/gi;
const SECRET_NAMES = 'access_token|refresh_token|id_token|client_secret|client_assertion|secret|token|password|code|device_code|assertion';
/** a secret-named field in JSON: "refresh_token": "…" */
const JSON_FIELD = new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*")([^"]{6,})`, 'gi');
/** a secret-named parameter in a form body or query string: code=…&… */
const FORM_FIELD = new RegExp(`(\\b(?:${SECRET_NAMES})=)([^&\\s"']{6,})`, 'gi');
/**
 * "refresh_token: …" as in YAML or log lines. Only names that cannot be prose: "the token: invalid_client"
 * and "error code: AADSTS50173" are messages people need to read.
 */
const LABELLED_FIELD = /(\b(?:access_token|refresh_token|id_token|client_secret|client_assertion|device_code|password)\s*:\s*)([^"&\s,}]{6,})/gi;

export function redact(text: string): string {
  return text
    .replace(JWT, '[redacted-jwt]')
    .replace(BEARER, '$1[redacted]')
    .replace(JSON_FIELD, '$1[redacted]')
    .replace(FORM_FIELD, '$1[redacted]')
    .replace(LABELLED_FIELD, '$1[redacted]');
}
