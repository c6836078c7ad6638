// dns:NAME destinations: Cilium's toFQDNs rules match the name (matchName, matchPattern as Cilium defines
// `*`), while address rules (ipBlock, CIDRs, networks) cannot tell where it resolves unless they decide
// the same for every address.
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../../../src/errors.js';
import { emptySnapshot, type NetworkPolicy, type Pod, type PolicyObject } from '../../../src/model/k8s.js';
import { canReach } from '../../../src/netpol/can-reach.js';
import { parseEndpoint, resolveEndpoint } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';

const cart: Pod = { kind: 'Pod', metadata: { namespace: 'shop', name: 'cart', labels: { app: 'cart' } }, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.1.0.5' } } as Pod;
function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    return exitCodeOf(err);
  }
  throw new Error('no error');
}
const np = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: 'shop', name }, spec });
const cnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: 'shop' }, spec });
const fqdns = (...selectors: Record<string, string>[]) => cnp('to-names', { endpointSelector: { matchLabels: { app: 'cart' } }, egress: [{ toFQDNs: selectors, toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] });

function ask(name: string, policies: NetworkPolicy[], objects: PolicyObject[] = [], port = 443) {
  const snapshot = { ...emptySnapshot('test'), namespaces: [{ kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } }], pods: [cart], networkPolicies: policies, policyObjects: objects } as never;
  const engine = new PolicyEngine(snapshot);
  const src = resolveEndpoint(snapshot, parseEndpoint('shop/cart', { dns: true }), 'default', 'source');
  const dst = resolveEndpoint(snapshot, parseEndpoint(`dns:${name}`, { dns: true }), 'default');
  const r = canReach(engine, src, dst, { port });
  return { ...r, answer: r.cannotTell ? 'cannot tell' : r.allowed ? 'allowed' : 'denied' };
}

describe('dns:NAME endpoints', () => {
  it('parse only where asked for, and only as DNS names', () => {
    expect(parseEndpoint('dns:API.Stripe.com.', { dns: true })).toMatchObject({ kind: 'ip', dns: 'api.stripe.com' });
    expect(codeOf(() => parseEndpoint('dns:api.stripe.com'))).toBe(ExitCode.BadInput);
    for (const bad of ['dns:', 'dns:a..b', 'dns:10.0.0.1', 'dns:http://x.io']) expect(codeOf(() => parseEndpoint(bad, { dns: true })), bad).toBe(ExitCode.BadInput);
  });

  it('a DNS name is a destination only', () => {
    const snapshot = emptySnapshot('test');
    expect(codeOf(() => resolveEndpoint(snapshot, parseEndpoint('dns:x.io', { dns: true }), 'default', 'source'))).toBe(ExitCode.BadInput);
  });

  it('Cilium matchName admits exactly that name; another name meets the default deny', () => {
    const objects = [fqdns({ matchName: 'api.stripe.com' })];
    expect(ask('api.stripe.com', [], objects)).toMatchObject({ answer: 'allowed' });
    expect(ask('API.stripe.com.', [], objects).answer).toBe('allowed');
    const other = ask('evil.example.com', [], objects);
    expect(other.answer).toBe('denied');
    expect(ask('api.stripe.com', [], objects, 80).answer).toBe('denied');
  });

  it('matchPattern: * is zero or more DNS characters within one label, a bare * every name, **. one or more labels', () => {
    const sub = [fqdns({ matchPattern: '*.stripe.com' })];
    expect(ask('api.stripe.com', [], sub).answer).toBe('allowed');
    expect(ask('stripe.com', [], sub).answer).toBe('denied');
    expect(ask('a.b.stripe.com', [], sub).answer).toBe('denied');
    expect(ask('api.stripe.com.evil.io', [], sub).answer).toBe('denied');
    expect(ask('api-eu.stripe.com', [], [fqdns({ matchPattern: 'api*.stripe.com' })]).answer).toBe('allowed');
    expect(ask('anything.at.all', [], [fqdns({ matchPattern: '*' })]).answer).toBe('allowed');
    expect(ask('a.b.stripe.com', [], [fqdns({ matchPattern: '**.stripe.com' })]).answer).toBe('allowed');
  });

  it('an ipBlock that admits some addresses and not others cannot tell where the name resolves (exit 3)', () => {
    const r = ask('api.stripe.com', [np('web-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })]);
    expect(r.answer).toBe('cannot tell');
    expect(r.cannotTell?.[0].what).toMatch(/where dns:api\.stripe\.com resolves/);
    expect(r.connections[0].destinations).toEqual(['dns:api.stripe.com']);
  });

  it('rules that decide regardless of the address decide: egress default-deny DENIED, allow-all ALLOWED', () => {
    const denyAll = np('deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
    const dnsOnly = np('dns-only', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] });
    expect(ask('api.stripe.com', [denyAll, dnsOnly]).answer).toBe('denied');
    expect(ask('api.stripe.com', [np('all-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })]).answer).toBe('allowed');
    expect(ask('api.stripe.com', []).answer).toBe('allowed');
  });

  it('a Cilium toFQDNs allow unions with a NetworkPolicy ipBlock: the name is admitted wherever it resolves', () => {
    const r = ask('api.stripe.com', [np('part', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '52.0.0.0/8' } }] }] })], [fqdns({ matchName: 'api.stripe.com' })]);
    expect(r.answer).toBe('allowed');
    expect(ask('other.io', [np('part', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '52.0.0.0/8' } }] }] })], [fqdns({ matchName: 'api.stripe.com' })]).answer).toBe('cannot tell');
  });

  it('a Cilium egressDeny on a CIDR leaves the name undecided; toFQDNs without a name still cannot tell an address', () => {
    const objects = [fqdns({ matchName: 'api.stripe.com' }), cnp('no-imds', { endpointSelector: {}, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }] })];
    expect(ask('api.stripe.com', [], objects).answer).toBe('cannot tell');
    const snapshot = { ...emptySnapshot('test'), pods: [cart], policyObjects: [fqdns({ matchName: 'api.stripe.com' })] } as never;
    const engine = new PolicyEngine(snapshot);
    const r = canReach(engine, resolveEndpoint(snapshot, parseEndpoint('shop/cart'), 'default', 'source'), resolveEndpoint(snapshot, parseEndpoint('ip:52.1.2.3'), 'default'), { port: 443 });
    expect(r.cannotTell?.[0].what).toMatch(/toFQDNs/);
  });
});
