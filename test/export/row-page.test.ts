import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, type GraphQLResult, startGatewayFixture } from './gateway-fixture.js';
import { prng as random } from '../../src/sandbox/seed.js';

// Text beside numbers, booleans, dates and nulls.
const FIELDS = ['id', 'email', 'firstName', 'lastName', 'createdAt', 'unsubscribed', 'leadScore'];

const CREATE = /* GraphQL */ `
  mutation RowPageCreate($input: CreateExportJobInput!) {
    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }
  }
`;
const WATCH = /* GraphQL */ `
  subscription RowPageWatch($id: ID!) {
    exportJobStatus(id: $id) { status rowCount }
  }
`;
const ROWS = /* GraphQL */ `
  query RowPageAllRows($id: ID!, $after: String) {
    exportJob(id: $id) {
      rows(first: 1000, after: $after) {
        edges { cursor node }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;
const ROW_PAGE = /* GraphQL */ `
  query RowPageAt($id: ID!, $first: Int, $after: String) {
    exportJob(id: $id) {
      rowPage(first: $first, after: $after) {
        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage
      }
    }
  }
`;

interface CompactPage {
  columns: string[];
  values: unknown[][];
  totalCount: number;
  startIndex: number;
  startCursor: string | null;
  endCursor: string | null;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

describe('rowPage at any offset', () => {
  let fx: GatewayFixture;
  let id: string;
  /** Every row and its cursor, read sequentially through `rows`. */
  let rows: Array<{ cursor: string; node: Record<string, unknown> }>;

  const page = async (first: number, after: string | null): Promise<CompactPage> => {
    const result = await fx.query<{ exportJob: { rowPage: CompactPage } }>(ROW_PAGE, {
      id,
      first,
      after,
    });
    expect(result.errors).toBeUndefined();
    return result.data!.exportJob.rowPage;
  };
  /** The rows `[start, start + count)` as `rowPage` should give them: cells in `columns` order. */
  const expectedValues = (columns: string[], start: number, count: number) =>
    rows.slice(start, start + count).map(({ node }) => columns.map((c) => node[c]));

  beforeAll(async () => {
    fx = await startGatewayFixture();
    const created = await fx.query<{ createExportJob: { id: string } }>(CREATE, {
      input: {
        entity: 'LEADS',
        fields: FIELDS,
        format: 'CSV',
        // All People: every lead of the sandbox (3,000).
        filter: { smartListId: 2001 },
      },
    });
    expect(created.errors).toBeUndefined();
    id = created.data!.createExportJob.id;
    const events = await fx.subscribeWs<{ exportJobStatus: { status: string } }>(WATCH, { id });
    expect(events.at(-1)?.data?.exportJobStatus.status).toBe('READY');
    rows = [];
    let after: string | null = null;
    for (;;) {
      const result: GraphQLResult<RowsResult> = await fx.query<RowsResult>(ROWS, { id, after });
      const { edges, pageInfo } = result.data!.exportJob.rows;
      rows.push(...edges);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(rows.length).toBeGreaterThan(2000);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('gives at random offsets the rows read sequentially, with their cursors', async () => {
    const rand = random(19);
    for (let i = 0; i < 25; i++) {
      const start = 1 + Math.floor(rand() * (rows.length - 1));
      const first = 1 + Math.floor(rand() * 300);
      const got = await page(first, rows[start - 1]!.cursor);
      const count = Math.min(first, rows.length - start);
      expect(got.columns).toEqual(FIELDS);
      expect(got.values).toEqual(expectedValues(got.columns, start, count));
      expect(got).toMatchObject({
        totalCount: rows.length,
        startIndex: start,
        startCursor: rows[start]!.cursor,
        endCursor: rows[start + count - 1]!.cursor,
        hasNextPage: start + count < rows.length,
        hasPreviousPage: true,
      });
    }
  });

  it('starts at the first row without `after`', async () => {
    const got = await page(10, null);
    expect(got.values).toEqual(expectedValues(got.columns, 0, 10));
    expect(got).toMatchObject({ startIndex: 0, hasPreviousPage: false, hasNextPage: true });
  });

  it('ends with the last row: a short last page, then empty pages past the end', async () => {
    const last = rows.length - 1;
    const tail = await page(1000, rows[last - 3]!.cursor);
    expect(tail.values).toEqual(expectedValues(tail.columns, last - 2, 3));
    expect(tail).toMatchObject({
      startIndex: last - 2,
      endCursor: rows[last]!.cursor,
      hasNextPage: false,
    });
    const beyondCursors = [
      rows[last]!.cursor,
      Buffer.from(`row:${last + 500}`).toString('base64url'),
    ];
    for (const after of beyondCursors) {
      expect(await page(1000, after)).toMatchObject({
        values: [],
        startCursor: null,
        endCursor: null,
        hasNextPage: false,
        hasPreviousPage: true,
        totalCount: rows.length,
      });
    }
    expect((await page(0, null)).values).toEqual([]);
  });

  it('is the same JSON beside an error, and through a subscription (graphql-ws)', async () => {
    // An error elsewhere in the answer: the page is written by yoga's own processor.
    const withError = await fx.query<{
      ok: { rowPage: { values: unknown[][] } } | null;
      bad: { rowPage: { values: unknown[][] } } | null;
    }>(
      `query RowPageBesideError($id: ID!) {
        ok: exportJob(id: $id) { rowPage(first: 5) { values } }
        bad: exportJob(id: $id) { rowPage(first: 5000) { values } }
      }`,
      { id },
    );
    expect(withError.errors?.length).toBeGreaterThan(0);
    expect(withError.data?.bad).toBeNull();
    expect(withError.data?.ok?.rowPage.values).toEqual(expectedValues(FIELDS, 0, 5));
    const events = await fx.subscribeWs<{
      exportJobStatus: { rowPage: { values: unknown[][] } };
    }>(
      `subscription RowPageWatchRows($id: ID!, $after: String) {
        exportJobStatus(id: $id) { rowPage(first: 4, after: $after) { values } }
      }`,
      { id, after: rows[9]!.cursor },
    );
    expect(events.at(-1)?.data?.exportJobStatus.rowPage.values).toEqual(
      expectedValues(FIELDS, 10, 4),
    );
  });

  it('answers with the content type asked for, as for any other query', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const response = await fetch(`${fx.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: ROW_PAGE, variables: { id, first: 3 } }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        `${accept === '*/*' ? 'application/json' : accept}; charset=utf-8`,
      );
      const body = (await response.json()) as { data: { exportJob: { rowPage: CompactPage } } };
      expect(body.data.exportJob.rowPage.values).toEqual(expectedValues(FIELDS, 0, 3));
    }
  });
});

interface RowsResult {
  exportJob: {
    rows: {
      edges: Array<{ cursor: string; node: Record<string, unknown> }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}
