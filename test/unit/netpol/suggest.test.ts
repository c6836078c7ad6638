// --suggest: the suggested policies, applied with diff --with, open exactly the denied connection and
// change nothing else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { canReach } from '../../../src/netpol/can-reach.js';
import { diffReachability, overlaySnapshot } from '../../../src/netpol/diff.js';
import { parseEndpoint, resolveEndpoint } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { suggestPolicies, suggestionManifests } from '../../../src/netpol/suggest.js';
import { toYaml } from '../../../src/render/yaml.js';

const shop = await readManifestSnapshot(['examples/shop']);

/** can-reach --suggest, written out as YAML and read back as diff --with reads it. */
async function suggestAndDiff(from: string, to: string, port: number, diff: { externals?: string[]; ports?: number[] } = {}) {
  const engine = new PolicyEngine(shop);
  const source = resolveEndpoint(shop, parseEndpoint(from), 'default');
  const destination = resolveEndpoint(shop, parseEndpoint(to), 'default');
  const result = canReach(engine, source, destination, { port });
  expect(result.allowed).toBe(false);
  const { policies } = suggestPolicies(result, source, destination);
  const file = join(mkdtempSync(join(tmpdir(), 'np-suggest-')), 'suggested.yaml');
  writeFileSync(file, suggestionManifests(policies).map((d) => toYaml(d)).join('---\n'));
  const after = overlaySnapshot(shop, await readManifestSnapshot([file]));
  const again = canReach(new PolicyEngine(after), resolveEndpoint(after, parseEndpoint(from), 'default'), resolveEndpoint(after, parseEndpoint(to), 'default'), { port });
  return { policies, allowedAfter: again.allowed, changes: diffReachability(shop, after, diff).changes };
}

describe('--suggest', () => {
  it('both sides isolated: one egress and one ingress policy, and only that connection opens', async () => {
    const r = await suggestAndDiff('default/deploy/frontend', 'payments/svc/payments', 443);
    expect(r.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.spec.policyTypes}`)).toEqual([
      'default/allow-frontend-to-payments-8443 Egress',
      'payments/allow-frontend-to-payments-8443 Ingress',
    ]);
    expect(r.allowedAfter).toBe(true);
    expect(r.changes.map((c) => `${c.from} → ${c.to} ${c.protocol} ${c.port} ${c.before}→${c.after}`)).toEqual(['default/deploy/frontend → payments/deploy/payments TCP 8443 false→true']);
  });

  it('only the ingress side denies: one ingress policy', async () => {
    const r = await suggestAndDiff('monitoring/sts/prometheus', 'default/deploy/cart', 8080);
    expect(r.policies).toHaveLength(1);
    expect(r.policies[0].spec.ingress?.[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { app: 'prometheus' } } }]);
    expect(r.changes.map((c) => `${c.from} → ${c.to} ${c.port}`)).toEqual(['monitoring/sts/prometheus → default/deploy/cart 8080']);
  });

  it('an address outside the cluster: an egress ipBlock of that one address', async () => {
    const r = await suggestAndDiff('payments/deploy/payments', 'ip:198.51.100.7', 443, { externals: ['198.51.100.7', '198.51.100.8'], ports: [80, 443, 8443] });
    expect(r.policies[0].spec.egress?.[0]).toEqual({ to: [{ ipBlock: { cidr: '198.51.100.7/32' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(r.changes.map((c) => `${c.from} → ${c.to} ${c.port}`)).toEqual(['payments/deploy/payments → ip:198.51.100.7 443']);
  });
});
