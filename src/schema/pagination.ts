/**
 * Relay-style connections over Marketo's forward-only `nextPageToken` paging. The cursor after the
 * last item of a Marketo page is Marketo's `nextPageToken` itself (and any Marketo token is accepted
 * as `after`); a cursor after any other edge names (page token, offset into that page), so paging
 * can resume after any edge.
 */
import type { ArgBuilder, SchemaTypes } from '@pothos/core';
import { InputError } from '../errors.js';
import type { Page, PageRequest } from '../marketo/api.js';
import { marketoCost } from '../security/marketo-cost.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 300;

/** A connection reads one Marketo page of at most `first` items. */
export const PAGE_COST = marketoCost({
  calls: 1,
  items: (args) => Math.min(MAX_PAGE_SIZE, Number(args.first ?? DEFAULT_PAGE_SIZE) || 0),
});

interface Position {
  /** Marketo page token the position is relative to (absent: the first page). */
  t?: string;
  /** Items of that page already consumed. */
  o: number;
}

export interface ConnectionArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
}

/**
 * A connection's paging arguments: `first` and `after` only. Marketo pages forward only, so a
 * `last`/`before` (what Pothos's `t.connection` adds) could only ever be refused.
 */
export function forwardPagingArgs<Types extends SchemaTypes>(arg: ArgBuilder<Types>) {
  return {
    first: arg.int({
      required: false,
      description: `Items in the page: ${DEFAULT_PAGE_SIZE} unless given, at most ${MAX_PAGE_SIZE}.`,
    }),
    after: arg.string({
      required: false,
      description: "The page after this cursor (an edge's, or `pageInfo.endCursor`).",
    }),
  };
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Marketo's tokens are base32 (`[A-Z2-7]+=*`); ours are base64url JSON (`eyJ…`). */
const MARKETO_TOKEN = /^[A-Z2-7]+=*$/;

function decodeCursor(cursor: string): Position {
  if (MARKETO_TOKEN.test(cursor)) return { t: cursor, o: 0 };
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null) {
      const { t, o } = value as { t?: unknown; o?: unknown };
      if ((t === undefined || typeof t === 'string') && Number.isInteger(o) && (o as number) >= 0) {
        return { ...(t !== undefined && { t }), o: o as number };
      }
    }
  } catch {
    // fall through
  }
  throw new InputError('after', 'not a cursor returned by this connection');
}

/** Validates paging arguments before any Marketo call. */
export function pageSize(args: ConnectionArgs): number {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new InputError('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

export async function resolveMarketoConnection<T>(
  args: ConnectionArgs,
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
): Promise<Connection<T>> {
  const first = pageSize(args);
  const position: Position = args.after ? decodeCursor(args.after) : { o: 0 };
  const batchSize = Math.min(MAX_PAGE_SIZE, position.o + first);
  const page = await fetchPage({
    batchSize,
    ...(position.t !== undefined && { nextPageToken: position.t }),
  });
  const items = page.items.slice(position.o, position.o + first);
  const edges = items.map((node, index) => {
    const offset = position.o + index + 1;
    const atPageEnd = offset === page.items.length && page.nextPageToken !== undefined;
    const cursor = atPageEnd
      ? (page.nextPageToken as string)
      : encodeCursor({ ...(position.t !== undefined && { t: position.t }), o: offset });
    return { cursor, node };
  });
  const hasNextPage =
    position.o + items.length < page.items.length ||
    (page.nextPageToken !== undefined && page.items.length > 0);
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: position.o > 0 || position.t !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
