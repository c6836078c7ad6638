// Namespace labels that could not be read, for the policy kinds beyond NetworkPolicy: an AdminNetworkPolicy
// subject or peer, a Cilium namespace-label selector, an unevaluated object scoped by namespace labels.
// A verdict that would change with the real labels is cannot tell naming that namespace; one that does
// not (the labels read by name, a namespace whose labels are known) is the verdict the full labels give.
import { describe, expect, it } from 'vitest';
import type { Namespace, NetworkPolicy, PolicyObject, UnreadableList } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, matrixVerdicts } from '../../../src/netpol/matrix.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, PodView, Traffic } from '../../../src/netpol/types.js';

const pod = (ns: string, name: string, ip: string): Peer => ({ kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels: { app: name } }, spec: { containers: [] }, status: { phase: 'Running', podIP: ip } }) });
const anp = (name: string, priority: number, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec: { priority, ...spec } });
const ccnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec });
const named = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
const tcp: Traffic = { port: 5432, protocol: 'TCP' };

const client = pod('np-lab', 'client', '10.1.0.5');
const db = pod('app', 'db', '10.1.0.6');
const web = pod('app', 'web', '10.1.0.7');

/** truth: every label read; blind: np-lab's GET refused (placeholder labels), app read by name */
function engines(objects: PolicyObject[], policies: NetworkPolicy[] = []) {
  const truth = new PolicyEngine({ namespaces: [named('app'), named('np-lab', { team: 'lab' })], networkPolicies: policies, policyObjects: objects });
  const unreadable: UnreadableList[] = [{ resource: 'namespaces', readByName: ['app'] }];
  const blind = new PolicyEngine({ namespaces: [named('app'), named('np-lab')], networkPolicies: policies, policyObjects: objects, unreadable });
  const known = new PolicyEngine({ namespaces: [named('app'), named('np-lab', { team: 'lab' })], networkPolicies: policies, policyObjects: objects, unreadable: [{ resource: 'namespaces', readByName: ['app', 'np-lab'] }] });
  return { truth, blind, known };
}
const answer = (e: PolicyEngine, from: Peer, to: Peer) => {
  const v = e.evaluate(from, to, tcp);
  return v.cannotTell ? null : v.allowed;
};

describe('namespace labels that could not be read, for the other policy kinds', () => {
  it('an AdminNetworkPolicy whose subject is chosen by namespace labels: cannot tell whether it selects a pod there (it denies in truth)', () => {
    const { truth, blind, known } = engines([anp('lab-out', 5, { subject: { namespaces: { matchLabels: { team: 'lab' } } }, egress: [{ name: 'deny', action: 'Deny', to: [{ namespaces: {} }] }] })]);
    expect(answer(truth, client, db)).toBe(false);
    expect(answer(known, client, db)).toBe(false);
    const v = blind.evaluate(client, db, tcp);
    expect(v.cannotTell).toEqual([{ what: 'whether AdminNetworkPolicy lab-out selects np-lab/client, which hangs on the labels of namespace np-lab', permission: expect.stringMatching(/^get namespaces\/np-lab /) }]);
    expect(blind.judge(client, db, tcp).value).toBe(3);
    // app's labels were read: its pods are known not to be selected
    expect(answer(blind, db, web)).toBe(true);
  });

  it('an AdminNetworkPolicy peer on namespace labels (Deny, then Allow): cannot tell from the unread namespace, definite from a read one', () => {
    for (const action of ['Deny', 'Allow'] as const) {
      const objects = [anp('lab-in', 5, { subject: { namespaces: {} }, ingress: [{ name: 'r', action, from: [{ namespaces: { matchLabels: { team: 'lab' } } }] }] })];
      const deny = action === 'Allow' ? [{ metadata: { namespace: 'app', name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] as ('Ingress' | 'Egress')[] } }] : [];
      const { truth, blind, known } = engines(objects, deny);
      expect(answer(truth, client, db)).toBe(action === 'Allow');
      expect(answer(known, client, db)).toBe(action === 'Allow');
      expect(answer(blind, client, db)).toBeNull();
      expect(blind.evaluate(client, db, tcp).cannotTell!.map((u) => u.what).join('\n')).toContain('hangs on the labels of namespace np-lab');
      // from app (labels read, no team): the rule does not match, whatever np-lab's labels are
      expect(answer(blind, web, db)).toBe(answer(truth, web, db));
    }
  });

  it('a CiliumClusterwideNetworkPolicy rule on namespace labels (io.cilium.k8s.namespace.labels.team): cannot tell from the unread namespace', () => {
    const objects = [ccnp('db-from-lab', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'lab' } }] }] })];
    const { truth, blind, known } = engines(objects);
    expect(answer(truth, client, db)).toBe(true);
    expect(answer(known, client, db)).toBe(true);
    expect(answer(blind, client, db)).toBeNull();
  });

  it('a NetworkPolicy namespaceSelector stays bounded when other kinds take part (an unrelated AdminNetworkPolicy, a Calico policy)', () => {
    const fromLab = (operator: 'In' | 'NotIn'): NetworkPolicy => ({ metadata: { namespace: 'app', name: 'db' }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator, values: ['lab'] }] } }] }] } });
    const unrelated = anp('imds', 1, { subject: { namespaces: {} }, egress: [{ name: 'deny', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] });
    const calico: PolicyObject = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { namespace: 'app', name: 'web' }, spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow' }] } };
    for (const other of [unrelated, calico]) {
      for (const operator of ['In', 'NotIn'] as const) {
        const { truth, blind, known } = engines([other], [fromLab(operator)]);
        expect(answer(truth, client, db)).toBe(operator === 'In');
        expect(answer(known, client, db)).toBe(operator === 'In');
        const v = blind.evaluate(client, db, tcp);
        expect(v.cannotTell, `${other.kind} ${operator}`).toBeDefined();
        expect(v.cannotTell!.map((u) => u.what).join('\n')).toMatch(/whether namespace np-lab is one of the namespaces with team/);
        expect(blind.judge(client, db, tcp).value).toBe(3);
        // app's labels were read: web → db is the truth
        expect(answer(blind, web, db)).toBe(answer(truth, web, db));
        // the matrix's shared quick path says the same
        const pods = [client, db, web].map((p) => (p as { pod: PodView }).pod);
        const cells = Object.fromEntries([...matrixVerdicts(computeMatrix(blind, { pods, externals: [], queries: [{ port: 5432, protocol: 'TCP' }] }))].map((v) => [`${v.from}>${v.to}`, v.allowed]));
        expect(cells['np-lab/client>app/db'], `${other.kind} ${operator}`).toBeNull();
        expect(cells['app/web>app/db']).toBe(answer(truth, web, db));
      }
    }
  });

  it('matrix: the cells that hang on np-lab are CANNOT_TELL; every other cell is the truth', () => {
    const objects = [anp('lab-in', 5, { subject: { namespaces: {} }, ingress: [{ name: 'r', action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'lab' } } }] }] })];
    const { truth, blind } = engines(objects);
    const pods = [client, db, web].map((p) => (p as { pod: PodView }).pod);
    const cells = (e: PolicyEngine) => Object.fromEntries([...matrixVerdicts(computeMatrix(e, { pods, externals: [], queries: [{ port: 5432, protocol: 'TCP' }] }))].map((v) => [`${v.from}>${v.to}`, v.allowed]));
    const t = cells(truth);
    const b = cells(blind);
    expect(b['np-lab/client>app/db']).toBeNull();
    expect(t['np-lab/client>app/db']).toBe(false);
    for (const [cell, allowed] of Object.entries(b)) if (allowed !== null) expect({ cell, allowed }).toEqual({ cell, allowed: t[cell] });
    expect(b['app/web>app/db']).toBe(true);
  });
});
