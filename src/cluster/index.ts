import { UsageError } from '../errors.js';
import type { ClusterSnapshot } from '../model/k8s.js';
import type { SnapshotSource } from './source.js';

export type { SnapshotSource } from './source.js';

/**
 * The namespace manifests without metadata.namespace belong to: the -n when exactly one was given, as
 * `kubectl apply -n` does; else "default".
 */
export function manifestNamespaceOf(flagNamespaces: string[] | undefined): string {
  return flagNamespaces?.length === 1 ? flagNamespaces[0] : 'default';
}

/**
 * One entry point for every analysis command: manifests when -f is given, else the live cluster.
 * The live reader is imported lazily so offline runs never load @kubernetes/client-node.
 */
export async function loadSnapshot(source: SnapshotSource): Promise<ClusterSnapshot> {
  if (source.files && source.files.length > 0) {
    if (source.impersonate) throw new UsageError('--as, --as-group and --as-uid ask the cluster as someone else; they do not combine with -f (manifests)');
    const { readManifestSnapshot } = await import('./manifests.js');
    const snapshot = await readManifestSnapshot(source.files, { namespace: source.manifestNamespace ?? 'default' });
    const ignored = [source.context !== undefined ? `--context ${source.context}` : '', source.kubeconfig !== undefined ? `--kubeconfig ${source.kubeconfig}` : ''].filter(Boolean);
    if (ignored.length > 0) {
      snapshot.warnings = [...(snapshot.warnings ?? []), `-f is given, so the answer comes from the manifests alone: ${ignored.join(' and ')} ${ignored.length > 1 ? 'are' : 'is'} not used`];
    }
    return snapshot;
  }
  const { readLiveSnapshot } = await import('./live.js');
  return readLiveSnapshot(source);
}
