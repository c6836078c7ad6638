// Which binding subjects name a user — kube-apiserver's appliesToUser, including the quirk that a
// ServiceAccount subject without a namespace means the binding's own namespace.
import type { RoleBinding, Subject } from '../model/k8s.js';
import type { UserInfo } from './types.js';

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** kube-apiserver lets this group past authorization entirely, before RBAC is consulted */
export const SUPERUSER_GROUP = 'system:masters';

const SA_PREFIX = 'system:serviceaccount:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** The identity the API server gives a pod's service account token. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: serviceAccountUsername(namespace, name),
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, AUTHENTICATED_GROUP],
  };
}

/** `system:serviceaccount:NS:NAME` → {namespace, name}; anything else → undefined. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SA_PREFIX.length).split(':');
  if (!namespace || !name || rest.length > 0) return undefined;
  return { namespace, name };
}

export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return !!namespace && serviceAccountUsername(namespace, subject.name) === user.username;
    }
    default:
      return false;
  }
}

/** The subjects of a binding that name the user (empty when the binding does not apply). */
export function matchingSubjects(binding: RoleBinding, user: UserInfo): Subject[] {
  const namespace = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
  return (binding.subjects ?? []).filter((s) => subjectMatches(s, user, namespace));
}

export function describeSubject(subject: Subject, bindingNamespace?: string): string {
  if (subject.kind === 'ServiceAccount') {
    return `ServiceAccount ${subject.namespace || bindingNamespace || '?'}/${subject.name}`;
  }
  return `${subject.kind} "${subject.name}"`;
}
