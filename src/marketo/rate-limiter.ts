/**
 * One limiter in front of every Marketo call: ≤ `concurrency` in flight, ≤ `rateLimit` per rolling
 * `rateWindowMs`, and the daily quota counted and refused locally before Marketo's 607. Callers
 * queue instead of failing, in fair turns between principals (`fair-queue.ts`), each within its
 * `keyShare`. The interface is small and async so that a Redis implementation (shared by every
 * gateway instance) can replace the in-process one.
 */
import type { LimiterSnapshot } from './api.js';
import { centralDay, nextCentralMidnight } from './central-time.js';
import { MarketoError } from './errors.js';
import { FairQueue, insertSorted } from './fair-queue.js';

export interface AcquireRequest {
  /** Who is calling (the API key's name); calls without one are the gateway's own background work. */
  principal?: string;
  signal?: AbortSignal;
}

export interface Lease {
  /** How long the caller waited for this slot, ms. */
  readonly waitedMs: number;
  /**
   * Ends the call. `counted: false` refunds the daily quota for responses Marketo does not count
   * (601/602/604/605/608/611, 606/607/615 rejections). The rate window always keeps the call.
   */
  release(outcome?: { counted?: boolean }): Promise<void>;
  /**
   * The response has begun (status and headers received): Marketo had the call by then, so the
   * window counts it from this instant instead of from `release` (a body still being read, a
   * download streaming for minutes, no longer holds the slot's window). Optional to call.
   */
  responded?(): void;
}

export interface RateLimiter {
  acquire(request?: AcquireRequest): Promise<Lease>;
  /** With `caller`: also that principal's own calls queued and in flight (through this instance). */
  snapshot(caller?: { principal?: string }): Promise<LimiterSnapshot>;
  close(): Promise<void>;
}

export interface InProcessLimiterOptions {
  concurrency: number;
  rateLimit: number;
  rateWindowMs: number;
  dailyQuota: number;
  /**
   * Largest part of the budget one principal may use (0 < s ≤ 1): ⌈s × concurrency⌉ in flight and
   * ⌊s × rateLimit⌋ in the window. Default 1: no cap, fair turns only.
   */
  keyShare?: number;
  /** Wall clock for quota days (epoch ms); injectable for tests. */
  now?: () => number;
  /** Monotonic clock for the rate window (ms); injectable for tests. */
  monotonic?: () => number;
  /**
   * Extra time a completed call stays in the window (default 1 ms): servers stamp arrivals with
   * millisecond clocks, and a window that is not a whole number of real milliseconds (a compressed
   * sandbox clock) could otherwise round a call into the next window.
   */
  windowMarginMs?: number;
}

interface Waiter {
  principal: string | undefined;
  enqueuedAt: number;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export function quotaExhaustedError(dailyQuota: number, now: number): MarketoError {
  return new MarketoError({
    code: 'QUOTA_EXHAUSTED',
    message: `Daily API quota of ${dailyQuota} calls is used up; it resets at 00:00 US Central`,
    retryable: false,
    resetsAt: new Date(nextCentralMidnight(now)).toISOString(),
  });
}

export function abortedError(): MarketoError {
  return new MarketoError({ code: 'ABORTED', message: 'The call was aborted by the caller' });
}

/**
 * The rolling window counts a call from the moment it is granted (before it is sent) until
 * `rateWindowMs` after its response began (`Lease.responded`; its release when it has none).
 * Why no window of Marketo's can then hold more than `rateLimit` arrivals: Marketo stamps a call
 * at its arrival A, and S ≤ A ≤ R where S is when we granted it and R when its response began
 * (Marketo cannot answer what has not arrived). Take any `rateWindowMs`-long window of Marketo's
 * and the calls that arrived in it; let N be the one of them granted last, at S_N ≤ A_N. Every
 * other one, i, was granted at S_i ≤ S_N, and arrived at A_i > A_N − rateWindowMs, so
 * R_i + rateWindowMs ≥ A_i + rateWindowMs > A_N ≥ S_N: at S_N, i was still counted (in flight or
 * inside its window). N was granted only with fewer than `rateLimit` counted, so the window holds
 * at most `rateLimit` arrivals. Counting from the release instead would cost each call the time
 * between its response's start and its release, out of every window; counting from A itself
 * (unknown to us) would be the only tighter bound. The margin below absorbs millisecond rounding.
 */
export function createInProcessRateLimiter(options: InProcessLimiterOptions): RateLimiter {
  const { concurrency, rateLimit, rateWindowMs, dailyQuota } = options;
  const now = options.now ?? Date.now;
  const windowMs = rateWindowMs + (options.windowMarginMs ?? 1);
  const monotonic = options.monotonic ?? (() => performance.now());

  let inFlight = 0;
  /** Completion times (monotonic ms) of calls still inside the window, ascending. */
  const completed: number[] = [];
  const queue = new FairQueue<Waiter>({
    ...(options.keyShare !== undefined && { share: options.keyShare }),
    concurrency,
    rateLimit,
    windowMs,
  });
  let quotaDay = centralDay(now());
  let callsToday = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const prune = (t: number) => {
    let drop = 0;
    while (drop < completed.length && (completed[drop] ?? 0) + windowMs <= t) drop++;
    if (drop > 0) completed.splice(0, drop);
  };

  const rollDay = () => {
    const day = centralDay(now());
    if (day !== quotaDay) {
      quotaDay = day;
      callsToday = 0;
    }
  };

  const grant = (waiter: Waiter, t: number) => {
    inFlight++;
    callsToday++;
    queue.started(waiter.principal);
    waiter.cleanup();
    let released = false;
    let respondedAt: number | undefined;
    waiter.resolve({
      waitedMs: Math.max(0, t - waiter.enqueuedAt),
      responded: () => {
        respondedAt ??= monotonic();
      },
      release: async (outcome) => {
        if (released) return;
        released = true;
        inFlight--;
        const ended = respondedAt ?? monotonic();
        insertSorted(completed, ended);
        queue.finished(waiter.principal, ended);
        if (outcome?.counted === false && callsToday > 0) callsToday--;
        pump();
      },
    });
  };

  const wakeAt = (at: number, t: number) => {
    timer = setTimeout(pump, Math.max(1, Math.ceil(at - t) + 1));
  };

  const pump = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    rollDay();
    while (queue.size > 0) {
      const t = monotonic();
      prune(t);
      if (callsToday >= dailyQuota) {
        for (const waiter of queue.drain()) {
          waiter.cleanup();
          waiter.reject(quotaExhaustedError(dailyQuota, now()));
        }
        return;
      }
      if (inFlight >= concurrency) return; // a release will pump again
      if (inFlight + completed.length >= rateLimit) {
        // Only completed calls can leave the window; wake when the oldest does.
        const oldest = completed[0];
        if (oldest !== undefined) wakeAt(oldest + windowMs, t);
        return;
      }
      const next = queue.next(t);
      if (!next) {
        // Every waiting principal is at its share: a release pumps again, or its window moves on.
        const at = queue.nextRoomAt(t);
        if (at !== undefined) wakeAt(at, t);
        return;
      }
      grant(next.item, t);
    }
  };

  return {
    acquire(request = {}) {
      if (closed) return Promise.reject(new Error('rate limiter closed'));
      const { signal, principal } = request;
      if (signal?.aborted) return Promise.reject(abortedError());
      rollDay();
      // Refuse at once when the quota cannot cover this call and everyone already queued.
      if (callsToday + queue.size >= dailyQuota) {
        return Promise.reject(quotaExhaustedError(dailyQuota, now()));
      }
      return new Promise<Lease>((resolve, reject) => {
        const onAbort = () => {
          queue.delete(waiter);
          reject(abortedError());
        };
        const waiter: Waiter = {
          principal,
          enqueuedAt: monotonic(),
          resolve,
          reject,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(principal, waiter);
        pump();
      });
    },

    async snapshot(caller) {
      rollDay();
      prune(monotonic());
      return {
        inFlight,
        maxConcurrency: concurrency,
        callsInWindow: inFlight + completed.length,
        rateLimit,
        rateWindowMs,
        queued: queue.size,
        callsToday,
        dailyQuota,
        shared: false,
        ...(caller && { caller: queue.usage(caller.principal) }),
      };
    },

    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const waiter of queue.drain()) {
        waiter.cleanup();
        waiter.reject(new Error('rate limiter closed'));
      }
    },
  };
}
