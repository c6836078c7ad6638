// Lists read page by page, as kubectl does (`limit=500`, then `continue` until the server sends no
// token): a large cluster's pod list is never one response the API server must build in memory, and
// the API server's own list limits never cut it short.
import { httpStatusOf } from './kubeconfig.js';

/** kubectl's default chunk size (--chunk-size). */
export const PAGE_SIZE = 500;

/** The paging parameters of every client-node list call. */
export interface Page {
  limit: number;
  _continue?: string;
}

export interface ListPage<T> {
  items: T[] | null;
  metadata?: { _continue?: string };
}

/**
 * Every item of a list, each converted as its page arrives: the page's client-node objects are dropped
 * before the next page is asked for, so a 20,000-pod list is never held twice (client-node's form and
 * ours) at once. A continue token that expired mid-way (410 Gone: the server compacted the revision the
 * list started at) restarts the list once from the beginning, so the items stay one consistent
 * snapshot; a second expiry is the caller's error.
 */
export async function listAll<T, R>(call: (page: Page) => Promise<ListPage<T>>, convert: (item: T) => R, limit = PAGE_SIZE): Promise<R[]> {
  for (let attempt = 1; ; attempt++) {
    const items: R[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await call({ limit, ...(token ? { _continue: token } : {}) });
        for (const item of page.items ?? []) items.push(convert(item));
        const next = page.metadata?._continue || undefined;
        // a server that hands back the token it was given would loop forever
        token = next !== token ? next : undefined;
      } while (token);
      return items;
    } catch (err) {
      if (attempt === 1 && token && httpStatusOf(err) === 410) continue;
      throw err;
    }
  }
}
