// TEST DOUBLE of kube-apiserver — server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`),
// which is what real kubectl asks for on `kubectl get`. A few columns per kind, like the real printers.
import type { StoredObject } from './store.js';

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, the AGE column's format */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

interface Column { name: string; type: string; format?: string; priority?: number; cell: (o: StoredObject) => unknown }

const age: Column = { name: 'Age', type: 'string', cell: (o) => (o.metadata.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>') };
const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COLUMNS: Record<string, Column[]> = {
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => (o as Any).status?.phase ?? 'Active' }, age],
  Pod: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => { const c = (o as Any).spec?.containers ?? []; const ready = ((o as Any).status?.containerStatuses ?? []).filter((s: Any) => s.ready).length; return `${ready}/${c.length}`; } },
    { name: 'Status', type: 'string', cell: (o) => (o as Any).status?.phase ?? 'Pending' },
    { name: 'Restarts', type: 'string', cell: (o) => String(((o as Any).status?.containerStatuses ?? []).reduce((n: number, s: Any) => n + (s.restartCount ?? 0), 0)) },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => (o as Any).status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => (o as Any).spec?.nodeName ?? '<none>' },
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (o) => (o as Any).spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => (o as Any).spec?.clusterIP ?? '<none>' },
    { name: 'Ports', type: 'string', cell: (o) => ((o as Any).spec?.ports ?? []).map((p: Any) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    age,
  ],
};

/** `listMeta`: a list's paging (`continue`, `remainingItemCount`), which kube-apiserver keeps on the Table. */
export function toTable(objects: StoredObject[], kind: string, resourceVersion: string, includeObject: string | null, listMeta: Record<string, unknown> = {}): unknown {
  const columns = COLUMNS[kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...listMeta },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? o
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
