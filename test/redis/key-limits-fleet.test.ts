/**
 * Per-key limits hold across a fleet (REDIS_URL): two gateways (`createGateway`) sharing one
 * namespace of a private redis-server and one sandbox count an API key's daily share
 * (`dailyCalls`) and its open subscriptions (GATEWAY_MAX_SUBSCRIPTIONS_PER_KEY) once for both.
 * A killed instance's subscription slots (taken, never released, no longer renewed) come back
 * after their lease.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/auth/api-keys.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createRedisConnections } from '../../src/redis/connections.js';
import { createRedisKeyBudgets } from '../../src/redis/key-budgets.js';
import { createRedisSubscriptionSlots } from '../../src/redis/subscription-slots.js';
import { DEFAULT_LIMITS } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { limiterOptions, TEST_CONNECTION_TIMINGS } from './fleet.js';

const timeScale = 100;
const DAILY = 6;
const PER_KEY = 3;
const LEASE_MS = 600;
const KEYS: ApiKey[] = [
  {
    name: 'dashboard',
    key: 'fleet-key-dashboard-0123456789',
    scopes: ['leads:read'],
    dailyCalls: DAILY,
  },
  { name: 'other', key: 'fleet-key-other-0123456789abcd', scopes: ['leads:read'] },
  { name: 'watcher', key: 'fleet-key-watcher-0123456789ab', scopes: ['leads:read'] },
  { name: 'orphaned', key: 'fleet-key-orphaned-0123456789a', scopes: ['leads:read'] },
];
const keyOf = (name: string) => KEYS.find((k) => k.name === name)!.key;
const LONG = 'subscription { marketoStatus(intervalMs: 100000) { callsToday } }';

let redis: TestRedis;
let sandbox: TestSandbox;
let namespace: string;
const gateways: Gateway[] = [];
const urls: string[] = [];
const clients: Client[] = [];

async function startInstance(): Promise<string> {
  const config = gatewayConfigFor(sandbox, timeScale, {
    redis: { url: redis.url, namespace },
    security: {
      apiKeys: KEYS,
      allowAnonymous: false,
      production: false,
      limits: { ...DEFAULT_LIMITS, maxSubscriptionsPerKey: PER_KEY, maxSubscriptionsPerSocket: 10 },
    },
  });
  const { prefix: _prefix, ...limiter } = limiterOptions('', timeScale);
  const gateway = await createGateway(config, {
    logger: silentLogger,
    redis: {
      connection: { ...TEST_CONNECTION_TIMINGS, commandTimeoutMs: 2_000 },
      limiter,
      tokenStore: { lockTtlMs: 500, pollMs: 5 },
      subscriptionLeaseMs: LEASE_MS,
    },
  });
  gateways.push(gateway);
  return gateway.start(0, '127.0.0.1');
}

beforeAll(async () => {
  redis = await startTestRedis();
  sandbox = await startTestSandbox({ timeScale, leads: 200, tokenLifetimeSec: 86_400 });
  namespace = redis.namespace();
  urls.push(await startInstance(), await startInstance());
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const gateway of gateways) await gateway.stop();
  await sandbox?.close();
  await redis?.close();
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: { marketo?: { calls?: number } };
}

async function query(url: string, key: string, text: string): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: text }),
  });
  return (await response.json()) as Answer;
}

type Outcome = { kind: 'open'; stop: () => void } | { kind: 'refused'; code: unknown };

/** Subscribes on a fresh socket; resolves at the first event (open) or the refusal. */
function subscribe(url: string, key: string): Promise<Outcome> {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${key}` },
  });
  clients.push(client);
  return new Promise((resolve, reject) => {
    const stop = client.subscribe(
      { query: LONG },
      {
        next: (result) =>
          resolve(
            result.errors
              ? { kind: 'refused', code: result.errors[0]?.extensions?.['code'] }
              : { kind: 'open', stop },
          ),
        error: (error) => {
          if (Array.isArray(error)) {
            resolve({
              kind: 'refused',
              code: (error[0] as { extensions?: Record<string, unknown> } | undefined)
                ?.extensions?.['code'],
            });
          } else reject(error as Error);
        },
        complete: () => {},
      },
    );
  });
}

describe("an API key's daily share across the fleet", () => {
  it('is spent once across both instances: past it both refuse, other keys go on', async () => {
    let spent = 0;
    const refusedOn = new Set<number>();
    for (let i = 0; i < 4 * DAILY && refusedOn.size < 2; i++) {
      const at = i % 2;
      const answer = await query(
        urls[at]!,
        keyOf('dashboard'),
        `{ leads(ids: [${i + 1}]) { id } }`,
      );
      spent += answer.extensions?.marketo?.calls ?? 0;
      const code = answer.errors?.[0]?.extensions?.['code'];
      if (code === 'KEY_QUOTA_EXHAUSTED') {
        expect(answer.errors?.[0]?.extensions).toMatchObject({ limit: DAILY });
        refusedOn.add(at);
      } else {
        expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
      }
    }
    expect([...refusedOn].sort()).toEqual([0, 1]);
    // The share is the fleet's: one instance alone would have let it spend 2 × DAILY.
    expect(spent).toBeLessThanOrEqual(DAILY);
    expect(spent).toBeGreaterThan(DAILY / 2);
    for (const url of urls) {
      const other = await query(url, keyOf('other'), '{ leads(ids: [1]) { id } }');
      expect(other.errors).toBeUndefined();
    }
  });
});

describe("an API key's subscriptions across the fleet", () => {
  it('count against one limit on both instances; a completed one frees a place anywhere', async () => {
    const key = keyOf('watcher');
    const [a, b] = urls as [string, string];
    const opened = [await subscribe(a, key), await subscribe(a, key), await subscribe(b, key)];
    expect(opened.map((o) => o.kind)).toEqual(['open', 'open', 'open']);
    expect(await subscribe(a, key)).toMatchObject({ kind: 'refused', code: 'SUBSCRIPTION_LIMIT' });
    expect(await subscribe(b, key)).toMatchObject({ kind: 'refused', code: 'SUBSCRIPTION_LIMIT' });
    // Another key is not affected.
    expect((await subscribe(b, keyOf('other'))).kind).toBe('open');
    const first = opened[0];
    if (first?.kind === 'open') first.stop();
    let again: Outcome | undefined;
    for (let i = 0; i < 50 && again?.kind !== 'open'; i++) {
      again = await subscribe(b, key);
      if (again.kind !== 'open') await new Promise((r) => setTimeout(r, 20));
    }
    expect(again?.kind).toBe('open');
  });

  it("a killed instance's slots come back after their lease", async () => {
    // What a killed instance leaves: slots taken, never released, no longer renewed.
    const connections = createRedisConnections({
      url: redis.url,
      namespace,
      ...TEST_CONNECTION_TIMINGS,
    });
    const killed = createRedisSubscriptionSlots(connections.command, {
      prefix: connections.prefix,
      leaseMs: LEASE_MS,
    });
    expect(await connections.ready(2_000)).toBe(true);
    for (let i = 0; i < PER_KEY; i++) {
      expect(typeof (await killed.take('orphaned', PER_KEY))).toBe('object');
    }
    killed.close();
    await connections.close();
    const started = performance.now();
    expect(await subscribe(urls[0]!, keyOf('orphaned'))).toMatchObject({ kind: 'refused' });
    let outcome: Outcome | undefined;
    while (outcome?.kind !== 'open' && performance.now() - started < 10 * LEASE_MS) {
      await new Promise((r) => setTimeout(r, 50));
      outcome = await subscribe(urls[1]!, keyOf('orphaned'));
    }
    expect(outcome?.kind).toBe('open');
    // Not before the lease ran out.
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
  });
});

describe('Redis away', () => {
  it("a key's share goes on locally (1/fleet size of what was left), said once in the log", async () => {
    const own = await startTestRedis();
    const lines: string[] = [];
    const connections = createRedisConnections({
      url: own.url,
      namespace: own.namespace(),
      ...TEST_CONNECTION_TIMINGS,
    });
    try {
      expect(await connections.ready(2_000)).toBe(true);
      const budgets = createRedisKeyBudgets(connections.command, {
        prefix: connections.prefix,
        fleetSize: () => 2,
        logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }),
      });
      const budget = budgets.budget('dashboard', 10);
      for (let i = 0; i < 4; i++) await budget.admit();
      await own.stop();
      // (10 - 4) / 2 left for this instance while the fleet cannot be asked.
      for (let i = 0; i < 3; i++) await budget.admit();
      await expect(budget.admit()).rejects.toMatchObject({ code: 'KEY_QUOTA_EXHAUSTED' });
      await expect(budget.admit()).rejects.toMatchObject({ code: 'KEY_QUOTA_EXHAUSTED' });
      expect(lines.filter((line) => line.includes('redis unavailable'))).toHaveLength(1);
    } finally {
      await connections.close();
      await own.close();
    }
  });
});
