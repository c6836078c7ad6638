// Turning `kubectl np explain can-i VERB RESOURCE[/NAME]` arguments into an access request, the way
// `kubectl auth can-i` does: the name (plural, singular or short name, optionally .GROUP) is looked up in
// the server's resource types (API discovery, src/cluster/discovery.ts), the first match in discovery
// order winning as in kubectl's RESTMapper; the built-in table below is the fallback when discovery
// cannot be read. Cluster-scoped types drop the namespace: a RoleBinding cannot grant them.
import { UsageError } from '../errors.js';
import type { AccessRequest } from './types.js';

/** A resource type as discovery describes it, reduced to what resolving a name needs. */
export interface KnownResource {
  resource: string;
  group: string;
  namespaced: boolean;
  /** singular name and short names */
  aliases: string[];
}

/** Where the resource types came from, for notes: the server's discovery or the built-in table. */
export type ResourceSource = 'discovery' | 'builtin';

const r = (resource: string, group: string, namespaced: boolean, ...aliases: string[]): KnownResource => ({ resource, group, namespaced, aliases });

/** Kubernetes 1.32's built-in types, in discovery order; used when the server's discovery cannot be read. */
export const BUILTIN_RESOURCES: KnownResource[] = [
  r('bindings', '', true, 'binding'),
  r('componentstatuses', '', false, 'componentstatus', 'cs'),
  r('configmaps', '', true, 'configmap', 'cm'),
  r('endpoints', '', true, 'endpoints', 'ep'),
  r('events', '', true, 'event', 'ev'),
  r('limitranges', '', true, 'limitrange', 'limits'),
  r('namespaces', '', false, 'namespace', 'ns'),
  r('nodes', '', false, 'node', 'no'),
  r('persistentvolumeclaims', '', true, 'persistentvolumeclaim', 'pvc'),
  r('persistentvolumes', '', false, 'persistentvolume', 'pv'),
  r('pods', '', true, 'pod', 'po'),
  r('podtemplates', '', true, 'podtemplate'),
  r('replicationcontrollers', '', true, 'replicationcontroller', 'rc'),
  r('resourcequotas', '', true, 'resourcequota', 'quota'),
  r('secrets', '', true, 'secret'),
  r('serviceaccounts', '', true, 'serviceaccount', 'sa'),
  r('services', '', true, 'service', 'svc'),
  r('mutatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 'mutatingwebhookconfiguration'),
  r('validatingadmissionpolicies', 'admissionregistration.k8s.io', false, 'validatingadmissionpolicy'),
  r('validatingadmissionpolicybindings', 'admissionregistration.k8s.io', false, 'validatingadmissionpolicybinding'),
  r('validatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 'validatingwebhookconfiguration'),
  r('customresourcedefinitions', 'apiextensions.k8s.io', false, 'customresourcedefinition', 'crd', 'crds'),
  r('apiservices', 'apiregistration.k8s.io', false, 'apiservice'),
  r('controllerrevisions', 'apps', true, 'controllerrevision'),
  r('daemonsets', 'apps', true, 'daemonset', 'ds'),
  r('deployments', 'apps', true, 'deployment', 'deploy'),
  r('replicasets', 'apps', true, 'replicaset', 'rs'),
  r('statefulsets', 'apps', true, 'statefulset', 'sts'),
  r('selfsubjectreviews', 'authentication.k8s.io', false, 'selfsubjectreview'),
  r('tokenreviews', 'authentication.k8s.io', false, 'tokenreview'),
  r('localsubjectaccessreviews', 'authorization.k8s.io', true, 'localsubjectaccessreview'),
  r('selfsubjectaccessreviews', 'authorization.k8s.io', false, 'selfsubjectaccessreview'),
  r('selfsubjectrulesreviews', 'authorization.k8s.io', false, 'selfsubjectrulesreview'),
  r('subjectaccessreviews', 'authorization.k8s.io', false, 'subjectaccessreview'),
  r('horizontalpodautoscalers', 'autoscaling', true, 'horizontalpodautoscaler', 'hpa'),
  r('cronjobs', 'batch', true, 'cronjob', 'cj'),
  r('jobs', 'batch', true, 'job'),
  r('certificatesigningrequests', 'certificates.k8s.io', false, 'certificatesigningrequest', 'csr'),
  r('leases', 'coordination.k8s.io', true, 'lease'),
  r('endpointslices', 'discovery.k8s.io', true, 'endpointslice'),
  r('events', 'events.k8s.io', true, 'event', 'ev'),
  r('flowschemas', 'flowcontrol.apiserver.k8s.io', false, 'flowschema'),
  r('prioritylevelconfigurations', 'flowcontrol.apiserver.k8s.io', false, 'prioritylevelconfiguration'),
  r('ingressclasses', 'networking.k8s.io', false, 'ingressclass'),
  r('ingresses', 'networking.k8s.io', true, 'ingress', 'ing'),
  r('networkpolicies', 'networking.k8s.io', true, 'networkpolicy', 'netpol'),
  r('runtimeclasses', 'node.k8s.io', false, 'runtimeclass'),
  r('poddisruptionbudgets', 'policy', true, 'poddisruptionbudget', 'pdb'),
  r('clusterrolebindings', 'rbac.authorization.k8s.io', false, 'clusterrolebinding'),
  r('clusterroles', 'rbac.authorization.k8s.io', false, 'clusterrole'),
  r('rolebindings', 'rbac.authorization.k8s.io', true, 'rolebinding'),
  r('roles', 'rbac.authorization.k8s.io', true, 'role'),
  r('priorityclasses', 'scheduling.k8s.io', false, 'priorityclass', 'pc'),
  r('csidrivers', 'storage.k8s.io', false, 'csidriver'),
  r('csinodes', 'storage.k8s.io', false, 'csinode'),
  r('csistoragecapacities', 'storage.k8s.io', true, 'csistoragecapacity'),
  r('storageclasses', 'storage.k8s.io', false, 'storageclass', 'sc'),
  r('volumeattachments', 'storage.k8s.io', false, 'volumeattachment'),
];

function lookup(known: KnownResource[], name: string, group?: string): KnownResource | undefined {
  const named = (b: KnownResource) => (group === undefined || b.group === group) && (b.resource === name || b.aliases.includes(name));
  // plural names first, then singular and short names, as kubectl's RESTMapper and shortcut expander do
  return known.find((b) => named(b) && b.resource === name) ?? known.find(named);
}

export interface ParsedAccessRequest {
  request: AccessRequest;
  /** things the user should know about how the arguments were read */
  notes: string[];
  /** a verb or resource no API server knows, with the nearest known one (kubectl warns on stderr) */
  warnings: string[];
}

/** Verbs the API server and RBAC act on; anything else is allowed only by a `*` rule. */
const RESOURCE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'proxy', 'impersonate', 'bind', 'escalate', 'use', 'approve', 'sign', 'attest'];
const NON_RESOURCE_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest of `known` within two edits (a typo), else undefined. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(word, name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function unknownVerbWarning(verb: string, known: readonly string[]): string[] {
  if (verb === '*' || known.includes(verb.toLowerCase())) return [];
  const guess = nearest(verb.toLowerCase(), known);
  return [`unknown verb "${verb}"${guess ? ` (did you mean ${guess}?)` : ''}: only a rule with verbs ["*"] allows it`];
}

export interface AccessRequestInput {
  verb: string;
  /** RESOURCE, RESOURCE.GROUP, RESOURCE/NAME or a non-resource URL starting with / */
  target: string;
  namespace?: string;
  subresource?: string;
}

/** Whether a target names a resource type `known` lacks (so fresher discovery might know it). */
export function isUnknownResource(target: string, known: KnownResource[]): boolean {
  const type = target.trim().split('/')[0].toLowerCase();
  if (!type || type === '*' || target.trim().startsWith('/')) return false;
  const dot = type.indexOf('.');
  return !lookup(known, dot >= 0 ? type.slice(0, dot) : type, dot >= 0 ? explicitGroupOf(type.slice(dot + 1)) : undefined);
}

/** RESOURCE.GROUP, also RESOURCE.VERSION.GROUP as kubectl accepts (the version does not matter to RBAC). */
function explicitGroupOf(afterDot: string): string {
  const group = afterDot.replace(/^v\d+(?:(?:alpha|beta)\d+)?(?:\.|$)/, '');
  return group === 'core' ? '' : group;
}

/**
 * @param known the server's resource types (discovery), else the built-in table
 * @param source where `known` came from, for the note on names it lacks
 */
export function parseAccessRequest(input: AccessRequestInput, known: KnownResource[] = BUILTIN_RESOURCES, source: ResourceSource = 'builtin'): ParsedAccessRequest {
  const verb = input.verb.trim();
  if (!verb || /\s/.test(verb)) throw new UsageError(`invalid verb "${input.verb}"`);
  const target = input.target.trim();
  if (!target) throw new UsageError('missing RESOURCE (e.g. pods, deployments.apps, pods/NAME or /healthz)');

  if (target.startsWith('/')) {
    if (input.subresource) throw new UsageError('--subresource does not apply to a non-resource URL');
    return { request: { kind: 'nonResource', verb, path: target }, notes: [], warnings: unknownVerbWarning(verb, NON_RESOURCE_VERBS) };
  }

  const slash = target.indexOf('/');
  const type = (slash >= 0 ? target.slice(0, slash) : target).toLowerCase();
  const name = slash >= 0 ? target.slice(slash + 1) : undefined;
  if (name !== undefined && (!name || name.includes('/'))) {
    throw new UsageError(`cannot read "${target}": use RESOURCE/NAME, and --subresource for a subresource (e.g. pods/NAME --subresource log)`);
  }
  if (!type) throw new UsageError(`cannot read "${target}": missing resource type`);

  const notes: string[] = [];
  const warnings = unknownVerbWarning(verb, RESOURCE_VERBS);
  let resource: string;
  let group: string;
  let namespaced = true;
  if (type === '*') {
    // what `kubectl auth can-i VERB '*'` asks: every resource of the core group
    resource = '*';
    group = '';
  } else {
    const dot = type.indexOf('.');
    const typeName = dot >= 0 ? type.slice(0, dot) : type;
    const explicitGroup = dot >= 0 ? explicitGroupOf(type.slice(dot + 1)) : undefined;
    const found = lookup(known, typeName, explicitGroup);
    const lacks = source === 'discovery' ? 'the server does not have a resource type' : 'the built-in table (used because discovery could not be read) has no resource type';
    if (found) {
      resource = found.resource;
      group = found.group;
      namespaced = found.namespaced;
    } else if (explicitGroup !== undefined) {
      resource = typeName;
      group = explicitGroup;
      notes.push(`${lacks} "${typeName}" in group "${group}"; asking about it as written`);
    } else {
      resource = typeName;
      group = '';
      const guess = nearest(typeName, known.flatMap((b) => [b.resource, ...b.aliases]));
      const meant = guess ? lookup(known, guess) : undefined;
      if (meant) warnings.push(`unknown resource "${typeName}" (did you mean ${meant.group ? `${meant.resource}.${meant.group}` : meant.resource}?)`);
      notes.push(`${lacks} "${typeName}"; assuming the core API group (write RESOURCE.GROUP for others)`);
    }
  }

  let namespace = input.namespace ?? '';
  if (!namespaced && namespace) {
    notes.push(`${resource} are cluster-scoped; the namespace is ignored`);
    namespace = '';
  }
  return {
    request: {
      kind: 'resource',
      verb,
      namespace,
      group,
      resource,
      ...(input.subresource ? { subresource: input.subresource } : {}),
      ...(name ? { name } : {}),
    },
    notes,
    warnings,
  };
}

export function describeRequest(request: AccessRequest): string {
  if (request.kind === 'nonResource') return `${request.verb} ${request.path}`;
  const res = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const group = request.group && request.group !== '*' ? `.${request.group}` : '';
  const name = request.name ? ` "${request.name}"` : '';
  const where = request.namespace ? ` in namespace ${request.namespace}` : ' (cluster-wide)';
  return `${request.verb} ${res}${group}${name}${where}`;
}
