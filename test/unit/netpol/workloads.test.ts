// Replicas collapsed by owner, and the workload-level outputs (dot, Mermaid, CSV, Markdown).
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../../src/model/k8s.js';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { clusterPods } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, matrixQueries } from '../../../src/netpol/matrix.js';
import { focusGroups, groupEndpoints, joinPorts, pairState, stateOf, workloadMatrix } from '../../../src/netpol/workloads.js';
import { MERMAID_MAX_EDGES, MERMAID_MAX_TEXT, renderWorkloadCsv, renderWorkloadDot, renderWorkloadMarkdown, renderWorkloadMermaid } from '../../../src/render/netpol-workloads.js';
import { generateCluster, namespacesFor, PODS_PER_NAMESPACE, WORKLOADS_PER_NAMESPACE, writeCluster } from '../../support/generated-cluster.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function load(namespaces: number): Promise<ClusterSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'np-workloads-'));
  try {
    return await readManifestSnapshot([writeCluster(dir, generateCluster({ namespaces }))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function workloadsOf(snapshot: ClusterSnapshot, externals: string[] = []) {
  const pods = clusterPods(snapshot);
  const m = computeMatrix(new PolicyEngine(snapshot), { pods, externals, queries: matrixQueries(pods, [], []) });
  return workloadMatrix(m, groupEndpoints(snapshot, pods, externals));
}

describe('workload grouping', () => {
  it('collapses replicas by owner: Deployment (through its ReplicaSets, or by pod-template-hash), StatefulSet, DaemonSet, CronJob, bare pod', async () => {
    const snapshot = await load(1);
    const pods = clusterPods(snapshot);
    expect(pods).toHaveLength(PODS_PER_NAMESPACE + 1);
    const { groups, groupOf } = groupEndpoints(snapshot, pods, ['8.8.8.8']);
    expect(groups.map((g) => [g.id, g.replicas])).toEqual([
      ['monitoring/sts/prometheus', 1],
      ['team-000/ds/agent', 2],
      ['team-000/deploy/api', 3],
      ['team-000/sts/db', 2],
      ['team-000/pod/debug', 1],
      ['team-000/cronjob/report', 1],
      ['team-000/deploy/web', 3],
      ['ip:8.8.8.8', 0],
    ]);
    expect(groups).toHaveLength(WORKLOADS_PER_NAMESPACE + 2);
    // every endpoint belongs to the group that lists it
    groups.forEach((g, i) => g.members.forEach((m) => expect(groupOf[m]).toBe(i)));
  });

  it('keeps a workload without running pods as its template, and a ReplicaSet without an owner as itself', () => {
    const snapshot: ClusterSnapshot = {
      ...(({ source: 'm', origin: 'manifests', namespaces: [], pods: [], services: [], workloads: [], networkPolicies: [], roles: [], roleBindings: [], serviceAccounts: [] }) as ClusterSnapshot),
      workloads: [
        { kind: 'Deployment', metadata: { name: 'idle', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'idle' } }, spec: { containers: [{ name: 'c' }] } } } },
        { kind: 'ReplicaSet', metadata: { name: 'solo', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'solo' } }, spec: { containers: [{ name: 'c' }] } } } },
      ],
      pods: [{ metadata: { name: 'solo-x', namespace: 'a', labels: { app: 'solo' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'solo', controller: true }] }, spec: { containers: [{ name: 'c' }] } }],
    };
    const { groups } = groupEndpoints(snapshot, clusterPods(snapshot), []);
    expect(groups.map((g) => [g.id, g.replicas])).toEqual([['a/deploy/idle', 0], ['a/rs/solo', 1]]);
  });
});

describe('workload matrix', () => {
  it('says allowed, denied or partly per port: web v2 may reach api on 8443, web v1 may not', async () => {
    const w = workloadsOf(await load(2));
    const at = (id: string) => w.groups.findIndex((g) => g.id === id);
    const q8443 = w.queries.findIndex((q) => q.port === 8443);
    const q8080 = w.queries.findIndex((q) => q.port === 8080);
    expect(pairState(w, q8443, at('team-000/deploy/web'), at('team-000/deploy/api'))).toBe('partly');
    expect(pairState(w, q8443, at('team-000/deploy/api'), at('team-000/sts/db'))).toBe('denied');
    expect(pairState(w, q8080, at('team-000/pod/debug'), at('team-000/deploy/web'))).toBe('allowed');
    expect(pairState(w, q8443, at('team-001/deploy/api'), at('team-000/deploy/api'))).toBe('allowed');
    // 3 web pods × 3 api pods, one of the three web pods is v2
    const g = w.groups.length;
    expect([w.allowed[q8443][at('team-000/deploy/web') * g + at('team-000/deploy/api')], w.pairs[q8443][at('team-000/deploy/web') * g + at('team-000/deploy/api')]]).toEqual([3, 9]);
  });

  it('a pair with a pod pair that cannot be told is "cannot tell", unless it is certainly partly', () => {
    expect(stateOf(4, 4, 0)).toBe('allowed');
    expect(stateOf(4, 0, 0)).toBe('denied');
    expect(stateOf(4, 3, 1)).toBe('unknown');
    expect(stateOf(4, 0, 1)).toBe('unknown');
    expect(stateOf(4, 1, 1)).toBe('partly');
  });

  it('lists ports once per protocol, and finds --focus targets by any spelling', () => {
    expect(joinPorts(['TCP 80', 'TCP 443', 'UDP 53', 'http'])).toBe('TCP 80, 443; UDP 53; http');
    const groups = [
      { id: 'a/deploy/web', namespace: 'a', kind: 'Deployment' as const, name: 'web', replicas: 2, members: [0, 1] },
      { id: 'b/deploy/web', namespace: 'b', kind: 'Deployment' as const, name: 'web', replicas: 1, members: [2] },
      { id: 'ip:1.2.3.4', kind: 'External' as const, name: 'ip:1.2.3.4', replicas: 0, members: [3] },
    ];
    expect(focusGroups(groups, 'a/deploy/web')).toEqual([0]);
    expect(focusGroups(groups, 'a/web')).toEqual([0]);
    expect(focusGroups(groups, 'deployment/web')).toEqual([0, 1]);
    expect(focusGroups(groups, 'web')).toEqual([0, 1]);
    expect(focusGroups(groups, '1.2.3.4')).toEqual([2]);
    expect(focusGroups(groups, 'a/sts/web')).toEqual([]);
  });
});

describe('graphs that scale', () => {
  const edgesOf = (mermaid: string) => mermaid.split('\n').filter((l) => /^\s+n\d+ (-->|-\.->)\|/.test(l)).length;

  it('draws 100 pods as workloads: one node per workload in namespace subgraphs, under Mermaid\'s limits', async () => {
    const snapshot = await load(namespacesFor(100));
    const w = workloadsOf(snapshot);
    const mermaid = renderWorkloadMermaid(w);
    expect(mermaid).toContain('nodes are workloads');
    expect(mermaid.split('\n').filter((l) => /^\s+n\d+\["/.test(l))).toHaveLength(w.groups.length);
    expect(mermaid.match(/^ {2}subgraph /gm)).toHaveLength(namespacesFor(100) + 1);
    expect(edgesOf(mermaid)).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    expect(mermaid).toContain('["web<br/>Deployment ×3"]');
    // partly-allowed pairs are dashed and say which ports
    expect(mermaid).toMatch(/-\.->\|"partly: TCP 8443"\|/);
  });

  it('past Mermaid\'s 500 edges (1,000 pods) draws namespaces and says so, still under the limits', async () => {
    const w = workloadsOf(await load(namespacesFor(1000)));
    const mermaid = renderWorkloadMermaid(w);
    expect(mermaid.split('\n')[1]).toMatch(/^ {2}%% kubectl np matrix: \d+ workload edges exceed Mermaid's limit of 500; drawn per namespace instead/);
    expect(edgesOf(mermaid)).toBeGreaterThan(0);
    expect(edgesOf(mermaid)).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    expect(mermaid.length).toBeLessThanOrEqual(MERMAID_MAX_TEXT);
    const dot = renderWorkloadDot(w);
    expect(dot.split('\n')[0]).toMatch(/drawn per namespace instead/);
    // focused on one workload, the picture is back to workloads
    const focus = focusGroups(w.groups, 'team-003/deploy/api');
    const focused = renderWorkloadMermaid(w, { focus });
    expect(focused).toContain('nodes are workloads');
    expect(edgesOf(focused)).toBe(focused.split('\n').filter((l) => l.includes('|')).length);
  });

  it('CSV has one row per pair and port with a verdict; Markdown one row per pair', async () => {
    const w = workloadsOf(await load(1));
    const csv = [...renderWorkloadCsv(w)].join('').trim().split('\n');
    expect(csv).toContain('team-000/deploy/web,Deployment,3,team-000/deploy/api,Deployment,3,8443,TCP,partly,3,9');
    const md = renderWorkloadMarkdown(w, { denied: true });
    expect(md).toContain('| `team-000/deploy/web` ×3 | `team-000/deploy/api` ×3 |  | TCP 5432, 8080, 9090 | TCP 8443 |');
  });
});
