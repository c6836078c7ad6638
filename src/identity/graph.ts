// The user's full group list from Microsoft Graph, for tokens past the groups overage limit:
// POST /me/getMemberObjects for the IDs, then /directoryObjects/getByIds for display names when the
// token is permitted to read them. The caller supplies the Graph token (from the same account).
import { UnreachableError } from '../errors.js';
import { redact } from '../redact.js';

export type TokenProvider = () => Promise<string>;

export interface GraphOptions {
  /** e.g. https://graph.microsoft.com (no version segment) */
  baseUrl: string;
  token: TokenProvider;
  fetch?: typeof fetch;
}

/** Microsoft Graph for the cloud whose sign-in host is given; undefined for hosts we do not know. */
export function graphBaseUrlFor(authorityHost: string): string | undefined {
  const host = new URL(authorityHost).host.toLowerCase();
  if (host === 'login.microsoftonline.com') return 'https://graph.microsoft.com';
  if (host === 'login.microsoftonline.us') return 'https://graph.microsoft.us';
  if (host === 'login.chinacloudapi.cn') return 'https://microsoftgraph.chinacloudapi.cn';
  return undefined;
}

export interface DirectoryGroup {
  id: string;
  displayName?: string;
  /** group, directoryRole, administrativeUnit, … (from getByIds) */
  type?: string;
}

export interface ResolvedGroups {
  groups: DirectoryGroup[];
  /** false when Graph refused getByIds (the token lacks a directory-read permission) */
  namesResolved: boolean;
  note?: string;
}

export class GraphError extends UnreachableError {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

async function post(options: GraphOptions, path: string, body: unknown): Promise<Record<string, unknown>> {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1.0${path}`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await options.token()}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new UnreachableError(`cannot reach Microsoft Graph at ${options.baseUrl}: ${redact(String((err as Error).cause ?? (err as Error).message))}`, { cause: err });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new GraphError(res.status, `Microsoft Graph answered ${path} with HTTP ${res.status} and a body that is not JSON`);
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    const detail = error ? `${error.code ?? ''}${error.message ? `: ${error.message}` : ''}` : `HTTP ${res.status}`;
    throw new GraphError(res.status, redact(`Microsoft Graph refused ${path} (HTTP ${res.status}) ${detail}`.trim()));
  }
  return parsed as Record<string, unknown>;
}

/** Object IDs of every group (and directory role) the signed-in user belongs to, transitively. */
export async function getMemberObjects(options: GraphOptions): Promise<string[]> {
  // securityEnabledOnly=false: RBAC can bind Microsoft 365 groups too when the app emits all groups
  const body = await post(options, '/me/getMemberObjects', { securityEnabledOnly: false });
  const value = body.value;
  if (!Array.isArray(value)) throw new GraphError(200, 'Microsoft Graph answered getMemberObjects without a value list');
  return value.filter((v): v is string => typeof v === 'string');
}

const GET_BY_IDS_BATCH = 1000; // Graph's limit per getByIds call

export async function getByIds(options: GraphOptions, ids: string[]): Promise<DirectoryGroup[]> {
  const found: DirectoryGroup[] = [];
  for (let i = 0; i < ids.length; i += GET_BY_IDS_BATCH) {
    const body = await post(options, '/directoryObjects/getByIds', { ids: ids.slice(i, i + GET_BY_IDS_BATCH) });
    for (const item of Array.isArray(body.value) ? body.value : []) {
      if (!item || typeof item !== 'object' || typeof item.id !== 'string') continue;
      const odataType = typeof item['@odata.type'] === 'string' ? (item['@odata.type'] as string) : undefined;
      found.push({
        id: item.id,
        ...(typeof item.displayName === 'string' ? { displayName: item.displayName } : {}),
        ...(odataType ? { type: odataType.replace('#microsoft.graph.', '') } : {}),
      });
    }
  }
  return found;
}

/** Group IDs, with display names where Graph lets this token read them. */
export async function resolveGroups(options: GraphOptions): Promise<ResolvedGroups> {
  const ids = await getMemberObjects(options);
  if (ids.length === 0) return { groups: [], namesResolved: true };
  try {
    const byId = new Map((await getByIds(options, ids)).map((g) => [g.id, g]));
    return { groups: ids.map((id) => byId.get(id) ?? { id }), namesResolved: true };
  } catch (err) {
    if (err instanceof GraphError && (err.status === 401 || err.status === 403)) {
      return {
        groups: ids.map((id) => ({ id })),
        namesResolved: false,
        note: 'display names need a Graph permission such as GroupMember.Read.All or Directory.Read.All; showing object IDs',
      };
    }
    throw err;
  }
}
