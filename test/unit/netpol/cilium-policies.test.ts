// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy at L3/L4, written from Cilium's documented
// semantics (docs/network-policies.md): deny beats allow, allows union with NetworkPolicy, entities,
// CIDR sets, toPorts, enableDefaultDeny, and what cannot be decided statically.
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { policyObjectProblem } from '../../../src/netpol/kinds/compile.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, Traffic } from '../../../src/netpol/types.js';

function pod(ns: string, name: string, labels: Record<string, string>, ip: string, extra: Partial<Pod['spec']> = {}): Peer {
  return { kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [], ...extra }, status: { podIP: ip } }) };
}
const cnp = (ns: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec });
const ccnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec });
const np = (ns: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: ns, name }, spec });
const namespaces: { metadata: { name: string; labels: Record<string, string> } }[] = [
  { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', team: 'shop' } } },
  { metadata: { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops' } } },
];
const engine = (objects: PolicyObject[], policies: NetworkPolicy[] = []) => new PolicyEngine({ namespaces, networkPolicies: policies, policyObjects: objects });
const tcp = (port: number): Traffic => ({ port, protocol: 'TCP' });

const web = pod('shop', 'web', { app: 'web' }, '10.1.0.5');
const api = pod('shop', 'api', { app: 'api' }, '10.1.0.6', { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }], serviceAccountName: 'api-sa' });
const probe = pod('ops', 'probe', { app: 'probe' }, '10.2.0.9');
const world: Peer = { kind: 'ip', ip: '8.8.8.8' };
const apiSelector = { endpointSelector: { matchLabels: { app: 'api' } } };

describe('CiliumNetworkPolicy', () => {
  it('an ingressDeny beats any allow, from Cilium or NetworkPolicy', () => {
    const e = engine(
      [cnp('shop', 'deny-ops', { ...apiSelector, ingress: [{ fromEntities: ['all'] }], ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'ops' } }] }] })],
      [np('shop', 'allow-all', { podSelector: {}, ingress: [{}] })],
    );
    const v = e.evaluate(probe, api, tcp(8080));
    expect(v.allowed).toBe(false);
    expect(v.ingress.decidedBy).toMatchObject({ kind: 'CiliumNetworkPolicy', policy: 'CiliumNetworkPolicy shop/deny-ops', tier: 'cilium', rule: 0, action: 'Deny' });
    expect(e.allows(web, api, tcp(8080))).toBe(true);
  });

  it('allow rules union with NetworkPolicy: either one admits the connection', () => {
    const e = engine(
      [cnp('shop', 'from-web', { ...apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] })],
      [np('shop', 'from-ops', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] })],
    );
    expect(e.allows(web, api, tcp(8080))).toBe(true);
    expect(e.evaluate(web, api, tcp(8080)).ingress.decidedBy).toMatchObject({ policy: 'CiliumNetworkPolicy shop/from-web', action: 'Allow' });
    expect(e.allows(probe, api, tcp(8080))).toBe(true);
    expect(e.allows(pod('shop', 'other', { app: 'other' }, '10.1.0.7'), api, tcp(8080))).toBe(false);
  });

  it("a namespaced policy's endpoint selectors stay in its namespace unless they name one", () => {
    const e = engine([cnp('shop', 'any-app', { ...apiSelector, ingress: [{ fromEndpoints: [{}] }] })]);
    expect(e.allows(web, api, tcp(80))).toBe(true);
    expect(e.allows(probe, api, tcp(80))).toBe(false);
    const named = engine([cnp('shop', 'ops', { ...apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'ops' } }] }] })]);
    expect(named.allows(probe, api, tcp(80))).toBe(true);
    // namespace labels are io.cilium.k8s.namespace.labels.*; service accounts io.cilium.k8s.policy.serviceaccount
    const byNsLabel = engine([ccnp('team', { endpointSelector: { matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'api-sa' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'shop' } }] }] })]);
    expect(byNsLabel.allows(web, api, tcp(80))).toBe(true);
    expect(byNsLabel.allows(probe, api, tcp(80))).toBe(false);
    // the clusterwide policy selected api by service account only: web is not isolated
    expect(byNsLabel.allows(probe, web, tcp(80))).toBe(true);
  });

  it('entities: world is outside the cluster, cluster is every pod, all is both', () => {
    const egress = (entities: string[]) => engine([cnp('shop', 'e', { endpointSelector: {}, egress: [{ toEntities: entities }] })]);
    expect(egress(['world']).allows(web, world, tcp(443))).toBe(true);
    expect(egress(['world']).allows(web, probe, tcp(443))).toBe(false);
    expect(egress(['cluster']).allows(web, probe, tcp(443))).toBe(true);
    expect(egress(['cluster']).allows(web, world, tcp(443))).toBe(false);
    expect(egress(['all']).allows(web, world, tcp(443))).toBe(true);
    // the API server's address is not known: a kube-apiserver entity that would decide it is "cannot tell"
    expect(egress(['kube-apiserver']).evaluate(web, { kind: 'ip', ip: '10.0.0.1' }, tcp(443)).cannotTell?.[0].what).toMatch(/API server/);
  });

  it('CIDR sets with except match addresses outside the cluster, not pod IPs', () => {
    const e = engine([cnp('shop', 'c', { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] }] }] })]);
    expect(e.allows(web, world, tcp(443))).toBe(true);
    expect(e.allows(web, { kind: 'ip', ip: '169.254.169.254' }, tcp(80))).toBe(false);
    expect(e.allows(web, probe, tcp(80))).toBe(false);
  });

  it('toPorts: numbers, ranges, protocols (ANY by default) and named ports', () => {
    const rule = (ports: unknown[]) => engine([cnp('shop', 'p', { ...apiSelector, ingress: [{ fromEntities: ['cluster'], toPorts: [{ ports }] }] })]);
    expect(rule([{ port: '8080', protocol: 'TCP' }]).allows(web, api, tcp(8080))).toBe(true);
    expect(rule([{ port: '8080', protocol: 'UDP' }]).allows(web, api, tcp(8080))).toBe(false);
    expect(rule([{ port: '8080' }]).allows(web, api, { port: 8080, protocol: 'UDP' })).toBe(true);
    expect(rule([{ port: '8000', endPort: 8100, protocol: 'TCP' }]).allows(web, api, tcp(8080))).toBe(true);
    expect(rule([{ port: 'http', protocol: 'TCP' }]).allows(web, api, tcp(8080))).toBe(true);
    // ports alone apply to every peer
    const portsOnly = engine([cnp('shop', 'p', { ...apiSelector, ingress: [{ toPorts: [{ ports: [{ port: '8080' }] }] }] })]);
    expect(portsOnly.allows(probe, api, tcp(8080))).toBe(true);
    expect(portsOnly.allows(probe, api, tcp(9090))).toBe(false);
  });

  it('`ingress: [{}]` puts pods in default deny and allows nothing; enableDefaultDeny false does not isolate', () => {
    expect(engine([cnp('shop', 'deny', { ...apiSelector, ingress: [{}] })]).allows(web, api, tcp(80))).toBe(false);
    const lenient = engine([cnp('shop', 'soft', { ...apiSelector, enableDefaultDeny: { ingress: false }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] })]);
    expect(lenient.allows(probe, api, tcp(80))).toBe(true);
    // a deny-only policy isolates too (any rule for a direction enables default deny)
    expect(engine([cnp('shop', 'deny-only', { ...apiSelector, ingressDeny: [{ fromEntities: ['world'] }] })]).allows(web, api, tcp(80))).toBe(false);
  });

  it('L7 rules: allowed at L3/L4, and the verdict says the HTTP rules further limit it', () => {
    const e = engine([cnp('shop', 'api-l7', { ...apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }] }] })]);
    const v = e.evaluate(web, api, tcp(8080));
    expect(v.allowed).toBe(true);
    expect(v.notes).toContain('allowed at L3/L4; the HTTP rules of CiliumNetworkPolicy shop/api-l7 further limit which requests pass');
  });

  it('toFQDNs cannot be decided for an address: a denial that an FQDN rule could lift is "cannot tell"', () => {
    const e = engine([cnp('shop', 'stripe', { endpointSelector: {}, egress: [{ toFQDNs: [{ matchName: 'api.stripe.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] })]);
    const v = e.evaluate(web, { kind: 'ip', ip: '54.187.174.169' }, tcp(443));
    expect(v.cannotTell?.[0].what).toMatch(/DNS names of toFQDNs/);
    // another port: the FQDN rule cannot match, the denial stands
    expect(e.evaluate(web, { kind: 'ip', ip: '54.187.174.169' }, tcp(80)).cannotTell).toBeUndefined();
    expect(e.allows(web, { kind: 'ip', ip: '54.187.174.169' }, tcp(80))).toBe(false);
  });

  it('specs: each rule set selects its own pods; node selectors are host policies, named as not evaluated', () => {
    const obj: PolicyObject = { ...cnp('shop', 'multi', {}), spec: undefined, specs: [{ ...apiSelector, ingress: [{}] }, { nodeSelector: {}, ingress: [{}] }] };
    const e = engine([obj]);
    expect(e.allows(web, api, tcp(80))).toBe(false);
    expect(e.allows(api, web, tcp(80))).toBe(true);
    expect(e.notEvaluated[0].object).toMatch(/multi specs\[1\] selects nodes/);
  });

  it('refuses malformed rules on one line, naming the field', () => {
    expect(policyObjectProblem(cnp('shop', 'x', { endpointSelector: {}, egress: [{ toEntities: ['internet'] }] }))).toMatch(/spec\.egress\[0\]\.toEntities\[0\]: unknown entity "internet"/);
    expect(policyObjectProblem(cnp('shop', 'x', { endpointSelector: {}, egress: { toCIDR: ['1.2.3.4/32'] } }))).toMatch(/spec\.egress: expected a list, found a map/);
  });
});
