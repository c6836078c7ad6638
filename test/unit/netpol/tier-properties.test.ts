// The tiered evaluation (ANP → Cilium deny → NetworkPolicy ∪ Cilium allow → BANP) against an
// independent small model written from the API documents: random namespace-level policies, every pair
// of pods judged both ways (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer } from '../../../src/netpol/types.js';

const NAMESPACES = ['a', 'b', 'c'];
type Act = 'Allow' | 'Deny' | 'Pass';
interface AdminRule {
  from: string;
  action: Act;
}
interface World {
  admin: { priority: number; subject: string; rules: AdminRule[] }[];
  /** per namespace: undefined = no NetworkPolicy; true = allow from everything; false = default deny */
  np: Record<string, boolean | undefined>;
  /** per namespace: Cilium ingressDeny from this namespace */
  ciliumDeny: Record<string, string | undefined>;
  /** per namespace: Cilium allow from this namespace (isolates the namespace) */
  ciliumAllow: Record<string, string | undefined>;
  baseline: { subject: string; from: string; action: 'Allow' | 'Deny' }[];
}

const ns = fc.constantFrom(...NAMESPACES);
const world: fc.Arbitrary<World> = fc.record({
  admin: fc.array(fc.record({ priority: fc.integer({ min: 0, max: 1000 }), subject: ns, rules: fc.array(fc.record({ from: ns, action: fc.constantFrom<Act>('Allow', 'Deny', 'Pass') }), { minLength: 1, maxLength: 3 }) }), { maxLength: 3 }),
  np: fc.record({ a: fc.option(fc.boolean(), { nil: undefined }), b: fc.option(fc.boolean(), { nil: undefined }), c: fc.option(fc.boolean(), { nil: undefined }) }),
  ciliumDeny: fc.record({ a: fc.option(ns, { nil: undefined }), b: fc.option(ns, { nil: undefined }), c: fc.option(ns, { nil: undefined }) }),
  ciliumAllow: fc.record({ a: fc.option(ns, { nil: undefined }), b: fc.option(ns, { nil: undefined }), c: fc.option(ns, { nil: undefined }) }),
  baseline: fc.array(fc.record({ subject: ns, from: ns, action: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny') }), { maxLength: 3 }),
});

/** The model: ingress to a pod in `to` from a pod in `from`, by the documented precedence. */
function model(w: World, from: string, to: string): boolean {
  // priorities are distinct below (ties are implementation-defined); rules in order, first match wins
  for (const p of [...w.admin].sort((x, y) => x.priority - y.priority)) {
    if (p.subject !== to) continue;
    const hit = p.rules.find((r) => r.from === from);
    if (!hit) continue;
    if (hit.action === 'Pass') break;
    return hit.action === 'Allow';
  }
  if (w.ciliumDeny[to] === from) return false;
  const npSelects = w.np[to] !== undefined;
  const ciliumSelects = w.ciliumAllow[to] !== undefined || w.ciliumDeny[to] !== undefined;
  if (npSelects || ciliumSelects) return w.np[to] === true || w.ciliumAllow[to] === from;
  const b = w.baseline.find((r) => r.subject === to && r.from === from);
  return b ? b.action === 'Allow' : true;
}

const nsSel = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

function objects(w: World): { policies: NetworkPolicy[]; objects: PolicyObject[] } {
  const policies: NetworkPolicy[] = [];
  const objects: PolicyObject[] = [];
  for (const n of NAMESPACES) {
    if (w.np[n] !== undefined) policies.push({ metadata: { namespace: n, name: 'np' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ...(w.np[n] ? { ingress: [{}] } : {}) } });
    const spec: Record<string, unknown> = { endpointSelector: {} };
    if (w.ciliumDeny[n] !== undefined) spec.ingressDeny = [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': w.ciliumDeny[n] } }] }];
    if (w.ciliumAllow[n] !== undefined) spec.ingress = [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': w.ciliumAllow[n] } }] }];
    if (spec.ingress || spec.ingressDeny) objects.push({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: n, name: 'c' }, spec });
  }
  w.admin.forEach((p, i) =>
    objects.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: `anp-${i}` },
      spec: { priority: p.priority, subject: { namespaces: nsSel(p.subject) }, ingress: p.rules.map((r, j) => ({ name: `r${j}`, action: r.action, from: [{ namespaces: nsSel(r.from) }] })) },
    }),
  );
  if (w.baseline.length) {
    objects.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'BaselineAdminNetworkPolicy',
      metadata: { name: 'default' },
      spec: { subject: { namespaces: {} }, ingress: w.baseline.map((r, j) => ({ name: `b${j}`, action: r.action, from: [{ namespaces: nsSel(r.from) }] })) },
    });
  }
  return { policies, objects };
}

describe('tiered policy kinds against an independent model', () => {
  it('every ingress verdict between namespaces equals the model', () => {
    fc.assert(
      fc.property(world, (w) => {
        fc.pre(new Set(w.admin.map((p) => p.priority)).size === w.admin.length);
        // the engine's BANP has one subject for all its rules: keep the model's rules to one subject namespace
        fc.pre(new Set(w.baseline.map((r) => r.subject)).size <= 1);
        const { policies, objects: objs } = objects(w);
        const subject = w.baseline[0]?.subject;
        if (subject) (objs.find((o) => o.kind === 'BaselineAdminNetworkPolicy')!.spec as { subject: unknown }).subject = { namespaces: nsSel(subject) };
        const engine = new PolicyEngine({ namespaces: NAMESPACES.map((n) => ({ metadata: { name: n, labels: { 'kubernetes.io/metadata.name': n } } })), networkPolicies: policies, policyObjects: objs });
        for (const from of NAMESPACES) {
          for (const to of NAMESPACES) {
            const src: Peer = { kind: 'pod', pod: podView({ metadata: { namespace: from, name: 's' }, spec: { containers: [] } }) };
            const dst: Peer = { kind: 'pod', pod: podView({ metadata: { namespace: to, name: 'd' }, spec: { containers: [] } }) };
            const expected = model(w, from, to);
            expect(engine.allows(src, dst, { port: 80, protocol: 'TCP' })).toBe(expected);
            expect(engine.evaluate(src, dst, { port: 80, protocol: 'TCP' }).allowed).toBe(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
