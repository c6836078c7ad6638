// Corner cases the upstream e2e suite does not cover, and the anchors' known mistakes (DESIGN.md).
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod } from '../../../src/model/k8s.js';
import { PolicyEngine, effectivePolicyTypes } from '../../../src/netpol/engine.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, Traffic } from '../../../src/netpol/types.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/netpol/cidr.js';
import { compileSelector, formatSelector, selectorMatches, selectorProblem } from '../../../src/model/selectors.js';

function pod(ns: string, name: string, labels: Record<string, string>, extra: Partial<Pod['spec']> = {}, ip?: string): Peer {
  return {
    kind: 'pod',
    pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [], ...extra }, status: ip ? { podIP: ip } : undefined }),
  };
}
const np = (ns: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: ns, name }, spec });
const engine = (...policies: NetworkPolicy[]) =>
  new PolicyEngine({ namespaces: [{ metadata: { name: 'shop', labels: { team: 'shop' } } }, { metadata: { name: 'ops', labels: { team: 'ops' } } }], networkPolicies: policies });
const tcp = (port: number): Traffic => ({ port, protocol: 'TCP' });

const web = pod('shop', 'web', { app: 'web' }, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] }, '10.1.0.5');
const api = pod('shop', 'api', { app: 'api' }, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }] }] }, '10.1.0.6');
const probe = pod('ops', 'probe', { app: 'probe' }, {}, '10.2.0.9');

describe('policyTypes inference', () => {
  it('omitted policyTypes: Ingress always, Egress only when egress rules exist', () => {
    expect(effectivePolicyTypes(np('shop', 'p', { podSelector: {}, egress: [{}] }))).toEqual({ ingress: true, egress: true, inferred: true });
    expect(effectivePolicyTypes(np('shop', 'p', { podSelector: {}, egress: [] }))).toEqual({ ingress: true, egress: false, inferred: true });
    expect(effectivePolicyTypes(np('shop', 'p', { podSelector: {}, policyTypes: [] }))).toEqual({ ingress: true, egress: false, inferred: true });
  });

  it('a policy with only egress rules and no policyTypes also isolates ingress (denies it all)', () => {
    const e = engine(np('shop', 'egress-only', { podSelector: { matchLabels: { app: 'api' } }, egress: [{}] }));
    expect(e.allows(web, api, tcp(80))).toBe(false);
    expect(e.evaluate(web, api, tcp(80)).ingress.policies[0].summary).toMatch(/has no ingress rules/);
  });

  it('is accepted without policyTypes (policy-assistant rejects such policies)', () => {
    const e = engine(np('shop', 'no-types', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }));
    expect(e.allows(web, api, tcp(80))).toBe(true);
    expect(e.allows(probe, api, tcp(80))).toBe(false);
  });

  it('explicit policyTypes [Egress] ignores ingress rules and leaves ingress open', () => {
    const e = engine(np('shop', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [], egress: [{}] }));
    expect(e.allows(probe, api, tcp(80))).toBe(true);
  });
});

describe('empty versus absent', () => {
  const sel = { matchLabels: { app: 'api' } };
  it('ingress: [] allows nothing; ingress: [{}] allows everything', () => {
    expect(engine(np('shop', 'p', { podSelector: sel, ingress: [] })).allows(web, api, tcp(80))).toBe(false);
    expect(engine(np('shop', 'p', { podSelector: sel, ingress: [{}] })).allows(probe, api, tcp(80))).toBe(true);
  });
  it('from: [] and from absent both mean every peer, including addresses outside the cluster', () => {
    for (const rule of [{ from: [] }, {}]) {
      const e = engine(np('shop', 'p', { podSelector: sel, ingress: [rule] }));
      expect(e.allows(probe, api, tcp(80))).toBe(true);
      expect(e.allows({ kind: 'ip', ip: '8.8.8.8' }, api, tcp(80))).toBe(true);
    }
  });
  it('ports: [] and ports absent both mean every port and protocol', () => {
    for (const ports of [[], undefined]) {
      const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ ports }] }));
      expect(e.allows(web, api, { port: 12345, protocol: 'SCTP' })).toBe(true);
    }
  });
  it('namespaceSelector {} means every namespace but not addresses outside the cluster', () => {
    const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ from: [{ namespaceSelector: {} }] }] }));
    expect(e.allows(probe, api, tcp(80))).toBe(true);
    expect(e.allows({ kind: 'ip', ip: '10.2.0.9' }, api, tcp(80))).toBe(false);
  });
});

describe('AND versus OR peers', () => {
  const sel = { matchLabels: { app: 'api' } };
  it('podSelector and namespaceSelector in one peer intersect; in two peers they unite', () => {
    const and = engine(np('shop', 'p', { podSelector: sel, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } }, podSelector: { matchLabels: { app: 'web' } } }] }] }));
    const or = engine(np('shop', 'p', { podSelector: sel, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }] }));
    expect(and.allows(probe, api, tcp(80))).toBe(false); // ops namespace, wrong pod
    expect(and.allows(web, api, tcp(80))).toBe(false); // right pod, wrong namespace
    expect(or.allows(probe, api, tcp(80))).toBe(true);
    expect(or.allows(web, api, tcp(80))).toBe(true);
  });
  it('a namespace never declared still carries kubernetes.io/metadata.name', () => {
    const stranger = pod('undeclared', 's', { app: 'web' });
    const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'undeclared' } } }] }] }));
    expect(e.allows(stranger, api, tcp(80))).toBe(true);
  });
});

describe('ipBlock', () => {
  const sel = { matchLabels: { app: 'web' } };
  const e = engine(np('shop', 'egress', { podSelector: sel, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/16'] } }, { ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] } }] }] }));
  it('matches cidr minus except, for addresses and pod IPs, IPv4 and IPv6', () => {
    expect(e.allows(web, { kind: 'ip', ip: '10.9.9.9' }, tcp(443))).toBe(true);
    expect(e.allows(web, { kind: 'ip', ip: '10.2.0.1' }, tcp(443))).toBe(false);
    expect(e.allows(web, { kind: 'ip', ip: '169.254.169.254' }, tcp(80))).toBe(false);
    expect(e.allows(web, { kind: 'ip', ip: 'fd00:2::1' }, tcp(443))).toBe(true);
    expect(e.allows(web, { kind: 'ip', ip: 'fd00:1::1' }, tcp(443))).toBe(false);
    expect(e.allows(web, api, tcp(80))).toBe(true); // 10.1.0.6
    expect(e.allows(web, probe, tcp(80))).toBe(false); // 10.2.0.9 is excepted
  });
  it('says when an ipBlock matched a pod IP (Cilium differs) and when a pod IP is unknown', () => {
    expect(e.evaluate(web, api, tcp(80)).notes.join('\n')).toMatch(/Cilium/);
    const noIp = pod('shop', 'tpl', { app: 'db' });
    const v = e.evaluate(web, noIp, tcp(80));
    expect(v.allowed).toBe(false);
    expect(v.notes.join('\n')).toMatch(/no IP/);
  });
  it('an address outside the cluster skips its own side', () => {
    const v = e.evaluate({ kind: 'ip', ip: '1.2.3.4' }, web, tcp(80));
    expect(v.egress.skipped).toMatch(/outside the cluster/);
    expect(v.allowed).toBe(true);
  });
});

describe('ports', () => {
  const sel = { matchLabels: { app: 'api' } };
  it('endPort is an inclusive range (never ignored)', () => {
    const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ ports: [{ port: 8000, endPort: 9000 }] }] }));
    expect([7999, 8000, 8500, 9000, 9001].map((p) => e.allows(web, api, tcp(p)))).toEqual([false, true, true, true, false]);
    expect(e.allows(web, api, { port: 8500, protocol: 'UDP' })).toBe(false);
  });
  it('named ports resolve on the destination pod, by name and protocol', () => {
    // web declares http=8080, api declares http=80: an egress rule for "http" from web means port 80 at api
    const e = engine(np('shop', 'p', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] }));
    expect(e.allows(web, api, tcp(80))).toBe(true);
    expect(e.allows(web, api, tcp(8080))).toBe(false);
    expect(e.allows(web, { kind: 'ip', ip: '1.1.1.1' }, tcp(80))).toBe(false);
  });
  it('a named port with the wrong protocol does not match', () => {
    const dst = pod('shop', 'dns', { app: 'api' }, { containers: [{ name: 'c', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }] }] });
    const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ ports: [{ port: 'dns' }] }] }));
    expect(e.allows(web, dst, { port: 53, protocol: 'UDP' })).toBe(false); // rule protocol defaults to TCP
    expect(e.allows(web, dst, tcp(53))).toBe(false); // "dns" is the UDP port
    const udp = engine(np('shop', 'p', { podSelector: sel, ingress: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }] }));
    expect(udp.allows(web, dst, { port: 53, protocol: 'UDP' })).toBe(true);
    expect(udp.evaluate(web, dst, tcp(53)).ingress.policies[0].summary).toMatch(/does not match: TCP 53 is not UDP port named dns/);
  });
  it('SCTP is its own protocol', () => {
    const e = engine(np('shop', 'p', { podSelector: sel, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] }));
    expect(e.allows(web, api, { port: 80, protocol: 'SCTP' })).toBe(true);
    expect(e.allows(web, api, tcp(80))).toBe(false);
  });
});

describe('traces', () => {
  it('name each selecting policy, the matching rule by index, and why other rules did not match', async () => {
    const e = engine(
      np('shop', 'default-deny', { podSelector: {}, ingress: [] }),
      np('shop', 'allow-web', {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 9090 }] }, { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }],
      }),
    );
    const v = e.evaluate(web, api, tcp(80));
    expect(v.allowed).toBe(true);
    expect(v.egress).toMatchObject({ allowed: true, isolated: false, policies: [] });
    const [allow, deny] = v.ingress.policies;
    expect(allow).toMatchObject({ name: 'allow-web', allowed: true, rule: 1, ruleText: 'from pods with app=web in namespace shop on TCP port named http' });
    expect(allow.rules[0]).toMatchObject({ matched: false, why: 'namespace shop does not have team=ops' });
    expect(deny).toMatchObject({ name: 'default-deny', allowed: false });
    const { namespaceMismatch } = await import('../../../src/netpol/describe.js');
    expect(namespaceMismatch('monitoring', { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } })).toBe('namespace monitoring is not namespace kube-system');
    expect(namespaceMismatch('monitoring', { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }] })).toBe('namespace monitoring is not one of namespaces a, b');
    expect(namespaceMismatch('monitoring', { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['monitoring'] }] })).toBe('namespace monitoring is excluded (any namespace except monitoring)');
    const denied = e.evaluate(probe, api, tcp(80));
    expect(denied.allowed).toBe(false);
    expect(denied.ingress.policies[0].rules.map((r) => r.why)).toEqual([
      'TCP 80 is not TCP 9090',
      'ops/probe is not in namespace shop (a podSelector alone selects pods in the policy\'s namespace)',
    ]);
  });
  it('notes how hostNetwork pods are judged, and loopback as implementation-defined', () => {
    const host = pod('shop', 'node-agent', { app: 'agent' }, { hostNetwork: true });
    expect(engine().evaluate(host, api, tcp(80)).notes.join('\n')).toMatch(/shop\/node-agent uses the host network: judged as node traffic, as Calico, Cilium, Azure NPM and Antrea do/);
    expect(engine().evaluate(api, api, tcp(80)).notes.join('\n')).toMatch(/itself/);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'fe' };
  it('implement In, NotIn (absent key matches), Exists, DoesNotExist', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(compileSelector({})({})).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['be'] }] }, labels)).toBe(false);
  });
  it('format like kubectl and report invalid selectors', () => {
    expect(formatSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] })).toBe('app=web,tier notin (a,b),!x');
    expect(selectorProblem({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe("selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
    expect(selectorProblem({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'spec.podSelector')).toBe("spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    expect(selectorProblem({ matchExpressions: [{ key: 'a', operator: 'Equals' as never }] })).toBe('selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator');
    expect(selectorProblem({ matchLabels: { app: 'x'.repeat(64) } })).toMatch(/^selector\.matchLabels: Invalid value: "x{64}": must be no more than 63 characters$/);
    expect(selectorProblem({ matchLabels: { '/app': 'web' } })).toBe('selector.matchLabels: Invalid value: "/app": prefix part must be non-empty');
    expect(selectorProblem({ matchLabels: { 'Example.com/app': 'web' } })).toMatch(/^selector\.matchLabels: Invalid value: "Example\.com\/app": prefix part a lowercase RFC 1123 subdomain must consist of/);
    expect(selectorProblem({ matchLabels: { 'example.com/app': 'web', 'app.kubernetes.io/name': '' } })).toBeUndefined();
    expect(selectorProblem({ matchLabels: ['a'] as never })).toMatch(/^selector\.matchLabels: expected a map/);
    expect(selectorProblem({ matchExpressions: { key: 'a' } as never })).toMatch(/^selector\.matchExpressions: expected a list/);
    expect(selectorProblem({ matchExpressions: ['a' as never] })).toMatch(/^selector\.matchExpressions\[0\]: expected a map/);
    expect(selectorProblem('app=web' as never)).toMatch(/^selector: expected a label selector/);
  });
});

describe('CIDR parsing', () => {
  it('parses IPv4, IPv6 (compressed, embedded IPv4) and rejects garbage', () => {
    expect(cidrContains(parseCidr('169.254.0.0/16')!, parseIp('169.254.169.254')!)).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!)).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!)).toBe(false);
    expect(cidrContains(parseCidr('::/0')!, parseIp('2001:db8::1')!)).toBe(true);
    expect(cidrContains(parseCidr('::ffff:0:0/96')!, parseIp('::ffff:10.0.0.1')!)).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/32')!, parseIp('2001:db9::1')!)).toBe(false);
    for (const bad of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', '1::2::3/64', 'abc/8', '::/129']) expect(parseCidr(bad)).toBeUndefined();
  });
});
