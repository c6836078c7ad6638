// Command-line values and the renderers' formats, without spawning the CLI.
import { describe, expect, it } from 'vitest';
import { emptySnapshot } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { UsageError } from '../../../src/errors.js';
import { coveredNamespaces, defaultNamespace, enforcementWarning, namespacesFor, parseExternal, parsePort, parseProtocol } from '../../../src/netpol/inputs.js';
import { parseEndpoint } from '../../../src/netpol/endpoints.js';
import { computeMatrix, matrixQueries, matrixVerdicts } from '../../../src/netpol/matrix.js';
import { renderMatrixJson, renderMatrixTable } from '../../../src/render/netpol-matrix.js';
import type { PodView } from '../../../src/netpol/types.js';

describe('inputs', () => {
  it('parses ports, protocols and external addresses', () => {
    expect(parsePort('8443')).toBe(8443);
    expect(parsePort('https')).toBe('https');
    expect(() => parsePort('70000')).toThrow(UsageError);
    expect(() => parsePort('Bad Name')).toThrow(UsageError);
    expect(parseProtocol('udp')).toBe('UDP');
    expect(() => parseProtocol('icmp')).toThrow(/not TCP, UDP or SCTP/);
    expect(parseExternal('ip:169.254.169.254')).toBe('169.254.169.254');
    expect(parseExternal('fd00:ec2::254')).toBe('fd00:ec2::254');
  });

  it('warns about missing enforcement only for live clusters where none was found', () => {
    expect(enforcementWarning(emptySnapshot('manifests x'))).toBeUndefined();
    expect(enforcementWarning({ ...emptySnapshot('prod'), policyEngines: ['calico-node'] })).toBeUndefined();
    expect(enforcementWarning({ ...emptySnapshot('prod'), policyEngines: [] })).toMatch(/^warning: no NetworkPolicy enforcement engine .* found in prod: verdicts describe what the policies say, not what the network does$/);
  });

  it('reads the namespaces the endpoints name, and defaults names to -n, then the context namespace', () => {
    expect(namespacesFor([parseEndpoint('a/deploy/x'), parseEndpoint('svc/y'), parseEndpoint('ip:1.1.1.1')], ['b'])).toEqual({ namespaces: ['b', 'a'], withContextNamespace: false });
    expect(namespacesFor([parseEndpoint('a/deploy/x'), parseEndpoint('svc/y')], undefined)).toEqual({ namespaces: ['a'], withContextNamespace: true });
    expect(namespacesFor([parseEndpoint('svc/y')], undefined)).toEqual({ namespaces: undefined, withContextNamespace: true });
    expect(defaultNamespace({ ...emptySnapshot('c'), defaultNamespace: 'team' }, undefined)).toBe('team');
    expect(defaultNamespace({ ...emptySnapshot('c'), defaultNamespace: 'team' }, ['ops'])).toBe('ops');
    expect(defaultNamespace(emptySnapshot('m'), undefined)).toBe('default');
  });

  it('covers -A, else -n, else the context namespace when read live, or every namespace of the manifests', () => {
    const live = { ...emptySnapshot('prod', 'live'), defaultNamespace: 'team' };
    expect(coveredNamespaces(live, { 'all-namespaces': true })).toBeUndefined();
    expect(coveredNamespaces(live, { namespace: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(coveredNamespaces(live, {})).toEqual(['team']);
    expect(coveredNamespaces(emptySnapshot('prod', 'live'), {})).toEqual(['default']);
    expect(coveredNamespaces(emptySnapshot('manifests x'), {})).toBeUndefined();
    expect(coveredNamespaces(emptySnapshot('manifests x'), { namespace: ['a'] })).toEqual(['a']);
  });
});

describe('matrix queries and renderers', () => {
  const pod = (ns: string, name: string, ports: PodView['ports']): PodView => ({ namespace: ns, name, labels: { app: name }, ips: [], ports, hostNetwork: false });
  const pods = [pod('a', 'web', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]), pod('a', 'dns', [{ name: 'dns', containerPort: 53, protocol: 'UDP' }])];

  it('expands --port × --protocol, or every declared port', () => {
    // TCP before UDP before SCTP, then by number
    expect(matrixQueries(pods, [], [])).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
    expect(matrixQueries(pods, [80, 'http'], [])).toEqual([{ port: 80, protocol: 'TCP' }, { port: 'http' }]);
    expect(matrixQueries(pods, [53], ['UDP', 'TCP'])).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  });

  it('JSON and the verdict list agree; the table marks named ports a pod lacks as not applicable', () => {
    const engine = new PolicyEngine({ namespaces: [], networkPolicies: [{ metadata: { namespace: 'a', name: 'deny' }, spec: { podSelector: { matchLabels: { app: 'dns' } }, ingress: [] } }] });
    const m = computeMatrix(engine, { pods, externals: ['8.8.8.8'], queries: [{ port: 'http' }, { port: 53, protocol: 'UDP' }] });
    const json = JSON.parse([...renderMatrixJson(m)].join(''));
    expect(json.verdicts).toEqual([...matrixVerdicts(m)]);
    expect(json.verdicts.filter((v: { port: unknown }) => v.port === 'http')).toEqual([
      { from: 'a/web', to: 'a/web', port: 'http', protocol: 'TCP', allowed: true },
      { from: 'a/dns', to: 'a/web', port: 'http', protocol: 'TCP', allowed: true },
      { from: 'ip:8.8.8.8', to: 'a/web', port: 'http', protocol: 'TCP', allowed: true },
    ]);
    expect(json.verdicts.find((v: { to: string; port: unknown }) => v.to === 'a/dns' && v.port === 53).allowed).toBe(false);
    const table = renderMatrixTable({ colour: false }, m);
    expect(table).toContain('port http');
    expect(table.split('\n')[2]).toMatch(/^1 a\/web +✓ · ·$/); // no named port on an address outside the cluster
  });
});
