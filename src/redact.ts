// Secrets must never reach logs, errors or --debug output. Anything shaped like a JWT, a bearer
// header or a long opaque credential is masked before it is printed.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer\s+)[^\s"']+/gi;
const SECRET_FIELD = /("?(?:access_token|refresh_token|id_token|client_secret|client_assertion|secret|token|password|code|device_code)"?\s*[:=]\s*"?)([^"&\s,}]{6,})/gi;

export function redact(text: string): string {
  return text.replace(JWT, '[redacted-jwt]').replace(BEARER, '$1[redacted]').replace(SECRET_FIELD, '$1[redacted]');
}
