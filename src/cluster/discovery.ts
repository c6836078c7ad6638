// The server's resource types from API discovery (/api/v1 and the preferred version of each group in
// /apis), so names resolve as `kubectl auth can-i` resolves them: every built-in type of the server's
// version, CRDs and aggregated APIs included. Cached on disk per server for 6 hours like kubectl's
// discovery cache ($KUBECACHEDIR or ~/.kube/cache), and read again when a name is not in the cached copy,
// as kubectl does when a type is missing. When discovery cannot be read the caller falls back to the
// built-in table (src/rbac/resources.ts) and says so.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApisApi, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1APIResourceList } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, isUnknownResource, parseAccessRequest, type AccessRequestInput, type KnownResource, type ParsedAccessRequest } from '../rbac/resources.js';
import { apiErrorMessage, httpStatusOf, makeApiClient, toClusterError } from './kubeconfig.js';

/** kubectl's discovery cache lifetime. */
export const DISCOVERY_TTL_MS = 6 * 3600_000;

interface CacheFile {
  server: string;
  fetchedAt: number;
  resources: KnownResource[];
}

function cacheFile(server: string, env: NodeJS.ProcessEnv): string {
  const base = env.KUBECACHEDIR || join(homedir(), '.kube', 'cache');
  // kubectl names its directory host_port the same way
  const hostPort = new URL(server).host.replace(/[^a-zA-Z0-9.-]/g, '_');
  return join(base, 'kubectl-np', 'discovery', hostPort, 'resources.json');
}

function readCache(file: string, server: string, now: number): KnownResource[] | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (cached.server !== server || !Array.isArray(cached.resources) || now - cached.fetchedAt > DISCOVERY_TTL_MS || now < cached.fetchedAt) return undefined;
    return cached.resources;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, content: CacheFile): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(content), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs the next run a few requests
  }
}

function resourcesOf(list: V1APIResourceList | undefined, group: string): KnownResource[] {
  const all = list?.resources ?? [];
  return all
    .filter((res) => !res.name.includes('/')) // subresources are asked with --subresource
    .map((res) => ({
      resource: res.name,
      group,
      namespaced: res.namespaced,
      aliases: [...new Set([res.singularName || res.kind.toLowerCase(), ...(res.shortNames ?? [])].filter((a) => a && a !== res.name))],
    }));
}

/** Reads discovery from the server: the core group first, then each group's preferred version in the server's order. */
export async function fetchResources(kc: KubeConfig): Promise<KnownResource[]> {
  const [core, groups] = await Promise.all([makeApiClient(kc, CoreV1Api).getAPIResources(), makeApiClient(kc, ApisApi).getAPIVersions()]);
  const custom = makeApiClient(kc, CustomObjectsApi);
  const lists = await Promise.all(
    (groups.groups ?? []).map(async (g) => {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      if (!version) return [];
      try {
        return resourcesOf(await custom.getAPIResources({ group: g.name, version }), g.name);
      } catch {
        // an aggregated API whose backend is down (metrics.k8s.io …) answers 503; kubectl skips it too
        return [];
      }
    }),
  );
  return [...resourcesOf(core, ''), ...lists.flat()];
}

export interface DiscoveredResources {
  resources: KnownResource[];
  source: 'discovery' | 'builtin';
  /** why the built-in table is used */
  fallbackReason?: string;
}

export interface DiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  now?: number;
  /** skip the cache (a name was not in it) */
  refresh?: boolean;
}

/** The server's resource types (cached), or the built-in table with the reason discovery failed. */
export async function discoverResources(kc: KubeConfig, opts: DiscoveryOptions = {}): Promise<DiscoveredResources> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const now = opts.now ?? Date.now();
  const file = server ? cacheFile(server, opts.env ?? process.env) : undefined;
  if (file && !opts.refresh) {
    const cached = readCache(file, server, now);
    if (cached) return { resources: cached, source: 'discovery' };
  }
  try {
    const resources = await fetchResources(kc);
    if (file) writeCache(file, { server, fetchedAt: now, resources });
    return { resources, source: 'discovery' };
  } catch (err) {
    const status = httpStatusOf(err);
    // an unreachable server or rejected credentials fail every later request too: say so once, now
    if (status === undefined || status === 401) throw toClusterError(err, kc, "reading the API server's resource types (discovery)");
    const why = `HTTP ${status}${apiErrorMessage(err) ? `: ${apiErrorMessage(err)}` : ''}`;
    return { resources: BUILTIN_RESOURCES, source: 'builtin', fallbackReason: why };
  }
}

/**
 * `parseAccessRequest` over the server's resource types, as `kubectl auth can-i` resolves names: a name
 * missing from the cached discovery is looked up once more in fresh discovery before it is called unknown.
 */
export async function resolveAccessRequest(kc: KubeConfig, input: AccessRequestInput, opts: DiscoveryOptions = {}): Promise<ParsedAccessRequest> {
  let discovered = await discoverResources(kc, opts);
  if (discovered.source === 'discovery' && !opts.refresh && isUnknownResource(input.target, discovered.resources)) {
    discovered = await discoverResources(kc, { ...opts, refresh: true });
  }
  const parsed = parseAccessRequest(input, discovered.resources, discovered.source);
  if (discovered.source === 'builtin') {
    parsed.notes.unshift(`could not read the server's resource types (${discovered.fallbackReason}); resolved "${input.target}" with the built-in table of Kubernetes 1.32 types`);
  }
  return parsed;
}
