// Test double of Microsoft Entra ID (the v2.0 endpoints msal-node talks to), served over HTTPS with the
// per-run test CA. Every auth test runs against it because Entra itself is unreachable from CI.
// See docs/testing.md for the standalone mode and for how to make Node trust its certificate.
import { createHash, randomBytes, randomInt, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testPki } from '../tls.js';
import { aadErrorBody, type ErrorBodyOptions } from './aadsts.js';
import { parseParams, readBody, sendHtml, sendJson, sleep } from './http.js';
import { base64url, decodeJwt, guidFrom, newGuid, newSigningKey, signJwt, verifySignature, type SigningKey } from './jwt.js';
import { deviceLoginPage, formPostPage, messagePage, signInPage } from './pages.js';
import { grantedPermissions, isGraph, parseScopes, responseScope } from './scopes.js';
import { requestedConfirmation, verifyPopToken, type PopVerifyOptions, type VerifiedPop } from './pop.js';

export { AKS_SERVER_ID, GRAPH_APP_ID, GRAPH_RESOURCE } from './scopes.js';
export { trustCaInProcess } from './trust.js';
export { jwkThumbprint, PopRejected, verifyPopToken, type VerifiedPop } from './pop.js';

// ---------------------------------------------------------------------------------------------- interface

export interface EmulatorUser {
  /** UPN, e.g. alice@contoso.example */
  username: string;
  oid?: string;
  name?: string;
  /** Entra group object IDs */
  groups?: string[];
  /** home tenant (default: the emulator's tenant) */
  tenantId?: string;
  /** enables the resource owner password credentials grant (`grant_type=password`, ROPC) for this user */
  password?: string;
}

export interface EntraEmulatorOptions {
  tenantId?: string;
  users?: EmulatorUser[];
  /** username: device codes and the authorize page complete at once as this user */
  autoApprove?: string;
  accessTokenLifetimeSeconds?: number;
  /** past this many groups a token carries the overage claims instead of `groups` (Entra: 200 in a JWT) */
  groupsOverageLimit?: number;
  port?: number;
  /** seconds between device-code polls that the emulator tells the client (default 1; fractions allowed) */
  deviceCodeIntervalSeconds?: number;
  /** lifetime of a device code (default 900 s like Entra) */
  deviceCodeLifetimeSeconds?: number;
  /** create unknown users on first sign-in instead of failing with AADSTS50034 (default true) */
  allowUnknownUsers?: boolean;
  /** called once per request with a one-line summary that never contains a token (standalone mode logs to stderr) */
  log?: (line: string) => void;
}

export type EmulatorEndpoint = 'discovery' | 'keys' | 'devicecode' | 'token' | 'authorize' | 'graph' | 'imds' | 'instance' | 'other';

export interface EmulatorRequest {
  at: number;
  method: string;
  /** path without the query string */
  path: string;
  /** the tenant segment of the URL as sent (GUID, `common`, `organizations`, …) */
  tenant?: string;
  endpoint: EmulatorEndpoint;
  /** short form: device_code, refresh_token, authorization_code, client_credentials, … */
  grantType?: string;
  clientId?: string;
  scope?: string;
  status: number;
  /** the `claims` request parameter (a claims challenge carried by the client) */
  claims?: string;
  prompt?: string;
  loginHint?: string;
  responseMode?: string;
  /** authorize: the redirect_uri asked for */
  redirectUri?: string;
  /** authorize: the PKCE method (undefined without a code_challenge) */
  codeChallengeMethod?: string;
  /** the user or principal a token was issued to */
  subject?: string;
  /** token endpoint, `token_type=pop`: the key thumbprint (req_cnf kid) the access token was bound to */
  popKid?: string;
}

export interface EmulatorFault {
  endpoint: 'token' | 'devicecode' | 'authorize' | 'graph' | 'imds';
  /** token endpoint only: the fault applies to this grant type (short or URN form) */
  grantType?: string;
  /** how many matching requests fail (default 1) */
  times?: number;
  error?: string;
  aadsts?: number;
  description?: string;
  /** claims challenge JSON returned with the error */
  claims?: string;
  suberror?: string;
  status?: number;
  retryAfterSeconds?: number;
  /** answer with a body that is not valid JSON */
  malformed?: boolean;
  /** delay before answering; alone, the request then succeeds normally */
  latencyMs?: number;
  /** held until this settles (after latencyMs): lets a test answer once its callers are where it wants them */
  hold?: Promise<unknown>;
}

export interface EmulatorGroup { id: string; displayName: string }

export interface FederatedCredential {
  /** default: the emulator's own federation issuer (emu.federationIssuer) */
  issuer?: string;
  subject: string;
  /** default api://AzureADTokenExchange */
  audience?: string;
}

export interface EmulatorServicePrincipal {
  /** the application (client) ID */
  clientId: string;
  /** the service principal's object ID (token `oid`/`sub`); default derived from clientId */
  objectId?: string;
  displayName?: string;
  secret?: string;
  /** PEM of the X.509 certificate whose private key signs client assertions */
  certificatePem?: string;
  federated?: FederatedCredential | FederatedCredential[];
  groups?: string[];
  /** app roles (token `roles`) */
  roles?: string[];
  tenantId?: string;
}

export interface EmulatorManagedIdentity {
  /** the identity's service principal object ID (token `oid`/`sub`) */
  principalId: string;
  /** user-assigned identities have a client ID; default derived from principalId */
  clientId?: string;
  /** ARM resource ID of a user-assigned identity (IMDS `msi_res_id`) */
  resourceId?: string;
  /** the VM's system-assigned identity (what a request without an identity parameter gets) */
  systemAssigned?: boolean;
  groups?: string[];
  tenantId?: string;
}

export interface FederatedTokenOptions {
  /** default emu.federationIssuer; any other issuer is still signed by the emulator's federation key */
  issuer?: string;
  subject: string;
  /** default api://AzureADTokenExchange */
  audience?: string;
  lifetimeSeconds?: number;
  claims?: Record<string, unknown>;
}

export interface EntraEmulator {
  /** "https://127.0.0.1:PORT" */
  authorityHost: string;
  /** "127.0.0.1:PORT" (for msal knownAuthorities) */
  hostPort: string;
  /** default tenant */
  tenantId: string;
  /** `${authorityHost}/${tenant}` */
  authority(tenantId?: string): string;
  /** `${authorityHost}/${tenant}/v2.0`: what tokens carry in `iss` and discovery says */
  issuer(tenantId?: string): string;
  jwksUri(tenantId?: string): string;
  /** `${authorityHost}/graph`: /v1.0/me/getMemberObjects, /v1.0/users/{id}/getMemberObjects, /v1.0/directoryObjects/getByIds, /v1.0/me/memberOf */
  graphUrl: string;
  /** plain-HTTP loopback managed identity endpoint base (IMDS path /metadata/identity/oauth2/token, App Service path /msi/token) */
  imdsUrl: string;
  /** the per-run test CA (test/support/tls.ts): NODE_EXTRA_CA_CERTS=caFile for child processes, trustCaInProcess(caPem) in-process */
  caFile: string;
  caPem: string;
  addUser(u: EmulatorUser): void;
  /** also over HTTP: POST {authorityHost}/emulator/approve {"user_code","username"} */
  approveDeviceCode(userCode: string, username: string): void;
  /** every request, in order of completion */
  requests: EmulatorRequest[];
  tokenRequests(grantType?: string): EmulatorRequest[];
  /** later refresh_token grants for refresh tokens issued so far fail with invalid_grant + this AADSTS code (default 70043) */
  revokeRefreshTokens(username?: string, aadsts?: 50173 | 70043 | 700082): void;
  failNext(f: EmulatorFault): void;
  setAccessTokenLifetime(seconds: number): void;
  /** RS256 with the tenant's current signing key (tests use it for expired/odd tokens) */
  mintToken(claims: Record<string, unknown>, tenantId?: string): string;
  close(): Promise<void>;

  // ---- additions beyond the agreed interface
  /** names a group for Graph (default display name: group-<first 8 chars of the id>) */
  addGroup(g: EmulatorGroup): void;
  /** the user pressed Decline: polling ends with authorization_declined (also POST /emulator/decline {"user_code"}) */
  declineDeviceCode(userCode: string): void;
  /** new signing key for the tenant (new tokens use it); dropOld removes the previous keys from the JWKS */
  rotateSigningKey(tenantId?: string, dropOld?: boolean): void;
  /** claims of a token this emulator signed and that verifies, else undefined (expiry not checked) */
  verifyOwnToken(token: string): Record<string, unknown> | undefined;
  /**
   * A Signed HTTP Request (PoP token) checked as the resource checks it: signature against its cnf.jwk,
   * the inner access token signed by this emulator and bound (cnf.kid) to that key, `ts` recent, `u`
   * as given. Throws PopRejected with the reason otherwise.
   */
  verifyPopToken(shr: string, opts?: Omit<PopVerifyOptions, 'accessToken'>): VerifiedPop;
  /** what Microsoft's /common/discovery/instance would answer for this host (msal `cloudDiscoveryMetadata` = JSON of it) */
  instanceDiscovery(): Record<string, unknown>;
  /** an OIDC issuer the emulator owns, for workload identity federation */
  readonly federationIssuer: string;
  addServicePrincipal(sp: EmulatorServicePrincipal): void;
  mintFederatedToken(o: FederatedTokenOptions): string;
  addManagedIdentity(mi: EmulatorManagedIdentity): void;
  /** env that points msal-node's ManagedIdentityApplication here (see docs/testing.md) */
  managedIdentityEnv(kind?: 'imds' | 'appService'): Record<string, string>;
  readonly imdsIdentityHeader: string;
}

// ---------------------------------------------------------------------------------------------- internals

const GRANT_SHORT: Record<string, string> = {
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'jwt_bearer',
};
const shortGrant = (g: string | undefined): string | undefined => (g ? (GRANT_SHORT[g] ?? g) : undefined);
const TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const nowSec = (): number => Math.floor(Date.now() / 1000);

interface UserRecord { username: string; oid: string; name: string; groups: string[]; tenantId: string }

interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  tenantSegment: string;
  claims?: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'declined' | 'redeemed';
  username?: string;
}

interface AuthorizeRequest {
  tenantSegment: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  loginHint?: string;
  prompt?: string;
  claims?: string;
}

interface AuthCodeRecord extends AuthorizeRequest { username: string; expiresAt: number; redeemed: boolean }

interface ServicePrincipalRecord {
  clientId: string;
  objectId: string;
  displayName: string;
  secret?: string;
  certificates: { sha1: string; sha256: string; publicKey: KeyObject }[];
  federated: Required<FederatedCredential>[];
  groups: string[];
  roles: string[];
  tenantId: string;
}

type ClientAuth = { method: 'none' } | { method: 'secret' | 'certificate' | 'federated'; sp: ServicePrincipalRecord };

interface ManagedIdentityRecord { principalId: string; clientId: string; resourceId?: string; systemAssigned: boolean; groups: string[]; tenantId: string }

interface RefreshTokenRecord { username: string; clientId: string; scope: string; tenantId: string; seq: number; issuedAt: Date }

interface TokenSubject { user: UserRecord; tenantId: string }

interface Revocation { beforeSeq: number; aadsts: number }

interface RequestContext {
  record: Omit<EmulatorRequest, 'status' | 'at'>;
  /** `token_type=pop`: the confirmation (key thumbprint) the access token is bound to, as its `cnf` claim */
  cnf?: { kid: string; xms_ksl?: string };
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body.error_description ?? body.error));
  }
}

function aadError(status: number, code: number, opts: ErrorBodyOptions = {}): HttpError {
  return new HttpError(status, aadErrorBody(code, opts));
}

let serverCertificate: { cert: string; key: string } | undefined;

class Emulator implements EntraEmulator {
  authorityHost = '';
  hostPort = '';
  graphUrl = '';
  imdsUrl = '';
  readonly tenantId: string;
  readonly caFile: string;
  readonly caPem: string;
  readonly requests: EmulatorRequest[] = [];

  private readonly server: HttpsServer;
  private readonly imdsServer: HttpServer;
  private readonly users = new Map<string, UserRecord>();
  private readonly passwords = new Map<string, string>();
  private readonly groupNames = new Map<string, string>();
  private readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  private readonly federationKey = newSigningKey();
  private readonly managedIdentities: ManagedIdentityRecord[] = [];
  /** App Service style MSI: the secret msal sends as X-IDENTITY-HEADER (env IDENTITY_HEADER) */
  readonly imdsIdentityHeader = base64url(randomBytes(18));
  private readonly tenantKeys = new Map<string, SigningKey[]>();
  private readonly deviceCodes = new Map<string, DeviceCodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly pendingSignIns = new Map<string, AuthorizeRequest>();
  private readonly authCodes = new Map<string, AuthCodeRecord>();
  private readonly faults: { fault: EmulatorFault; remaining: number }[] = [];
  private readonly revocations = new Map<string, Revocation>(); // username ('' = everyone) -> revocation
  private accessTokenLifetime: number;
  private seq = 0;

  constructor(private readonly opts: EntraEmulatorOptions) {
    this.tenantId = opts.tenantId ?? guidFrom('kubectl-np emulator tenant');
    this.accessTokenLifetime = opts.accessTokenLifetimeSeconds ?? 3600;
    for (const u of opts.users ?? []) this.addUser(u);
    const pki = testPki();
    this.caFile = pki.caFile;
    this.caPem = pki.caPem;
    // one server certificate per process: every emulator of a test file reuses it (openssl is the slow part)
    serverCertificate ??= pki.issue(['127.0.0.1', 'localhost']);
    const { cert, key } = serverCertificate;
    this.server = createHttpsServer({ cert, key }, (req, res) => void this.handle(req, res));
    this.imdsServer = createHttpServer((req, res) => void this.handle(req, res, true));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.hostPort = `127.0.0.1:${port}`;
    this.authorityHost = `https://${this.hostPort}`;
    this.graphUrl = `${this.authorityHost}/graph`;
    await new Promise<void>((resolve) => this.imdsServer.listen(0, '127.0.0.1', () => resolve()));
    this.imdsUrl = `http://127.0.0.1:${(this.imdsServer.address() as AddressInfo).port}`;
    this.keysFor(this.tenantId);
  }

  // ------------------------------------------------------------------------------------------ public API

  authority(tenantId = this.tenantId): string {
    return `${this.authorityHost}/${tenantId}`;
  }

  issuer(tenantId = this.tenantId): string {
    return `${this.authorityHost}/${tenantId}/v2.0`;
  }

  jwksUri(tenantId = this.tenantId): string {
    return `${this.authorityHost}/${tenantId}/discovery/v2.0/keys`;
  }

  /** An OIDC issuer the emulator owns (think: a Kubernetes service-account issuer) for workload identity federation. */
  get federationIssuer(): string {
    return `${this.authorityHost}/federation`;
  }

  addServicePrincipal(sp: EmulatorServicePrincipal): void {
    const certificates = sp.certificatePem ? [certificateOf(sp.certificatePem)] : [];
    const federated = (Array.isArray(sp.federated) ? sp.federated : sp.federated ? [sp.federated] : []).map((f) => ({
      issuer: f.issuer ?? this.federationIssuer, subject: f.subject, audience: f.audience ?? 'api://AzureADTokenExchange',
    }));
    this.servicePrincipals.set(sp.clientId.toLowerCase(), {
      clientId: sp.clientId,
      objectId: (sp.objectId ?? guidFrom(`sp:${sp.clientId.toLowerCase()}`)).toLowerCase(),
      displayName: sp.displayName ?? `app-${sp.clientId.slice(0, 8)}`,
      secret: sp.secret,
      certificates,
      federated,
      groups: [...(sp.groups ?? [])],
      roles: [...(sp.roles ?? [])],
      tenantId: sp.tenantId ?? this.tenantId,
    });
  }

  addManagedIdentity(mi: EmulatorManagedIdentity): void {
    this.managedIdentities.push({
      principalId: mi.principalId.toLowerCase(),
      clientId: (mi.clientId ?? guidFrom(`mi:${mi.principalId.toLowerCase()}`)).toLowerCase(),
      resourceId: mi.resourceId,
      systemAssigned: mi.systemAssigned ?? false,
      groups: [...(mi.groups ?? [])],
      tenantId: mi.tenantId ?? this.tenantId,
    });
  }

  /**
   * Environment that points msal-node's ManagedIdentityApplication (or azure-identity) at this emulator.
   * `imds` (default): AZURE_POD_IDENTITY_AUTHORITY_HOST, the IMDS source; `appService`: IDENTITY_ENDPOINT + IDENTITY_HEADER.
   * msal picks the source once per process, so set it before the first managed identity request.
   */
  managedIdentityEnv(kind: 'imds' | 'appService' = 'imds'): Record<string, string> {
    return kind === 'imds'
      ? { AZURE_POD_IDENTITY_AUTHORITY_HOST: this.imdsUrl }
      : { IDENTITY_ENDPOINT: `${this.imdsUrl}/msi/token`, IDENTITY_HEADER: this.imdsIdentityHeader };
  }

  /** A token from the emulator's federation issuer, to present as client_assertion (workload identity federation). */
  mintFederatedToken(o: FederatedTokenOptions): string {
    const iat = nowSec();
    return signJwt({
      iss: o.issuer ?? this.federationIssuer, sub: o.subject, aud: [o.audience ?? 'api://AzureADTokenExchange'],
      iat, nbf: iat, exp: iat + (o.lifetimeSeconds ?? 3600), jti: newGuid(), ...o.claims,
    }, this.federationKey);
  }

  addUser(u: EmulatorUser): void {
    const username = u.username.trim();
    this.users.set(username.toLowerCase(), {
      username,
      oid: (u.oid ?? guidFrom(`user:${username.toLowerCase()}`)).toLowerCase(),
      name: u.name ?? displayNameOf(username),
      groups: [...(u.groups ?? [])],
      tenantId: u.tenantId ?? this.tenantId,
    });
    if (u.password !== undefined) this.passwords.set(username.toLowerCase(), u.password);
  }

  /** Names a group for Graph's directoryObjects/getByIds and memberOf (default display name: group-<first 8 of id>). */
  addGroup(g: EmulatorGroup): void {
    this.groupNames.set(g.id.toLowerCase(), g.displayName);
  }

  approveDeviceCode(userCode: string, username: string): void {
    const dc = this.findUserCode(userCode);
    if (!dc) throw new Error(`no pending device code ${userCode}`);
    const user = this.userFor(username);
    if (!user) throw new Error(`unknown user ${username}`);
    dc.state = 'approved';
    dc.username = user.username;
  }

  /** The user pressed "Decline" on the device-code page: polling ends with authorization_declined. */
  declineDeviceCode(userCode: string): void {
    const dc = this.findUserCode(userCode);
    if (!dc) throw new Error(`no pending device code ${userCode}`);
    dc.state = 'declined';
  }

  tokenRequests(grantType?: string): EmulatorRequest[] {
    const wanted = shortGrant(grantType);
    return this.requests.filter((r) => r.endpoint === 'token' && (!wanted || r.grantType === wanted));
  }

  revokeRefreshTokens(username?: string, aadsts: 50173 | 70043 | 700082 = 70043): void {
    this.revocations.set(username?.toLowerCase() ?? '', { beforeSeq: ++this.seq, aadsts });
  }

  failNext(f: EmulatorFault): void {
    this.faults.push({ fault: f, remaining: f.times ?? 1 });
  }

  setAccessTokenLifetime(seconds: number): void {
    this.accessTokenLifetime = seconds;
  }

  mintToken(claims: Record<string, unknown>, tenantId = this.tenantId): string {
    return signJwt(claims, this.activeKey(tenantId));
  }

  /** Adds a new signing key for the tenant (new tokens use it); with dropOld the old keys leave the JWKS. */
  rotateSigningKey(tenantId = this.tenantId, dropOld = false): void {
    const keys = this.keysFor(tenantId);
    if (dropOld) keys.splice(0, keys.length);
    keys.push(newSigningKey());
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.imdsServer.closeAllConnections();
    await Promise.all([
      new Promise<void>((r) => this.server.close(() => r())),
      new Promise<void>((r) => this.imdsServer.close(() => r())),
    ]);
  }

  // ------------------------------------------------------------------------------------------ directory

  private userFor(username: string): UserRecord | undefined {
    const key = username.trim().toLowerCase();
    if (!this.users.has(key) && this.opts.allowUnknownUsers !== false && key.includes('@')) this.addUser({ username: username.trim() });
    return this.users.get(key);
  }

  private keysFor(tenantId: string): SigningKey[] {
    let keys = this.tenantKeys.get(tenantId);
    if (!keys) {
      keys = [newSigningKey()];
      this.tenantKeys.set(tenantId, keys);
    }
    return keys;
  }

  private activeKey(tenantId: string): SigningKey {
    const keys = this.keysFor(tenantId);
    return keys[keys.length - 1];
  }

  /** The tenant a token is issued in: a GUID segment is that tenant, aliases and domains mean the user's home tenant. */
  private resolveTenant(segment: string, user?: UserRecord): string {
    if (GUID.test(segment)) return segment.toLowerCase();
    return user?.tenantId ?? this.tenantId;
  }

  private findUserCode(userCode: string): DeviceCodeRecord | undefined {
    const wanted = userCode.trim().toUpperCase();
    for (const dc of this.deviceCodes.values()) if (dc.userCode === wanted && dc.state === 'pending') return dc;
    return undefined;
  }

  // ------------------------------------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse, imds = false): Promise<void> {
    const url = new URL(req.url ?? '/', imds ? this.imdsUrl : this.authorityHost);
    const segments = url.pathname.split('/').filter(Boolean);
    const ctx: RequestContext = { record: { method: req.method ?? 'GET', path: url.pathname, endpoint: 'other' } };
    const at = Date.now();
    res.on('finish', () => {
      const entry: EmulatorRequest = { at, ...ctx.record, status: res.statusCode };
      this.requests.push(entry);
      this.opts.log?.(formatLogLine(entry));
    });
    try {
      if (imds) return await this.handleImds(req, res, url, ctx);
      const body = req.method === 'POST' ? await readBody(req) : '';
      const params = { ...Object.fromEntries(url.searchParams), ...parseParams(body, req.headers['content-type']) };
      await this.route(req, res, url, segments, params, ctx);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof HttpError) sendJson(res, err.status, err.body);
      else sendJson(res, 500, aadErrorBody(90033, { error: 'server_error', description: `Emulator error: ${(err as Error).message}` }));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, seg: string[], params: Record<string, string>, ctx: RequestContext): Promise<void> {
    const path = seg.join('/');
    if (seg[0] === 'emulator') return this.handleControl(req, res, seg[1], params);
    if (path === 'devicelogin') return this.handleDeviceLoginPage(req, res, params);
    if (seg[0] === 'federation') {
      ctx.record.endpoint = seg[1] === 'keys' ? 'keys' : 'discovery';
      if (path === 'federation/.well-known/openid-configuration') {
        return sendJson(res, 200, { issuer: this.federationIssuer, jwks_uri: `${this.federationIssuer}/keys`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
      }
      if (path === 'federation/keys') return sendJson(res, 200, { keys: [this.federationKey.publicJwk] });
    }
    if (seg[0] === 'graph') {
      ctx.record.endpoint = 'graph';
      return this.handleGraph(req, res, url, seg.slice(1), params);
    }
    if (path === 'common/discovery/instance') {
      ctx.record.endpoint = 'instance';
      return sendJson(res, 200, this.instanceDiscovery());
    }
    if (seg.length < 2) return sendJson(res, 404, { error: 'not_found', error_description: `No route for ${url.pathname}` });
    const tenant = seg[0];
    const rest = seg.slice(1).join('/');
    ctx.record.tenant = tenant;
    switch (rest) {
      case 'v2.0/.well-known/openid-configuration':
        ctx.record.endpoint = 'discovery';
        return sendJson(res, 200, this.openIdConfiguration(tenant));
      case 'discovery/v2.0/keys':
      case 'discovery/keys':
        ctx.record.endpoint = 'keys';
        return sendJson(res, 200, this.jwks(tenant));
      case 'oauth2/v2.0/devicecode':
        ctx.record.endpoint = 'devicecode';
        return this.handleDeviceCode(req, res, tenant, params, ctx);
      case 'oauth2/v2.0/token':
        ctx.record.endpoint = 'token';
        return this.handleToken(req, res, tenant, params, ctx);
      case 'oauth2/v2.0/authorize':
        ctx.record.endpoint = 'authorize';
        return this.handleAuthorize(res, tenant, params, ctx);
      case 'login':
        ctx.record.endpoint = 'authorize';
        return this.handleSignInForm(res, params, ctx);
      case 'oauth2/v2.0/logout':
        return sendHtml(res, 200, messagePage('Signed out', 'You have signed out. You may close this window.'));
      default:
        return sendJson(res, 404, { error: 'not_found', error_description: `No route for ${url.pathname}` });
    }
  }

  /** Removes and returns the next queued fault matching this request. */
  private takeFault(endpoint: EmulatorFault['endpoint'], grantType?: string): EmulatorFault | undefined {
    const i = this.faults.findIndex(({ fault }) => fault.endpoint === endpoint && (!fault.grantType || shortGrant(fault.grantType) === grantType));
    if (i < 0) return undefined;
    const slot = this.faults[i];
    if (--slot.remaining <= 0) this.faults.splice(i, 1);
    return slot.fault;
  }

  /** Applies the next queued fault for this request, if any. Returns true when the response has been sent. */
  private async applyFault(res: ServerResponse, endpoint: EmulatorFault['endpoint'], grantType?: string): Promise<boolean> {
    const f = this.takeFault(endpoint, grantType);
    if (!f) return false;
    if (f.latencyMs) await sleep(f.latencyMs);
    if (f.hold) await f.hold.catch(() => undefined);
    const failing = f.malformed || f.status !== undefined || f.error !== undefined || f.aadsts !== undefined;
    if (!failing) return false;
    const status = f.status ?? 400;
    const headers: Record<string, string> = f.retryAfterSeconds !== undefined ? { 'Retry-After': String(f.retryAfterSeconds) } : {};
    if (f.malformed) {
      const text = endpoint === 'graph' ? '{"value": [' : '{"token_type":"Bearer","access_token":';
      res.writeHead(f.status ?? 200, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(text);
      return true;
    }
    if (endpoint === 'graph') {
      const code = f.error ?? (status === 429 ? 'TooManyRequests' : status >= 500 ? 'ServiceNotAvailable' : 'Request_BadRequest');
      sendJson(res, status, { error: { code, message: f.description ?? 'Emulated Graph error.', innerError: { date: new Date().toISOString(), 'request-id': newGuid(), 'client-request-id': newGuid() } } }, headers);
      return true;
    }
    const aadsts = f.aadsts ?? (status === 429 ? 90055 : status >= 500 ? 90033 : 9002313);
    sendJson(res, status, aadErrorBody(aadsts, { error: f.error, description: f.description, claims: f.claims, suberror: f.suberror }), headers);
    return true;
  }

  // ------------------------------------------------------------------------------------------ metadata

  private openIdConfiguration(tenant: string): Record<string, unknown> {
    const base = `${this.authorityHost}/${tenant}`;
    // For aliases Entra publishes a templated issuer; the tokens themselves carry the real tenant.
    const issuerTenant = TENANT_ALIASES.has(tenant) ? '{tenantid}' : this.resolveTenant(tenant);
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${this.authorityHost}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.graphUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: this.hostPort,
      cloud_graph_host_name: this.hostPort,
      msgraph_host: this.hostPort,
      rbac_url: this.authorityHost,
    };
  }

  private jwks(tenant: string): Record<string, unknown> {
    const tenants = GUID.test(tenant) ? [tenant.toLowerCase()] : TENANT_ALIASES.has(tenant) ? [...this.tenantKeys.keys()] : [this.tenantId];
    return {
      keys: tenants.flatMap((t) => this.keysFor(t).map((k) => ({ ...k.publicJwk, issuer: this.issuer(t) }))),
    };
  }

  /** What `login.microsoftonline.com/common/discovery/instance` answers (msal asks it when the host is not in knownAuthorities). */
  instanceDiscovery(): Record<string, unknown> {
    return {
      tenant_discovery_endpoint: `${this.authorityHost}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: this.hostPort, preferred_cache: this.hostPort, aliases: [this.hostPort] }],
    };
  }

  // ------------------------------------------------------------------------------------------ device code

  private async handleDeviceCode(req: IncomingMessage, res: ServerResponse, tenant: string, params: Record<string, string>, ctx: RequestContext): Promise<void> {
    Object.assign(ctx.record, { clientId: params.client_id, scope: params.scope, claims: params.claims });
    if (req.method !== 'POST') throw aadError(405, 900144, { detail: 'client_id', description: 'The request method must be POST.' });
    if (await this.applyFault(res, 'devicecode')) return;
    if (!params.client_id) throw aadError(400, 900144, { detail: 'client_id' });
    const lifetime = this.opts.deviceCodeLifetimeSeconds ?? 900;
    let userCode: string;
    do userCode = Array.from({ length: 9 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    while (this.findUserCode(userCode));
    const dc: DeviceCodeRecord = {
      deviceCode: `DAQABAAEAAAD${base64url(randomBytes(96))}`,
      userCode,
      clientId: params.client_id,
      scope: params.scope ?? '',
      tenantSegment: tenant,
      claims: params.claims,
      expiresAt: Date.now() + lifetime * 1000,
      state: 'pending',
    };
    this.deviceCodes.set(dc.deviceCode, dc);
    if (this.opts.autoApprove) this.approveDeviceCode(userCode, this.opts.autoApprove);
    const verificationUri = `${this.authorityHost}/devicelogin`;
    sendJson(res, 200, {
      user_code: userCode,
      device_code: dc.deviceCode,
      verification_uri: verificationUri,
      expires_in: lifetime,
      interval: this.opts.deviceCodeIntervalSeconds ?? 1,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  private async handleDeviceLoginPage(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): Promise<void> {
    const action = `${this.authorityHost}/devicelogin`;
    if (req.method !== 'POST') return sendHtml(res, 200, deviceLoginPage({ action, userCode: params.user_code, username: this.opts.autoApprove }));
    const dc = this.findUserCode(params.user_code ?? '');
    if (!dc) return sendHtml(res, 400, deviceLoginPage({ action, username: params.username, message: 'That code was not recognised or has expired. Check it and try again.' }));
    if (params.action === 'decline') {
      dc.state = 'declined';
      return sendHtml(res, 200, messagePage('Declined', 'You have declined the sign-in. You may close this window.'));
    }
    const user = this.userFor(params.username ?? '');
    if (!user) return sendHtml(res, 400, deviceLoginPage({ action, userCode: params.user_code, message: `AADSTS50034: The user account ${params.username ?? ''} does not exist in the directory.` }));
    this.approveDeviceCode(dc.userCode, user.username);
    sendHtml(res, 200, messagePage('Signed in', `You have signed in to the application as ${user.username}. You may now close this window.`));
  }

  private handleControl(req: IncomingMessage, res: ServerResponse, action: string | undefined, params: Record<string, string>): void {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
    try {
      if (action === 'approve') this.approveDeviceCode(params.user_code ?? '', params.username ?? this.opts.autoApprove ?? '');
      else if (action === 'decline') this.declineDeviceCode(params.user_code ?? '');
      else return sendJson(res, 404, { error: 'not_found' });
    } catch (err) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: (err as Error).message });
    }
    sendJson(res, 200, { ok: true });
  }

  // ------------------------------------------------------------------------------------------ token endpoint

  private async handleToken(req: IncomingMessage, res: ServerResponse, tenant: string, params: Record<string, string>, ctx: RequestContext): Promise<void> {
    const grantType = shortGrant(params.grant_type);
    Object.assign(ctx.record, { grantType, clientId: params.client_id, scope: params.scope, claims: params.claims });
    if (req.method !== 'POST') throw aadError(405, 900144, { detail: 'grant_type', description: 'The request method must be POST.' });
    if (await this.applyFault(res, 'token', grantType)) return;
    if (!params.grant_type) throw aadError(400, 900144, { detail: 'grant_type' });
    if (!params.client_id) throw aadError(400, 900144, { detail: 'client_id' });
    if (params.token_type === 'pop') {
      // Entra's PoP: the access token carries cnf.kid naming the client's key, and token_type is "pop"
      if (!params.req_cnf) throw aadError(400, 900144, { detail: 'req_cnf' });
      ctx.cnf = requestedConfirmation(params.req_cnf);
      if (!ctx.cnf) throw aadError(400, 9002313);
      ctx.record.popKid = ctx.cnf.kid;
    }
    const client = this.authenticateClient(params);
    let body: Record<string, unknown>;
    switch (grantType) {
      case 'device_code':
        body = this.redeemDeviceCode(params, ctx);
        break;
      case 'refresh_token':
        body = this.redeemRefreshToken(tenant, params, ctx);
        break;
      case 'authorization_code':
        body = this.redeemAuthCode(params, ctx);
        break;
      case 'client_credentials':
        body = this.clientCredentials(tenant, params, client, ctx);
        break;
      case 'password':
        body = this.passwordGrant(tenant, params, ctx);
        break;
      default:
        throw aadError(400, 70003, { detail: params.grant_type });
    }
    sendJson(res, 200, body);
  }

  /** ROPC: only users added with a password; anything else is Entra's "invalid username or password". */
  private passwordGrant(tenant: string, params: Record<string, string>, ctx: RequestContext): Record<string, unknown> {
    const key = (params.username ?? '').trim().toLowerCase();
    const user = this.users.get(key);
    const expected = this.passwords.get(key);
    if (!user || expected === undefined || params.password !== expected) throw aadError(400, 50126);
    return this.issueUserTokens({ user, tenantId: this.resolveTenant(tenant, user) }, params.client_id, params.scope ?? '', {}, ctx);
  }

  private redeemDeviceCode(params: Record<string, string>, ctx: RequestContext): Record<string, unknown> {
    const code = params.device_code;
    if (!code) throw aadError(400, 900144, { detail: 'device_code' });
    const dc = this.deviceCodes.get(code);
    if (!dc || dc.clientId !== params.client_id) throw aadError(400, 70018);
    if (Date.now() > dc.expiresAt && dc.state !== 'redeemed') throw aadError(400, 70019);
    if (dc.state === 'pending') throw aadError(400, 70016);
    if (dc.state === 'declined') throw aadError(400, 70020);
    if (dc.state === 'redeemed') throw aadError(400, 54005, { description: 'The device code has already been redeemed.' });
    dc.state = 'redeemed';
    const user = this.userFor(dc.username ?? '') as UserRecord;
    return this.issueUserTokens({ user, tenantId: this.resolveTenant(dc.tenantSegment, user) }, params.client_id, params.scope || dc.scope, {
      claimsRequested: params.claims ?? dc.claims,
    }, ctx);
  }

  private redeemRefreshToken(tenant: string, params: Record<string, string>, ctx: RequestContext): Record<string, unknown> {
    const token = params.refresh_token;
    if (!token) throw aadError(400, 900144, { detail: 'refresh_token' });
    const rt = this.refreshTokens.get(token);
    if (!rt) throw aadError(400, 9002313);
    if (rt.clientId !== params.client_id) throw aadError(400, 70000, { detail: 'refresh_token', clientId: params.client_id });
    const revocation = [this.revocations.get(rt.username.toLowerCase()), this.revocations.get('')]
      .filter((r): r is Revocation => r !== undefined && rt.seq < r.beforeSeq)
      .sort((a, b) => b.beforeSeq - a.beforeSeq)[0];
    if (revocation) throw aadError(400, revocation.aadsts, { issuedAt: rt.issuedAt, clientId: rt.clientId });
    const user = this.users.get(rt.username.toLowerCase());
    if (!user) throw aadError(400, 9002313);
    const tenantId = GUID.test(tenant) ? tenant.toLowerCase() : rt.tenantId;
    return this.issueUserTokens({ user, tenantId }, rt.clientId, params.scope || rt.scope, { claimsRequested: params.claims }, ctx);
  }

  // ------------------------------------------------------------------------------------------ authorize endpoint

  private async handleAuthorize(res: ServerResponse, tenant: string, params: Record<string, string>, ctx: RequestContext): Promise<void> {
    Object.assign(ctx.record, {
      clientId: params.client_id, scope: params.scope, claims: params.claims, prompt: params.prompt, loginHint: params.login_hint,
      responseMode: params.response_mode ?? 'query', redirectUri: params.redirect_uri,
      codeChallengeMethod: params.code_challenge ? (params.code_challenge_method ?? 'plain') : undefined,
    });
    if (!params.client_id) return sendHtml(res, 400, messagePage('Sign-in error', aadText(900144, { detail: 'client_id' })));
    if (!isAcceptableRedirect(params.redirect_uri)) {
      return sendHtml(res, 400, messagePage('Sign-in error', aadText(50011, { detail: params.redirect_uri ?? '', clientId: params.client_id })));
    }
    const request: AuthorizeRequest = {
      tenantSegment: tenant,
      clientId: params.client_id,
      redirectUri: params.redirect_uri,
      scope: params.scope ?? 'openid profile',
      state: params.state,
      nonce: params.nonce,
      codeChallenge: params.code_challenge,
      codeChallengeMethod: params.code_challenge ? (params.code_challenge_method ?? 'plain') : undefined,
      responseMode: params.response_mode === 'form_post' || params.response_mode === 'fragment' ? params.response_mode : 'query',
      loginHint: params.login_hint,
      prompt: params.prompt,
      claims: params.claims,
    };
    const fault = this.takeFault('authorize');
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault && (fault.status !== undefined || fault.malformed)) {
      return sendHtml(res, fault.status ?? 500, fault.malformed ? '<html><body>Service unavail' : messagePage('Service unavailable', aadText(fault.aadsts ?? 90033, {})),
        fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {});
    }
    if (fault && (fault.error !== undefined || fault.aadsts !== undefined)) {
      return this.redirectError(res, request, fault.aadsts ?? 90033, { error: fault.error, description: fault.description, claims: fault.claims, suberror: fault.suberror });
    }
    if (!(params.response_type ?? '').split(' ').includes('code')) {
      return this.redirectError(res, request, 70003, { error: 'unsupported_response_type', description: `The provided value for the input parameter 'response_type' is not allowed for this request. Expected value: 'code'.` });
    }
    if (request.codeChallengeMethod && !['S256', 'plain'].includes(request.codeChallengeMethod)) {
      return this.redirectError(res, request, 900144, { error: 'invalid_request', description: `The provided code_challenge_method '${request.codeChallengeMethod}' is not supported. Supported: S256, plain.` });
    }
    if (this.opts.autoApprove) return this.completeSignIn(res, request, this.userFor(this.opts.autoApprove) as UserRecord, ctx);
    if (request.prompt === 'none') return this.redirectError(res, request, 50058);
    const id = base64url(randomBytes(18));
    this.pendingSignIns.set(id, request);
    sendHtml(res, 200, signInPage({ action: `${this.authorityHost}/${tenant}/login`, ctx: id, loginHint: request.loginHint, clientId: request.clientId, prompt: request.prompt }));
  }

  private handleSignInForm(res: ServerResponse, params: Record<string, string>, ctx: RequestContext): void {
    const request = this.pendingSignIns.get(params.ctx ?? '');
    if (!request) return sendHtml(res, 400, messagePage('Sign-in error', 'This sign-in request has expired or was already used. Start again from the application.'));
    Object.assign(ctx.record, { clientId: request.clientId, scope: request.scope, claims: request.claims, prompt: request.prompt, loginHint: request.loginHint, responseMode: request.responseMode });
    if (params.action === 'cancel') {
      this.pendingSignIns.delete(params.ctx);
      return this.redirectError(res, request, 65004);
    }
    const user = this.userFor(params.username ?? '');
    if (!user) {
      return sendHtml(res, 200, signInPage({
        action: `${this.authorityHost}/${request.tenantSegment}/login`, ctx: params.ctx, loginHint: params.username, clientId: request.clientId,
        error: `AADSTS50034: The user account ${params.username ?? ''} does not exist in the directory. To sign into this application, the account must be added to the directory.`,
      }));
    }
    this.pendingSignIns.delete(params.ctx);
    this.completeSignIn(res, request, user, ctx);
  }

  private completeSignIn(res: ServerResponse, request: AuthorizeRequest, user: UserRecord, ctx: RequestContext): void {
    const code = `1.AQ${base64url(randomBytes(150))}`;
    this.authCodes.set(code, { ...request, username: user.username, expiresAt: Date.now() + 600_000, redeemed: false });
    ctx.record.subject = user.username;
    const fields: Record<string, string> = { code };
    if (request.state !== undefined) fields.state = request.state;
    fields.session_state = newGuid();
    this.sendAuthorizeResponse(res, request, fields);
  }

  private redirectError(res: ServerResponse, request: AuthorizeRequest, aadsts: number, opts: ErrorBodyOptions = {}): void {
    const body = aadErrorBody(aadsts, { clientId: request.clientId, ...opts });
    const fields: Record<string, string> = { error: String(body.error), error_description: String(body.error_description), error_uri: String(body.error_uri) };
    if (body.suberror) fields.suberror = String(body.suberror);
    if (body.claims) fields.claims = String(body.claims);
    if (request.state !== undefined) fields.state = request.state;
    this.sendAuthorizeResponse(res, request, fields);
  }

  private sendAuthorizeResponse(res: ServerResponse, request: AuthorizeRequest, fields: Record<string, string>): void {
    if (request.responseMode === 'form_post') return sendHtml(res, 200, formPostPage(request.redirectUri, fields));
    const target = new URL(request.redirectUri);
    if (request.responseMode === 'fragment') target.hash = new URLSearchParams(fields).toString();
    else for (const [k, v] of Object.entries(fields)) target.searchParams.set(k, v);
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' });
    res.end();
  }

  private redeemAuthCode(params: Record<string, string>, ctx: RequestContext): Record<string, unknown> {
    if (!params.code) throw aadError(400, 900144, { detail: 'code' });
    const record = this.authCodes.get(params.code);
    if (!record || record.clientId !== params.client_id) throw aadError(400, 70000, { detail: 'code' });
    if (record.redeemed) throw aadError(400, 54005);
    if (Date.now() > record.expiresAt) throw aadError(400, 70008);
    if (params.redirect_uri !== record.redirectUri) {
      throw aadError(400, 50011, { error: 'invalid_grant', description: `The redirect URI '${params.redirect_uri ?? ''}' does not match the redirect URI '${record.redirectUri}' used to obtain the authorization code.` });
    }
    if (record.codeChallenge) {
      if (!params.code_verifier) throw aadError(400, 50148);
      const derived = record.codeChallengeMethod === 'S256' ? base64url(createHash('sha256').update(params.code_verifier).digest()) : params.code_verifier;
      if (derived !== record.codeChallenge) throw aadError(400, 501481);
    }
    record.redeemed = true;
    const user = this.users.get(record.username.toLowerCase()) as UserRecord;
    return this.issueUserTokens({ user, tenantId: this.resolveTenant(record.tenantSegment, user) }, record.clientId, params.scope || record.scope, {
      nonce: record.nonce, claimsRequested: params.claims ?? record.claims,
    }, ctx);
  }

  // ------------------------------------------------------------------------------------------ Microsoft Graph (the slice we use)

  private async handleGraph(req: IncomingMessage, res: ServerResponse, url: URL, seg: string[], params: Record<string, string>): Promise<void> {
    if (await this.applyFault(res, 'graph')) return;
    const caller = this.graphCaller(req);
    if ('error' in caller) return sendJson(res, 401, graphError('InvalidAuthenticationToken', caller.error), { 'WWW-Authenticate': `Bearer realm="", authorization_uri="${this.authority('common')}/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"` });
    const path = seg.join('/');
    if (path === 'oidc/userinfo') {
      const u = caller.user;
      if (!u) return sendJson(res, 400, graphError('BadRequest', 'userinfo is only valid with delegated authentication flow.'));
      return sendJson(res, 200, { sub: pairwiseSub(u.oid, 'userinfo'), name: u.name, email: u.username, family_name: u.name.split(' ').at(-1), given_name: u.name.split(' ')[0] });
    }
    if (seg[0] !== 'v1.0' && seg[0] !== 'beta') return sendJson(res, 404, graphError('BadRequest', `Invalid version: ${seg[0] ?? ''}`));
    const rest = seg.slice(1);
    // /me/... or /users/{id|upn}/...
    let subject: { oid: string; groups: string[]; username?: string; name?: string } | undefined;
    let tail: string[];
    if (rest[0] === 'me') {
      if (!caller.user) return sendJson(res, 400, graphError('BadRequest', '/me request is only valid with delegated authentication flow.'));
      subject = caller.user;
      tail = rest.slice(1);
    } else if ((rest[0] === 'users' || rest[0] === 'servicePrincipals') && rest[1]) {
      // the overage endpoint of an app token names its principal under /users too, so look principals up everywhere
      const id = decodeURIComponent(rest[1]).toLowerCase();
      subject = [...this.users.values()].find((u) => u.oid === id || u.username.toLowerCase() === id)
        ?? [...this.servicePrincipals.values()].map((sp) => ({ oid: sp.objectId, groups: sp.groups, name: sp.displayName })).find((p) => p.oid === id)
        ?? this.managedIdentities.map((mi) => ({ oid: mi.principalId, groups: mi.groups })).find((p) => p.oid === id);
      if (!subject) return sendJson(res, 404, graphError('Request_ResourceNotFound', `Resource '${rest[1]}' does not exist or one of its queried reference-property objects are not present.`));
      tail = rest.slice(2);
    } else if (rest.join('/') === 'directoryObjects/getByIds' && req.method === 'POST') {
      return sendJson(res, 200, { '@odata.context': `${this.graphUrl}/v1.0/$metadata#directoryObjects`, value: this.directoryObjects(jsonArray(params.ids), jsonArray(params.types)) });
    } else {
      return sendJson(res, 404, graphError('BadRequest', `Resource not found for the segment '${rest[0] ?? ''}'.`));
    }
    const action = tail.join('/');
    if (action === '' && req.method === 'GET') {
      if (!subject.username) return sendJson(res, 200, { '@odata.context': `${this.graphUrl}/v1.0/$metadata#servicePrincipals/$entity`, id: subject.oid, displayName: subject.name ?? null });
      return sendJson(res, 200, { '@odata.context': `${this.graphUrl}/v1.0/$metadata#users/$entity`, id: subject.oid, userPrincipalName: subject.username, displayName: subject.name, mail: subject.username });
    }
    if ((action === 'getMemberObjects' || action === 'getMemberGroups') && req.method === 'POST') {
      return sendJson(res, 200, { '@odata.context': `${this.graphUrl}/v1.0/$metadata#Collection(Edm.String)`, value: [...subject.groups] });
    }
    if ((action === 'memberOf' || action === 'transitiveMemberOf') && req.method === 'GET') {
      // paged like Graph (100 per page by default, $top up to 999) so callers have to follow @odata.nextLink
      const top = Math.min(Math.max(Number(url.searchParams.get('$top') ?? 100) || 100, 1), 999);
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0) || 0;
      const page = subject.groups.slice(skip, skip + top).map((id) => this.groupObject(id));
      const body: Record<string, unknown> = { '@odata.context': `${this.graphUrl}/v1.0/$metadata#directoryObjects`, value: page };
      if (skip + top < subject.groups.length) {
        const next = new URL(url);
        next.searchParams.set('$top', String(top));
        next.searchParams.set('$skiptoken', String(skip + top));
        body['@odata.nextLink'] = next.toString();
      }
      return sendJson(res, 200, body);
    }
    return sendJson(res, 404, graphError('BadRequest', `Unsupported request: ${req.method ?? ''} ${url.pathname}`));
  }

  /** Validates a Graph bearer token the way Graph would: our signature, a Graph audience, not expired. */
  private graphCaller(req: IncomingMessage): { user?: UserRecord; oid: string } | { error: string } {
    const auth = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!token) return { error: 'Access token is empty.' };
    const claims = this.verifyOwnToken(token);
    if (!claims) return { error: 'Invalid signature.' };
    if (!isGraph(String(claims.aud ?? ''))) return { error: 'Access token validation failure. Invalid audience.' };
    const now = nowSec();
    if (typeof claims.exp !== 'number' || claims.exp <= now || (typeof claims.nbf === 'number' && claims.nbf > now + 300)) {
      return { error: 'Lifetime validation failed, the token is expired.' };
    }
    const oid = String(claims.oid ?? '');
    return { oid, user: claims.idtyp === 'app' ? undefined : [...this.users.values()].find((u) => u.oid === oid) };
  }

  /** Claims of a token this emulator signed (any tenant), or undefined. */
  verifyOwnToken(token: string): Record<string, unknown> | undefined {
    const jwt = decodeJwt(token);
    if (!jwt) return undefined;
    const tid = String(jwt.payload.tid ?? '');
    const key = this.tenantKeys.get(tid)?.find((k) => k.kid === jwt.header.kid);
    if (!key || jwt.payload.iss !== this.issuer(tid) || !verifySignature(jwt, key.publicJwk)) return undefined;
    return jwt.payload;
  }

  verifyPopToken(shr: string, opts: Omit<PopVerifyOptions, 'accessToken'> = {}): VerifiedPop {
    return verifyPopToken(shr, { ...opts, accessToken: (at) => this.verifyOwnToken(at) });
  }

  private groupObject(id: string): Record<string, unknown> {
    return {
      '@odata.type': '#microsoft.graph.group', id,
      displayName: this.groupNames.get(id.toLowerCase()) ?? `group-${id.slice(0, 8)}`,
      securityEnabled: true, mailEnabled: false, description: null,
    };
  }

  private directoryObjects(ids: string[], types: string[]): Record<string, unknown>[] {
    const wantType = (t: string): boolean => types.length === 0 || types.some((x) => x.toLowerCase() === t);
    const knownGroups = new Set([...this.groupNames.keys(), ...[...this.users.values()].flatMap((u) => u.groups.map((g) => g.toLowerCase()))]);
    const out: Record<string, unknown>[] = [];
    for (const raw of ids) {
      const id = raw.toLowerCase();
      const user = [...this.users.values()].find((u) => u.oid === id);
      if (user && wantType('user')) out.push({ '@odata.type': '#microsoft.graph.user', id: user.oid, displayName: user.name, userPrincipalName: user.username });
      else if (knownGroups.has(id) && wantType('group')) out.push(this.groupObject(raw));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ confidential clients

  /** client_secret, certificate assertion (private_key_jwt) or federated assertion; public clients send none. */
  private authenticateClient(params: Record<string, string>): ClientAuth {
    const sp = this.servicePrincipals.get(params.client_id.toLowerCase());
    const hasCredentials = !!sp && (!!sp.secret || sp.certificates.length > 0 || sp.federated.length > 0);
    if (params.client_assertion) {
      if (params.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') throw aadError(400, 900144, { detail: 'client_assertion_type' });
      if (!sp) throw aadError(400, 700016, { clientId: params.client_id });
      const jwt = decodeJwt(params.client_assertion);
      if (!jwt) throw aadError(400, 50027);
      const p = jwt.payload;
      const now = nowSec();
      const outOfTime = typeof p.exp !== 'number' || p.exp <= now || (typeof p.nbf === 'number' && p.nbf > now + 300);
      if (p.iss === sp.clientId && p.sub === sp.clientId) {
        const thumb = String(jwt.header['x5t#S256'] ?? jwt.header.x5t ?? '');
        const cert = sp.certificates.find((c) => c.sha256 === thumb || c.sha1 === thumb);
        if (!cert) throw aadError(401, 700027, { detail: `(Reason - The key was not found., Thumbprint of key used by client: '${thumb}')` });
        if (!verifySignature(jwt, cert.publicKey)) throw aadError(401, 700027, { detail: '(Reason - The signature is invalid.)' });
        const aud = String(p.aud ?? '');
        if (!aud.startsWith(this.authorityHost) || !/\/oauth2\/(v2\.0\/)?token$/.test(aud)) {
          throw aadError(401, 700027, { detail: `(Reason - The audience '${aud}' is not the token endpoint.)` });
        }
        if (outOfTime) throw aadError(401, 700024);
        return { method: 'certificate', sp };
      }
      if (jwt.header.kid !== this.federationKey.kid || !verifySignature(jwt, this.federationKey.publicJwk)) throw aadError(400, 700211, { detail: String(p.iss ?? '') });
      const audiences = Array.isArray(p.aud) ? p.aud.map(String) : [String(p.aud ?? '')];
      const sameIssuer = sp.federated.filter((f) => f.issuer === p.iss);
      if (sameIssuer.length === 0) throw aadError(400, 700211, { detail: String(p.iss ?? '') });
      const match = sameIssuer.find((f) => f.subject === p.sub);
      if (!match) {
        throw aadError(400, 70021, { detail: `Assertion Issuer: '${String(p.iss)}'. Assertion Subject: '${String(p.sub)}'. Assertion Audience: '${audiences.join(',')}'.` });
      }
      if (!audiences.includes(match.audience)) throw aadError(400, 700212, { detail: audiences.join(',') });
      if (outOfTime) throw aadError(400, 700024);
      return { method: 'federated', sp };
    }
    if (params.client_secret !== undefined) {
      if (!sp) throw aadError(400, 700016, { clientId: params.client_id });
      if (!sp.secret || !sameSecret(sp.secret, params.client_secret)) throw aadError(401, 7000215, { clientId: sp.clientId });
      return { method: 'secret', sp };
    }
    if (hasCredentials) throw aadError(401, 7000218);
    return { method: 'none' };
  }

  private clientCredentials(tenant: string, params: Record<string, string>, client: ClientAuth, ctx: RequestContext): Record<string, unknown> {
    if (client.method === 'none') throw aadError(401, 7000218);
    const scopes = parseScopes(params.scope);
    if (scopes.permissions.length !== 1 || scopes.permissions[0] !== '.default') throw aadError(400, 1002012, { detail: params.scope ?? '' });
    const sp = client.sp;
    const tenantId = GUID.test(tenant) ? tenant.toLowerCase() : sp.tenantId;
    ctx.record.subject = sp.clientId;
    const acr = client.method === 'secret' ? '1' : '2';
    return this.issueAppToken({ tenantId, audience: scopes.resource, clientId: sp.clientId, objectId: sp.objectId, acr, groups: sp.groups, roles: sp.roles, cnf: ctx.cnf });
  }

  private issueAppToken(o: { tenantId: string; audience: string; clientId: string; objectId: string; acr: string; groups: string[]; roles: string[]; extra?: Record<string, unknown>; cnf?: RequestContext['cnf'] }): Record<string, unknown> {
    const lifetime = this.accessTokenLifetime;
    const iat = nowSec();
    const claims: Record<string, unknown> = {
      aud: o.audience, iss: this.issuer(o.tenantId), iat, nbf: iat, exp: iat + lifetime,
      aio: base64url(randomBytes(32)), appid: o.clientId, appidacr: o.acr, azp: o.clientId, azpacr: o.acr, idtyp: 'app',
      oid: o.objectId, sub: o.objectId, tid: o.tenantId, rh: `0.${base64url(randomBytes(24))}.`, uti: base64url(randomBytes(16)), ver: '2.0',
      ...o.extra,
    };
    if (o.roles.length) claims.roles = [...o.roles];
    Object.assign(claims, this.groupClaims({ oid: o.objectId, groups: o.groups }));
    if (o.cnf) claims.cnf = { ...o.cnf };
    return { token_type: o.cnf ? 'pop' : 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: signJwt(claims, this.activeKey(o.tenantId)) };
  }

  // ------------------------------------------------------------------------------------------ token minting

  private issueUserTokens(
    who: TokenSubject, clientId: string, scope: string, extra: { nonce?: string; claimsRequested?: string }, ctx: RequestContext,
  ): Record<string, unknown> {
    const { user, tenantId } = who;
    const scopes = parseScopes(scope);
    const lifetime = this.accessTokenLifetime;
    const iat = nowSec();
    const common = { iss: this.issuer(tenantId), iat, nbf: iat, tid: tenantId, oid: user.oid, name: user.name, preferred_username: user.username, ver: '2.0', rh: `0.${base64url(randomBytes(24))}.`, uti: base64url(randomBytes(16)), aio: base64url(randomBytes(32)) };
    // a satisfied access-token claims challenge (Conditional Access asking for MFA) shows up as amr=mfa
    const amr = challengesAccessToken(extra.claimsRequested) ? ['pwd', 'mfa'] : ['pwd'];
    const access = {
      aud: scopes.resource,
      ...common,
      exp: iat + lifetime,
      sub: pairwiseSub(user.oid, scopes.resource),
      upn: user.username,
      unique_name: user.username,
      scp: grantedPermissions(scopes).join(' '),
      appid: clientId,
      appidacr: '0',
      azp: clientId,
      azpacr: '0',
      idtyp: 'user',
      amr,
      ...this.groupClaims(user),
      ...(ctx.cnf ? { cnf: { ...ctx.cnf } } : {}),
    };
    ctx.record.subject = user.username;
    const body: Record<string, unknown> = {
      token_type: ctx.cnf ? 'pop' : 'Bearer',
      scope: responseScope(scopes),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: signJwt(access, this.activeKey(tenantId)),
    };
    if (scopes.oidc.has('offline_access')) body.refresh_token = this.newRefreshToken(user, clientId, scope, tenantId);
    if (scopes.oidc.has('openid')) {
      const idToken: Record<string, unknown> = {
        aud: clientId,
        ...common,
        exp: iat + 3600,
        sub: pairwiseSub(user.oid, clientId),
        upn: user.username,
        ...this.groupClaims(user),
      };
      if (extra.nonce) idToken.nonce = extra.nonce;
      body.id_token = signJwt(idToken, this.activeKey(tenantId));
      body.client_info = base64url(JSON.stringify({ uid: user.oid, utid: tenantId }));
    }
    return body;
  }

  private groupClaims(user: { oid: string; groups: string[] }): Record<string, unknown> {
    const limit = this.opts.groupsOverageLimit ?? 200;
    if (user.groups.length === 0) return {};
    if (user.groups.length <= limit) return { groups: [...user.groups] };
    return {
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: `${this.graphUrl}/v1.0/users/${user.oid}/getMemberObjects` } },
    };
  }

  private newRefreshToken(user: UserRecord, clientId: string, scope: string, tenantId: string): string {
    const token = `1.AQ${base64url(randomBytes(120))}`;
    this.refreshTokens.set(token, { username: user.username, clientId, scope, tenantId, seq: ++this.seq, issuedAt: new Date() });
    return token;
  }

  // ------------------------------------------------------------------------------------------ managed identity (plain HTTP)

  private async handleImds(req: IncomingMessage, res: ServerResponse, url: URL, ctx: RequestContext): Promise<void> {
    ctx.record.endpoint = 'imds';
    const q = url.searchParams;
    const path = url.pathname.replace(/\/+$/, ''); // msal canonicalises the endpoint with a trailing slash
    const imdsStyle = path === '/metadata/identity/oauth2/token';
    const appServiceStyle = path === '/msi/token';
    ctx.record.scope = q.get('resource') ?? undefined;
    ctx.record.clientId = q.get('client_id') ?? q.get('clientid') ?? undefined;
    if (req.method !== 'GET' || (!imdsStyle && !appServiceStyle)) return sendJson(res, 404, { error: 'not_found', error_description: `No route for ${req.method ?? ''} ${url.pathname}` });
    if (await this.applyFault(res, 'imds')) return;
    const bad = (description: string): void => sendJson(res, 400, { error: 'invalid_request', error_description: description });
    if (imdsStyle && req.headers.metadata !== 'true') return bad('Required metadata header not specified');
    if (appServiceStyle && req.headers['x-identity-header'] !== this.imdsIdentityHeader) {
      return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized request: X-IDENTITY-HEADER is missing or wrong.' });
    }
    if (!q.get('api-version')) return bad("Required query variable 'api-version' is missing");
    const resource = q.get('resource');
    if (!resource) return bad("Required query variable 'resource' is missing");
    const clientId = (q.get('client_id') ?? q.get('clientid'))?.toLowerCase();
    const objectId = (q.get('object_id') ?? q.get('principal_id'))?.toLowerCase();
    const resourceId = q.get('msi_res_id') ?? q.get('mi_res_id');
    let mi: ManagedIdentityRecord | undefined;
    if (clientId) mi = this.managedIdentities.find((m) => m.clientId === clientId);
    else if (objectId) mi = this.managedIdentities.find((m) => m.principalId === objectId);
    else if (resourceId) mi = this.managedIdentities.find((m) => m.resourceId?.toLowerCase() === resourceId.toLowerCase());
    // no identity parameter: the system-assigned identity, or the only user-assigned one (as IMDS does)
    else mi = this.managedIdentities.find((m) => m.systemAssigned) ?? (this.managedIdentities.length === 1 ? this.managedIdentities[0] : undefined);
    if (!mi) return bad('Identity not found');
    ctx.record.subject = mi.principalId;
    const token = this.issueAppToken({
      tenantId: mi.tenantId, audience: resource, clientId: mi.clientId, objectId: mi.principalId, acr: '2', groups: mi.groups, roles: [],
      extra: mi.resourceId ? { xms_mirid: mi.resourceId } : {},
    });
    const lifetime = this.accessTokenLifetime;
    const now = nowSec();
    // IMDS and App Service answer with numbers as strings, expires_on as epoch seconds
    const body: Record<string, unknown> = { access_token: token.access_token, client_id: mi.clientId, expires_on: String(now + lifetime), resource, token_type: 'Bearer' };
    if (imdsStyle) Object.assign(body, { expires_in: String(lifetime), ext_expires_in: String(lifetime), not_before: String(now) });
    sendJson(res, 200, body);
  }

}

function certificateOf(pem: string): ServicePrincipalRecord['certificates'][number] {
  const cert = new X509Certificate(pem);
  return {
    sha1: base64url(createHash('sha1').update(cert.raw).digest()),
    sha256: base64url(createHash('sha256').update(cert.raw).digest()),
    publicKey: cert.publicKey,
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** Public clients may redirect to http on loopback (any port), apps to https, native apps to a custom scheme. */
function isAcceptableRedirect(uri: string | undefined): uri is string {
  if (!uri) return false;
  try {
    const u = new URL(uri);
    if (u.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    return u.protocol !== 'javascript:' && u.protocol !== 'data:' && u.protocol !== 'file:';
  } catch {
    return false;
  }
}

function graphError(code: string, message: string): Record<string, unknown> {
  return { error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': newGuid(), 'client-request-id': newGuid() } } };
}

function jsonArray(v: string | undefined): string[] {
  if (!v) return [];
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function challengesAccessToken(claims: string | undefined): boolean {
  if (!claims) return false;
  try {
    return typeof (JSON.parse(claims) as Record<string, unknown>).access_token === 'object';
  } catch {
    return false;
  }
}

function aadText(code: number, opts: ErrorBodyOptions): string {
  return String(aadErrorBody(code, opts).error_description);
}

/** Entra's `sub` is pairwise: stable for one user and one app, different across apps. Use `oid` to identify a user. */
function pairwiseSub(oid: string, app: string): string {
  return base64url(createHash('sha256').update(`${oid}|${app}`).digest()).slice(0, 43);
}

function displayNameOf(username: string): string {
  const local = username.split('@')[0] ?? username;
  return local.split(/[._-]/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join(' ') || username;
}

function formatLogLine(r: EmulatorRequest): string {
  const parts = [new Date(r.at).toISOString(), r.method, r.path, `-> ${r.status}`, r.endpoint];
  if (r.grantType) parts.push(`grant=${r.grantType}`);
  if (r.clientId) parts.push(`client=${r.clientId}`);
  if (r.scope) parts.push(`scope="${r.scope}"`);
  if (r.subject) parts.push(`as=${r.subject}`);
  if (r.claims) parts.push('claims=yes');
  return parts.join(' ');
}

export async function startEntraEmulator(opts: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const emu = new Emulator(opts);
  await emu.listen();
  return emu;
}

