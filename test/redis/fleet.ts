/**
 * A gateway fleet in one test process: N "instances", each with its own ioredis connections, its
 * own Redis limiter and token store and its own Marketo client, all sharing one private Redis
 * (`test/helpers/redis.ts`) and one sandbox on a compressed clock.
 */
import { createMarketoClient, type MarketoClient } from '../../src/marketo/client.js';
import { createRedisConnections, type RedisConnections } from '../../src/redis/connections.js';
import {
  createRedisRateLimiter,
  type RedisRateLimiter,
  type RedisRateLimiterOptions,
} from '../../src/redis/rate-limiter.js';
import { createRedisTokenStore, type RedisTokenStore } from '../../src/redis/token-store.js';
import type { TestRedis } from '../helpers/redis.js';
import type { TestSandbox } from '../helpers/sandbox.js';

export interface Instance {
  connections: RedisConnections;
  limiter: RedisRateLimiter;
  tokens: RedisTokenStore;
  client: MarketoClient;
}

export interface FleetOptions {
  redis: TestRedis;
  sandbox: TestSandbox;
  timeScale: number;
  size?: number;
  limiter?: Partial<RedisRateLimiterOptions>;
}

/** Connection settings that notice an outage and reconnect within tens of ms. */
export const TEST_CONNECTION_TIMINGS = {
  commandTimeoutMs: 300,
  connectTimeoutMs: 300,
  maxReconnectDelayMs: 40,
} as const;

export function testConnections(redis: TestRedis, namespace: string): RedisConnections {
  return createRedisConnections({ url: redis.url, namespace, ...TEST_CONNECTION_TIMINGS });
}

/** The Marketo limits on the sandbox's clock, with lease/probe timings to match. */
export function limiterOptions(
  prefix: string,
  timeScale: number,
  extra: Partial<RedisRateLimiterOptions> = {},
): RedisRateLimiterOptions {
  return {
    prefix,
    concurrency: 10,
    rateLimit: 100,
    rateWindowMs: 20_000 / timeScale,
    dailyQuota: 50_000,
    leaseTtlMs: 400,
    pollMs: 5,
    probeIntervalMs: 40,
    ...extra,
  };
}

export async function startFleet(options: FleetOptions): Promise<{
  instances: Instance[];
  close(): Promise<void>;
}> {
  const { redis, sandbox, timeScale } = options;
  const namespace = redis.namespace();
  const instances: Instance[] = [];
  for (let i = 0; i < (options.size ?? 3); i++) {
    const connections = testConnections(redis, namespace);
    if (!(await connections.ready(5_000))) throw new Error('test Redis not reachable');
    const limiter = createRedisRateLimiter(
      connections.command,
      limiterOptions(connections.prefix, timeScale, options.limiter),
    );
    const tokens = createRedisTokenStore(connections.command, {
      prefix: connections.prefix,
      lockTtlMs: 500,
      pollMs: 5,
    });
    const client = createMarketoClient({
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      timeScale,
      keepAliveTimeoutMs: 10,
      retry: { baseMs: 5, maxMs: 50 },
      limiter,
      tokenStore: tokens,
    });
    instances.push({ connections, limiter, tokens, client });
  }
  return {
    instances,
    async close() {
      for (const instance of instances) {
        await instance.client.close();
        await instance.connections.close();
      }
    },
  };
}

/** Polls `check` every 10 ms until true (throws after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
