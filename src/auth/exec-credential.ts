// The client-go exec credential protocol: kubectl describes the call in KUBERNETES_EXEC_INFO and reads
// exactly one ExecCredential from our stdout. Kept free of heavy imports: the fast path uses it.
import { UsageError } from '../errors.js';

export const EXEC_V1 = 'client.authentication.k8s.io/v1';
export const EXEC_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const SUPPORTED = [EXEC_V1, EXEC_V1BETA1];

/**
 * kubectl is told a token expires this much earlier than it does, so a request never leaves with a
 * token that expires in flight.
 */
export const REPORTED_EXPIRY_MARGIN_MS = 60_000;

export interface ExecInfo {
  apiVersion: string;
  /** what kubectl said; undefined when it said nothing (no KUBERNETES_EXEC_INFO, or an old v1beta1 client) */
  interactive: boolean | undefined;
}

/**
 * Without KUBERNETES_EXEC_INFO (a person running get-token by hand, or a client older than 1.20) we
 * answer v1beta1, as Azure/kubelogin does: every client that omits the variable understands it.
 */
export function parseExecInfo(raw: string | undefined): ExecInfo {
  if (raw === undefined || raw.trim() === '') return { apiVersion: EXEC_V1BETA1, interactive: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UsageError('KUBERNETES_EXEC_INFO is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw new UsageError('KUBERNETES_EXEC_INFO is not a JSON object');
  const info = parsed as { apiVersion?: unknown; spec?: { interactive?: unknown } };
  const apiVersion = info.apiVersion === undefined || info.apiVersion === '' ? EXEC_V1BETA1 : info.apiVersion;
  if (typeof apiVersion !== 'string' || !SUPPORTED.includes(apiVersion)) {
    throw new UsageError(`unsupported ExecCredential apiVersion ${JSON.stringify(apiVersion)} (supported: ${SUPPORTED.join(', ')})`);
  }
  const interactive = typeof info.spec?.interactive === 'boolean' ? info.spec.interactive : undefined;
  return { apiVersion, interactive };
}

/** RFC 3339 in UTC without fractional seconds, the form client-go's metav1.Time writes. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The single line get-token prints: an ExecCredential in the apiVersion kubectl asked for. */
export function execCredentialJson(info: ExecInfo, token: string, expiresOnMs: number): string {
  const credential: Record<string, unknown> = { kind: 'ExecCredential', apiVersion: info.apiVersion };
  if (info.interactive !== undefined) credential.spec = { interactive: info.interactive };
  credential.status = { token, expirationTimestamp: rfc3339(expiresOnMs - REPORTED_EXPIRY_MARGIN_MS) };
  return JSON.stringify(credential) + '\n';
}
