// One owner lookup serves the workload matrix, endpoint resolution, audit and diff: they name a pod's
// workload alike, including when the ReplicaSets could not be read.
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, Pod } from '../../../src/model/k8s.js';
import { clusterPods, podsOfWorkload } from '../../../src/netpol/endpoints.js';
import { ownerIndex } from '../../../src/netpol/owners.js';
import { groupEndpoints } from '../../../src/netpol/workloads.js';

const pod = (name: string, owner?: { kind: string; name: string }, labels: Record<string, string> = {}): Pod => ({
  metadata: { namespace: 'a', name, labels, ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}) },
  spec: { containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: '10.0.0.1' },
});

describe('owner lookup', () => {
  const snapshot = {
    source: 't', namespaces: [], services: [], networkPolicies: [], roles: [], roleBindings: [], serviceAccounts: [],
    workloads: [
      { kind: 'Deployment', metadata: { namespace: 'a', name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } } },
      { kind: 'Job', metadata: { namespace: 'a', name: 'report-1', ownerReferences: [{ kind: 'CronJob', name: 'report', controller: true }] }, spec: { template: { spec: { containers: [] } } } },
    ],
    pods: [
      // its ReplicaSet was not read: the pod-template-hash names the Deployment
      pod('web-5d4-x', { kind: 'ReplicaSet', name: 'web-5d4' }, { app: 'web', 'pod-template-hash': '5d4' }),
      pod('report-1-x', { kind: 'Job', name: 'report-1' }),
      pod('db-0', { kind: 'StatefulSet', name: 'db' }),
      pod('op-x', { kind: 'Rollout', name: 'op' }),
      pod('debug'),
    ],
  } as unknown as ClusterSnapshot;

  it('names the same workload for findings and for the workload matrix', () => {
    const pods = clusterPods(snapshot).filter((p) => !p.template);
    const owner = ownerIndex(snapshot);
    expect(pods.map(owner).sort()).toEqual(['cronjob/report', 'deployment/web', 'pod/debug', 'pod/op-x', 'statefulset/db']);
    const { groups } = groupEndpoints(snapshot, pods, []);
    expect(groups.map((g) => `${g.kind.toLowerCase()}/${g.name}`).sort()).toEqual(pods.map(owner).sort());
    expect(podsOfWorkload(snapshot, snapshot.workloads[0]).map((p) => p.metadata.name)).toEqual(['web-5d4-x']);
  });
});
