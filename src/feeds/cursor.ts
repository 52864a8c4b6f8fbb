/**
 * A feed cursor: the position right after one event, as a string a consumer can store. Marketo's
 * `nextPageToken` marks the start of a page, not an event, so a cursor is the token of the page that
 * held the event plus how many of that page's items to skip (`n`, the event's index) and the
 * event's id (a check: a page read again from the same token starts with the same items).
 */
import { GatewayError } from '../errors.js';

export interface FeedCursor {
  /** Token of the page the event was on (or of the position itself when `n` is -1). */
  t: string;
  /** Index of the event in that page; -1: nothing of the page read yet. */
  n: number;
  /** The event's activity id (absent when `n` is -1). */
  i?: number;
}

const TAG = 'f1.';

export class InvalidCursorError extends GatewayError {
  constructor() {
    super('INVALID_CURSOR', 'Invalid feed cursor');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(cursor: FeedCursor): string {
  return TAG + Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): FeedCursor {
  if (!text.startsWith(TAG)) throw new InvalidCursorError();
  try {
    const value = JSON.parse(
      Buffer.from(text.slice(TAG.length), 'base64url').toString('utf8'),
    ) as Partial<FeedCursor> | null;
    if (
      value &&
      typeof value.t === 'string' &&
      value.t.length > 0 &&
      Number.isSafeInteger(value.n) &&
      (value.n as number) >= -1 &&
      (value.i === undefined || Number.isSafeInteger(value.i))
    ) {
      return {
        t: value.t,
        n: value.n as number,
        ...(value.i !== undefined && { i: value.i }),
      };
    }
  } catch {
    // reported below
  }
  throw new InvalidCursorError();
}

/** The start of a page (nothing of it read). */
export const atToken = (token: string): FeedCursor => ({ t: token, n: -1 });

/**
 * Where reading from `cursor` resumes within the page its token gives back: the index of the first
 * item not yet delivered. The event at `n` is looked for by id first (the page may have shifted).
 */
export function resumeIndex(cursor: FeedCursor, items: readonly { id: number }[]): number {
  if (cursor.n < 0) return 0;
  if (cursor.i !== undefined) {
    if (items[cursor.n]?.id === cursor.i) return cursor.n + 1;
    const at = items.findIndex((item) => item.id === cursor.i);
    if (at >= 0) return at + 1;
  }
  return Math.min(items.length, cursor.n + 1);
}
