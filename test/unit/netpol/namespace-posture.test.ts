// explain namespace/NAME: a namespace's posture on the shop and audit examples.
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { namespacePosture } from '../../../src/netpol/namespace-posture.js';

describe('namespace posture', () => {
  it('payments: isolated both ways, DNS allowed, only the card processor range outside', async () => {
    const shop = await readManifestSnapshot(['examples/shop']);
    const p = namespacePosture(shop, new PolicyEngine(shop), 'payments');
    expect(p.workloads).toEqual(['deployment/payments']);
    expect(p.ingress).toEqual({ isolated: ['deployment/payments'], open: [] });
    expect(p.egress).toEqual({ isolated: ['deployment/payments'], open: [] });
    expect(p.dnsBlocked).toEqual([]);
    expect(p.external).toEqual([{ workload: 'deployment/payments', ranges: [{ range: '203.0.113.0/24', ports: 'TCP 443', via: 'payments/allow-dns-and-psp egress rule #1' }] }]);
    expect(p.findings).toEqual([]);
  });

  it('default: the cart is open for egress, the frontend reaches the metadata service', async () => {
    const shop = await readManifestSnapshot(['examples/shop']);
    const p = namespacePosture(shop, new PolicyEngine(shop), 'default');
    expect(p.egress).toEqual({ isolated: ['deployment/frontend'], open: ['deployment/cart'] });
    expect(p.external.find((e) => e.workload === 'deployment/cart')?.ranges).toEqual([expect.objectContaining({ range: 'any address' })]);
    expect(p.findings.map((f) => f.rule)).toEqual(['metadata-service-reachable', 'no-default-deny-egress']);
  });

  it('legacy: DNS blocked for both workloads', async () => {
    const planted = await readManifestSnapshot(['examples/audit']);
    const p = namespacePosture(planted, new PolicyEngine(planted), 'legacy');
    expect(p.dnsBlocked).toEqual(['deployment/orders', 'deployment/worker']);
    expect(p.ingress.open).toEqual(['deployment/orders', 'deployment/worker']);
  });
});
