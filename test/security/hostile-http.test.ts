/**
 * Hostile requests over real sockets: nothing is read, parsed or stored for a caller without a
 * valid key and the scope its operation needs, stalled bodies are cut, deep JSON and odd content
 * types get a coded 4xx, and a one-line upload is refused at its row limit with a bounded answer.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, repeatedChunks } from './raw-http.js';
import { codes, keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

let gw: SecuredGateway;
let root: string;
let uploadDir: string;

const MB = 1024 * 1024;
const BOUNDARY = '----hostile-http-boundary';
const part = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = `--${BOUNDARY}\r\ncontent-disposition: form-data; name="0"; filename="leads.csv"\r\ncontent-type: text/csv\r\n\r\n`;
const IMPORT = JSON.stringify({
  query:
    'mutation ($f: File!) { importLeads(input: { file: $f, format: CSV }) { ... on ImportJob { id } ... on Error { code message } } }',
  variables: { f: null },
});
/** The fields of an importLeads upload, up to the file's first byte. */
const uploadPreamble = part('operations', IMPORT) + part('map', '{"0":["variables.f"]}') + fileHead;

function uploadHead(contentLength: number, key?: string): string {
  return [
    'POST /graphql HTTP/1.1',
    'host: gateway',
    `content-type: multipart/form-data; boundary=${BOUNDARY}`,
    `content-length: ${contentLength}`,
    ...(key === undefined ? [] : [`authorization: Bearer ${key}`]),
  ].join('\r\n');
}

/** Every file under `dir`, at any depth. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hostile-http-'));
  uploadDir = join(root, 'uploads');
  gw = await startSecuredGateway({
    uploads: { dir: uploadDir },
    security: { limits: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('authentication before the body', () => {
  it('answers a 300 MB upload without a key with 401 and stores none of it', async () => {
    const declared = 300 * MB;
    const result = await rawExchange(gw.url, uploadHead(declared), [
      uploadPreamble,
      ...repeatedChunks('a', MB, 300),
    ]);
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(result.bodyBytesWritten).toBeLessThan(declared);
    expect(await filesUnder(uploadDir)).toEqual([]);
  });

  it('answers an upload with a key lacking the scope with 403 before a file byte is stored', async () => {
    const declared = 50 * MB;
    const result = await rawExchange(gw.url, uploadHead(declared, keyFor('leads:read')), [
      uploadPreamble,
      ...repeatedChunks('a', MB, 50),
    ]);
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
    expect(await filesUnder(uploadDir)).toEqual([]);
  });

  it('refuses a bare key without "Bearer", and accepts the scheme in any case', async () => {
    const query = { query: '{ leads(ids: [1]) { id } }' };
    const bare = await gw.post(query, { headers: { authorization: keyFor('leads:read') } });
    expect(bare.status).toBe(401);
    const lower = await gw.post(query, {
      headers: { authorization: `bearer ${keyFor('leads:read')}` },
    });
    expect(lower.status).toBe(200);
    expect(await gw.wsFirst('subscription { marketoStatus(count: 1) { callsToday } }')).toEqual({
      kind: 'closed',
      code: 4403,
    });
  });

  it('gives no "Did you mean" to a caller without a key', async () => {
    const result = await gw.graphql('{ lead(id: 1) { emial } }');
    expect(result.status).toBe(401);
    expect(result.text).not.toMatch(/did you mean/i);
  });
});

describe('stalled requests', () => {
  it('closes a body shorter than its Content-Length at the request timeout', async () => {
    const head = [
      'POST /graphql HTTP/1.1',
      'host: gateway',
      'content-type: application/json',
      'content-length: 1000',
      `authorization: Bearer ${keyFor('leads:read')}`,
    ].join('\r\n');
    // Resolves only once the server closes the socket: the request timeout (1 s here), not 300 s.
    const result = await rawExchange(gw.url, head, ['{"query":']);
    expect([0, 408]).toContain(result.status);
  });
});

describe('malformed requests get a coded 4xx', () => {
  it('answers JSON variables nested 5,000 deep with 400, with or without the scope', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const callsBefore = await gw.restCalls();
    for (const [query, key] of [
      ['query ($i: [Int!]!) { leads(ids: $i) { id } }', keyFor('leads:read')],
      [
        'mutation ($i: [Int!]!) { addLeadsToList(listId: 1001, leadIds: $i) { ... on ListMembershipChange { added } ... on Error { code message } } }',
        keyFor('leads:read'),
      ],
    ] as const) {
      const result = await gw.post(`{"query":${JSON.stringify(query)},"variables":{"i":${deep}}}`, {
        key,
      });
      expect(result.status).toBe(400);
      expect(codes(result.body?.errors)).toEqual(['JSON_TOO_DEEP']);
    }
    expect(await gw.restCalls()).toBe(callsBefore);
  });

  it('answers an odd content type with 415 and a code', async () => {
    const result = await gw.post('hello', {
      key: keyFor('leads:read'),
      headers: { 'content-type': 'text/x-weird' },
    });
    expect(result.status).toBe(415);
    expect(codes(result.body?.errors)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
  });
});

describe('bounded excerpts of caller input', () => {
  it('answers a 2 MB one-line header given as data with a short error naming the row', async () => {
    const header = `email,${'x'.repeat(2 * MB)}`;
    const result = await gw.graphql(
      'mutation ($d: String!) { importLeads(input: { data: $d, format: CSV }) { ... on ImportJob { id } ... on InputError { code message argument details } } }',
      { d: header },
      keyFor('bulk:import'),
    );
    expect(result.body?.data?.importLeads).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.data',
      details: { row: 0 },
    });
    expect(result.text.length).toBeLessThan(5_000);
  });
});

describe('row length of uploads', () => {
  it('refuses a one-line 30 MB upload at the row limit, naming the row, in a bounded answer', async () => {
    const size = 30 * MB;
    const closing = `\r\n--${BOUNDARY}--\r\n`;
    const declared = Buffer.byteLength(uploadPreamble) + size + closing.length;
    const result = await rawExchange(gw.url, uploadHead(declared, keyFor('bulk:import')), [
      uploadPreamble,
      'email,firstName\n',
      ...repeatedChunks('x', MB, 30),
      closing,
    ]);
    expect(result.status).toBe(413);
    expect(result.body.length).toBeLessThan(1_000);
    const body = JSON.parse(result.body) as {
      errors: Array<{ message: string; extensions: object }>;
    };
    expect(body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^Row 1 of the upload at variables\.f is longer than/),
      extensions: { code: 'UPLOAD_ROW_TOO_LONG', row: 1, paths: ['variables.f'] },
    });
    // Refused at the limit: most of the 30 MB was never read.
    expect(result.bodyBytesWritten).toBeLessThan(size);
    expect(await filesUnder(uploadDir)).toEqual([]);
  });
});
