/**
 * Bulk export and import through the client: the job lifecycle, the export file as a stream that
 * resumes with `Range` after a dropped connection, and the import file sent as a stream.
 */
import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExportJobStatus } from '../../src/marketo/api.js';
import type { MarketoClient } from '../../src/marketo/client.js';
import { collect, type Harness, startCuttingProxy, startHarness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    timeScale: 100,
    sandbox: { leads: 5000, bulk: { exportStepMs: 1000, importMsPer1000Rows: 100 } },
  });
});
afterAll(async () => {
  await h?.close();
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function completedExport(client: MarketoClient): Promise<ExportJobStatus> {
  const now = h.sandbox.clock.now();
  const job = await client.createExportJob('leads', {
    fields: ['id', 'email', 'firstName', 'lastName', 'company'],
    format: 'CSV',
    filter: { createdAt: { startAt: iso(now - 31 * 86_400_000), endAt: iso(now) } },
  });
  expect(job.status).toBe('Created');
  expect((await client.enqueueExportJob('leads', job.exportId)).status).toMatch(
    /Queued|Processing/,
  );
  for (;;) {
    const status = await client.getExportJobStatus('leads', job.exportId);
    if (status.status === 'Completed') return status;
    expect(status.status).toMatch(/Queued|Processing/);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sha256 = (buf: Buffer) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;

describe('bulk export jobs', () => {
  let job: ExportJobStatus;
  beforeAll(async () => {
    job = await completedExport(h.client);
  });

  it('runs create → enqueue → Completed with the file size and checksum', () => {
    expect(job).toMatchObject({ format: 'CSV', status: 'Completed' });
    expect(job.fileSize).toBeGreaterThan(10_000);
    expect(job.fileChecksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('treats a second enqueue of a queued or completed job as done (reports the job)', async () => {
    const now = h.sandbox.clock.now();
    const other = await h.client.createExportJob('leads', {
      fields: ['id'],
      filter: { createdAt: { startAt: iso(now - 86_400_000), endAt: iso(now) } },
    });
    await h.client.enqueueExportJob('leads', other.exportId);
    const again = await h.client.enqueueExportJob('leads', other.exportId);
    expect(again).toMatchObject({
      exportId: other.exportId,
      status: expect.stringMatching(/Queued|Processing|Completed/),
    });
    await h.client.cancelExportJob('leads', other.exportId).catch(() => {});
  });

  it('treats an enqueue answered "Job already completed" as done: only an enqueued job completes', async () => {
    const again = await h.client.enqueueExportJob('leads', job.exportId);
    expect(again).toMatchObject({ exportId: job.exportId, status: 'Completed' });
  });

  it('downloads the file as a stream, byte-exact, and from an offset', async () => {
    const file = await collect(h.client.downloadExportFile('leads', job.exportId));
    expect(file.length).toBe(job.fileSize);
    expect(sha256(file)).toBe(job.fileChecksum);
    expect(file.toString('utf8').split('\n')[0]).toBe('id,email,firstName,lastName,company');
    const tail = await collect(h.client.downloadExportFile('leads', job.exportId, { start: 1000 }));
    expect(tail.equals(file.subarray(1000))).toBe(true);
  });

  it('resumes with Range from the byte reached when the connection drops mid-file', async () => {
    const proxy = await startCuttingProxy(Number(new URL(h.sandbox.url).port));
    const client = h.newClient({ baseUrl: proxy.url });
    try {
      proxy.cutNext(/file\.json/, 8_000);
      const file = await collect(
        client.downloadExportFile('leads', job.exportId, { fileSize: job.fileSize ?? 0 }),
      );
      expect(proxy.cuts()).toBe(1);
      expect(file.length).toBe(job.fileSize);
      expect(sha256(file)).toBe(job.fileChecksum);
      const fileRequests = proxy.heads().filter((head) => head.includes('file.json'));
      expect(fileRequests).toHaveLength(2);
      expect(fileRequests[0]).not.toMatch(/range:/i);
      const resumedAt = /range: bytes=(\d+)-/i.exec(fileRequests[1] ?? '')?.[1];
      expect(Number(resumedAt)).toBeGreaterThan(0);
      expect(Number(resumedAt)).toBeLessThan(8_000);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('frees its limiter slot when the reader stops early, and stops with ABORTED on the caller’s signal', async () => {
    const stream = h.client.downloadExportFile('leads', job.exportId);
    for await (const _chunk of stream) break; // destroys the stream after the first chunk
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.client.limiterSnapshot()).inFlight).toBe(0);

    const controller = new AbortController();
    const aborted = h.client
      .withContext({ signal: controller.signal })
      .downloadExportFile('leads', job.exportId);
    const read = collect(aborted);
    controller.abort();
    await expect(read).rejects.toMatchObject({ code: 'ABORTED' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.client.limiterSnapshot()).inFlight).toBe(0);
  });

  it('lets go of a long-lived caller signal once its calls end: answered, refused, read, stopped', async () => {
    // A job's signal spans thousands of calls: each one's listener on it must go when it ends.
    const owner = new AbortController();
    const client = h.client.withContext({ signal: owner.signal });
    await client.getExportJobStatus('leads', job.exportId);
    await expect(
      collect(client.downloadExportFile('leads', '00000000-0000-4000-8000-000000000000')),
    ).rejects.toMatchObject({ code: 'HTTP_404' });
    await collect(client.downloadExportFile('leads', job.exportId));
    for await (const _chunk of client.downloadExportFile('leads', job.exportId)) break;
    await vi.waitFor(() => expect(getEventListeners(owner.signal, 'abort')).toHaveLength(0));
  });

  it('fails with HTTP_404 for a file that does not exist', async () => {
    const stream = h.client.downloadExportFile('leads', '00000000-0000-4000-8000-000000000000');
    await expect(collect(stream)).rejects.toMatchObject({ code: 'HTTP_404', retryable: false });
  });

  it('lists jobs by status and cancels a queued job', async () => {
    const listed = await h.client.listExportJobs('leads', { status: ['Completed'] });
    expect(listed.items.map((j) => j.exportId)).toContain(job.exportId);
    const now = h.sandbox.clock.now();
    const other = await h.client.createExportJob('leads', {
      fields: ['id'],
      filter: { createdAt: { startAt: iso(now - 86_400_000), endAt: iso(now) } },
    });
    expect((await h.client.cancelExportJob('leads', other.exportId)).status).toBe('Cancelled');
  });

  it('exports activities through the same calls', async () => {
    const now = h.sandbox.clock.now();
    const created = await h.client.createExportJob('activities', {
      filter: { createdAt: { startAt: iso(now - 7 * 86_400_000), endAt: iso(now) } },
    });
    expect(created.status).toBe('Created');
    expect((await h.client.getExportJobStatus('activities', created.exportId)).exportId).toBe(
      created.exportId,
    );
  });
});

describe('bulk import', () => {
  async function finished(batchId: number) {
    for (;;) {
      const status = await h.client.getImportJobStatus(batchId);
      if (status.status === 'Complete' || status.status === 'Failed') return status;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('uploads a file given as a stream and reports rows processed and failed', async () => {
    async function* lines() {
      yield 'email,firstName,lastName\n';
      for (let i = 0; i < 500; i++) yield `stream.import.${i}@example.com,First${i},Last${i}\n`;
      yield 'stream.import.bad@example.com,First,Last,extra\n';
    }
    const job = await h.client.importLeads(Readable.from(lines()), { format: 'CSV' });
    expect(job.status).toBe('Queued');
    const status = await finished(job.batchId);
    expect(status).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 500 });
    expect(await h.storedLeads({ email: 'stream.import.42@example.com' })).toHaveLength(1);
  });

  it('returns the failures file as a stream, and null when there are no warnings', async () => {
    const job = await h.client.importLeads(
      'email,integer_field\nfail.a@example.com,12\nfail.b@example.com,notanumber\n',
      { format: 'CSV' },
    );
    const status = await finished(job.batchId);
    expect(status.numOfRowsFailed).toBe(1);
    const failures = await h.client.getImportFailures(job.batchId);
    const text = (await collect(failures ?? Readable.from([]))).toString('utf8');
    expect(text.split('\n')[0]).toBe('email,integer_field,Import Failure Reason');
    expect(text).toContain('fail.b@example.com');
    expect(await h.client.getImportWarnings(job.batchId)).toBeNull();
  });

  it('an upload answered 502 after the work fails OUTCOME_UNKNOWN and is not sent again', async () => {
    await h.reset();
    await h.faults({ http: 502, next: 1, when: 'after', endpoint: 'POST /bulk/v1/leads.json' });
    const error = await h.client
      .importLeads('email\nunknown.outcome@example.com\n', { format: 'CSV' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', causeCode: 'HTTP_502' });
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['POST /bulk/v1/leads.json']).toBe(1);
    expect(stats.importJobsCreated).toBe(1);
  });

  it('an in-memory upload rejected with 615 (nothing done) is sent again; a stream cannot be', async () => {
    await h.reset();
    await h.faults({ error: '615', next: 1, endpoint: 'POST /bulk/v1/leads.json' });
    const job = await h.client.importLeads('email\nretried.615@example.com\n', { format: 'CSV' });
    expect(job.status).toBe('Queued');
    expect((await h.stats()).importJobsCreated).toBe(1);

    await h.faults({ error: '615', next: 1, endpoint: 'POST /bulk/v1/leads.json' });
    const error = await h.client
      .importLeads(Readable.from(['email\n', 'once.615@example.com\n']), { format: 'CSV' })
      .catch((e: unknown) => e);
    // The work was certainly not done: the caller may send the file again.
    expect(error).toMatchObject({ code: '615', retryable: true });
    expect((await h.stats()).importJobsCreated).toBe(1);
  });

  it('a file opened afresh per attempt is sent again after 615, like an in-memory upload', async () => {
    await h.reset();
    await h.faults({ error: '615', next: 1, endpoint: 'POST /bulk/v1/leads.json' });
    let opened = 0;
    const job = await h.client.importLeads(
      () => {
        opened++;
        return Readable.from(['email\n', 'reopened.615@example.com\n']);
      },
      { format: 'CSV' },
    );
    expect(job.status).toBe('Queued');
    expect(opened).toBe(2);
    expect((await h.stats()).importJobsCreated).toBe(1);
  });

  it('stops an upload over 10 MB locally with HTTP_413 and creates no job', async () => {
    const before = (await h.stats()).importJobsCreated;
    const row = `${'x'.repeat(90)}@example.com,Name\n`;
    async function* big() {
      yield 'email,firstName\n';
      for (let sent = 0; sent < 11 * 1024 * 1024; sent += row.length * 100) yield row.repeat(100);
    }
    await expect(
      h.client.importLeads(Readable.from(big()), { format: 'CSV' }),
    ).rejects.toMatchObject({
      code: 'HTTP_413',
    });
    expect((await h.stats()).importJobsCreated).toBe(before);
  });
});
