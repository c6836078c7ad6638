// How Entra reads a v2 `scope` parameter: OIDC scopes, then scopes of ONE resource, written
// `<resource>/<permission>` (`<resource>/.default` = everything consented). Bare permissions mean Graph.

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const AKS_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
const OIDC = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface ParsedScopes {
  oidc: Set<string>;
  /** resource as requested: a GUID, an app ID URI or a URL; also the token's `aud` */
  resource: string;
  /** permissions of that resource (`.default` kept) */
  permissions: string[];
  /** resource scopes as requested, for the response's `scope` */
  requested: string[];
}

export function parseScopes(scope: string | undefined): ParsedScopes {
  const all = (scope ?? '').split(/\s+/).filter(Boolean);
  const oidc = new Set(all.filter((s) => OIDC.has(s)));
  const requested = all.filter((s) => !OIDC.has(s));
  let resource = '';
  const permissions: string[] = [];
  for (const s of requested) {
    const slash = s.lastIndexOf('/');
    const res = slash > 0 ? s.slice(0, slash) : GRAPH_RESOURCE;
    const perm = slash > 0 ? s.slice(slash + 1) : s;
    resource ||= res;
    if (res === resource) permissions.push(perm);
  }
  return { oidc, resource: resource || GRAPH_RESOURCE, permissions, requested };
}

export function isGraph(resource: string): boolean {
  const r = resource.replace(/\/+$/, '');
  return r === GRAPH_RESOURCE || r === GRAPH_APP_ID;
}

/** `scp` claim: the delegated permissions granted; `.default` expands to what a fresh consent would give. */
export function grantedPermissions(p: ParsedScopes): string[] {
  const explicit = p.permissions.filter((x) => x !== '.default');
  if (explicit.length > 0) return explicit;
  return isGraph(p.resource) ? ['User.Read'] : ['user_impersonation'];
}

/** The response's `scope`: like Entra, the granted permissions as full scopes, plus the `.default` that was asked. */
export function responseScope(p: ParsedScopes): string {
  const prefix = p.requested.length === 0 ? `${GRAPH_RESOURCE}/` : `${p.resource}/`;
  const granted = grantedPermissions(p).map((x) => `${prefix}${x}`);
  return [...new Set([...granted, ...p.requested])].join(' ');
}
