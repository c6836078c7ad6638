// --with CHANGE and --delete KIND/NAMESPACE/NAME over the base the snapshot flags name: diff and report take a
// change the same way, so they read it here, once.
import type { ClusterSnapshot } from '../model/k8s.js';
import { loadSnapshot, manifestNamespaceOf } from '../cluster/index.js';
import { UsageError } from '../errors.js';
import { overlaySnapshot, parseDeleteRef, type DeleteRef } from '../netpol/diff.js';
import { snapshotSourceOf } from './base.js';
import { writeSnapshotWarnings } from './warnings.js';

export interface ChangedSnapshot {
  base: ClusterSnapshot;
  /** the base with the change overlaid; the base itself when no change was asked for */
  after: ClusterSnapshot;
  /** the --with arguments (- is stdin) */
  withFiles: string[];
  deletes: DeleteRef[];
  /** --with or --delete was given */
  changing: boolean;
}

/**
 * Reads the base (its warnings to stderr) and the --with manifests, as kubectl apply would lay them over it, less
 * the --delete objects. Bad --delete refs and stdin asked for twice are refused before anything is read.
 */
export async function loadChangedSnapshot(flags: Parameters<typeof snapshotSourceOf>[0] & { with?: string[]; delete?: string[] }): Promise<ChangedSnapshot> {
  const withFiles = flags.with ?? [];
  const deletes = (flags.delete ?? []).map(parseDeleteRef);
  if (withFiles.includes('-') && (flags.filename ?? []).includes('-')) throw new UsageError('stdin can hold the base (-f -) or the change (--with -), not both');
  const base = await loadSnapshot(snapshotSourceOf(flags));
  writeSnapshotWarnings(base);
  const changing = withFiles.length > 0 || deletes.length > 0;
  const change = withFiles.length > 0 ? await loadSnapshot({ files: withFiles, manifestNamespace: manifestNamespaceOf(flags.namespace) }) : undefined;
  return { base, after: changing ? overlaySnapshot(base, change, deletes) : base, withFiles, deletes, changing };
}
