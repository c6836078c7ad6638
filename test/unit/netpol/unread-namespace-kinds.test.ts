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

// Cannot tell only where a selector reads a namespace label beyond the name: Cilium's identity labels and
// Calico's endpoint labels carry the namespace's labels (io.cilium.k8s.namespace.labels.*, pcns.*), yet a
// selector that never asks for one of them is decided from what was read.
describe('namespace labels that could not be read, and selectors that never read them', () => {
  const cnp = (ns: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: ns, name }, spec });
  const gnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
  const calicoNp = (ns: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });
  /** each case: the policies, then per connection the truth and whether the blind engine may tell it */
  const cases: { name: string; objects: PolicyObject[]; firm: [Peer, Peer][]; unsure?: [Peer, Peer][]; because?: string }[] = [
    {
      name: 'a Cilium clusterwide policy selecting by pod labels only (egress from client, any namespace)',
      objects: [ccnp('client-out', { endpointSelector: { matchLabels: { app: 'client' } }, egress: [{ toEndpoints: [{ matchLabels: { app: 'db' } }] }] })],
      firm: [[client, db], [client, web], [web, db]],
    },
    {
      name: 'a CiliumNetworkPolicy whose peer names the unread namespace by io.kubernetes.pod.namespace',
      objects: [cnp('app', 'db-in', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'np-lab', app: 'client' } }] }] })],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'a Cilium peer on a namespace label, where the pod labels already settle it',
      objects: [ccnp('db-in', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'lab', app: 'nobody' } }] }] })],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'a Cilium peer on a namespace label that decides',
      objects: [ccnp('db-in', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'lab' } }] }] })],
      firm: [[web, db]],
      unsure: [[client, db]],
    },
    {
      name: 'a Calico GlobalNetworkPolicy selecting by pod labels, namespace by projectcalico.org/name',
      objects: [gnp('client-out', { selector: "app == 'client'", types: ['Egress'], egress: [{ action: 'Deny', destination: { selector: "app == 'db'" } }, { action: 'Allow', destination: { namespaceSelector: "projectcalico.org/name == 'app'" } }] })],
      firm: [[client, db], [client, web], [web, db]],
    },
    {
      name: 'a Calico NetworkPolicy whose source is every namespace (all()) and a pod selector',
      objects: [calicoNp('app', 'db-in', { selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { namespaceSelector: 'all()', selector: "app == 'client'" } }] })],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'a Calico rule on pcns.team (the namespace label through the endpoint)',
      objects: [gnp('db-in', { selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "pcns.team == 'lab'" } }] })],
      firm: [[web, db]],
      unsure: [[client, db]],
    },
    {
      name: 'a Calico policy selecting by namespaceSelector on a label beyond the name',
      objects: [gnp('lab-out', { namespaceSelector: "team == 'lab'", selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny' }] })],
      firm: [[web, db]],
      unsure: [[client, db]],
    },
    {
      name: 'Calico && and || with a pcns.* operand that a known operand settles, whatever their order',
      objects: [
        gnp('db-in', { selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "pcns.team == 'lab' && app == 'nobody'" } }, { action: 'Allow', source: { selector: "pcns.team == 'lab' || app == 'client'" } }] }),
      ],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'a Calico namespaceSelector on the name ahead of a label, and one whose name part fails',
      objects: [gnp('db-in', { selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { namespaceSelector: "team == 'lab' && projectcalico.org/name == 'other'" } }] })],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'an AdminNetworkPolicy peer on namespace labels whose pod selector fails, and a subject by pod labels',
      objects: [anp('db-in', 5, { subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, ingress: [{ name: 'r', action: 'Deny', from: [{ pods: { namespaceSelector: { matchLabels: { team: 'lab' } }, podSelector: { matchLabels: { app: 'nobody' } } } }] }] })],
      firm: [[client, db], [web, db]],
    },
    {
      name: 'a Calico policy that is not evaluated (doNotTrack) selecting by pod labels only: no word on pods it cannot select',
      objects: [gnp('raw', { selector: "app == 'db'", doNotTrack: true, types: ['Ingress'], ingress: [{ action: 'Allow' }] })],
      firm: [[client, web]],
      unsure: [[client, db]],
      because: 'GlobalNetworkPolicy raw, which may select app/db and was not evaluated',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { truth, blind, known } = engines(c.objects);
      for (const [from, to] of c.firm) {
        const label = `${c.name}: ${peerText(from)} → ${peerText(to)}`;
        expect(answer(blind, from, to), label).toBe(answer(truth, from, to));
        expect(answer(known, from, to), label).toBe(answer(truth, from, to));
        expect(blind.judge(from, to, tcp).value, label).toBe(answer(truth, from, to) ? 1 : 0);
      }
      for (const [from, to] of c.unsure ?? []) {
        const v = blind.evaluate(from, to, tcp);
        expect(v.cannotTell, `${c.name}: ${peerText(from)} → ${peerText(to)}`).toBeDefined();
        expect(v.cannotTell!.map((u) => u.what).join('\n')).toContain(c.because ?? 'hangs on the labels of namespace np-lab');
        expect(blind.judge(from, to, tcp).value).toBe(3);
      }
      // the matrix's shared path agrees with evaluate
      const pods = [client, db, web].map((p) => (p as { pod: PodView }).pod);
      const cells = Object.fromEntries([...matrixVerdicts(computeMatrix(blind, { pods, externals: [], queries: [tcp] }))].map((v) => [`${v.from}>${v.to}`, v.allowed]));
      for (const [from, to] of c.firm) expect(cells[`${peerText(from)}>${peerText(to)}`]).toBe(answer(truth, from, to));
      for (const [from, to] of c.unsure ?? []) expect(cells[`${peerText(from)}>${peerText(to)}`]).toBeNull();
    });
  }
});

function peerText(p: Peer): string {
  return p.kind === 'pod' ? `${p.pod.namespace}/${p.pod.name}` : p.ip;
}
