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
 * device codes ("DAQAB…") and PKCE verifiers are long base64url runs. A run is taken for one when it
 * looks random (looksLikeOpaqueCredential); GUIDs, hex digests, cache keys, host names, paths and the
 * names people give clusters and contexts do not, so they stay readable.
 */
const OPAQUE = /(?<![A-Za-z0-9._~+-])[A-Za-z0-9._~+-]{32,}=*(?![A-Za-z0-9._~+-])/g;

/**
 * Looks random: 32 characters or more mixing upper case (3+), lower case (3+) and digits, with few
 * separators (names are words joined by -, _ or .) and about as many distinct characters as random
 * base64 of that length has (names repeat their letters). Tokens of Entra's lengths (100+) always pass;
 * a 43-character PKCE verifier passes 98 times in 100 (this is the last line of defence, not the first).
 */
export function looksLikeOpaqueCredential(run: string): boolean {
  const n = run.length;
  if (n < 32) return false;
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let separators = 0;
  for (const c of run) {
    if (c >= 'A' && c <= 'Z') upper++;
    else if (c >= 'a' && c <= 'z') lower++;
    else if (c >= '0' && c <= '9') digits++;
    else separators++;
  }
  if (upper < 3 || lower < 3 || digits < 1) return false;
  // Names are words joined by separators. From Entra's token lengths (100+) on the distinct-character test
  // alone tells the two apart, and random base64url has many '-' and '_' now and then (a cap of n/10 let
  // about 1 token in 10,000 through), so the separator cap holds only for shorter runs.
  if (n < 100 && separators > n / 10) return false;
  const expectedDistinct = 64 * (1 - (63 / 64) ** n);
  // random runs of 100+ fall below 0.8 of the expected count about once in 200,000; names stay far below 0.7
  return new Set(run).size >= (n < 100 ? 0.8 : 0.7) * expectedDistinct;
}

export function redact(text: string): string {
  return text
    .replace(JWT, '[redacted-jwt]')
    .replace(BEARER, '$1[redacted]')
    .replace(JSON_FIELD, '$1[redacted]')
    .replace(FORM_FIELD, '$1[redacted]')
    .replace(LABELLED_FIELD, '$1[redacted]')
    .replace(OPAQUE, (run) => (looksLikeOpaqueCredential(run.replace(/=+$/, '')) ? '[redacted]' : run));
}
