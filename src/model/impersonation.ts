// Whom requests to the API server impersonate (kubectl's --as, --as-group, --as-uid and the
// kubeconfig's as, as-groups, as-uid, as-user-extra). Plain data, shared by the cluster layer that
// sends it and the renderers that show it.

export interface Impersonation {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  /** where the request to impersonate came from, for messages */
  source?: 'flags' | 'kubeconfig' | 'flags and kubeconfig';
}

export function describeImpersonationParts(imp: Impersonation): string {
  const parts: string[] = [];
  if (imp.groups?.length) parts.push(`groups ${imp.groups.join(', ')}`);
  if (imp.uid) parts.push(`uid ${imp.uid}`);
  if (imp.extra && Object.keys(imp.extra).length) parts.push(`extra ${Object.keys(imp.extra).join(', ')}`);
  return parts.join(' and ');
}

/** "jane (groups ops, dev)" for messages. */
export function describeImpersonation(imp: Impersonation): string {
  const rest = describeImpersonationParts(imp);
  return `${imp.user ?? '?'}${rest ? ` (${rest})` : ''}`;
}

