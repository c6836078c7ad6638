// Reading manifests into a snapshot: files, directories, stdin-like input, Lists, JSON, and garbage.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { UsageError } from '../../../src/errors.js';

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'np-manifests-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

async function failure(paths: string[]): Promise<string> {
  const err = await readManifestSnapshot(paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('readManifestSnapshot', () => {
  it('reads the bundled example: namespaces labelled with their name, workloads, services, policies', async () => {
    const s = await readManifestSnapshot(['examples/shop']);
    expect(s.namespaces.map((n) => n.metadata.name).sort()).toEqual(['default', 'kube-system', 'monitoring', 'payments']);
    expect(s.namespaces.find((n) => n.metadata.name === 'payments')!.metadata.labels).toEqual({ team: 'payments', compliance: 'pci', 'kubernetes.io/metadata.name': 'payments' });
    expect(s.workloads.map((w) => `${w.kind}/${w.metadata.namespace}/${w.metadata.name}`).sort()).toContain('StatefulSet/monitoring/prometheus');
    expect(s.networkPolicies).toHaveLength(8);
    expect(s.policyEngines).toBeUndefined();
    expect(s.source).toBe('manifests examples/shop');
  });

  it('recurses into directories, reads JSON and List kinds, defaults the namespace, and adds implicit namespaces', async () => {
    const root = dir({
      'a/pods.yml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p1, labels: {app: x}}\nspec: {containers: [{name: c, ports: [{containerPort: "8080", name: http}]}]}\n---\n# empty document\n---\n',
      'b/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Service', metadata: { name: 's', namespace: 'team-b' }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http' }] } }] }),
      'b/notes.txt': 'not a manifest: ignored inside directories',
      'c/podlist.yaml': 'kind: PodList\nitems:\n- kind: Pod\n  metadata: {name: p2, namespace: team-c}\n  spec: {containers: []}\n',
    });
    const s = await readManifestSnapshot([root]);
    expect(s.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['default/p1', 'team-c/p2']);
    expect(s.pods[0].spec.containers[0].ports![0].containerPort).toBe(8080);
    expect(s.services[0].metadata.namespace).toBe('team-b');
    expect(s.namespaces.map((n) => [n.metadata.name, n.metadata.labels])).toEqual([
      ['default', { 'kubernetes.io/metadata.name': 'default' }],
      ['team-b', { 'kubernetes.io/metadata.name': 'team-b' }],
      ['team-c', { 'kubernetes.io/metadata.name': 'team-c' }],
    ]);
  });

  it('puts objects without metadata.namespace in the namespace it is given (kubectl apply -n), else default', async () => {
    const root = dir({ 'app.yaml': 'kind: Pod\nmetadata: {name: web}\n---\nkind: Pod\nmetadata: {name: db, namespace: data}\n---\nkind: Namespace\nmetadata: {name: shop}\n' });
    const inShop = await readManifestSnapshot([root], { namespace: 'shop' });
    expect(inShop.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['shop/web', 'data/db']);
    expect(inShop.namespaces.map((n) => n.metadata.name).sort()).toEqual(['data', 'shop']);
    expect((await readManifestSnapshot([root])).pods[0].metadata.namespace).toBe('default');
  });

  it('takes that namespace from -n when exactly one was given (kubectl apply -n), else default', async () => {
    const { manifestNamespaceOf } = await import('../../../src/cluster/index.js');
    expect(manifestNamespaceOf(['shop'])).toBe('shop');
    expect(manifestNamespaceOf(['shop', 'payments'])).toBe('default');
    expect(manifestNamespaceOf([])).toBe('default');
    expect(manifestNamespaceOf(undefined)).toBe('default');
  });

  it('rejects garbage with the file name and document index, on one line', async () => {
    const root = dir({
      'broken.yaml': 'kind: Pod\nmetadata: {name: ok}\n---\nkind: Service\nmetadata: [oops\n',
      'scalar.yaml': 'just some text\n',
      'nokind.yaml': 'metadata: {name: x}\n',
      'bad.json': '{"kind": ',
      'label.yaml': 'kind: Pod\nmetadata: {name: p, labels: {version: 1.0}}\n',
      'policy.yaml': 'kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: http, endPort: 90}]\n',
      'cidr.yaml': 'kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/33}}]\n',
    });
    expect(await failure([join(root, 'broken.yaml')])).toMatch(/broken\.yaml: document 2: /);
    expect(await failure([join(root, 'scalar.yaml')])).toMatch(/scalar\.yaml: document 1: expected a Kubernetes object, found string/);
    expect(await failure([join(root, 'nokind.yaml')])).toMatch(/nokind\.yaml: document 1: object has no kind/);
    expect(await failure([join(root, 'bad.json')])).toMatch(/bad\.json: not valid JSON/);
    expect(await failure([join(root, 'label.yaml')])).toMatch(/label version must be a string \(quote 1\)/);
    expect(await failure([join(root, 'policy.yaml')])).toMatch(/NetworkPolicy default\/p: spec\.ingress\[0\]\.ports\[0\]\.endPort: Invalid value: 90: may not be specified when `port` is non-numeric$/);
    expect(await failure([join(root, 'cidr.yaml')])).toMatch(/ipBlock\.cidr: Invalid value: "10\.0\.0\.0\/33": must be a valid CIDR value, \(e\.g\. 10\.9\.8\.0\/24 or 2001:db8::\/64\)$/);
    expect(await failure([join(root, 'missing.yaml')])).toMatch(/cannot read .*missing\.yaml: no such file or directory/);
  });
});
