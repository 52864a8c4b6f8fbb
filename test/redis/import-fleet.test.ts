/**
 * Import jobs shared by a fleet: three gateways (`createGateway` with REDIS_URL) on one private
 * Redis and one sandbox, with one shared IMPORT_DATA_DIR. A subscriber on any instance hears an
 * import created on another; when the instance that received the input stops, exactly one other
 * instance takes the import over, follows what was submitted (row numbers still found from the
 * part files on the shared directory) and marks the rows never sent as OWNER_LOST. What Marketo
 * saw is read from the sandbox (`/__sandbox/stats`), never from the gateways.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { limiterOptions, TEST_CONNECTION_TIMINGS } from './fleet.js';
import {
  type GatewayClient,
  type Result,
  type GatewayFleet,
  gatewayClient,
  startGatewayFleet,
} from './gateway-fleet.js';

const timeScale = 100;
const ROWS = 2_000;
/** About 600 rows per Marketo file: four parts. */
const MAX_FILE_BYTES = 24_000;
/** Rows the sandbox fails: text in an integer field. */
const fails = (n: number) => n % 97 === 0;

let redis: TestRedis;
let dataDir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  // Part files are read by whichever instance follows a part: the fleet shares one directory.
  dataDir = await mkdtemp(join(tmpdir(), 'import-fleet-'));
});
afterAll(async () => {
  await redis?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Instance extends GatewayClient {
  gateway: Gateway;
  /** Log lines saying this instance adopted an import. */
  adoptions: Array<{ jobId: string }>;
}

async function startInstance(sandbox: TestSandbox, namespace: string): Promise<Instance> {
  const config = gatewayConfigFor(sandbox, timeScale, { redis: { url: redis.url, namespace } });
  const { prefix: _prefix, ...limiter } = limiterOptions('', timeScale);
  const adoptions: Array<{ jobId: string }> = [];
  const logger = createLogger({
    level: 'info',
    write: (line) => {
      if (line.includes('"import job adopted"')) adoptions.push(JSON.parse(line) as never);
    },
  });
  const gateway = await createGateway(config, {
    logger,
    exportJobs: { dataDir: join(dataDir, 'exports'), clock: sandbox.clock },
    importJobs: { dataDir, maxFileBytes: MAX_FILE_BYTES, pollIntervalMs: 40, queueRetryMs: 40 },
    redis: {
      connection: TEST_CONNECTION_TIMINGS,
      limiter,
      tokenStore: { lockTtlMs: 500, pollMs: 5 },
      // Room for a loaded machine: a live holder never loses its claim to a stall.
      leaseMs: 1_000,
      adoptIntervalMs: 50,
    },
  });
  const url = await gateway.start(0, '127.0.0.1');
  return { gateway, adoptions, ...gatewayClient(url) };
}

function startFleet(sandbox: TestSandbox): Promise<GatewayFleet<Instance>> {
  const namespace = redis.namespace();
  return startGatewayFleet(() => startInstance(sandbox, namespace));
}

const IMPORT = /* GraphQL */ `
  mutation FleetImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } } }
`;
const WATCH = /* GraphQL */ `
  subscription FleetWatchImport($id: ID!) {
    importJobStatus(id: $id) {
      status
      rowsTotal
      rowsFailed
      error { code message }
      parts { batchId firstRow rows }
      failures { rowNumber reason row }
    }
  }
`;
const JOB = /* GraphQL */ `
  query FleetImportJob($id: ID!) {
    importJob(id: $id) { status parts { batchId firstRow rows waiting } }
  }
`;

interface WatchedImport {
  importJobStatus: {
    status: string;
    rowsTotal: number;
    rowsFailed: number;
    error: { code: string; message: string } | null;
    parts: Array<{ batchId: string | null; firstRow: number; rows: number }>;
    failures: Array<{ rowNumber: number | null; reason: string; row: Record<string, string> }>;
  };
}

interface ImportJobView {
  importJob: {
    status: string;
    parts: Array<{
      batchId: string | null;
      firstRow: number;
      rows: number;
      waiting: string | null;
    }>;
  } | null;
}

const statuses = (results: Result<WatchedImport>[]): string[] =>
  results.map((r) => r.data?.importJobStatus.status ?? 'ERROR');

function csv(tag: string): string {
  const lines = ['email,firstName,integer_field'];
  for (let n = 1; n <= ROWS; n++) {
    lines.push(`${tag}-${n}@fleet-import.test,Name${n},${fails(n) ? `x${n}` : n}`);
  }
  return `${lines.join('\n')}\n`;
}

async function startImport(instance: Instance, tag: string): Promise<string> {
  const created = await instance.query<{ importLeads: { id: string } }>(IMPORT, {
    input: { data: csv(tag) },
  });
  expect(created.errors).toBeUndefined();
  return created.data!.importLeads.id;
}

/** Polls `importJob` on `instance` until `check` holds (fails after 20 s). */
async function jobUntil(
  instance: Instance,
  id: string,
  check: (job: NonNullable<ImportJobView['importJob']>) => boolean,
): Promise<NonNullable<ImportJobView['importJob']>> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const job = (await instance.query<ImportJobView>(JOB, { id })).data?.importJob;
    if (job && check(job)) return job;
    if (performance.now() > deadline) throw new Error(`import ${id}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Part files go once their part is finished, whoever followed it (fails after 10 s). */
async function noPartFilesLeft(): Promise<void> {
  const deadline = performance.now() + 10_000;
  while ((await readdir(join(dataDir, 'parts')).catch(() => [])).length > 0) {
    if (performance.now() > deadline) throw new Error('part files left behind');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const expectedFailures = (first = 1, last = ROWS) =>
  Array.from({ length: last - first + 1 }, (_, i) => first + i).filter(fails);

describe('import jobs shared by the fleet', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // 1 000 rows take 100 s of Marketo time (1 s real): a part is still importing when it is
    // submitted, and two import at once.
    sandbox = await startTestSandbox({
      timeScale,
      leads: 500,
      bulk: { importMsPer1000Rows: 100_000 },
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('a subscriber on instance C hears an import created on instance A through COMPLETE, failed rows numbered as in the input', async () => {
    await sandbox.reset();
    const fleet = await startFleet(sandbox);
    try {
      const [a, , c] = fleet.instances;
      const id = await startImport(a, 'heard');
      const watch = c.subscribe<WatchedImport>(WATCH, { id });
      await watch.done;
      expect(statuses(watch.results)).not.toContain('ERROR');
      expect(statuses(watch.results).at(-1)).toBe('COMPLETE');
      // C heard A's changes as they happened, not only the end.
      expect(new Set(statuses(watch.results)).size).toBeGreaterThan(1);
      const job = watch.results.at(-1)!.data!.importJobStatus;
      expect(job.parts.length).toBeGreaterThanOrEqual(2);
      expect(job.rowsTotal).toBe(ROWS);
      expect(job.failures.map((f) => f.rowNumber)).toEqual(expectedFailures());
      for (const failure of job.failures) {
        expect(failure.row.integer_field).toBe(`x${failure.rowNumber}`);
      }
      expect((await sandbox.stats()).importJobsCreated).toBe(job.parts.length);
      // Nobody took over a job whose owner was alive.
      expect(fleet.instances.flatMap((i) => i.adoptions)).toEqual([]);
      // Stopped the moment the job ended: its files go all the same (no one takes it over).
      await fleet.stop();
      await noPartFilesLeft();
    } finally {
      await fleet.stop();
    }
  });

  it('stopping the owner after every part was submitted still ends COMPLETE on B and C, followed by exactly one of them', async () => {
    await sandbox.reset();
    const fleet = await startFleet(sandbox);
    try {
      const [a, b, c] = fleet.instances;
      const id = await startImport(a, 'taken-over');
      const onB = b.subscribe<WatchedImport>(WATCH, { id });
      const onC = c.subscribe<WatchedImport>(WATCH, { id });
      const submitted = await jobUntil(
        b,
        id,
        (job) => job.status !== 'SPLITTING' && job.parts.every((p) => p.batchId !== null),
      );
      expect(submitted.status).not.toBe('COMPLETE');
      await fleet.stopOne(a);
      await Promise.all([onB.done, onC.done]);
      for (const watch of [onB, onC]) {
        expect(statuses(watch.results)).not.toContain('ERROR');
        expect(statuses(watch.results).at(-1)).toBe('COMPLETE');
        const job = watch.results.at(-1)!.data!.importJobStatus;
        // Row numbers come from the part files on the shared data directory.
        expect(job.failures.map((f) => f.rowNumber)).toEqual(expectedFailures());
        expect(job.error).toBeNull();
      }
      // Taken over once, by B or C; nothing submitted again.
      const adoptions = [b, c].flatMap((i) => i.adoptions).filter((l) => l.jobId === id);
      expect(adoptions).toHaveLength(1);
      expect((await sandbox.stats()).importJobsCreated).toBe(submitted.parts.length);
      await noPartFilesLeft();
    } finally {
      await fleet.stop();
    }
  });
});

describe('an owner lost before sending every row', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // One import at a time in Marketo's queue, each part taking about 3 s: the second part waits
    // in the owner's queue (1016) while the first imports.
    sandbox = await startTestSandbox({
      timeScale,
      leads: 500,
      bulk: { importQueue: 1, importProcessing: 1, importMsPer1000Rows: 500_000 },
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('ends PARTIAL with OWNER_LOST naming the rows never sent, and imports the rows that were', async () => {
    const fleet = await startFleet(sandbox);
    try {
      const [a, b, c] = fleet.instances;
      const id = await startImport(a, 'lost');
      const onC = c.subscribe<WatchedImport>(WATCH, { id });
      const waiting = await jobUntil(b, id, (job) => job.parts.some((p) => p.waiting !== null));
      await fleet.stopOne(a);
      await onC.done;
      expect(statuses(onC.results).at(-1)).toBe('PARTIAL');
      const job = onC.results.at(-1)!.data!.importJobStatus;
      const sent = job.parts.filter((p) => p.batchId !== null);
      expect(sent).toHaveLength(1);
      const first = sent[0]!;
      expect(first.firstRow).toBe(1);
      const unsent = waiting.parts.find((p) => p.waiting !== null)!;
      expect(job.error?.code).toBe('OWNER_LOST');
      // The first row never sent is named, and the rows after it too.
      expect(job.error?.message).toContain(
        `${unsent.firstRow}–${unsent.firstRow + unsent.rows - 1}`,
      );
      expect(job.error?.message).toMatch(/onwards/);
      expect(job.failures.map((f) => f.rowNumber)).toEqual(expectedFailures(1, first.rows));
      expect((await sandbox.stats()).importJobsCreated).toBe(1);
      const adoptions = [b, c].flatMap((i) => i.adoptions).filter((l) => l.jobId === id);
      expect(adoptions).toHaveLength(1);
      await noPartFilesLeft();
    } finally {
      await fleet.stop();
    }
  });
});
