/** Time formats on Marketo's bulk wire: second-precision UTC `…Z` out, any ISO-8601 in. */

/** `2023-01-07T00:00:00Z` (Marketo drops milliseconds). */
export function toWireTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch ms of an ISO-8601 date or datetime (`Z`, `±hh:mm`, `±hhmm`, with or without millis);
 * undefined when the text is not one. A bare date means midnight UTC.
 */
export function parseIsoDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value.trim())) return undefined;
  let text = value.trim().replace(' ', 'T');
  // Date.parse wants `±hh:mm`; Marketo also writes `+0000`.
  text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

const centralDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Chicago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The US Central calendar day (`YYYY-MM-DD`) of an instant: Marketo's quotas reset at its midnight. */
export function centralDayOf(ms: number): string {
  return centralDay.format(new Date(ms));
}
