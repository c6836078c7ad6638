// Manifests → ClusterSnapshot, with no cluster contact: files, directories (recursive), "-" for stdin;
// multi-document YAML, JSON, and List kinds. Anything unreadable is a one-line UsageError naming the
// file and document.
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.js';
import { emptySnapshot, type ClusterSnapshot, type Namespace, type WorkloadKind } from '../model/k8s.js';
import { labelsErrors } from '../model/validation.js';
import { NAMESPACE_NAME_LABEL } from '../netpol/describe.js';
import { policyObjectProblem } from '../netpol/kinds/compile.js';
import { isCalicoTier, isPolicyLike, policyKindOf } from '../netpol/kinds/index.js';
import { policyProblems, shapeOf } from '../netpol/validate.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const WORKLOAD_KINDS = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

interface Source {
  name: string;
  text: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function expand(path: string, out: Source[], explicit: boolean): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code ?? String(err)}`);
  }
  if (info.isDirectory()) {
    const entries = (await readdir(path)).filter((e) => !e.startsWith('.')).sort();
    for (const entry of entries) await expand(join(path, entry), out, false);
    return;
  }
  // files named explicitly are read whatever their extension; inside directories only manifests are
  if (!explicit && !MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) return;
  out.push({ name: path, text: await readFile(path, 'utf8') });
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** Parses one file into its documents' plain objects (null for empty documents). */
function documentsOf(source: Source): unknown[] {
  if (extname(source.name).toLowerCase() === '.json') {
    try {
      return [JSON.parse(source.text)];
    } catch (err) {
      throw new UsageError(`${source.name}: not valid JSON: ${firstLine((err as Error).message)}`);
    }
  }
  const docs = parseAllDocuments(source.text);
  const list = Array.isArray(docs) ? docs : [];
  return list.map((doc, i) => {
    if (doc.errors.length > 0) throw new UsageError(`${source.name}: document ${i + 1}: ${firstLine(doc.errors[0].message)}`);
    return doc.toJS({ maxAliasCount: 1000 });
  });
}

type Obj = Record<string, unknown> & { kind?: unknown; metadata?: Record<string, unknown> };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Fields set to null read as absent, as the API server reads them: a dump of a real cluster
 * (`kubectl get -o yaml`) has `rules: null` for every Role stored with `rules: []`, and YAML's `key:`
 * with nothing after it is null too. List elements are kept, so a null element is still refused.
 */
function withoutNullFields(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutNullFields);
  if (!isObject(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (v !== null) out[k] = withoutNullFields(v);
  return out;
}

/** IntOrString written as "8080" in YAML is a number to every reader. */
function intOrString(x: unknown): unknown {
  return typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x;
}

function normalizePorts<T extends Record<string, unknown>>(ports: unknown, keys: string[]): T[] | undefined {
  if (!Array.isArray(ports)) return undefined;
  return ports.filter(isObject).map((p) => {
    const out: Record<string, unknown> = { ...p };
    for (const k of keys) if (k in out) out[k] = intOrString(out[k]);
    return out as T;
  });
}

function normalizeContainers(spec: Record<string, unknown> | undefined): Record<string, unknown> {
  const s = { ...(spec ?? {}) };
  for (const key of ['containers', 'initContainers']) {
    const list = Array.isArray(s[key]) ? (s[key] as unknown[]).filter(isObject) : [];
    s[key] = list.map((c) => ({ ...c, ports: normalizePorts(c.ports, ['containerPort']) ?? [] }));
  }
  return s;
}

/** Evaluated kinds know their scope; other policy-like kinds are namespaced when they name a namespace or are not called cluster/global/admin. */
function isClusterScopedPolicy(apiVersion: string, kind: string, meta: Record<string, unknown>): boolean {
  const known = policyKindOf(apiVersion, kind);
  if (known) return !known.namespaced;
  if (isCalicoTier(apiVersion, kind)) return true;
  if (typeof meta.namespace === 'string' && meta.namespace !== '') return false;
  return /^(Cluster|Global|Admin|Baseline)/.test(kind);
}

/**
 * @param options.namespace where objects without metadata.namespace belong (`kubectl apply -n`); default "default"
 */
export async function readManifestSnapshot(paths: string[], options: { namespace?: string } = {}): Promise<ClusterSnapshot> {
  const defaultNamespace = options.namespace || 'default';
  const sources: (Source & { path: string })[] = [];
  for (const path of paths) {
    if (path === '-') sources.push({ name: 'stdin', text: await readStdin(), path });
    else {
      const found: Source[] = [];
      await expand(path, found, true);
      sources.push(...found.map((f) => ({ ...f, path })));
    }
  }
  const snapshot = emptySnapshot(`manifests ${paths.join(', ')}`);
  const referenced = new Set<string>();
  // an empty pipe or a file of comments would otherwise answer as if it described a cluster with no policies
  const objectsPerPath = new Map<string, number>(paths.map((p) => [p, 0]));

  for (const source of sources) {
    documentsOf(source).forEach((doc, index) => {
      const where = `${source.name}: document ${index + 1}`;
      const add = (raw: unknown, at: string) => {
        if (raw === null || raw === undefined) return;
        if (!isObject(raw)) throw new UsageError(`${at}: expected a Kubernetes object, found ${Array.isArray(raw) ? 'a list' : typeof raw}`);
        const obj = raw as Obj;
        if (typeof obj.kind !== 'string' || obj.kind === '') throw new UsageError(`${at}: object has no kind`);
        // kubectl-np's own files (ConnectivityExpectations) often sit beside the manifests they test
        if (obj.apiVersion === 'kubectl-np/v1') return;
        // an empty List (`kubectl get netpol -o yaml` with none) is a real answer, so it counts
        objectsPerPath.set(source.path, (objectsPerPath.get(source.path) ?? 0) + 1);
        if (obj.kind === 'List' || (obj.kind.endsWith('List') && Array.isArray(obj.items))) {
          (Array.isArray(obj.items) ? obj.items : []).forEach((item, i) => add(item, `${at}: items[${i}]`));
          return;
        }
        const meta = obj.metadata;
        if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') throw new UsageError(`${at}: ${obj.kind} has no metadata.name`);
        for (const field of ['labels', 'annotations'] as const) {
          const map = meta[field];
          if (map === undefined || map === null) continue;
          if (!isObject(map)) throw new UsageError(`${at}: ${obj.kind} ${meta.name}: metadata.${field} must be a map`);
          for (const [k, v] of Object.entries(map)) {
            if (typeof v !== 'string') throw new UsageError(`${at}: ${obj.kind} ${meta.name}: ${field.slice(0, -1)} ${k} must be a string (quote ${JSON.stringify(v)})`);
          }
          const [labelError] = field === 'labels' ? labelsErrors(map as Record<string, string>, 'metadata.labels') : [];
          if (labelError) throw new UsageError(`${at}: ${obj.kind} ${meta.name}: ${labelError}`);
        }
        const metadata = { ...meta } as Record<string, unknown> & { name: string; namespace?: string };
        const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
        // policy kinds beyond NetworkPolicy (Calico's is also called NetworkPolicy: the group tells them apart)
        // Calico's Tiers go with them: their order places the tiers' policies
        const policyLike = isPolicyLike(apiVersion, obj.kind) || isCalicoTier(apiVersion, obj.kind);
        const clusterScoped = policyLike ? isClusterScopedPolicy(apiVersion, obj.kind, meta) : CLUSTER_SCOPED.has(obj.kind);
        if (!clusterScoped) {
          metadata.namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace;
          referenced.add(metadata.namespace);
        } else {
          delete metadata.namespace;
        }
        const spec = isObject(obj.spec) ? obj.spec : {};
        const label = `${at}: ${obj.kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
        if (policyLike) {
          const object = { apiVersion, kind: obj.kind, metadata, spec: obj.spec, ...(obj.specs !== undefined ? { specs: obj.specs } : {}) } as never;
          const problem = policyObjectProblem(object);
          if (problem) throw new UsageError(`${label}: ${problem}`);
          (snapshot.policyObjects ??= []).push(object);
          return;
        }
        switch (obj.kind) {
          case 'Namespace':
            snapshot.namespaces.push({ kind: 'Namespace', metadata } as never);
            break;
          case 'Pod':
            snapshot.pods.push({ kind: 'Pod', metadata, spec: normalizeContainers(spec), status: isObject(obj.status) ? obj.status : undefined } as never);
            break;
          case 'Service':
            snapshot.services.push({ kind: 'Service', metadata, spec: { ...spec, ports: normalizePorts(spec.ports, ['port', 'targetPort']) }, ...(isObject(obj.status) ? { status: obj.status } : {}) } as never);
            break;
          case 'NetworkPolicy': {
            if (obj.spec !== undefined && obj.spec !== null && !isObject(obj.spec)) throw new UsageError(`${label}: spec: expected a map, found ${shapeOf(obj.spec)}`);
            const policy = {
              kind: 'NetworkPolicy',
              metadata,
              // as written: a quoted "80" is a port name to the API server, which refuses it
              spec: { ...spec, podSelector: spec.podSelector ?? {} },
            } as never;
            for (const key of ['ingress', 'egress']) if ((policy as { spec: Record<string, unknown> }).spec[key] === undefined) delete (policy as { spec: Record<string, unknown> }).spec[key];
            const problems = policyProblems(policy);
            if (problems.length > 0) throw new UsageError(`${label}: ${problems[0]}`);
            snapshot.networkPolicies.push(policy);
            break;
          }
          case 'Role':
          case 'ClusterRole':
            snapshot.roles.push({ kind: obj.kind, metadata, rules: obj.rules, aggregationRule: obj.aggregationRule } as never);
            break;
          case 'RoleBinding':
          case 'ClusterRoleBinding':
            if (!isObject(obj.roleRef)) throw new UsageError(`${label}: has no roleRef`);
            snapshot.roleBindings.push({ kind: obj.kind, metadata, subjects: obj.subjects, roleRef: obj.roleRef } as never);
            break;
          case 'ServiceAccount':
            snapshot.serviceAccounts.push({ kind: 'ServiceAccount', metadata } as never);
            break;
          default:
            if (WORKLOAD_KINDS.has(obj.kind)) {
              const template = isObject(spec.template) ? spec.template : undefined;
              if (!template) throw new UsageError(`${label}: has no spec.template`);
              snapshot.workloads.push({
                kind: obj.kind as WorkloadKind,
                metadata,
                spec: { selector: spec.selector, template: { metadata: template.metadata, spec: normalizeContainers(isObject(template.spec) ? template.spec : undefined) } },
              } as never);
            }
          // other kinds (ConfigMaps, Ingresses, CRDs…) do not affect reachability or RBAC
        }
      };
      add(withoutNullFields(doc), where);
    });
  }

  for (const [path, count] of objectsPerPath) {
    if (count > 0) continue;
    if (path === '-') throw new UsageError('-f -: stdin holds no Kubernetes objects (empty input?)');
    throw new UsageError(`-f ${path}: no Kubernetes objects found${sources.some((s) => s.path === path) ? '' : ' (no .yaml, .yml or .json files)'}`);
  }

  // The API server labels every namespace with its name, and policies select namespaces by that label;
  // namespaces only referenced by objects exist implicitly.
  const declared = new Set(snapshot.namespaces.map((n) => n.metadata.name));
  for (const ns of snapshot.namespaces) ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name };
  for (const name of [...referenced].sort()) {
    if (!declared.has(name)) snapshot.namespaces.push({ kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } } } satisfies Namespace);
  }
  return snapshot;
}
