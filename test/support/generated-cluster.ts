// A generated, running cluster as manifests, for tests and benchmarks of the workload outputs and the
// HTML report: each namespace holds a Deployment mid-rollout (two ReplicaSets, v1 and v2), a second
// Deployment, a StatefulSet, a DaemonSet, a CronJob's Job and a bare pod, all with running pods, owner
// references and the unique per-pod labels a real cluster carries (pod-template-hash, pod-name). The
// policies: default-deny ingress, the usual in-namespace allows (one admitting v2 only, so some pairs
// are allowed for some replicas), one cross-namespace allow, and a monitoring namespace scraping all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Pods per generated namespace (the monitoring namespace adds one). */
export const PODS_PER_NAMESPACE = 12;
/** Workloads per generated namespace. */
export const WORKLOADS_PER_NAMESPACE = 6;

type Obj = Record<string, unknown>;

export function generateCluster(opts: { namespaces: number }): Obj[] {
  const out: Obj[] = [];
  let ip = 0;
  const nextIp = () => `10.244.${(ip >> 8) & 255}.${ip++ & 255}`;
  const metricsPort = { name: 'metrics', containerPort: 9090 };
  const pod = (ns: string, name: string, labels: Obj, owner: { kind: string; name: string } | undefined, ports: Obj[]): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${ns}-${owner.name}`, controller: true }] } : {}) },
    spec: { containers: [{ name: 'main', image: 'example/app:1', ports: [...ports, metricsPort] }] },
    status: { phase: 'Running', podIP: nextIp() },
  });
  const template = (labels: Obj, ports: Obj[]) => ({ metadata: { labels }, spec: { containers: [{ name: 'main', image: 'example/app:1', ports: [...ports, metricsPort] }] } });
  const policy = (ns: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });

  out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { role: 'monitoring' } } });
  out.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'prometheus', namespace: 'monitoring' }, spec: { selector: { matchLabels: { app: 'prometheus' } }, template: template({ app: 'prometheus' }, []) } });
  out.push(pod('monitoring', 'prometheus-0', { app: 'prometheus', 'statefulset.kubernetes.io/pod-name': 'prometheus-0' }, { kind: 'StatefulSet', name: 'prometheus' }, []));

  for (let n = 0; n < opts.namespaces; n++) {
    const ns = `team-${String(n).padStart(3, '0')}`;
    const http = [{ name: 'http', containerPort: 8080 }];
    const https = [{ name: 'https', containerPort: 8443 }];
    const sql = [{ name: 'sql', containerPort: 5432 }];
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: `t${n % 7}` } } });
    // web: a Deployment mid-rollout, two ReplicaSets (v1: 2 pods, v2: 1 pod)
    out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web', version: 'v2' }, http) } });
    for (const [hash, version, count] of [['6d4cf56db6', 'v1', 2], ['7f8b9c5d4e', 'v2', 1]] as const) {
      out.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${hash}`, namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }] }, spec: { selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: template({ app: 'web', version, 'pod-template-hash': hash }, http) } });
      for (let r = 0; r < count; r++) out.push(pod(ns, `web-${hash}-${version}${r}x`, { app: 'web', version, 'pod-template-hash': hash }, { kind: 'ReplicaSet', name: `web-${hash}` }, http));
    }
    // api: three replicas; no ReplicaSet object (read without list rights on replicasets), owner found by hash
    out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: ns }, spec: { selector: { matchLabels: { app: 'api' } }, template: template({ app: 'api' }, https) } });
    for (let r = 0; r < 3; r++) out.push(pod(ns, `api-5b7d8c9f6a-r${r}`, { app: 'api', 'pod-template-hash': '5b7d8c9f6a' }, { kind: 'ReplicaSet', name: 'api-5b7d8c9f6a' }, https));
    out.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns }, spec: { selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }, sql) } });
    for (let r = 0; r < 2; r++) out.push(pod(ns, `db-${r}`, { app: 'db', 'statefulset.kubernetes.io/pod-name': `db-${r}` }, { kind: 'StatefulSet', name: 'db' }, sql));
    out.push({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template({ app: 'agent' }, []) } });
    for (let r = 0; r < 2; r++) out.push(pod(ns, `agent-node${r}`, { app: 'agent', 'controller-revision-hash': '84c6d' }, { kind: 'DaemonSet', name: 'agent' }, []));
    out.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'report-29410560', namespace: ns, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', controller: true }] }, spec: { template: template({ app: 'report' }, []) } });
    out.push(pod(ns, 'report-29410560-k2x7q', { app: 'report', 'job-name': 'report-29410560' }, { kind: 'Job', name: 'report-29410560' }, []));
    out.push(pod(ns, 'debug', { app: 'debug' }, undefined, []));

    out.push(policy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    out.push(policy(ns, 'web-from-namespace', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 'http' }] }] }));
    out.push(policy(ns, 'api-from-web-v2', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web', version: 'v2' } } }], ports: [{ port: 8443 }] }] }));
    out.push(policy(ns, 'db-from-api', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 5432 }] }] }));
    const next = `team-${String((n + 1) % opts.namespaces).padStart(3, '0')}`;
    out.push(policy(ns, 'api-from-next-team', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': next } }, podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'https' }] }] }));
    out.push(policy(ns, 'metrics-from-monitoring', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ port: 'metrics' }] }] }));
  }
  return out;
}

/** Writes the cluster as one manifest file per namespace; returns the directory. */
export function writeCluster(dir: string, objects: Obj[]): string {
  mkdirSync(dir, { recursive: true });
  const byNamespace = new Map<string, Obj[]>();
  for (const o of objects) {
    const meta = o.metadata as { name: string; namespace?: string };
    const ns = o.kind === 'Namespace' ? meta.name : (meta.namespace ?? 'default');
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), o]);
  }
  for (const [ns, objs] of byNamespace) writeFileSync(join(dir, `${ns}.yaml`), objs.map((o) => stringify(o)).join('---\n'));
  return dir;
}

/** Namespaces for about this many pods. */
export function namespacesFor(pods: number): number {
  return Math.max(1, Math.round((pods - 1) / PODS_PER_NAMESPACE));
}
