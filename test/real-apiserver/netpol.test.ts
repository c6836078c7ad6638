// NetworkPolicy commands against a real kube-apiserver: what the server stores (defaulted policyTypes,
// protocols, dropped empty lists, namespace labels) must give the same verdicts as the manifests a dump
// of it holds (-f), the "policyTypes omitted" warning must survive the defaulting, and lists of a few
// thousand pods must be read whole (paging).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLiveSnapshot } from '../../src/cluster/live.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { np } from './cli.js';

const NETPOL = 'networking.k8s.io/v1';
const container = (ports: { name?: string; containerPort: number }[] = []) => [{ name: 'c', image: 'registry.example/c:1', ...(ports.length ? { ports } : {}) }];
const pod = (namespace: string, name: string, labels: Record<string, string>, ports?: { name?: string; containerPort: number }[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: container(ports) } });

const IPS: Record<string, string> = {
  'shop/web': '10.244.1.10',
  'shop/cart': '10.244.1.11',
  'payments/api': '10.244.2.10',
  'payments/db': '10.244.2.11',
  'ops/probe': '10.244.3.10',
};

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'retail' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', labels: { team: 'finance' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } },
  pod('shop', 'web', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]),
  pod('shop', 'cart', { app: 'cart' }),
  pod('payments', 'api', { app: 'api' }, [{ name: 'https', containerPort: 8443 }]),
  pod('payments', 'db', { app: 'db' }, [{ containerPort: 5432 }]),
  pod('ops', 'probe', { app: 'probe' }),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'payments' }, spec: { selector: { app: 'api' }, ports: [{ port: 443, targetPort: 'https' }] } },
  // payments: default deny in, api reachable from team=retail on its named port, db only from api
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'payments' }, spec: { podSelector: {}, ingress: [] } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'api-from-retail', namespace: 'payments' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'retail' } } }], ports: [{ port: 'https' }] }] } },
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'db-from-api', namespace: 'payments' }, spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 5432 }] }] } },
  // shop: egress only, policyTypes omitted — the server defaults it to [Ingress, Egress], isolating ingress too
  { apiVersion: NETPOL, kind: 'NetworkPolicy', metadata: { name: 'cart-egress', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'cart' } }, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } } }] }] } },
];

const PAIRS: [string, string, string][] = [
  ['shop/pod/web', 'payments/pod/api', '8443'],
  ['shop/pod/web', 'payments/svc/api', '443'],
  ['ops/pod/probe', 'payments/pod/api', '8443'],
  ['payments/pod/api', 'payments/pod/db', '5432'],
  ['shop/pod/web', 'payments/pod/db', '5432'],
  ['shop/pod/cart', 'payments/pod/api', '8443'],
  ['shop/pod/cart', 'ops/pod/probe', '80'],
  ['ops/pod/probe', 'shop/pod/cart', '80'],
  ['ops/pod/probe', 'shop/pod/web', '8080'],
];

let server: RealApiServer;
let dump: string;
beforeAll(async () => {
  server = await startRealApiServer();
  await server.apply(objects);
  for (const [key, ip] of Object.entries(IPS)) {
    const [namespace, name] = key.split('/');
    await server.setPodStatus(namespace, name, { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] });
  }
  const out = await server.kubectl(['get', 'namespaces,pods,services,networkpolicies', '-A', '-o', 'yaml']);
  if (out.code !== 0) throw new Error(out.stderr);
  dump = join(mkdtempSync(join(tmpdir(), 'kubectl-np-dump-')), 'cluster.yaml');
  writeFileSync(dump, out.stdout);
});
afterAll(async () => server?.close());

describe('NetworkPolicy commands on a real kube-apiserver', () => {
  it('the server stores the shop policy with policyTypes defaulted, the original only in last-applied-configuration', async () => {
    const r = await server.kubectl(['get', 'networkpolicy', 'cart-egress', '-n', 'shop', '-o', 'json']);
    const stored = JSON.parse(r.stdout);
    expect(stored.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(JSON.parse(stored.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.policyTypes).toBeUndefined();
  });

  it('explain networkpolicy warns that omitted policyTypes isolate ingress too, live as with the manifest', async () => {
    const admin = server.adminKubeconfig;
    const live = await np(['explain', 'networkpolicy/cart-egress', '-n', 'shop'], admin);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/policyTypes is omitted, so it isolates Ingress as well as Egress/);
  });

  it.each(PAIRS)('can-reach %s → %s port %s: the same verdict live as on a dump of the cluster (-f)', async (from, to, port) => {
    const live = await np(['can-reach', from, to, '--port', port], server.adminKubeconfig);
    const offline = await np(['can-reach', from, to, '--port', port, '-f', dump], server.adminKubeconfig);
    expect(live.stderr).not.toMatch(/unexpected error/);
    expect([0, 1]).toContain(live.code);
    expect({ code: offline.code, verdict: offline.stdout.split('\n')[0] }).toEqual({ code: live.code, verdict: live.stdout.split('\n')[0] });
  });

  it('matrix -A: the same matrix live as on the dump', async () => {
    const live = await np(['matrix', '-A', '-o', 'json'], server.adminKubeconfig);
    const offline = await np(['matrix', '-A', '-o', 'json', '-f', dump], server.adminKubeconfig);
    expect(live.code).toBe(0);
    expect(offline.code).toBe(0);
    const strip = (text: string) => {
      const json = JSON.parse(text);
      delete json.source;
      delete json.warnings;
      return json;
    };
    // live, the engine is detected (no agent runs on this bare control plane, so every kind counts as
    // written, as with -f); the manifests name none
    const livePlain = strip(live.stdout);
    expect(livePlain.engine).toMatchObject({ by: 'none', engines: [] });
    delete livePlain.engine;
    expect(livePlain).toEqual(strip(offline.stdout));
  });
});

describe('a few thousand pods', () => {
  const COUNT = 2_100;
  it(`reads all ${COUNT} pods of a namespace (five pages of 500)`, async () => {
    const ns = 'many';
    const pods = Array.from({ length: COUNT }, (_, i) => pod(ns, `p-${String(i).padStart(4, '0')}`, { app: `a${i % 10}` }));
    await server.create([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    // kubectl create in slices: one request per object either way, a smaller stdin per call
    for (let i = 0; i < pods.length; i += 700) await server.create(pods.slice(i, i + 700));
    const snap = await readLiveSnapshot({ kubeconfig: server.adminKubeconfig, namespaces: [ns] });
    expect(snap.pods).toHaveLength(COUNT);
    expect(new Set(snap.pods.map((p) => p.metadata.name)).size).toBe(COUNT);
    // the server's audit log shows how they were asked for: limit=500, then continue
    const lists = server.auditEvents().filter((e) => e.verb === 'list' && e.requestURI.startsWith(`/api/v1/namespaces/${ns}/pods?`));
    expect(lists.map((e) => [new URL(e.requestURI, 'https://x').searchParams.get('limit'), new URL(e.requestURI, 'https://x').searchParams.has('continue')])).toEqual([
      ['500', false],
      ['500', true],
      ['500', true],
      ['500', true],
      ['500', true],
    ]);
  });
});
