import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { listAll, PAGE_SIZE, type Page } from '../../../src/cluster/paging.js';

/** A list endpoint over `total` numbers that pages like kube-apiserver; `expireAt` makes one token expire once. */
function endpoint(total: number, opts: { expireAt?: number; stuck?: boolean } = {}) {
  const calls: Page[] = [];
  let expired = false;
  const call = async (page: Page) => {
    calls.push(page);
    const start = page._continue ? Number(page._continue) : 0;
    if (opts.expireAt !== undefined && start === opts.expireAt && !expired) {
      expired = true;
      throw new ApiException(410, 'Gone', { kind: 'Status', reason: 'Expired', message: 'The provided continue parameter is too old' }, {});
    }
    const end = Math.min(total, start + page.limit);
    const items = Array.from({ length: end - start }, (_, i) => start + i);
    return { items, metadata: end < total ? { _continue: opts.stuck ? page._continue ?? String(end) : String(end) } : {} };
  };
  return { call, calls };
}

const same = <T>(x: T) => x;

describe('listAll', () => {
  it('asks for 500 at a time, as kubectl does, and follows continue until the server stops sending it', async () => {
    const { call, calls } = endpoint(1201);
    const items = await listAll(call, same);
    expect(items).toHaveLength(1201);
    expect(new Set(items).size).toBe(1201);
    expect(calls).toEqual([{ limit: PAGE_SIZE }, { limit: PAGE_SIZE, _continue: '500' }, { limit: PAGE_SIZE, _continue: '1000' }]);
  });

  it('one page when everything fits; items: null reads as an empty page', async () => {
    expect(await listAll(async () => ({ items: null, metadata: {} }), same)).toEqual([]);
    const { call, calls } = endpoint(3);
    expect(await listAll(call, same)).toEqual([0, 1, 2]);
    expect(calls).toHaveLength(1);
  });

  it('a continue token that expired mid-way (410) restarts the list once, so the items are one consistent list', async () => {
    const { call, calls } = endpoint(1100, { expireAt: 1000 });
    const items = await listAll(call, same);
    expect(items).toHaveLength(1100);
    expect(calls.map((c) => c._continue ?? 'start')).toEqual(['start', '500', '1000', 'start', '500', '1000']);
  });

  it('a server that returns the token it was given does not loop forever', async () => {
    const { call, calls } = endpoint(2000, { stuck: true });
    await listAll(call, same);
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it('converts each page as it arrives, before the next page is asked for, so the raw objects are never all held at once', async () => {
    const { call, calls } = endpoint(1201);
    const log: string[] = [];
    const items = await listAll(
      async (page) => {
        log.push(`request ${calls.length + 1}`);
        return call(page);
      },
      (n) => {
        if (n % 500 === 0) log.push(`convert page starting at ${n}`);
        return `item-${n}`;
      },
    );
    expect(log).toEqual(['request 1', 'convert page starting at 0', 'request 2', 'convert page starting at 500', 'request 3', 'convert page starting at 1000']);
    expect(items).toHaveLength(1201);
    expect(items[1200]).toBe('item-1200');
  });
});
