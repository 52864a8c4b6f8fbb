/**
 * Marketo's per-instance limits on the sandbox clock (§4, §3.2): a rolling window of accepted calls
 * (606), concurrent calls at request start (615) and a daily quota resetting at midnight US Central
 * (607). A call is reserved in the window and the quota when admitted and released again when it
 * ends with a code Marketo doesn't count (starred codes), so a rejected call never counts.
 */
import type { Clock } from './clock.js';

export interface LimitSettings {
  /** Calls per rolling window (100). */
  rateLimit: number;
  /** The window in simulated ms (20 000). */
  rateWindowMs: number;
  /** Calls in flight at once (10). */
  concurrency: number;
  /** Counted calls per day (50 000). */
  dailyQuota: number;
  /** Records per call: sync, delete, list add/remove/ismember, filterValues, batchSize (300). */
  maxBatch: number;
  /** Request line URI bytes (8 KB) → 414. */
  maxUrlBytes: number;
  /** Request body bytes (1 MB; a route may raise it) → 413. */
  maxBodyBytes: number;
  /** false: track everything but reject nothing (benchmarks). */
  enforce: boolean;
}

export const DEFAULT_LIMITS: LimitSettings = {
  rateLimit: 100,
  rateWindowMs: 20_000,
  concurrency: 10,
  dailyQuota: 50_000,
  maxBatch: 300,
  maxUrlBytes: 8192,
  maxBodyBytes: 1024 * 1024,
  enforce: true,
};

export interface Reservation {
  /** Takes the call back out of the window and the quota. */
  release(): void;
  /** Window size when this call was admitted. */
  readonly windowCount: number;
}

export interface Limits {
  readonly settings: LimitSettings;
  /** Admits a call at request start, or false when `concurrency` calls are already in flight. */
  enter(): boolean;
  leave(): void;
  readonly inFlight: number;
  /** Admits a call into the rate window and the daily quota, or says which limit refused it. */
  reserve(clientId: string): Reservation | { code: '606' | '607' };
  windowCount(): number;
  /** Counted calls today (US Central), in total and per client id. */
  usage(): { date: string; total: number; users: Map<string, number> };
  /** Past days' usage, most recent first (today included). */
  history(): { date: string; total: number; users: Map<string, number> }[];
  /** When today's quota resets (epoch ms, next midnight US Central). */
  quotaResetsAt(): number;
  reset(): void;
}

const central = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Chicago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day in US Central (`YYYY-MM-DD`) of an instant: Marketo's quota day. */
export function centralDay(ms: number): string {
  return central.format(new Date(ms));
}

export function createLimits(clock: Clock, settings: LimitSettings): Limits {
  let inFlight = 0;
  let window: number[] = [];
  const days = new Map<string, { total: number; users: Map<string, number> }>();

  const prune = () => {
    const cutoff = clock.now() - settings.rateWindowMs;
    let drop = 0;
    while (drop < window.length && (window[drop] as number) <= cutoff) drop++;
    if (drop) window = window.slice(drop);
  };
  const day = (date: string) => {
    let entry = days.get(date);
    if (!entry) {
      entry = { total: 0, users: new Map() };
      days.set(date, entry);
    }
    return entry;
  };

  return {
    settings,
    enter() {
      if (settings.enforce && inFlight >= settings.concurrency) return false;
      inFlight++;
      return true;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
    },
    get inFlight() {
      return inFlight;
    },
    reserve(clientId) {
      prune();
      const now = clock.now();
      const today = day(centralDay(now));
      if (settings.enforce && window.length >= settings.rateLimit) return { code: '606' };
      if (settings.enforce && today.total >= settings.dailyQuota) return { code: '607' };
      window.push(now);
      today.total++;
      today.users.set(clientId, (today.users.get(clientId) ?? 0) + 1);
      let released = false;
      return {
        windowCount: window.length,
        release() {
          if (released) return;
          released = true;
          const i = window.lastIndexOf(now);
          if (i >= 0) window.splice(i, 1);
          today.total--;
          today.users.set(clientId, (today.users.get(clientId) ?? 1) - 1);
        },
      };
    },
    windowCount() {
      prune();
      return window.length;
    },
    usage() {
      const date = centralDay(clock.now());
      return { date, ...day(date) };
    },
    history() {
      const today = centralDay(clock.now());
      day(today);
      return [...days.entries()]
        .sort(([a], [b]) => (a < b ? 1 : -1))
        .map(([date, d]) => ({ date, total: d.total, users: d.users }));
    },
    quotaResetsAt() {
      // Step forward in hours until the Central date changes, then back to the exact minute.
      const now = clock.now();
      const today = centralDay(now);
      let t = now;
      while (centralDay(t) === today) t += 3_600_000;
      while (centralDay(t - 60_000) !== today) t -= 60_000;
      return Math.floor(t / 60_000) * 60_000;
    },
    reset() {
      window = [];
      days.clear();
    },
  };
}
