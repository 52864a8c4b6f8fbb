/**
 * The fleet's limiter: the same contract and semantics as `createInProcessRateLimiter` (≤
 * concurrency in flight, ≤ rateLimit per rolling window where a call counts from when it is sent
 * until one window after it completes, the daily quota refused locally, callers queue), but held in
 * Redis by atomic Lua scripts (`limiter-scripts.ts`) so that every gateway instance draws from one
 * budget. Slots are leases that live holders renew; a dead instance's slots come back within one
 * lease TTL.
 *
 * Redis away: each instance falls back to an in-process limiter with a conservative share: limits
 * divided by the fleet size — pinned (`fleetSize`, GATEWAY_FLEET_SIZE), else the largest live
 * count seen lately while Redis was up (every instance refreshes a heartbeat in Redis and reads the
 * count), else `expectedInstances`. It first waits until its own calls from before the outage have
 * ended and one full window has passed, so that calls the fleet made through Redis cannot add up
 * with local ones. Redis back: the instance writes what it did meanwhile into Redis, then obeys
 * both its local share and Redis for one probe interval plus one window (long enough for every
 * other instance to notice and write its own history too) before using Redis alone.
 *
 * Residual risk, by design: a call started through Redis that is still running one window after
 * the outage began is not known to the other instances' local shares.
 *
 * Fair share (`fair-queue.ts`): this instance's waiters take turns by principal, and `keyShare`
 * caps one principal's calls through this instance, both in Redis mode and on the local share.
 * The cap is per instance, not fleet-wide: a fleet-wide one would need per-principal lease and
 * window sets in every script (acquire, release, renew, the dead-lease prune, the post-outage
 * import), keys the scripts do not declare up front, and one more round of bookkeeping per call.
 * What the cap protects against, one key's backlog filling the slots that other keys' calls on
 * the same instance wait for, is local; with N instances a key may hold up to N × its share.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../logger.js';
import type { LimiterSnapshot } from '../marketo/api.js';
import { centralDay } from '../marketo/central-time.js';
import { FairQueue } from '../marketo/fair-queue.js';
import {
  abortedError,
  createInProcessRateLimiter,
  type Lease,
  quotaExhaustedError,
  type RateLimiter,
} from '../marketo/rate-limiter.js';
import { defineLimiterScripts } from './limiter-scripts.js';

export interface RedisRateLimiterOptions {
  /** Key prefix of the deployment (`RedisConnections.prefix`). */
  prefix: string;
  concurrency: number;
  rateLimit: number;
  /** The rolling window, real ms. */
  rateWindowMs: number;
  dailyQuota: number;
  /**
   * Largest part of the budget one principal may use through this instance (0 < s ≤ 1; default 1,
   * fair turns only), as in-process. Per instance, see the module comment.
   */
  keyShare?: number;
  /** Extra time a completed call stays in the window (default 1 ms, as in-process). */
  windowMarginMs?: number;
  /** A slot whose holder stops renewing returns after this long (ms). Default 5 000. */
  leaseTtlMs?: number;
  /** Wait between tries while every slot is taken (ms, jittered). Default 20. */
  pollMs?: number;
  /** Upper bound of one wait before trying again (ms). Default 1 000. */
  maxSleepMs?: number;
  /**
   * Instances sharing the budget, pinned: the local share while Redis is away is 1/this. Unset:
   * the live count from the heartbeats (see `heartbeatMs`).
   */
  fleetSize?: number;
  /** The fleet size assumed before any heartbeat count was read. Default 3. */
  expectedInstances?: number;
  /**
   * How often this instance refreshes its heartbeat and reads the live count (ms). A heartbeat
   * lapses after 3 of these; the largest of the last 6 counts is used (a fleet shrinking is
   * believed only once the smaller count was read 6 times). Default 1 000.
   */
  heartbeatMs?: number;
  /** How often Redis is probed while away (ms). Default 1 000. */
  probeIntervalMs?: number;
  /** Wall clock (epoch ms) for quota days; Redis's offset is added. Default Date.now. */
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

export type RedisLimiterMode = 'redis' | 'warmup' | 'fallback';

export interface RedisRateLimiter extends RateLimiter {
  /** False while Redis is away and the local share is in use (readiness). */
  healthy(): boolean;
  mode(): RedisLimiterMode;
  /** The instances the local share is divided among (pinned, or as the heartbeats last told). */
  fleetSize(): number;
}

interface Waiter {
  principal: string | undefined;
  enqueuedAt: number;
  signal: AbortSignal | undefined;
  /** The local share's lease, when one is also required (warm-up after an outage). */
  local?: Lease;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  cleanup(): void;
}

interface Call {
  startedAt: number;
  /** The day key its quota unit was counted under in Redis; undefined while only counted locally. */
  quotaKey: string | undefined;
}

type Mode =
  { kind: 'redis' } | { kind: 'warmup' | 'fallback'; local: RateLimiter; gate: Promise<void> };

const QUOTA_TTL_SEC = 2 * 24 * 3600;
/** Heartbeat counts remembered (see `fleetSize`). */
const COUNTS_KEPT = 6;

export function createRedisRateLimiter(
  redis: Redis,
  options: RedisRateLimiterOptions,
): RedisRateLimiter {
  const { concurrency, rateLimit, rateWindowMs, dailyQuota, prefix } = options;
  const windowMs = Math.ceil(rateWindowMs + (options.windowMarginMs ?? 1));
  const leaseTtlMs = Math.max(10, Math.round(options.leaseTtlMs ?? 5_000));
  const pollMs = options.pollMs ?? 20;
  const maxSleepMs = options.maxSleepMs ?? 1_000;
  const pinnedFleet = options.fleetSize && Math.max(1, Math.floor(options.fleetSize));
  const expectedInstances = Math.max(1, options.expectedInstances ?? 3);
  const heartbeatMs = Math.max(5, options.heartbeatMs ?? 1_000);
  const probeIntervalMs = options.probeIntervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const mono = () => performance.now();
  const keys = {
    fleet: `${prefix}limiter:fleet`,
    window: `${prefix}limiter:window`,
    leases: `${prefix}limiter:leases`,
    quota: (day: string) => `${prefix}limiter:quota:${day}`,
  };
  defineLimiterScripts(redis);

  const instanceId = randomBytes(6).toString('hex');
  let sequence = 0;
  const newId = () => `${instanceId}:${(sequence++).toString(36)}`;

  let mode: Mode = { kind: 'redis' };
  let closed = false;
  /** Redis's clock minus ours (quota days follow Redis's clock). */
  let offsetMs = 0;
  const today = () => centralDay(now() + offsetMs);
  /** The fleet's count for a day as last seen. */
  let lastUsed: { day: string; used: number } | undefined;
  /** Calls counted only by the local share, not yet written to Redis. */
  let pendingQuota = 0;

  /** This instance's calls in flight, and those completed within the last window. */
  const inflight = new Map<string, Call>();
  const recent: Array<{ id: string; completedAt: number }> = [];
  const pruneRecent = () => {
    const t = mono();
    let drop = 0;
    while (drop < recent.length && (recent[drop]?.completedAt ?? 0) + windowMs <= t) drop++;
    if (drop > 0) recent.splice(0, drop);
  };
  /** A call ended; its window runs from `respondedAt` (its response's start) when known. */
  const complete = (id: string, respondedAt?: number) => {
    inflight.delete(id);
    const completedAt = respondedAt ?? mono();
    let i = recent.length;
    while (i > 0 && recent[i - 1]!.completedAt > completedAt) i--;
    recent.splice(i, 0, { id, completedAt });
    pruneRecent();
  };

  const queue = new FairQueue<Waiter>({
    ...(options.keyShare !== undefined && { share: options.keyShare }),
    concurrency,
    rateLimit,
    windowMs,
  });
  /** Waiters on their way through the local share (fallback, warm-up). */
  const routing = new Set<Waiter>();

  const observe = (redisNow: number) => {
    offsetMs = redisNow - now();
  };

  // ---- failure and recovery -------------------------------------------------------------------

  let probeTimer: NodeJS.Timeout | undefined;
  let warmupTimer: NodeJS.Timeout | undefined;

  // ---- fleet size -----------------------------------------------------------------------------

  /**
   * The last live counts read (a restart that lost the heartbeats reads low until every instance
   * beat again): a smaller fleet is believed once it was counted `COUNTS_KEPT` times in a row.
   */
  const counts: number[] = [];
  const fleetSize = (): number => {
    if (pinnedFleet) return pinnedFleet;
    // A fleet still starting reads low (each instance counts those that beat before it): until
    // `COUNTS_KEPT` counts were read, the expected size stays the floor.
    if (counts.length < COUNTS_KEPT) return Math.max(expectedInstances, ...counts);
    return Math.max(...counts);
  };
  const heartbeat = () => {
    if (closed || mode.kind === 'fallback') return;
    redis.mggFleetHeartbeat(keys.fleet, instanceId, 3 * heartbeatMs).then(
      (count) => {
        counts.push(Number(count));
        if (counts.length > COUNTS_KEPT) counts.shift();
      },
      () => {}, // Redis away: the limiter's own calls notice and fall back; the count is kept
    );
  };
  const heartbeatTimer = setInterval(heartbeat, heartbeatMs);
  heartbeatTimer.unref();
  heartbeat();

  let instances = fleetSize();
  const share = (limit: number) => Math.max(1, Math.floor(limit / instances));

  const markDown = (reason: string, error?: unknown) => {
    if (closed || mode.kind === 'fallback') return;
    instances = fleetSize();
    const day = today();
    const usedToday = lastUsed?.day === day ? lastUsed.used : 0;
    const local = createInProcessRateLimiter({
      concurrency: share(concurrency),
      rateLimit: share(rateLimit),
      rateWindowMs,
      dailyQuota: Math.max(0, Math.floor((dailyQuota - usedToday) / instances)),
      ...(options.keyShare !== undefined && { keyShare: options.keyShare }),
      ...(options.windowMarginMs !== undefined && { windowMarginMs: options.windowMarginMs }),
      now,
    });
    // A warm-up's local share is dropped, not closed: its waiters come back here through reroute.
    mode = { kind: 'fallback', local, gate: fallbackGate(mono()) };
    clearTimeout(warmupTimer);
    logger.warn('redis limiter unavailable; using the local share', {
      reason,
      ...(error instanceof Error && { code: (error as { code?: string }).code ?? error.name }),
      concurrency: share(concurrency),
      rateLimit: share(rateLimit),
      fleetSize: instances,
    });
    for (const waiter of queue.drain()) reroute(waiter);
    probeTimer = setInterval(() => void probe(), probeIntervalMs);
    probeTimer.unref();
  };

  /**
   * Local grants start once this instance's calls from before the switch have ended and one window
   * has passed since the last of them (and since the switch): by then no call the fleet made through
   * Redis before the outage can share a window with a local one, beyond what the shares allow.
   */
  const fallbackGate = (switchedAt: number): Promise<void> => {
    const check = async (): Promise<void> => {
      for (;;) {
        if (closed) throw new Error('rate limiter closed');
        const running = [...inflight.values()].some((c) => c.startedAt <= switchedAt);
        const last = recent.reduce((max, r) => Math.max(max, r.completedAt), switchedAt);
        const readyAt = last + windowMs;
        if (!running && mono() >= readyAt) return;
        await delay(running ? pollMs : Math.max(1, Math.ceil(readyAt - mono())));
      }
    };
    const gate = check();
    gate.catch(() => {});
    return gate;
  };

  const probe = async () => {
    if (closed || mode.kind !== 'fallback') return;
    const current = mode;
    try {
      if ((await redis.ping()) !== 'PONG') return;
      pruneRecent();
      const t = mono();
      const running = [...inflight.keys()];
      const done = recent.flatMap((r) => [
        r.id,
        Math.max(1, Math.ceil(r.completedAt + windowMs - t)),
      ]);
      const day = today();
      const floor = lastUsed?.day === day ? lastUsed.used : 0;
      const added = pendingQuota;
      const redisNow = await redis.mggLimiterImport(
        keys.window,
        keys.leases,
        keys.quota(day),
        windowMs,
        leaseTtlMs,
        QUOTA_TTL_SEC,
        floor,
        added,
        running.length,
        ...running,
        ...done,
      );
      if (closed || mode !== current) return;
      observe(redisNow);
      pendingQuota -= added;
      for (const call of inflight.values()) call.quotaKey ??= keys.quota(day);
    } catch {
      return; // still away; the next probe tries again
    }
    clearInterval(probeTimer);
    probeTimer = undefined;
    // Every other instance notices within one probe interval and writes its history; until then
    // (plus one window for what it did before) the local share still applies.
    const warm: Mode = { kind: 'warmup', local: current.local, gate: current.gate };
    mode = warm;
    logger.info('redis limiter reachable again; warming up');
    warmupTimer = setTimeout(() => {
      if (mode !== warm) return;
      mode = { kind: 'redis' };
      logger.info('redis limiter back in use');
    }, probeIntervalMs + windowMs);
    warmupTimer.unref();
    pump();
  };

  redis.on('close', onClose);
  function onClose() {
    markDown('connection closed');
  }

  // ---- leases ---------------------------------------------------------------------------------

  const release = async (
    id: string,
    how: 'counted' | 'uncounted' | 'unused',
    respondedAt?: number,
  ) => {
    const call = inflight.get(id);
    if (how === 'unused') inflight.delete(id);
    else complete(id, respondedAt);
    // How long ago the response began, on our clock: Redis places the call's window that much
    // before its own now (which is later than our release, so the window never starts early).
    const sinceResponse = respondedAt === undefined ? 0 : Math.floor(mono() - respondedAt);
    if (!call) return;
    if (call.quotaKey === undefined) {
      if (how !== 'counted') pendingQuota--;
      return;
    }
    if (mode.kind === 'fallback') return; // written back with the history when Redis returns
    try {
      observe(
        await redis.mggLimiterRelease(
          keys.window,
          keys.leases,
          call.quotaKey,
          windowMs,
          leaseTtlMs,
          how,
          id,
          sinceResponse,
        ),
      );
    } catch (error) {
      markDown('release failed', error);
    }
  };

  const makeLease = (id: string, waiter: Waiter, localLease?: Lease): Lease => {
    let released = false;
    let respondedAt: number | undefined;
    queue.started(waiter.principal);
    return {
      waitedMs: Math.max(0, mono() - waiter.enqueuedAt),
      responded: () => {
        respondedAt ??= mono();
        localLease?.responded?.();
      },
      release: async (outcome) => {
        if (released) return;
        released = true;
        queue.finished(waiter.principal, respondedAt ?? mono());
        const counted = outcome?.counted !== false;
        await Promise.all([
          localLease?.release(outcome),
          release(id, counted ? 'counted' : 'uncounted', respondedAt),
        ]);
        nudge();
      },
    };
  };

  const renewTimer = setInterval(
    () => {
      if (closed || mode.kind === 'fallback') return;
      const ids = [...inflight.entries()]
        .filter(([, c]) => c.quotaKey !== undefined)
        .map(([id]) => id);
      if (ids.length === 0) return;
      redis
        .mggLimiterRenew(keys.leases, leaseTtlMs, ...ids)
        .then(observe, (error: unknown) => markDown('lease renewal failed', error));
    },
    Math.max(5, Math.floor(leaseTtlMs / 3)),
  );
  renewTimer.unref();

  // ---- routing and the shared queue -----------------------------------------------------------

  /** Sends a waiter through the local share (fallback, warm-up), then on to Redis if in use. */
  const reroute = (waiter: Waiter) => {
    if (waiter.local) {
      void waiter.local.release({ counted: false });
      delete waiter.local;
    }
    if (mode.kind === 'redis') {
      enqueue(waiter);
      return;
    }
    const current = mode;
    routing.add(waiter);
    const run = async () => {
      await abortable(current.gate, waiter.signal);
      const lease = await current.local.acquire({
        ...(waiter.principal !== undefined && { principal: waiter.principal }),
        ...(waiter.signal && { signal: waiter.signal }),
      });
      routing.delete(waiter);
      if (closed) {
        void lease.release({ counted: false });
        throw new Error('rate limiter closed');
      }
      if (mode.kind !== 'fallback') {
        waiter.local = lease;
        enqueue(waiter);
      } else if (mode.local === current.local) {
        const id = newId();
        inflight.set(id, { startedAt: mono(), quotaKey: undefined });
        pendingQuota++;
        waiter.cleanup();
        waiter.resolve(makeLease(id, waiter, lease));
      } else {
        waiter.local = lease;
        reroute(waiter);
      }
    };
    run().catch((error: unknown) => {
      routing.delete(waiter);
      waiter.cleanup();
      waiter.reject(waiter.signal?.aborted ? abortedError() : error);
    });
  };

  let pumping = false;
  let wake: (() => void) | undefined;
  /** The queue sleeps only because every waiting principal is at its share. */
  let heldByShare = false;
  const enqueue = (waiter: Waiter) => {
    queue.push(waiter.principal, waiter);
    // A newcomer of another principal may go at once; Redis-bound waits are not cut short.
    if (heldByShare) wake?.();
    pump();
  };
  /** A slot was freed here: let the queue try at once instead of finishing its wait. */
  const nudge = () => {
    wake?.();
    pump();
  };

  const pump = () => {
    if (pumping || closed) return;
    pumping = true;
    drive()
      .catch((error: unknown) => logger.error('redis limiter queue failed', { error }))
      .finally(() => {
        pumping = false;
        if (queue.size > 0 && mode.kind !== 'fallback' && !closed) pump();
      });
  };

  const drive = async () => {
    while (!closed && queue.size > 0 && mode.kind !== 'fallback') {
      const want = queue.grantable(concurrency, mono());
      if (want === 0) {
        // Every waiting principal is at its share here: a release nudges, or its window moves on.
        const at = queue.nextRoomAt(mono());
        heldByShare = true;
        await sleep(at === undefined ? maxSleepMs : Math.ceil(at - mono()) + 1);
        heldByShare = false;
        continue;
      }
      const day = today();
      const quotaKey = keys.quota(day);
      const ids = Array.from({ length: want }, newId);
      let reply: number[];
      try {
        reply = await redis.mggLimiterAcquire(
          keys.window,
          keys.leases,
          quotaKey,
          concurrency,
          rateLimit,
          windowMs,
          dailyQuota,
          leaseTtlMs,
          QUOTA_TTL_SEC,
          ...ids,
        );
      } catch (error) {
        markDown('acquire failed', error);
        return;
      }
      const [redisNow = 0, granted = 0, waitMs = -1, , , used = 0] = reply;
      observe(redisNow);
      lastUsed = { day, used };
      const t = mono();
      for (const id of ids.slice(0, granted)) {
        const waiter = queue.next(t)?.item;
        inflight.set(id, { startedAt: t, quotaKey });
        if (!waiter) {
          void release(id, 'unused'); // its caller gave up meanwhile
          continue;
        }
        waiter.cleanup();
        waiter.resolve(makeLease(id, waiter, waiter.local));
      }
      if (used >= dailyQuota) {
        for (const waiter of queue.drain()) {
          waiter.cleanup();
          void waiter.local?.release({ counted: false });
          waiter.reject(quotaExhaustedError(dailyQuota, now()));
        }
        return;
      }
      if (queue.size === 0 || granted === ids.length) continue;
      await sleep(
        waitMs >= 0
          ? waitMs + random() * Math.min(pollMs, waitMs / 4 + 1)
          : pollMs * (0.5 + random()),
      );
    }
  };

  /** Waits up to `ms` (≤ maxSleepMs), or until a release here nudges. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, Math.min(maxSleepMs, ms)));
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  return {
    acquire(request = {}) {
      if (closed) return Promise.reject(new Error('rate limiter closed'));
      const { signal, principal } = request;
      if (signal?.aborted) return Promise.reject(abortedError());
      // Refuse at once when the quota (as last seen) cannot cover this call and everyone queued.
      if (
        mode.kind === 'redis' &&
        lastUsed?.day === today() &&
        lastUsed.used + queue.size >= dailyQuota
      ) {
        return Promise.reject(quotaExhaustedError(dailyQuota, now()));
      }
      return new Promise<Lease>((resolve, reject) => {
        const onAbort = () => {
          // Not queued here: on the local path, where the local limiter rejects it.
          if (!queue.delete(waiter)) return;
          void waiter.local?.release({ counted: false });
          reject(abortedError());
        };
        const waiter: Waiter = {
          principal,
          enqueuedAt: mono(),
          signal,
          resolve,
          reject,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        reroute(waiter);
      });
    },

    async snapshot(caller): Promise<LimiterSnapshot> {
      const queued = queue.size + routing.size;
      const own = caller && queue.usage(caller.principal);
      const callerPart = own && {
        caller: {
          ...own,
          queued: own.queued + [...routing].filter((w) => w.principal === caller.principal).length,
        },
      };
      if (mode.kind !== 'fallback') {
        const day = today();
        try {
          const [redisNow = 0, inFlight = 0, inWindow = 0, used = 0] =
            await redis.mggLimiterSnapshot(keys.window, keys.leases, keys.quota(day), windowMs);
          observe(redisNow);
          lastUsed = { day, used };
          return {
            inFlight,
            maxConcurrency: concurrency,
            callsInWindow: inFlight + inWindow,
            rateLimit,
            rateWindowMs,
            queued,
            callsToday: used,
            dailyQuota,
            shared: true,
            ...callerPart,
          };
        } catch (error) {
          markDown('snapshot failed', error);
        }
      }
      const local = mode.kind === 'fallback' ? await mode.local.snapshot() : undefined;
      return {
        inFlight: inflight.size,
        maxConcurrency: concurrency,
        callsInWindow: inflight.size + recent.length,
        rateLimit,
        rateWindowMs,
        queued,
        callsToday: (lastUsed?.day === today() ? lastUsed.used : 0) + (local?.callsToday ?? 0),
        dailyQuota,
        shared: false,
        ...callerPart,
      };
    },

    healthy: () => mode.kind !== 'fallback',
    mode: () => mode.kind,
    fleetSize,

    async close() {
      if (closed) return;
      closed = true;
      redis.off('close', onClose);
      clearInterval(renewTimer);
      clearInterval(heartbeatTimer);
      clearInterval(probeTimer);
      clearTimeout(warmupTimer);
      wake?.();
      for (const waiter of queue.drain()) {
        waiter.cleanup();
        void waiter.local?.release({ counted: false });
        waiter.reject(new Error('rate limiter closed'));
      }
      if (mode.kind !== 'redis') await mode.local.close();
      // Leases still held are not released here: their calls may still be running. They are
      // released by their callers, or expire within one lease TTL.
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
