/**
 * What a feed follows (its spec) and the Marketo reads it needs (`FeedReader`): a paging token for
 * a date, and one page from a token. A spec is one distinct feed: subscribers with the same spec
 * share one poller, fleet-wide.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';

/** One activity as the feed carries it (the Marketo record itself, with these fields at least). */
export interface FeedItem {
  id: number;
  leadId: number;
  activityDate: string;
  activityTypeId: number;
}

export type FeedSpec =
  | { kind: 'leadChanges'; fields: string[]; listId?: number }
  | { kind: 'activities'; typeIds: number[] };

export interface FeedPage {
  items: FeedItem[];
  /** Where the next page starts (Marketo always returns one). */
  nextPageToken: string;
  /** More pages are ready now (a page may be short or empty while this is true). */
  moreResult: boolean;
}

/** The two Marketo calls a feed makes, bound to one spec. */
export interface FeedReader {
  pagingToken(since: Date): Promise<string>;
  page(token: string): Promise<FeedPage>;
}

/** At most this many activity type ids per Marketo call: a feed is one call per page. */
export const MAX_FEED_TYPES = 10;

/** The spec with its lists sorted and deduplicated (the same feed however it was asked for). */
export function normaliseSpec(spec: FeedSpec): FeedSpec {
  const sorted = <T extends string | number>(values: readonly T[]) =>
    [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (spec.kind === 'leadChanges') {
    const fields = sorted(spec.fields);
    if (fields.length === 0) throw new InputError('fields', 'at least one field is required');
    return {
      kind: 'leadChanges',
      fields,
      ...(spec.listId !== undefined && { listId: spec.listId }),
    };
  }
  const typeIds = sorted(spec.typeIds);
  if (typeIds.length === 0) throw new InputError('types', 'at least one activity type is required');
  if (typeIds.length > MAX_FEED_TYPES) {
    throw new InputError('types', `a feed follows at most ${MAX_FEED_TYPES} activity types`);
  }
  return { kind: 'activities', typeIds };
}

/** A short stable key naming the feed of a (normalised) spec. */
export function specKey(spec: FeedSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('base64url').slice(0, 22);
}
