// TEST DOUBLE of kube-apiserver — the OIDC (JWT) token authenticator, with the semantics of
// k8s.io/apiserver/plugin/pkg/authenticator/token/oidc and the legacy --oidc-* flags:
//  * a token whose unverified `iss` is not the issuer URL is not for this authenticator (→ 401 overall);
//  * discovery at ISSUER/.well-known/openid-configuration (its `issuer` must equal the URL), keys from
//    `jwks_uri`, cached and re-fetched when a token names an unknown `kid`;
//  * RS256 only (the default --oidc-signing-algs), `iss` exact, `aud` must contain the client id,
//    `exp` required and checked without leeway, `nbf` with 5 minutes of leeway (go-oidc);
//  * username from --oidc-username-claim (default `sub`); with claim `email`, an `email_verified`
//    claim that is present must be true; prefix: unset → "ISSUER#" unless the claim is `email`,
//    "-" → none, else the given prefix;
//  * groups from --oidc-groups-claim, a string or an array of strings, each with --oidc-groups-prefix;
//    a groups claim that is only a distributed claim (`_claim_names`/`_claim_sources`, Entra's overage)
//    is resolved from its endpoint and must come back as a JWT from the same issuer, otherwise the token
//    is rejected — which is what the real authenticator does with Entra's Graph overage link.
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { UserInfo } from './rbac.js';

export interface OidcOptions {
  issuerUrl: string;
  /** --oidc-client-id: the audience tokens must carry */
  audience: string;
  /** default 'sub' */
  usernameClaim?: string;
  /** like --oidc-username-prefix: unset → issuerUrl + '#' unless the claim is 'email'; '-' disables */
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  /** CA to trust when fetching discovery and JWKS over HTTPS (e.g. the Entra emulator's) */
  caPem?: string;
}

export class TokenRejected extends Error {}

const NBF_LEEWAY_SECONDS = 5 * 60;

function b64urlJson(part: string): Record<string, unknown> {
  const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TokenRejected('malformed JWT');
  return value as Record<string, unknown>;
}

export class OidcAuthenticator {
  private keys = new Map<string, KeyObject>();
  private jwksUri?: string;
  private refreshing?: Promise<void>;

  constructor(private readonly opts: OidcOptions) {}

  private get(url: string, bearer?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: 'GET', ca: this.opts.caPem, headers: { accept: 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, timeout: 60_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
      req.on('error', reject);
      req.end();
    });
  }

  private async refreshKeys(): Promise<void> {
    // one fetch at a time: concurrent requests with a new kid share it
    this.refreshing ??= (async () => {
      try {
        if (!this.jwksUri) {
          const wellKnown = this.opts.issuerUrl.replace(/\/$/, '') + '/.well-known/openid-configuration';
          const res = await this.get(wellKnown);
          if (res.status !== 200) throw new Error(`discovery ${wellKnown}: HTTP ${res.status}`);
          const doc = JSON.parse(res.body) as { issuer?: string; jwks_uri?: string };
          if (doc.issuer !== this.opts.issuerUrl) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected "${this.opts.issuerUrl}" got "${doc.issuer}"`);
          if (!doc.jwks_uri) throw new Error('discovery document has no jwks_uri');
          this.jwksUri = doc.jwks_uri;
        }
        const res = await this.get(this.jwksUri);
        if (res.status !== 200) throw new Error(`JWKS ${this.jwksUri}: HTTP ${res.status}`);
        const { keys } = JSON.parse(res.body) as { keys: (JsonWebKey & { kid?: string; use?: string })[] };
        const next = new Map<string, KeyObject>();
        keys.forEach((jwk, i) => {
          if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig')) return;
          next.set(jwk.kid ?? `#${i}`, createPublicKey({ key: jwk, format: 'jwk' }));
        });
        this.keys = next;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async keysFor(kid: string | undefined): Promise<KeyObject[]> {
    const pick = () => (kid ? (this.keys.has(kid) ? [this.keys.get(kid)!] : []) : [...this.keys.values()]);
    let found = pick();
    if (found.length === 0) {
      try {
        await this.refreshKeys();
      } catch (err) {
        throw new TokenRejected(`oidc: fetching keys: ${(err as Error).message}`);
      }
      found = pick();
    }
    return found;
  }

  /** The verified claims of `token`, or throws TokenRejected. */
  private async verify(token: string): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejected('malformed JWT');
    const header = b64urlJson(parts[0]);
    const claims = b64urlJson(parts[1]);
    if (header.alg !== 'RS256') throw new TokenRejected(`oidc: id token signed with unsupported algorithm, expected ["RS256"] got "${String(header.alg)}"`);
    const keys = await this.keysFor(typeof header.kid === 'string' ? header.kid : undefined);
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    if (!keys.some((k) => verifySignature('RSA-SHA256', signed, k, signature))) throw new TokenRejected('oidc: failed to verify signature');
    if (claims.iss !== this.opts.issuerUrl) throw new TokenRejected(`oidc: id token issued by a different provider, expected "${this.opts.issuerUrl}" got "${String(claims.iss)}"`);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.opts.audience)) throw new TokenRejected(`oidc: expected audience "${this.opts.audience}" got ${JSON.stringify(claims.aud)}`);
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < now) throw new TokenRejected('oidc: token is expired');
    if (typeof claims.nbf === 'number' && now + NBF_LEEWAY_SECONDS < claims.nbf) throw new TokenRejected('oidc: current time before the nbf (not before) time');
    return claims;
  }

  /**
   * undefined when the token is not a JWT from this issuer (another authenticator may own it);
   * the user when valid; throws TokenRejected when it is this issuer's token but invalid.
   */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    let untrustedIss: unknown;
    try {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      untrustedIss = b64urlJson(parts[1]).iss;
    } catch {
      return undefined;
    }
    if (untrustedIss !== this.opts.issuerUrl) return undefined;

    const claims = await this.verify(token);
    const usernameClaim = this.opts.usernameClaim ?? 'sub';
    const username = claims[usernameClaim];
    if (typeof username !== 'string') throw new TokenRejected(`oidc: parse username claims "${usernameClaim}": claim not present or not a string`);
    if (usernameClaim === 'email' && 'email_verified' in claims) {
      if (typeof claims.email_verified !== 'boolean') throw new TokenRejected("oidc: parse 'email_verified' claim");
      if (!claims.email_verified) throw new TokenRejected('oidc: email not verified');
    }
    const prefix = this.opts.usernamePrefix === undefined ? (usernameClaim === 'email' ? '' : `${this.opts.issuerUrl}#`) : this.opts.usernamePrefix === '-' ? '' : this.opts.usernamePrefix;

    const groups: string[] = [];
    const groupsClaim = this.opts.groupsClaim;
    if (groupsClaim) {
      let value = claims[groupsClaim];
      if (value === undefined) value = await this.distributedClaim(claims, groupsClaim);
      if (value !== undefined) {
        const list = typeof value === 'string' ? [value] : value;
        if (!Array.isArray(list) || list.some((g) => typeof g !== 'string')) throw new TokenRejected(`oidc: parse groups claim "${groupsClaim}"`);
        groups.push(...(list as string[]).map((g) => (this.opts.groupsPrefix ?? '') + g));
      }
    }
    // kube-apiserver names the credential by its jti claim when the token has one (Entra's carry uti, not jti)
    const jti = typeof claims.jti === 'string' && claims.jti ? { extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] } } : {};
    return { username: prefix + username, groups, ...jti };
  }

  private async distributedClaim(claims: Record<string, unknown>, claim: string): Promise<unknown> {
    const names = claims._claim_names as Record<string, string> | undefined;
    const source = names?.[claim];
    if (!source) return undefined;
    const sources = claims._claim_sources as Record<string, { endpoint?: string; access_token?: string }> | undefined;
    if (!sources) throw new TokenRejected('oidc: could not expand distributed claims: no claim sources');
    const ep = sources[source];
    if (!ep) throw new TokenRejected(`oidc: could not expand distributed claims: source ${source} missing in _claim_sources`);
    if (!ep.endpoint) return undefined; // aggregated claim: not supported by kube either
    let body: string;
    try {
      const res = await this.get(ep.endpoint, ep.access_token);
      if (res.status < 200 || res.status > 226) throw new Error(`HTTP ${res.status}`);
      body = res.body.trim();
    } catch (err) {
      throw new TokenRejected(`oidc: could not expand distributed claims: while getting distributed claim "${claim}": ${(err as Error).message}`);
    }
    const distributed = await this.verify(body).catch((err: Error) => {
      throw new TokenRejected(`oidc: could not expand distributed claims: ${err.message}`);
    });
    if (!(claim in distributed)) throw new TokenRejected(`oidc: could not expand distributed claims: endpoint did not return claim ${claim}`);
    return distributed[claim];
  }
}
