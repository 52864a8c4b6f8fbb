import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GraphQLErrorJson,
  restCalls,
  startTestGateway,
  type TestGateway,
} from '../helpers/gateway.js';
import { StartImport, waitForImport } from '../helpers/imports.js';
import { errorFields, payload } from '../helpers/outcome.js';

const MAX_FILE_BYTES = 4_000;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    sandbox: { leads: 500, bulk: { importMsPer1000Rows: 500 } },
    importJobs: { maxFileBytes: MAX_FILE_BYTES, pollIntervalMs: 50, queueRetryMs: 50 },
  });
});

afterAll(async () => {
  await gw?.stop();
});

const emailField = () => gw.store.field('email')!;
const leadByEmail = (email: string) => {
  const ids = gw.store.leadIdsBy(emailField(), email);
  return ids.map((id) => gw.store.lead(id));
};

/** POSTs per the GraphQL multipart request spec: operations, map, then the file part. */
async function upload(
  text: string,
  input: Record<string, unknown>,
): Promise<{
  data?: { importLeads: { id: string; status: string } };
  errors?: GraphQLErrorJson[];
}> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query:
        'mutation ($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } ... on InputError { argument field details } } }',
      variables: { input: { ...input, file: null } },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.set('0', new Blob([text], { type: 'text/tab-separated-values' }), 'leads.tsv');
  const response = await fetch(`${gw.url}/graphql`, { method: 'POST', body: form });
  return (await response.json()) as never;
}

describe('JSON rows', () => {
  it('are written with csv-stringify (delimiters, quotes, line breaks) and split like text', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({
      email: `json-${i}@import.test`,
      firstName: i % 7 === 0 ? `semi;colon "q"\nline ${i}` : `J${i}`,
      integer_field: i % 50 === 3 ? 'NaN' : i,
    }));
    const started = await gw.execute(StartImport, { input: { rows, format: 'SSV' } });
    expect(started.errors).toBeUndefined();
    const job = await waitForImport(gw, payload(started.data?.importLeads).id ?? '');
    expect(job.status).toBe('COMPLETE');
    expect(job.parts.length).toBeGreaterThan(1);
    // rows[i] is row number i + 1
    expect(job.failures.map((f) => f.rowNumber)).toEqual(
      rows.flatMap((row, i) => (row.integer_field === 'NaN' ? [i + 1] : [])),
    );
    for (const [i, row] of rows.entries()) {
      const leads = leadByEmail(row.email);
      expect(leads.length).toBe(row.integer_field === 'NaN' ? 0 : 1);
      if (leads[0]) expect(leads[0].firstName).toBe(row.firstName);
      if (i > 20) break;
    }
  });
});

describe('File uploads', () => {
  it('imports a multipart upload in its format', async () => {
    const text = ['email\tfirstName', 'file-1@import.test\tFi', 'file-2@import.test\tLe'].join(
      '\n',
    );
    const started = await upload(text, { format: 'TSV' });
    expect(started.errors).toBeUndefined();
    const job = await waitForImport(gw, payload(started.data?.importLeads).id ?? '');
    expect(job).toMatchObject({ status: 'COMPLETE', rowsProcessed: 2, rowsFailed: 0 });
    expect(job.id).toBe(job.batchIds[0]); // one file: Marketo's batchId
    expect(leadByEmail('file-2@import.test')[0]?.firstName).toBe('Le');
  });

  it('names an unknown header column before anything is sent to Marketo', async () => {
    // Caches describe; finished first so that none of its status polls land after the reset.
    const warm = await gw.execute(StartImport, { input: { data: 'email\nwarm@import.test' } });
    await waitForImport(gw, payload(warm.data?.importLeads).id ?? '');
    await gw.reset();
    const started = await upload('email\tshoeSize\na@import.test\t9', { format: 'TSV' });
    expect(errorFields(started.data?.importLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.file',
      field: 'shoeSize',
    });
    expect(restCalls(await gw.stats())).toBe(0);
  });
});

describe('accounting for every row', () => {
  it('gives identical failing rows their own row numbers', async () => {
    const data = [
      'email,integer_field',
      'dup@import.test,bad',
      'ok@import.test,1',
      'dup@import.test,bad',
    ].join('\n');
    const started = await gw.execute(StartImport, { input: { data } });
    const job = await waitForImport(gw, payload(started.data?.importLeads).id ?? '');
    expect(job.failures.map((f) => f.rowNumber)).toEqual([1, 3]);
  });

  it('keeps the files already sent when the input breaks off later, and says where', async () => {
    const good = Array.from({ length: 200 }, (_, i) => `cut-${i}@import.test,C${i}`);
    const data = ['email,firstName', ...good, 'broken@import.test,"never closed'].join('\n');
    const started = await gw.execute(StartImport, { input: { data } });
    expect(started.errors).toBeUndefined();
    const job = await waitForImport(gw, payload(started.data?.importLeads).id ?? '');
    expect(job.status).toBe('PARTIAL');
    expect(job.error?.code).toBe('BAD_USER_INPUT');
    expect(job.error?.message).toMatch(/^input\.data: is not valid delimited text/);
    const imported = job.parts.reduce((sum, part) => sum + part.rows, 0);
    expect(imported).toBeGreaterThan(0);
    expect(job.rowsProcessed).toBe(imported);
    expect(leadByEmail('cut-0@import.test')).toHaveLength(1);
  });

  it('rejects input that breaks off in its first file, and a row no file can hold', async () => {
    const broken = await gw.execute(StartImport, {
      input: { data: 'email,firstName\na@import.test,"open' },
    });
    expect(errorFields(broken.data?.importLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.data',
    });
    const huge = await gw.execute(StartImport, {
      input: { rows: [{ email: 'big@import.test', firstName: 'x'.repeat(MAX_FILE_BYTES) }] },
    });
    expect(errorFields(huge.data?.importLeads)).toMatchObject({ argument: 'input.rows', row: 1 });
    const empty = await gw.execute(StartImport, { input: { data: 'email\n' } });
    expect(errorFields(empty.data?.importLeads).message).toMatch(/no rows/);
  });
});
