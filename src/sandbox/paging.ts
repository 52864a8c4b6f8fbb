/**
 * Position paging tokens (§5.2, §10.8): opaque base32 strings (`[A-Z2-7]+=*`) that encode the last
 * id returned and a fingerprint of the query, so a token only works with the query it came from.
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

export function unbase32(text: string): Buffer | undefined {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Z2-7]*$/.test(clean)) return undefined;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    value = (value << 5) | ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A short fingerprint of everything that defines a query (path, filters). */
export function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}

export function encodePageToken(query: string, after: number): string {
  return base32(Buffer.from(`${query}:${after.toString(36)}`, 'latin1'));
}

/** The id after which the next page starts, or undefined for an invalid or foreign token. */
export function decodePageToken(token: string, query: string): number | undefined {
  const bytes = unbase32(token);
  if (!bytes) return undefined;
  const [fp, after] = bytes.toString('latin1').split(':');
  if (fp !== query || after === undefined) return undefined;
  const n = Number.parseInt(after, 36);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * One page of ascending ids after the token's position. `batchSize` already validated.
 * Returns the page and the token for the next one, when there is more.
 */
export function pageOf<T>(
  sortedIds: readonly number[],
  after: number,
  batchSize: number,
  load: (id: number) => T | undefined,
  query: string,
): { items: T[]; nextPageToken?: string } {
  let start = 0;
  if (after > 0) {
    let lo = 0;
    let hi = sortedIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedIds[mid] as number) <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: T[] = [];
  let last = after;
  let i = start;
  for (; i < sortedIds.length && items.length < batchSize; i++) {
    const id = sortedIds[i] as number;
    const item = load(id);
    last = id;
    if (item !== undefined) items.push(item);
  }
  return i < sortedIds.length ? { items, nextPageToken: encodePageToken(query, last) } : { items };
}
