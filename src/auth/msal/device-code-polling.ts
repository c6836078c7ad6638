// Device code polling as RFC 8628 §3.5 asks, around msal-node's own loop. msal 7.2.1 polls at the
// interval of the first answer, keeps polling only on `authorization_pending` and throws on anything
// else: a `slow_down` ended the sign-in, an `interval` of 0 polled ~77 times a second, and one
// unreadable answer (a proxy's error page, a cut connection) ended it too. msal's only extension point
// here is its network module, so this one sits between msal and the HTTP client:
//  - the device authorization answer's interval is made sane before msal reads it: 5 s when missing or
//    not a positive number (the RFC's default), never below a floor;
//  - `slow_down` adds 5 s to every later poll (msal waits its interval; the extra is waited here) and is
//    handed to msal as `authorization_pending`, so it keeps polling;
//  - an unreadable answer, a transport failure, 429/5xx or `temporarily_unavailable` waits with
//    exponential backoff and keeps polling.
// msal's loop still ends the polling: at the device code's expiry, at --timeout, on cancel, and on every
// other error (declined, expired, bad code). A device code request Entra refuses is reported as the
// refusal it is. Other requests pass through untouched.
import { ClientAuthError, ClientAuthErrorCodes, ServerError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';

/** msal sends Entra's short form; the RFC's URN means the same */
const DEVICE_CODE_GRANTS = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);
/** RFC 8628 §3.2: the interval when the server names none */
export const DEFAULT_INTERVAL_S = 5;
/** the shortest interval taken from a server: anything faster is a broken or hostile answer */
export const MIN_INTERVAL_S = 1;
/** RFC 8628 §3.5: each slow_down adds 5 seconds */
export const SLOW_DOWN_STEP_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;

interface PollState {
  /** what msal waits between polls (the interval we gave it) */
  intervalMs: number;
  /** added by slow_down, waited here before msal waits its interval */
  extraMs: number;
  /** consecutive transient failures */
  failures: number;
}

/** The interval (seconds) to poll at, from the device authorization answer's `interval`. */
export function pollingInterval(given: unknown): number {
  const seconds = typeof given === 'string' && given.trim() !== '' ? Number(given) : given;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return DEFAULT_INTERVAL_S;
  return Math.max(MIN_INTERVAL_S, seconds);
}

/**
 * A timer that holds the process: while msal awaits a poll nothing else may (an unref'd wait let Node
 * exit 0 mid-sign-in with nothing printed). A sign-in given up ends with process.exit, timers or not.
 */
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const TRANSIENT_ERRORS = new Set(['temporarily_unavailable', 'server_error']);

export class DeviceCodePolling implements INetworkModule {
  readonly #polls = new Map<string, PollState>();

  constructor(
    private readonly inner: INetworkModule,
    private readonly debug: (message: string) => void = () => undefined,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.inner.sendGetRequestAsync<T>(url, options, timeout);
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const params = new URLSearchParams(typeof options?.body === 'string' ? options.body : '');
    if (DEVICE_CODE_GRANTS.has(params.get('grant_type') ?? '')) return this.poll<T>(url, options, params.get('device_code') ?? '');
    const response = await this.inner.sendPostRequestAsync<T>(url, options);
    const body = response.body as Record<string, unknown> | undefined;
    if (!params.has('grant_type') && new URL(url).pathname.endsWith('/devicecode') && (typeof body?.device_code !== 'string' || typeof body?.user_code !== 'string')) {
      // msal reads this answer without looking at its status: a refusal became the instruction
      // "undefined" and a later bad_verification_code. Say what Entra said instead.
      const error = typeof body?.error === 'string' ? body.error : 'invalid_response';
      const description = typeof body?.error_description === 'string' ? body.error_description : `the device code request got HTTP ${response.status} without a device code`;
      const codes = Array.isArray(body?.error_codes) ? body.error_codes : [];
      throw new ServerError(error, '', description, undefined, codes.length ? String(codes[0]) : undefined, response.status);
    }
    if (!params.has('grant_type') && body && typeof body === 'object' && typeof body.device_code === 'string' && typeof body.user_code === 'string') {
      const interval = pollingInterval(body.interval);
      if (interval !== body.interval) this.debug(`device code: the server's polling interval ${JSON.stringify(body.interval)} taken as ${interval}s`);
      this.#polls.set(body.device_code, { intervalMs: interval * 1000, extraMs: 0, failures: 0 });
      return { ...response, body: { ...body, interval } as T };
    }
    return response;
  }

  private async poll<T>(url: string, options: NetworkRequestOptions | undefined, deviceCode: string): Promise<NetworkResponse<T>> {
    let state = this.#polls.get(deviceCode);
    if (!state) this.#polls.set(deviceCode, (state = { intervalMs: DEFAULT_INTERVAL_S * 1000, extraMs: 0, failures: 0 }));
    let response: NetworkResponse<T>;
    try {
      response = await this.inner.sendPostRequestAsync<T>(url, options);
    } catch (err) {
      const code = (err as { errorCode?: string }).errorCode;
      if (!(err instanceof ClientAuthError) || (code !== ClientAuthErrorCodes.networkError && code !== ClientAuthErrorCodes.tokenParsingError)) throw err;
      return this.keepPolling<T>(state, `${(err as Error).message}`);
    }
    const body = response.body as Record<string, unknown> | undefined;
    const error = body && typeof body === 'object' ? body.error : undefined;
    if (error === 'slow_down') {
      state.extraMs += SLOW_DOWN_STEP_MS;
      state.failures = 0;
      this.debug(`device code: slow_down; polling every ${(state.intervalMs + state.extraMs) / 1000}s from now on`);
      await this.sleep(state.extraMs);
      return pending<T>(response.headers, 'slow_down');
    }
    const unreadable = !body || typeof body !== 'object' || (error === undefined && typeof body.access_token !== 'string' && typeof body.id_token !== 'string');
    if (unreadable || response.status === 429 || response.status >= 500 || (typeof error === 'string' && TRANSIENT_ERRORS.has(error))) {
      return this.keepPolling<T>(state, unreadable ? `an answer without a token or an error (HTTP ${response.status})` : `HTTP ${response.status}${error ? ` ${String(error)}` : ''}`);
    }
    state.failures = 0;
    if (error === 'authorization_pending' && state.extraMs) await this.sleep(state.extraMs);
    return response;
  }

  /** RFC 8628 §3.5: back off exponentially on a failed poll, and poll again. */
  private async keepPolling<T>(state: PollState, what: string): Promise<NetworkResponse<T>> {
    state.failures++;
    const backoff = Math.min(MAX_BACKOFF_MS, state.intervalMs * 2 ** (state.failures - 1));
    this.debug(`device code: poll failed (${what}); polling again in ${Math.round((backoff + state.extraMs + state.intervalMs) / 1000)}s`);
    await this.sleep(backoff + state.extraMs);
    return pending<T>({}, what);
  }
}

/** What msal reads as "keep polling". */
function pending<T>(headers: Record<string, string>, why: string): NetworkResponse<T> {
  return { headers, status: 400, body: { error: 'authorization_pending', error_description: `kubectl-np: keep polling (${why})` } as T };
}
