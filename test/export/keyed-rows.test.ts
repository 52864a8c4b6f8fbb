import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyedLayout, keyedRows, keyedRowTexts, rowObject } from '../../src/bulk/keyed-rows.js';
import { RowStore } from '../../src/bulk/row-store.js';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** `rows` stored as the row store keeps them, read back as one page's text. */
async function storedPage(rows: readonly unknown[][]): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'keyed-rows-'));
  dirs.push(dir);
  const store = new RowStore(dir);
  const appender = await store.appender();
  for (const row of rows) appender.append(row);
  const end = await appender.finish();
  return store.readJson(0, rows.length, end);
}

/** Each row's text from the raw path, and from the parsed one (what `rows` answered before). */
async function bothWays(columns: readonly string[], rows: readonly unknown[][]) {
  const page = await storedPage(rows);
  const raw = keyedRowTexts(page, rows.length, columns).map((text) => text.toString('utf8'));
  const parsed = (JSON.parse(page.toString('utf8')) as unknown[][]).map((cells) =>
    JSON.stringify(rowObject(columns, cells)),
  );
  return { raw, parsed };
}

describe('rows keyed straight from the stored text', () => {
  it('gives the text JSON.stringify gives the parsed row, for tricky cells and headers', async () => {
    const columns = [
      'id',
      'text',
      '10',
      'dup',
      '2',
      'constructor',
      'dup',
      'qu"ote\\',
      'ünï\u2028',
      'nested',
      'flag',
      'missing',
    ];
    const rows: unknown[][] = [
      [
        1,
        'plain',
        0.5,
        'first',
        -3,
        'proto',
        'second',
        'a"b',
        'é\u2028\u2029',
        { a: [1, ']'] },
        true,
      ],
      [
        -0,
        'back\\slash\\',
        1e21,
        null,
        1.25e-7,
        { x: 1 },
        '',
        '"',
        '漢字 😀 \ud800',
        [[], {}, '"],[', '\\'],
        false,
        'extra',
        'beyond the columns',
      ],
      [Number.MAX_SAFE_INTEGER, 'tab\tline\nfeed\r\u0000\u001f', null, null, null],
      [],
      [null, '{"not":"parsed"}', -1.5, ',', ']', null, '[', '\\"', '\u2028', 'x', true, 0],
    ];
    const { raw, parsed } = await bothWays(columns, rows);
    expect(raw).toEqual(parsed);
    // V8's order: integer-like keys first; a repeated header once, with its last cell.
    expect(keyedLayout(columns)).toBeDefined();
    expect(Object.keys(JSON.parse(raw[0]!) as object)).toEqual([
      '2',
      '10',
      'id',
      'text',
      'dup',
      'constructor',
      'qu"ote\\',
      'ünï\u2028',
      'nested',
      'flag',
      'missing',
    ]);
  });

  it('matches the parsed path for any JSON cells and headers', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 6, unit: 'binary' }),
      fc.nat(30).map(String),
      fc.constantFrom('__proto__', 'constructor', 'dup'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(header, { maxLength: 12 }),
        fc.array(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 14 }), { maxLength: 8 }),
        async (columns, rows) => {
          const { raw, parsed } = await bothWays(columns, rows);
          expect(raw).toEqual(parsed);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('builds the rows as objects for a __proto__ header, whose cell can change the prototype', async () => {
    const columns = ['__proto__', 'a', '__proto__', 'b'];
    expect(keyedLayout(columns)).toBeUndefined();
    const { raw, parsed } = await bothWays(columns, [
      [{ __proto__: null }, 1, 2, 3],
      [JSON.parse('{"__proto__":7}'), 1, 2, 3],
      [null, 1, 'x', 3],
    ]);
    expect(raw).toEqual(parsed);
  });

  it('gives up on text that is not the stored form', () => {
    const layout = keyedLayout(['a', 'b'])!;
    for (const text of ['[[1,2],[3,4]', '[[1,2] ,[3,4]]', '[{"a":1}]', '[[1,"open]]', '[[1,2]]x']) {
      expect(keyedRows(Buffer.from(text), text.startsWith('[[1,2],') ? 2 : 1, layout)).toBe(
        undefined,
      );
    }
  });
});

describe('rows { edges { node } } through the gateway', () => {
  let fx: GatewayFixture;
  let id: string;

  beforeAll(async () => {
    fx = await startGatewayFixture({ sandbox: { leads: 1500 } });
    const created = await fx.query<{ createExportJob: { id: string } }>(
      /* GraphQL */ `
        mutation KeyedRowsCreate($input: CreateExportJobInput!) {
          createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }
        }
      `,
      {
        input: {
          entity: 'LEADS',
          fields: [
            'id',
            'email',
            'firstName',
            'lastName',
            'createdAt',
            'unsubscribed',
            'leadScore',
          ],
          format: 'CSV',
          // An integer-like header (keyed first) beside the others.
          columnHeaderNames: { email: '7', firstName: 'First Name' },
          filter: { smartListId: 2001 },
        },
      },
    );
    expect(created.errors).toBeUndefined();
    id = created.data!.createExportJob.id;
    const events = await fx.subscribeWs<{ exportJobStatus: { status: string } }>(
      /* GraphQL */ `
        subscription KeyedRowsWatch($id: ID!) {
          exportJobStatus(id: $id) { status }
        }
      `,
      { id },
    );
    expect(events.at(-1)?.data?.exportJobStatus.status).toBe('READY');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('answers the bytes of the parsed rows, without parsing the page', async () => {
    const compact = await fx.query<{
      exportJob: { rowPage: { columns: string[]; values: unknown[][]; startCursor: string } };
    }>(
      /* GraphQL */ `
        query KeyedRowsCompact($id: ID!) {
          exportJob(id: $id) { rowPage(first: 1000, after: "cm93OjEw") { columns values startCursor } }
        }
      `,
      { id },
    );
    const { columns, values } = compact.data!.exportJob.rowPage;
    expect(values.length).toBe(1000);
    const nodes = values.map((cells) => rowObject(columns, cells));
    const parse = vi.spyOn(JSON, 'parse');
    let body: string;
    try {
      const response = await fetch(`${fx.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          query: /* GraphQL */ `
            query KeyedRowsConnection($id: ID!) {
              exportJob(id: $id) { rows(first: 1000, after: "cm93OjEw") { edges { cursor node } nodes } }
            }
          `,
          variables: { id },
        }),
      });
      body = await response.text();
      // No page (hundreds of KB of text) went through JSON.parse in the gateway.
      const pages = parse.mock.calls.filter(
        ([text]) => typeof text === 'string' && text.length > 50_000,
      );
      expect(pages).toEqual([]);
    } finally {
      parse.mockRestore();
    }
    const edges = nodes.map((node, i) => ({
      cursor: Buffer.from(`row:${11 + i}`).toString('base64url'),
      node,
    }));
    const { extensions } = JSON.parse(body) as { extensions: unknown };
    expect(body).toBe(
      JSON.stringify({ data: { exportJob: { rows: { edges, nodes } } }, extensions }),
    );
    expect(Object.keys(nodes[0]!)[0]).toBe('7');
  });

  it('gives the same rows beside an error and over graphql-ws (parsed there)', async () => {
    const query = /* GraphQL */ `
      query KeyedRowsBesideError($id: ID!) {
        exportJob(id: $id) { rows(first: 3) { nodes } }
        broken: exportJob(id: $id) { rows(first: 1, after: "not-a-cursor") { nodes } }
      }
    `;
    const result = await fx.query<{ exportJob: { rows: { nodes: Record<string, unknown>[] } } }>(
      query,
      { id },
    );
    expect(result.errors?.length).toBeGreaterThan(0);
    const plain = await fx.query<{ exportJob: { rows: { nodes: Record<string, unknown>[] } } }>(
      /* GraphQL */ `
        query KeyedRowsPlain($id: ID!) {
          exportJob(id: $id) { rows(first: 3) { nodes } }
        }
      `,
      { id },
    );
    expect(result.data!.exportJob.rows.nodes).toEqual(plain.data!.exportJob.rows.nodes);
    expect(plain.data!.exportJob.rows.nodes).toHaveLength(3);
  });
});
