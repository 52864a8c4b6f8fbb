import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketoError } from '../../src/marketo/errors.js';
import {
  collect,
  dataEpoch,
  type ExportFixture,
  expectedLeadRows,
  iso,
  readAllRows,
  startExportFixture,
  statusesOf,
  wrapClient,
} from './fixture.js';

const DAY = 86_400_000;
const FIELDS = ['id', 'email', 'firstName', 'lastName', 'createdAt', 'unsubscribed', 'leadScore'];

describe('export lifecycle against the sandbox', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('goes through every state to READY and serves the rows the sandbox holds', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 20 * DAY);
    const to = iso(epoch - 1 * DAY);
    const job = await fx.manager.create({
      entity: 'leads',
      fields: FIELDS,
      format: 'CSV',
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    expect(job.parts).toHaveLength(1);
    expect(job.id).toBe(job.parts[0]!.exportId);
    // The runner may already have seen PROCESSING when `create` answers (a loaded machine).
    expect(['QUEUED', 'PROCESSING']).toContain(job.status);
    const events = await collect(await fx.manager.watch(job.id, 'leads'));
    const lifecycle = ['QUEUED', 'PROCESSING', 'COMPLETED', 'DOWNLOADING', 'PARSING', 'READY'];
    // Watching starts from the job's state when it begins, then sees every later one in order.
    const seen = statusesOf(events);
    expect(lifecycle.indexOf(seen[0]!)).toBeLessThanOrEqual(1);
    expect(seen).toEqual(lifecycle.slice(lifecycle.indexOf(seen[0]!)));
    const ready = events.at(-1)!;
    const expected = expectedLeadRows(fx.sandbox, FIELDS, from, to);
    expect(expected.length).toBeGreaterThan(50);
    expect(ready.rowsEnd.rows).toBe(expected.length);
    expect(ready.parts[0]!.numberOfRecords).toBe(expected.length);
    expect(await readAllRows(fx.manager, ready, 37)).toEqual(expected);
  });

  it('publishes only changes: no event repeats the one before it (a Marketo step already known)', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const job = await fx.manager.create({
      entity: 'leads',
      fields: FIELDS,
      format: 'CSV',
      filter: { createdAt: { startAt: iso(epoch - 3 * DAY), endAt: iso(epoch - 1 * DAY) } },
    });
    const events = await collect(await fx.manager.watch(job.id, 'leads'));
    const content = ({ version: _v, updatedAt: _u, ...rest }: (typeof events)[number]) => rest;
    expect(events.at(-1)!.status).toBe('READY');
    for (let i = 1; i < events.length; i += 1) {
      expect(content(events[i]!), `event ${i} (${events[i]!.status})`).not.toEqual(
        content(events[i - 1]!),
      );
      expect(events[i]!.version).toBeGreaterThan(events[i - 1]!.version);
    }
  });
});

describe('date ranges longer than 31 days', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('splits 90 days into Marketo jobs behind one job, rows once each and in order', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 100 * DAY);
    const to = iso(epoch - 10 * DAY);
    const before = await fx.stats();
    const job = await fx.manager.create({
      entity: 'leads',
      fields: ['id', 'email', 'createdAt'],
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    expect(job.parts.map((p) => p.window)).toEqual([
      { startAt: from, endAt: iso(epoch - 69 * DAY - 1000) },
      { startAt: iso(epoch - 69 * DAY), endAt: iso(epoch - 38 * DAY - 1000) },
      { startAt: iso(epoch - 38 * DAY), endAt: to },
    ]);
    expect(job.id).not.toBe(job.parts[0]!.exportId);
    const events = await collect(await fx.manager.watch(job.id, 'leads'));
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    const after = await fx.stats();
    expect(after.exportJobsCreated - before.exportJobsCreated).toBe(3);
    const rows = (await readAllRows(fx.manager, ready, 100)) as Array<{ id: number }>;
    expect(rows).toEqual(expectedLeadRows(fx.sandbox, ['id', 'email', 'createdAt'], from, to));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    // Any of its Marketo exportIds finds the job too.
    expect((await fx.manager.get(job.parts[1]!.exportId!, 'leads'))?.id).toBe(job.id);

    // The job as it was while its last file downloaded: pages end at the verified rows (the
    // first two parts'), though the rows stored after them are read only with `unverified`.
    const downloading = {
      ...ready,
      status: 'DOWNLOADING' as const,
      parts: ready.parts.map((part, i) =>
        i === 2 ? { ...part, local: 'DOWNLOADING' as const } : part,
      ),
    };
    const verified = ready.parts[1]!.rowsEnd!.rows;
    expect(verified).toBeLessThan(rows.length);
    // The gateway's cursor of row `verified - 3`: pages from there hold the last two verified rows.
    const lastTwo = Buffer.from(`row:${verified - 3}`).toString('base64url');
    const asObjects = await fx.manager.rows(downloading, { first: 1000, after: lastTwo });
    const asCells = await fx.manager.rowValues(downloading, { first: 1000, after: lastTwo });
    expect(asObjects).toMatchObject({ totalCount: verified, hasNextPage: false });
    expect(asCells).toMatchObject({ totalCount: verified, hasNextPage: false });
    expect(asObjects.rows).toEqual(rows.slice(verified - 2, verified));
    expect(asCells.values.map((cells) => cells[0])).toEqual(
      rows.slice(verified - 2, verified).map((r) => r.id),
    );
    const unverified = await fx.manager.rowValues(downloading, {
      first: 1000,
      after: lastTwo,
      unverified: true,
    });
    expect(unverified.values).toHaveLength(Math.min(1000, rows.length - verified + 2));
  });
});

describe("waiting in the gateway's queue", () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    // Steps of 600 ms real: the first job still holds Marketo's queue while a loaded machine
    // creates the second.
    fx = await startExportFixture({ sandbox: { bulk: { exportQueue: 1, exportStepMs: 600_000 } } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('holds a job visibly (WAITING, QUEUE_FULL) while Marketo answers 1029, then finishes it', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const filter = { createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) } };
    const first = await fx.manager.create({ entity: 'leads', fields: ['id'], filter });
    const second = await fx.manager.create({ entity: 'leads', fields: ['id', 'email'], filter });
    expect(first.status).toBe('QUEUED');
    expect(second.status).toBe('WAITING');
    expect(second.parts[0]!.waiting).toMatchObject({ reason: 'QUEUE_FULL' });
    expect(second.parts[0]!.waiting!.resumesAt).toBeTruthy();
    const [a, b] = await Promise.all([
      collect(await fx.manager.watch(first.id, 'leads')),
      collect(await fx.manager.watch(second.id, 'leads')),
    ]);
    expect(a.at(-1)!.status).toBe('READY');
    expect(statusesOf(b).slice(0, 2)).toEqual(['WAITING', 'QUEUED']);
    expect(b.at(-1)!.status).toBe('READY');
    expect(b.at(-1)!.parts[0]!.waiting).toBeUndefined();
  });
});

describe('validation before any Marketo call', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('names the unknown field, the missing filter and the bad format', async () => {
    const filter = {
      createdAt: { startAt: '2024-01-01T00:00:00Z', endAt: '2024-01-02T00:00:00Z' },
    };
    await expect(
      fx.manager.create({ entity: 'leads', fields: ['id', 'nope__c'], filter }),
    ).rejects.toMatchObject({
      argument: 'input.fields[1]',
      message: expect.stringMatching(/nope__c/),
    });
    await expect(
      fx.manager.create({ entity: 'leads', fields: ['id'], filter: {} }),
    ).rejects.toMatchObject({ argument: 'input.filter' });
    await expect(
      fx.manager.create({
        entity: 'leads',
        fields: ['id'],
        filter: { ...filter, staticListId: 1 },
      }),
    ).rejects.toMatchObject({ argument: 'input.filter' });
    await expect(
      fx.manager.create({ entity: 'activities', fields: ['leadId'], filter: {} }),
    ).rejects.toMatchObject({ argument: 'input.filter.createdAt' });
    await expect(
      fx.manager.create({ entity: 'leads', fields: ['id'], format: 'XLS' as 'CSV', filter }),
    ).rejects.toMatchObject({ argument: 'input.format' });
    expect((await fx.stats()).exportJobsCreated).toBe(0);
  });

  it('answers an unknown job id with NOT_FOUND', async () => {
    await expect(
      fx.manager.watch('00000000-0000-0000-0000-000000000000', 'leads'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await fx.manager.find('no-such-job', 'leads')).toBeUndefined();
  });
});

describe('surviving a gateway restart', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('picks up a job it was watching and takes it to READY', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 15 * DAY);
    const to = iso(epoch - DAY);
    const job = await fx.manager.create({
      entity: 'leads',
      fields: ['id', 'email'],
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    for await (const event of await fx.manager.watch(job.id, 'leads')) {
      if (event.status === 'PROCESSING') break;
    }
    await fx.manager.close();
    const restarted = await fx.restart();
    const events = await collect(await restarted.watch(job.id, 'leads'));
    // Where the old process stopped (it may have moved on a step while closing), never from scratch.
    expect(['PROCESSING', 'COMPLETED', 'DOWNLOADING', 'PARSING']).toContain(events[0]!.status);
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    expect(await readAllRows(restarted, ready)).toEqual(
      expectedLeadRows(fx.sandbox, ['id', 'email'], from, to),
    );
  });
});

describe('download failures', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('resumes after dropped connections and still verifies the checksum', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 30 * DAY);
    const to = iso(epoch - DAY);
    await fx.faults({ drop: true, endpoint: 'GET /bulk/v1/leads/export/{id}/file.json', next: 2 });
    const job = await fx.manager.create({
      entity: 'leads',
      fields: FIELDS,
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    const ready = (await collect(await fx.manager.watch(job.id, 'leads'))).at(-1)!;
    expect(ready.status).toBe('READY');
    expect(ready.parts[0]!.bytesDownloaded).toBe(ready.parts[0]!.fileSize);
    expect(await readAllRows(fx.manager, ready)).toEqual(
      expectedLeadRows(fx.sandbox, FIELDS, from, to),
    );
    const stats = await fx.stats();
    expect(
      stats.calls.byEndpoint['GET /bulk/v1/leads/export/{id}/file.json'],
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('an expired file', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture({ sandbox: { bulk: { exportRetentionMs: 1 } } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('fails the job with FILE_EXPIRED when Marketo answers 404', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const job = await fx.manager.create({
      entity: 'leads',
      fields: ['id'],
      filter: { createdAt: { startAt: iso(epoch - 5 * DAY), endAt: iso(epoch - DAY) } },
    });
    const last = (await collect(await fx.manager.watch(job.id, 'leads'))).at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.error).toMatchObject({ code: 'FILE_EXPIRED', exportId: job.id });
  });
});

describe('a download cut off mid-file', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture({ sandbox: { leads: 20_000 } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('resumes with Range from the bytes already on disk', async () => {
    const starts: number[] = [];
    let cuts = 2;
    const client = wrapClient(fx.client, (inner) => ({
      downloadExportFile: (entity, id, options) => {
        starts.push(options?.start ?? 0);
        const source = inner.downloadExportFile(entity, id, options);
        if (cuts-- <= 0) return source;
        // Deliver ~40 KB, then fail like a connection the client could not recover.
        let sent = 0;
        return source.pipe(
          new Transform({
            transform(chunk: Buffer, _enc, done) {
              if (sent >= 40_000) {
                source.destroy();
                done(
                  new MarketoError({
                    code: 'TRANSPORT',
                    message: 'socket hang up',
                    retryable: true,
                  }),
                );
                return;
              }
              sent += chunk.length;
              done(null, chunk);
            },
          }),
        );
      },
    }));
    const manager = await fx.restart({ client });
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 30 * DAY);
    const to = iso(epoch - DAY);
    const job = await manager.create({
      entity: 'leads',
      fields: FIELDS,
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    const events = await collect(await manager.watch(job.id, 'leads'));
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    expect(starts).toHaveLength(3);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThan(0);
    expect(starts[2]).toBeGreaterThan(starts[1]!);
    expect(await readAllRows(manager, ready, 1000)).toEqual(
      expectedLeadRows(fx.sandbox, FIELDS, from, to),
    );
  });

  it('fails with DOWNLOAD_FAILED when the download keeps failing', async () => {
    const client = wrapClient(fx.client, () => ({
      downloadExportFile: () =>
        new Readable({
          read() {
            this.destroy(
              new MarketoError({ code: 'TRANSPORT', message: 'reset', retryable: true }),
            );
          },
        }),
    }));
    const manager = await fx.restart({ client, downloadAttempts: 3 });
    const epoch = dataEpoch(fx.sandbox);
    const job = await manager.create({
      entity: 'leads',
      fields: ['id'],
      filter: { createdAt: { startAt: iso(epoch - 3 * DAY), endAt: iso(epoch - DAY) } },
    });
    const last = (await collect(await manager.watch(job.id, 'leads'))).at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.error?.code).toBe('DOWNLOAD_FAILED');
    expect(last.error?.message).toMatch(/3 times/);
  });
});

describe('a malformed row', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('fails the job naming the line, and keeps the good rows readable', async () => {
    // A file Marketo "sent" with one broken record on line 4 (checksum consistent with it).
    const file = 'id,email\n1,a@example.com\n2,b@example.com\n3\n4,d@example.com\n';
    const checksum = `sha256:${createHash('sha256').update(file).digest('hex')}`;
    const client = wrapClient(fx.client, (inner) => ({
      getExportJobStatus: async (entity, id) => {
        const status = await inner.getExportJobStatus(entity, id);
        return status.status === 'Completed'
          ? {
              ...status,
              fileSize: Buffer.byteLength(file),
              fileChecksum: checksum,
              numberOfRecords: 4,
            }
          : status;
      },
      downloadExportFile: () => Readable.from([Buffer.from(file)]),
    }));
    const manager = await fx.restart({ client });
    const epoch = dataEpoch(fx.sandbox);
    const job = await manager.create({
      entity: 'leads',
      fields: ['id', 'email'],
      filter: { createdAt: { startAt: iso(epoch - 3 * DAY), endAt: iso(epoch - DAY) } },
    });
    const last = (await collect(await manager.watch(job.id, 'leads'))).at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.error).toMatchObject({ code: 'MALFORMED_ROW', line: 4 });
    expect(last.error?.message).toMatch(/line 4/);
    expect(last.rowErrors).toHaveLength(1);
    expect(await readAllRows(manager, last)).toEqual([
      { id: 1, email: 'a@example.com' },
      { id: 2, email: 'b@example.com' },
      { id: 4, email: 'd@example.com' },
    ]);
  });
});

describe('one poller per job', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('serves 200 watchers from one status poll stream', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const job = await fx.manager.create({
      entity: 'leads',
      fields: ['id'],
      filter: { createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) } },
    });
    const watchers = await Promise.all(
      Array.from({ length: 200 }, () => fx.manager.watch(job.id, 'leads')),
    );
    const results = await Promise.all(watchers.map(collect));
    for (const events of results) expect(events.at(-1)!.status).toBe('READY');
    const statusCalls =
      (await fx.stats()).calls.byEndpoint['GET /bulk/v1/leads/export/{id}/status.json'] ?? 0;
    // Three status changes at a quarter-step poll interval: a handful of polls, never one per watcher.
    expect(statusCalls).toBeGreaterThan(0);
    expect(statusCalls).toBeLessThan(30);
  });
});

describe('the daily export quota', () => {
  it("waits visibly (WAITING, DAILY_QUOTA) once Marketo says today's volume is spent", async () => {
    const fx = await startExportFixture({ sandbox: { bulk: { exportDailyQuotaBytes: 1000 } } });
    try {
      const epoch = dataEpoch(fx.sandbox);
      const filter = { createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) } };
      const first = await fx.manager.create({ entity: 'leads', fields: ['id', 'email'], filter });
      expect((await collect(await fx.manager.watch(first.id, 'leads'))).at(-1)!.status).toBe(
        'READY',
      );
      const quota = await fx.manager.quota();
      const done = await fx.manager.get(first.id, 'leads');
      expect(quota.usedBytes).toBe(done!.parts[0]!.fileSize);
      const second = await fx.manager.create({ entity: 'leads', fields: ['id'], filter });
      expect(second.status).toBe('WAITING');
      const waiting = second.parts[0]!.waiting!;
      expect(waiting.reason).toBe('DAILY_QUOTA');
      // Marketo's quota day ends at midnight US Central, on the sandbox's clock.
      expect(Date.parse(waiting.resumesAt!)).toBeGreaterThan(fx.sandbox.clock.now());
      expect(new Date(waiting.resumesAt!).getUTCHours()).toBeGreaterThanOrEqual(5);
      expect((await fx.manager.cancel(second.id, 'leads')).status).toBe('CANCELLED');
    } finally {
      await fx.close();
    }
  });

  it('holds jobs without calling Marketo once its own count reaches the quota', async () => {
    const fx = await startExportFixture({ manager: { dailyQuotaBytes: 1000 } });
    try {
      const epoch = dataEpoch(fx.sandbox);
      const filter = { createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) } };
      const first = await fx.manager.create({ entity: 'leads', fields: ['id', 'email'], filter });
      await collect(await fx.manager.watch(first.id, 'leads'));
      expect((await fx.manager.quota()).remainingBytes).toBe(0);
      const created = (await fx.stats()).exportJobsCreated;
      const second = await fx.manager.create({ entity: 'leads', fields: ['id'], filter });
      expect(second.status).toBe('WAITING');
      expect(second.parts[0]!.waiting?.reason).toBe('DAILY_QUOTA');
      expect((await fx.stats()).exportJobsCreated).toBe(created);
      await fx.manager.cancel(second.id, 'leads');
    } finally {
      await fx.close();
    }
  });
});

describe('other filters and entities', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('exports a smart list in TSV', async () => {
    const job = await fx.manager.create({
      entity: 'leads',
      fields: ['id', 'leadScore', 'email'],
      format: 'TSV',
      filter: { smartListId: 2003 },
    });
    const ready = (await collect(await fx.manager.watch(job.id, 'leads'))).at(-1)!;
    expect(ready.status).toBe('READY');
    const expected = [...fx.sandbox.store.leads()]
      .filter((lead) => typeof lead.leadScore === 'number' && lead.leadScore >= 90)
      .map((lead) => ({ id: lead.id, leadScore: lead.leadScore, email: lead.email ?? null }));
    expect(expected.length).toBeGreaterThan(0);
    expect(await readAllRows(fx.manager, ready)).toEqual(expected);
  });

  it('exports activities in SSV with renamed headers and attributes as JSON objects', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 3 * DAY);
    const to = iso(epoch - 1);
    const job = await fx.manager.create({
      entity: 'activities',
      fields: ['marketoGUID', 'leadId', 'activityDate', 'activityTypeId', 'attributes'],
      format: 'SSV',
      columnHeaderNames: { leadId: 'Lead Id' },
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    const ready = (await collect(await fx.manager.watch(job.id, 'activities'))).at(-1)!;
    expect(ready.status).toBe('READY');
    const expected = [...fx.sandbox.store.activities()]
      .filter((a) => a.activityDate >= from && a.activityDate <= to)
      .map((a) => ({
        marketoGUID: a.marketoGUID,
        'Lead Id': a.leadId,
        activityDate: a.activityDate,
        activityTypeId: a.activityTypeId,
        attributes: a.attributes,
      }));
    expect(expected.length).toBeGreaterThan(0);
    expect(await readAllRows(fx.manager, ready, 500)).toEqual(expected);
  });
});

describe('a job Marketo fails', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("ends FAILED with Marketo's errorMsg", async () => {
    // Marketo reporting Failed for the job (the sandbox only fails when it cannot write a file).
    const client = wrapClient(fx.client, (inner) => ({
      getExportJobStatus: async (entity, id) => {
        const { fileSize, fileChecksum, numberOfRecords, ...status } =
          await inner.getExportJobStatus(entity, id);
        return status.status === 'Completed'
          ? { ...status, status: 'Failed', errorMsg: 'Export failed: disk quota' }
          : status;
      },
    }));
    const manager = await fx.restart({ client });
    const epoch = dataEpoch(fx.sandbox);
    const job = await manager.create({
      entity: 'leads',
      fields: ['id'],
      filter: { createdAt: { startAt: iso(epoch - 3 * DAY), endAt: iso(epoch - DAY) } },
    });
    const events = await collect(await manager.watch(job.id, 'leads'));
    expect(statusesOf(events)).toEqual(['QUEUED', 'PROCESSING', 'FAILED']);
    expect(events.at(-1)!.error).toEqual({
      code: 'MARKETO_FAILED',
      message: 'Export failed: disk quota',
      exportId: job.id,
    });
  });
});

describe('parsing while downloading', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await startExportFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  const ROWS = 3000;
  const fileOf = (domain: string) =>
    `id,email\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},u${i + 1}@${domain}.com\n`).join('')}`;
  const rowsOf = (domain: string) =>
    Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, email: `u${i + 1}@${domain}.com` }));
  const good = fileOf('good');
  // Same size as the good file, other bytes: what a corrupted transfer looks like.
  const bad = fileOf('badd');

  /** The sandbox's job, but its file is `good` (or whatever `download` streams). */
  function clientServing(download: (call: number) => Readable) {
    let calls = 0;
    const client = wrapClient(fx.client, (inner) => ({
      getExportJobStatus: async (entity, id) => {
        const status = await inner.getExportJobStatus(entity, id);
        return status.status === 'Completed'
          ? {
              ...status,
              fileSize: Buffer.byteLength(good),
              fileChecksum: `sha256:${createHash('sha256').update(good).digest('hex')}`,
              numberOfRecords: ROWS,
            }
          : status;
      },
      downloadExportFile: () => download(calls++),
    }));
    return { client, calls: () => calls };
  }

  async function createJob(manager: typeof fx.manager) {
    const epoch = dataEpoch(fx.sandbox);
    return manager.create({
      entity: 'leads',
      fields: ['id', 'email'],
      filter: { createdAt: { startAt: iso(epoch - 3 * DAY), endAt: iso(epoch - DAY) } },
    });
  }

  it('serves rows during DOWNLOADING to a reader that asks for unverified ones, and none to others', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const half = Buffer.byteLength(good) >> 1;
    const { client } = clientServing(() =>
      Readable.from(
        (async function* () {
          yield Buffer.from(good).subarray(0, half);
          await gate;
          yield Buffer.from(good).subarray(half);
        })(),
      ),
    );
    const manager = await fx.restart({ client });
    const job = await createJob(manager);
    let early: Awaited<ReturnType<typeof manager.rows>> | undefined;
    let verifiedOnly: Awaited<ReturnType<typeof manager.rows>> | undefined;
    const events: Array<{ status: string }> = [];
    for await (const event of await manager.watch(job.id, 'leads')) {
      events.push(event);
      if (!early && event.status === 'DOWNLOADING' && event.rowsEnd.rows > 0) {
        early = await manager.rows(event, { first: 5, unverified: true });
        verifiedOnly = await manager.rows(event, { first: 5 });
        release();
      }
    }
    expect(early).toBeDefined();
    expect(early!.rows).toEqual(rowsOf('good').slice(0, 5));
    expect(early!.totalCount).toBeLessThan(ROWS);
    // The same moment, read as a reader that wants checked rows only: nothing yet.
    expect(verifiedOnly).toMatchObject({ rows: [], totalCount: 0 });
    expect(statusesOf(events).slice(-3)).toEqual(['DOWNLOADING', 'PARSING', 'READY']);
    const ready = (await manager.get(job.id, 'leads'))!;
    expect(ready.rowsEnd.rows).toBe(ROWS);
    expect(await readAllRows(manager, ready, 1000)).toEqual(rowsOf('good'));
  });

  it('drops the rows of a file that fails its checksum and parses the one fetched again', async () => {
    const { client, calls } = clientServing((call) =>
      Readable.from([Buffer.from(call === 0 ? bad : good)]),
    );
    const manager = await fx.restart({ client });
    const job = await createJob(manager);
    const events = await collect(await manager.watch(job.id, 'leads'));
    const ready = events.at(-1)!;
    expect(ready.status).toBe('READY');
    expect(calls()).toBe(2);
    // Never READY on the bad bytes, and none of their rows left behind.
    expect(events.filter((e) => e.status === 'READY')).toHaveLength(1);
    expect(ready.rowsEnd.rows).toBe(ROWS);
    expect(await readAllRows(manager, ready, 1000)).toEqual(rowsOf('good'));
  });

  it('fails with CHECKSUM_MISMATCH, no row of the unverified file ever readable, when it never matches', async () => {
    const { client, calls } = clientServing(() => Readable.from([Buffer.from(bad)]));
    const manager = await fx.restart({ client });
    const job = await createJob(manager);
    const events: Awaited<ReturnType<typeof collect>> = [];
    for await (const event of await manager.watch(job.id, 'leads')) {
      events.push(event);
      // At every step, while the bad bytes are parsed too, a reader sees none of their rows.
      expect(await manager.rows(event, { first: 1000 })).toMatchObject({ rows: [], totalCount: 0 });
    }
    expect(events.some((e) => e.rowsEnd.rows > 0)).toBe(true); // they were parsed, not shown
    const last = events.at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.error?.code).toBe('CHECKSUM_MISMATCH');
    // It says so: Marketo's checksum and the one of the bytes received.
    expect(last.error?.message).toMatch(
      /does not match Marketo's fileChecksum \(sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\)/,
    );
    expect(calls()).toBe(2);
    expect(events.some((e) => e.status === 'READY')).toBe(false);
    // No row of the unverified bytes is readable, in either page form.
    const failed = (await manager.get(job.id, 'leads'))!;
    expect(failed.rowsEnd.rows).toBe(0);
    expect(await manager.rows(failed, { first: 1000 })).toMatchObject({ rows: [], totalCount: 0 });
    expect(await manager.rowValues(failed, { first: 1000 })).toMatchObject({
      values: [],
      totalCount: 0,
    });
  });
});
