// The HTTP client msal uses: every request is bounded, also the POSTs msal passes no timeout for.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryingNetworkClient } from '../../../src/auth/msal/network.js';

let silentServer: Server;
let url: string;
const held: Array<() => void> = [];

beforeAll(async () => {
  // accepts requests and never answers them, as a black-holed token endpoint does
  silentServer = createServer((_req, res) => held.push(() => res.destroy()));
  await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(silentServer.address() as AddressInfo).port}/tenant/oauth2/v2.0/token`;
});
afterAll(async () => {
  held.forEach((close) => close());
  silentServer.closeAllConnections();
  await new Promise<void>((r) => silentServer.close(() => r()));
});

const noSleep = () => Promise.resolve();

describe('RetryingNetworkClient bounds', () => {
  it('gives up on a POST that gets no answer within the per-request bound', async () => {
    const client = new RetryingNetworkClient(undefined, undefined, noSleep, { perRequestMs: 200 });
    await expect(client.sendPostRequestAsync(url, { body: 'grant_type=refresh_token' })).rejects.toMatchObject({
      errorCode: 'network_error',
      errorMessage: expect.stringMatching(/^127\.0\.0\.1:\d+ did not answer: no answer within 200 ms$/),
    });
  });

  it('says --timeout ran out when the deadline comes first', async () => {
    const client = new RetryingNetworkClient(undefined, undefined, noSleep, { perRequestMs: 60_000, deadline: Date.now() + 200 });
    await expect(client.sendPostRequestAsync(url, { body: '' })).rejects.toMatchObject({
      errorMessage: expect.stringMatching(/did not answer: the --timeout ran out waiting for its answer$/),
    });
  });

  it('sends nothing once the deadline has passed', async () => {
    const before = held.length;
    const client = new RetryingNetworkClient(undefined, undefined, noSleep, { perRequestMs: 60_000, deadline: Date.now() - 1 });
    await expect(client.sendGetRequestAsync(url)).rejects.toMatchObject({ errorCode: 'network_error' });
    expect(held.length).toBe(before);
  });
});
