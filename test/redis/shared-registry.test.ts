/**
 * What the fleet's job registry keeps besides records: the export quota, counted atomically so
 * instances adding at once add up exactly, and the index of unfinished jobs the adoption pass
 * reads (instead of every record ever kept).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportQuotaTracker } from '../../src/bulk/export-quota.js';
import type { ImportJobRecord } from '../../src/bulk/import-jobs.js';
import { isImportTerminal } from '../../src/bulk/import-jobs.js';
import type { JobRegistry } from '../../src/bulk/job-registry.js';
import type { ExportJobRecord } from '../../src/bulk/types.js';
import { silentLogger } from '../../src/logger.js';
import type { RedisConnections } from '../../src/redis/connections.js';
import { createRedisJobRegistry } from '../../src/redis/job-registry.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { testConnections } from './fleet.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

interface Member<T extends { version: number }> {
  connections: RedisConnections;
  registry: JobRegistry<T>;
}

/** Two instances of one deployment (same namespace), each with its own connections. */
async function pair<T extends { version: number }>(
  kind: string,
  isActive?: (job: T) => boolean,
): Promise<[Member<T>, Member<T>, () => Promise<void>]> {
  const namespace = redis.namespace();
  const members = [0, 1].map(() => {
    const connections = testConnections(redis, namespace);
    const registry = createRedisJobRegistry<T>(connections, {
      prefix: `${connections.prefix}${kind}:test:`,
      leaseMs: 200,
      ...(isActive && { isActive }),
    });
    return { connections, registry };
  });
  for (const { connections } of members) expect(await connections.ready(5_000)).toBe(true);
  const close = async () => {
    for (const { registry, connections } of members) {
      await registry.close();
      await connections.close();
    }
  };
  return [members[0]!, members[1]!, close];
}

describe('the export quota across instances', () => {
  it('two instances counting completed files at once add up exactly', async () => {
    const [a, b, close] = await pair<ExportJobRecord>('exports');
    try {
      // Marketo's clock stands still: every add lands on one quota day.
      const clock = { now: () => Date.parse('2026-03-10T15:00:00Z'), timeScale: 1 };
      const trackers = [a, b].map(
        ({ registry }) =>
          new ExportQuotaTracker({
            registry: async () => registry,
            clock,
            limitBytes: 500 * 1024 * 1024,
            logger: silentLogger,
          }),
      );
      const sizes = Array.from({ length: 200 }, (_, i) => 1_000 + i * 7);
      await Promise.all(sizes.map((bytes, i) => trackers[i % 2]!.add(bytes)));
      const total = sizes.reduce((sum, bytes) => sum + bytes, 0);
      for (const tracker of trackers) {
        expect((await tracker.snapshot()).usedBytes).toBe(total);
      }
      // Marketo saying "spent" raises the count for both, and later files still add on top.
      await trackers[0]!.markSpent();
      await trackers[1]!.add(10);
      expect((await trackers[0]!.snapshot()).usedBytes).toBe(500 * 1024 * 1024 + 10);
      expect((await trackers[1]!.snapshot()).remainingBytes).toBe(0);
    } finally {
      await close();
    }
  });
});

function importRecord(id: string, status: ImportJobRecord['status'], version = 0): ImportJobRecord {
  const now = new Date().toISOString();
  return {
    id,
    status,
    format: 'CSV',
    lookupField: 'email',
    columns: ['email'],
    parts: [],
    splitDone: true,
    failures: [],
    warnings: [],
    createdAt: now,
    updatedAt: now,
    version,
  };
}

describe('the index of unfinished jobs', () => {
  const unfinished = (job: ImportJobRecord) => !isImportTerminal(job.status);

  it('lists only unfinished jobs, a job leaving the index once it is finished or deleted', async () => {
    const [a, b, close] = await pair<ImportJobRecord>('imports', unfinished);
    try {
      await a.registry.save('1', importRecord('1', 'IMPORTING'));
      await a.registry.save('2', importRecord('2', 'QUEUED'));
      await a.registry.save('3', importRecord('3', 'COMPLETE'));
      const ids = async () => (await b.registry.listActive()).map((job) => job.id).sort();
      expect(await ids()).toEqual(['1', '2']);
      await b.registry.save('1', importRecord('1', 'PARTIAL', 1));
      await b.registry.delete('2');
      expect(await ids()).toEqual([]);
      // Every record is still there for lookups.
      expect((await a.registry.list()).map((job) => job.id).sort()).toEqual(['1', '3']);
    } finally {
      await close();
    }
  });

  it('gets an unfinished job back from its poller after Redis restarted empty', async () => {
    const [a, b, close] = await pair<ImportJobRecord>('imports', unfinished);
    try {
      expect(await a.registry.claim('7')).toBe(true);
      await a.registry.save('7', importRecord('7', 'IMPORTING', 3));
      await redis.restart(30);
      const deadline = performance.now() + 5_000;
      let active: ImportJobRecord[] = [];
      while (active.length === 0 && performance.now() < deadline) {
        active = await b.registry.listActive().catch(() => []);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(active).toMatchObject([{ id: '7', version: 3 }]);
    } finally {
      await close();
    }
  });
});
