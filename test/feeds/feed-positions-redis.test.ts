/**
 * Named feed positions in Redis (REDIS_URL): two instances share one position; an acknowledgement
 * made while Redis is away waits for it; a Redis restarted empty gets the position back from the
 * instance that saved it last, so a consumer resuming anywhere gets exactly what follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedEvent, FeedManager, type FeedStoredRecord } from '../../src/feeds/feeds.js';
import { FeedPacer } from '../../src/feeds/pacer.js';
import type { FeedSpec } from '../../src/feeds/spec.js';
import { createRedisJobRegistry } from '../../src/redis/job-registry.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { testConnections } from '../redis/fleet.js';
import { FakeLog } from './fake-log.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

const spec: FeedSpec = { kind: 'activities', typeIds: [13] };

async function take(stream: AsyncGenerator<FeedEvent>, n: number): Promise<FeedEvent[]> {
  const got: FeedEvent[] = [];
  while (got.length < n) {
    const step = await stream.next();
    if (step.done) break;
    got.push(step.value);
  }
  return got;
}

describe('named feed positions in Redis', () => {
  it('survive a Redis restart and are shared by instances', async () => {
    const log = new FakeLog(4);
    log.append(20);
    const namespace = redis.namespace();
    const instances = [0, 1].map(() => {
      const connections = testConnections(redis, namespace);
      const registry = createRedisJobRegistry<FeedStoredRecord>(connections, {
        prefix: `${connections.prefix}feeds:test:`,
        kind: 'feed',
        leaseMs: 300,
        isActive: (record) => record.type === 'feed',
      });
      const feeds = new FeedManager({
        reader: () => log.reader(),
        pacer: new FeedPacer(1, 1_000_000, 1_000),
        pollIntervalMs: 10,
        registry,
        adoptIntervalMs: 50,
        ackTimeoutMs: 10_000,
      });
      return { connections, feeds };
    });
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    try {
      for (const { connections, feeds } of instances) {
        expect(await connections.ready(5_000)).toBe(true);
        await feeds.start();
      }
      const first = a.feeds.subscribe({ spec, feed: 'sync', since: new Date(0) });
      const got = await take(first, 6);
      await a.feeds.acknowledge('sync', got[5]!.cursor);
      await first.return();

      // Redis loses everything; instance A (which saved the position) puts it back.
      await redis.restart(50);
      await expect
        .poll(async () => (await b.feeds.position('sync').catch(() => undefined))?.cursor, {
          timeout: 10_000,
        })
        .toBe(got[5]!.cursor);

      // The consumer resumes on instance B: exactly what follows the acknowledged event.
      const resumed = b.feeds.subscribe({ spec, feed: 'sync' });
      expect((await take(resumed, 14)).map((e) => e.item.id)).toEqual(
        log.items.slice(6).map((i) => i.id),
      );
      await resumed.return();
    } finally {
      for (const { connections, feeds } of instances) {
        await feeds.close();
        await connections.close();
      }
    }
  }, 30_000);
});
