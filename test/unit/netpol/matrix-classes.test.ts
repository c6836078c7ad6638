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
