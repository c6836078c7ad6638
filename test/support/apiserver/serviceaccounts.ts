// TEST DOUBLE of kube-apiserver — service-account tokens: the TokenRequest subresource
// (POST /api/v1/namespaces/NS/serviceaccounts/SA/token, what `kubectl create token` calls) and the
// authenticator that accepts the tokens it signs. After pkg/registry/core/serviceaccount/storage/token.go
// and pkg/serviceaccount/{claims,jwt}.go of kube 1.32, checked against a real kube-apiserver in
// test/real-apiserver/fidelity.test.ts (test/support/fidelity-cases.ts):
//  * the token is an RS256 JWT signed with the server's service-account key (`kid` = base64url SHA-256 of
//    the public key's DER), claims iss, sub, aud, iat, nbf, exp, jti and `kubernetes.io` (namespace,
//    serviceaccount name/uid, and when bound pod, node or secret name/uid);
//  * audiences default to the API server's (--api-audiences, which defaults to the issuer);
//    expirationSeconds defaults to 3600 and must be 600 .. 2^32 (422 otherwise, with kube's wording);
//  * a pod-bound token also names the pod's node (with its uid when the Node exists); a pod-bound
//    request for exactly 3607 s with kube audiences gets a one-year token with `warnafter`, as
//    --service-account-extend-token-expiration (default true) does for projected volumes;
//  * authentication: signature, exp/nbf/iat with go-jose's 60 s leeway, an audience shared with the API
//    server's, and the ServiceAccount (and bound pod, node or secret) must still exist with the uid the
//    token names. The user: system:serviceaccount:NS:SA, uid of the ServiceAccount, groups
//    system:serviceaccounts and system:serviceaccounts:NS, extra credential-id JTI=<jti> and, when bound,
//    pod-name/pod-uid and node-name/node-uid.
// The real server caches a successful token review for about 10 s; the double checks every request.
import { createHash, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { UserInfo } from './rbac.js';
import { resourceTypeForKind } from './resources.js';
import type { ObjectStore, StoredObject } from './store.js';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc';

/** token.WarnOnlyBoundTokenExpirationSeconds and token.ExpirationExtensionSeconds */
const WARN_ONLY_SECONDS = 60 * 60 + 7;
const EXTENDED_SECONDS = 24 * 365 * 60 * 60;
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** go-jose's jwt.DefaultLeeway, which kube's validator uses for exp, nbf and iat */
const LEEWAY_SECONDS = 60;

const KEY = 'authentication.kubernetes.io';

/** A TokenRequest refused as the real server refuses it: the HTTP status, kube's message and Status details. */
export class TokenRequestError extends Error {
  constructor(readonly code: 400 | 404 | 409 | 422, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

export class ServiceAccountTokenRejected extends Error {}

export interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: BoundObjectRef | null;
}

interface Ref {
  name: string;
  uid?: string;
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  node?: Ref;
  secret?: Ref;
  warnafter?: number;
}

const notFound = (resource: string, name: string) => new TokenRequestError(404, `${resource} "${name}" not found`, { name, kind: resource });

export class ServiceAccountTokens {
  private key?: { privateKey: KeyObject; publicKey: KeyObject; kid: string };

  constructor(
    private readonly store: ObjectStore,
    readonly issuer: string,
    readonly audiences: string[],
  ) {}

  /** generated on first use: most servers never issue a token, and a 2048-bit key takes a while on a loaded machine */
  private signingKey() {
    if (!this.key) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
      this.key = { privateKey, publicKey, kid };
    }
    return this.key;
  }

  private object(kind: string, name: string, namespace?: string): StoredObject | undefined {
    const type = resourceTypeForKind(kind);
    return type ? this.store.get(type, name, namespace) : undefined;
  }

  /**
   * The TokenRequest the real server answers with (201), or throws TokenRequestError. `body` is the
   * request as sent (kubectl sends apiVersion, kind, metadata and spec; `{}` is accepted too).
   */
  issue(namespace: string, name: string, body: { metadata?: { name?: string; namespace?: string }; spec?: TokenRequestSpec | null }, nowMs = Date.now()): Record<string, unknown> {
    // NamespaceLifecycle admission runs before the registry
    if (!this.object('Namespace', namespace)) throw notFound('namespaces', namespace);
    const invalid = (field: string, value: unknown, message: string, objectName = name) =>
      new TokenRequestError(422, `TokenRequest.authentication.k8s.io "${objectName}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${message}`, {
        name: objectName,
        group: 'authentication.k8s.io',
        kind: 'TokenRequest',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${message}`, field }],
      });
    if (body.metadata?.name && body.metadata.name !== name) throw invalid('metadata.name', body.metadata.name, 'must match the service account name if specified');
    if (body.metadata?.namespace && body.metadata.namespace !== namespace) throw invalid('metadata.namespace', body.metadata.namespace, 'must match the service account namespace if specified');
    const sa = this.object('ServiceAccount', name, namespace);
    if (!sa) throw notFound('serviceaccounts', name);

    const spec = body.spec ?? {};
    const audiences = spec.audiences?.length ? [...spec.audiences] : [...this.audiences];
    const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    // static validation names no object ("" in the message), unlike the metadata checks above
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) throw invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes', '');
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) throw invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds', '');

    const claims: KubernetesClaims = { namespace, serviceaccount: { name, uid: String(sa.metadata.uid) } };
    const ref = spec.boundObjectRef;
    let podBound = false;
    if (ref) {
      const [group, version] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/') : ['', ref.apiVersion ?? ''];
      const refName = ref.name ?? '';
      let bound: StoredObject | undefined;
      if (group === '' && ref.kind === 'Pod') {
        bound = this.object('Pod', refName, namespace);
        if (!bound) throw notFound('pods', refName);
        const podSpec = (bound.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
        if (podSpec.serviceAccountName !== name) throw new TokenRequestError(400, `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        claims.pod = { name: refName, uid: String(bound.metadata.uid) };
        if (podSpec.nodeName) {
          // a node that does not exist is still named, without a uid
          const node = this.object('Node', podSpec.nodeName);
          claims.node = { name: podSpec.nodeName, ...(node ? { uid: String(node.metadata.uid) } : {}) };
        }
        podBound = true;
      } else if (group === '' && ref.kind === 'Node') {
        bound = this.object('Node', refName);
        if (!bound) throw notFound('nodes', refName);
        claims.node = { name: refName, uid: String(bound.metadata.uid) };
      } else if (group === '' && ref.kind === 'Secret') {
        bound = this.object('Secret', refName, namespace);
        if (!bound) throw notFound('secrets', refName);
        claims.secret = { name: refName, uid: String(bound.metadata.uid) };
      } else {
        throw new TokenRequestError(400, `cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ''}`);
      }
      if (ref.uid && ref.uid !== String(bound.metadata.uid)) {
        throw new TokenRequestError(
          409,
          `Operation cannot be fulfilled on ${ref.kind} "${refName}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
          { name: refName, kind: ref.kind },
        );
      }
    }

    const now = Math.floor(nowMs / 1000);
    let lifetime = expirationSeconds;
    if (podBound && expirationSeconds === WARN_ONLY_SECONDS && audiences.every((a) => this.audiences.includes(a))) {
      claims.warnafter = now + WARN_ONLY_SECONDS;
      lifetime = EXTENDED_SECONDS;
    }
    const payload = {
      aud: audiences,
      exp: now + lifetime,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': claims,
      nbf: now,
      sub: `system:serviceaccount:${namespace}:${name}`,
    };
    const key = this.signingKey();
    const signingInput = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const token = `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
    const time = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: time(now) },
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: ref ? { kind: ref.kind, apiVersion: ref.apiVersion, name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}) } : null,
      },
      // the requested lifetime, also when the token itself was extended
      status: { token, expirationTimestamp: time(now + expirationSeconds) },
    };
  }

  /**
   * undefined when the token is not one of this issuer's (another authenticator may own it); the user
   * when valid; throws ServiceAccountTokenRejected when it is this issuer's token but not valid.
   */
  authenticate(token: string, nowMs = Date.now()): UserInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!claims || typeof claims !== 'object' || claims.iss !== this.issuer) return undefined;
    // no key yet means no token was issued: nothing can verify
    if (header.alg !== 'RS256' || !this.key) throw new ServiceAccountTokenRejected('invalid bearer token: token could not be verified');
    if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), this.key.publicKey, Buffer.from(parts[2], 'base64url'))) {
      throw new ServiceAccountTokenRejected('invalid bearer token: token could not be verified');
    }
    const now = nowMs / 1000;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    if (num(claims.exp) !== undefined && now - LEEWAY_SECONDS > num(claims.exp)!) throw new ServiceAccountTokenRejected('service account token has expired');
    if (num(claims.nbf) !== undefined && now + LEEWAY_SECONDS < num(claims.nbf)!) throw new ServiceAccountTokenRejected('service account token is not valid yet');
    if (num(claims.iat) !== undefined && now + LEEWAY_SECONDS < num(claims.iat)!) throw new ServiceAccountTokenRejected('service account token is issued in the future');
    const tokenAudiences = Array.isArray(claims.aud) ? (claims.aud as string[]) : typeof claims.aud === 'string' ? [claims.aud] : [];
    if (!tokenAudiences.some((a) => this.audiences.includes(a))) {
      throw new ServiceAccountTokenRejected(`token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(this.audiences)}`);
    }

    const k = claims['kubernetes.io'] as KubernetesClaims | undefined;
    if (!k?.namespace || !k.serviceaccount?.name) throw new ServiceAccountTokenRejected('service account token claims are missing kubernetes.io namespace or serviceaccount');
    const stillThere = (kind: string, ref: Ref, namespace?: string) => {
      const obj = this.object(kind, ref.name, namespace);
      if (!obj) throw new ServiceAccountTokenRejected(`${kind.toLowerCase()}s "${ref.name}" not found`);
      if (String(obj.metadata.uid) !== ref.uid) throw new ServiceAccountTokenRejected(`${kind} UID (${String(obj.metadata.uid)}) does not match claim (${ref.uid})`);
    };
    stillThere('ServiceAccount', k.serviceaccount, k.namespace);
    if (k.pod) stillThere('Pod', k.pod, k.namespace);
    if (k.secret) stillThere('Secret', k.secret, k.namespace);
    // a pod-bound token only names its node; a node-bound one needs the node
    if (k.node && !k.pod) stillThere('Node', k.node);

    const extra: Record<string, string[]> = {};
    if (k.pod) {
      extra[`${KEY}/pod-name`] = [k.pod.name];
      extra[`${KEY}/pod-uid`] = [k.pod.uid ?? ''];
    }
    if (typeof claims.jti === 'string' && claims.jti) extra[`${KEY}/credential-id`] = [`JTI=${claims.jti}`];
    if (k.node) {
      extra[`${KEY}/node-name`] = [k.node.name];
      if (k.node.uid) extra[`${KEY}/node-uid`] = [k.node.uid];
    }
    return {
      username: `system:serviceaccount:${k.namespace}:${k.serviceaccount.name}`,
      uid: k.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`],
      ...(Object.keys(extra).length ? { extra } : {}),
    };
  }
}
