/**
 * Marketo accepts a createdAt/updatedAt window of at most 31 days per export job. Longer ranges are
 * cut into consecutive windows that neither overlap nor leave a gap: Marketo timestamps have
 * one-second precision and both bounds are inclusive, so each inner window ends one second before
 * the next one starts.
 */
export const MAX_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;
const SECOND_MS = 1_000;

export interface DateWindow {
  startAt: string;
  endAt: string;
}

/** `2024-01-31T00:00:00Z`: Marketo's documented form, without milliseconds. */
export function toMarketoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Splits `[startAt, endAt]` into windows of at most `maxDays` days, in chronological order. */
export function splitDateRange(
  startAt: string | Date,
  endAt: string | Date,
  maxDays: number = MAX_WINDOW_DAYS,
): DateWindow[] {
  // Marketo keeps whole seconds; flooring both bounds keeps every window aligned to them.
  const start = Math.floor(new Date(startAt).getTime() / SECOND_MS) * SECOND_MS;
  const end = Math.floor(new Date(endAt).getTime() / SECOND_MS) * SECOND_MS;
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError('Invalid date in range');
  if (end < start) throw new RangeError('endAt is before startAt');
  const span = maxDays * DAY_MS;
  const windows: DateWindow[] = [];
  let from = start;
  while (end - from > span) {
    const next = from + span;
    windows.push({ startAt: toMarketoDateTime(from), endAt: toMarketoDateTime(next - SECOND_MS) });
    from = next;
  }
  windows.push({ startAt: toMarketoDateTime(from), endAt: toMarketoDateTime(end) });
  return windows;
}
