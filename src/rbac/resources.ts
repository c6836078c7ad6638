// Turning `kubectl np explain can-i VERB RESOURCE[/NAME]` arguments into an access request.
// kubectl resolves resource names through API discovery; the built-in kinds below cover what people
// type (plural, singular, short name), and anything else is written RESOURCE.GROUP as kubectl allows.
import { UsageError } from '../errors.js';
import type { AccessRequest } from './types.js';

interface BuiltinResource {
  resource: string;
  group: string;
  namespaced: boolean;
  aliases: string[];
}

const r = (resource: string, group: string, namespaced: boolean, ...aliases: string[]): BuiltinResource => ({ resource, group, namespaced, aliases });

export const BUILTIN_RESOURCES: BuiltinResource[] = [
  r('pods', '', true, 'pod', 'po'),
  r('services', '', true, 'service', 'svc'),
  r('configmaps', '', true, 'configmap', 'cm'),
  r('secrets', '', true, 'secret'),
  r('serviceaccounts', '', true, 'serviceaccount', 'sa'),
  r('endpoints', '', true, 'ep'),
  r('events', '', true, 'event', 'ev'),
  r('persistentvolumeclaims', '', true, 'persistentvolumeclaim', 'pvc'),
  r('replicationcontrollers', '', true, 'replicationcontroller', 'rc'),
  r('resourcequotas', '', true, 'resourcequota', 'quota'),
  r('limitranges', '', true, 'limitrange', 'limits'),
  r('podtemplates', '', true, 'podtemplate'),
  r('namespaces', '', false, 'namespace', 'ns'),
  r('nodes', '', false, 'node', 'no'),
  r('persistentvolumes', '', false, 'persistentvolume', 'pv'),
  r('deployments', 'apps', true, 'deployment', 'deploy'),
  r('statefulsets', 'apps', true, 'statefulset', 'sts'),
  r('daemonsets', 'apps', true, 'daemonset', 'ds'),
  r('replicasets', 'apps', true, 'replicaset', 'rs'),
  r('controllerrevisions', 'apps', true, 'controllerrevision'),
  r('jobs', 'batch', true, 'job'),
  r('cronjobs', 'batch', true, 'cronjob', 'cj'),
  r('horizontalpodautoscalers', 'autoscaling', true, 'horizontalpodautoscaler', 'hpa'),
  r('poddisruptionbudgets', 'policy', true, 'poddisruptionbudget', 'pdb'),
  r('networkpolicies', 'networking.k8s.io', true, 'networkpolicy', 'netpol'),
  r('ingresses', 'networking.k8s.io', true, 'ingress', 'ing'),
  r('ingressclasses', 'networking.k8s.io', false, 'ingressclass'),
  r('endpointslices', 'discovery.k8s.io', true, 'endpointslice'),
  r('leases', 'coordination.k8s.io', true, 'lease'),
  r('roles', 'rbac.authorization.k8s.io', true, 'role'),
  r('rolebindings', 'rbac.authorization.k8s.io', true, 'rolebinding'),
  r('clusterroles', 'rbac.authorization.k8s.io', false, 'clusterrole'),
  r('clusterrolebindings', 'rbac.authorization.k8s.io', false, 'clusterrolebinding'),
  r('storageclasses', 'storage.k8s.io', false, 'storageclass', 'sc'),
  r('csidrivers', 'storage.k8s.io', false, 'csidriver'),
  r('csinodes', 'storage.k8s.io', false, 'csinode'),
  r('volumeattachments', 'storage.k8s.io', false, 'volumeattachment'),
  r('customresourcedefinitions', 'apiextensions.k8s.io', false, 'customresourcedefinition', 'crd', 'crds'),
  r('certificatesigningrequests', 'certificates.k8s.io', false, 'certificatesigningrequest', 'csr'),
  r('priorityclasses', 'scheduling.k8s.io', false, 'priorityclass', 'pc'),
  r('mutatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 'mutatingwebhookconfiguration'),
  r('validatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 'validatingwebhookconfiguration'),
  r('selfsubjectaccessreviews', 'authorization.k8s.io', false),
  r('selfsubjectrulesreviews', 'authorization.k8s.io', false),
  r('subjectaccessreviews', 'authorization.k8s.io', false),
  r('localsubjectaccessreviews', 'authorization.k8s.io', true),
  r('selfsubjectreviews', 'authentication.k8s.io', false),
  r('tokenreviews', 'authentication.k8s.io', false),
];

function lookup(name: string, group?: string): BuiltinResource | undefined {
  return BUILTIN_RESOURCES.find(
    (b) => (group === undefined || b.group === group) && (b.resource === name || b.aliases.includes(name)),
  );
}

export interface ParsedAccessRequest {
  request: AccessRequest;
  /** things the user should know about how the arguments were read */
  notes: string[];
}

export interface AccessRequestInput {
  verb: string;
  /** RESOURCE, RESOURCE.GROUP, RESOURCE/NAME or a non-resource URL starting with / */
  target: string;
  namespace?: string;
  subresource?: string;
}

export function parseAccessRequest(input: AccessRequestInput): ParsedAccessRequest {
  const verb = input.verb.trim();
  if (!verb || /\s/.test(verb)) throw new UsageError(`invalid verb "${input.verb}"`);
  const target = input.target.trim();
  if (!target) throw new UsageError('missing RESOURCE (e.g. pods, deployments.apps, pods/NAME or /healthz)');

  if (target.startsWith('/')) {
    if (input.subresource) throw new UsageError('--subresource does not apply to a non-resource URL');
    return { request: { kind: 'nonResource', verb, path: target }, notes: [] };
  }

  const slash = target.indexOf('/');
  const type = (slash >= 0 ? target.slice(0, slash) : target).toLowerCase();
  const name = slash >= 0 ? target.slice(slash + 1) : undefined;
  if (name !== undefined && (!name || name.includes('/'))) {
    throw new UsageError(`cannot read "${target}": use RESOURCE/NAME, and --subresource for a subresource (e.g. pods/NAME --subresource log)`);
  }
  if (!type) throw new UsageError(`cannot read "${target}": missing resource type`);

  const notes: string[] = [];
  let resource: string;
  let group: string;
  let namespaced = true;
  if (type === '*') {
    resource = '*';
    group = '*';
  } else {
    const dot = type.indexOf('.');
    const typeName = dot >= 0 ? type.slice(0, dot) : type;
    // RESOURCE.GROUP, also RESOURCE.VERSION.GROUP as kubectl accepts (the version does not matter to RBAC)
    const explicitGroup = dot >= 0 ? type.slice(dot + 1).replace(/^v\d+(?:(?:alpha|beta)\d+)?\./, '') : undefined;
    const known = lookup(typeName, explicitGroup);
    if (known) {
      resource = known.resource;
      group = known.group;
      namespaced = known.namespaced;
    } else if (explicitGroup !== undefined) {
      resource = typeName;
      group = explicitGroup === 'core' ? '' : explicitGroup;
    } else {
      resource = typeName;
      group = '';
      notes.push(`"${typeName}" is not a built-in resource; assuming the core API group (write RESOURCE.GROUP for others)`);
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
