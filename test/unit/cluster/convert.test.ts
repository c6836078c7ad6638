// A real API server sends `null` where a list was stored empty (a Role with `rules: []` comes back with
// `"rules": null`). Every converter must read null like absent, for every list (and map) field: each
// case below sets one field of a fully populated object to null and expects what deleting it gives.
import { describe, expect, it } from 'vitest';
import { toNamespace, toNetworkPolicy, toPod, toRole, toRoleBinding, toService, toServiceAccount, toWorkload } from '../../../src/cluster/convert.js';

const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] };
const metadata = { name: 'x', namespace: 'ns', labels: { a: 'b' }, annotations: { c: 'd' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] };
const podSpec = {
  serviceAccountName: 'sa',
  containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }] }],
  initContainers: [{ name: 'i', ports: [{ containerPort: 81 }] }],
};

const cases: [string, (o: never) => unknown, Record<string, unknown>][] = [
  ['Namespace', toNamespace as never, { metadata }],
  ['Pod', toPod as never, { metadata, spec: podSpec, status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }] } }],
  ['Service', toService as never, { metadata, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.0.1', type: 'ClusterIP' } }],
  ['ServiceAccount', toServiceAccount as never, { metadata }],
  ['Deployment', ((o: never) => toWorkload('Deployment', o)) as never, { metadata, spec: { selector, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } } }],
  [
    'NetworkPolicy',
    toNetworkPolicy as never,
    {
      metadata,
      spec: {
        podSelector: selector,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ _from: [{ podSelector: selector, namespaceSelector: selector }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 80, endPort: 90 }] }],
        egress: [{ to: [{ podSelector: selector }], ports: [{ port: 'dns' }] }],
      },
    },
  ],
  ['Role', ((o: never) => toRole('Role', o)) as never, { metadata, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['a'] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }] }],
  ['ClusterRole', ((o: never) => toRole('ClusterRole', o)) as never, { metadata: { name: 'agg', labels: { a: 'b' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], aggregationRule: { clusterRoleSelectors: [selector] } }],
  ['RoleBinding', ((o: never) => toRoleBinding('RoleBinding', o)) as never, { metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] }],
];

/** Paths to every array and plain-object field below the root, e.g. ['spec','ingress',0,'_from']. */
function containerPaths(x: unknown, path: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(x)) x.forEach((v, i) => out.push(...containerPaths(v, [...path, i])));
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if (v && typeof v === 'object') out.push([...path, k], ...containerPaths(v, [...path, k]));
    }
  }
  return out;
}

function withField(obj: Record<string, unknown>, path: (string | number)[], value: null | undefined): Record<string, unknown> {
  const copy = structuredClone(obj);
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) return copy; // list elements are not fields
    delete parent[last];
  } else parent[last] = value;
  return copy;
}

describe('converters read null like absent', () => {
  for (const [kind, convert, object] of cases) {
    const fields = containerPaths(object).filter((p) => typeof p[p.length - 1] === 'string');
    it(`${kind}: each of its ${fields.length} list and map fields set to null`, () => {
      for (const path of fields) {
        const absent = convert(withField(object, path, undefined) as never);
        let nulled: unknown;
        expect(() => (nulled = convert(withField(object, path, null) as never)), path.join('.')).not.toThrow();
        expect(nulled, path.join('.')).toEqual(absent);
      }
    });
  }

  it('a Role stored with rules: [] (served as null) has no rules, as one stored without them', () => {
    expect(toRole('Role', { metadata: { name: 'empty', namespace: 'ns' }, rules: null } as never)).toEqual({ kind: 'Role', metadata: { name: 'empty', namespace: 'ns' } });
  });
});

describe('NetworkPolicy policyTypes as the author wrote them', () => {
  const applied = (spec: unknown) => ({ 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec }) });
  const egressOnly = { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] };

  it('are omitted when last-applied-configuration omits them and the server only defaulted them', () => {
    const live = { metadata: { name: 'np', namespace: 'a', annotations: applied(egressOnly) }, spec: { ...egressOnly, policyTypes: ['Ingress', 'Egress'] } };
    const np = toNetworkPolicy(live as never);
    expect(np.spec.policyTypes).toBeUndefined();
    expect(np.metadata.annotations).toBeUndefined(); // the copy itself is not kept
  });

  it('stay as stored when written, when changed after the apply, or without the annotation', () => {
    const written = { metadata: { name: 'np', annotations: applied({ ...egressOnly, policyTypes: ['Ingress', 'Egress'] }) }, spec: { ...egressOnly, policyTypes: ['Ingress', 'Egress'] } };
    expect(toNetworkPolicy(written as never).spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const edited = { metadata: { name: 'np', annotations: applied(egressOnly) }, spec: { ...egressOnly, policyTypes: ['Egress'] } };
    expect(toNetworkPolicy(edited as never).spec.policyTypes).toEqual(['Egress']);
    const created = { metadata: { name: 'np' }, spec: { ...egressOnly, policyTypes: ['Ingress', 'Egress'] } };
    expect(toNetworkPolicy(created as never).spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const garbled = { metadata: { name: 'np', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{not json' } }, spec: { ...egressOnly, policyTypes: ['Ingress', 'Egress'] } };
    expect(toNetworkPolicy(garbled as never).spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });
});
