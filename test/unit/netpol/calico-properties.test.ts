// Calico's default tier against an independent small model written from Calico's documents: random
// namespace-level projectcalico.org/v3 NetworkPolicies and GlobalNetworkPolicies plus Kubernetes
// NetworkPolicies, every pair of namespaces judged both ways, egress and ingress, under --engine calico (fast-check).
// The model, from https://docs.tigera.io/calico/latest/reference/resources/tier ("How policy is evaluated")
// and https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy:
// - the policies that apply to the endpoint run by ascending order (no order last); Kubernetes
//   NetworkPolicies sit in the default tier at order 1000;
// - within a policy the first matching rule decides: Allow and Deny end evaluation, Pass skips the rest of
//   the tier to the next tier with a policy that applies; with none left, the endpoint's profile decides,
//   and the Kubernetes namespace profiles allow;
// - a tier that applies to the endpoint but takes no action drops the packet (end-of-tier deny);
// - an endpoint no policy applies to is left to its profile: allowed;
// - the sender's egress and the receiver's ingress are judged the same way, and both must allow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { chooseEngine } from '../../../src/netpol/engine-choice.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer } from '../../../src/netpol/types.js';

const NAMESPACES = ['a', 'b', 'c'];
type Act = 'Allow' | 'Deny' | 'Pass';
type Direction = 'Ingress' | 'Egress';
interface Rule {
  /** the peer's namespace (source for ingress, destination for egress); undefined = any peer */
  peer?: string;
  action: Act;
}
interface CalicoPolicy {
  global: boolean;
  /** the namespace it applies to; undefined (GlobalNetworkPolicy only) = every namespace */
  subject?: string;
  /** undefined = no order: after every ordered policy */
  order?: number;
  /** the directions its rules are written for (the same rules each way) */
  directions: Direction[];
  /** spec.types as written; undefined = Calico's default from the rules present */
  types?: Direction[];
  rules: Rule[];
}
/** per namespace Kubernetes NetworkPolicy over every pod: none, default deny, allow all, or allow from one namespace */
type KubePolicy = undefined | { from: 'nothing' | 'everything' | string };
interface World {
  calico: CalicoPolicy[];
  kube: Record<string, KubePolicy>;
}

const ns = fc.constantFrom(...NAMESPACES);
const rule: fc.Arbitrary<Rule> = fc.record({ peer: fc.option(ns, { nil: undefined }), action: fc.constantFrom<Act>('Allow', 'Deny', 'Pass') }, { requiredKeys: ['action'] });
const directions = fc.constantFrom<Direction[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']);
const calicoPolicy: fc.Arbitrary<CalicoPolicy> = fc
  .record({
    global: fc.boolean(),
    subject: fc.option(ns, { nil: undefined }),
    order: fc.option(fc.constantFrom(10, 500, 999, 1001, 1500, 5000), { nil: undefined }),
    directions,
    types: fc.option(directions, { nil: undefined }),
    rules: fc.array(rule, { maxLength: 3 }),
  })
  .map((p) => (!p.global && p.subject === undefined ? { ...p, subject: 'a' } : p))
  // Calico's validation refuses rules for a direction spec.types leaves out: write none there
  .map((p) => {
    const written = p.types ? p.directions.filter((d) => p.types!.includes(d)) : p.directions;
    return written.length ? { ...p, directions: written } : { ...p, directions: p.types!, rules: [] };
  });
const kube: fc.Arbitrary<KubePolicy> = fc.option(fc.record({ from: fc.constantFrom('nothing', 'everything', ...NAMESPACES) }), { nil: undefined });
const world: fc.Arbitrary<World> = fc.record({
  calico: fc.array(calicoPolicy, { maxLength: 4 }),
  kube: fc.record({ a: kube, b: kube, c: kube }),
});

interface ModelPolicy {
  order: number;
  /** first matching rule's action for the peer's namespace */
  decide: (peer: string) => Act | undefined;
}

/**
 * spec.types when not written, from https://docs.tigera.io/calico/latest/reference/resources/networkpolicy:
 * Ingress when there are no egress rules, Egress when there are egress rules and no ingress rules, else both.
 */
function typesOf(p: CalicoPolicy): Direction[] {
  if (p.types) return p.types;
  const egress = p.directions.includes('Egress') && p.rules.length > 0;
  const ingress = p.directions.includes('Ingress') && p.rules.length > 0;
  return !egress ? ['Ingress'] : ingress ? ['Ingress', 'Egress'] : ['Egress'];
}

/** The model: one direction of a pod in namespace `subject` with a pod in namespace `peer`. */
function side(w: World, direction: Direction, subject: string, peer: string): boolean {
  const applying: ModelPolicy[] = [];
  for (const p of w.calico) {
    if (!typesOf(p).includes(direction)) continue;
    if (p.subject !== undefined && p.subject !== subject) continue;
    const rules = p.directions.includes(direction) ? p.rules : [];
    applying.push({ order: p.order ?? Number.POSITIVE_INFINITY, decide: (n) => rules.find((r) => r.peer === undefined || r.peer === n)?.action });
  }
  const k = w.kube[subject];
  if (k && direction === 'Ingress') applying.push({ order: 1000, decide: (n) => (k.from === 'everything' || k.from === n ? 'Allow' : undefined) });
  if (applying.length === 0) return true;
  for (const p of applying.sort((x, y) => x.order - y.order)) {
    const action = p.decide(peer);
    if (action === 'Pass') return true;
    if (action) return action === 'Allow';
  }
  return false;
}

const model = (w: World, from: string, to: string) => side(w, 'Egress', from, to) && side(w, 'Ingress', to, from);

const nsExpr = (name: string) => `projectcalico.org/name == '${name}'`;

function objects(w: World): { policies: NetworkPolicy[]; objects: PolicyObject[] } {
  const policies: NetworkPolicy[] = [];
  for (const n of NAMESPACES) {
    const k = w.kube[n];
    if (!k) continue;
    const ingress = k.from === 'nothing' ? [] : k.from === 'everything' ? [{}] : [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': k.from } } }] }];
    policies.push({ metadata: { namespace: n, name: 'np' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress } });
  }
  const objs = w.calico.map((p, i): PolicyObject => {
    const spec: Record<string, unknown> = { selector: 'all()' };
    if (p.order !== undefined) spec.order = p.order;
    if (p.types) spec.types = p.types;
    if (p.rules.length > 0) {
      if (p.directions.includes('Ingress')) spec.ingress = p.rules.map((r) => ({ action: r.action, ...(r.peer ? { source: { namespaceSelector: nsExpr(r.peer) } } : {}) }));
      if (p.directions.includes('Egress')) spec.egress = p.rules.map((r) => ({ action: r.action, ...(r.peer ? { destination: { namespaceSelector: nsExpr(r.peer) } } : {}) }));
    }
    if (p.global) {
      if (p.subject) spec.namespaceSelector = nsExpr(p.subject);
      return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: `p${i}` }, spec };
    }
    return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { namespace: p.subject, name: `p${i}` }, spec };
  });
  return { policies, objects: objs };
}

describe('Calico default tier against an independent model', () => {
  it('every verdict between namespaces, egress and ingress, equals the model', () => {
    fc.assert(
      fc.property(world, (w) => {
        // ties are broken by name, which calico-tiers.test.ts covers; here every order is distinct (and none
        // is 1000, the Kubernetes NetworkPolicies' place) so names play no part
        const orders = w.calico.map((p) => p.order ?? -1);
        fc.pre(new Set(orders).size === orders.length);
        const { policies, objects: objs } = objects(w);
        const snapshot = { namespaces: NAMESPACES.map((n) => ({ metadata: { name: n, labels: { 'kubernetes.io/metadata.name': n } } })), networkPolicies: policies, policyObjects: objs };
        const engine = new PolicyEngine(snapshot, chooseEngine({ origin: 'manifests' }, 'calico'));
        for (const from of NAMESPACES) {
          for (const to of NAMESPACES) {
            const src: Peer = { kind: 'pod', pod: podView({ metadata: { namespace: from, name: 's' }, spec: { containers: [] } }) };
            const dst: Peer = { kind: 'pod', pod: podView({ metadata: { namespace: to, name: 'd' }, spec: { containers: [] } }) };
            const expected = model(w, from, to);
            const verdict = engine.evaluate(src, dst, { port: 80, protocol: 'TCP' });
            expect(verdict.cannotTell, `${from} → ${to}`).toBeUndefined();
            expect(verdict.egress.allowed, `${from} → ${to} egress`).toBe(side(w, 'Egress', from, to));
            expect(verdict.ingress.allowed, `${from} → ${to} ingress`).toBe(side(w, 'Ingress', to, from));
            expect(verdict.allowed, `${from} → ${to}`).toBe(expected);
            expect(engine.allows(src, dst, { port: 80, protocol: 'TCP' })).toBe(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
