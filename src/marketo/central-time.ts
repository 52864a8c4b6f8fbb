/**
 * Marketo's daily counters (API quota, bulk export volume) reset at 00:00 US Central (§4, §10),
 * which moves between UTC-6 and UTC-5 with daylight saving time.
 */
const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Chicago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface Parts {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function parts(ms: number): Parts {
  const p: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return {
    y: p.year ?? 1970,
    m: p.month ?? 1,
    d: p.day ?? 1,
    h: p.hour ?? 0,
    mi: p.minute ?? 0,
    s: p.second ?? 0,
  };
}

/** Local Central time minus UTC, in ms (negative). */
function offsetMs(ms: number): number {
  const p = parts(ms);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The last day computed and the span it covers: the limiter asks on every call (Intl is slow). */
let lastDay: { day: string; from: number; until: number } | undefined;

/** The calendar day in US Central time, `YYYY-MM-DD`: the key of a quota day. */
export function centralDay(ms: number): string {
  if (lastDay && ms >= lastDay.from && ms < lastDay.until) return lastDay.day;
  const p = parts(ms);
  const day = `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
  lastDay = { day, from: ms, until: nextCentralMidnight(ms) };
  return day;
}

/** Epoch ms of the next 00:00 US Central after `ms`. */
export function nextCentralMidnight(ms: number): number {
  const p = parts(ms);
  const localMidnight = Date.UTC(p.y, p.m - 1, p.d + 1);
  const guess = localMidnight - offsetMs(ms);
  return localMidnight - offsetMs(guess);
}
