/**
 * THE feed test (issue 18): a named `leadChanged` feed consumed over SSE from two gateway
 * processes sharing a private redis-server, while 10,000 updates are made through `upsertLeads`
 * in batches of 300. The consumer disconnects and reconnects, the gateway polling the feed (the
 * one the consumer joined first) is killed with SIGKILL, and Redis is restarted empty. The
 * consumer acknowledges what it has (`acknowledgeFeed`) before each reconnect, as a consumer in
 * EXPLICIT mode does; its received changes must equal the sandbox's activity log exactly.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcess } from '../../bench/support.js';
import { decodeCursor } from '../../src/feeds/cursor.js';
import type { ScaleOutTuning } from '../../src/redis/scale-out.js';
import { formatDateTime } from '../../src/sandbox/values.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { spawnChaosGateway } from '../redis/chaos-gateway-process.js';
import { limiterOptions } from '../redis/fleet.js';

const timeScale = 100;
const UPDATES = 10_000;
const BATCH = 300;
const LEADS = 2_000;
const FEED = 'crm-sync';

const { prefix: _prefix, ...limiter } = limiterOptions('', timeScale);
const TUNING: ScaleOutTuning = {
  connection: { commandTimeoutMs: 5_000, connectTimeoutMs: 1_000, maxReconnectDelayMs: 50 },
  limiter: { ...limiter, leaseTtlMs: 1_000, probeIntervalMs: 50, heartbeatMs: 100 },
  tokenStore: { lockTtlMs: 1_000, pollMs: 10 },
  leaseMs: 1_000,
  adoptIntervalMs: 100,
};

interface Gateway {
  url: string;
  child: ChildProcess;
  alive: boolean;
}

let redis: TestRedis;
let sandbox: TestSandbox;
let dataDir: string;
const gateways: Gateway[] = [];

async function startGateway(namespace: string): Promise<Gateway> {
  const { url, child } = await spawnChaosGateway({
    sandbox,
    redisUrl: redis.url,
    namespace,
    dataDir,
    timeScale,
    tuning: TUNING,
    env: { FEED_POLL_INTERVAL_MS: '20', FEED_BUDGET_SHARE: '0.5' },
  });
  const gateway: Gateway = { url, child, alive: true };
  child.once('exit', () => {
    gateway.alive = false;
  });
  return gateway;
}

beforeAll(async () => {
  redis = await startTestRedis();
  sandbox = await startTestSandbox({ timeScale, leads: LEADS });
  dataDir = await mkdtemp(join(tmpdir(), 'feed-fleet-'));
  const namespace = redis.namespace();
  gateways.push(...(await Promise.all([0, 1].map(() => startGateway(namespace)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map(({ child }) => stopProcess(child)));
  await sandbox?.close();
  await redis?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POST a GraphQL operation; undefined when the gateway is gone, or answers errors or a typed error. */
async function post<T>(gateway: Gateway, query: string, variables: Record<string, unknown>) {
  try {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length || !body.data) return undefined;
    const failed = Object.values(body.data).some(
      (value) => typeof (value as { code?: unknown } | null)?.code === 'string',
    );
    return failed ? undefined : body.data;
  } catch {
    return undefined;
  }
}

/** Tries the operation on every live gateway in turn until one answers without errors. */
async function anyGateway<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const live = gateways.filter((g) => g.alive);
    const gateway = live[attempt % live.length]!;
    const data = await post<T>(gateway, query, variables);
    if (data !== undefined) return data;
    await sleep(50);
  }
  throw new Error(`no gateway answered ${query.slice(0, 60)}`);
}

const UPSERT = /* GraphQL */ `
  mutation FeedFleetUpsert($input: UpsertLeadsInput!) { upsertLeads(input: $input) { __typename ... on Error { code message } } }
`;
const ACK = /* GraphQL */ `
  mutation FeedFleetAck($feed: String!, $cursor: String!) {
    acknowledgeFeed(feed: $feed, cursor: $cursor) { ... on FeedPosition { cursor } ... on Error { code message } }
  }
`;
const SUBSCRIBE = /* GraphQL */ `
  subscription FeedFleetChanges($since: DateTime!) {
    leadChanged(fields: ["firstName"], since: $since, feed: "${FEED}") { cursor }
  }
`;

/**
 * Reads the subscription over SSE from `gateway`, handing each event's cursor to `onEvent`, until
 * `stop` aborts or the connection ends (the gateway died). Resolves either way.
 */
async function consume(
  gateway: Gateway,
  since: string,
  stop: AbortSignal,
  onEvent: (cursor: string) => void,
) {
  try {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIBE, variables: { since } }),
      signal: stop,
    });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (!data) continue;
        const result = JSON.parse(data) as {
          data?: { leadChanged: { cursor: string } };
          errors?: unknown[];
        };
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        if (result.data) onEvent(result.data.leadChanged.cursor);
        if (stop.aborted) return;
      }
    }
  } catch (error) {
    if (!stop.aborted && !(error instanceof TypeError) && !isAbort(error)) throw error;
  }
}

const isAbort = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'AbortError' || /terminated|aborted/i.test(error.message));

describe('named change feed across disconnects, a killed poller and a Redis restart', () => {
  it('delivers exactly the sandbox activity log: no duplicates, no gaps', async () => {
    const since = formatDateTime(sandbox.clock.now());
    const received: number[] = [];
    const cursors: string[] = [];
    let writing = true;
    const owner: Gateway = gateways[0]!;
    const log = (what: string) =>
      console.log(`${new Date().toISOString()} ${what} at ${received.length}`);

    // The writer: 10,000 firstName changes in batches of 300 through whichever gateway lives.
    const writer = (async () => {
      for (let done = 0; done < UPDATES; done += BATCH) {
        const leads = [];
        for (let k = done; k < Math.min(UPDATES, done + BATCH); k++) {
          leads.push({ id: 1 + (k % LEADS), firstName: `round${Math.floor(k / LEADS)}-${k}` });
        }
        await anyGateway(UPSERT, { input: { action: 'UPDATE_ONLY', lookupField: 'id', leads } });
        await sleep(20);
      }
      writing = false;
      log('writer done');
    })();

    // Chaos by progress of the consumer: a disconnect, the poller's gateway killed, Redis restarted.
    const plan = [
      { at: 1_500, act: async () => {} },
      {
        at: 4_000,
        act: async () => {
          const exited = new Promise((resolve) => owner.child.once('exit', resolve));
          owner.child.kill('SIGKILL');
          await exited;
        },
      },
      { at: 7_000, act: () => redis.restart(100) },
    ];
    let expected: number[] | undefined;
    let connections = 0;
    const deadline = Date.now() + 90_000;

    while (Date.now() < deadline) {
      const gateway = connections === 0 ? owner : gateways.filter((g) => g.alive)[0]!;
      connections++;
      log(`connect ${gateways.indexOf(gateway)}`);
      const stop = new AbortController();
      const step = plan[0];
      const session = consume(gateway, since, stop.signal, (cursor) => {
        if (stop.signal.aborted) return;
        cursors.push(cursor);
        received.push(decodeCursor(cursor).i!);
        if (step && received.length >= step.at) stop.abort();
        if (expected && received.length >= expected.length) stop.abort();
      });
      // Check for the end now and then (the writer is done and everything arrived).
      const watcher = (async () => {
        while (!stop.signal.aborted) {
          if (!writing && !expected) {
            expected = sandboxLog(since);
            if (received.length >= expected.length) stop.abort();
          }
          await sleep(100);
        }
      })();
      await session;
      stop.abort();
      await watcher;
      // What the consumer has, acknowledged before it reconnects (through a live gateway).
      if (cursors.length > 0) {
        await anyGateway(ACK, { feed: FEED, cursor: cursors.at(-1) });
      }
      if (step && received.length >= step.at) {
        plan.shift();
        log(`chaos ${step.at}`);
        await step.act();
      }
      if (expected && received.length >= expected.length) break;
    }
    await writer;
    expected ??= sandboxLog(since);
    // A little longer: nothing more arrives beyond the log.
    expect(received.length).toBe(expected.length);
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual(expected);
    expect(plan).toEqual([]);
    expect(connections).toBeGreaterThanOrEqual(4);
  }, 120_000);
});

/** The sandbox's firstName changes since `since`, in its order (the judge). */
function sandboxLog(since: string): number[] {
  const ids: number[] = [];
  for (const row of sandbox.store.activities(since)) {
    const types = row.activityTypeId === 12 || row.activityTypeId === 13;
    if (types && row.fields?.some((field) => field.name === 'firstName')) {
      ids.push(Number(row.marketoGUID));
    }
  }
  return ids;
}
