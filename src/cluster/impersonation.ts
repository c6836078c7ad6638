// Impersonation as kubectl does it: the kubeconfig user's `as`, `as-uid`, `as-groups` and
// `as-user-extra`, overridden field by field by --as, --as-uid and --as-group, sent as the
// Impersonate-User, Impersonate-Uid, Impersonate-Group (one header line per group) and
// Impersonate-Extra-KEY headers. client-node 1.4 parses `as` only and drops the rest, so a kubeconfig
// user with as-groups would silently lose its groups; the fields are read from the raw files here.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UnreachableError, UsageError } from '../errors.js';
import { describeImpersonation, describeImpersonationParts, type Impersonation } from '../model/impersonation.js';

export { describeImpersonation, type Impersonation };

/** --as, --as-group, --as-uid as given on the command line. */
export interface ImpersonationFlags {
  as?: string;
  asGroups?: string[];
  asUid?: string;
}

const isEmpty = (imp: Impersonation | undefined): boolean =>
  !imp || (!imp.user && !imp.uid && !imp.groups?.length && !(imp.extra && Object.keys(imp.extra).length));

/** The impersonation fields of one kubeconfig `users[].user` entry as written (not as client-node keeps it). */
export function impersonationFromUserEntry(user: unknown): Impersonation | undefined {
  if (!user || typeof user !== 'object') return undefined;
  const u = user as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const extra: Record<string, string[]> = {};
  if (u['as-user-extra'] && typeof u['as-user-extra'] === 'object') {
    for (const [key, values] of Object.entries(u['as-user-extra'] as Record<string, unknown>)) {
      const l = list(values);
      if (l?.length) extra[key] = l;
    }
  }
  const imp: Impersonation = {
    ...(str(u.as) ? { user: str(u.as) } : {}),
    ...(str(u['as-uid']) ? { uid: str(u['as-uid']) } : {}),
    ...(list(u['as-groups'])?.length ? { groups: list(u['as-groups']) } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  return isEmpty(imp) ? undefined : imp;
}

/**
 * The impersonation fields of user `name` in the first of `files` that defines it (kubectl's merge
 * rule for $KUBECONFIG lists). Unreadable files were already reported by the kubeconfig loader.
 */
export function readKubeconfigImpersonation(files: string[], name: string | undefined): Impersonation | undefined {
  if (!name) return undefined;
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const users = (doc as { users?: unknown } | null)?.users;
    if (!Array.isArray(users)) continue;
    const entry = users.find((u) => (u as { name?: unknown } | null)?.name === name) as { user?: unknown } | undefined;
    if (entry) return impersonationFromUserEntry(entry.user);
  }
  return undefined;
}

/**
 * kubectl's precedence: each flag replaces its own kubeconfig field and leaves the others. Groups, uid
 * or extra without a user to impersonate are refused, as kubectl refuses them.
 */
export function mergeImpersonation(fromKubeconfig: Impersonation | undefined, flags: ImpersonationFlags = {}): Impersonation | undefined {
  const flagged = !!flags.as || !!flags.asUid || !!flags.asGroups?.length;
  const merged: Impersonation = {
    ...(fromKubeconfig ?? {}),
    ...(flags.as ? { user: flags.as } : {}),
    ...(flags.asUid ? { uid: flags.asUid } : {}),
    ...(flags.asGroups?.length ? { groups: [...flags.asGroups] } : {}),
  };
  delete merged.source;
  if (isEmpty(merged)) return undefined;
  if (!merged.user) {
    throw new UsageError(`impersonating ${describeImpersonationParts(merged)} needs a user to impersonate: add --as USER`);
  }
  const source: Impersonation['source'] = flagged ? (isEmpty(fromKubeconfig) ? 'flags' : 'flags and kubeconfig') : 'kubeconfig';
  return { ...merged, source };
}

/** The flag or kubeconfig field to change, for messages. */
export function impersonationOrigin(imp: Impersonation): string {
  return imp.source === 'kubeconfig' ? "the kubeconfig user's as/as-groups" : imp.source === 'flags' ? '--as/--as-group/--as-uid' : '--as/--as-group/--as-uid and the kubeconfig user\'s as/as-groups';
}

// RFC 7230 token characters may appear in a header name as they are; client-go percent-encodes every
// other byte (and '%' itself) in Impersonate-Extra-KEY, and kube-apiserver decodes it again.
const HEADER_TOKEN = /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/;

export function escapeExtraKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && HEADER_TOKEN.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The headers kubectl sends for an impersonation, in its order; a header repeated once per value. */
export function impersonationHeaders(imp: Impersonation | undefined): Record<string, string | string[]> {
  if (!imp?.user) return {};
  const headers: Record<string, string | string[]> = { 'Impersonate-User': imp.user };
  if (imp.uid) headers['Impersonate-Uid'] = imp.uid;
  if (imp.groups?.length) headers['Impersonate-Group'] = [...imp.groups];
  for (const [key, values] of Object.entries(imp.extra ?? {})) if (values.length) headers[`Impersonate-Extra-${escapeExtraKey(key)}`] = [...values];
  return headers;
}

/**
 * The API server refused to let the caller impersonate. Exit 3 like any refused read the command
 * needs; raised for every request, so no command mistakes it for "you may not list X".
 */
export class ImpersonationForbiddenError extends UnreachableError {
  constructor(imp: Impersonation, serverMessage: string | undefined) {
    super(
      `impersonating ${describeImpersonation(imp)} is forbidden${serverMessage ? `: ${serverMessage}` : ''} — impersonation needs the "impersonate" verb on users (groups, uids, userextras for the rest) in a ClusterRole bound to you; ask a cluster admin, or drop ${impersonationOrigin(imp)}`,
    );
    this.name = 'ImpersonationForbiddenError';
  }
}
