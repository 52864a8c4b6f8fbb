/**
 * Three gateways (`createGateway`, as `npm start` builds them with REDIS_URL) in one process, each
 * with its own Redis connections, sharing one namespace of a private redis-server and one sandbox
 * on a compressed clock: they spend one Marketo budget, fetch one token, share export jobs and
 * their events, and say on `/ready` whether Redis is there. Limits are checked at the sandbox
 * (`/__sandbox/stats`), never against the gateways' opinion of themselves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { silentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { dataEpoch, iso } from '../export/fixture.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { limiterOptions, TEST_CONNECTION_TIMINGS, until } from './fleet.js';
import {
  type GatewayClient,
  type GatewayFleet,
  gatewayClient,
  type Result,
  startGatewayFleet,
} from './gateway-fleet.js';

const timeScale = 100;
const DAY = 86_400_000;
let redis: TestRedis;
let sandbox: TestSandbox;
let dataDir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  // A status step of 20 s of Marketo time (200 ms real): an export takes about a second.
  // A day-long token: at 100× Marketo's hour is 36 s real, which a loaded machine can outlast,
  // and a renewal would count as a second token where the fleet's sharing is what is checked.
  sandbox = await startTestSandbox({
    timeScale,
    leads: 2000,
    tokenLifetimeSec: 86_400,
    bulk: { exportStepMs: 20_000 },
  });
  // Export rows are read by every instance: the fleet shares one data directory.
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-fleet-exports-'));
});
afterAll(async () => {
  await sandbox?.close();
  await redis?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await sandbox.reset();
});

interface Instance extends GatewayClient {
  gateway: Gateway;
  ready(): Promise<number>;
}

async function startInstance(namespace: string): Promise<Instance> {
  const config = gatewayConfigFor(sandbox, timeScale, { redis: { url: redis.url, namespace } });
  const { prefix: _prefix, ...limiter } = limiterOptions('', timeScale);
  const gateway = await createGateway(config, {
    logger: silentLogger,
    exportJobs: {
      dataDir,
      clock: sandbox.clock,
      pollIntervalMs: 40,
      maxPollIntervalMs: 80,
      progressIntervalMs: 20,
    },
    redis: {
      // A killed Redis is seen at once (its connections close); a command merely slow on a loaded
      // machine must not count as Redis away, which would send each instance for its own token.
      connection: { ...TEST_CONNECTION_TIMINGS, commandTimeoutMs: 2_000 },
      limiter,
      tokenStore: { lockTtlMs: 500, pollMs: 5 },
      leaseMs: 300,
      adoptIntervalMs: 50,
    },
  });
  const url = await gateway.start(0, '127.0.0.1');
  return {
    gateway,
    ...gatewayClient(url),
    ready: async () => (await fetch(`${url}/ready`)).status,
  };
}

/** Three instances of one deployment (a fresh namespace). */
function startFleet(): Promise<GatewayFleet<Instance>> {
  const namespace = redis.namespace();
  return startGatewayFleet(() => startInstance(namespace));
}

// One upsert a call: unlike reads (shared between concurrent operations), writes cannot merge.
const UPSERT = /* GraphQL */ `
  mutation FleetUpsertOne($email: String!) {
    upsertLeads(input: { leads: [{ email: $email }], mode: SYNC }) { ... on UpsertLeadsResult { created updated failed } ... on Error { code message } }
  }
`;
const STATUS = /* GraphQL */ `
  query FleetStatus { marketoStatus { callsToday limiter { shared rateLimit maxConcurrency callsInWindow } } }
`;
const CREATE = /* GraphQL */ `
  mutation FleetCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }
`;
const WATCH = /* GraphQL */ `
  subscription FleetWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }
`;
const ROWS = /* GraphQL */ `
  query FleetExportRows($id: ID!) { exportJob(id: $id) { status rowCount rows(first: 5) { totalCount } } }
`;

interface Watched {
  exportJobStatus: { status: string; rowCount: number | null };
}

const statuses = (results: Result<Watched>[]): string[] =>
  results.map((r) => r.data?.exportJobStatus.status ?? 'ERROR');

async function createExport(instance: Instance): Promise<string> {
  const epoch = dataEpoch(sandbox);
  const created = await instance.query<{ createExportJob: { id: string } }>(CREATE, {
    input: {
      entity: 'LEADS',
      fields: ['id', 'email'],
      format: 'CSV',
      filter: { createdAt: { startAt: iso(epoch - 25 * DAY), endAt: iso(epoch - 2 * DAY) } },
    },
  });
  expect(created.errors).toBeUndefined();
  return created.data!.createExportJob.id;
}

describe('one Marketo budget for the fleet', () => {
  it('load spread over three instances stays within 100 calls / 20 s and 10 in flight, with one token', async () => {
    const fleet = await startFleet();
    try {
      const started = performance.now();
      const results = await Promise.all(
        fleet.instances.flatMap((instance, n) =>
          Array.from({ length: 80 }, (_, i) =>
            instance.query<{ upsertLeads: { created: number; updated: number } }>(UPSERT, {
              email: `fleet-${n}-${i}@example.com`,
            }),
          ),
        ),
      );
      const elapsed = performance.now() - started;
      expect(results.filter((r) => r.errors !== undefined)).toEqual([]);
      expect(results.every((r) => r.data?.upsertLeads.created === 1)).toBe(true);
      const stats = await sandbox.stats();
      expect(stats.calls.total).toBeGreaterThanOrEqual(240);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      expect(stats.tokensIssued).toBe(1);
      // 240 calls at 100 per 20 s of sandbox time take more than two full windows.
      expect(elapsed).toBeGreaterThanOrEqual((2 * 20_000) / timeScale);
    } finally {
      await fleet.stop();
    }
  });

  it('marketoStatus on any instance shows the fleet budget', async () => {
    const fleet = await startFleet();
    try {
      const [a, b, c] = fleet.instances as [Instance, Instance, Instance];
      for (const [n, instance] of [a, a, b, c].entries()) {
        const email = `status-${n}@example.com`;
        expect((await instance.query(UPSERT, { email })).errors).toBeUndefined();
      }
      const used = (await sandbox.stats()).quota.used;
      expect(used).toBeGreaterThanOrEqual(4);
      for (const instance of fleet.instances) {
        const status = await instance.query<{
          marketoStatus: { callsToday: number; limiter: Record<string, unknown> };
        }>(STATUS);
        expect(status.data?.marketoStatus).toMatchObject({
          callsToday: used,
          limiter: { shared: true, rateLimit: 100, maxConcurrency: 10 },
        });
      }
    } finally {
      await fleet.stop();
    }
  });
});

describe('export jobs shared by the fleet', () => {
  it('a subscriber on instance C hears every change of an export created on instance A, through READY', async () => {
    const fleet = await startFleet();
    try {
      const [a, b, c] = fleet.instances as [Instance, Instance, Instance];
      const id = await createExport(a);
      const watch = c.subscribe<Watched>(WATCH, { id });
      await watch.done;
      expect(statuses(watch.results).at(-1)).toBe('READY');
      // More than the state at subscription time: C heard A's changes as they happened.
      expect(new Set(statuses(watch.results)).size).toBeGreaterThan(2);
      // The rows are readable from any instance.
      const rows = await b.query<{ exportJob: { rowCount: number; rows: { totalCount: number } } }>(
        ROWS,
        { id },
      );
      expect(rows.data?.exportJob.rowCount).toBeGreaterThan(0);
      expect(rows.data?.exportJob.rows.totalCount).toBe(rows.data?.exportJob.rowCount);
      const stats = await sandbox.stats();
      expect(stats.exportJobsCreated).toBe(1);
    } finally {
      await fleet.stop();
    }
  });

  it('stopping the polling instance mid-export still ends in READY for every subscriber on the others', async () => {
    const fleet = await startFleet();
    try {
      const [a, b, c] = fleet.instances as [Instance, Instance, Instance];
      // A created the job, so A holds its poller claim.
      const id = await createExport(a);
      const onB = b.subscribe<Watched>(WATCH, { id });
      const onC = c.subscribe<Watched>(WATCH, { id });
      await until(() => statuses(onB.results).includes('PROCESSING'), 10_000);
      await fleet.stopOne(a);
      await Promise.all([onB.done, onC.done]);
      for (const watch of [onB, onC]) {
        expect(statuses(watch.results)).not.toContain('ERROR');
        expect(statuses(watch.results).at(-1)).toBe('READY');
        expect(watch.results.at(-1)?.data?.exportJobStatus.rowCount).toBeGreaterThan(0);
      }
      // Taken over, not started again: still one Marketo job.
      expect((await sandbox.stats()).exportJobsCreated).toBe(1);
    } finally {
      await fleet.stop();
    }
  });
  it('a Redis restart mid-export (every key lost) still ends in READY for a subscriber on another instance', async () => {
    const fleet = await startFleet();
    try {
      const [a, b] = fleet.instances as [Instance, Instance, Instance];
      const id = await createExport(a);
      const onB = b.subscribe<Watched>(WATCH, { id });
      await until(() => statuses(onB.results).includes('PROCESSING'), 10_000);
      // The poller takes its claim back and restores the job; B's subscription resubscribes.
      await redis.restart(30);
      await onB.done;
      expect(statuses(onB.results)).not.toContain('ERROR');
      expect(statuses(onB.results).at(-1)).toBe('READY');
      expect((await sandbox.stats()).exportJobsCreated).toBe(1);
    } finally {
      await fleet.stop();
    }
  });
});

/** Polls every instance's `/ready` until all answer `status` (fails after 10 s). */
async function everyReady(instances: Instance[], status: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const answers = await Promise.all(instances.map((instance) => instance.ready()));
    if (answers.every((answer) => answer === status)) return;
    if (performance.now() > deadline) throw new Error(`/ready answered ${answers.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('readiness', () => {
  it('answers 200 without REDIS_URL (nothing to wait for)', async () => {
    const single = await startTestGateway();
    try {
      expect((await fetch(`${single.url}/ready`)).status).toBe(200);
    } finally {
      await single.stop();
    }
  });

  it('answers 503 on every instance while Redis is away and 200 again by itself after it is back', async () => {
    const fleet = await startFleet();
    try {
      await everyReady(fleet.instances, 200);
      await redis.stop();
      await everyReady(fleet.instances, 503);
      await redis.start(); // empty, on the same port
      await everyReady(fleet.instances, 200);
    } finally {
      await fleet.stop();
    }
  });
});
