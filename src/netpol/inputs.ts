// Command-line values of the NetworkPolicy commands, checked once here so every command reads them alike.
import { UsageError } from '../errors.js';
import type { ClusterSnapshot, Protocol } from '../model/k8s.js';
import { parseIp } from './cidr.js';
import type { EndpointSpec } from './endpoints.js';

export function parsePort(text: string): number | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > 65535) throw new UsageError(`--port ${t} is out of range (1-65535)`);
    return n;
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(t) || t.length > 15) throw new UsageError(`--port "${text}" is neither a port number nor a port name`);
  return t;
}

export function parseProtocol(text: string | undefined): Protocol | undefined {
  if (text === undefined) return undefined;
  const p = text.toUpperCase();
  if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') throw new UsageError(`--protocol ${text} is not TCP, UDP or SCTP`);
  return p;
}

export function parseExternal(text: string): string {
  const ip = text.replace(/^ip:/i, '');
  if (!parseIp(ip)) throw new UsageError(`--external ${text} is not an IP address`);
  return ip;
}

/**
 * Which namespaces a live read needs for these endpoints: those they name, plus -n; endpoints without a
 * namespace live in -n's first namespace, or else the context's, which must then be read too.
 */
export function namespacesFor(endpoints: EndpointSpec[], flagNamespaces: string[] | undefined): { namespaces?: string[]; withContextNamespace: boolean } {
  const named = endpoints.flatMap((e) => (e.kind !== 'ip' && e.namespace ? [e.namespace] : []));
  const all = [...new Set([...(flagNamespaces ?? []), ...named])];
  const implicit = endpoints.some((e) => e.kind !== 'ip' && !e.namespace);
  return { namespaces: all.length > 0 ? all : undefined, withContextNamespace: implicit && !flagNamespaces?.length };
}

/**
 * The namespaces a command over many pods covers (matrix, audit, report): -A every one, -n those; else, read
 * live, the context's; from manifests, every one they hold. undefined = every namespace.
 */
export function coveredNamespaces(snapshot: ClusterSnapshot, flags: { namespace?: string[]; 'all-namespaces'?: boolean }): string[] | undefined {
  if (flags['all-namespaces']) return undefined;
  return flags.namespace ?? (snapshot.origin === 'live' ? [snapshot.defaultNamespace ?? 'default'] : undefined);
}

/** The namespace names without one refer to: -n, else the context's, else "default". */
export function defaultNamespace(snapshot: ClusterSnapshot, flagNamespaces: string[] | undefined): string {
  return flagNamespaces?.[0] ?? snapshot.defaultNamespace ?? 'default';
}

/**
 * Live clusters without an enforcement engine accept NetworkPolicies and ignore them. Manifests
 * (policyEngines undefined) say nothing about the network, so they get no warning.
 */
export function enforcementWarning(snapshot: ClusterSnapshot): string | undefined {
  if (snapshot.policyEngines === undefined || snapshot.policyEngines.length > 0) return undefined;
  return `warning: no NetworkPolicy enforcement engine (Calico, Cilium, Azure NPM, Antrea, …) found in ${snapshot.source}: verdicts describe what the policies say, not what the network does`;
}
