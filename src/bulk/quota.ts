/**
 * Marketo's day for quotas runs from midnight to midnight US Central (America/Chicago, DST
 * included). Times are epoch ms on Marketo's clock (the sandbox's compressed clock in tests).
 */
const ZONE = 'America/Chicago';
const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function local(ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** `YYYY-MM-DD` of Marketo's quota day containing `ms`. */
export function quotaDay(ms: number): string {
  const l = local(ms);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
}

/** The next US Central midnight after `ms` (when daily quotas reset). */
export function nextQuotaReset(ms: number): number {
  const l = local(ms);
  const sinceMidnight = ((l.hour! * 60 + l.minute!) * 60 + l.second!) * 1000 + (ms % 1000);
  // Midnight tomorrow in local wall time; a DST change shifts it by an hour, which the check fixes.
  let guess = ms - sinceMidnight + 86_400_000;
  const check = local(guess);
  if (check.hour === 23) guess += 3_600_000;
  else if (check.hour === 1) guess -= 3_600_000;
  return guess;
}
