// Endpoint grammar and resolution, can-reach over Services and workloads, explain summaries — on
// the bundled example and small hand-made snapshots.
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { UsageError } from '../../../src/errors.js';
import { emptySnapshot, type ClusterSnapshot } from '../../../src/model/k8s.js';
import { canReach } from '../../../src/netpol/can-reach.js';
import { clusterPods, parseEndpoint, resolveEndpoint } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { describePolicy, dnsTarget, isolationOf } from '../../../src/netpol/explain.js';

const shop = await readManifestSnapshot(['examples/shop']);
const engine = new PolicyEngine(shop);
const resolve = (s: ClusterSnapshot, text: string) => resolveEndpoint(s, parseEndpoint(text), 'default');
const reach = (from: string, to: string, port?: number | string, protocol?: 'TCP' | 'UDP' | 'SCTP') =>
  canReach(engine, resolve(shop, from), resolve(shop, to), { port, protocol });

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('endpoint grammar', () => {
  it('reads the three forms', () => {
    expect(parseEndpoint('payments/deploy/payments')).toMatchObject({ kind: 'Deployment', namespace: 'payments', name: 'payments' });
    expect(parseEndpoint('svc/payments')).toEqual({ kind: 'Service', name: 'payments', input: 'svc/payments' });
    expect(parseEndpoint('payments/api-0')).toMatchObject({ kind: 'Pod', namespace: 'payments', name: 'api-0' });
    expect(parseEndpoint('api-0')).toMatchObject({ kind: 'Pod', name: 'api-0' });
    expect(parseEndpoint('ip:169.254.169.254')).toMatchObject({ kind: 'ip', ip: '169.254.169.254' });
    expect(parseEndpoint('ns/StatefulSets/db')).toMatchObject({ kind: 'StatefulSet' });
  });
  it('rejects unknown kinds, empty parts and bad addresses', () => {
    expect(usage(() => parseEndpoint('ns/cronjob/x'))).toMatch(/unknown kind "cronjob"/);
    expect(usage(() => parseEndpoint('ns//x'))).toMatch(/cannot read endpoint/);
    expect(usage(() => parseEndpoint('ip:999.1.1.1'))).toMatch(/not an IP address/);
  });
  it('says what was not found, where it looked, and what was probably meant', () => {
    expect(usage(() => resolve(shop, 'default/frontend'))).toBe('pod "frontend" not found in namespace default (manifests examples/shop); did you mean default/deploy/frontend or default/svc/frontend?');
    expect(usage(() => resolve(shop, 'deploy/payments'))).toBe('deployment "payments" not found in namespace default (manifests examples/shop); did you mean payments/deploy/payments?');
  });
});

describe('workload and service resolution', () => {
  const snapshot: ClusterSnapshot = {
    ...emptySnapshot('test'),
    pods: [
      // owned by the web Deployment through its ReplicaSet
      { metadata: { namespace: 'a', name: 'web-5d4-x', labels: { app: 'web', 'pod-template-hash': '5d4', role: 'canary' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d4', controller: true }] }, spec: { containers: [] } },
      // matches the web selector but belongs to another controller: never web's
      { metadata: { namespace: 'a', name: 'impostor', labels: { app: 'web', role: 'debug' }, ownerReferences: [{ kind: 'StatefulSet', name: 'other', controller: true }] }, spec: { containers: [] } },
      { metadata: { namespace: 'a', name: 'done', labels: { app: 'api' } }, spec: { containers: [] }, status: { phase: 'Succeeded' } },
    ],
    workloads: [
      { kind: 'Deployment', metadata: { namespace: 'a', name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } } },
      { kind: 'Deployment', metadata: { namespace: 'a', name: 'api' }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api', tier: 'be' } }, spec: { containers: [] } } } },
    ],
    services: [{ metadata: { namespace: 'a', name: 'headless' }, spec: { ports: [{ port: 80 }] } }],
  };
  it('follows owner references, not look-alike labels', () => {
    expect(resolveEndpoint(snapshot, parseEndpoint('deploy/web'), 'a').pods.map((p) => p.name)).toEqual(['web-5d4-x']);
  });
  it("falls back to the workload's own template labels when nothing runs", () => {
    const api = resolveEndpoint(snapshot, parseEndpoint('deploy/api'), 'a');
    expect(api.fromTemplate).toBe(true);
    expect(api.pods[0].labels).toEqual({ app: 'api', tier: 'be' });
  });
  it('refuses a Service without a selector', () => {
    expect(usage(() => resolveEndpoint(snapshot, parseEndpoint('svc/headless'), 'a'))).toMatch(/no selector/);
  });
  it('lists running pods and templates for matrices', () => {
    expect(clusterPods(snapshot).map((p) => p.name)).toEqual(['api', 'impostor', 'web-5d4-x']);
  });
});

describe('can-reach on the example', () => {
  it('frontend → payments on 8443 is denied on both sides, with the deciding policies', () => {
    const r = reach('default/deploy/frontend', 'payments/deploy/payments', 8443);
    expect(r.allowed).toBe(false);
    expect(r.deciding!.egress.allowed).toBe(false);
    expect(r.deciding!.egress.policies.map((p) => p.name)).toEqual(['frontend-egress']);
    expect(r.deciding!.ingress.policies.map((p) => [p.name, p.allowed])).toEqual([
      ['allow-cart', false],
      ['allow-prometheus', false],
      ['default-deny', false],
    ]);
    expect(r.deciding!.ingress.policies[0].summary).toMatch(/namespace default does not have team=shop|does not have app=cart/);
    expect(r.deciding!.notes.join('\n')).toMatch(/no running pods/);
  });

  it('cart → payments Service: port 443 judged at the backends on targetPort https (8443)', () => {
    const r = reach('default/deploy/cart', 'payments/svc/payments');
    expect(r.allowed).toBe(true);
    expect(r.ports).toEqual([{ port: 443, protocol: 'TCP', allowed: true, targetPorts: [8443] }]);
    expect(r.connections[0]).toMatchObject({ targetPort: 8443, ingress: { policies: [{ name: 'allow-cart', rule: 0 }, { name: 'allow-prometheus', allowed: false }, { name: 'default-deny', allowed: false }] } });
  });

  it('without --port, answers every declared port; allowed only if all are', () => {
    const r = reach('monitoring/sts/prometheus', 'payments/deploy/payments');
    expect(r.ports.map((p) => [p.port, p.allowed])).toEqual([
      [8443, false],
      [9090, true],
    ]);
    expect(r.allowed).toBe(false);
    expect(r.deciding!.port).toBe(8443);
  });

  it('named ports resolve on the destination, and DNS over both protocols of one port', () => {
    expect(reach('payments/deploy/payments', 'kube-system/svc/kube-dns', 53).ports.map((p) => [p.protocol, p.allowed])).toEqual([
      ['TCP', true],
      ['UDP', true],
    ]);
    expect(reach('monitoring/sts/prometheus', 'payments/deploy/payments', 'metrics').allowed).toBe(true);
  });

  it('shows the IMDS pitfall and the Cilium-independent ipBlock verdict for external addresses', () => {
    const r = reach('default/deploy/frontend', 'ip:169.254.169.254', 80);
    expect(r.allowed).toBe(true);
    expect(r.deciding!.egress.policies[0]).toMatchObject({ name: 'frontend-egress', rule: 2 });
    expect(r.deciding!.ingress.skipped).toMatch(/outside the cluster/);
    expect(reach('payments/deploy/payments', 'ip:169.254.169.254', 80).allowed).toBe(false);
  });

  it('rejects ports the destination does not have', () => {
    expect(usage(() => reach('default/deploy/cart', 'payments/svc/payments', 8443))).toBe('service payments/payments has no port 8443; its ports: 443/TCP (https)');
    expect(usage(() => reach('default/deploy/cart', 'payments/deploy/payments', 'grpc'))).toMatch(/declares no port named grpc; its ports: 8443\/TCP \(https\), 9090\/TCP \(metrics\)/);
    expect(usage(() => reach('default/deploy/cart', 'ip:1.1.1.1'))).toMatch(/pass --port/);
    expect(usage(() => reach('ip:1.1.1.1', 'ip:2.2.2.2', 80))).toMatch(/both endpoints are addresses/);
  });
});

describe('explain summaries', () => {
  it('describes a policy in English with its effective types and pitfalls', () => {
    const d = describePolicy(engine, engine.policy('default', 'frontend-egress')!, clusterPods(shop));
    expect(d.appliesTo).toBe('pods with app=frontend in namespace default');
    expect(d.policyTypes).toEqual(['egress']);
    expect(d.egress.rules.map((r) => r.text)).toEqual([
      'to pods with app=cart in namespace default on TCP port named http',
      'to pods with k8s-app=kube-dns in namespace kube-system on TCP 53, UDP 53',
      'to IPs in 0.0.0.0/0 except 10.0.0.0/8 on TCP 80, TCP 443',
    ]);
    expect(d.selects).toEqual(['default/frontend']);
    const implicit = new PolicyEngine({ namespaces: [], networkPolicies: [{ metadata: { name: 'e', namespace: 'x' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] } }] });
    expect(describePolicy(implicit, implicit.policies[0], []).warnings.join('\n')).toMatch(/isolates Ingress as well as Egress[\s\S]*DNS[\s\S]*selects no pod/);
  });

  it('warns that egress isolation blocks DNS unless a rule can reach the kube-dns pods on 53', () => {
    const dnsWarning = (egress: unknown[], namespace = 'shop') => {
      const e = new PolicyEngine({ namespaces: [], networkPolicies: [{ metadata: { name: 'e', namespace }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: egress as never } }] });
      return describePolicy(e, e.policies[0], []).warnings.some((w) => /without allowing DNS \(UDP 53 to kube-system\/kube-dns\)/.test(w));
    };
    // peers confined to the policy's own namespace: no DNS, whatever the ports
    expect(dnsWarning([{ to: [{ podSelector: {} }] }])).toBe(true);
    expect(dnsWarning([{ to: [{ namespaceSelector: { matchLabels: { team: 'shop' } } }] }])).toBe(true);
    expect(dnsWarning([{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }])).toBe(true);
    expect(dnsWarning([{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } }] }])).toBe(true);
    expect(dnsWarning([{ ports: [{ port: 443 }] }])).toBe(true);
    // peers that can include the kube-dns pods, on a port that can be 53
    expect(dnsWarning([{ to: [{ namespaceSelector: {} }] }])).toBe(false);
    expect(dnsWarning([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }] }])).toBe(false);
    expect(dnsWarning([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }])).toBe(false);
    expect(dnsWarning([{}])).toBe(false);
    expect(dnsWarning([{ to: [{ podSelector: {} }] }], 'kube-system')).toBe(false);
    // known DNS pods decide, after the Service's DNAT: an ipBlock over the ClusterIP alone allows nothing
    const withDns = (cidr: string, ports?: unknown[]) => {
      const e = new PolicyEngine({ namespaces: [], networkPolicies: [{ metadata: { name: 'e', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr } }], ...(ports ? { ports } : {}) }] as never } }] });
      const dns = dnsTarget({
        ...emptySnapshot('t'),
        pods: [{ metadata: { namespace: 'kube-system', name: 'coredns-1', labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }] }, status: { phase: 'Running', podIP: '10.244.0.5' } }],
        services: [{ metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { selector: { 'k8s-app': 'kube-dns' }, clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] } }],
      });
      return describePolicy(e, e.policies[0], [], dns).warnings.filter((w) => w.includes('DNS'));
    };
    expect(withDns('10.244.0.0/16')).toEqual([]);
    expect(withDns('10.96.0.10/32')).toEqual([
      expect.stringMatching(/without allowing DNS/),
      "egress rule #0's ipBlock covers the kube-dns Service IP, but policies see DNS traffic after DNAT, at the DNS pods' own IPs: it does not allow DNS",
    ]);
    // a named port is TCP unless it says otherwise: "dns" never admits UDP 53, "dns" with protocol UDP does
    expect(withDns('10.244.0.0/16', [{ port: 'dns' }])).toEqual([expect.stringMatching(/without allowing DNS/)]);
    expect(withDns('10.244.0.0/16', [{ port: 'dns', protocol: 'UDP' }])).toEqual([]);
  });

  it('warns that a policy blocks DNS only for pods no other policy lets reach it, as the pod view says', () => {
    const dnsWarnings = (e: PolicyEngine, ns: string, name: string, pods = clusterPods(shop)) => describePolicy(e, e.policy(ns, name)!, pods).warnings.filter((w) => w.includes('DNS'));
    // payments/default-deny isolates egress with no rules, but allow-dns-and-psp lets the same pods resolve names
    expect(dnsWarnings(engine, 'payments', 'default-deny')).toEqual([]);
    expect(isolationOf(engine, resolve(shop, 'payments/deploy/payments').pods[0]).notes.join('\n')).not.toContain('DNS');
    // one namespace-wide deny, DNS allowed for app=web only: the warning names the pod still cut off
    const pod = (name: string, app: string) => ({ metadata: { namespace: 'x', name, labels: { app } }, spec: { containers: [] }, status: { phase: 'Running' } });
    const snapshot: ClusterSnapshot = {
      ...emptySnapshot('t'),
      pods: [pod('web-1', 'web'), pod('batch-1', 'batch')],
      networkPolicies: [
        { metadata: { name: 'deny', namespace: 'x' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
        { metadata: { name: 'web-dns', namespace: 'x' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] }] } },
      ],
    };
    const mixed = new PolicyEngine(snapshot);
    expect(dnsWarnings(mixed, 'x', 'deny', clusterPods(snapshot))).toEqual([
      'it isolates egress without allowing DNS (UDP 53 to kube-system/kube-dns); other policies allow it for some of these pods, but not for x/batch-1: name lookups from those fail',
    ]);
    // the pod view agrees pod by pod
    const notes = (name: string) => isolationOf(mixed, clusterPods(snapshot).find((p) => p.name === name)!).notes.join('\n');
    expect(notes('batch-1')).toContain('no rule allows DNS');
    expect(notes('web-1')).not.toContain('DNS');
    // nothing else allows it: the plain warning
    const alone = new PolicyEngine({ ...snapshot, networkPolicies: [snapshot.networkPolicies[0]] });
    expect(dnsWarnings(alone, 'x', 'deny', clusterPods(snapshot))).toEqual([
      'it isolates egress without allowing DNS (UDP 53 to kube-system/kube-dns), and no other policy selecting these pods allows it: name lookups from them fail',
    ]);
  });

  it('warns about the metadata service (169.254.169.254 on TCP 80) for every rule that can reach it', () => {
    const imds = (egress: unknown[]) => {
      const e = new PolicyEngine({ namespaces: [], networkPolicies: [{ metadata: { name: 'e', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: egress as never } }] });
      return describePolicy(e, e.policies[0], []).warnings.filter((w) => w.includes('169.254.169.254'));
    };
    expect(imds([{ ports: [{ port: 80 }, { port: 443 }] }])).toEqual([expect.stringMatching(/^egress rule #0 allows every destination, including 169\.254\.169\.254/)]);
    expect(imds([{ to: [], ports: [{ port: 53, protocol: 'UDP' }] }, {}])).toEqual([expect.stringMatching(/^egress rule #1 allows every destination/)]);
    expect(imds([{ to: [{ ipBlock: { cidr: '169.254.0.0/16' } }], ports: [{ port: 80 }] }])).toEqual([expect.stringMatching(/^egress rule #0 includes 169\.254\.169\.254/)]);
    expect(imds([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }])).toEqual([]);
    expect(imds([{ ports: [{ port: 443 }] }])).toEqual([]);
    expect(imds([{ to: [{ podSelector: {} }], ports: [{ port: 80 }] }])).toEqual([]);
  });

  it("summarises a pod's isolation per direction", () => {
    const payments = resolve(shop, 'payments/deploy/payments').pods[0];
    const iso = isolationOf(engine, payments);
    expect(iso.ingress.policies).toEqual(['payments/allow-cart', 'payments/allow-prometheus', 'payments/default-deny']);
    expect(iso.egress.rules.map((r) => `${r.policy}#${r.index}`)).toEqual(['payments/allow-dns-and-psp#0', 'payments/allow-dns-and-psp#1']);
    const cart = isolationOf(engine, resolve(shop, 'default/deploy/cart').pods[0]);
    expect(cart.egress.isolated).toBe(false);
  });
});

describe('backends with different verdicts', () => {
  const pod = (name: string, labels: Record<string, string>, ip: string) => ({
    metadata: { namespace: 'shop', name, labels },
    spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip },
  });
  const snapshot: ClusterSnapshot = {
    ...emptySnapshot('test'),
    namespaces: [{ metadata: { name: 'shop' } }],
    pods: [pod('client', { app: 'client' }, '10.0.0.1'), pod('api-1', { app: 'api', track: 'stable' }, '10.0.0.2'), pod('api-2', { app: 'api', track: 'canary' }, '10.0.0.3'), pod('api-3', { app: 'api', track: 'stable' }, '10.0.0.4')],
    services: [{ metadata: { namespace: 'shop', name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'http' }] } }],
    networkPolicies: [{ metadata: { namespace: 'shop', name: 'canary-locked' }, spec: { podSelector: { matchLabels: { track: 'canary' } }, ingress: [] } }],
  };
  it('are reported per pod, replicas with the same labels grouped, and the answer is DENIED', async () => {
    const { renderCanReach } = await import('../../../src/render/netpol-text.js');
    const e = new PolicyEngine(snapshot);
    const r = canReach(e, resolve({ ...snapshot }, 'shop/client'), resolve(snapshot, 'shop/svc/api'), {});
    expect(r.allowed).toBe(false);
    expect(r.connections.map((c) => [c.destinations, c.allowed])).toEqual([
      [['shop/api-1', 'shop/api-3'], true],
      [['shop/api-2'], false],
    ]);
    const text = renderCanReach({ colour: false }, r);
    expect(text.split('\n')[0]).toBe('DENIED  shop/client → shop/svc/api  TCP 80 (→ 8080 at the pods)');
    expect(text).toContain('TCP 80 differs between destination pods: allowed to shop/api-1, shop/api-3; denied to shop/api-2');
    expect(text).toContain('shop/canary-locked: has no ingress rules');
  });
});
