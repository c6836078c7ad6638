// TEST DOUBLE of kube-apiserver — the impersonation filter, after
// k8s.io/apiserver/pkg/endpoints/filters/impersonation.go: every Impersonate-* header is an
// `impersonate` request the authenticated caller must be authorized for (users or serviceaccounts,
// groups, authentication.k8s.io uids and userextras/KEY), checked before anything else; the request
// then runs as the impersonated user, whose groups are the ones asked for plus system:authenticated.
// Written independently of src/ on purpose.
import type { IncomingMessage } from 'node:http';
import type { Decision, ResourceAttributes, UserInfo } from './rbac.js';

export interface ImpersonationRequest {
  attrs: ResourceAttributes;
  /** kube's forbidden message names the object: users "jane", groups "ops", uids "42", userextras.authentication.k8s.io "v" */
  object: string;
}

export class ImpersonationError extends Error {
  constructor(readonly code: 400 | 403 | 500, message: string) {
    super(message);
  }
}

const SA_PREFIX = 'system:serviceaccount:';

/** Each header line is one value (kube reads req.Header[...] as a list, never splits on commas). */
function values(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name.toLowerCase()] ?? [];
}

/** undefined when the request impersonates nobody. */
export function impersonate(req: IncomingMessage, requester: UserInfo, authorize: (user: UserInfo, attrs: ResourceAttributes) => Decision): UserInfo | undefined {
  const user = values(req, 'Impersonate-User');
  const groups = values(req, 'Impersonate-Group');
  const uid = values(req, 'Impersonate-Uid');
  const extra: Record<string, string[]> = {};
  for (const header of Object.keys(req.headersDistinct)) {
    if (!header.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(header.slice('impersonate-extra-'.length))] = values(req, header);
  }
  const asked: ImpersonationRequest[] = [];
  if (user.length > 0) {
    const name = user[0];
    if (name.startsWith(SA_PREFIX)) {
      const [namespace, sa] = name.slice(SA_PREFIX.length).split(':');
      asked.push({ attrs: { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace, name: sa }, object: `serviceaccounts "${sa}"` });
    } else asked.push({ attrs: { verb: 'impersonate', group: '', resource: 'users', name }, object: `users "${name}"` });
  }
  for (const g of groups) asked.push({ attrs: { verb: 'impersonate', group: '', resource: 'groups', name: g }, object: `groups "${g}"` });
  for (const u of uid) asked.push({ attrs: { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'uids', name: u }, object: `uids.authentication.k8s.io "${u}"` });
  for (const [key, vs] of Object.entries(extra)) {
    for (const v of vs) asked.push({ attrs: { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v }, object: `userextras.authentication.k8s.io "${v}"` });
  }
  if (asked.length === 0) return undefined;
  if (user.length === 0) throw new ImpersonationError(500, `Internal error occurred: requested ${asked.map((a) => a.attrs.resource).join(', ')} without impersonating a user`);
  if (uid.length > 1) throw new ImpersonationError(400, 'only one Impersonate-Uid header is allowed');

  for (const a of asked) {
    if (!authorize(requester, a.attrs).allowed) {
      const resource = a.attrs.subresource ? `${a.attrs.resource}/${a.attrs.subresource}` : a.attrs.resource;
      const scope = a.attrs.namespace ? `in the namespace "${a.attrs.namespace}"` : 'at the cluster scope';
      throw new ImpersonationError(403, `${a.object} is forbidden: User "${requester.username}" cannot impersonate resource "${resource}" in API group "${a.attrs.group}" ${scope}`);
    }
  }

  const username = user[0];
  const impersonatedGroups = [...groups];
  if (username.startsWith(SA_PREFIX) && groups.length === 0) {
    const namespace = username.slice(SA_PREFIX.length).split(':')[0];
    impersonatedGroups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`);
  }
  if (username === 'system:anonymous') {
    if (!impersonatedGroups.includes('system:unauthenticated')) impersonatedGroups.push('system:unauthenticated');
  } else if (!impersonatedGroups.includes('system:authenticated')) impersonatedGroups.push('system:authenticated');
  return {
    username,
    groups: impersonatedGroups,
    ...(uid[0] ? { uid: uid[0] } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
