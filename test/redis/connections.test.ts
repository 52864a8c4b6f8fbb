/**
 * Connections from REDIS_URL: one key prefix per deployment, a readiness probe that answers
 * quickly either way, separate publish/subscribe clients, and a clean close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnections, redisKeyPrefix } from '../../src/redis/connections.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { testConnections, until } from './fleet.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe('key prefix', () => {
  it('is mgg:{namespace}: (a cluster hash tag), and refuses namespaces that could nest another', () => {
    expect(redisKeyPrefix()).toBe('mgg:{default}:');
    expect(redisKeyPrefix('prod-eu')).toBe('mgg:{prod-eu}:');
    expect(() => redisKeyPrefix('a}b')).toThrow(/namespace/);
    expect(() => redisKeyPrefix('')).toThrow(/namespace/);
    const conn = createRedisConnections({
      url: redis.url,
      namespace: 'x1',
      maxReconnectDelayMs: 40,
    });
    expect(conn.prefix).toBe('mgg:{x1}:');
    return conn.close();
  });
});

describe('readiness probe', () => {
  it('answers true while Redis is up, false quickly while it is away, and true again on its own', async () => {
    const conn = testConnections(redis, redis.namespace());
    try {
      expect(await conn.ready(5_000)).toBe(true);
      expect(await conn.ping()).toBe(true);
      await redis.stop();
      const started = performance.now();
      expect(await conn.ping(200)).toBe(false);
      expect(performance.now() - started).toBeLessThan(1_000); // its 200 ms timeout, not a hang
      await redis.start();
      expect(await conn.ready(5_000)).toBe(true);
      expect(await conn.ping()).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('answers false for a Redis that is not there', async () => {
    const conn = createRedisConnections({
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 100,
      maxReconnectDelayMs: 50,
    });
    try {
      expect(await conn.ready(150)).toBe(false);
      expect(await conn.ping(100)).toBe(false);
    } finally {
      await conn.close();
    }
  });
});

describe('publish and subscribe clients', () => {
  it('are separate connections that carry messages, and close() ends every connection', async () => {
    const conn = testConnections(redis, redis.namespace());
    const channel = `${conn.prefix}test`;
    const received: string[] = [];
    const subscriber = conn.subscriber();
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe(channel);
    expect(conn.publisher()).not.toBe(subscriber);
    expect(conn.publisher()).toBe(conn.publisher());
    await conn.publisher().publish(channel, 'hello');
    await until(() => received.length === 1);
    expect(received).toEqual(['hello']);
    await conn.close();
    for (const client of [conn.command, conn.publisher(), subscriber]) {
      expect(client.status).toBe('end');
    }
  });
});
