/**
 * The Redis limiter's contract, instance against instance (each with its own connection, as
 * separate gateway processes would be): the same semantics as the in-process limiter, held for
 * the whole fleet, with leases that outlive neither their holder nor an outage.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MarketoError } from '../../src/marketo/errors.js';
import type { RedisConnections } from '../../src/redis/connections.js';
import {
  createRedisRateLimiter,
  type RedisRateLimiter,
  type RedisRateLimiterOptions,
} from '../../src/redis/rate-limiter.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { testConnections, until } from './fleet.js';

let redis: TestRedis;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  for (const item of open.reverse()) await item.close();
  await redis?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` limiters on one fresh namespace, each on its own connection. */
async function fleet(
  n: number,
  options: Partial<RedisRateLimiterOptions>,
): Promise<{ limiters: RedisRateLimiter[]; connections: RedisConnections[] }> {
  const namespace = redis.namespace();
  const limiters: RedisRateLimiter[] = [];
  const connections: RedisConnections[] = [];
  for (let i = 0; i < n; i++) {
    const conn = testConnections(redis, namespace);
    expect(await conn.ready(5_000)).toBe(true);
    const limiter = createRedisRateLimiter(conn.command, {
      prefix: conn.prefix,
      concurrency: 10,
      rateLimit: 1_000,
      rateWindowMs: 200,
      dailyQuota: 10_000,
      leaseTtlMs: 300,
      pollMs: 5,
      probeIntervalMs: 30,
      ...options,
    });
    open.push(conn, limiter);
    limiters.push(limiter);
    connections.push(conn);
  }
  return { limiters, connections };
}

describe('slots shared by the fleet', () => {
  it('grants at most `concurrency` leases across instances; the next caller waits for a release', async () => {
    const {
      limiters: [a, b, c],
    } = await fleet(3, { concurrency: 4 });
    const held = await Promise.all([a, a, b, c].map((l) => l?.acquire()));
    let granted = false;
    const waiting = c?.acquire().then((lease) => {
      granted = true;
      return lease;
    });
    await sleep(60);
    expect(granted).toBe(false);
    expect(await b?.snapshot()).toMatchObject({ inFlight: 4, maxConcurrency: 4, shared: true });
    await held[0]?.release();
    const lease = await waiting;
    expect(lease?.waitedMs).toBeGreaterThanOrEqual(50);
    await Promise.all([lease, ...held.slice(1)].map((l) => l?.release()));
    expect((await a?.snapshot())?.inFlight).toBe(0);
  });

  it('keeps a completed call in the rolling window for one window after it ends', async () => {
    const {
      limiters: [a, b],
    } = await fleet(2, { rateLimit: 3, rateWindowMs: 150 });
    for (const limiter of [a, b, a]) await (await limiter?.acquire())?.release();
    expect((await b?.snapshot())?.callsInWindow).toBe(3);
    const lease = await b?.acquire();
    expect(lease?.waitedMs).toBeGreaterThanOrEqual(100);
    await lease?.release();
  });

  it('returns the slots of an instance that died holding them within one lease TTL', async () => {
    const {
      limiters: [dead, alive],
    } = await fleet(2, { concurrency: 2, leaseTtlMs: 150 });
    const heldFrom = performance.now(); // the dead leases are granted after this instant
    await dead?.acquire();
    await dead?.acquire();
    await dead?.close(); // stops renewing, never releases: a crashed process
    const started = performance.now();
    const lease = await alive?.acquire();
    // Not before a lease TTL (150 ms) has run out, and well within a few TTLs.
    expect(performance.now() - heldFrom).toBeGreaterThanOrEqual(140);
    expect(performance.now() - started).toBeLessThan(1_000);
    // The dead instance's two leases lapse one after the other; within one more TTL only the
    // live lease is left in flight.
    await vi.waitFor(async () => expect((await alive?.snapshot())?.inFlight).toBe(1), {
      timeout: 1_000,
      interval: 20,
    });
    await lease?.release();
  });

  it('lets a live holder keep its slot through a call longer than the lease TTL', async () => {
    const {
      limiters: [holder, other],
    } = await fleet(2, { concurrency: 1, leaseTtlMs: 90 });
    const held = await holder?.acquire();
    const controller = new AbortController();
    const attempt = other?.acquire({ signal: controller.signal }).catch((e: unknown) => e);
    await sleep(400); // more than four lease TTLs
    controller.abort();
    expect(await attempt).toMatchObject({ code: 'ABORTED' });
    expect((await other?.snapshot())?.queued).toBe(0);
    await held?.release();
    await (await other?.acquire())?.release();
  });
});

describe('the daily quota', () => {
  it('is counted for the fleet and refused with QUOTA_EXHAUSTED; uncounted calls are refunded', async () => {
    const {
      limiters: [a, b, c],
    } = await fleet(3, { dailyQuota: 3 });
    await (await a?.acquire())?.release();
    await (await b?.acquire())?.release({ counted: false }); // e.g. a 606: Marketo did not count it
    await (await c?.acquire())?.release();
    await (await a?.acquire())?.release();
    for (const limiter of [a, b, c]) {
      const error = (await limiter?.acquire().catch((e: unknown) => e)) as MarketoError;
      expect(error).toMatchObject({ code: 'QUOTA_EXHAUSTED', retryable: false });
      expect(Date.parse(error.resetsAt ?? '')).toBeGreaterThan(Date.now());
    }
    expect((await b?.snapshot())?.callsToday).toBe(3);
  });
});

describe('Redis away', () => {
  it('falls back to a local share (limits ÷ fleet size), reports unhealthy, and returns to Redis by itself', async () => {
    // One instance whose fleet size is pinned at 3 (GATEWAY_FLEET_SIZE); see fleet-size.test.ts.
    const {
      limiters: [a],
      connections: [conn],
    } = await fleet(1, { concurrency: 9, rateWindowMs: 100, fleetSize: 3 });
    await (await a?.acquire())?.release();
    expect(a?.healthy()).toBe(true);
    expect(await conn?.ping()).toBe(true);

    const stoppedAt = performance.now(); // the switch to the local share happens after this
    await redis.stop();
    await until(() => a?.healthy() === false);
    expect(a?.mode()).toBe('fallback');
    expect(await conn?.ping()).toBe(false);
    const leases = await Promise.all([1, 2, 3].map(() => a?.acquire()));
    // Local grants wait one window (100 ms) after the switch (others' calls may still be in it).
    expect(performance.now() - stoppedAt).toBeGreaterThanOrEqual(95);
    let fourth = false;
    const pending = a?.acquire().then((lease) => {
      fourth = true;
      return lease;
    });
    await sleep(50);
    expect(fourth).toBe(false); // 9 / 3 = 3 in flight at most
    expect(await a?.snapshot()).toMatchObject({ shared: false, inFlight: 3 });

    await redis.start();
    await until(() => a?.healthy() === true);
    await Promise.all(leases.map((l) => l?.release()));
    await (await pending)?.release();
    await until(() => a?.mode() === 'redis');
    expect(await conn?.ping()).toBe(true);
    expect(await a?.snapshot()).toMatchObject({ shared: true, inFlight: 0 });
    // The calls made while Redis was away were written back into the shared window and count.
    expect((await a?.snapshot())?.callsToday).toBeGreaterThanOrEqual(4);
  });

  it('keeps every key under the deployment prefix', async () => {
    const namespace = redis.namespace();
    const conn = testConnections(redis, namespace);
    open.push(conn);
    await conn.ready(5_000);
    const limiter = createRedisRateLimiter(conn.command, {
      prefix: conn.prefix,
      concurrency: 10,
      rateLimit: 100,
      rateWindowMs: 200,
      dailyQuota: 100,
    });
    open.push(limiter);
    await (await limiter.acquire())?.release();
    const keys = await conn.command.keys(`*${namespace}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(`mgg:{${namespace}}:limiter:`)).toBe(true);
  });
});
