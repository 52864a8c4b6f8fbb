/**
 * Three gateway instances behave as one Marketo caller: their Redis limiter and token store keep the
 * fleet within Marketo's limits at the sandbox — checked against the sandbox's own counters
 * (`/__sandbox/stats`), never against the limiter's opinion of itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { type Instance, startFleet, until } from './fleet.js';

const timeScale = 100;
let redis: TestRedis;
let sandbox: TestSandbox;

beforeAll(async () => {
  redis = await startTestRedis();
  sandbox = await startTestSandbox({ timeScale, leads: 2000 });
});
afterAll(async () => {
  await sandbox?.close();
  await redis?.close();
});
beforeEach(async () => {
  await sandbox.reset();
});

/** `perInstance` concurrent callers on every instance, each making three calls. */
function load(instances: Instance[], perInstance: number): Promise<unknown> {
  return Promise.all(
    instances.flatMap(({ client }, n) =>
      Array.from({ length: perInstance }, async (_, i) => {
        const id = n * perInstance + i + 1;
        await client.getLeadsByIds([id], ['email']);
        await client.getList(1001);
        await client.isMemberOfList(1001, [id]);
      }),
    ),
  );
}

describe('a fleet of three instances sharing Redis', () => {
  it('360 concurrent calls spread over three instances stay within 10 in flight and 100 per window, with one token', async () => {
    const fleet = await startFleet({ redis, sandbox, timeScale });
    try {
      const started = performance.now();
      await load(fleet.instances, 40);
      const elapsed = performance.now() - started;
      const stats = await sandbox.stats();
      expect(stats.calls.total).toBeGreaterThanOrEqual(360);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      expect(stats.tokensIssued).toBe(1);
      // 360 calls at 100 per 20 s of sandbox time need more than three full windows.
      expect(elapsed).toBeGreaterThanOrEqual((3 * 20_000) / timeScale);
      for (const { limiter } of fleet.instances) {
        const snapshot = await limiter.snapshot();
        expect(snapshot).toMatchObject({ shared: true, inFlight: 0 });
        expect(snapshot.callsToday).toBe(stats.quota.used);
      }
    } finally {
      await fleet.close();
    }
  });

  it('a Redis restart mid-load causes no limit violation, and every instance recovers on its own', async () => {
    const fleet = await startFleet({ redis, sandbox, timeScale });
    try {
      const running = load(fleet.instances, 50);
      await new Promise((r) => setTimeout(r, 300));
      await redis.stop();
      await until(() => fleet.instances.every((i) => !i.limiter.healthy()));
      const atOutage = (await sandbox.stats()).calls.total;
      // Two windows without Redis: the local shares keep the fleet going (after a one-window pause).
      await new Promise((r) => setTimeout(r, 2 * (20_000 / timeScale) + 100));
      expect((await sandbox.stats()).calls.total).toBeGreaterThan(atOutage);
      await redis.start(); // empty: the restarted Redis has lost every key
      await running;
      const stats = await sandbox.stats();
      expect(stats.calls.total).toBeGreaterThanOrEqual(450);
      // The token survived in the instances' memory and was put back: still one identity call.
      expect(stats.tokensIssued).toBe(1);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      await until(() => fleet.instances.every((i) => i.limiter.healthy()));
      await until(() => fleet.instances.every((i) => i.limiter.mode() === 'redis'));
      expect((await fleet.instances[0]?.limiter.snapshot())?.shared).toBe(true);
    } finally {
      await fleet.close();
    }
  });

  it('a restart shorter than one window (state lost, instances back at different moments) stays within the limits', async () => {
    const fleet = await startFleet({ redis, sandbox, timeScale });
    try {
      const running = load(fleet.instances, 40);
      await new Promise((r) => setTimeout(r, 250));
      await redis.restart(30);
      await running;
      const stats = await sandbox.stats();
      expect(stats.calls.total).toBeGreaterThanOrEqual(360);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      await until(() => fleet.instances.every((i) => i.limiter.mode() === 'redis'));
    } finally {
      await fleet.close();
    }
  });

  it('shares the daily quota: the fleet as a whole is refused with QUOTA_EXHAUSTED, before any 607', async () => {
    const fleet = await startFleet({ redis, sandbox, timeScale, limiter: { dailyQuota: 6 } });
    try {
      const [a, b, c] = fleet.instances.map((i) => i.client);
      for (const client of [a, b, c, a, b, c]) await client?.getList(1001);
      for (const client of [a, b, c]) {
        const error = await client?.getList(1001).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'QUOTA_EXHAUSTED', retryable: false });
        expect((error as { resetsAt?: string }).resetsAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
      const stats = await sandbox.stats();
      expect(stats.calls.byEndpoint['GET /rest/v1/lists/{id}.json']).toBe(6);
      expect(stats.errors['607']).toBeUndefined();
      expect((await fleet.instances[2]?.limiter.snapshot())?.callsToday).toBe(6);
    } finally {
      await fleet.close();
    }
  });
});
