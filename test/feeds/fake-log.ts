/**
 * An activity log with Marketo's paging rules (token = position, pages of `pageSize`, `moreResult`
 * while items remain), for unit tests of the feed machinery; the sandbox tests cover the wire.
 */
import type { FeedItem, FeedReader } from '../../src/feeds/spec.js';

export class FakeLog {
  readonly items: FeedItem[] = [];
  pageCalls = 0;
  tokenCalls = 0;
  private nextId = 1000;
  /** Second-precision clock that advances one second every `perSecond` items. */
  private count = 0;

  constructor(
    private readonly pageSize = 5,
    private readonly perSecond = 3,
  ) {}

  append(n: number): FeedItem[] {
    const added: FeedItem[] = [];
    for (let k = 0; k < n; k++) {
      const second = Math.floor(this.count++ / this.perSecond);
      const item: FeedItem = {
        id: this.nextId++,
        leadId: 1 + (k % 7),
        activityTypeId: 13,
        activityDate: new Date(Date.UTC(2026, 11, 1) + second * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      };
      this.items.push(item);
      added.push(item);
    }
    return added;
  }

  reader(): FeedReader {
    return {
      pagingToken: async (since) => {
        this.tokenCalls++;
        const iso = since.toISOString().replace(/\.\d{3}Z$/, 'Z');
        const at = this.items.findIndex((item) => item.activityDate >= iso);
        return `p${at < 0 ? this.items.length : at}`;
      },
      page: async (token) => {
        this.pageCalls++;
        const at = Number(token.slice(1));
        const items = this.items.slice(at, at + this.pageSize);
        const next = at + items.length;
        return { items, nextPageToken: `p${next}`, moreResult: next < this.items.length };
      },
    };
  }
}
