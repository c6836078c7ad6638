// What an analysis command reads: manifests or a live cluster. Its own module so the live reader and the
// entry point (index.ts, which loads live.ts lazily) both use it without importing each other.
import type { ImpersonationFlags } from './impersonation.js';

export interface SnapshotSource {
  /** manifest paths (files, directories, or "-" for stdin); when set the cluster is never contacted */
  files?: string[];
  kubeconfig?: string;
  context?: string;
  /** --as, --as-group, --as-uid */
  impersonate?: ImpersonationFlags;
  /** namespaces to read; empty = the context's namespace */
  namespaces?: string[];
  /** read the context's namespace as well as `namespaces` (endpoints without a namespace live there) */
  withContextNamespace?: boolean;
  allNamespaces?: boolean;
  /** with -f: the namespace of objects without metadata.namespace (see manifestNamespaceOf); default "default" */
  manifestNamespace?: string;
}
