/**
 * Marketo metrics: every HTTP attempt of a REST call (`marketo_calls_total{method,endpoint,code}`,
 * its duration, the limiter wait before it), and the limiter's state read at scrape time (daily
 * quota used and left, calls in the rolling window, in flight, queued).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { LimiterSnapshot } from '../marketo/api.js';
import type { CallEvent } from '../marketo/call.js';

/** Codes are Marketo's, HTTP_<status> or transport codes; anything odd is folded (cardinality). */
const CODE = /^[A-Za-z0-9_.-]{1,40}$/;

export interface MarketoMetrics {
  /** The Marketo client's `onCall` observer. */
  onCall(event: CallEvent): void;
  /** Reads the limiter at each scrape from now on. */
  watch(limiterSnapshot: () => Promise<LimiterSnapshot>): void;
}

export function createMarketoMetrics(registry: Registry, logger: Logger): MarketoMetrics {
  const registers = [registry];
  const calls = new Counter({
    name: 'marketo_calls_total',
    help: 'Marketo REST calls (each HTTP attempt, retries included) by route template and outcome: success, Marketo code, HTTP_<status> or transport error',
    labelNames: ['method', 'endpoint', 'code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'marketo_call_duration_seconds',
    help: 'Time from sending a Marketo REST call to its answer (end of body for streamed files)',
    labelNames: ['method', 'endpoint'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const wait = new Histogram({
    name: 'marketo_limiter_wait_seconds',
    help: 'Time a Marketo call waited for a limiter slot (concurrency, rate window, fair share)',
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
    registers,
  });

  let snapshot: (() => Promise<LimiterSnapshot>) | undefined;
  // One limiter read per scrape, shared by the gauges (they are collected concurrently).
  let pending: Promise<LimiterSnapshot | undefined> | undefined;
  const read = (): Promise<LimiterSnapshot | undefined> => {
    if (!snapshot) return Promise.resolve(undefined);
    pending ??= snapshot()
      .catch((error: unknown) => {
        logger.warn('metrics: limiter state unavailable', { error });
        return undefined;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  const gauge = (name: string, help: string, value: (s: LimiterSnapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await read();
        if (s) this.set(value(s));
        else this.reset();
      },
    });
  gauge(
    'marketo_daily_quota_used',
    'Marketo calls counted against the daily quota today (US Central day)',
    (s) => s.callsToday,
  );
  gauge('marketo_daily_quota_left', 'Marketo calls left in the daily quota', (s) =>
    Math.max(0, s.dailyQuota - s.callsToday),
  );
  gauge('marketo_daily_quota_limit', 'The daily quota the gateway enforces', (s) => s.dailyQuota);
  gauge(
    'marketo_limiter_calls_in_window',
    'Marketo calls in the rolling rate window',
    (s) => s.callsInWindow,
  );
  gauge(
    'marketo_limiter_rate_limit',
    'Marketo calls allowed per rolling window',
    (s) => s.rateLimit,
  );
  gauge('marketo_limiter_in_flight', 'Marketo calls in flight', (s) => s.inFlight);
  gauge('marketo_limiter_queued', 'Marketo calls waiting for the limiter', (s) => s.queued);

  return {
    onCall(event) {
      const code = CODE.test(event.code) ? event.code : 'OTHER';
      calls.inc({ method: event.method, endpoint: event.endpoint, code });
      duration.observe({ method: event.method, endpoint: event.endpoint }, event.durationMs / 1000);
      wait.observe(event.waitedMs / 1000);
    },
    watch(limiterSnapshot) {
      snapshot = limiterSnapshot;
    },
  };
}
