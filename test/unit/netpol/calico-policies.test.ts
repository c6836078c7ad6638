// Calico NetworkPolicy / GlobalNetworkPolicy, written from Calico's documented semantics
// (docs/network-policies.md): the selector language, order before the order-1000 Kubernetes policies,
// Allow/Deny/Log/Pass, end-of-tier deny, nets/notNets, ports and ranges, types, what is not modelled.
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { SelectorSyntaxError, parseCalicoSelector } from '../../../src/netpol/kinds/calico-selector.js';
import { policyObjectProblem } from '../../../src/netpol/kinds/compile.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, Traffic } from '../../../src/netpol/types.js';

function pod(ns: string, name: string, labels: Record<string, string>, ip: string, extra: Partial<Pod['spec']> = {}): Peer {
  return { kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [], ...extra }, status: { podIP: ip } }) };
}
const calico = (ns: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
const gnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const np = (ns: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: ns, name }, spec });
const namespaces: { metadata: { name: string; labels: Record<string, string> } }[] = [
  { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', env: 'prod' } } },
  { metadata: { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops' } } },
];
const engine = (objects: PolicyObject[], policies: NetworkPolicy[] = []) => new PolicyEngine({ namespaces, networkPolicies: policies, policyObjects: objects });
const tcp = (port: number): Traffic => ({ port, protocol: 'TCP' });

const web = pod('shop', 'web', { app: 'web', tier: 'frontend' }, '10.1.0.5');
const api = pod('shop', 'api', { app: 'api' }, '10.1.0.6', { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] });
const probe = pod('ops', 'probe', { app: 'probe' }, '10.2.0.9');

describe('Calico selector expressions', () => {
  const labels = { app: 'web', tier: 'frontend', 'team.io/owner': 'shop' };
  it.each([
    ['', true],
    ['all()', true],
    ["app == 'web'", true],
    ['app == "api"', false],
    ["app != 'api'", true],
    ["missing != 'x'", true],
    ["missing == 'x'", false],
    ['has(tier)', true],
    ['!has(tier)', false],
    ["app in {'web', 'api'}", true],
    ["app not in {'web'}", false],
    ["missing not in {'web'}", true],
    ["tier contains 'front'", true],
    ["tier starts with 'fr'", true],
    ["tier ends with 'end'", true],
    ["app == 'api' || tier == 'frontend'", true],
    ["app == 'web' && !(tier == 'frontend')", false],
    ["team.io/owner == 'shop'", true],
    ['global()', false],
  ])('%s → %s', (text, expected) => {
    expect(parseCalicoSelector(text)(labels)).toBe(expected);
  });

  it('names the column and what was expected in a malformed selector', () => {
    expect(() => parseCalicoSelector("app = 'web'")).toThrow(SelectorSyntaxError);
    expect(() => parseCalicoSelector("app = 'web'")).toThrow(/unexpected "=" at column 5/);
    expect(() => parseCalicoSelector('app == web')).toThrow(/expected a quoted value after ==, found "web" at column 8/);
    expect(() => parseCalicoSelector("app == 'web")).toThrow(/unterminated string starting at column 8/);
    expect(() => parseCalicoSelector("(app == 'web'")).toThrow(/expected "\)", found the end/);
    expect(() => parseCalicoSelector("app == 'web' app")).toThrow(/expected && or \|\| or the end/);
  });

  it('a malformed selector in a manifest is refused with the field', () => {
    expect(policyObjectProblem(calico('shop', 'x', { selector: "app = 'web'" }))).toMatch(/^spec\.selector: selector "app = 'web'": unexpected "=" at column 5$/);
  });
});

describe('Calico NetworkPolicy and GlobalNetworkPolicy', () => {
  const denyAll = np('shop', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });

  it('order before 1000 goes before the Kubernetes NetworkPolicies: its Allow beats their default deny', () => {
    const allowOps = (order: number) => calico('shop', 'allow-ops', { order, selector: "app == 'api'", ingress: [{ action: 'Allow', source: { namespaceSelector: "projectcalico.org/name == 'ops'" } }] });
    const v = engine([allowOps(100)], [denyAll]).evaluate(probe, api, tcp(8080));
    expect(v.allowed).toBe(true);
    expect(v.ingress.decidedBy).toMatchObject({ policy: 'Calico NetworkPolicy shop/allow-ops', tier: 'default', priority: 100, rule: 0, action: 'Allow' });
  });

  it('a Deny at order 100 beats a Kubernetes allow; after 1000 the Kubernetes allow decides first', () => {
    const allowAll = np('shop', 'allow-all', { podSelector: {}, ingress: [{}] });
    const deny = (order: number) => calico('shop', 'deny-ops', { order, selector: 'all()', ingress: [{ action: 'Deny', source: { selector: "app == 'probe'", namespaceSelector: 'all()' } }] });
    expect(engine([deny(100)], [allowAll]).allows(probe, api, tcp(80))).toBe(false);
    expect(engine([deny(2000)], [allowAll]).allows(probe, api, tcp(80))).toBe(true);
  });

  it('end of tier: an endpoint selected by a policy whose rules do not match is denied; Pass skips to the next tier', () => {
    const onlyWeb = calico('shop', 'only-web', { selector: "app == 'api'", ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }] });
    const e = engine([onlyWeb]);
    expect(e.allows(web, api, tcp(80))).toBe(true);
    const v = e.evaluate(probe, api, tcp(80));
    expect(v.allowed).toBe(false);
    expect(v.ingress.decidedBy).toMatchObject({ action: 'end of tier', tier: 'default' });
    // not selected at all: allowed (Calico's profiles allow)
    expect(e.allows(api, web, tcp(80))).toBe(true);
    const pass = { ...gnp('security.pass-shop', { tier: 'security', order: 1, selector: 'all()', ingress: [{ action: 'Pass', source: { namespaceSelector: 'all()' } }, { action: 'Deny' }] }) };
    expect(engine([pass, onlyWeb]).allows(web, api, tcp(80))).toBe(true);
    expect(engine([pass, onlyWeb]).evaluate(web, api, tcp(80)).ingress.passed?.[0]).toMatchObject({ tier: 'security', action: 'Pass' });
    expect(engine([pass, onlyWeb]).allows({ kind: 'ip', ip: '8.8.8.8' }, api, tcp(80))).toBe(false);
    // no Tier object for security was read: said, since here every place it could take gives one answer
    expect(engine([pass, onlyWeb]).evaluate(web, api, tcp(80)).notes).toContain('Calico tier security: no Tier object was read, so its place in the tier order is not known; every place gives this answer');
  });

  it('Log rules log and go on', () => {
    const e = engine([calico('shop', 'log', { selector: 'all()', ingress: [{ action: 'Log' }, { action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] })]);
    expect(e.allows(web, api, tcp(8080))).toBe(true);
    expect(e.allows(web, api, tcp(9090))).toBe(false);
  });

  it('ports: numbers, "start:end" ranges and names, with the rule protocol; notPorts', () => {
    const rule = (destination: Record<string, unknown>, protocol = 'TCP') => engine([calico('shop', 'p', { selector: "app == 'api'", ingress: [{ action: 'Allow', protocol, destination }] })]);
    expect(rule({ ports: [8080] }).allows(web, api, tcp(8080))).toBe(true);
    expect(rule({ ports: [8080] }, 'UDP').allows(web, api, tcp(8080))).toBe(false);
    expect(rule({ ports: ['8000:8100'] }).allows(web, api, tcp(8080))).toBe(true);
    expect(rule({ ports: ['http'] }).allows(web, api, tcp(8080))).toBe(true);
    expect(rule({ notPorts: [8080] }).allows(web, api, tcp(8080))).toBe(false);
    expect(rule({ notPorts: [8080] }).allows(web, api, tcp(9090))).toBe(true);
    expect(policyObjectProblem(calico('shop', 'p', { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }))).toMatch(/ports need a protocol/);
  });

  it('nets and notNets match addresses and pod IPs', () => {
    const e = engine([gnp('no-imds', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['169.254.169.254/32'] } }, { action: 'Allow', destination: { notNets: ['10.2.0.0/16'] } }] })]);
    expect(e.allows(web, { kind: 'ip', ip: '169.254.169.254' }, tcp(80))).toBe(false);
    expect(e.allows(web, { kind: 'ip', ip: '8.8.8.8' }, tcp(443))).toBe(true);
    expect(e.allows(web, probe, tcp(80))).toBe(false);
    expect(e.allows(web, api, tcp(80))).toBe(true);
  });

  it('types default: Egress alone when only egress rules are given, so ingress stays open', () => {
    const e = engine([calico('shop', 'egress-only', { selector: 'all()', egress: [{ action: 'Allow' }] })]);
    expect(e.allows(probe, api, tcp(80))).toBe(true);
  });

  it("a namespaced policy's rule selectors stay in its namespace unless a namespaceSelector is given", () => {
    const e = engine([calico('shop', 'p', { selector: "app == 'api'", ingress: [{ action: 'Allow', source: { selector: 'all()' } }] })]);
    expect(e.allows(web, api, tcp(80))).toBe(true);
    expect(e.allows(probe, api, tcp(80))).toBe(false);
  });

  it('doNotTrack, preDNAT and applyOnForward are named as not modelled, and make verdicts on what they select cannot tell', () => {
    const e = engine([gnp('raw', { selector: "app == 'api'", doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Deny' }] })]);
    expect(e.notEvaluated).toEqual([{ object: 'Calico GlobalNetworkPolicy raw', reason: 'doNotTrack, applyOnForward are not modelled' }]);
    expect(e.evaluate(web, api, tcp(80)).cannotTell?.[0].what).toMatch(/^Calico GlobalNetworkPolicy raw, which may select shop\/api/);
    expect(e.evaluate(probe, web, tcp(80)).cannotTell).toBeUndefined();
  });

  it('HTTP matches: allowed at L3/L4 with the caveat said', () => {
    const e = engine([calico('shop', 'l7', { selector: "app == 'api'", ingress: [{ action: 'Allow', http: { methods: ['GET'] } }] })]);
    expect(e.evaluate(web, api, tcp(80)).notes.join('\n')).toMatch(/HTTP match of Calico NetworkPolicy shop\/l7 rule #0 further limits/);
  });
});
