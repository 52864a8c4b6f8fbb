/**
 * Chaos (issue 14): three gateway processes (`chaos-gateway.ts`, built like `npm start`) on one
 * private redis-server and one sandbox with real limits on a compressed clock; 200 graphql-ws
 * subscribers on running exports and imports; Redis killed (SIGKILL) and started again 10 times,
 * alternately empty and from a dump taken before the kill (an older state than the fleet's).
 * Outcomes, not timings: no gateway exits, none logs an unhandled rejection, every subscriber
 * receives its job's terminal state (the same one on every instance), each export is one Marketo
 * job, and the sandbox — the judge — answered no 606 or 615.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcess } from '../../bench/support.js';
import type { ScaleOutTuning } from '../../src/redis/scale-out.js';
import { dataEpoch, iso } from '../export/fixture.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { spawnChaosGateway } from './chaos-gateway-process.js';
import { limiterOptions } from './fleet.js';
import { type GatewayClient, gatewayClient, type Result } from './gateway-fleet.js';

const timeScale = 100;
const DAY = 86_400_000;
const EXPORTS = 4;
const IMPORTS = 4;
const SUBSCRIBERS = 200;
const RESTARTS = 10;
const IMPORT_ROWS = 600;

/**
 * Redis timings for a loaded 2-core machine. A killed Redis closes its connections, so outages
 * are noticed at once; the command timeout only has to outlast a starved event loop.
 */
const { prefix: _prefix, ...limiter } = limiterOptions('', timeScale);
const TUNING: ScaleOutTuning = {
  connection: { commandTimeoutMs: 5_000, connectTimeoutMs: 1_000, maxReconnectDelayMs: 50 },
  limiter: { ...limiter, leaseTtlMs: 1_000, probeIntervalMs: 50, heartbeatMs: 100 },
  tokenStore: { lockTtlMs: 1_000, pollMs: 10 },
  leaseMs: 1_000,
  adoptIntervalMs: 100,
};

interface Gateway extends GatewayClient {
  child: ChildProcess;
  exits: Array<number | null>;
  /** Its JSON log lines (warn and up). */
  lines: Array<Record<string, unknown>>;
}

let redis: TestRedis;
let sandbox: TestSandbox;
let dataDir: string;
const gateways: Gateway[] = [];

/** A gateway process, bundled and run as the benches run theirs (`spawnListening`). */
async function startGateway(namespace: string): Promise<Gateway> {
  const { url, child } = await spawnChaosGateway({
    sandbox,
    redisUrl: redis.url,
    namespace,
    dataDir,
    timeScale,
    tuning: TUNING,
    env: {
      EXPORT_POLL_INTERVAL_MS: '50',
      IMPORT_POLL_INTERVAL_MS: '50',
      // About 400 rows per Marketo file: two parts per import.
      IMPORT_MAX_FILE_BYTES: '12000',
      CHAOS_CLOCK: JSON.stringify({ marketo: sandbox.clock.now(), real: Date.now(), timeScale }),
    },
  });
  const exits: Array<number | null> = [];
  child.once('exit', (code) => exits.push(code));
  // Its JSON log lines (the listening line came first).
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { child, exits, lines, ...gatewayClient(url) };
}

beforeAll(async () => {
  redis = await startTestRedis();
  sandbox = await startTestSandbox({
    timeScale,
    leads: 2_000,
    // An export takes about 14 s, an import part about 6 s (two at a time each): the jobs run for
    // about 30 s, longer than the subscribers' setup and the chaos (about 12 s) together.
    bulk: { exportStepMs: 700_000, importMsPer1000Rows: 2_000_000 },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'chaos-'));
  const namespace = redis.namespace();
  gateways.push(...(await Promise.all([0, 1, 2].map(() => startGateway(namespace)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map(({ child }) => stopProcess(child)));
  await sandbox?.close();
  await redis?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const CREATE_EXPORT = /* GraphQL */ `
  mutation ChaosCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }
`;
const WATCH_EXPORT = /* GraphQL */ `
  subscription ChaosWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }
`;
const IMPORT = /* GraphQL */ `
  mutation ChaosImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }
`;
const WATCH_IMPORT = /* GraphQL */ `
  subscription ChaosWatchImport($id: ID!) { importJobStatus(id: $id) { status rowsTotal rowsFailed } }
`;

type Watched = Result<{
  exportJobStatus?: { status: string; rowCount: number | null };
  importJobStatus?: { status: string; rowsTotal: number; rowsFailed: number };
}>;
const TERMINAL = new Set(['READY', 'FAILED', 'CANCELLED', 'COMPLETE', 'PARTIAL']);
const statusOf = (result: Watched | undefined): string =>
  result?.data?.exportJobStatus?.status ?? result?.data?.importJobStatus?.status ?? 'ERROR';

function csv(tag: string): string {
  const lines = ['email,firstName'];
  for (let n = 1; n <= IMPORT_ROWS; n++) lines.push(`${tag}-${n}@chaos.test,Name${n}`);
  return `${lines.join('\n')}\n`;
}

/** Polls until `check` holds; fails after `timeoutMs` with `what`. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Redis killed and restarted under load', () => {
  it(`${RESTARTS} restarts (empty and from an older dump) with ${SUBSCRIBERS} subscribers: no exit, every terminal state, no 606/615`, async () => {
    const at = (i: number) => gateways[i % gateways.length]!;
    const epoch = dataEpoch(sandbox);
    const jobs: Array<{ kind: 'export' | 'import'; id: string }> = [];
    // The exports stay queued until the subscribers are in: on a loaded machine their setup can
    // outlast the jobs, and the chaos must start while jobs run.
    await sandbox.holdExports(true);
    for (let i = 0; i < EXPORTS; i++) {
      const created = await at(i).query<{ createExportJob: { id: string } }>(CREATE_EXPORT, {
        input: {
          entity: 'LEADS',
          fields: ['id', 'email'],
          format: 'CSV',
          filter: {
            createdAt: { startAt: iso(epoch - (25 + i) * DAY), endAt: iso(epoch - 2 * DAY) },
          },
        },
      });
      expect(created.errors).toBeUndefined();
      jobs.push({ kind: 'export', id: created.data!.createExportJob.id });
    }
    for (let i = 0; i < IMPORTS; i++) {
      const created = await at(i + 1).query<{ importLeads: { id: string } }>(IMPORT, {
        input: { data: csv(`job${i}`) },
      });
      expect(created.errors).toBeUndefined();
      jobs.push({ kind: 'import', id: created.data!.importLeads.id });
    }

    // 200 subscribers, spread over the jobs and the three gateways, joining 25 at a time.
    type Watch = {
      job: (typeof jobs)[number];
      results: Watched[];
      finished: boolean;
      error?: string;
    };
    const watches: Watch[] = [];
    for (let n = 0; n < SUBSCRIBERS; n++) {
      const job = jobs[n % jobs.length]!;
      const { results, done } = at(n).subscribe<never>(
        job.kind === 'export' ? WATCH_EXPORT : WATCH_IMPORT,
        { id: job.id },
      ) as { results: Watched[]; done: Promise<void> };
      const watch: Watch = { job, results, finished: false };
      done.then(
        () => (watch.finished = true),
        (error: unknown) => {
          watch.finished = true;
          watch.error =
            error instanceof Error ? error.message : JSON.stringify(error).slice(0, 200);
        },
      );
      watches.push(watch);
      if (watches.length % 25 === 0) {
        await until(
          () => watches.every((w) => w.results.length > 0 || w.finished),
          30_000,
          'first events',
        );
      }
    }
    expect(watches.flatMap((w) => (w.error ? [w.error] : []))).toEqual([]);
    // The chaos starts while jobs run (else it would prove nothing).
    expect(watches.some((w) => !TERMINAL.has(statusOf(w.results.at(-1))))).toBe(true);
    await sandbox.holdExports(false);

    // The chaos: kill, stay down a moment, start again — odd rounds from a dump of a moment ago.
    for (let round = 0; round < RESTARTS; round++) {
      const keepData = round % 2 === 1;
      if (keepData) await redis.snapshot();
      await new Promise((r) => setTimeout(r, 150));
      await redis.stop();
      await new Promise((r) => setTimeout(r, 200));
      await redis.start({ keepData });
      await new Promise((r) => setTimeout(r, 600));
    }

    await until(() => watches.every((w) => w.finished), 60_000, 'every subscriber done').catch(
      (error: Error) => {
        // Which jobs, in which state as each instance's subscribers last saw them.
        const waiting = new Map<string, string[]>();
        watches.forEach((w, n) => {
          if (w.finished) return;
          const seen = waiting.get(w.job.id) ?? [];
          waiting.set(w.job.id, [...seen, `${n % 3}:${statusOf(w.results.at(-1))}`]);
        });
        const logs = gateways.map((g) => g.lines.slice(-5).map((l) => l.msg));
        throw new Error(
          `${error.message}; waiting: ${JSON.stringify([...waiting])}; logs: ${JSON.stringify(logs)}`,
        );
      },
    );

    // No gateway exited, and none left a rejection unhandled.
    for (const gateway of gateways) {
      expect(gateway.exits).toEqual([]);
      expect(gateway.lines.filter((l) => l.origin === 'unhandledRejection')).toEqual([]);
      expect(gateway.lines.filter((l) => l.origin === 'uncaughtException')).toEqual([]);
    }
    // Every subscriber saw its job end, without an error, in the one state all of them saw.
    expect(watches.flatMap((w) => (w.error ? [w.error] : []))).toEqual([]);
    const finals = new Map<string, Set<string>>();
    for (const watch of watches) {
      expect(watch.results.filter((r) => r.errors)).toEqual([]);
      const last = statusOf(watch.results.at(-1));
      expect(TERMINAL.has(last), `${watch.job.kind} ${watch.job.id} ended ${last}`).toBe(true);
      const seen = finals.get(watch.job.id) ?? new Set();
      finals.set(watch.job.id, seen.add(last));
    }
    for (const [id, seen] of finals) expect([id, [...seen]]).toEqual([id, [[...seen][0]]]);
    // The sandbox, the judge: within Marketo's limits throughout; each export one Marketo job.
    const stats = await sandbox.stats();
    expect(stats.errors['606']).toBeUndefined();
    expect(stats.errors['615']).toBeUndefined();
    expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
    expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
    expect(stats.exportJobsCreated).toBe(EXPORTS);
  }, 150_000);
});
