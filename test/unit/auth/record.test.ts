import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiryOf, usableToken, type TokenRecord } from '../../../src/auth/cache/record.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (payload: Record<string, unknown>) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJl`;
const T0 = Date.UTC(2030, 0, 1, 12);

afterEach(() => vi.useRealTimers());

describe('expiryOf', () => {
  it('is the reported expiry, capped by the token\'s own exp', () => {
    const token = jwt({ exp: T0 / 1000 + 3600 });
    expect(expiryOf(token, T0 + 3 * 3_600_000)).toBe(T0 + 3_600_000);
    expect(expiryOf(token, T0 + 1_800_000)).toBe(T0 + 1_800_000);
  });

  it('is the reported expiry for opaque tokens and JWTs without exp', () => {
    expect(expiryOf('opaque-token', T0)).toBe(T0);
    expect(expiryOf(jwt({ sub: 'x' }), T0)).toBe(T0);
  });
});

describe('usableToken under a faked clock', () => {
  // a record written when the clock was 2 h fast: it believes the token lives 2 h past its exp
  const stretched = (): TokenRecord => ({ v: 1, tokens: { access: { token: jwt({ exp: T0 / 1000 + 3600 }), expiresOn: T0 + 3 * 3_600_000 } } });

  it('hands out a stretched record\'s token with its true expiry while it is good', () => {
    vi.useFakeTimers({ now: T0 + 10 * 60_000, toFake: ['Date'] });
    expect(usableToken(stretched(), 'access')?.expiresOn).toBe(T0 + 3_600_000);
  });

  it('renews once the token\'s own exp is near, whatever the record says', () => {
    vi.useFakeTimers({ now: T0 + 56 * 60_000, toFake: ['Date'] });
    expect(usableToken(stretched(), 'access')).toBeUndefined();
  });
});
