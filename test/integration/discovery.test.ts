// explain can-i resolves resource names through the server's discovery, cached like kubectl's, with the
// built-in table only when discovery cannot be read. Against the test API server double, which serves
// a 1.32 server's built-in types in discovery.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERY_TTL_MS, resolveAccessRequest } from '../../src/cluster/discovery.js';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';

const USER = 'discovery-user-token';
const NO_DISCOVERY = 'no-discovery-token';

describe('resource names through discovery', () => {
  let server: TestApiServer;
  let dir: string;
  let kubeconfig: string;
  const discoveryRequests = () => server.requests.filter((r) => r.path === '/api/v1' || r.path.startsWith('/apis'));
  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { [USER]: { username: 'alice' } } });
    dir = mkdtempSync(join(tmpdir(), 'kubectl-np-discovery-'));
    kubeconfig = join(dir, 'kubeconfig');
    server.writeKubeconfig(kubeconfig, { user: { token: USER } });
  });
  afterAll(async () => server?.close());

  it('resolves short names, groups and scope as the server serves them, and caches discovery per server (0600)', async () => {
    const env = { KUBECACHEDIR: join(dir, 'cache-a') };
    const kc = loadKubeConfig({ kubeconfig });
    server.requests.length = 0;
    const cj = await resolveAccessRequest(kc, { verb: 'create', target: 'cj', namespace: 'shop' }, { env });
    expect(cj.request).toEqual({ kind: 'resource', verb: 'create', group: 'batch', resource: 'cronjobs', namespace: 'shop' });
    expect(cj.notes).toEqual([]);
    expect(discoveryRequests().length).toBeGreaterThan(1);

    server.requests.length = 0;
    const rc = await resolveAccessRequest(kc, { verb: 'delete', target: 'runtimeclasses/gvisor', namespace: 'shop' }, { env });
    expect(rc.request).toEqual({ kind: 'resource', verb: 'delete', group: 'node.k8s.io', resource: 'runtimeclasses', namespace: '', name: 'gvisor' });
    expect(rc.notes.join('\n')).toMatch(/cluster-scoped; the namespace is ignored/);
    expect(discoveryRequests()).toEqual([]); // from the cache
    const host = new URL(server.url).host.replace(/[^a-zA-Z0-9.-]/g, '_');
    expect(statSync(join(dir, 'cache-a', 'kubectl-np', 'discovery', host, 'resources.json')).mode & 0o777).toBe(0o600);
  });

  it('a name missing from the cached copy is looked up once more in fresh discovery; a stale cache is read again', async () => {
    const env = { KUBECACHEDIR: join(dir, 'cache-b') };
    const kc = loadKubeConfig({ kubeconfig });
    await resolveAccessRequest(kc, { verb: 'get', target: 'pods', namespace: 'x' }, { env });
    server.requests.length = 0;
    const unknown = await resolveAccessRequest(kc, { verb: 'get', target: 'widgets', namespace: 'x' }, { env });
    expect(unknown.notes[0]).toMatch(/the server does not have a resource type "widgets"/);
    expect(discoveryRequests().length).toBeGreaterThan(0);
    server.requests.length = 0;
    await resolveAccessRequest(kc, { verb: 'get', target: 'pods', namespace: 'x' }, { env, now: Date.now() + DISCOVERY_TTL_MS + 60_000 });
    expect(discoveryRequests().length).toBeGreaterThan(0);
  });

  it('without discovery (forbidden) it falls back to the built-in table and says so', async () => {
    const locked = await startTestApiServer({ staticTokens: { [NO_DISCOVERY]: { username: 'nobody' } }, bootstrapPolicy: false });
    try {
      const path = join(dir, 'locked');
      locked.writeKubeconfig(path, { user: { token: NO_DISCOVERY } });
      const parsed = await resolveAccessRequest(loadKubeConfig({ kubeconfig: path }), { verb: 'get', target: 'flowschemas', namespace: 'x' }, { env: { KUBECACHEDIR: join(dir, 'cache-c') } });
      expect(parsed.request).toMatchObject({ group: 'flowcontrol.apiserver.k8s.io', resource: 'flowschemas', namespace: '' });
      expect(parsed.notes[0]).toMatch(/could not read the server's resource types \(HTTP 403.*\); resolved "flowschemas" with the built-in table/);
    } finally {
      await locked.close();
    }
  });
});
