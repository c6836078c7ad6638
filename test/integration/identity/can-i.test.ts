// explain can-i against the API server double: verdict from SelfSubjectAccessReview, chain from RBAC objects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { canI } from '../../../src/identity/can-i.js';
import { parseAccessRequest } from '../../../src/rbac/resources.js';
import { renderCanI } from '../../../src/render/rbac.js';
import { DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-can-i-'));
const servers: TestApiServer[] = [];
const tokens = { 'alice-token': { username: 'alice@contoso.example', groups: [DEVS, 'readers'] } };

async function kcFor(opts: Parameters<typeof startTestApiServer>[0]): Promise<KubeConfig> {
  const server = await startTestApiServer({ staticTokens: tokens, ...opts });
  servers.push(server);
  const file = join(dir, `kc-${servers.length}`);
  server.writeKubeconfig(file, { context: 'test', namespace: 'shop', user: { token: 'alice-token' } });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}
const ask = (kc: KubeConfig, verb: string, target: string, namespace?: string, subresource?: string) => {
  const parsed = parseAccessRequest({ verb, target, namespace, subresource });
  return canI(kc, parsed.request, parsed.notes);
};

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('explain can-i with RBAC', () => {
  let kc: KubeConfig;
  beforeAll(async () => {
    kc = await kcFor({ objects: [...shopObjects(), ...rbacReaderObjects('readers')] });
  });

  it('shows the binding → role → rule chain that allows a request', async () => {
    const r = await ask(kc, 'create', 'pods/web', 'shop', 'portforward');
    expect(r.allowed).toBe(true);
    expect(r.review.reason).toMatch(/^RBAC: allowed by RoleBinding "devs-debug\/shop"/);
    expect(r.rbac?.grants).toEqual([
      {
        binding: { kind: 'RoleBinding', name: 'devs-debug', namespace: 'shop' },
        subject: { kind: 'Group', name: DEVS, apiGroup: 'rbac.authorization.k8s.io' },
        role: { kind: 'ClusterRole', name: 'debugger' },
        rule: { apiGroups: [''], resources: ['pods/portforward', 'pods/exec'], verbs: ['create'] },
      },
    ]);
    const text = renderCanI(r);
    expect(text.split('\n')[0]).toBe('yes — create pods/portforward "web" in namespace shop as alice@contoso.example');
    expect(text).toContain(`RoleBinding shop/devs-debug → ClusterRole debugger   via Group "${DEVS}"`);
    expect(text).toContain('rule: create pods/portforward, pods/exec');
  });

  it('names the nearest misses when denied: another namespace', async () => {
    const r = await ask(kc, 'create', 'pods/web', 'payments', 'portforward');
    expect(r.allowed).toBe(false);
    expect(r.rbac?.nearMisses[0]).toMatchObject({ binding: { name: 'devs-debug', namespace: 'shop' }, reasons: [{ dimension: 'namespace', detail: 'the RoleBinding grants it in namespace shop, not in payments' }] });
    // bound in payments, but to a group alice is not in
    expect(r.rbac?.nearMisses.some((m) => m.binding.name === 'admins-debug' && m.reasons[0].dimension === 'subject')).toBe(true);
    const text = renderCanI(r);
    expect(text).toContain('no — create pods/portforward "web" in namespace payments');
    expect(text).toContain('Nearest misses');
    expect(text).toContain('✗ the RoleBinding grants it in namespace shop, not in payments');
  });

  it('names the nearest misses when denied: the verb, and resourceNames', async () => {
    const del = await ask(kc, 'delete', 'deploy/web', 'shop');
    expect(del.rbac?.nearMisses[0]).toMatchObject({ binding: { name: 'alice-deployer' }, reasons: [{ dimension: 'verb' }] });
    const secret = await ask(kc, 'get', 'secrets/api', 'payments');
    expect(secret.rbac?.nearMisses[0].reasons).toEqual([{ dimension: 'resourceName', detail: 'the rule is limited to names db, not "api"' }]);
  });

  it('explains non-resource URLs granted through aggregation to a group I am not in', async () => {
    const r = await ask(kc, 'get', '/debug/pprof');
    expect(r.allowed).toBe(false);
    const miss = r.rbac?.nearMisses.find((m) => m.binding.name === 'admins-monitoring');
    expect(miss?.reasons.map((x) => x.dimension)).toEqual(['subject']);
  });
});

describe('explain can-i with a webhook authorizer', () => {
  it('reports the webhook allow that no binding explains', async () => {
    const kc = await kcFor({
      objects: [...shopObjects(), ...rbacReaderObjects('readers')],
      authorizer: 'webhook',
      webhook: (_user, attrs) => attrs.resource === 'secrets' && attrs.namespace === 'payments',
    });
    const r = await ask(kc, 'list', 'secrets', 'payments');
    expect(r.allowed).toBe(true);
    expect(r.rbac?.grants).toEqual([]);
    expect(r.authorization.mode).toBe('webhook');
    expect(renderCanI(r)).toContain('No RBAC binding grants this: another authorizer allowed it.');
  });
});
