// Properties that must hold for any cluster and any policies (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Namespace, NetworkPolicy } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, resolveQuery, type PortQuery } from '../../../src/netpol/matrix.js';
import type { Peer, PodView, Traffic } from '../../../src/netpol/types.js';
import * as arb from './arbitraries.js';

function allPairs(ns: Namespace[], policies: NetworkPolicy[], pods: PodView[], externals: string[], t: Traffic): boolean[] {
  const engine = new PolicyEngine({ namespaces: ns, networkPolicies: policies });
  const peers: Peer[] = [...pods.map((pod): Peer => ({ kind: 'pod', pod })), ...externals.map((ip): Peer => ({ kind: 'ip', ip }))];
  const out: boolean[] = [];
  for (const s of peers) for (const d of peers) if (!(s.kind === 'ip' && d.kind === 'ip')) out.push(engine.allows(s, d, t));
  return out;
}

const world = fc.record({
  ns: arb.namespaces,
  policies: fc.array(arb.policy, { maxLength: 5 }),
  pods: arb.pods,
  externals: arb.externals,
  traffic: arb.traffic,
});

describe('NetworkPolicy properties', () => {
  it('adding an allow rule never removes a connection', () => {
    fc.assert(
      fc.property(world, fc.nat(), arb.ingressRule, arb.egressRule, ({ ns, policies, pods, externals, traffic }, pick, ingress, egress) => {
        fc.pre(policies.length > 0);
        const before = allPairs(ns, policies, pods, externals, traffic);
        const target = policies[pick % policies.length];
        const widened = { ...target, spec: { ...target.spec, ingress: [...(target.spec.ingress ?? []), ingress], egress: [...(target.spec.egress ?? []), egress] } };
        // keep the policy's effective types: adding egress rules to a policy without policyTypes would start isolating egress
        if (!target.spec.policyTypes?.length) widened.spec.policyTypes = (target.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
        const after = allPairs(ns, policies.map((p) => (p === target ? widened : p)), pods, externals, traffic);
        before.forEach((allowed, i) => allowed && expect(after[i]).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('adding a policy without rules never adds a connection', () => {
    fc.assert(
      fc.property(world, arb.policy, ({ ns, policies, pods, externals, traffic }, extra) => {
        const ruleless = { ...extra, spec: { ...extra.spec, ingress: [], egress: [] } };
        const before = allPairs(ns, policies, pods, externals, traffic);
        const after = allPairs(ns, [...policies, ruleless], pods, externals, traffic);
        after.forEach((allowed, i) => allowed && expect(before[i]).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('a policy that selects neither end changes nothing', () => {
    fc.assert(
      fc.property(world, arb.policy, ({ ns, policies, pods, externals, traffic }, extra) => {
        const engine = new PolicyEngine({ namespaces: ns, networkPolicies: [extra] });
        const untouched = pods.filter((p) => engine.policiesSelecting(p, 'ingress').length === 0 && engine.policiesSelecting(p, 'egress').length === 0);
        expect(allPairs(ns, [...policies, extra], untouched, externals, traffic)).toEqual(allPairs(ns, policies, untouched, externals, traffic));
      }),
      { numRuns: 200 },
    );
  });

  it('without policies everything is allowed, and policy order does not matter', () => {
    fc.assert(
      fc.property(world, ({ ns, policies, pods, externals, traffic }) => {
        expect(allPairs(ns, [], pods, externals, traffic).every(Boolean)).toBe(true);
        expect(allPairs(ns, [...policies].reverse(), pods, externals, traffic)).toEqual(allPairs(ns, policies, pods, externals, traffic));
      }),
      { numRuns: 200 },
    );
  });

  it('the traced verdict agrees with the fast one, and a denied side names a policy', () => {
    fc.assert(
      fc.property(world, ({ ns, policies, pods, externals, traffic }) => {
        const engine = new PolicyEngine({ namespaces: ns, networkPolicies: policies });
        const peers: Peer[] = [...pods.map((pod): Peer => ({ kind: 'pod', pod })), ...externals.map((ip): Peer => ({ kind: 'ip', ip }))];
        for (const s of peers) {
          for (const d of peers) {
            const v = engine.evaluate(s, d, traffic);
            expect(v.allowed).toBe(engine.allows(s, d, traffic));
            for (const side of [v.egress, v.ingress]) if (!side.allowed) expect(side.policies.length).toBeGreaterThan(0);
            for (const p of [...v.egress.policies, ...v.ingress.policies]) expect(p.allowed).toBe(p.rules.some((r) => r.matched));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the class-cached matrix equals pairwise evaluation', () => {
    const queries = fc.array(
      fc.oneof(
        arb.traffic.map((t): PortQuery => ({ port: t.port, protocol: t.protocol })),
        fc.constantFrom<PortQuery>({ port: 'http' }, { port: 'dns', protocol: 'UDP' }, { port: 'dns', protocol: 'TCP' }),
      ),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(world, queries, fc.nat({ max: 3 }), ({ ns, policies, pods, externals }, qs, copies) => {
        // replicas: copies of a pod with the same labels, another name and another IP (which may or may not sit in an ipBlock)
        const ipPool = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.3.4', '172.16.0.1'];
        const replicated = pods.flatMap((p, pi) =>
          Array.from({ length: copies + 1 }, (_, i) => ({ ...p, name: `${p.name}-${i}`, ips: i === 0 ? p.ips : [ipPool[(pi + i) % ipPool.length]] })),
        );
        const engine = new PolicyEngine({ namespaces: ns, networkPolicies: policies });
        const m = computeMatrix(engine, { pods: replicated, externals, queries: qs });
        const peers: Peer[] = [...replicated.map((pod): Peer => ({ kind: 'pod', pod })), ...externals.map((ip): Peer => ({ kind: 'ip', ip }))];
        const n = peers.length;
        qs.forEach((q, qi) => {
          peers.forEach((s, i) =>
            peers.forEach((d, j) => {
              const t = resolveQuery(q, d);
              const expected = !t || (s.kind === 'ip' && d.kind === 'ip') ? 2 : engine.allows(s, d, t) ? 1 : 0;
              expect(m.cells[qi][i * n + j]).toBe(expected);
            }),
          );
        });
        expect(m.classes).toBeLessThanOrEqual(n);
      }),
      { numRuns: 200 },
    );
  });
});
