import type { ClusterSnapshot } from '../model/k8s.js';

export interface SnapshotSource {
  /** manifest paths (files, directories, or "-" for stdin); when set the cluster is never contacted */
  files?: string[];
  kubeconfig?: string;
  context?: string;
  /** namespaces to read; empty = the context's namespace */
  namespaces?: string[];
  /** read the context's namespace as well as `namespaces` (endpoints without a namespace live there) */
  withContextNamespace?: boolean;
  allNamespaces?: boolean;
}

/**
 * One entry point for every analysis command: manifests when -f is given, else the live cluster.
 * The live reader is imported lazily so offline runs never load @kubernetes/client-node.
 */
export async function loadSnapshot(source: SnapshotSource): Promise<ClusterSnapshot> {
  if (source.files && source.files.length > 0) {
    const { readManifestSnapshot } = await import('./manifests.js');
    return readManifestSnapshot(source.files);
  }
  const { readLiveSnapshot } = await import('./live.js');
  return readLiveSnapshot(source);
}
