import { describe, expect, it } from 'vitest';
import { diagnoseRejectedToken, diagnosisLines } from '../../../src/cluster/unauthorized.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const at = (offsetS: number) => Math.floor(NOW.getTime() / 1000) + offsetS;
const CLUSTER_TENANT = '11111111-1111-4111-8111-111111111111';
const HOME_TENANT = '22222222-2222-4222-8222-222222222222';
const AKS = '6dae42f8-4368-4678-94ff-3960e28e3630';
const npExec = (...args: string[]) => ({ command: 'kubectl-np', args: ['get-token', ...args] });
const v2 = (tid: string, extra: Record<string, unknown> = {}) => ({ tid, iss: `https://login.microsoftonline.com/${tid}/v2.0`, ver: '2.0', aud: AKS, iat: at(-600), nbf: at(-600), exp: at(3000), groups: ['g1'], ...extra });
const certain = (d: ReturnType<typeof diagnoseRejectedToken>) => d.findings.filter((f) => f.certain).map((f) => f.what);

describe('why a 401: the token sent against the kubeconfig', () => {
  it('a token from another tenant than the kubeconfig names: sign out and in (the cache holds another account)', () => {
    const d = diagnoseRejectedToken({ claims: v2(HOME_TENANT), context: 'aks-shop', exec: npExec('--tenant-id', CLUSTER_TENANT), now: NOW });
    expect(certain(d)).toEqual(['tenant']);
    expect(d.findings[0]).toMatchObject({ problem: `the token is from tenant ${HOME_TENANT}, but the kubeconfig signs in to tenant ${CLUSTER_TENANT}: the cached sign-in belongs to another account`, fix: 'kubectl np logout --context aks-shop && kubectl np login --context aks-shop' });
  });

  it('a token for the tenant the kubeconfig names, refused all the same: check the tenant with setup --tenant-id, not a re-login', () => {
    const d = diagnoseRejectedToken({ claims: v2(HOME_TENANT), context: 'aks-shop', exec: npExec('--tenant-id', HOME_TENANT), now: NOW });
    expect(certain(d)).toEqual([]);
    const lines = diagnosisLines(d);
    expect(lines[0]).toBe(`the token sent (decoded locally): tenant ${HOME_TENANT}, issuer https://login.microsoftonline.com/${HOME_TENANT}/v2.0, audience ${AKS}, expires in 50m, 1 groups`);
    expect(lines).toContain(`? the token is from tenant ${HOME_TENANT} (the one the kubeconfig names): a cluster in another tenant rejects it, and signing in again cannot change that`);
    expect(lines).toContain("  fix: kubectl np setup --context aks-shop --tenant-id <the cluster's tenant ID> (az aks show --query aadProfile.tenantId)");
  });

  it('"organizations" signs in to the home tenant', () => {
    const d = diagnoseRejectedToken({ claims: v2(HOME_TENANT), context: 'c', exec: npExec('-t', 'organizations'), now: NOW });
    expect(d.findings.find((f) => f.what === 'tenant')?.problem).toBe(`the kubeconfig signs in to "organizations", so the token comes from your home tenant ${HOME_TENANT}, which the cluster may not trust`);
  });

  it('an audience other than --server-id, and tokens that are not for a cluster at all', () => {
    const wrongAud = diagnoseRejectedToken({ claims: v2(CLUSTER_TENANT, { aud: 'api://other' }), context: 'c', exec: npExec('--tenant-id', CLUSTER_TENANT, '--server-id', 'b1b1b1b1-0000-4000-8000-000000000001'), now: NOW });
    expect(certain(wrongAud)).toEqual(['audience']);
    const graph = diagnoseRejectedToken({ claims: v2(CLUSTER_TENANT, { aud: '00000003-0000-0000-c000-000000000000' }), context: 'c', now: NOW });
    expect(graph.findings.find((f) => f.what === 'audience')).toMatchObject({ certain: true, problem: 'the token is for Microsoft Graph (aud 00000003-0000-0000-c000-000000000000), not for a Kubernetes API server' });
    // api://GUID is the same application as GUID
    expect(certain(diagnoseRejectedToken({ claims: v2(CLUSTER_TENANT, { aud: `api://${AKS}` }), context: 'c', exec: npExec('--tenant-id', CLUSTER_TENANT), now: NOW }))).toEqual([]);
  });

  it('expiry, and a clock that is off', () => {
    const expired = diagnoseRejectedToken({ claims: v2(CLUSTER_TENANT, { exp: at(-180) }), context: 'c', exec: npExec('--tenant-id', CLUSTER_TENANT), now: NOW });
    expect(expired.findings[0]).toMatchObject({ what: 'expiry', problem: 'the token expired 3m ago (2026-12-07T11:57:00.000Z)', fix: 'kubectl np login --context c' });
    const future = diagnoseRejectedToken({ claims: v2(CLUSTER_TENANT, { iat: at(900), nbf: at(900), exp: at(4500) }), context: 'c', now: NOW });
    expect(future.findings[0]).toMatchObject({ what: 'clock', certain: true, problem: "the token is valid only from 15m from now by this machine's clock: this clock or the API server's is off" });
  });

  it('groups overage, and the v1/v2 issuer to check', () => {
    const d = diagnoseRejectedToken({
      claims: { tid: CLUSTER_TENANT, iss: `https://sts.windows.net/${CLUSTER_TENANT}/`, ver: '1.0', aud: AKS, exp: at(3000), _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.windows.net/x' } } },
      context: 'c',
      now: NOW,
    });
    expect(certain(d)).toEqual(['overage']);
    expect(d.findings.find((f) => f.what === 'issuer-version')?.problem).toBe(
      `the token is a v1.0 token, issuer https://sts.windows.net/${CLUSTER_TENANT}/: an API server configured with the v2.0 issuer https://login.microsoftonline.com/${CLUSTER_TENANT}/v2.0 rejects it (AKS managed Entra accepts both)`,
    );
    expect(diagnosisLines(d)[0]).toContain('groups: overage');
  });

  it('nothing to say without claims (an opaque token or a client certificate)', () => {
    expect(diagnoseRejectedToken({ context: 'c' })).toEqual({ findings: [] });
  });
});

describe('why a 401 for a Kubernetes service-account token', () => {
  const sa = (extra: Record<string, unknown> = {}) => ({
    iss: 'https://kubernetes.default.svc',
    aud: ['https://kubernetes.default.svc'],
    sub: 'system:serviceaccount:robots:deployer',
    iat: at(-600),
    nbf: at(-600),
    exp: at(3000),
    jti: 'j-1',
    'kubernetes.io': { namespace: 'robots', serviceaccount: { name: 'deployer', uid: 'u-1' } },
    ...extra,
  });

  it('speaks of the service account, never of Entra tenants or server applications', () => {
    const lines = diagnosisLines(diagnoseRejectedToken({ claims: sa(), context: 'c', now: NOW }));
    expect(lines[0]).toBe('the token sent (a Kubernetes service account token, not an Entra ID token; decoded locally): service account robots/deployer, issuer https://kubernetes.default.svc, audience https://kubernetes.default.svc, expires in 50m');
    expect(lines.join('\n')).not.toMatch(/tenant|--oidc|server-id|Entra ID:|AKS/);
    expect(lines).toContain('? the service account robots/deployer was deleted or recreated since the token was made: the API server refuses the tokens of an object that is gone (the token names service account uid u-1)');
  });

  it('an expired token is certain, with kubectl create token as the fix (bound to the same pod)', () => {
    const d = diagnoseRejectedToken({ claims: sa({ exp: at(-120), 'kubernetes.io': { namespace: 'robots', serviceaccount: { name: 'deployer', uid: 'u-1' }, pod: { name: 'runner', uid: 'p-1' } } }), context: 'c', now: NOW });
    expect(certain(d)).toEqual(['expiry']);
    expect(d.lead).toBe('the service account token expired 2m ago (2026-12-07T11:58:00.000Z)');
    expect(d.findings[0].fix).toBe('kubectl create token deployer -n robots --bound-object-kind Pod --bound-object-name runner');
  });

  it('names what a pod-bound token dies with as whoami\'s "Bound to" does: the pod and its node', () => {
    const claims = sa({ 'kubernetes.io': { namespace: 'robots', serviceaccount: { name: 'deployer', uid: 'u-1' }, pod: { name: 'runner', uid: 'p-1' }, node: { name: 'robot-node', uid: 'n-1' } } });
    const lines = diagnosisLines(diagnoseRejectedToken({ claims, context: 'c', now: NOW }));
    expect(lines[0]).toContain(': service account robots/deployer, bound to pod robots/runner on node robot-node, issuer ');
    expect(lines).toContain('? the service account robots/deployer or the object the token is bound to (pod robots/runner on node robot-node) was deleted or recreated since the token was made: the API server refuses the tokens of an object that is gone (the token names service account uid u-1)');
  });

  it('a token made for another audience (kubectl create token --audience) is named as the likely cause', () => {
    const d = diagnoseRejectedToken({ claims: sa({ aud: ['https://vault.example'] }), context: 'c', now: NOW });
    expect(d.findings[0]).toMatchObject({ what: 'audience', problem: "the token's audience is https://vault.example: the API server takes a service account token only for its own audiences (--api-audiences, by default its issuer https://kubernetes.default.svc)", fix: 'kubectl create token deployer -n robots (without --audience)' });
  });
});
