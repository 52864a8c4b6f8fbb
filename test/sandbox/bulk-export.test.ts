/**
 * Bulk export of leads and activities (marketo-api.md §8), on a compressed clock: one Marketo
 * minute (a status step) lasts 10 ms of real time.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { dialect } from '../../src/sandbox/bulk/delimited.js';
import { writeExportFile } from '../../src/sandbox/bulk/export-file.js';
import { quotaText } from '../../src/sandbox/bulk/export-jobs.js';
import { decodePageToken, encodePageToken } from '../../src/sandbox/bulk/page-token.js';
import { parseRange } from '../../src/sandbox/bulk/range.js';
import { throttled } from '../../src/sandbox/bulk/throttle.js';
import { centralDayOf, parseIsoDateTime } from '../../src/sandbox/bulk/wire-time.js';
import {
  type BulkHarness,
  type DirectHarness,
  type HarnessOptions,
  OTHER_CLIENT,
  type Reply,
  startDirectHarness,
  startHttpHarness,
  until,
} from './bulk-harness.js';

type Entity = 'leads' | 'activities';
type Job = Record<string, unknown>;

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let harness: BulkHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The real sandbox over HTTP. */
async function start(options: HarnessOptions = {}): Promise<BulkHarness> {
  const h = await startHttpHarness(options);
  harness = h;
  return h;
}

/** The bulk modules in process, for behaviour that needs their deps. */
async function startDirect(
  options: Parameters<typeof startDirectHarness>[0] = {},
): Promise<DirectHarness> {
  const h = await startDirectHarness(options);
  harness = h;
  return h;
}

const created = async (h: BulkHarness) => (await h.stats()).exportJobsCreated;

const base = (entity: Entity) => `/bulk/v1/${entity}/export`;

async function create(h: BulkHarness, body: unknown, entity: Entity = 'leads') {
  return h.call('POST', `${base(entity)}/create.json`, { json: body });
}

async function createJob(h: BulkHarness, body: unknown, entity: Entity = 'leads'): Promise<string> {
  const reply = await create(h, body, entity);
  expect(reply.json.errors).toBeUndefined();
  return String(reply.json.result?.[0]?.exportId);
}

const op = (
  h: BulkHarness,
  id: string,
  name: string,
  entity: Entity = 'leads',
  clientId?: string,
) =>
  h.call(
    name === 'status' || name === 'file' ? 'GET' : 'POST',
    `${base(entity)}/${id}/${name}.json`,
    {
      ...(clientId ? { clientId } : {}),
    },
  );

async function statusOf(h: BulkHarness, id: string, entity: Entity = 'leads'): Promise<Job> {
  const reply = await op(h, id, 'status', entity);
  return reply.json.result?.[0] ?? {};
}

const waitFor = (h: BulkHarness, id: string, status: string, entity: Entity = 'leads') =>
  until(
    () => statusOf(h, id, entity),
    (job) => job.status === status,
  );

async function exportAndWait(h: BulkHarness, body: unknown, entity: Entity = 'leads') {
  const id = await createJob(h, body, entity);
  expect((await op(h, id, 'enqueue', entity)).json.success).toBe(true);
  const job = await waitFor(h, id, 'Completed', entity);
  const file = await op(h, id, 'file', entity);
  return { id, job, file };
}

const errorOf = (reply: Reply) => reply.json.errors?.[0];

const allLeads = (fields: string[], extra: Record<string, unknown> = {}) => ({
  fields,
  filter: { smartListName: 'All People' },
  ...extra,
});

describe('bulk export: create validates the request and never creates a failed job', () => {
  const now = Date.now();
  const window = { startAt: iso(now - 2 * DAY), endAt: iso(now) };
  it.each([
    ['no fields', { filter: { createdAt: window } }, '1003', /fields/],
    [
      'an unknown field',
      { fields: ['email', 'nope'], filter: { createdAt: window } },
      '1006',
      /^Field 'nope' not found$/,
    ],
    [
      'a window over 31 days',
      {
        fields: ['email'],
        filter: { createdAt: { startAt: iso(now - 32 * DAY), endAt: iso(now) } },
      },
      '1003',
      /31 days/,
    ],
    [
      'endAt before startAt',
      { fields: ['email'], filter: { updatedAt: { startAt: iso(now), endAt: iso(now - DAY) } } },
      '1003',
      /endAt/,
    ],
    [
      'two filters',
      { fields: ['email'], filter: { createdAt: window, staticListId: 1001 } },
      '1003',
      /exactly one/,
    ],
    ['no filter', { fields: ['email'] }, '1003', /filter/],
    ['an unknown filter', { fields: ['email'], filter: { color: 'red' } }, '1003', /color/],
    [
      'a bad format',
      { fields: ['email'], format: 'XML', filter: { createdAt: window } },
      '1003',
      /format/,
    ],
    [
      'an unknown static list',
      { fields: ['email'], filter: { staticListId: 999_999 } },
      '1003',
      /999999/,
    ],
    [
      'a smart list id that is not an integer',
      { fields: ['email'], filter: { smartListId: 'x' } },
      '1003',
      /smartListId/,
    ],
  ])('rejects %s', async (_name, body, code, message) => {
    const h = await start();
    const reply = await create(h, body);
    expect(reply.json.success).toBe(false);
    expect(errorOf(reply)?.code).toBe(code);
    expect(errorOf(reply)?.message).toMatch(message);
    expect(await created(h)).toBe(0);
    const list = await h.call('GET', `${base('leads')}.json`);
    expect(list.json.result).toEqual([]);
  });

  it.each([
    ['activities without a createdAt filter', { filter: { activityTypeIds: [1] } }, '1003'],
    [
      'activities with an unknown field',
      { fields: ['leadId', 'score'], filter: { createdAt: window } },
      '1006',
    ],
    [
      'activities with Delete Lead',
      { filter: { createdAt: window, activityTypeIds: [37] } },
      '1003',
    ],
  ])('rejects %s', async (_name, body, code) => {
    const h = await start();
    const reply = await create(h, body, 'activities');
    expect(errorOf(reply)?.code).toBe(code);
    expect(await created(h)).toBe(0);
  });

  it('answers 1035 for a filter the subscription lacks', async () => {
    const h = await start({ unsupportedExportFilters: ['updatedAt', 'smartListName'] });
    const reply = await create(h, { fields: ['email'], filter: { updatedAt: window } });
    expect(errorOf(reply)).toEqual({
      code: '1035',
      message: 'Unsupported filter type for target subscription',
    });
    expect(
      (await create(h, { fields: ['email'], filter: { createdAt: window } })).json.success,
    ).toBe(true);
  });

  it('accepts ISO datetimes with or without milliseconds and offsets, and exactly 31 days', async () => {
    const h = await start();
    for (const filter of [
      { createdAt: { startAt: '2026-01-01T00:00:00Z', endAt: '2026-02-01T00:00:00Z' } },
      { createdAt: { startAt: '2026-01-01T00:00:00.000Z', endAt: '2026-01-01T00:00:00.000Z' } },
      { updatedAt: { startAt: '2026-01-01T00:00:00+0000', endAt: '2026-01-10T00:00:00-06:00' } },
    ]) {
      const reply = await create(h, { fields: ['email'], filter });
      expect(reply.json.success, JSON.stringify(filter)).toBe(true);
    }
    expect(await created(h)).toBe(3);
  });

  it('creates a job in status Created with only the members Marketo sends', async () => {
    const h = await start();
    const reply = await create(h, {
      fields: ['email'],
      format: 'tsv',
      filter: { staticListId: 1001 },
    });
    const job = reply.json.result?.[0] ?? {};
    expect(Object.keys(job)).toEqual(['exportId', 'format', 'status', 'createdAt']);
    expect(job.exportId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(job).toMatchObject({ format: 'TSV', status: 'Created' });
    expect(job.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await created(h)).toBe(1);
  });
});

describe('bulk export: lifecycle on the sandbox clock', () => {
  it('moves Created → Queued → Processing → Completed, each member appearing in turn', async () => {
    const h = await start({ timeScale: 300 }); // a Marketo minute = 200 ms
    const id = await createJob(h, allLeads(['id', 'email']));
    const enqueued = (await op(h, id, 'enqueue')).json.result?.[0] ?? {};
    expect(Object.keys(enqueued)).toEqual([
      'exportId',
      'format',
      'status',
      'createdAt',
      'queuedAt',
    ]);
    expect(enqueued.status).toBe('Queued');

    const seen = new Map<string, string[]>();
    await until(
      async () => {
        const job = await statusOf(h, id);
        if (!seen.has(String(job.status))) seen.set(String(job.status), Object.keys(job));
        return job;
      },
      (job) => job.status === 'Completed',
    );
    expect([...seen.keys()]).toEqual(['Queued', 'Processing', 'Completed']);
    expect(seen.get('Processing')).toEqual([
      'exportId',
      'format',
      'status',
      'createdAt',
      'queuedAt',
      'startedAt',
    ]);
    expect(seen.get('Completed')).toEqual([
      'exportId',
      'format',
      'status',
      'createdAt',
      'queuedAt',
      'startedAt',
      'finishedAt',
      'numberOfRecords',
      'fileSize',
      'fileChecksum',
    ]);
  });

  it('keeps enqueued jobs Queued while a test holds the queue, and runs them once released', async () => {
    const h = await start({ timeScale: 6000 }); // a Marketo minute = 10 ms
    const hold = (held: boolean) => h.call('POST', `/__sandbox/exports/hold?held=${held}`);
    expect((await hold(true)).json).toEqual({ held: true });
    const id = await createJob(h, allLeads(['id']));
    await op(h, id, 'enqueue');
    // Ten Marketo minutes later, ten times the queue step: still queued.
    const tenMinutesLater = h.clock.now() + 600_000;
    await until(
      async () => h.clock.now(),
      (now) => now >= tenMinutesLater,
    );
    expect((await statusOf(h, id)).status).toBe('Queued');
    expect((await hold(false)).json).toEqual({ held: false });
    expect((await waitFor(h, id, 'Completed')).status).toBe('Completed');
  });

  it('changes status no faster than one step (Marketo: a minute) of sandbox time', async () => {
    const h = await start();
    const { job } = await exportAndWait(h, allLeads(['id']));
    const at = (key: string) => Date.parse(String(job[key]));
    // Second-precision timestamps: a 60 s step shows as at least 59 s.
    expect(at('startedAt') - at('queuedAt')).toBeGreaterThanOrEqual(59_000);
    expect(at('finishedAt') - at('startedAt')).toBeGreaterThanOrEqual(59_000);
  });

  it('fails a job whose file cannot be written, with errorMsg and no file members', async () => {
    const h = await startDirect({ deps: { fileDir: join('/nonexistent', 'bulk-dir') } });
    const id = await createJob(h, allLeads(['id']));
    await op(h, id, 'enqueue');
    const job = await waitFor(h, id, 'Failed');
    expect(Object.keys(job)).toEqual([
      'exportId',
      'format',
      'status',
      'createdAt',
      'queuedAt',
      'startedAt',
      'finishedAt',
      'errorMsg',
    ]);
    expect(job.errorMsg).toMatch(/ENOENT/);
    expect((await op(h, id, 'file')).status).toBe(404);
  });

  it('fails a job whose smart list does not exist when it runs', async () => {
    const h = await start();
    const id = await createJob(h, { fields: ['id'], filter: { smartListName: 'Nobody' } });
    await op(h, id, 'enqueue');
    const job = await waitFor(h, id, 'Failed');
    expect(job.errorMsg).toBe("Export failed: Smart list 'Nobody' not found");
  });

  it('keeps jobs private to the API user that created them', async () => {
    const h = await start();
    const id = await createJob(h, allLeads(['id']));
    for (const name of ['status', 'enqueue', 'cancel', 'file']) {
      const reply = await op(h, id, name, 'leads', OTHER_CLIENT.clientId);
      if (name === 'file') expect(reply.status).toBe(404);
      else
        expect(errorOf(reply)).toEqual({ code: '1003', message: `Export job '${id}' not found` });
    }
    expect((await statusOf(h, id)).status).toBe('Created');
    const listed = await h.call('GET', `${base('leads')}.json`, {
      clientId: OTHER_CLIENT.clientId,
    });
    expect(listed.json.result).toEqual([]);
  });

  it('answers 1003 for an unknown job id and for a leads job asked under activities', async () => {
    const h = await start();
    const id = await createJob(h, allLeads(['id']));
    expect(errorOf(await op(h, 'no-such-job', 'status'))?.code).toBe('1003');
    expect(errorOf(await op(h, id, 'status', 'activities'))?.code).toBe('1003');
  });
});

describe('bulk export: the file', () => {
  it('is the CSV of every matching lead, ordered by id, with fileChecksum = sha256 of its bytes', async () => {
    const h = await start();
    const { job, file } = await exportAndWait(h, allLeads(['id', 'email', 'leadScore']));
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv;charset=UTF-8');
    expect(file.headers['content-length']).toBe(String(file.body.length));
    expect(job.fileSize).toBe(file.body.length);
    expect(job.fileChecksum).toBe(`sha256:${createHash('sha256').update(file.body).digest('hex')}`);
    const rows = parse(file.body, { columns: true }) as Record<string, string>[];
    const leads = [...h.store.leads()];
    expect(job.numberOfRecords).toBe(leads.length);
    expect(rows.map((r) => Number(r.id))).toEqual(leads.map((l) => l.id));
    expect(rows[0]).toEqual({
      id: String(leads[0]?.id),
      email: leads[0]?.email,
      leadScore: String(leads[0]?.leadScore),
    });
  });

  it('serves byte ranges (206) that reassemble into the same bytes', async () => {
    const h = await start();
    const { id, file: whole } = await exportAndWait(h, allLeads(['id', 'email', 'company']));
    const size = whole.body.length;
    const get = (range: string) =>
      h.call('GET', `${base('leads')}/${id}/file.json`, { headers: { Range: range } });

    const probe = await get('bytes=0-0');
    expect(probe.status).toBe(206);
    expect(probe.body.length).toBe(1);
    expect(probe.headers['content-range']).toBe(`bytes 0-0/${size}`);

    const parts: Buffer[] = [];
    let next = 0;
    for (const chunk of [1000, 4000, 7777]) {
      const part = await get(`bytes=${next}-${next + chunk - 1}`);
      expect(part.status).toBe(206);
      expect(part.headers['accept-ranges']).toBe('bytes');
      expect(part.headers['content-range']).toBe(`bytes ${next}-${next + chunk - 1}/${size}`);
      expect(part.headers['content-length']).toBe(String(chunk));
      parts.push(part.body);
      next += chunk;
    }
    const rest = await get(`bytes=${next}-`);
    expect(rest.headers['content-range']).toBe(`bytes ${next}-${size - 1}/${size}`);
    parts.push(rest.body);
    expect(Buffer.concat(parts).equals(whole.body)).toBe(true);
    expect((await get(`bytes=${size}-`)).status).toBe(416);
  });

  it('serves a file at the link speed it is given, the same bytes, ranges included', async () => {
    const bytesPerSecond = 400_000;
    const h = await start({ bulk: { exportFileBytesPerSecond: bytesPerSecond } });
    const id = await createJob(h, allLeads(['id', 'email', 'company', 'title']));
    expect((await op(h, id, 'enqueue')).json.success).toBe(true);
    const job = await waitFor(h, id, 'Completed');
    const started = performance.now();
    const file = await op(h, id, 'file');
    const ms = performance.now() - started;
    expect(file.body.length).toBe(job.fileSize);
    expect(`sha256:${createHash('sha256').update(file.body).digest('hex')}`).toBe(job.fileChecksum);
    // Never faster than the link: every byte waits for its share of the second.
    expect(ms).toBeGreaterThanOrEqual((file.body.length / bytesPerSecond) * 1000 * 0.95);
    const tail = await h.call('GET', `${base('leads')}/${id}/file.json`, {
      headers: { Range: 'bytes=100-' },
    });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(file.body.subarray(100))).toBe(true);
  });

  it('stops reading a throttled file once its client goes away, and fails the download when the read fails', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const file = Readable.from(Array.from({ length: 100 }, () => chunk));
    const download = throttled(file, 1024 * 1024);
    await once(download, 'readable');
    download.destroy();
    // Destroyed by the pipeline (with a premature-close error, which the pipeline itself handles).
    await new Promise((resolve) => file.once('close', resolve));
    expect(file.destroyed).toBe(true);
    expect(file.readableEnded).toBe(false);

    const broken = new Readable({
      read() {
        this.destroy(new Error('EIO'));
      },
    });
    const failing = throttled(broken, 1024 * 1024);
    const [error] = (await once(failing, 'error')) as [Error];
    expect(error.message).toBe('EIO');
  });

  it('parses Range headers like RFC 9110 (suffix, open end, clamped end, ignored junk)', () => {
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ kind: 'range', start: 95, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'none' });
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    ['CSV', ','],
    ['TSV', '\t'],
    ['SSV', ';'],
  ])(
    'writes %s that round-trips quoting, CR/LF, delimiters, non-ASCII and U+2028',
    async (format, delimiter) => {
      const h = await start();
      const tricky = [
        { firstName: 'Ann, "The" Hacker', lastName: 'line1\r\nline2', company: '東京 Ünïcode ✓' },
        { firstName: 'tab\there;semi', lastName: 'sep\u2028line', company: 'end\n' },
        { firstName: 'plain', lastName: 'null-free', company: '' },
      ];
      const ids = tricky.map((lead, i) => {
        const outcome = h.store.syncLead(
          { email: `tricky${i}@example.com`, ...lead },
          { action: 'createOrUpdate', lookupField: 'email' },
        );
        return outcome.id;
      });
      const now = h.clock.now();
      const fields = ['id', 'firstName', 'lastName', 'company', 'unsubscribed', 'leadScore'];
      const { file, job } = await exportAndWait(h, {
        fields,
        format: format.toLowerCase(),
        columnHeaderNames: { id: 'Marketo Id', firstName: 'First Name' },
        filter: { createdAt: { startAt: iso(now - 60_000), endAt: iso(now + 3_600_000) } },
      });
      expect(job.format).toBe(format);
      const text = file.body.toString('utf8');
      expect(
        text.startsWith(
          ['Marketo Id', 'First Name', 'lastName', 'company', 'unsubscribed', 'leadScore'].join(
            delimiter,
          ),
        ),
      ).toBe(true);
      expect(text.endsWith('\n')).toBe(true);
      // Empty values are the literal, unquoted `null`; unset booleans are `false`.
      expect(text).toContain(`${delimiter}null${delimiter}false${delimiter}null\n`);
      const rows = parse(file.body, { delimiter, columns: true }) as Record<string, string>[];
      expect(rows.map((r) => Number(r['Marketo Id']))).toEqual(ids);
      rows.forEach((row, i) => {
        const lead = tricky[i];
        expect(row['First Name']).toBe(lead?.firstName);
        expect(row.lastName).toBe(lead?.lastName);
        expect(row.company).toBe(lead?.company === '' ? 'null' : lead?.company);
      });
    },
  );

  it('exports a static list by name with membership taken when processing starts', async () => {
    const h = await start();
    const list = h.store.list(1001);
    const id = await createJob(h, { fields: ['id'], filter: { staticListName: list?.name } });
    const extra = [...h.store.leads()].find((l) => !h.store.listMemberIds(1001).has(l.id));
    h.store.addToList(1001, extra?.id ?? 0);
    await op(h, id, 'enqueue');
    await waitFor(h, id, 'Completed');
    const rows = parse((await op(h, id, 'file')).body, { columns: true }) as { id: string }[];
    const members = [...h.store.listMemberIds(1001)].sort((a, b) => a - b);
    expect(rows.map((r) => Number(r.id))).toEqual(members);
    expect(members).toContain(extra?.id);
  });

  it('writes activities with attributes as a JSON object string, filtered by type and date', async () => {
    const h = await start();
    const now = h.clock.now();
    const window = { startAt: iso(now - 10 * DAY), endAt: iso(now) };
    const { file, job } = await exportAndWait(
      h,
      { filter: { createdAt: window, activityTypeIds: [1, 13] } },
      'activities',
    );
    const text = file.body.toString('utf8');
    expect(text.split('\n')[0]).toBe(
      'marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes',
    );
    const rows = parse(file.body, { columns: true }) as Record<string, string>[];
    const expected = [...h.store.activities()].filter(
      (a) =>
        [1, 13].includes(a.activityTypeId) &&
        Date.parse(a.activityDate) >= Date.parse(window.startAt) - 1000 &&
        Date.parse(a.activityDate) <= Date.parse(window.endAt),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(job.numberOfRecords).toBe(rows.length);
    expect(rows.map((r) => r.marketoGUID)).toEqual(expected.map((a) => a.marketoGUID));
    rows.forEach((row, i) => {
      expect(JSON.parse(row.attributes ?? '')).toEqual(expected[i]?.attributes);
      expect(row.campaignId).toBe(String(expected[i]?.campaignId ?? 'null'));
    });
  });

  it('answers 404 in plain text while the job is not completed, and for unknown ids', async () => {
    const h = await start({ timeScale: 60 });
    const id = await createJob(h, allLeads(['id']));
    for (const reply of [await op(h, id, 'file'), await op(h, 'unknown', 'file')]) {
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    }
    await op(h, id, 'enqueue');
    await waitFor(h, id, 'Processing');
    expect((await op(h, id, 'file')).status).toBe(404);
  });

  it('answers 404 once the file passed retention, and deletes it', async () => {
    const h = await startDirect({ bulk: { exportRetentionMs: 10 * 60_000 } });
    const { id, file } = await exportAndWait(h, allLeads(['id']));
    expect(file.status).toBe(200);
    await until(
      () => op(h, id, 'file'),
      (reply) => reply.status === 404,
    );
    await until(
      () => readdir(h.fileDir),
      (names) => names.length === 0,
    );
    expect((await statusOf(h, id)).status).toBe('Completed');
  });

  it('removes every file when the sandbox closes', async () => {
    const h = await startDirect();
    await exportAndWait(h, allLeads(['id']));
    await exportAndWait(h, allLeads(['email']));
    expect(await readdir(h.fileDir)).toHaveLength(2);
    await h.closeModules();
    expect(await readdir(h.fileDir)).toEqual([]);
  });
});

describe('bulk export: queue limits', () => {
  it('processes at most 2 jobs at once, in FIFO order', async () => {
    const h = await start({ timeScale: 300 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await createJob(h, allLeads(['id']));
      await op(h, id, 'enqueue');
      ids.push(id);
    }
    let maxProcessing = 0;
    const jobs = await until(
      async () => {
        const all = await Promise.all(ids.map((id) => statusOf(h, id)));
        const processing = all.filter((j) => j.status === 'Processing').length;
        maxProcessing = Math.max(maxProcessing, processing);
        return all;
      },
      (all) => all.every((j) => j.status === 'Completed'),
    );
    expect(maxProcessing).toBe(2);
    const started = jobs.map((j) => Date.parse(String(j.startedAt)));
    expect([...started].sort((a, b) => a - b)).toEqual(started);
  });

  it('refuses an 11th queued job with 1029 Too many jobs in queue (leads and activities share it)', async () => {
    const h = await start({ timeScale: 60 }); // a Marketo minute = 1 s: nothing finishes meanwhile
    const now = h.clock.now();
    for (let i = 0; i < 10; i++) {
      const entity: Entity = i % 2 ? 'activities' : 'leads';
      const body =
        entity === 'leads'
          ? allLeads(['id'])
          : { filter: { createdAt: { startAt: iso(now - DAY), endAt: iso(now) } } };
      const id = await createJob(h, body, entity);
      expect((await op(h, id, 'enqueue', entity)).json.success).toBe(true);
    }
    const eleventh = await createJob(h, allLeads(['id']));
    expect(errorOf(await op(h, eleventh, 'enqueue'))).toEqual({
      code: '1029',
      message: 'Too many jobs in queue',
    });
    expect((await statusOf(h, eleventh)).status).toBe('Created');
  });

  it('refuses a second enqueue with 1029 Job already queued', async () => {
    const h = await start({ timeScale: 60 });
    const id = await createJob(h, allLeads(['id']));
    await op(h, id, 'enqueue');
    expect(errorOf(await op(h, id, 'enqueue'))).toEqual({
      code: '1029',
      message: 'Job already queued',
    });
  });
});

describe('bulk export: daily quota', () => {
  // 04:00 UTC in January is 22:00 US Central: the quota day ends 2 sandbox hours (1.2 s) later.
  const startAt = Date.UTC(2027, 0, 15, 4, 0);

  it('refuses create and enqueue with 1029 once today’s files reach the quota, until Central midnight', async () => {
    const h = await start({ startAt, bulk: { exportDailyQuotaBytes: 16 * 1024 } });
    const pending = await createJob(h, allLeads(['id']));
    const { job } = await exportAndWait(h, allLeads(['id', 'email', 'firstName', 'lastName']));
    expect(Number(job.fileSize)).toBeGreaterThan(16 * 1024);
    const quota = { code: '1029', message: 'Export daily quota 0.016MB exceeded.' };
    expect(errorOf(await create(h, allLeads(['id'])))).toEqual(quota);
    expect(errorOf(await op(h, pending, 'enqueue'))).toEqual(quota);
    expect(await created(h)).toBe(2);
    await until(
      () => create(h, allLeads(['id'])),
      (reply) => reply.json.success,
    );
    expect(h.clock.now()).toBeGreaterThanOrEqual(Date.UTC(2027, 0, 15, 6, 0));
  });

  it('words the quota in MB like Marketo (500MB by default)', async () => {
    const h = await start({
      startAt,
      leadCount: 8000,
      bulk: { exportDailyQuotaBytes: 1024 * 1024 },
    });
    const { job } = await exportAndWait(
      h,
      allLeads([
        'id',
        'email',
        'firstName',
        'lastName',
        'company',
        'address',
        'city',
        'phone',
        'website',
        'cookies',
      ]),
    );
    expect(Number(job.fileSize)).toBeGreaterThan(1024 * 1024);
    expect(errorOf(await create(h, allLeads(['id'])))?.message).toBe(
      'Export daily quota 1MB exceeded.',
    );
  }, 20_000);
});

describe('bulk export: cancel', () => {
  it('cancels Created, Queued and Processing jobs, and a cancelled slot lets the next job run', async () => {
    const h = await start({ timeScale: 60 }); // a Marketo minute = 1 s
    const created = await createJob(h, allLeads(['id']));
    const cancelled = (await op(h, created, 'cancel')).json.result?.[0];
    expect(cancelled).toMatchObject({ status: 'Cancelled' });
    expect(cancelled).not.toHaveProperty('queuedAt');
    expect(errorOf(await op(h, created, 'enqueue'))?.code).toBe('1003');

    const [a, b, c] = [
      await createJob(h, allLeads(['id'])),
      await createJob(h, allLeads(['id'])),
      await createJob(h, allLeads(['id'])),
    ] as [string, string, string];
    for (const id of [a, b, c]) await op(h, id, 'enqueue');
    const queued = (await op(h, c, 'cancel')).json.result?.[0];
    expect(queued).toMatchObject({ status: 'Cancelled' });
    expect(queued).toHaveProperty('queuedAt');

    await waitFor(h, a, 'Processing');
    const d = await createJob(h, allLeads(['id']));
    await op(h, d, 'enqueue');
    const processing = (await op(h, a, 'cancel')).json.result?.[0];
    expect(processing).toMatchObject({ status: 'Cancelled' });
    expect(processing).toHaveProperty('startedAt');
    expect(processing).not.toHaveProperty('fileSize');
    await waitFor(h, d, 'Completed');
    expect((await statusOf(h, a)).status).toBe('Cancelled');
    expect((await op(h, a, 'file')).status).toBe(404);
  });

  it('answers 1003 Job already completed for a finished job', async () => {
    const h = await start();
    const { id } = await exportAndWait(h, allLeads(['id']));
    expect(errorOf(await op(h, id, 'cancel'))).toEqual({
      code: '1003',
      message: 'Job already completed',
    });
  });
});

describe('bulk export: list jobs', () => {
  it('filters by status (comma list or repeated, any case), per entity', async () => {
    const h = await start();
    const created = await createJob(h, allLeads(['id']));
    const { id: completed } = await exportAndWait(h, allLeads(['id']));
    const cancelled = await createJob(h, allLeads(['id']));
    await op(h, cancelled, 'cancel');
    const ids = async (query: string, entity: Entity = 'leads') => {
      const reply = await h.call('GET', `${base(entity)}.json${query}`);
      return reply.json.result?.map((j) => j.exportId);
    };
    expect(await ids('')).toEqual([created, completed, cancelled]);
    expect(await ids('?status=completed,CANCELLED')).toEqual([completed, cancelled]);
    expect(await ids('?status=Created&status=Queued')).toEqual([created]);
    expect(await ids('?status=Canceled')).toEqual([cancelled]);
    expect(await ids('', 'activities')).toEqual([]);
    const bad = await h.call('GET', `${base('leads')}.json?status=Done`);
    expect(errorOf(bad)?.code).toBe('1003');
  });

  it('pages with batchSize and nextPageToken', async () => {
    const h = await start();
    const all = [];
    for (let i = 0; i < 5; i++) all.push(await createJob(h, allLeads(['id'])));
    const first = await h.call('GET', `${base('leads')}.json?batchSize=3`);
    expect(first.json.result?.map((j) => j.exportId)).toEqual(all.slice(0, 3));
    expect(first.json.nextPageToken).toMatch(/^[A-Z2-7]+=*$/);
    const second = await h.call(
      'GET',
      `${base('leads')}.json?batchSize=3&nextPageToken=${first.json.nextPageToken}`,
    );
    expect(second.json.result?.map((j) => j.exportId)).toEqual(all.slice(3));
    expect(second.json.nextPageToken).toBeUndefined();
    const bad = await h.call('GET', `${base('leads')}.json?nextPageToken=GARBAGE`);
    expect(errorOf(bad)).toEqual({ code: '1003', message: 'Invalid nextPageToken' });
  });
});

describe('bulk export: file writer and wire helpers', () => {
  it('streams a multi-megabyte file in batches whose checksum and size match the bytes on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulk-writer-'));
    try {
      const rows = function* () {
        for (let i = 0; i < 60_000; i++)
          yield [i, `name ${i}`, i % 2 === 0, null, { n: i }, 'ü\u2028"x"'];
      };
      const path = join(dir, 'out.csv');
      const stats = await writeExportFile({
        path,
        dialect: dialect('CSV'),
        header: ['a', 'b', 'c', 'd', 'e', 'f'],
        rows: rows(),
      });
      const bytes = await readFile(path);
      expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024);
      expect(stats).toEqual({
        numberOfRecords: 60_000,
        fileSize: bytes.length,
        fileChecksum: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      });
      expect(bytes.toString().split('\n')[2]).toBe(
        '1,name 1,false,null,"{""n"":1}","ü\u2028""x"""',
      );
      expect(await readdir(dir)).toEqual(['out.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no file behind when aborted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulk-writer-'));
    try {
      const abort = new AbortController();
      const rows = function* () {
        for (let i = 0; i < 200_000; i++) {
          if (i === 100_000) abort.abort(new Error('cancelled'));
          yield [i, 'some text to fill the batches'];
        }
      };
      const written = writeExportFile({
        path: join(dir, 'out.csv'),
        dialect: dialect('TSV'),
        header: ['a', 'b'],
        rows: rows(),
        signal: abort.signal,
      });
      await expect(written).rejects.toThrow('cancelled');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads ISO-8601 with Z, offsets (±hh:mm, ±hhmm), milliseconds or a bare date', () => {
    expect(parseIsoDateTime('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseIsoDateTime('2026-01-01T00:00:00.500Z')).toBe(Date.UTC(2026, 0, 1) + 500);
    expect(parseIsoDateTime('2026-01-01T00:00:00+0000')).toBe(Date.UTC(2026, 0, 1));
    expect(parseIsoDateTime('2026-01-01T00:00:00-06:00')).toBe(Date.UTC(2026, 0, 1, 6));
    expect(parseIsoDateTime('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(parseIsoDateTime('yesterday')).toBeUndefined();
    expect(parseIsoDateTime(20260101)).toBeUndefined();
  });

  it('counts quota days from midnight US Central, daylight saving included', () => {
    expect(centralDayOf(Date.UTC(2027, 0, 15, 5, 59, 59))).toBe('2027-01-14');
    expect(centralDayOf(Date.UTC(2027, 0, 15, 6))).toBe('2027-01-15');
    expect(centralDayOf(Date.UTC(2027, 6, 15, 4, 59, 59))).toBe('2027-07-14');
    expect(centralDayOf(Date.UTC(2027, 6, 15, 5))).toBe('2027-07-15');
  });

  it('words quota sizes in MB, binary or decimal', () => {
    expect(quotaText(500 * 1024 * 1024)).toBe('500MB');
    expect(quotaText(500_000_000)).toBe('500MB');
    expect(quotaText(16 * 1024)).toBe('0.016MB');
  });

  it('issues base32 paging tokens and only accepts its own', () => {
    const token = encodePageToken(300);
    expect(token).toMatch(/^[A-Z2-7]+=*$/);
    expect(decodePageToken(token)).toBe(300);
    expect(decodePageToken('GIYDAOBNGEYS2MBW')).toBeUndefined();
  });
});
