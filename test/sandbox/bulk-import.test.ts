/**
 * Bulk lead import (marketo-api.md §9) through the real sandbox over HTTP, on a compressed clock.
 */
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { completionMessage } from '../../src/sandbox/bulk/import-jobs.js';
import type { LeadRow } from '../../src/sandbox/types.js';
import {
  type BulkHarness,
  type HarnessOptions,
  OTHER_CLIENT,
  type Reply,
  startHttpHarness,
  until,
} from './bulk-harness.js';

type Job = Record<string, unknown>;

let harness: BulkHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: HarnessOptions = {}): Promise<BulkHarness> {
  const h = await startHttpHarness(options);
  harness = h;
  return h;
}

/** Uploads `file` as the multipart `file` part; `form` fields go in the form, `query` in the URL. */
async function upload(
  h: BulkHarness,
  file: string,
  options: { form?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<Reply> {
  const form = new FormData();
  form.set('file', new Blob([file], { type: 'text/csv' }), 'leads.csv');
  const fields = options.form ?? (options.query ? {} : { format: 'csv' });
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  return h.call('POST', `/bulk/v1/leads.json${query}`, { body: form });
}

async function importAndWait(
  h: BulkHarness,
  file: string,
  options: Parameters<typeof upload>[2] = {},
): Promise<{ batchId: number; job: Job }> {
  const reply = await upload(h, file, options);
  expect(reply.json.errors).toBeUndefined();
  const batchId = Number(reply.json.result?.[0]?.batchId);
  const job = await until(
    () => statusOf(h, batchId),
    (j) => j.status === 'Complete' || j.status === 'Failed',
  );
  return { batchId, job };
}

async function statusOf(h: BulkHarness, batchId: number | string): Promise<Job> {
  return (await h.call('GET', `/bulk/v1/leads/batch/${batchId}.json`)).json.result?.[0] ?? {};
}

const resultFile = (h: BulkHarness, batchId: number, kind: 'failures' | 'warnings') =>
  h.call('GET', `/bulk/v1/leads/batch/${batchId}/${kind}.json`);

const errorOf = (reply: Reply) => reply.json.errors?.[0];

const byEmail = (h: BulkHarness, email: string): LeadRow[] =>
  [...h.store.leads()].filter((lead) => lead.email === email);

const csvRows = (count: number, prefix: string) =>
  ['email,firstName,leadScore']
    .concat(
      Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com,Name ${i},${i % 100}`),
    )
    .join('\n');

describe('bulk import: upload', () => {
  it('queues the file and answers batchId (integer), importId (same, string) and Queued', async () => {
    const h = await start();
    const reply = await upload(h, 'email,firstName\nable@example.com,Able\n');
    expect(reply.json.success).toBe(true);
    const [job] = reply.json.result ?? [];
    expect(Object.keys(job ?? {})).toEqual(['batchId', 'importId', 'status']);
    expect(Number.isInteger(job?.batchId)).toBe(true);
    expect(job?.importId).toBe(String(job?.batchId));
    expect(job?.status).toBe('Queued');
    expect((await h.stats()).importJobsCreated).toBe(1);
  });

  it('takes format, lookupField and listId from the query string too, format in any case', async () => {
    const h = await start();
    const { job } = await importAndWait(h, 'email\tfirstName\nq@example.com\tQuery\n', {
      query: { format: 'TSV', listId: '1001' },
    });
    expect(job.status).toBe('Complete');
    const [lead] = byEmail(h, 'q@example.com');
    expect(lead?.firstName).toBe('Query');
    expect(h.store.listMemberIds(1001).has(lead?.id ?? 0)).toBe(true);
  });

  it.each([
    ['no format', { form: {} }, '1002', /format/],
    ['an unknown format', { form: { format: 'xml' } }, '1003', /xml/],
    [
      'an unsearchable lookup field',
      { form: { format: 'csv', lookupField: 'firstName' } },
      '1011',
      /firstName/,
    ],
    ['an unknown list', { form: { format: 'csv', listId: '999999' } }, '1003', /999999/],
  ])('refuses %s', async (_name, options, code, message) => {
    const h = await start();
    const reply = await upload(h, 'email\na@example.com\n', options);
    expect(errorOf(reply)?.code).toBe(code);
    expect(errorOf(reply)?.message).toMatch(message);
    expect((await h.stats()).importJobsCreated).toBe(0);
  });

  it('refuses a malformed multipart body with 613 Invalid Multipart Request', async () => {
    const h = await start();
    const reply = await h.call('POST', '/bulk/v1/leads.json?format=csv', {
      body: Buffer.from('--XYZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nemail\n'),
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    });
    expect(errorOf(reply)).toEqual({ code: '613', message: 'Invalid Multipart Request' });
  });

  it('refuses a multipart body without a file part', async () => {
    const h = await start();
    const form = new FormData();
    form.set('format', 'csv');
    const reply = await h.call('POST', '/bulk/v1/leads.json', { body: form });
    expect(errorOf(reply)?.code).toBe('1002');
    expect(errorOf(reply)?.message).toMatch(/file/);
  });

  it('answers HTTP 413 for an upload over 10 MB', async () => {
    const h = await start();
    const big = `email\n${'x'.repeat(10 * 1024 * 1024)}\n`;
    const reply = await upload(h, big);
    expect(reply.status).toBe(413);
    expect((await h.stats()).importJobsCreated).toBe(0);
  });
});

describe('bulk import: lifecycle on the sandbox clock', () => {
  it('moves Queued → Importing with "so far" counters → Complete', async () => {
    // 1 000 rows take 10 sandbox minutes = 200 ms.
    const h = await start({ timeScale: 3000, bulk: { importMsPer1000Rows: 600_000 } });
    const reply = await upload(h, csvRows(3000, 'life'));
    const batchId = Number(reply.json.result?.[0]?.batchId);
    const seen: Job[] = [];
    const job = await until(
      async () => {
        const status = await statusOf(h, batchId);
        seen.push(status);
        return status;
      },
      (j) => j.status === 'Complete',
    );
    const importing = seen.filter((j) => j.status === 'Importing');
    expect(
      importing.some(
        (j) => Number(j.numOfLeadsProcessed) > 0 && Number(j.numOfLeadsProcessed) < 3000,
      ),
    ).toBe(true);
    const counts = seen.map((j) => Number(j.numOfLeadsProcessed));
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(importing[0]).not.toHaveProperty('message');
    expect(job).toEqual({
      batchId,
      importId: String(batchId),
      status: 'Complete',
      numOfLeadsProcessed: 3000,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: 'Import succeeded, 3000 records imported (3000 members)',
    });
    expect(byEmail(h, 'life2999@example.com')[0]?.leadScore).toBe(99);
  });

  it('imports at most 2 files at once, in arrival order', async () => {
    // 300 rows take 3 sandbox minutes = 300 ms.
    const h = await start({ timeScale: 600, bulk: { importMsPer1000Rows: 600_000 } });
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(Number((await upload(h, csvRows(300, `par${i}-`))).json.result?.[0]?.batchId));
    }
    await until(
      async () => Promise.all(ids.map((id) => statusOf(h, id))),
      (all) => all.every((j) => j.status === 'Complete'),
    );
    // The sandbox's own timeline (its clock, not our polling): how many imported at each instant.
    const timeline = ((await h.stats()).importTimeline ?? []).filter((t) =>
      ids.includes(t.batchId),
    );
    const importingAt = (at: number) =>
      timeline.filter((t) => (t.startedAt ?? Infinity) <= at && at < (t.finishedAt ?? Infinity))
        .length;
    const starts = timeline.map((t) => t.startedAt ?? 0);
    expect(Math.max(...starts.map(importingAt))).toBe(2);
    // In arrival order: the 3rd and 4th start only when one of the first two has finished.
    const byId = new Map(timeline.map((t) => [t.batchId, t]));
    const [a, b, c, d] = ids.map((id) => byId.get(id));
    const firstFinish = Math.min(a?.finishedAt ?? 0, b?.finishedAt ?? 0);
    expect(Math.min(c?.startedAt ?? 0, d?.startedAt ?? 0)).toBeGreaterThanOrEqual(firstFinish);
    expect(Math.max(a?.startedAt ?? 0, b?.startedAt ?? 0)).toBeLessThanOrEqual(
      Math.min(c?.startedAt ?? 0, d?.startedAt ?? 0),
    );
  });

  it('updates existing leads by id with lookupField=id, failing unknown ids with Lead not found', async () => {
    const h = await start();
    const { batchId, job } = await importAndWait(h, 'id,firstName\n5,Renamed\n999999,Ghost\n', {
      form: { format: 'csv', lookupField: 'id' },
    });
    expect(job).toMatchObject({ numOfLeadsProcessed: 1, numOfRowsFailed: 1 });
    expect(h.store.lead(5)?.firstName).toBe('Renamed');
    const failures = (await resultFile(h, batchId, 'failures')).body.toString();
    expect(failures).toBe('id,firstName,Import Failure Reason\n999999,Ghost,Lead not found\n');
  });

  it('fails the job when the file cannot be parsed, keeping what was imported', async () => {
    const h = await start();
    const { job } = await importAndWait(
      h,
      'email,firstName\nok@example.com,Ok\n"unterminated@example.com,Bad\n',
    );
    expect(job.status).toBe('Failed');
    expect(String(job.message)).toMatch(/^Import failed: .*quote/i);
  });

  it('fails the job when the file has no header row', async () => {
    const h = await start();
    const { job } = await importAndWait(h, '');
    expect(job).toMatchObject({
      status: 'Failed',
      message: 'Import failed: the file has no header row',
    });
  });

  it('answers 1003 for an unknown batch id, and 404 for its files', async () => {
    const h = await start();
    expect(errorOf(await h.call('GET', '/bulk/v1/leads/batch/424242.json'))).toEqual({
      code: '1003',
      message: "Import job '424242' not found",
    });
    expect((await resultFile(h, 424242, 'failures')).status).toBe(404);
  });

  it('keeps batches private to the API user that created them', async () => {
    const h = await start();
    const reply = await upload(h, 'email\np@example.com\n');
    const batchId = String(reply.json.result?.[0]?.batchId);
    const other = await h.call('GET', `/bulk/v1/leads/batch/${batchId}.json`, {
      clientId: OTHER_CLIENT.clientId,
    });
    expect(errorOf(other)).toEqual({ code: '1003', message: `Import job '${batchId}' not found` });
    expect((await h.call('GET', `/bulk/v1/leads/batch/${batchId}.json`)).json.success).toBe(true);
  });
});

describe('bulk import: failures and warnings files', () => {
  const file = [
    'firstName,lastName,email,title,company,leadScore,email_field',
    'Aerys,Targaryen,aerys@targaryen.com,King,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD,',
    'Rhaenys,Targaryen,rhaenys@targaryen.com,Queen,"House Targaryen, Dragonstone",7,INVALID_EMAIL',
    "Jon,Snow,jon@winterfell.com,Lord,Night's Watch,42,jon.alt@example.com",
  ].join('\n');

  it('fails a row with a type error (naming the display name) and warns on an invalid email', async () => {
    const h = await start();
    const { batchId, job } = await importAndWait(h, file);
    expect(job).toMatchObject({
      status: 'Complete',
      numOfLeadsProcessed: 2,
      numOfRowsFailed: 1,
      numOfRowsWithWarning: 1,
      message: 'Import completed with errors, 2 records imported (2 members), 1 failed, 1 warning.',
    });

    const failures = await resultFile(h, batchId, 'failures');
    expect(failures.status).toBe(200);
    expect(failures.headers['content-type']).toBe('text/csv;charset=UTF-8');
    expect(failures.body.toString()).toBe(
      'firstName,lastName,email,title,company,leadScore,email_field,Import Failure Reason\n' +
        'Aerys,Targaryen,aerys@targaryen.com,King,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD,,Invalid data type in field Lead Score\n',
    );
    const warnings = await resultFile(h, batchId, 'warnings');
    expect(warnings.headers['content-type']).toBe('text/csv;charset=UTF-8');
    expect(warnings.body.toString()).toBe(
      'firstName,lastName,email,title,company,leadScore,email_field,Import Warning Reason\n' +
        'Rhaenys,Targaryen,rhaenys@targaryen.com,Queen,"House Targaryen, Dragonstone",7,INVALID_EMAIL,Invalid email address\n',
    );
    // The warned row is imported without the invalid value; the failed row not at all.
    const [rhaenys] = byEmail(h, 'rhaenys@targaryen.com');
    expect(rhaenys).toMatchObject({ company: 'House Targaryen, Dragonstone', leadScore: 7 });
    expect(rhaenys?.email_field ?? null).toBeNull();
    expect(byEmail(h, 'aerys@targaryen.com')).toEqual([]);
  });

  it("imports a row whose lookup email is invalid, keeping the address, and warns (Adobe's example)", async () => {
    const h = await start();
    const { batchId, job } = await importAndWait(
      h,
      'firstName,lastName,email,title,company,leadScore\n' +
        'Aerys,Targaryen,INVALID_EMAIL,Targaryen,House Targaryen,0\n' +
        "Jon,Snow,jon@winterfell.com,Lord,Night's Watch,42\n",
    );
    expect(job).toMatchObject({
      status: 'Complete',
      numOfLeadsProcessed: 2,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 1,
      message: 'Import succeeded, 2 records imported (2 members), 1 warning.',
    });
    expect((await resultFile(h, batchId, 'warnings')).body.toString()).toBe(
      'firstName,lastName,email,title,company,leadScore,Import Warning Reason\n' +
        'Aerys,Targaryen,INVALID_EMAIL,Targaryen,House Targaryen,0,Invalid email address\n',
    );
    expect((await resultFile(h, batchId, 'failures')).status).toBe(404);
    expect(byEmail(h, 'INVALID_EMAIL')).toEqual([
      expect.objectContaining({ email: 'INVALID_EMAIL', firstName: 'Aerys', leadScore: 0 }),
    ]);
  });

  it('answers 404 when a job has no failures or no warnings', async () => {
    const h = await start();
    const { batchId, job } = await importAndWait(h, 'email,firstName\nclean@example.com,Clean\n');
    expect(job.message).toBe('Import succeeded, 1 records imported (1 members)');
    for (const kind of ['failures', 'warnings'] as const) {
      const reply = await resultFile(h, batchId, kind);
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    }
  });

  it('fails every row with Field not found when the header names no lead field', async () => {
    const h = await start();
    const { batchId, job } = await importAndWait(
      h,
      'email,favoriteColor\nc1@example.com,red\nc2@example.com,blue\n',
    );
    expect(job).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 0, numOfRowsFailed: 2 });
    const rows = parse((await resultFile(h, batchId, 'failures')).body, { columns: true });
    expect(rows).toEqual([
      {
        email: 'c1@example.com',
        favoriteColor: 'red',
        'Import Failure Reason': "Field 'favoriteColor' not found",
      },
      {
        email: 'c2@example.com',
        favoriteColor: 'blue',
        'Import Failure Reason': "Field 'favoriteColor' not found",
      },
    ]);
    expect(byEmail(h, 'c1@example.com')).toEqual([]);
  });

  it('fails rows whose email matches several leads, and rows with the wrong number of cells', async () => {
    const h = await start();
    // Seeded lead 50 shares lead 49's email (Marketo allows duplicates).
    const duplicated = String(h.store.lead(49)?.email);
    expect(h.store.lead(50)?.email).toBe(duplicated);
    const { batchId, job } = await importAndWait(
      h,
      `email,firstName\n${duplicated},Dup\nshort@example.com\n`,
    );
    expect(job).toMatchObject({ numOfLeadsProcessed: 0, numOfRowsFailed: 2 });
    const rows = parse((await resultFile(h, batchId, 'failures')).body, {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.map((r) => r['Import Failure Reason'])).toEqual([
      'Multiple lead match lookup criteria',
      'Row has 1 fields but the header has 2',
    ]);
  });

  it('fails rows targeting an unknown partition with the store’s reason', async () => {
    const h = await start();
    const { job, batchId } = await importAndWait(h, 'email\npart@example.com\n', {
      form: { format: 'csv', partitionName: 'Nowhere' },
    });
    expect(job).toMatchObject({ numOfRowsFailed: 1 });
    expect((await resultFile(h, batchId, 'failures')).body.toString()).toContain(
      "Access denied to partition 'Nowhere'",
    );
  });

  it('words completion like Marketo, including the singular "warning."', () => {
    expect(completionMessage(3, 0, 0)).toBe('Import succeeded, 3 records imported (3 members)');
    expect(completionMessage(2, 1, 0)).toBe(
      'Import completed with errors, 2 records imported (2 members), 1 failed',
    );
    expect(completionMessage(1, 0, 1)).toBe(
      'Import succeeded, 1 records imported (1 members), 1 warning.',
    );
  });
});

describe('bulk import: formats', () => {
  const values = {
    firstName: 'Ann, "The" Hacker',
    lastName: 'line1\r\nline2',
    company: '東京 Ünïcode ✓',
    title: 'tab\tsemi;colon\u2028sep',
  };

  it.each([
    ['csv', ','],
    ['tsv', '\t'],
    ['ssv', ';'],
  ])(
    'reads %s with quoted CR/LF, embedded delimiters, quotes and non-ASCII intact',
    async (format, delimiter) => {
      const h = await start();
      const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
      const header = ['email', ...Object.keys(values)].join(delimiter);
      const row = [`fmt-${format}@example.com`, ...Object.values(values).map(quote)].join(
        delimiter,
      );
      // A BOM and CRLF line ends, as spreadsheet exports write them.
      const { batchId, job } = await importAndWait(h, `\uFEFF${header}\r\n${row}\r\n`, {
        form: { format },
      });
      expect(job).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 1, numOfRowsFailed: 0 });
      expect((await resultFile(h, batchId, 'failures')).status).toBe(404);
      expect(byEmail(h, `fmt-${format}@example.com`)[0]).toMatchObject(values);
    },
  );

  it('writes the failures file in the job’s format, quoting as needed', async () => {
    const h = await start();
    const { batchId } = await importAndWait(
      h,
      'email;leadScore;company\nsemi@example.com;high;"A;B"\n',
      {
        form: { format: 'SSV' },
      },
    );
    expect((await resultFile(h, batchId, 'failures')).body.toString()).toBe(
      'email;leadScore;company;Import Failure Reason\nsemi@example.com;high;"A;B";Invalid data type in field Lead Score\n',
    );
  });
});

describe('bulk import: queue and lists', () => {
  it('refuses an 11th queued import with 1016 Too many imports', async () => {
    // 100 rows take a sandbox minute = 1 s: nothing finishes while the queue fills.
    const h = await start({ timeScale: 60, bulk: { importMsPer1000Rows: 600_000 } });
    for (let i = 0; i < 10; i++) {
      expect((await upload(h, csvRows(100, `q${i}-`))).json.success).toBe(true);
    }
    expect(errorOf(await upload(h, csvRows(1, 'q10-')))).toEqual({
      code: '1016',
      message: 'Too many imports',
    });
    expect((await h.stats()).importJobsCreated).toBe(10);
  });

  it('refuses a second import into a list being imported into with 1019, and adds members', async () => {
    const h = await start({ timeScale: 60, bulk: { importMsPer1000Rows: 600_000 } });
    const first = await upload(h, csvRows(100, 'l1-'), { form: { format: 'csv', listId: '1002' } });
    expect(first.json.success).toBe(true);
    expect(
      errorOf(await upload(h, csvRows(1, 'l2-'), { form: { format: 'csv', listId: '1002' } })),
    ).toEqual({
      code: '1019',
      message: 'Import in progress',
    });
    expect(
      (await upload(h, csvRows(1, 'l3-'), { form: { format: 'csv', listId: '1003' } })).json
        .success,
    ).toBe(true);
    const batchId = Number(first.json.result?.[0]?.batchId);
    await until(
      () => statusOf(h, batchId),
      (j) => j.status === 'Complete',
    );
    const [lead] = byEmail(h, 'l1-99@example.com');
    expect(h.store.listMemberIds(1002).has(lead?.id ?? 0)).toBe(true);
  });
});
