// RFC 8628 §3.5 around msal's device code loop: the pieces a wrong server answer reaches.
import { describe, expect, it } from 'vitest';
import { ClientAuthError, ClientAuthErrorCodes, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { DeviceCodePolling, pollingInterval } from '../../../src/auth/msal/device-code-polling.js';

describe('the polling interval', () => {
  it('is 5 s when the server names none or nonsense, never below 1 s, else as given', () => {
    expect(pollingInterval(undefined)).toBe(5);
    expect(pollingInterval(0)).toBe(5);
    expect(pollingInterval(-3)).toBe(5);
    expect(pollingInterval('soon')).toBe(5);
    expect(pollingInterval(0.01)).toBe(1);
    expect(pollingInterval('7')).toBe(7);
    expect(pollingInterval(15)).toBe(15);
  });
});

describe('polling answers', () => {
  const POLL = { body: 'client_id=c&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC', headers: {} };
  function polling(answers: (NetworkResponse<unknown> | Error)[]) {
    const slept: number[] = [];
    const inner: INetworkModule = {
      sendGetRequestAsync: () => Promise.reject(new Error('no GET expected')),
      sendPostRequestAsync: <T,>(_url: string, options?: { body?: string }) => {
        if (!options?.body?.includes('grant_type')) return Promise.resolve({ headers: {}, status: 200, body: { device_code: 'DC', user_code: 'U', interval: 0, expires_in: 900 } as T });
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as NetworkResponse<T>);
      },
    };
    const client = new DeviceCodePolling(inner, undefined, async (ms) => void slept.push(ms));
    return { client, slept };
  }

  it('hands msal an interval of at least a second, and slow_down as "keep polling" with 5 s more for every later poll', async () => {
    const { client, slept } = polling([
      { headers: {}, status: 400, body: { error: 'slow_down' } },
      { headers: {}, status: 400, body: { error: 'authorization_pending' } },
      { headers: {}, status: 400, body: { error: 'slow_down' } },
      { headers: {}, status: 200, body: { access_token: 'a', token_type: 'Bearer' } },
    ]);
    const code = await client.sendPostRequestAsync<{ interval: number }>('https://x/devicecode', { body: 'client_id=c&scope=s', headers: {} });
    expect(code.body.interval).toBe(5);
    expect((await client.sendPostRequestAsync<{ error: string }>('https://x/token', POLL)).body.error).toBe('authorization_pending');
    expect((await client.sendPostRequestAsync<{ error: string }>('https://x/token', POLL)).body.error).toBe('authorization_pending');
    expect((await client.sendPostRequestAsync<{ error: string }>('https://x/token', POLL)).body.error).toBe('authorization_pending');
    expect((await client.sendPostRequestAsync<{ access_token: string }>('https://x/token', POLL)).body.access_token).toBe('a');
    expect(slept).toEqual([5_000, 5_000, 10_000]);
  });

  it('an unreadable answer or a lost connection backs off and keeps polling; a real refusal still ends it', async () => {
    const { client, slept } = polling([
      new ClientAuthError(ClientAuthErrorCodes.tokenParsingError, 'unreadable'),
      new ClientAuthError(ClientAuthErrorCodes.networkError, 'reset'),
      { headers: {}, status: 503, body: { error: 'temporarily_unavailable' } },
      { headers: {}, status: 400, body: { error: 'authorization_declined' } },
    ]);
    await client.sendPostRequestAsync('https://x/devicecode', { body: 'client_id=c', headers: {} });
    for (let i = 0; i < 3; i++) expect((await client.sendPostRequestAsync<{ error: string }>('https://x/token', POLL)).body.error).toBe('authorization_pending');
    expect((await client.sendPostRequestAsync<{ error: string }>('https://x/token', POLL)).body.error).toBe('authorization_declined');
    expect(slept).toEqual([5_000, 10_000, 20_000]);
  });
});
