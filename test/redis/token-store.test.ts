/**
 * One access token for the fleet: token managers on three instances (three connections) share one
 * identity call, one renewal, and survive the fetching instance dying or Redis going away. The
 * token is a secret: it never appears in a key name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenManager,
  type FetchedToken,
  type TokenManager,
} from '../../src/marketo/auth.js';
import type { RedisConnections } from '../../src/redis/connections.js';
import { createRedisTokenStore, type RedisTokenStore } from '../../src/redis/token-store.js';
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

interface Node {
  conn: RedisConnections;
  store: RedisTokenStore;
  manager: TokenManager;
}

/** An identity endpoint that takes `latencyMs` and counts its calls. */
function identity(latencyMs = 30, expiresInSec = 3600) {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: async (): Promise<FetchedToken> => {
      calls++;
      await new Promise((r) => setTimeout(r, latencyMs));
      return { accessToken: `secret-token-${calls}-${'x'.repeat(20)}`, expiresInSec };
    },
  };
}

async function nodes(
  n: number,
  fetchToken: () => Promise<FetchedToken>,
  options: { lockTtlMs?: number; refreshMarginMs?: number } = {},
): Promise<Node[]> {
  const namespace = redis.namespace();
  const out: Node[] = [];
  for (let i = 0; i < n; i++) {
    const conn = testConnections(redis, namespace);
    open.push(conn);
    expect(await conn.ready(5_000)).toBe(true);
    const store = createRedisTokenStore(conn.command, {
      prefix: conn.prefix,
      lockTtlMs: options.lockTtlMs ?? 300,
      pollMs: 5,
    });
    const manager = createTokenManager({
      store,
      fetchToken,
      timeScale: 1,
      ...(options.refreshMarginMs !== undefined && { refreshMarginMs: options.refreshMarginMs }),
    });
    out.push({ conn, store, manager });
  }
  return out;
}

describe('one token for the fleet', () => {
  it('60 concurrent callers on three instances cause one identity call', async () => {
    const id = identity();
    const fleet = await nodes(3, id.fetch);
    const tokens = await Promise.all(
      Array.from({ length: 60 }, (_, i) => fleet[i % 3]?.manager.getToken()),
    );
    expect(id.calls()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('stores the token with its lifetime (PX), under key names that never contain it', async () => {
    const id = identity(1, 50);
    const [node] = await nodes(1, id.fetch);
    const token = (await node?.manager.getToken()) ?? '';
    const keys = await node?.conn.command.keys(`${node.conn.prefix}*`);
    expect(keys?.sort()).toEqual([`${node?.conn.prefix}token`, `${node?.conn.prefix}token:kept`]);
    for (const key of keys ?? []) expect(key).not.toContain(token);
    const pttl = (await node?.conn.command.pttl(`${node.conn.prefix}token`)) ?? 0;
    expect(pttl).toBeGreaterThan(40_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
  });

  it('forgets a token Marketo rejected, but never a newer one', async () => {
    const id = identity(1);
    const [a, b] = await nodes(2, id.fetch);
    const first = await a?.manager.getToken();
    await b?.manager.invalidate('some-older-token');
    expect(await b?.manager.getToken()).toBe(first);
    await b?.manager.invalidate(first ?? '');
    const second = await a?.manager.getToken();
    expect(second).not.toBe(first);
    expect(await b?.manager.getToken()).toBe(second);
    expect(id.calls()).toBe(2);
  });

  it('renews once for the fleet when the token is due', async () => {
    // 1 s tokens, renewed 600 ms before expiry (but not before half the lifetime): due after 500 ms.
    const id = identity(20, 1);
    const fleet = await nodes(3, id.fetch, { refreshMarginMs: 600 });
    await Promise.all(fleet.map((n) => n.manager.getToken()));
    await new Promise((r) => setTimeout(r, 550));
    await Promise.all(fleet.flatMap((n) => [n.manager.getToken(), n.manager.getToken()]));
    await until(() => id.calls() >= 2, 1_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(id.calls()).toBe(2);
  });

  it('an instance that dies while fetching delays the others by one lock TTL at most', async () => {
    const id = identity(1);
    const [dying, other] = await nodes(2, id.fetch, { lockTtlMs: 200 });
    const lockedFrom = performance.now(); // the lock is taken after this instant
    expect(await dying?.store.get()).toBeUndefined(); // it took the lock and will never store
    const started = performance.now();
    await other?.manager.getToken();
    expect(id.calls()).toBe(1);
    // Not before the lock's 200 ms TTL ran out, and well within a few TTLs.
    expect(performance.now() - lockedFrom).toBeGreaterThanOrEqual(190);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('Redis away', () => {
  it('serves from the instance memory, reports unhealthy, and restores the token into a restarted Redis', async () => {
    const id = identity(1);
    const [a, b] = await nodes(2, id.fetch);
    const token = await a?.manager.getToken();
    expect(await b?.manager.getToken()).toBe(token);
    await redis.stop();
    expect(await a?.manager.getToken()).toBe(token);
    expect(a?.store.healthy()).toBe(false);
    await redis.start();
    await until(() => a?.conn.command.status === 'ready' && b?.conn.command.status === 'ready');
    expect(await b?.manager.getToken()).toBe(token);
    expect(await a?.manager.getToken()).toBe(token);
    expect(a?.store.healthy()).toBe(true);
    expect(id.calls()).toBe(1);
  });
});
