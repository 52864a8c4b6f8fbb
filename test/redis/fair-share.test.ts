/**
 * Fair share with the fleet's limiter: an instance's waiters take turns by principal while the
 * slots come from Redis, and GATEWAY_KEY_SHARE caps one principal's calls through each instance
 * (per instance by design: see `src/redis/rate-limiter.ts`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/marketo/rate-limiter.js';
import {
  createRedisRateLimiter,
  type RedisRateLimiter,
  type RedisRateLimiterOptions,
} from '../../src/redis/rate-limiter.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { testConnections } from './fleet.js';

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

/** `n` limiters on one fresh namespace, each on its own connection (separate instances). */
async function fleet(n: number, options: Partial<RedisRateLimiterOptions>) {
  const namespace = redis.namespace();
  const limiters: RedisRateLimiter[] = [];
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
  }
  return limiters;
}

describe('turns between principals on one instance', () => {
  it("grants a quiet key's call after one other grant, though a noisy key has 200 calls queued", async () => {
    const [limiter] = await fleet(1, { concurrency: 1 });
    if (!limiter) throw new Error('no limiter');
    const grants: string[] = [];
    const held: Lease[] = [];
    const request = (principal: string) =>
      limiter.acquire({ principal }).then((lease) => {
        grants.push(principal);
        held.push(lease);
      });
    const noisy = Array.from({ length: 200 }, () => request('noisy').catch(() => undefined));
    await expect.poll(() => grants.length, { timeout: 2_000 }).toBe(1);
    expect((await limiter.snapshot()).queued).toBe(199);
    const arrivedAfter = grants.length;
    void request('quiet');
    // Calls end one at a time; each release frees the single slot in Redis for the next in turn.
    while (!grants.includes('quiet')) {
      const lease = held.shift();
      if (lease) await lease.release();
      else await sleep(2);
    }
    expect(grants.length - arrivedAfter - 1).toBe(1);
    for (const lease of held.splice(0)) await lease.release();
    await limiter.close();
    await Promise.all(noisy);
  });
});

describe('the share cap with the Redis limiter', () => {
  it('keeps a lone key at ⌈s × concurrency⌉ leases though Redis has free slots, while another key gets its own', async () => {
    const [limiter] = await fleet(1, { concurrency: 4, keyShare: 0.5 });
    if (!limiter) throw new Error('no limiter');
    const lone: Lease[] = [];
    const pending = Array.from({ length: 3 }, () =>
      limiter.acquire({ principal: 'lone' }).then((lease) => lone.push(lease)),
    );
    await expect.poll(() => lone.length, { timeout: 2_000 }).toBe(2);
    await sleep(60); // many polls: the third stays queued
    expect(lone).toHaveLength(2);
    expect(await limiter.snapshot()).toMatchObject({ inFlight: 2, queued: 1 });
    const other = await Promise.all([
      limiter.acquire({ principal: 'other' }),
      limiter.acquire({ principal: 'other' }),
    ]);
    expect((await limiter.snapshot()).inFlight).toBe(4);
    await lone[0]?.release();
    await expect.poll(() => lone.length, { timeout: 2_000 }).toBe(3);
    await Promise.all(pending);
    for (const lease of [...lone.slice(1), ...other]) await lease.release();
  });

  it('is counted per instance: two instances let one key hold its share on each', async () => {
    const [a, b] = await fleet(2, { concurrency: 4, keyShare: 0.5 });
    if (!a || !b) throw new Error('no limiters');
    const held = await Promise.all([a, a, b, b].map((l) => l.acquire({ principal: 'key' })));
    expect((await a.snapshot()).inFlight).toBe(4);
    for (const lease of held) await lease.release();
  });
});
