/**
 * Connections over Marketo's activity streams. One selection can need several call sequences
 * (more than 10 types or 30 leads, or a large list split into lead id chunks): they are read one
 * after another, each from the same start token until Marketo says `moreResult: false`. A cursor
 * names the chunk, the Marketo token within it and how many items of that token's page were
 * already returned, so paging resumes after any edge. Pages may be empty while Marketo still has
 * more: a request stops after a bounded number of calls and returns an `endCursor` even without
 * edges. At the end, `endCursor` resumes every chunk from where the first one ended, so a stored
 * cursor later yields what happened since (an activity may then repeat: dedupe by marketoGUID).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import type { ActivityPage } from '../marketo/api.js';
import { MAX_ACTIVITY_BATCH_SIZE } from '../marketo/activities.js';
import { type Connection, type ConnectionArgs, pageSize } from './pagination.js';

/** Marketo calls one connection request may spend on pages (empty ones included). */
export const MAX_PAGE_CALLS = 20;

interface Position {
  /** Fingerprint of the selection the cursor belongs to. */
  f: string;
  /** Chunk index. */
  c: number;
  /** Marketo token of the page being read. */
  t: string;
  /** Items of that page already returned. */
  o: number;
  /** The token every chunk starts from. */
  s: string;
  /** Where the first chunk ended (the resume point once every chunk is read). */
  e?: string;
}

export interface ActivityStream<T> {
  /** Identifies the selection (types, leads, list, fields): cursors only work with their own. */
  fingerprint: string;
  chunks: number;
  fetch(chunk: number, nextPageToken: string, batchSize: number): Promise<ActivityPage<T>>;
  /** The chunk ends at the first item for which this holds (`until`). */
  pastEnd?(item: T): boolean;
}

export function fingerprintOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

const MARKETO_TOKEN = /^[A-Z2-7]+=*$/;

function encode(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url');
}

function decode(cursor: string, stream: ActivityStream<unknown>): Position {
  // A bare Marketo token (e.g. from pagingtoken.json) starts a single-chunk selection there.
  if (MARKETO_TOKEN.test(cursor) && stream.chunks === 1) {
    return { f: stream.fingerprint, c: 0, t: cursor, o: 0, s: cursor };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const p = value as Partial<Position> | undefined;
  if (
    !p ||
    typeof p.t !== 'string' ||
    typeof p.s !== 'string' ||
    !Number.isInteger(p.c) ||
    !Number.isInteger(p.o) ||
    (p.o as number) < 0 ||
    (p.c as number) < 0
  ) {
    throw new InputError('after', 'not a cursor returned by this connection');
  }
  if (p.f !== stream.fingerprint) {
    throw new InputError(
      'after',
      'this cursor belongs to another selection (types, leads, list or fields differ)',
    );
  }
  return p as Position;
}

export interface ActivityConnection<T> extends Connection<T> {
  /** Marketo calls this request made for pages. */
  calls: number;
}

/** One connection page of `stream`; `start()` gives the start token when there is no `after`. */
export async function resolveActivityConnection<T>(
  stream: ActivityStream<T>,
  args: ConnectionArgs,
  start: () => Promise<string>,
  maxCalls = MAX_PAGE_CALLS,
): Promise<ActivityConnection<T>> {
  const first = pageSize(args);
  let pos: Position;
  if (args.after) pos = decode(args.after, stream as ActivityStream<unknown>);
  else {
    const s = await start();
    pos = { f: stream.fingerprint, c: 0, t: s, o: 0, s };
  }
  let finished = stream.chunks === 0;

  /** The position after chunk `from.c` ended at `endToken`; `end` when it was the last chunk. */
  const nextChunk = (from: Position, endToken: string): { p: Position; end: boolean } => {
    const e = from.e ?? endToken;
    if (from.c + 1 >= stream.chunks) {
      // Resume point: every chunk again, from where the first one ended.
      return { p: { f: from.f, c: 0, t: e, o: 0, s: e }, end: true };
    }
    return { p: { f: from.f, c: from.c + 1, t: from.s, o: 0, s: from.s, e }, end: false };
  };

  const edges: Array<{ cursor: string; node: T }> = [];
  let calls = 0;
  while (edges.length < first && calls < maxCalls && !finished) {
    const need = first - edges.length;
    const page = await stream.fetch(pos.c, pos.t, Math.min(MAX_ACTIVITY_BATCH_SIZE, pos.o + need));
    calls++;
    const from = pos;
    const afterPage = page.moreResult
      ? { p: { ...from, t: page.nextPageToken, o: 0 }, end: false }
      : nextChunk(from, page.nextPageToken);
    let taken = 0;
    let ended = false;
    for (const item of page.items.slice(from.o)) {
      if (taken === need) break;
      if (stream.pastEnd?.(item)) {
        ended = true;
        break;
      }
      taken++;
      const consumed = from.o + taken;
      const next = consumed === page.items.length ? afterPage.p : { ...from, o: consumed };
      edges.push({ node: item, cursor: encode(next) });
    }
    let moved: { p: Position; end: boolean };
    if (ended) moved = nextChunk(from, from.t);
    else if (from.o + taken >= page.items.length) moved = afterPage;
    else moved = { p: { ...from, o: from.o + taken }, end: false };
    pos = moved.p;
    finished = moved.end;
  }
  const endCursor = encode(pos);
  return {
    edges,
    calls,
    pageInfo: {
      hasNextPage: !finished,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      // Even without edges: empty pages still move the position forward.
      endCursor,
    },
  };
}
