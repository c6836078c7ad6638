import { describe, expect, it } from 'vitest';
import { apiReachChecks, pathVerdicts, reachVerdict } from '../../../src/rbac/api-reach.js';
import { authorize } from '../../../src/rbac/authorize.js';
import { clusterRole, group, rb } from './fixtures.js';

describe('apiReachChecks', () => {
  it('asks create pods/portforward, create pods/exec and get pods/proxy for a pod', () => {
    const checks = apiReachChecks({ namespace: 'shop', pods: [{ name: 'web-0' }] });
    expect(checks.map((c) => [c.path, c.request])).toEqual([
      ['port-forward', { kind: 'resource', verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace: 'shop', name: 'web-0' }],
      ['exec', { kind: 'resource', verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0' }],
      ['proxy', { kind: 'resource', verb: 'get', group: '', resource: 'pods', subresource: 'proxy', namespace: 'shop', name: 'web-0' }],
    ]);
  });

  it('proxies through services/proxy for a Service and checks every backend pod', () => {
    const checks = apiReachChecks({ namespace: 'shop', pods: [{ name: 'a' }, { name: 'b' }], service: 'web' });
    expect(checks.filter((c) => c.path === 'port-forward').map((c) => c.object)).toEqual(['a', 'b']);
    expect(checks.filter((c) => c.path === 'proxy')).toEqual([
      { path: 'proxy', object: 'web', request: { kind: 'resource', verb: 'get', group: '', resource: 'services', subresource: 'proxy', namespace: 'shop', name: 'web' } },
    ]);
  });

  it('asks without a name for a workload with no running pod', () => {
    const [first] = apiReachChecks({ namespace: 'shop', pods: [{}] });
    expect(first.request).not.toHaveProperty('name');
  });
});

describe('verdicts', () => {
  const rbac = {
    roles: [
      clusterRole('pf-one', [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'], resourceNames: ['a'] }]),
      clusterRole('exec', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]),
    ],
    roleBindings: [rb('shop', 'x', { kind: 'ClusterRole', name: 'pf-one' }, [group('devs')]), rb('shop', 'y', { kind: 'ClusterRole', name: 'exec' }, [group('devs')])],
  };
  const user = { username: 'alice', groups: ['devs'] };
  const judge = (pods: { name?: string }[]) =>
    pathVerdicts(apiReachChecks({ namespace: 'shop', pods }).map((check) => ({ check, allowed: authorize(rbac, user, check.request).allowed })));

  it('port-forward decides; exec and proxy are reported beside it', () => {
    const v = judge([{ name: 'a' }]);
    expect(v).toEqual([
      { path: 'port-forward', allowed: true, deniedFor: [] },
      { path: 'exec', allowed: true, deniedFor: [] },
      { path: 'proxy', allowed: false, deniedFor: [] },
    ]);
    expect(reachVerdict(v)).toBe(true);
  });

  it('a path allowed for only some pods is not allowed, and names the pods it is denied for', () => {
    const v = judge([{ name: 'a' }, { name: 'b' }]);
    expect(v[0]).toEqual({ path: 'port-forward', allowed: false, deniedFor: ['b'] });
    expect(reachVerdict(v)).toBe(false);
  });
});
