// A dump of a real cluster (`kubectl get … -o yaml`) carries `rules: null` for every Role stored with
// `rules: []`; YAML's `key:` with nothing after it is null too. Both read like absent fields.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { authorize } from '../../../src/rbac/authorize.js';

const dump = `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata:
    name: empty
    namespace: shop
    labels:
  rules: null
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: alice-empty, namespace: shop}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: empty}
  subjects:
  - {kind: User, name: alice}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np, namespace: shop}
  spec:
    podSelector:
    ingress:
    - from: null
      ports: null
`;

describe('manifests with null fields', () => {
  it('reads rules: null, labels: and from: null like absent fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-null-'));
    writeFileSync(join(dir, 'dump.yaml'), dump);
    const snap = await readManifestSnapshot([join(dir, 'dump.yaml')]);
    const role = snap.roles.find((r) => r.metadata.name === 'empty')!;
    expect(role.rules).toBeUndefined();
    expect(role.metadata.labels).toBeUndefined();
    expect(snap.networkPolicies[0].spec).toEqual({ podSelector: {}, ingress: [{}] });
    const d = authorize({ roles: snap.roles, roleBindings: snap.roleBindings }, { username: 'alice', groups: [] }, { kind: 'resource', verb: 'get', group: '', resource: 'pods', namespace: 'shop' });
    expect(d.allowed).toBe(false);
  });
});
