// `can-reach me DESTINATION`: may I reach it through the API server? Three paths do that —
// port-forward (a TCP stream to any port of the pod), exec (a shell in it), and the API proxy (HTTP
// to a Service or pod) — and each is one RBAC request. Port-forward is the one that means "reach":
// it alone decides the verdict; the other two are reported beside it.
import type { AccessRequest } from './types.js';

export type ApiPath = 'port-forward' | 'exec' | 'proxy';

export const API_PATHS: { path: ApiPath; describe: string }[] = [
  { path: 'port-forward', describe: 'kubectl port-forward: a TCP stream to the pod through the API server and kubelet' },
  { path: 'exec', describe: 'kubectl exec: run a command inside the pod' },
  { path: 'proxy', describe: 'the API server proxy: HTTP to the Service or pod (kubectl proxy, /proxy URLs)' },
];

/** Said with every answer: this traffic never crosses the pod network the policies filter. */
export const NETWORK_POLICY_NOTE =
  'NetworkPolicies do not apply to port-forward, exec or proxy traffic: it reaches the pod through the API server and the kubelet on its node, not over the pod network the policies filter';

export interface ApiReachTarget {
  namespace: string;
  /** the pods behind the destination; undefined name = a workload template with no running pod */
  pods: { name?: string }[];
  /** set when the destination is a Service: proxy goes through services/proxy */
  service?: string;
}

export interface ApiReachCheck {
  path: ApiPath;
  /** the pod or Service the request names */
  object?: string;
  request: AccessRequest;
}

/**
 * The requests to ask about. Port-forward and exec are `create` on pods/portforward and pods/exec
 * (websocket upgrades since Kubernetes 1.30 need `create` too); proxy is `get` on services/proxy for a
 * Service, pods/proxy for a pod.
 */
export function apiReachChecks(target: ApiReachTarget): ApiReachCheck[] {
  const pods = target.pods.length > 0 ? target.pods : [{}];
  const onPod = (path: ApiPath, verb: string, subresource: string) =>
    pods.map((p): ApiReachCheck => ({
      path,
      ...(p.name ? { object: p.name } : {}),
      request: { kind: 'resource', verb, group: '', resource: 'pods', subresource, namespace: target.namespace, ...(p.name ? { name: p.name } : {}) },
    }));
  const proxy: ApiReachCheck[] = target.service
    ? [{ path: 'proxy', object: target.service, request: { kind: 'resource', verb: 'get', group: '', resource: 'services', subresource: 'proxy', namespace: target.namespace, name: target.service } }]
    : onPod('proxy', 'get', 'proxy');
  return [...onPod('port-forward', 'create', 'portforward'), ...onPod('exec', 'create', 'exec'), ...proxy];
}

export interface PathVerdict {
  path: ApiPath;
  /** allowed for every object it names (a Deployment's pods may differ when rules name pods) */
  allowed: boolean;
  /** objects it is denied for, when only some are */
  deniedFor: string[];
}

export function pathVerdicts(results: { check: ApiReachCheck; allowed: boolean }[]): PathVerdict[] {
  return API_PATHS.map(({ path }) => {
    const mine = results.filter((r) => r.check.path === path);
    const denied = mine.filter((r) => !r.allowed);
    return {
      path,
      allowed: mine.length > 0 && denied.length === 0,
      deniedFor: denied.length > 0 && denied.length < mine.length ? denied.map((r) => r.check.object ?? '(template)') : [],
    };
  });
}

/** The exit-code verdict: port-forward is what gives a connection to the destination's ports. */
export function reachVerdict(verdicts: PathVerdict[]): boolean {
  return verdicts.find((v) => v.path === 'port-forward')?.allowed ?? false;
}
