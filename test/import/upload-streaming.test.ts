/**
 * Uploads per the GraphQL multipart request spec, streamed: the file goes to a temp file while it
 * arrives (never whole in memory), the import reads it from disk and splits it into Marketo
 * files, the temp file is gone afterwards, and the upload limits refuse early with 413.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { IMPORT_FILE_MAX_BYTES } from '../../src/marketo/import-upload.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { DEFAULT_LIMITS } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { graphql } from '../gql/index.js';
import { gatewayConfigFor, type GraphQLErrorJson } from '../helpers/gateway.js';
import { type ImportJobView, ImportJobDetail } from '../helpers/imports.js';
import { errorFields } from '../helpers/outcome.js';

const UploadImport = graphql(`
  mutation UploadImport($input: ImportLeadsInput!) {
    importLeads(input: $input) {
      ... on ImportJob {
        id
        status
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
        field
        details
      }
    }
  }
`);

const UploadUpsert = graphql(`
  mutation UploadUpsert($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        mode
        total
        created
        failed
        results {
          index
          status
        }
        importJob {
          id
        }
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
        field
        details
      }
    }
  }
`);

const TIME_SCALE = 50;
const MB = 1024 * 1024;
/** The small gateway's upload limit. */
const SMALL_UPLOAD = 256 * 1024;
const THRESHOLD = 100;

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sandbox: Sandbox;
/** Default limits (1 GiB uploads). */
let big: { gateway: Gateway; url: string; uploadDir: string };
/** Small limits: 256 KiB per file, 2 files, 8 KiB JSON bodies. */
let small: { gateway: Gateway; url: string; uploadDir: string };

async function startGateway(limits: Partial<typeof DEFAULT_LIMITS>) {
  const uploadDir = await mkdtemp(join(tmpdir(), 'upload-streaming-test-'));
  const config = gatewayConfigFor(sandbox, TIME_SCALE, {
    security: {
      apiKeys: [],
      allowAnonymous: true,
      production: false,
      limits: { ...DEFAULT_LIMITS, ...limits },
    },
  });
  const gateway = await createGateway(config, {
    logger: silentLogger,
    exportJobs: { dataDir: join(uploadDir, 'exports'), deleteDataOnClose: true },
    importJobs: { pollIntervalMs: 50, queueRetryMs: 50, upsertBulkThreshold: THRESHOLD },
    uploads: { dir: join(uploadDir, 'uploads') },
  });
  const url = await gateway.start(0, '127.0.0.1');
  return { gateway, url, uploadDir: join(uploadDir, 'uploads') };
}

beforeAll(async () => {
  sandbox = await startSandbox({
    leads: 100,
    timeScale: TIME_SCALE,
    bulk: { importMsPer1000Rows: 20 },
  });
  big = await startGateway({});
  small = await startGateway({
    maxUploadBytes: SMALL_UPLOAD,
    maxUploadFiles: 2,
    maxBodyBytes: 8 * 1024,
  });
});

afterAll(async () => {
  await big?.gateway.stop();
  await small?.gateway.stop();
  await sandbox?.close();
  for (const gw of [big, small]) {
    if (gw) await rm(join(gw.uploadDir, '..'), { recursive: true, force: true });
  }
});

// ─── raw multipart over node:http ─────────────────────────────────────────────────────────────

interface RawResult {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorJson[] };
}

const BOUNDARY = '----upload-streaming-test-boundary';

const fieldPart = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name: string, filename: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: text/csv\r\n\r\n`;
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;

/** The operations/map preamble and the head of file part "0" mapped to `variables.input.file`. */
function envelope(document: { toString(): string }, input: Record<string, unknown>) {
  return (
    fieldPart(
      'operations',
      JSON.stringify({
        query: document.toString(),
        variables: { input: { ...input, file: null } },
      }),
    ) +
    fieldPart('map', JSON.stringify({ 0: ['variables.input.file'] })) +
    fileHead('0', 'leads.csv')
  );
}

/**
 * POSTs `chunks` (written one after another, each after `before(i)` resolves) with a declared
 * length. Resolves with the answer as soon as it is complete, even if the server stops reading
 * the body before the client has sent all of it (a refused upload).
 */
async function postRaw(
  url: string,
  chunks: readonly (string | Buffer)[],
  options: { before?: (index: number) => Promise<void>; contentType?: string } = {},
): Promise<RawResult> {
  const buffers = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  const length = buffers.reduce((sum, b) => sum + b.length, 0);
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': String(length),
      accept: 'application/graphql-response+json',
    },
  });
  req.on('error', () => {}); // EPIPE/ECONNRESET once the server has answered and closed
  const answered = once(req, 'response').then(async ([res]) => {
    const parts: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) parts.push(chunk);
    const text = Buffer.concat(parts).toString('utf8');
    return {
      status: (res as { statusCode: number }).statusCode,
      body: JSON.parse(text) as RawResult['body'],
    };
  });
  let done = false;
  void answered.finally(() => {
    done = true;
  });
  for (const [i, buffer] of buffers.entries()) {
    await options.before?.(i);
    if (done || req.destroyed) break;
    if (!req.write(buffer)) await Promise.race([once(req, 'drain'), answered, once(req, 'close')]);
  }
  if (!done && !req.destroyed) req.end();
  return answered;
}

async function execute(url: string, document: { toString(): string }, variables: object) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as RawResult['body'],
  };
}

/** Every file under the gateway's upload directory. */
async function uploadFiles(dir: string): Promise<Array<{ path: string; size: number }>> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  const files: Array<{ path: string; size: number }> = [];
  for (const entry of entries) {
    const info = await stat(join(dir, entry)).catch(() => undefined);
    if (info?.isFile()) files.push({ path: entry, size: info.size });
  }
  return files;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  // Generous: a loaded CI machine; the condition, not the time, is what is asserted.
  for (let attempt = 0; attempt < 1200; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function finishedImport(url: string, id: string): Promise<ImportJobView> {
  return waitFor(`import ${id}`, async () => {
    const result = await execute(url, ImportJobDetail, { id });
    const job = (result.body.data as { importJob: ImportJobView | null } | undefined)?.importJob;
    return job && ['COMPLETE', 'PARTIAL', 'FAILED'].includes(job.status) ? job : undefined;
  });
}

const stored = (email: string) => sandbox.store.leadIdsBy(sandbox.store.field('email')!, email);

function csv(prefix: string, rows: number, pad = 0): string {
  const filler = 'x'.repeat(pad);
  const lines = ['email,firstName,address'];
  for (let i = 0; i < rows; i++) lines.push(`${prefix}-${i}@upload.test,F${i},${filler}${i}`);
  return `${lines.join('\n')}\n`;
}

// ─── the specification ───────────────────────────────────────────────────────────────────────

describe('streamed multipart uploads', () => {
  it('are on disk while still arriving, imported in 10 MB Marketo files with every row accounted for, and removed afterwards', async () => {
    const rows = 120_000;
    const file = Buffer.from(csv(`big-${randomUUID().slice(0, 8)}`, rows, 220));
    expect(file.length).toBeGreaterThan(25 * MB);
    const half = Math.floor(file.length / 2);
    let seenOnDisk = 0;
    const result = await postRaw(
      big.url,
      [envelope(UploadImport, {}), file.subarray(0, half), file.subarray(half), CLOSE],
      {
        // The second half is sent only once a good part of the first is on disk: a parser
        // holding the file in memory would write nothing before the body is complete.
        before: async (i) => {
          if (i !== 2) return;
          seenOnDisk = await waitFor('the upload on disk', async () => {
            const size = (await uploadFiles(big.uploadDir)).reduce((s, f) => s + f.size, 0);
            return size >= half / 2 ? size : undefined;
          });
        },
      },
    );
    expect(seenOnDisk).toBeGreaterThanOrEqual(half / 2);
    expect(result.body.errors).toBeUndefined();
    expect(result.status).toBe(200);
    const id = (result.body.data as { importLeads: { id: string } }).importLeads.id;

    const job = await finishedImport(big.url, id);
    expect(job.status).toBe('COMPLETE');
    expect(job.parts.length).toBeGreaterThanOrEqual(3); // split on row boundaries
    expect(job.parts.every((p) => p.bytes <= IMPORT_FILE_MAX_BYTES)).toBe(true);
    expect(job.rowsTotal).toBe(rows);
    expect(job.rowsProcessed).toBe(rows);
    expect(job.rowsFailed).toBe(0);
    expect(await uploadFiles(big.uploadDir)).toEqual([]);
  });

  it('hand a File to the resolver that reads from disk (an upload of several MB through fetch and FormData)', async () => {
    const prefix = `form-${randomUUID().slice(0, 8)}`;
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: UploadImport.toString(),
        variables: { input: { file: null, format: 'CSV' } },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.set('0', new Blob([csv(prefix, 20_000, 100)], { type: 'text/csv' }), 'leads.csv');
    const response = await fetch(`${big.url}/graphql`, { method: 'POST', body: form });
    const body = (await response.json()) as RawResult['body'];
    expect(body.errors).toBeUndefined();
    const job = await finishedImport(
      big.url,
      (body.data as { importLeads: { id: string } }).importLeads.id,
    );
    expect(job).toMatchObject({ status: 'COMPLETE', rowsProcessed: 20_000 });
    expect(stored(`${prefix}-19999@upload.test`)).toHaveLength(1);
    expect(await uploadFiles(big.uploadDir)).toEqual([]);
  });
});

describe('upload limits', () => {
  it('refuse a file over GATEWAY_MAX_UPLOAD_BYTES with 413 naming the variable and the limit, and the gateway goes on answering', async () => {
    // Over the file limit, within what two files may declare (else the whole body is refused).
    const file = Buffer.from(csv('too-big', 8_000, 20));
    expect(file.length).toBeGreaterThan(SMALL_UPLOAD + 64 * 1024);
    expect(file.length).toBeLessThan(SMALL_UPLOAD * 2);
    const result = await postRaw(small.url, [envelope(UploadImport, {}), file, CLOSE]);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPLOAD_TOO_LARGE',
      limit: SMALL_UPLOAD,
    });
    expect(result.body.errors?.[0]?.message).toContain('variables.input.file');
    expect(result.body.errors?.[0]?.message).toContain(String(SMALL_UPLOAD));
    expect(result.body.errors?.[0]?.message).toContain('GATEWAY_MAX_UPLOAD_BYTES');

    const after = await execute(small.url, ImportJobDetail, { id: '999999' });
    expect(after.status).toBe(200);
    expect(await uploadFiles(small.uploadDir)).toEqual([]);
  });

  it('refuse an oversized file even when the declared length does not give it away (a file followed by another)', async () => {
    const file = Buffer.from(csv('too-big-2', 8_000, 20));
    const operations = JSON.stringify({
      query: 'mutation UploadTwo($a: File, $b: File) { __typename }',
      variables: { a: null, b: null },
    });
    const result = await postRaw(small.url, [
      fieldPart('operations', operations),
      fieldPart('map', JSON.stringify({ a: ['variables.a'], b: ['variables.b'] })),
      fileHead('a', 'a.csv'),
      file,
      `\r\n${fileHead('b', 'b.csv')}`,
      'email\n',
      CLOSE,
    ]);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UPLOAD_TOO_LARGE');
    expect(result.body.errors?.[0]?.message).toContain('variables.a');
    expect(await uploadFiles(small.uploadDir)).toEqual([]);
  });

  it('refuse a multipart body longer than its files may be before reading it', async () => {
    const file = Buffer.from(csv('too-big-3', 20_000, 20));
    expect(file.length).toBeGreaterThan(SMALL_UPLOAD * 2 + 64 * 1024);
    const result = await postRaw(small.url, [envelope(UploadImport, {}), file, CLOSE]);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(result.body.errors?.[0]?.message).toContain('GATEWAY_MAX_UPLOAD_BYTES');
  });

  it('refuse more files than GATEWAY_MAX_UPLOAD_FILES before reading any', async () => {
    const operations = JSON.stringify({
      query: 'mutation UploadThree($a: File, $b: File, $c: File) { __typename }',
      variables: { a: null, b: null, c: null },
    });
    const map = { a: ['variables.a'], b: ['variables.b'], c: ['variables.c'] };
    const result = await postRaw(small.url, [
      fieldPart('operations', operations),
      fieldPart('map', JSON.stringify(map)),
      ...['a', 'b', 'c'].map((f) => `${fileHead(f, `${f}.csv`)}email\r\n`),
      `--${BOUNDARY}--\r\n`,
    ]);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({
      code: 'TOO_MANY_UPLOADS',
      limit: 2,
    });
  });

  it('let a multipart body exceed GATEWAY_MAX_BODY_BYTES (the upload limits bound it), while JSON bodies keep that limit', async () => {
    const prefix = `body-${randomUUID().slice(0, 8)}`;
    const file = Buffer.from(csv(prefix, 2_000, 20));
    expect(file.length).toBeGreaterThan(8 * 1024);
    expect(file.length).toBeLessThan(SMALL_UPLOAD);
    const result = await postRaw(small.url, [envelope(UploadImport, {}), file, CLOSE]);
    expect(result.body.errors).toBeUndefined();
    const job = await finishedImport(
      small.url,
      (result.body.data as { importLeads: { id: string } }).importLeads.id,
    );
    expect(job).toMatchObject({ status: 'COMPLETE', rowsProcessed: 2_000 });

    const json = await execute(small.url, UploadImport, { input: { data: file.toString() } });
    expect(json.status).toBe(413);
  });
});

describe('malformed multipart requests', () => {
  const operations = () =>
    JSON.stringify({ query: UploadImport.toString(), variables: { input: { file: null } } });
  const cases: Array<[string, () => Array<string | Buffer>, string]> = [
    [
      'a body cut off in the middle of a part',
      () => [fieldPart('operations', operations()), `--${BOUNDARY}\r\ncontent-dispo`],
      'MULTIPART_MALFORMED',
    ],
    [
      'no operations field',
      () => [fieldPart('map', '{}'), `--${BOUNDARY}--\r\n`],
      'MULTIPART_OPERATIONS_MISSING',
    ],
    [
      'no map field',
      () => [fieldPart('operations', operations()), `--${BOUNDARY}--\r\n`],
      'MULTIPART_MAP_MISSING',
    ],
    [
      'operations that are not JSON',
      () => [fieldPart('operations', '{"query":'), `--${BOUNDARY}--\r\n`],
      'MULTIPART_OPERATIONS_INVALID',
    ],
    [
      'a map pointing to an unknown variable path',
      () => [
        fieldPart('operations', operations()),
        fieldPart('map', JSON.stringify({ 0: ['variables.input.fiel'] })),
        `${fileHead('0', 'a.csv')}email\r\n--${BOUNDARY}--\r\n`,
      ],
      'MULTIPART_MAP_UNKNOWN_PATH',
    ],
    [
      'a file the map does not name',
      () => [
        fieldPart('operations', operations()),
        fieldPart('map', JSON.stringify({ 0: ['variables.input.file'] })),
        `${fileHead('1', 'a.csv')}email\r\n--${BOUNDARY}--\r\n`,
      ],
      'MULTIPART_UNEXPECTED_FILE',
    ],
    [
      'a mapped file the body does not carry',
      () => [
        fieldPart('operations', operations()),
        fieldPart('map', JSON.stringify({ 0: ['variables.input.file'] })),
        `--${BOUNDARY}--\r\n`,
      ],
      'MULTIPART_FILE_MISSING',
    ],
  ];
  it.each(cases)('answer 400 with a code naming the problem: %s', async (_name, body, code) => {
    const result = await postRaw(small.url, body());
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.body.errors?.[0]?.message).toMatch(/multipart|operations|map/i);
    expect(await uploadFiles(small.uploadDir)).toEqual([]);
  });

  it('answer 400 for a multipart content type without a boundary', async () => {
    const result = await postRaw(small.url, [fieldPart('operations', operations())], {
      contentType: 'multipart/form-data',
    });
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('MULTIPART_MALFORMED');
  });
});

describe('upsertLeads with a file', () => {
  const upsert = (text: string, input: Record<string, unknown> = {}) =>
    postRaw(big.url, [envelope(UploadUpsert, input), text, CLOSE]);
  type Upsert = {
    upsertLeads: {
      mode: string;
      total: number;
      created: number;
      failed: number;
      results: { index: number; status: string }[];
      importJob: { id: string } | null;
    };
  };

  it('AUTO below UPSERT_BULK_THRESHOLD: parses the rows and answers per row (SYNC)', async () => {
    const prefix = `auto-sync-${randomUUID().slice(0, 8)}`;
    const rows = THRESHOLD - 1;
    const text = `${csv(prefix, rows - 1)}not-an-email,Bad,\n`;
    const result = await upsert(text);
    expect(result.body.errors).toBeUndefined();
    const out = (result.body.data as Upsert).upsertLeads;
    expect(out).toMatchObject({ mode: 'SYNC', total: rows, created: rows - 1, failed: 1 });
    expect(out.importJob).toBeNull();
    expect(out.results.at(-1)).toEqual({ index: rows - 1, status: 'FAILED' });
    expect(stored(`${prefix}-0@upload.test`)).toHaveLength(1);
    expect(await uploadFiles(big.uploadDir)).toEqual([]);
  });

  it('AUTO at the threshold and above: imports the file in bulk, every row accounted for', async () => {
    const prefix = `auto-bulk-${randomUUID().slice(0, 8)}`;
    const result = await upsert(csv(prefix, THRESHOLD * 3));
    expect(result.body.errors).toBeUndefined();
    const out = (result.body.data as Upsert).upsertLeads;
    expect(out).toMatchObject({ mode: 'BULK', total: THRESHOLD * 3, results: [] });
    const job = await finishedImport(big.url, out.importJob?.id ?? '');
    expect(job).toMatchObject({ status: 'COMPLETE', rowsProcessed: THRESHOLD * 3, rowsFailed: 0 });
    expect(stored(`${prefix}-${THRESHOLD * 3 - 1}@upload.test`)).toHaveLength(1);
    expect(await uploadFiles(big.uploadDir)).toEqual([]);
  });

  it('SYNC with a file names an unknown header column as input.file', async () => {
    const result = await upsert('email,shoeSize\na@upload.test,9\n', { mode: 'SYNC' });
    expect(errorFields(result.body.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.file',
      field: 'shoeSize',
    });
  });

  it('wants exactly one of input.leads and input.file', async () => {
    const both = await upsert(csv('both', 1), { leads: [{ email: 'x@upload.test' }] });
    expect(errorFields(both.body.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.file',
    });
    expect(errorFields(both.body.data?.upsertLeads).message).toMatch(/input\.leads.*input\.file/);
    const neither = await execute(big.url, UploadUpsert, { input: {} });
    expect(errorFields(neither.body.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.leads',
    });
  });
});
