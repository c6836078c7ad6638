// Endpoints that are not what they seem (issue 14): pods whose declared ports, phase, addresses or
// network are not what a naive reading of the snapshot suggests.
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, Pod } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer } from '../../../src/netpol/types.js';

const np = (ns: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace: ns, name }, spec });
const asPeer = (pod: Pod): Peer => ({ kind: 'pod', pod: podView(pod) });

describe('named ports resolve where Kubernetes FindPort looks: containers, then sidecars', () => {
  const withInit = (restartPolicy?: string): Pod => ({
    metadata: { namespace: 'shop', name: 'api', labels: { app: 'api' } },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }], initContainers: [{ name: 'proxy', restartPolicy, ports: [{ name: 'metrics', containerPort: 9090 }] }] },
    status: { phase: 'Running', podIP: '10.1.0.6' },
  });
  const client = asPeer({ metadata: { namespace: 'shop', name: 'client', labels: { app: 'client' } }, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.1.0.7' } });
  const engine = new PolicyEngine({ namespaces: [{ metadata: { name: 'shop' } }], networkPolicies: [np('shop', 'metrics', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ ports: [{ port: 'metrics' }] }] })] });

  it('a plain init container has exited: its named port serves nothing and admits nothing', () => {
    const api = podView(withInit());
    expect(api.ports.map((p) => p.name)).toEqual(['http']);
    expect(engine.allows(client, { kind: 'pod', pod: api }, { port: 9090, protocol: 'TCP' })).toBe(false);
  });

  it('a sidecar (restartPolicy Always) serves its ports like a container', () => {
    const api = podView(withInit('Always'));
    expect(api.ports.map((p) => p.name)).toEqual(['http', 'metrics']);
    expect(engine.allows(client, { kind: 'pod', pod: api }, { port: 9090, protocol: 'TCP' })).toBe(true);
  });
});
