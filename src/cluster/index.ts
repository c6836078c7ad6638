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
  /**
   * With -f: the namespace of objects without metadata.namespace — the -n when exactly one was given, as
   * `kubectl apply -n` does; else "default". Unset: the only entry of `namespaces` when that cannot be
   * an endpoint's own namespace standing in for the context's (withContextNamespace false), else "default".
   */
  manifestNamespace?: string;
}

/** The namespace objects without one belong to when read from manifests. */
export function manifestNamespaceOf(source: SnapshotSource): string {
  if (source.manifestNamespace) return source.manifestNamespace;
  if (!source.allNamespaces && !source.withContextNamespace && source.namespaces?.length === 1) return source.namespaces[0];
  return 'default';
}

/**
 * One entry point for every analysis command: manifests when -f is given, else the live cluster.
 * The live reader is imported lazily so offline runs never load @kubernetes/client-node.
 */
export async function loadSnapshot(source: SnapshotSource): Promise<ClusterSnapshot> {
  if (source.files && source.files.length > 0) {
    const { readManifestSnapshot } = await import('./manifests.js');
    return readManifestSnapshot(source.files, { namespace: manifestNamespaceOf(source) });
  }
  const { readLiveSnapshot } = await import('./live.js');
  return readLiveSnapshot(source);
}
