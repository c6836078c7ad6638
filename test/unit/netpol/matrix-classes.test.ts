// Matrix equivalence classes are keyed only by the labels some policy selector reads.
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, podLabelKeysRead } from '../../../src/netpol/matrix.js';
import type { PodView } from '../../../src/netpol/types.js';
import type { NetworkPolicy } from '../../../src/model/k8s.js';

const pods = (unique: boolean): PodView[] =>
  Array.from({ length: 40 }, (_, i) => ({
    namespace: 'a',
    name: `web-${i}`,
    labels: { app: i % 2 ? 'web' : 'api', ...(unique ? { 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'pod-template-hash': `h${i}` } : {}) },
    ips: [],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    hostNetwork: false,
  }));

const policies: NetworkPolicy[] = [
  { metadata: { namespace: 'a', name: 'api' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }] }] } },
];

describe('matrix classes', () => {
  it("reads the label keys of pod selectors: the policy's own and its peers'", () => {
    const engine = new PolicyEngine({ namespaces: [], networkPolicies: policies });
    expect([...podLabelKeysRead(engine)!]).toEqual(['app']);
  });

  it('a unique label no selector reads does not split classes, and the verdicts are the same', () => {
    const engine = new PolicyEngine({ namespaces: [], networkPolicies: policies });
    const shared = computeMatrix(engine, { pods: pods(false), externals: [], queries: [{ port: 8080, protocol: 'TCP' }] });
    const unique = computeMatrix(engine, { pods: pods(true), externals: [], queries: [{ port: 8080, protocol: 'TCP' }] });
    expect(shared.classes).toBe(2);
    expect(unique.classes).toBe(2);
    expect(unique.cells).toEqual(shared.cells);
  });

  it('a label a selector reads still splits classes', () => {
    const selecting: NetworkPolicy[] = [...policies, { metadata: { namespace: 'a', name: 'one' }, spec: { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': 'web-3' } }, ingress: [] } }];
    const m = computeMatrix(new PolicyEngine({ namespaces: [], networkPolicies: selecting }), { pods: pods(true), externals: [], queries: [{ port: 8080, protocol: 'TCP' }] });
    expect(m.classes).toBe(40);
  });
});

describe('-o json --by-class', () => {
  it('expanded (every from-member × every to-member) gives exactly the verdicts of -o json', async () => {
    const { renderMatrixJson, renderMatrixJsonByClass } = await import('../../../src/render/netpol-matrix.js');
    const engine = new PolicyEngine({ namespaces: [], networkPolicies: policies });
    const m = computeMatrix(engine, { pods: pods(true), externals: ['8.8.8.8'], queries: [{ port: 8080, protocol: 'TCP' }, { port: 'http' }] });
    const full = JSON.parse([...renderMatrixJson(m)].join('')).verdicts;
    const compact = JSON.parse([...renderMatrixJsonByClass(m)].join(''));
    expect(compact.classes).toHaveLength(3);
    expect(compact.classes.flat().sort()).toEqual([...m.endpoints].sort());
    const expanded = compact.verdicts.flatMap((v: { from: number; to: number }) =>
      compact.classes[v.from].flatMap((from: string) => compact.classes[v.to].map((to: string) => ({ ...v, from, to }))),
    );
    const key = (v: { from: string; to: string; port: unknown }) => `${v.from}>${v.to}>${v.port}`;
    expect(expanded.map(key).sort()).toEqual(full.map(key).sort());
    const byKey = new Map(full.map((v: { from: string; to: string; port: unknown }) => [key(v), v]));
    for (const v of expanded) expect(v).toEqual(byKey.get(key(v)));
  });
});
