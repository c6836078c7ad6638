// explain namespace/NAME: a namespace's posture on the shop and audit examples.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { auditSnapshot } from '../../../src/netpol/audit.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { chooseEngine } from '../../../src/netpol/engine-choice.js';
import { namespacePosture } from '../../../src/netpol/namespace-posture.js';

async function manifests(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'np-posture-')), 'm.yaml');
  writeFileSync(file, yaml);
  return readManifestSnapshot([file]);
}

// namespace a with one workload, and one policy of another kind that is its only isolation
const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
`;
const ONLY_OTHER_KINDS = {
  // Calico: a policy selecting the pods ends its tier in a deny
  calico: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-in, namespace: a}
spec: {selector: all(), types: [Ingress], ingress: [{action: Allow, source: {selector: app == 'web'}}]}
`,
  // Cilium: a policy with an ingress section selecting every pod
  cilium: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: lockdown, namespace: a}
spec: {endpointSelector: {}, ingress: [{}]}
`,
  // a BaselineAdminNetworkPolicy denying every namespace, enforced by Calico (and by --engine auto)
  calicoBanp: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec: {subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}
`,
};

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

  it('isolation by another kind counts as audit counts it: explain namespace and audit agree', async () => {
    for (const [engineName, yaml] of Object.entries(ONLY_OTHER_KINDS)) {
      const snapshot = await manifests(WEB + yaml);
      const choice = chooseEngine({ origin: 'manifests' }, engineName === 'calicoBanp' ? 'calico' : engineName);
      const p = namespacePosture(snapshot, new PolicyEngine(snapshot, choice), 'a', choice);
      expect(p.ingress, engineName).toEqual({ isolated: ['deployment/web'], open: [] });
      expect(p.egress, engineName).toEqual({ isolated: [], open: ['deployment/web'] });
      expect(p.findings.map((f) => f.rule), engineName).toEqual(['no-default-deny-egress']);
      expect(auditSnapshot(snapshot, { engine: choice }).findings.map((f) => f.rule), engineName).not.toContain('no-default-deny-ingress');
      // the rules that decide are listed with their policy, not "no rule allows anything"
      expect(p.otherPolicies.map((o) => o.ingressRules.length > 0), engineName).toEqual([true]);
      // an engine that ignores the kind leaves the pods open, in both commands
      const ignoring = chooseEngine({ origin: 'manifests' }, engineName === 'cilium' ? 'calico' : 'cilium');
      expect(namespacePosture(snapshot, new PolicyEngine(snapshot, ignoring), 'a', ignoring).ingress.open, engineName).toEqual(['deployment/web']);
      expect(auditSnapshot(snapshot, { engine: ignoring }).findings.map((f) => f.rule), engineName).toContain('no-default-deny-ingress');
    }
  });
});
