/**
 * Splitting work into Marketo-sized calls and putting the answers back in input order.
 */
import type { RecordResult } from './api.js';
import { MarketoError } from './errors.js';

/**
 * The fewest chunks of at most `max` items, balanced in size: 1,000 values → 4 × 250, not
 * 300+300+300+100. A chunk of 250 filter values leaves room in a 300-record page for values that
 * match more than one lead, so a page rarely overflows into a second call.
 */
export function balancedChunks<T>(items: readonly T[], max: number): T[][] {
  if (items.length === 0) return [];
  const count = Math.ceil(items.length / max);
  const size = Math.ceil(items.length / count);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/**
 * Runs one call per chunk concurrently (the limiter paces them) and concatenates the per-record
 * results in input order. A chunk that fails while others succeed does not hide their results:
 * its rows come back as `status: "failed"` with the error's code and message as the reason. When
 * every chunk fails, the first error is thrown.
 */
export async function runChunks<T>(
  chunks: readonly T[][],
  call: (chunk: T[]) => Promise<RecordResult[]>,
): Promise<RecordResult[]> {
  const settled = await Promise.allSettled(chunks.map((chunk) => call(chunk)));
  const firstFailure = settled.find((s) => s.status === 'rejected');
  if (firstFailure && settled.every((s) => s.status === 'rejected')) {
    throw (firstFailure as PromiseRejectedResult).reason;
  }
  const out: RecordResult[] = [];
  settled.forEach((s, i) => {
    const size = chunks[i]?.length ?? 0;
    if (s.status === 'fulfilled') {
      out.push(...s.value);
      return;
    }
    const error = s.reason;
    const reason =
      error instanceof MarketoError
        ? { code: error.code, message: error.message }
        : { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
    for (let k = 0; k < size; k++) out.push({ status: 'failed', reasons: [reason] });
  });
  return out;
}

/** Aligns Marketo's per-record results with the chunk (Marketo keeps input order, §2.1). */
export function alignResults(results: RecordResult[], expected: number): RecordResult[] {
  if (results.length === expected) return results;
  const out = results.slice(0, expected);
  while (out.length < expected) {
    out.push({
      status: 'unknown',
      reasons: [{ code: 'BAD_RESPONSE', message: 'Marketo returned no result for this record' }],
    });
  }
  return out;
}
