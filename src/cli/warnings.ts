// Warnings go to stderr, one "warning: …" line each, before the answer on stdout: one writer, so every
// command words and places them alike.
import type { ClusterSnapshot } from '../model/k8s.js';
import { enforcementWarning } from '../netpol/inputs.js';

export function writeWarnings(warnings: readonly string[] | undefined): void {
  for (const warning of warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
}

/**
 * What the snapshot's reader warned about, then the enforcement caveat (a live cluster without an engine).
 * `enforcement: false` leaves the caveat out for a command that reports it its own way (audit's finding).
 */
export function writeSnapshotWarnings(snapshot: ClusterSnapshot, options: { enforcement?: boolean } = {}): void {
  writeWarnings(snapshot.warnings);
  const engine = options.enforcement === false ? undefined : enforcementWarning(snapshot);
  if (engine) process.stderr.write(engine + '\n');
}
