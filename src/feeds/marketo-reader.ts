/**
 * A feed's reads on the Marketo client: `pagingtoken.json`, then `activities.json` (1–10 type ids)
 * or `activities/leadchanges.json` (fields required), each page of at most 300 read as Marketo
 * sends it. An item's `id` is Marketo's activity id (the GUID's number when Marketo omits it).
 */
import type { FeedItem, FeedPage, FeedReader, FeedSpec } from './spec.js';

/** One activity record as the client returns it. */
interface ActivityRecord {
  id?: number;
  marketoGUID: string;
  leadId: number;
  activityDate: string;
  activityTypeId: number;
}

interface RecordPage {
  items: ActivityRecord[];
  nextPageToken: string;
  moreResult: boolean;
}

/** The client's activity calls a feed uses. */
export interface ActivityReads {
  getPagingToken(since: string | Date): Promise<string>;
  getActivitiesPage(request: {
    nextPageToken: string;
    activityTypeIds: readonly number[];
    batchSize?: number;
  }): Promise<RecordPage>;
  getLeadChangesPage(request: {
    nextPageToken: string;
    fields: readonly string[];
    listId?: number;
    batchSize?: number;
  }): Promise<RecordPage>;
}

/** Marketo's largest page: cursors index into pages of this size (keep it fixed). */
export const FEED_BATCH_SIZE = 300;

function toItems(page: RecordPage): FeedPage {
  const items: FeedItem[] = page.items.map((record) => ({
    ...record,
    id: record.id ?? Number(record.marketoGUID),
  }));
  return { items, nextPageToken: page.nextPageToken, moreResult: page.moreResult };
}

export function marketoFeedReader(client: ActivityReads, spec: FeedSpec): FeedReader {
  return {
    pagingToken: (since) => client.getPagingToken(since),
    page: async (nextPageToken) =>
      toItems(
        spec.kind === 'leadChanges'
          ? await client.getLeadChangesPage({
              nextPageToken,
              fields: spec.fields,
              ...(spec.listId !== undefined && { listId: spec.listId }),
              batchSize: FEED_BATCH_SIZE,
            })
          : await client.getActivitiesPage({
              nextPageToken,
              activityTypeIds: spec.typeIds,
              batchSize: FEED_BATCH_SIZE,
            }),
      ),
  };
}
