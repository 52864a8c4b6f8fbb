/**
 * The local share with Redis away follows the fleet's size: every instance refreshes a heartbeat
 * in Redis and remembers the live count, so four instances (or any number) each take a quarter
 * of Marketo's limits — checked at the sandbox (`/__sandbox/stats`), the judge of 606 and 615.
 * GATEWAY_FLEET_SIZE pins the count.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startFleet, until } from './fleet.js';

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

describe('the local share follows the fleet size', () => {
  it('four instances with Redis stopped: a burst stays within 100 calls per window and 10 in flight', async () => {
    // expectedInstances 3 is what an instance assumes before its first count: the heartbeats
    // must have taught it better.
    const fleet = await startFleet({
      redis,
      sandbox,
      timeScale,
      size: 4,
      limiter: { expectedInstances: 3, heartbeatMs: 20 },
    });
    try {
      await until(() => fleet.instances.every((i) => i.limiter.fleetSize() === 4));
      // One token for the fleet before the outage, kept in every instance's memory.
      await Promise.all(fleet.instances.map((i) => i.client.getList(1001)));
      await redis.stop();
      // Every instance notices at its next call; a burst of 4 × 30 callers × 3 calls.
      const burst = Promise.all(
        fleet.instances.flatMap(({ client }, n) =>
          Array.from({ length: 30 }, async (_, i) => {
            const id = n * 30 + i + 1;
            await client.getLeadsByIds([id], ['email']);
            await client.getList(1001);
            await client.isMemberOfList(1001, [id]);
          }),
        ),
      );
      await until(() => fleet.instances.every((i) => i.limiter.mode() === 'fallback'));
      await burst;
      const stats = await sandbox.stats();
      expect(stats.calls.total).toBeGreaterThanOrEqual(4 + 360);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      // Each instance took a quarter: 360 calls at 4 × 25 per window need three windows or more.
      for (const { limiter } of fleet.instances) expect(limiter.fleetSize()).toBe(4);
    } finally {
      await redis.start();
      await fleet.close();
    }
  });

  it('remembers the count through a restart that lost the heartbeats, and a pinned size wins', async () => {
    const fleet = await startFleet({
      redis,
      sandbox,
      timeScale,
      size: 2,
      limiter: { heartbeatMs: 20 },
    });
    // Another deployment (its own namespace) of one instance, pinned at 7.
    const pinned = await startFleet({
      redis,
      sandbox,
      timeScale,
      size: 1,
      limiter: { heartbeatMs: 20, fleetSize: 7 },
    });
    try {
      await until(() => fleet.instances.every((i) => i.limiter.fleetSize() === 2));
      expect(pinned.instances[0]?.limiter.fleetSize()).toBe(7);
      // Restarted empty: the first heartbeat after it counts one instance, but the larger count
      // seen moments before is still the one used.
      await redis.restart(10);
      await new Promise((r) => setTimeout(r, 3 * 20));
      for (const { limiter } of fleet.instances) expect(limiter.fleetSize()).toBe(2);
    } finally {
      await pinned.close();
      await fleet.close();
    }
  });

  it('GATEWAY_FLEET_SIZE pins it (an integer ≥ 1, named when wrong)', () => {
    const base = { REDIS_URL: 'redis://localhost:6379' };
    expect(loadConfig({ ...base, GATEWAY_FLEET_SIZE: '4' }).redis?.fleetSize).toBe(4);
    expect(loadConfig(base).redis?.fleetSize).toBeUndefined();
    expect(() => loadConfig({ ...base, GATEWAY_FLEET_SIZE: '0' })).toThrow(/^GATEWAY_FLEET_SIZE/);
  });
});
