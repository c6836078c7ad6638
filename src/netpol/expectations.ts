// `test`: declared connectivity expectations (kind ConnectivityExpectations, docs/connectivity-expectations.md)
// checked against a snapshot. Pure: the command parses the YAML and hands over plain data.
import { UsageError } from '../errors.js';
import type { ClusterSnapshot, Protocol } from '../model/k8s.js';
import { canReach, type ConnectionGroup } from './can-reach.js';
import { parseEndpoint, resolveEndpoint } from './endpoints.js';
import type { PolicyEngine } from './engine.js';
import { ruleRefText } from './describe.js';
import type { PolicyTrace, SideTrace } from './types.js';

export const EXPECTATIONS_API_VERSION = 'kubectl-np/v1';
export const EXPECTATIONS_KIND = 'ConnectivityExpectations';

export interface Expectation {
  /** the file it came from and its index in `expect`, for messages */
  file: string;
  index: number;
  name?: string;
  from: string;
  to: string;
  port?: number | string;
  protocol?: Protocol;
  allowed: boolean;
}

export interface ExpectationResult {
  expectation: Expectation;
  passed: boolean;
  /** the verdict found; undefined when the endpoints could not be resolved */
  actual?: boolean;
  /** one line: the deciding policy and rule, or why there is no verdict */
  reason: string;
  /** the verdict depends on what could not be read or evaluated: neither held nor broken */
  cannotTell?: boolean;
}

const FIELDS = new Set(['name', 'from', 'to', 'port', 'protocol', 'allowed']);

function typeName(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x;
}

/** Reads one parsed expectations document; anything off the documented shape is a one-line UsageError. */
export function parseExpectations(doc: unknown, file: string): Expectation[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${file}: expected a ${EXPECTATIONS_KIND} document, found ${typeName(doc)}`);
  const d = doc as Record<string, unknown>;
  if (d.apiVersion !== EXPECTATIONS_API_VERSION || d.kind !== EXPECTATIONS_KIND) {
    throw new UsageError(`${file}: expected apiVersion ${EXPECTATIONS_API_VERSION} and kind ${EXPECTATIONS_KIND}, found ${String(d.apiVersion)} ${String(d.kind)}`);
  }
  if (!Array.isArray(d.expect) || d.expect.length === 0) throw new UsageError(`${file}: "expect" must be a non-empty list of expectations`);
  return d.expect.map((raw, index): Expectation => {
    const at = `${file}: expect[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${at}: expected a map, found ${typeName(raw)}`);
    const e = raw as Record<string, unknown>;
    const unknown = Object.keys(e).find((k) => !FIELDS.has(k));
    if (unknown) throw new UsageError(`${at}: unknown field "${unknown}" (fields: ${[...FIELDS].join(', ')})`);
    for (const key of ['from', 'to'] as const) {
      if (typeof e[key] !== 'string' || e[key] === '') throw new UsageError(`${at}: "${key}" must be an endpoint ([NAMESPACE/]KIND/NAME or ip:ADDRESS)`);
      try {
        parseEndpoint(e[key] as string);
      } catch (err) {
        throw new UsageError(`${at}: ${(err as Error).message}`);
      }
    }
    if (typeof e.allowed !== 'boolean') throw new UsageError(`${at}: "allowed" must be true or false`);
    if (e.name !== undefined && typeof e.name !== 'string') throw new UsageError(`${at}: "name" must be a string`);
    let port: number | string | undefined;
    if (e.port !== undefined) {
      if (typeof e.port === 'number' && Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535) port = e.port;
      else if (typeof e.port === 'string' && /^\d+$/.test(e.port)) port = Number(e.port);
      else if (typeof e.port === 'string' && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(e.port) && e.port.length <= 15) port = e.port;
      else throw new UsageError(`${at}: "port" must be a number 1-65535 or a port name, found ${JSON.stringify(e.port)}`);
    }
    let protocol: Protocol | undefined;
    if (e.protocol !== undefined) {
      const p = typeof e.protocol === 'string' ? e.protocol.toUpperCase() : '';
      if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') throw new UsageError(`${at}: "protocol" must be TCP, UDP or SCTP`);
      protocol = p;
    }
    return { file, index, name: e.name as string | undefined, from: e.from as string, to: e.to as string, port, protocol, allowed: e.allowed };
  });
}

/** The expectation as one line: "frontend → payments/svc/payments TCP 443 denied". */
export function expectationText(e: Expectation): string {
  const port =
    e.port === undefined ? `every declared${e.protocol ? ` ${e.protocol}` : ''} port` : typeof e.port === 'number' ? `${e.protocol ?? 'TCP'} ${e.port}` : `${e.protocol ? `${e.protocol} ` : ''}port ${e.port}`;
  return `${e.name ? `${e.name}: ` : ''}${e.from} → ${e.to} ${port}`;
}

function sideText(side: SideTrace, peer: string): string {
  const where = `${side.direction === 'egress' ? 'egress from' : 'ingress to'} ${side.subject ?? peer}`;
  const allowing = side.policies.filter((p) => p.allowed);
  const title = (p: PolicyTrace) => `${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  // a rule of another kind decided (an AdminNetworkPolicy, a Cilium deny, a Calico tier…); a NetworkPolicy that allows wins the telling
  if (side.decidedBy && !(side.allowed && allowing.some((p) => !p.kind))) return `${where} ${side.allowed ? 'allowed' : 'denied'} by ${ruleRefText(side.decidedBy)}`;
  if (!side.isolated) return `${where} is not isolated`;
  if (allowing.length > 0) return `${where} allowed by ${allowing.map((p) => `${title(p)} rule #${p.rule}`).join(', ')}`;
  const policies = side.policies.map(title);
  return `${where} denied: selected by ${policies.join(', ')}, and none allows it${side.policies.length === 1 ? ` (${side.policies[0].summary})` : ''}`;
}

/** One line naming what decided a connection: the denying side(s), else the allowing rules of both sides. */
export function decidingText(c: Pick<ConnectionGroup, 'egress' | 'ingress' | 'sources' | 'destinations'>): string {
  const sides = [c.egress, c.ingress].filter((s) => !s.skipped);
  const denied = sides.filter((s) => !s.allowed);
  const shown = denied.length > 0 ? denied : sides;
  const peer = (s: SideTrace) => (s.direction === 'egress' ? c.sources[0] : c.destinations[0]);
  return shown.map((s) => sideText(s, peer(s))).join('; ');
}

export function checkExpectations(snapshot: ClusterSnapshot, engine: PolicyEngine, expectations: Expectation[], defaultNamespace: string): ExpectationResult[] {
  return expectations.map((expectation) => {
    let result;
    try {
      const from = resolveEndpoint(snapshot, parseEndpoint(expectation.from), defaultNamespace);
      const to = resolveEndpoint(snapshot, parseEndpoint(expectation.to), defaultNamespace);
      result = canReach(engine, from, to, { port: expectation.port, protocol: expectation.protocol });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return { expectation, passed: false, reason: `no verdict: ${err.message}` };
    }
    // a verdict that depends on what could not be read or evaluated neither passes nor fails by luck
    if (result.cannotTell) return { expectation, passed: false, cannotTell: true, reason: `cannot tell: depends on ${result.cannotTell.map((u) => u.what).join('; ')}` };
    const c = result.deciding;
    const reason = c ? decidingText(c) : result.notes[0] ?? 'no connection to judge';
    return { expectation, passed: result.allowed === expectation.allowed, actual: result.allowed, reason };
  });
}
