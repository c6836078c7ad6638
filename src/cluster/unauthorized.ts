// Why an API server answered 401 to the token we sent: it never says (the body is "Unauthorized"), but
// the token's claims set against the kubeconfig's own settings usually do. Pure: claims and the exec
// entry in, findings with the fix for each out. The token itself never enters; only its decoded payload.
import { claimNumber, claimString, claimStrings, type JwtClaims } from '../jwt.js';
import { boundObject, serviceAccountClaims, type ServiceAccountClaims } from '../serviceaccount-token.js';

/** AKS managed Entra integration's server application (the audience its API servers accept). */
const AKS_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** Audiences that are never a Kubernetes API server. */
const NOT_A_CLUSTER: Record<string, string> = {
  '00000003-0000-0000-c000-000000000000': 'Microsoft Graph',
  'https://graph.microsoft.com': 'Microsoft Graph',
  '00000002-0000-0000-c000-000000000000': 'Azure AD Graph',
  'https://management.azure.com': 'Azure Resource Manager',
  'https://management.core.windows.net/': 'Azure Resource Manager',
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': 'Azure Resource Manager',
};
/** A clock this far apart from the issuer's makes a fresh token look not yet valid. */
const SKEW_TOLERANCE_S = 60;

export interface RejectedTokenFacts {
  /** the payload of the bearer token that was sent (undefined: not a JWT, or no token) */
  claims?: JwtClaims;
  context: string;
  /** the kubeconfig user's exec entry, to read its tenant and server id (never printed) */
  exec?: { command: string; args: string[] };
  now?: Date;
}

export interface RejectionFinding {
  /** tenant | audience | expiry | clock | overage | issuer-version */
  what: string;
  /** false for what only the API server's configuration can confirm (which issuer version it trusts) */
  certain: boolean;
  problem: string;
  fix: string;
}

export interface RejectionDiagnosis {
  /** what to lead the error line with, when the claims say more than the kind of credential does */
  lead?: string;
  /** one line summing up the token that was sent (no secret in it) */
  token?: string;
  findings: RejectionFinding[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The value of --NAME/-X in an exec entry's arguments (kubectl-np and kubelogin share these names). */
function argValue(args: string[], long: string, short?: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === `--${long}` || (short && a === `-${short}`)) return args[i + 1];
    if (a.startsWith(`--${long}=`)) return a.slice(long.length + 3);
  }
  return undefined;
}

type Helper = 'kubectl-np' | 'kubelogin' | 'other';

function helperOf(exec: RejectedTokenFacts['exec']): Helper | undefined {
  if (!exec) return undefined;
  const bin = exec.command.split(/[\\/]/).pop()!.replace(/\.(exe|cmd)$/i, '');
  if ((bin === 'kubectl-np' && exec.args[0] === 'get-token') || (bin === 'kubectl' && exec.args[0] === 'np')) return 'kubectl-np';
  if (bin === 'kubelogin') return 'kubelogin';
  return 'other';
}

function duration(seconds: number): string {
  const abs = Math.abs(Math.round(seconds));
  return abs >= 3600 ? `${Math.floor(abs / 3600)}h${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}m` : abs >= 60 ? `${Math.floor(abs / 60)}m` : `${abs}s`;
}

/** v1 tokens come from https://sts.windows.net/TENANT/, v2 from https://login.microsoftonline.com/TENANT/v2.0 (or a sovereign cloud's). */
function issuerVersion(iss: string | undefined, ver: string | undefined): '1.0' | '2.0' | undefined {
  if (ver === '1.0' || ver === '2.0') return ver;
  if (!iss) return undefined;
  if (/\/v2\.0\/?$/.test(iss)) return '2.0';
  if (/^https:\/\/sts\.(windows\.net|chinacloudapi\.cn|microsoftonline\.us)\//.test(iss)) return '1.0';
  return undefined;
}

function otherIssuer(iss: string, version: '1.0' | '2.0', tid: string | undefined): string | undefined {
  if (!tid) return undefined;
  if (version === '1.0' && iss.startsWith('https://sts.windows.net/')) return `https://login.microsoftonline.com/${tid}/v2.0`;
  if (version === '2.0' && iss.startsWith('https://login.microsoftonline.com/')) return `https://sts.windows.net/${tid}/`;
  return undefined;
}

/**
 * A service-account token is the cluster's own: tenants and server applications do not apply. The API
 * server takes it when it signed it, it is unexpired, its audience is one of the server's (--api-audiences,
 * by default the issuer) and the service account (and the pod, node or Secret it is bound to) still exists
 * with the uid the token names.
 */
function diagnoseServiceAccountToken(sa: ServiceAccountClaims, c: JwtClaims, now: number): RejectionDiagnosis {
  const iss = claimString(c.iss);
  const aud = claimStrings(c.aud) ?? [];
  const exp = claimNumber(c.exp);
  const who = `${sa.namespace}/${sa.name}`;
  const renew = `kubectl create token ${sa.name} -n ${sa.namespace}${sa.pod ? ` --bound-object-kind Pod --bound-object-name ${sa.pod}` : ''}`;
  const findings: RejectionFinding[] = [];
  if (exp !== undefined && exp <= now) {
    findings.push({ what: 'expiry', certain: true, problem: `the service account token expired ${duration(now - exp)} ago (${new Date(exp * 1000).toISOString()})`, fix: renew });
  }
  // `kubectl create token --audience X` makes a token for X, which the API server does not take
  if (aud.length && iss && !aud.includes(iss)) {
    findings.push({
      what: 'audience',
      certain: false,
      problem: `the token's audience is ${aud.join(', ')}: the API server takes a service account token only for its own audiences (--api-audiences, by default its issuer ${iss})`,
      fix: `${renew} (without --audience)`,
    });
  }
  const bound = boundObject(sa);
  findings.push({
    what: 'deleted',
    certain: false,
    problem: `the service account ${who}${bound ? ` or the object the token is bound to (${bound})` : ''} was deleted or recreated since the token was made: the API server refuses the tokens of an object that is gone${sa.uid ? ` (the token names service account uid ${sa.uid})` : ''}`,
    fix: `kubectl get serviceaccount ${sa.name} -n ${sa.namespace} -o jsonpath='{.metadata.uid}', then ${renew}`,
  });
  findings.push({ what: 'issuer', certain: false, problem: `the token was signed by ${iss ? `issuer ${iss}` : 'a cluster'}: another cluster's token, or one signed with a key this API server no longer trusts, is refused`, fix: `${renew} against this cluster` });
  const summary = [`service account ${who}`, bound ? `bound to ${bound}` : undefined, iss ? `issuer ${iss}` : undefined, aud.length ? `audience ${aud.join(', ')}` : undefined, exp !== undefined ? (exp > now ? `expires in ${duration(exp - now)}` : `expired ${duration(now - exp)} ago`) : 'no expiry (legacy token)'].filter(Boolean);
  const first = findings.find((f) => f.certain);
  return {
    lead: first ? first.problem : `the Kubernetes service account token for ${who} is refused (see below)`,
    token: `the token sent (a Kubernetes service account token, not an Entra ID token; decoded locally): ${summary.join(', ')}`,
    findings,
  };
}

export function diagnoseRejectedToken(facts: RejectedTokenFacts): RejectionDiagnosis {
  const c = facts.claims;
  if (!c) return { findings: [] };
  const sa = serviceAccountClaims(c);
  if (sa) return diagnoseServiceAccountToken(sa, c, (facts.now ?? new Date()).getTime() / 1000);
  const now = (facts.now ?? new Date()).getTime() / 1000;
  const tid = claimString(c.tid);
  const iss = claimString(c.iss);
  const aud = claimStrings(c.aud) ?? [];
  const exp = claimNumber(c.exp);
  const nbf = claimNumber(c.nbf);
  const iat = claimNumber(c.iat);
  const version = issuerVersion(iss, claimString(c.ver));
  const overage = (c._claim_names && typeof c._claim_names === 'object' && 'groups' in (c._claim_names as object)) || c.hasgroups === true || c.hasgroups === 'true';
  const groups = Array.isArray(c.groups) ? c.groups.length : undefined;

  const helper = helperOf(facts.exec);
  const args = facts.exec?.args ?? [];
  const tenantArg = helper === 'other' ? undefined : argValue(args, 'tenant-id', 't');
  const serverArg = helper === 'other' ? undefined : (argValue(args, 'server-id') ?? (helper === 'kubectl-np' ? AKS_SERVER_ID : undefined));
  const ctx = facts.context;
  const reLogin =
    helper === 'kubectl-np' ? `kubectl np logout --context ${ctx} && kubectl np login --context ${ctx}` : helper === 'kubelogin' ? 'kubelogin remove-tokens, then run kubectl again' : 'get a new token from the same issuer';
  const signIn = helper === 'kubectl-np' ? `kubectl np login --context ${ctx}` : helper === 'kubelogin' ? 'run kubectl again (kubelogin signs in anew)' : 'get a new token';

  const findings: RejectionFinding[] = [];
  if (exp !== undefined && exp <= now) {
    findings.push({ what: 'expiry', certain: true, problem: `the token expired ${duration(now - exp)} ago (${new Date(exp * 1000).toISOString()})`, fix: signIn });
  }
  const early = Math.max(nbf !== undefined ? nbf - now : -Infinity, iat !== undefined ? iat - now : -Infinity);
  if (early > SKEW_TOLERANCE_S) {
    findings.push({
      what: 'clock',
      certain: true,
      problem: `the token is valid only from ${duration(early)} from now by this machine's clock: this clock or the API server's is off`,
      fix: 'synchronise the clocks (timedatectl set-ntp true, or w32tm /resync on Windows)',
    });
  } else if (exp !== undefined && exp <= now && iat !== undefined && exp - iat > 0 && now - iat < SKEW_TOLERANCE_S) {
    findings.push({ what: 'clock', certain: true, problem: 'the token was issued moments ago and is already past its expiry by this clock', fix: 'synchronise the clocks (timedatectl set-ntp true, or w32tm /resync on Windows)' });
  }
  if (tid) {
    const setupTenant = helper === 'kubectl-np' || helper === 'kubelogin' ? `kubectl np setup --context ${ctx} --tenant-id <the cluster's tenant ID> (az aks show --query aadProfile.tenantId)` : 'get a token from the tenant the cluster trusts';
    if (tenantArg && GUID.test(tenantArg) && tenantArg.toLowerCase() !== tid.toLowerCase()) {
      findings.push({ what: 'tenant', certain: true, problem: `the token is from tenant ${tid}, but the kubeconfig signs in to tenant ${tenantArg}: the cached sign-in belongs to another account`, fix: reLogin });
    } else if (tenantArg && /^(common|organizations|consumers)$/i.test(tenantArg)) {
      findings.push({ what: 'tenant', certain: false, problem: `the kubeconfig signs in to "${tenantArg}", so the token comes from your home tenant ${tid}, which the cluster may not trust`, fix: setupTenant });
    } else {
      findings.push({ what: 'tenant', certain: false, problem: `the token is from tenant ${tid}${tenantArg ? ' (the one the kubeconfig names)' : ''}: a cluster in another tenant rejects it, and signing in again cannot change that`, fix: setupTenant });
    }
  }
  if (aud.length) {
    const other = aud.map((a) => NOT_A_CLUSTER[a.toLowerCase()] ?? NOT_A_CLUSTER[a]).find(Boolean);
    const wanted = serverArg?.toLowerCase();
    const matches = (a: string) => wanted !== undefined && [wanted, `api://${wanted}`, `spn:${wanted}`].includes(a.toLowerCase());
    if (other) {
      findings.push({
        what: 'audience',
        certain: true,
        problem: `the token is for ${other} (aud ${aud.join(', ')}), not for a Kubernetes API server`,
        fix: `kubectl np setup --context ${ctx} --server-id <the cluster's server application ID> (AKS managed Entra: ${AKS_SERVER_ID})`,
      });
    } else if (wanted && !aud.some(matches)) {
      findings.push({ what: 'audience', certain: true, problem: `the token's audience is ${aud.join(', ')}, but the kubeconfig asks for server id ${serverArg}`, fix: reLogin });
    } else {
      findings.push({
        what: 'audience',
        certain: false,
        problem: `the token's audience is ${aud.join(', ')}${wanted ? ' (the server id the kubeconfig names)' : ''}: an API server that expects another (its --oidc-client-id; AKS managed Entra: ${AKS_SERVER_ID}) rejects it`,
        fix: helper === 'kubectl-np' || helper === 'kubelogin' ? `kubectl np setup --context ${ctx} --server-id <the cluster's server application ID>` : 'get a token for the audience the cluster expects',
      });
    }
  }
  if (overage) {
    findings.push({
      what: 'overage',
      certain: true,
      problem: 'the token carries no groups claim (group overage: more groups than fit in a token); an API server that trusts Entra directly as OIDC issuer cannot fetch them and rejects the token',
      fix: 'use AKS managed Entra integration (it resolves overage), or have the server application emit only the groups assigned to it (groupMembershipClaims: ApplicationGroup)',
    });
  }
  if (iss && version) {
    const alternative = otherIssuer(iss, version, tid);
    findings.push({
      what: 'issuer-version',
      certain: false,
      problem: `the token is a v${version} token, issuer ${iss}: an API server configured with ${alternative ? `the v${version === '1.0' ? '2.0' : '1.0'} issuer ${alternative}` : 'another issuer'} rejects it (AKS managed Entra accepts both)`,
      fix: `make the API server's issuer (--oidc-issuer-url or the AuthenticationConfiguration's issuer.url) exactly ${iss}, or set accessTokenAcceptedVersion: ${version === '1.0' ? 2 : 1} on the server application`,
    });
  }

  const summary = [
    tid ? `tenant ${tid}` : undefined,
    iss ? `issuer ${iss}` : undefined,
    aud.length ? `audience ${aud.join(', ')}` : undefined,
    exp !== undefined ? (exp > now ? `expires in ${duration(exp - now)}` : `expired ${duration(now - exp)} ago`) : undefined,
    overage ? 'groups: overage' : groups !== undefined ? `${groups} groups` : 'no groups claim',
  ].filter(Boolean);
  // a re-login cannot fix a token from the wrong tenant or for the wrong audience: lead with what can
  const first = findings.find((f) => f.certain);
  const lead = first ? first.problem : findings.length > 0 && exp !== undefined ? 'the token is unexpired, yet refused: the cluster likely trusts another tenant, audience or issuer (see below)' : undefined;
  return { ...(lead ? { lead } : {}), token: `the token sent (decoded locally): ${summary.join(', ')}`, findings };
}

/** The findings as the lines printed under the error: what is certain first, then what to check. */
export function diagnosisLines(d: RejectionDiagnosis): string[] {
  const lines = d.token ? [d.token] : [];
  for (const f of d.findings.filter((x) => x.certain)) lines.push(`✗ ${f.problem}`, `  fix: ${f.fix}`);
  for (const f of d.findings.filter((x) => !x.certain)) lines.push(`? ${f.problem}`, `  fix: ${f.fix}`);
  return lines;
}
