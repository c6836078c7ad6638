// whoami against the kube-apiserver test double: SelfSubjectReview (and its older versions), RBAC
// objects, the authorizer probes — with static tokens here; OIDC tokens from the Entra emulator in oidc.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { whoami } from '../../../src/identity/whoami.js';
import { renderWhoami } from '../../../src/render/whoami.js';
import { DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-whoami-'));
const tokens = {
  'alice-token': { username: 'alice@contoso.example', groups: [DEVS, 'readers'] },
  'bob-token': { username: 'bob@contoso.example', groups: ['nobody'] },
};
const servers: TestApiServer[] = [];

async function contextFor(opts: Parameters<typeof startTestApiServer>[0], token: string, namespace = 'shop'): Promise<KubeConfig> {
  const server = await startTestApiServer({ staticTokens: tokens, ...opts });
  servers.push(server);
  const file = join(dir, `kubeconfig-${servers.length}`);
  server.writeKubeconfig(file, { context: 'test', namespace, user: { token } });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('whoami with RBAC', () => {
  let kc: KubeConfig;
  beforeAll(async () => {
    kc = await contextFor({ objects: [...shopObjects(), ...rbacReaderObjects('readers')] }, 'alice-token');
  });

  it('shows the identity from SelfSubjectReview v1', async () => {
    const report = await whoami(kc, { namespace: 'shop' });
    expect(report.apiServer.apiVersion).toBe('v1');
    expect(report.apiServer.user).toEqual({ username: 'alice@contoso.example', groups: [DEVS, 'readers', 'system:authenticated'] });
    expect(report.credential).toEqual({ kind: 'token' });
    expect(report.token).toBeUndefined();
    expect(report.tokenNote).toContain('not a JWT');
  });

  it('lists the bindings naming my user, my groups and system:authenticated', async () => {
    const report = await whoami(kc, { namespace: 'shop' });
    const names = report.bindings.map((b) => `${b.binding.kind}/${b.binding.namespace ? b.binding.namespace + '/' : ''}${b.binding.name}`);
    expect(names).toEqual([
      'ClusterRoleBinding/devs-view',
      'ClusterRoleBinding/rbac-readers',
      'ClusterRoleBinding/system:basic-user',
      'ClusterRoleBinding/system:discovery',
      'ClusterRoleBinding/system:public-info-viewer',
      'RoleBinding/payments/alice-db-secret',
      'RoleBinding/shop/alice-deployer',
      'RoleBinding/shop/devs-debug',
    ]);
    const debug = report.bindings.find((b) => b.binding.name === 'devs-debug')!;
    expect(debug.via).toEqual([{ kind: 'Group', name: DEVS }]);
    expect(debug.summary).toBe('create pods/portforward, pods/exec; get services/proxy');
    expect(report.rbacGaps).toEqual([]);
    expect(report.authorization?.mode).toBe('rbac');
  });

  it('renders a readable summary that names the role chain', async () => {
    const text = renderWhoami(await whoami(kc, { namespace: 'shop' }));
    expect(text).toContain('Username  alice@contoso.example');
    expect(text).toContain('RoleBinding shop/alice-deployer → Role shop/deployer   via User alice@contoso.example');
    expect(text).toContain('get, update, patch deployments, deployments/scale (apps)');
    expect(text).toContain('Authorization: RBAC — the bindings above are the whole story');
  });
});

describe('whoami on other clusters', () => {
  it.each([['v1beta1'], ['v1alpha1']] as const)('falls back to SelfSubjectReview %s', async (version) => {
    const kc = await contextFor({ objects: rbacReaderObjects('readers'), selfSubjectReviewVersions: [version] }, 'alice-token');
    const report = await whoami(kc, { namespace: 'default' });
    expect(report.apiServer).toMatchObject({ apiVersion: version, user: { username: 'alice@contoso.example' } });
  });

  it('says so when no SelfSubjectReview version is served', async () => {
    const kc = await contextFor({ objects: rbacReaderObjects('readers'), selfSubjectReviewVersions: [] }, 'alice-token');
    const report = await whoami(kc, { namespace: 'default' });
    expect(report.apiServer.user).toBeUndefined();
    expect(report.apiServer.unavailable).toContain('older than 1.26');
    expect(report.bindings).toEqual([]);
    expect(renderWhoami(report)).toContain('unknown: the API server does not serve SelfSubjectReview');
  });

  it('reports RBAC lists it may not read instead of failing', async () => {
    const kc = await contextFor({ objects: shopObjects() }, 'bob-token');
    const report = await whoami(kc, { namespace: 'shop' });
    expect(report.rbacGaps).toEqual(['clusterroles', 'clusterrolebindings', 'roles in all namespaces', 'rolebindings in all namespaces', 'roles in shop', 'rolebindings in shop']);
    expect(renderWhoami(report)).toContain('incomplete: not allowed to list clusterroles');
  });

  it('detects a webhook authorizer (AKS Azure RBAC stand-in)', async () => {
    const kc = await contextFor(
      { objects: rbacReaderObjects('readers'), authorizer: 'webhook', webhook: (user, attrs) => user.username === 'alice@contoso.example' && attrs.resource === 'pods' },
      'alice-token',
    );
    const report = await whoami(kc, { namespace: 'default' });
    expect(report.authorization?.mode).toBe('webhook');
    expect(report.authorization?.evidence.join('\n')).toContain('webhook authorizer does not support user rule resolution');
    expect(report.authorization?.evidence.join('\n')).toContain('allowed "list pods in default" for a reason that is not RBAC');
    expect(renderWhoami(report)).toContain('the bindings above are not the whole story');
  });

  it('fails with exit code 3 when the API server rejects the credentials', async () => {
    const kc = await contextFor({ objects: [] }, 'wrong-token');
    const err = await whoami(kc, { namespace: 'default' }).catch((e: unknown) => e);
    expect((err as { exitCode?: number }).exitCode).toBe(3);
    expect((err as Error).message).toContain('rejected the credentials (401)');
    expect((err as Error).message).not.toContain('wrong-token');
  });
});
