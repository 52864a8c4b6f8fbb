/**
 * Each part of an export is one Marketo job, whatever happens around its create: an owner gone
 * after sending it (its intent found by the next owner, who asks Marketo's job list before creating
 * anew), and a job another instance's adoption pass sees while its creator is still creating.
 * The sandbox's count of created jobs is the judge.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marketoRequest } from '../../src/bulk/export-request.js';
import { createMemoryJobRegistry } from '../../src/bulk/job-registry.js';
import { type ExportJobRecord, jobKey } from '../../src/bulk/types.js';
import type { ExportJobManager } from '../../src/bulk/export-jobs.js';
import type { MarketoApi } from '../../src/marketo/api.js';
import {
  collect,
  dataEpoch,
  type ExportFixture,
  iso,
  startExportFixture,
  wrapClient,
} from './fixture.js';

const DAY = 86_400_000;
const LIST = 'GET /bulk/v1/leads/export.json';

let fx: ExportFixture;
/** The manager running now (each test restarts it). */
let current: ExportJobManager;
beforeAll(async () => {
  fx = await startExportFixture();
  current = fx.manager;
});
afterAll(async () => {
  await fx?.close();
});

/**
 * A job as its owner left it when it died right after sending the create of its only part: the
 * intent saved, no exportId (made from a real job's record, under a new id).
 */
async function orphanedJob(): Promise<ExportJobRecord> {
  const epoch = dataEpoch(fx.sandbox);
  const template = await current.create({
    entity: 'leads',
    fields: ['id', 'email'],
    filter: { createdAt: { startAt: iso(epoch - 20 * DAY), endAt: iso(epoch - 10 * DAY) } },
  });
  const job = structuredClone(template);
  job.id = randomUUID();
  job.version = 0;
  job.status = 'CREATED';
  job.parts = [
    {
      index: 0,
      ...(template.parts[0]!.window && { window: template.parts[0]!.window }),
      enqueued: false,
      bytesDownloaded: 0,
      rowsParsed: 0,
      createSentAt: new Date(fx.sandbox.clock.now()).toISOString(),
    },
  ];
  return job;
}

/** A registry holding `job` only, as another instance (or the next start) finds it. */
async function registryWith(job: ExportJobRecord) {
  const registry = await createMemoryJobRegistry<ExportJobRecord>();
  await registry.save(jobKey(job.entity, job.id), job);
  return registry;
}

describe('a part whose create got no answer, taken over by the next owner', () => {
  it("takes the Marketo job the lost call made (found in Marketo's job list), never creating another", async () => {
    const job = await orphanedJob();
    // The dead owner's call landed: Marketo holds the job, nobody knows its exportId.
    const landed = await fx.client.createExportJob(
      'leads',
      marketoRequest(job, job.parts[0]!.window),
    );
    const before = await fx.stats();
    const manager = (current = await fx.restart({ registry: await registryWith(job) }));
    const events = await collect(await manager.watch(job.id, 'leads'));
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    expect(ready.parts[0]!.exportId).toBe(landed.exportId);
    expect(ready.parts[0]!.createSentAt).toBeUndefined();
    const after = await fx.stats();
    expect(after.exportJobsCreated - before.exportJobsCreated).toBe(0);
  });

  it('creates the part once the lost call can no longer land, when Marketo has no job for it', async () => {
    const job = await orphanedJob();
    const before = await fx.stats();
    const manager = (current = await fx.restart({
      registry: await registryWith(job),
      lostCreateSettleMs: 200,
    }));
    const events = await collect(await manager.watch(job.id, 'leads'));
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    const after = await fx.stats();
    expect(after.exportJobsCreated - before.exportJobsCreated).toBe(1);
    // Asked the list before creating (and again once the call could no longer land).
    expect(after.calls.byEndpoint[LIST]! - (before.calls.byEndpoint[LIST] ?? 0)).toBeGreaterThan(0);
  });
  it("counts the wait for the lost call in real time, when Marketo's clock is not the gateway's", async () => {
    // A gateway in front of a compressed-clock Marketo (MARKETO_TIME_SCALE) keeps the wall clock:
    // the call went out 2 s ago (real), four times the wait. Counting those 2 s in Marketo time
    // (÷ 20) left it waiting again and again (by main's code, a 36 s wait took 12 minutes).
    const job = await orphanedJob();
    job.parts[0]!.createSentAt = new Date(Date.now() - 2_000).toISOString();
    job.parts[0]!.createSentRealAt = Date.now() - 2_000;
    const before = await fx.stats();
    const manager = (current = await fx.restart({
      registry: await registryWith(job),
      clock: { now: () => Date.now(), timeScale: 20 },
      lostCreateSettleMs: 500,
    }));
    const events = await collect(await manager.watch(job.id, 'leads'));
    expect(events.at(-1)!.status).toBe('READY');
    const after = await fx.stats();
    expect(after.exportJobsCreated - before.exportJobsCreated).toBe(1);
    // Marketo's job list asked once: the call could no longer land, so no second look.
    expect(after.calls.byEndpoint[LIST]! - (before.calls.byEndpoint[LIST] ?? 0)).toBe(1);
  });
});

describe('a job another instance sees while its creator is still creating it', () => {
  it("is run by its creator alone: the other instance's adoption pass creates none of its parts", async () => {
    const registry = await createMemoryJobRegistry<ExportJobRecord>();
    // The creator's later creates are slow (after the first, made at once): the job is saved,
    // its second part not yet created, while the other instance looks for jobs to adopt.
    let creates = 0;
    const slow = (inner: MarketoApi): Partial<MarketoApi> => ({
      createExportJob: async (entity, request) => {
        if (++creates > 1) await new Promise((r) => setTimeout(r, 300));
        return inner.createExportJob(entity, request);
      },
    });
    const creator = (current = await fx.restart({
      registry,
      client: wrapClient(fx.client, slow),
    }));
    await fx.add({ registry, adoptIntervalMs: 10 });
    const epoch = dataEpoch(fx.sandbox);
    const before = await fx.stats();
    const job = await creator.create({
      entity: 'leads',
      fields: ['id', 'email'],
      filter: { createdAt: { startAt: iso(epoch - 50 * DAY), endAt: iso(epoch - 10 * DAY) } },
    });
    expect(job.parts).toHaveLength(2);
    const events = await collect(await creator.watch(job.id, 'leads'));
    expect(events.at(-1)!.status).toBe('READY');
    const after = await fx.stats();
    expect(after.exportJobsCreated - before.exportJobsCreated).toBe(2);
  });
});
