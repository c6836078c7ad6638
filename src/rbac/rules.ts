// Rule matching with kube-apiserver's semantics (rbac/v1 evaluation helpers): `*` wildcards,
// `*/subresource`, resourceNames that only match named requests, nonResourceURLs with a `*` suffix.
import type { PolicyRule } from '../model/k8s.js';
import type { AccessRequest, MissReason, ResourceRequest } from './types.js';

const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

export function combinedResource(request: Pick<ResourceRequest, 'resource' | 'subresource'>): string {
  return request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
}

export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => {
    if (r === ALL || r === combined) return true;
    // "*/scale" grants the scale subresource of every resource, but never the resource itself
    return !!subresource && r === `*/${subresource}`;
  });
}

/** A rule without resourceNames matches every name; one with them never matches an unnamed request (list, create). */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name ?? '');
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => {
    if (u === ALL || u === path) return true;
    return u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''));
  });
}

export function ruleAllows(rule: PolicyRule, request: AccessRequest): boolean {
  if (request.kind === 'nonResource') return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
  return (
    verbMatches(rule, request.verb) &&
    apiGroupMatches(rule, request.group) &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}

const list = (items: string[] | undefined) => (items && items.length > 0 ? items.join(', ') : 'nothing');
const groupName = (g: string) => (g === '' ? 'core' : g);

/** Every way the rule falls short of the request, one sentence each (empty = the rule allows it). */
export function ruleMismatches(rule: PolicyRule, request: AccessRequest): MissReason[] {
  const reasons: MissReason[] = [];
  if (!verbMatches(rule, request.verb)) {
    reasons.push({ dimension: 'verb', detail: `the rule allows verbs ${list(rule.verbs)}, not "${request.verb}"` });
  }
  if (request.kind === 'nonResource') {
    if (!nonResourceURLMatches(rule, request.path)) {
      reasons.push({
        dimension: 'nonResourceURL',
        detail: rule.nonResourceURLs?.length
          ? `the rule covers URLs ${list(rule.nonResourceURLs)}, not ${request.path}`
          : 'the rule is about API resources, not non-resource URLs',
      });
    }
    return reasons;
  }
  if (!rule.resources?.length && rule.nonResourceURLs?.length) {
    reasons.push({ dimension: 'resource', detail: 'the rule is about non-resource URLs, not API resources' });
    return reasons;
  }
  if (!apiGroupMatches(rule, request.group)) {
    reasons.push({
      dimension: 'apiGroup',
      detail: `the rule is for API group ${list(rule.apiGroups?.map(groupName))}, not ${groupName(request.group)}`,
    });
  }
  if (!resourceMatches(rule, request.resource, request.subresource)) {
    // "pods/*" looks like a wildcard but RBAC only knows "*" and "*/subresource"
    const fakeWildcard = request.subresource && rule.resources?.includes(`${request.resource}/*`);
    reasons.push({
      dimension: 'resource',
      detail: fakeWildcard
        ? `the rule lists ${request.resource}/*, which RBAC does not treat as a wildcard: name ${combinedResource(request)} or */${request.subresource}`
        : `the rule covers ${list(rule.resources)}, not ${combinedResource(request)}`,
    });
  }
  if (!resourceNameMatches(rule, request.name)) {
    reasons.push({
      dimension: 'resourceName',
      detail: request.name
        ? `the rule is limited to names ${list(rule.resourceNames)}, not "${request.name}"`
        : `the rule is limited to names ${list(rule.resourceNames)}, so it never matches a request without a name (${request.verb})`,
    });
  }
  return reasons;
}
