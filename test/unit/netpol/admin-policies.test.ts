// AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy (v1alpha2): verdicts written
// from the API documents' precedence (docs/network-policies.md), and objects that are not evaluated.
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { compileExtras, policyObjectProblem } from '../../../src/netpol/kinds/compile.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, Traffic } from '../../../src/netpol/types.js';

function pod(ns: string, name: string, labels: Record<string, string>, ip: string, extra: Partial<Pod['spec']> = {}): Peer {
  return { kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [], ...extra }, status: { podIP: ip } }) };
}
const np = (ns: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: ns, name }, spec });
const anp = (name: string, priority: number, spec: Record<string, unknown>): PolicyObject => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec: { priority, ...spec },
});
const banp = (spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec });
const cnp = (name: string, tier: 'Admin' | 'Baseline', priority: number, spec: Record<string, unknown>): PolicyObject => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name },
  spec: { tier, priority, ...spec },
});
const namespaces: { metadata: { name: string; labels: Record<string, string> } }[] = [
  { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', env: 'prod' } } },
  { metadata: { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops' } } },
];
const engine = (policies: NetworkPolicy[], objects: PolicyObject[]) => new PolicyEngine({ namespaces, networkPolicies: policies, policyObjects: objects });
const tcp = (port: number): Traffic => ({ port, protocol: 'TCP' });

const web = pod('shop', 'web', { app: 'web' }, '10.1.0.5');
const api = pod('shop', 'api', { app: 'api' }, '10.1.0.6', { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] });
const probe = pod('ops', 'probe', { app: 'probe' }, '10.2.0.9');
const imds: Peer = { kind: 'ip', ip: '169.254.169.254' };
const everyNamespace = { namespaces: {} };
const denyAllIngress = np('shop', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });

describe('AdminNetworkPolicy', () => {
  it('an egress Deny to 169.254.169.254/32 blocks the metadata service even where a NetworkPolicy allows all egress', () => {
    const e = engine(
      [np('shop', 'allow-all-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })],
      [anp('no-imds', 10, { subject: everyNamespace, egress: [{ name: 'deny-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] })],
    );
    const v = e.evaluate(web, imds, tcp(80));
    expect(v.allowed).toBe(false);
    expect(v.egress.decidedBy).toMatchObject({ kind: 'AdminNetworkPolicy', policy: 'AdminNetworkPolicy no-imds', tier: 'admin', priority: 10, rule: 0, ruleName: 'deny-imds', action: 'Deny' });
    // other addresses fall through to the NetworkPolicy, which allows them
    expect(e.allows(web, { kind: 'ip', ip: '8.8.8.8' }, tcp(443))).toBe(true);
  });

  it('an Allow beats a NetworkPolicy default-deny', () => {
    const e = engine([denyAllIngress], [anp('monitoring', 5, { subject: everyNamespace, ingress: [{ name: 'from-ops', action: 'Allow', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] })]);
    expect(e.allows(probe, api, tcp(8080))).toBe(true);
    expect(e.evaluate(probe, api, tcp(8080)).ingress.decidedBy?.action).toBe('Allow');
    // pods the ANP does not name still meet the NetworkPolicy
    expect(e.allows(web, api, tcp(8080))).toBe(false);
  });

  it('Pass hands the decision to the NetworkPolicies, skipping later admin rules', () => {
    const e = engine(
      [np('shop', 'allow-web', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] })],
      [
        anp('pass-shop', 1, { subject: everyNamespace, ingress: [{ name: 'pass', action: 'Pass', from: [{ namespaces: { matchLabels: { env: 'prod' } } }] }] }),
        anp('deny-all', 2, { subject: everyNamespace, ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }] }),
      ],
    );
    const v = e.evaluate(web, api, tcp(8080));
    expect(v.allowed).toBe(true);
    expect(v.ingress.passed?.[0]).toMatchObject({ policy: 'AdminNetworkPolicy pass-shop', action: 'Pass' });
    // from ops nothing passes: the lower-precedence Deny applies
    expect(e.evaluate(probe, api, tcp(8080)).ingress.decidedBy).toMatchObject({ policy: 'AdminNetworkPolicy deny-all', action: 'Deny' });
  });

  it('lower priority numbers go first, and rules inside a policy in order', () => {
    const e = engine([], [
      anp('b-allow', 20, { subject: everyNamespace, ingress: [{ name: 'allow', action: 'Allow', from: [{ namespaces: {} }] }] }),
      anp('a-deny', 10, { subject: everyNamespace, ingress: [{ name: 'allow-web', action: 'Allow', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }] }, { name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }] }),
    ]);
    expect(e.allows(web, api, tcp(80))).toBe(true);
    expect(e.allows(probe, api, tcp(80))).toBe(false);
  });

  it('ports: number, named port (resolved on the destination) and range', () => {
    const rule = (ports: unknown[]) => engine([denyAllIngress], [anp('p', 1, { subject: everyNamespace, ingress: [{ name: 'r', action: 'Allow', from: [{ namespaces: {} }], ports }] })]);
    expect(rule([{ portNumber: { protocol: 'TCP', port: 8080 } }]).allows(probe, api, tcp(8080))).toBe(true);
    expect(rule([{ portNumber: { protocol: 'UDP', port: 8080 } }]).allows(probe, api, tcp(8080))).toBe(false);
    expect(rule([{ namedPort: 'http' }]).allows(probe, api, tcp(8080))).toBe(true);
    expect(rule([{ namedPort: 'http' }]).allows(probe, api, tcp(8081))).toBe(false);
    expect(rule([{ portRange: { protocol: 'TCP', start: 8000, end: 9000 } }]).allows(probe, api, tcp(8443))).toBe(true);
    expect(rule([{ portRange: { protocol: 'TCP', start: 8000, end: 9000 } }]).allows(probe, api, tcp(9001))).toBe(false);
  });

  it('networks match pod IPs too (cluster-internal traffic is checked against them)', () => {
    const e = engine([], [anp('no-pod-range', 1, { subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }, egress: [{ name: 'd', action: 'Deny', to: [{ networks: ['10.2.0.0/16'] }] }] })]);
    expect(e.allows(web, probe, tcp(80))).toBe(false);
    expect(e.allows(web, api, tcp(80))).toBe(true);
    // only web is the subject
    expect(e.allows(api, probe, tcp(80))).toBe(true);
  });

  it('host-networked pods are neither subjects nor pod peers', () => {
    const host = pod('shop', 'node-agent', { app: 'agent' }, '10.0.0.4', { hostNetwork: true });
    const e = engine([], [anp('deny', 1, { subject: everyNamespace, ingress: [{ name: 'd', action: 'Deny', from: [{ namespaces: {} }] }] })]);
    expect(e.allows(host, api, tcp(80))).toBe(true);
    expect(e.allows(web, host, tcp(80))).toBe(true);
    expect(e.allows(web, api, tcp(80))).toBe(false);
  });

  it('same-priority policies that disagree: the verdict says the winner is implementation-defined', () => {
    const e = engine([], [
      anp('allow-web', 7, { subject: everyNamespace, ingress: [{ name: 'a', action: 'Allow', from: [{ namespaces: {} }] }] }),
      anp('deny-web', 7, { subject: everyNamespace, ingress: [{ name: 'd', action: 'Deny', from: [{ namespaces: {} }] }] }),
    ]);
    const v = e.evaluate(web, api, tcp(80));
    expect(v.notes.join('\n')).toMatch(/share priority 7 and disagree .*implementation-defined/);
  });

  it('a node peer cannot be decided without nodes: a Deny on it makes an address verdict "cannot tell"', () => {
    const e = engine([], [anp('no-nodes', 1, { subject: everyNamespace, egress: [{ name: 'd', action: 'Deny', to: [{ nodes: {} }] }] })]);
    const v = e.evaluate(web, { kind: 'ip', ip: '10.0.0.4' }, tcp(10250));
    expect(v.cannotTell?.[0].what).toMatch(/no-nodes rule #0.*nodes are not read/);
    // the traced side still says what the evaluated rules decide
    expect(v.egress.allowed).toBe(true);
    // a pod is never a node: decided
    expect(e.evaluate(web, api, tcp(80)).cannotTell).toBeUndefined();
  });
});

describe('BaselineAdminNetworkPolicy', () => {
  const baseline = banp({ subject: everyNamespace, ingress: [{ name: 'deny-cross-ns', action: 'Deny', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] });

  it('decides only for pods no NetworkPolicy selects for that direction', () => {
    expect(engine([], [baseline]).allows(probe, api, tcp(80))).toBe(false);
    expect(engine([], [baseline]).evaluate(probe, api, tcp(80)).ingress.decidedBy).toMatchObject({ tier: 'baseline', action: 'Deny' });
    // a NetworkPolicy selecting api for ingress takes over, and it allows ops
    const allowOps = np('shop', 'allow-ops', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(engine([allowOps], [baseline]).allows(probe, api, tcp(80))).toBe(true);
    // an egress-only NetworkPolicy does not select api for ingress: the baseline still decides
    const egressOnly = np('shop', 'egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    expect(engine([egressOnly], [baseline]).allows(probe, api, tcp(80))).toBe(false);
  });

  it('no matching baseline rule: allowed', () => {
    expect(engine([], [baseline]).allows(web, api, tcp(80))).toBe(true);
  });

  it('refuses Pass (the baseline API has only Allow and Deny)', () => {
    expect(policyObjectProblem(banp({ subject: everyNamespace, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }))).toMatch(/spec.ingress\[0\].action: expected Allow or Deny/);
  });
});

describe('ClusterNetworkPolicy (v1alpha2)', () => {
  it('Admin tier Accept beats a NetworkPolicy deny; Baseline tier Deny only where no NetworkPolicy selects', () => {
    const admin = cnp('accept-ops', 'Admin', 3, { subject: everyNamespace, ingress: [{ name: 'ops', action: 'Accept', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] });
    const base = cnp('isolate', 'Baseline', 3, { subject: everyNamespace, ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }] });
    expect(engine([denyAllIngress], [admin]).allows(probe, api, tcp(80))).toBe(true);
    expect(engine([denyAllIngress], [admin]).evaluate(probe, api, tcp(80)).ingress.decidedBy).toMatchObject({ action: 'Accept', tier: 'admin' });
    expect(engine([], [base]).allows(web, api, tcp(80))).toBe(false);
    expect(engine([np('shop', 'open', { podSelector: {}, ingress: [{}] })], [base]).allows(web, api, tcp(80))).toBe(true);
  });

  it('protocols: tcp destinationPort number and range, destinationNamedPort', () => {
    const rule = (protocols: unknown[]) => engine([denyAllIngress], [cnp('p', 'Admin', 1, { subject: everyNamespace, ingress: [{ action: 'Accept', from: [{ namespaces: {} }], protocols }] })]);
    expect(rule([{ tcp: { destinationPort: { number: 8080 } } }]).allows(probe, api, tcp(8080))).toBe(true);
    expect(rule([{ udp: { destinationPort: { number: 8080 } } }]).allows(probe, api, tcp(8080))).toBe(false);
    expect(rule([{ tcp: { destinationPort: { range: { start: 8000, end: 8100 } } } }]).allows(probe, api, tcp(8080))).toBe(true);
    expect(rule([{ destinationNamedPort: 'http' }]).allows(probe, api, tcp(8080))).toBe(true);
  });

  it('a peer of a kind this reader does not know fails closed: an Accept matches nothing, a Deny everything', () => {
    const unknownPeer = [{ someFuturePeer: {} }];
    expect(engine([], [cnp('a', 'Admin', 1, { subject: everyNamespace, ingress: [{ action: 'Deny', from: unknownPeer }] })]).allows(web, api, tcp(80))).toBe(false);
    expect(engine([denyAllIngress], [cnp('a', 'Admin', 1, { subject: everyNamespace, ingress: [{ action: 'Accept', from: unknownPeer }] })]).allows(web, api, tcp(80))).toBe(false);
  });

  it('domainNames peers cannot be decided statically for an address', () => {
    const e = engine([np('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], [cnp('stripe', 'Admin', 1, { subject: everyNamespace, egress: [{ action: 'Accept', to: [{ domainNames: ['api.stripe.com'] }] }] })]);
    const v = e.evaluate(web, { kind: 'ip', ip: '54.187.174.169' }, tcp(443));
    expect(v.egress.allowed).toBe(false);
    expect(v.cannotTell?.[0].what).toMatch(/api\.stripe\.com/);
  });

  it('refuses a tier other than Admin or Baseline', () => {
    expect(policyObjectProblem(cnp('x', 'Admin', 1, { tier: 'Developer', subject: everyNamespace }))).toMatch(/spec.tier: expected Admin or Baseline/);
  });
});

describe('never silent', () => {
  const antrea: PolicyObject = { apiVersion: 'crd.antrea.io/v1beta1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: {} };

  it('a policy kind that is not evaluated makes verdicts touching its namespace "cannot tell", naming it', () => {
    const e = engine([], [antrea]);
    expect(e.notEvaluated).toEqual([{ object: 'NetworkPolicy shop/x', reason: 'kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1)' }]);
    const v = e.evaluate(probe, api, tcp(80));
    expect(v.ingress.allowed).toBe(true);
    expect(v.cannotTell).toEqual([{ what: 'NetworkPolicy shop/x, which may select shop/api and was not evaluated (kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1))' }]);
    // ops is outside its namespace on both ends
    expect(e.evaluate(probe, { kind: 'ip', ip: '8.8.8.8' }, tcp(80)).cannotTell).toBeUndefined();
  });

  it('a certain denial stays DENIED: an unevaluated object on the other side cannot undo it', () => {
    const e = engine([np('ops', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], [antrea]);
    const v = e.evaluate(probe, api, tcp(80));
    expect(v.allowed).toBe(false);
    expect(v.cannotTell).toBeUndefined();
  });

  it('a forbidden list of a policy kind is "cannot tell" within its scope', () => {
    const c = compileExtras([], [{ resource: 'ciliumnetworkpolicies.cilium.io', namespace: 'shop' }, { resource: 'pods', namespace: 'shop' }]);
    expect(c.notEvaluated.map((n) => n.object)).toEqual(['ciliumnetworkpolicies.cilium.io in namespace shop']);
  });

  it('kinds that do not filter traffic are not policies (IP pools, staged policies, Ingress)', () => {
    const c = compileExtras(
      [
        { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'p' } },
        { apiVersion: 'projectcalico.org/v3', kind: 'StagedNetworkPolicy', metadata: { name: 's', namespace: 'shop' } },
        { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'shop' } },
      ],
      [],
    );
    expect(c.notEvaluated).toEqual([]);
  });
});
