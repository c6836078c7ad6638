// The small "last token" record the fast path reads without msal-node: per cache key, the active
// account and the most recent access and ID token with their expiry.
import type { TokenType } from '../token-options.js';
import { jwtExpiryMs } from '../../jwt.js';

/** MSAL refreshes this long before expiry (tokenRenewalOffsetSeconds); the fast path agrees with it. */
export const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

export interface CachedToken {
  token: string;
  /** epoch milliseconds */
  expiresOn: number;
}

export interface TokenRecord {
  v: 1;
  account?: { homeAccountId: string; username: string; tenantId: string };
  tokens: Partial<Record<TokenType, CachedToken>>;
  /** a claims challenge (Conditional Access, MFA) met while kubectl forbade interaction, for the next sign-in */
  claims?: string;
}

export function emptyRecord(): TokenRecord {
  return { v: 1, tokens: {} };
}

/** Parses a stored record; anything unexpected counts as no record (a corrupt cache is re-created, never fatal). */
export function parseRecord(text: string): TokenRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || (value as TokenRecord).v !== 1) return undefined;
  const record = value as TokenRecord;
  if (!record.tokens || typeof record.tokens !== 'object') return undefined;
  for (const t of Object.values(record.tokens)) {
    if (!t || typeof t.token !== 'string' || typeof t.expiresOn !== 'number') return undefined;
  }
  return record;
}

/**
 * When a token stops being valid: the expiry we were told (msal reads `expires_in` against this
 * machine's clock), but never later than the token's own `exp`. A clock that was fast when the token
 * arrived would otherwise stretch its life by the skew, and kubectl would be handed an expired token.
 */
export function expiryOf(token: string, reportedMs: number): number {
  const exp = jwtExpiryMs(token);
  return exp === undefined ? reportedMs : Math.min(reportedMs, exp);
}

/** The token of this type if it stays valid long enough to hand to kubectl without renewing. */
export function usableToken(record: TokenRecord | undefined, type: TokenType, now = Date.now()): CachedToken | undefined {
  const cached = record?.tokens[type];
  if (!cached) return undefined;
  // records written before expiries were capped by `exp` are capped here too
  const token = { token: cached.token, expiresOn: expiryOf(cached.token, cached.expiresOn) };
  return token.expiresOn - now > RENEW_BEFORE_EXPIRY_MS ? token : undefined;
}
