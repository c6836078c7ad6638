// Reverse questions on the shop example: who can reach payments, and what the frontend can reach.
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { clusterPods, parseEndpoint, resolveEndpoint } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { ownerIndex } from '../../../src/netpol/owners.js';
import { reverseReach } from '../../../src/netpol/reverse.js';

const shop = await readManifestSnapshot(['examples/shop']);
const engine = new PolicyEngine(shop);
const owner = ownerIndex(shop);
const candidates = clusterPods(shop).map((pod) => ({ pod, owner: owner(pod) }));
const ask = (direction: 'to' | 'from', endpoint: string, port?: number | string) =>
  reverseReach(engine, resolveEndpoint(shop, parseEndpoint(endpoint), 'default'), direction, candidates, { port });

describe('reverse questions', () => {
  it('--to a Service lists exactly the workloads its policies admit, with the allowing policy', () => {
    const r = ask('to', 'payments/svc/payments', 443);
    expect(r.reachable.map((e) => `${e.workload} ${e.ports.join(',')}`)).toEqual(['default/deploy/cart TCP 443']);
    expect(r.reachable[0].via).toContain('ingress to payments/payments allowed by payments/allow-cart rule #0');
    expect(r.externals).toEqual([]);
    expect(r.asked).toBe(4);
  });

  it('--to a workload on every port: prometheus on metrics, cart on https', () => {
    const r = ask('to', 'payments/deploy/payments');
    expect(r.reachable.map((e) => `${e.workload} ${e.ports.join(',')}`)).toEqual(['default/deploy/cart TCP 8443', 'monitoring/sts/prometheus TCP 9090']);
  });

  it('--from lists what the endpoint reaches, and the address ranges its egress rules admit', () => {
    const r = ask('from', 'default/deploy/frontend');
    expect(r.reachable.map((e) => `${e.workload} ${e.ports.join(',')}`)).toEqual(['default/deploy/cart TCP 8080', 'kube-system/deploy/coredns TCP 53,UDP 53']);
    expect(r.externals).toEqual([{ range: '0.0.0.0/0 except 10.0.0.0/8', ports: 'TCP 80, TCP 443', via: 'default/frontend-egress egress rule #2' }]);
  });

  it('an endpoint not isolated in that direction admits any address', () => {
    expect(ask('from', 'default/deploy/cart').externals).toEqual([{ range: 'any address', ports: 'any port', via: expect.stringMatching(/^egress of default\/cart is not isolated/) }]);
  });
});
