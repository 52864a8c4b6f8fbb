import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataEpoch, expectedLeadRows, iso } from './fixture.js';
import { type GatewayFixture, type GraphQLResult, startGatewayFixture } from './gateway-fixture.js';

const DAY = 86_400_000;
const FIELDS = ['id', 'email', 'firstName', 'createdAt', 'unsubscribed', 'leadScore'];

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateExportJobInput!) {
    createExportJob(input: $input) { ... on ExportJob { id status entity parts { exportId } } ... on Error { code message } ... on InputError { argument field details } }
  }
`;
const WATCH = /* GraphQL */ `
  subscription Watch($id: ID!) {
    exportJobStatus(id: $id, entity: LEADS) {
      id status fileSize bytesDownloaded rowsParsed rowCount numberOfRecords checksum
      error { code message line }
      waiting { reason resumesAt }
    }
  }
`;
const ROWS = /* GraphQL */ `
  query Rows($id: ID!, $first: Int, $after: String) {
    exportJob(id: $id) {
      status rowCount
      rows(first: $first, after: $after) {
        totalCount
        edges { cursor node }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const ROW_PAGE = /* GraphQL */ `
  query RowPage($id: ID!, $first: Int, $after: String) {
    exportJob(id: $id) {
      rowPage(first: $first, after: $after) {
        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage
      }
    }
  }
`;

interface RowPageResult {
  exportJob: {
    rowPage: {
      columns: string[];
      values: unknown[][];
      totalCount: number;
      startIndex: number;
      startCursor: string | null;
      endCursor: string | null;
      hasNextPage: boolean;
      hasPreviousPage: boolean;
    };
  };
}

/** Every row through `rowPage` (compact form), as objects keyed by its `columns`. */
async function readRowPages(fx: GatewayFixture, id: string, first: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  let after: string | null = null;
  for (;;) {
    const result: GraphQLResult<RowPageResult> = await fx.query<RowPageResult>(ROW_PAGE, {
      id,
      first,
      after,
    });
    expect(result.errors).toBeUndefined();
    const page = result.data!.exportJob.rowPage;
    expect(page.startIndex).toBe(rows.length);
    expect(page.hasPreviousPage).toBe(rows.length > 0);
    for (const values of page.values) {
      expect(values).toHaveLength(page.columns.length);
      rows.push(Object.fromEntries(page.columns.map((column, i) => [column, values[i]])));
    }
    if (!page.hasNextPage) return rows;
    after = page.endCursor;
  }
}

interface WatchedJob {
  id: string;
  status: string;
  fileSize: number | null;
  bytesDownloaded: number;
  rowsParsed: number;
  rowCount: number | null;
  numberOfRecords: number | null;
  checksum: string | null;
  error: { code: string; message: string; line: number | null } | null;
}
type WatchResult = GraphQLResult<{ exportJobStatus: WatchedJob }>;

function statuses(results: WatchResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const status = r.data?.exportJobStatus.status;
    if (status && out.at(-1) !== status) out.push(status);
  }
  return out;
}

async function createJob(fx: GatewayFixture, filter: object, fields = FIELDS): Promise<string> {
  const created = await fx.query<{ createExportJob: { id: string; status: string } }>(CREATE, {
    input: { entity: 'LEADS', fields, format: 'CSV', filter },
  });
  expect(created.errors).toBeUndefined();
  // The create and enqueue calls are charged to the mutation.
  expect(Object.keys(created.extensions?.marketo?.byEndpoint ?? {})).toEqual(
    expect.arrayContaining(['POST /bulk/v1/leads/export/create.json']),
  );
  return created.data!.createExportJob.id;
}

interface RowsPage {
  exportJob: {
    rows: {
      edges: Array<{ node: unknown }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

async function readRows(fx: GatewayFixture, id: string, first: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  let after: string | null = null;
  for (;;) {
    const page: GraphQLResult<RowsPage> = await fx.query<RowsPage>(ROWS, { id, first, after });
    expect(page.errors).toBeUndefined();
    const { edges, pageInfo } = page.data!.exportJob.rows;
    rows.push(...edges.map((e) => e.node));
    if (!pageInfo.hasNextPage) return rows;
    after = pageInfo.endCursor;
  }
}

describe('exportJobStatus end to end', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    // About seventeen minutes of Marketo time per status step (1 s real): the subscription is up
    // before Marketo moves the job past QUEUED even on a loaded machine (240 ms was missed once
    // at a load of 7, and again at 12).
    fx = await startGatewayFixture({ sandbox: { bulk: { exportStepMs: 1_000_000 } } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  for (const transport of ['graphql-ws', 'SSE'] as const) {
    it(`streams every state through READY over ${transport}, then the rows match the sandbox`, async () => {
      const epoch = dataEpoch(fx.sandbox);
      const from = iso(epoch - 25 * DAY);
      const to = iso(epoch - 2 * DAY);
      const id = await createJob(fx, { createdAt: { startAt: from, endAt: to } });
      const results = (
        transport === 'SSE'
          ? await fx.subscribeSse(WATCH, { id })
          : await fx.subscribeWs(WATCH, { id })
      ) as WatchResult[];
      expect(results.every((r) => r.errors === undefined)).toBe(true);
      expect(statuses(results)).toEqual([
        'QUEUED',
        'PROCESSING',
        'COMPLETED',
        'DOWNLOADING',
        'PARSING',
        'READY',
      ]);
      const ready = results.at(-1)!.data!.exportJobStatus;
      const expected = expectedLeadRows(fx.sandbox, FIELDS, from, to);
      expect(ready).toMatchObject({
        id,
        rowCount: expected.length,
        numberOfRecords: expected.length,
        bytesDownloaded: ready.fileSize,
        error: null,
      });
      expect(ready.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await readRows(fx, id, 41)).toEqual(expected);
      // The compact form holds the same rows, and its cursors are those of `rows`.
      expect(await readRowPages(fx, id, 41)).toEqual(expected);
      const connection = await fx.query<RowsPage>(ROWS, { id, first: 3 });
      const compact = await fx.query<RowPageResult>(ROW_PAGE, {
        id,
        first: 2,
        after: connection.data!.exportJob.rows.pageInfo.endCursor,
      });
      expect(compact.data!.exportJob.rowPage.startIndex).toBe(3);
    });
  }

  it('types the rows of an export created outside the gateway from the describe (adopted by id)', async () => {
    const { url, clientId, clientSecret } = fx.sandbox;
    const identity = await fetch(
      `${url}/identity/oauth/token?grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
    );
    const { access_token: token } = (await identity.json()) as { access_token: string };
    const bulk = async (path: string, body?: unknown) => {
      const res = await fetch(`${url}/bulk/v1/leads/export${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return (await res.json()) as { result: Array<{ exportId: string }> };
    };
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 25 * DAY);
    const to = iso(epoch - 20 * DAY);
    const created = await bulk('/create.json', {
      fields: FIELDS,
      format: 'CSV',
      filter: { createdAt: { startAt: from, endAt: to } },
    });
    const exportId = created.result[0]?.exportId ?? '';
    await bulk(`/${exportId}/enqueue.json`);

    const results = (await fx.subscribeWs(WATCH, { id: exportId })) as WatchResult[];
    expect(results.at(-1)?.data?.exportJobStatus.status).toBe('READY');
    const rows = await readRows(fx, exportId, 100);
    const expected = expectedLeadRows(fx.sandbox, FIELDS, from, to);
    expect(rows).toEqual(expected);
    expect(typeof (rows[0] as { id: unknown }).id).toBe('number');
    expect(typeof (rows[0] as { unsubscribed: unknown }).unsubscribed).toBe('boolean');
  });

  it('gives a late subscriber the current state at once and completes after READY', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const id = await createJob(fx, {
      createdAt: { startAt: iso(epoch - 5 * DAY), endAt: iso(epoch - DAY) },
    });
    await fx.subscribeWs(WATCH, { id });
    const late = (await fx.subscribeSse(WATCH, { id })) as WatchResult[];
    expect(late).toHaveLength(1);
    expect(late[0]!.data!.exportJobStatus.status).toBe('READY');
  });

  it('answers an unknown job id with a clear error', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const results of [
      await fx.subscribeWs(WATCH, { id }),
      await fx.subscribeSse(WATCH, { id }),
    ]) {
      expect(results).toHaveLength(1);
      expect(results[0]!.errors?.[0]).toMatchObject({
        message: expect.stringContaining(id),
        extensions: { code: 'NOT_FOUND' },
      });
    }
    const query = await fx.query<{ exportJob: null }>(ROWS, { id });
    expect(query.data?.exportJob).toBeNull();
  });

  it('rejects an unknown field by name before calling Marketo', async () => {
    const before = await fx.stats();
    const result = await fx.query(CREATE, {
      input: {
        fields: ['id', 'favouriteColour'],
        filter: { createdAt: { startAt: '2024-01-01T00:00:00Z', endAt: '2024-01-02T00:00:00Z' } },
      },
    });
    expect(result.errors).toBeUndefined();
    expect((result.data as { createExportJob: unknown }).createExportJob).toMatchObject({
      message: expect.stringContaining('favouriteColour'),
      code: 'BAD_USER_INPUT',
      argument: 'input.fields[1]',
    });
    expect((await fx.stats()).exportJobsCreated).toBe(before.exportJobsCreated);
  });

  it('cancels a job: subscribers see CANCELLED and the subscription completes', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const id = await createJob(fx, {
      createdAt: { startAt: iso(epoch - 5 * DAY), endAt: iso(epoch - DAY) },
    });
    const watching = fx.subscribeWs(WATCH, { id });
    const cancelled = await fx.query<{ cancelExportJob: { status: string } }>(
      'mutation ($id: ID!) { cancelExportJob(id: $id) { ... on ExportJob { status } ... on Error { code message } ... on InputError { argument field details } } }',
      { id },
    );
    expect(cancelled.data?.cancelExportJob.status).toBe('CANCELLED');
    const results = (await watching) as WatchResult[];
    expect(results.at(-1)!.data!.exportJobStatus.status).toBe('CANCELLED');
  });

  it('shows the daily export quota', async () => {
    const result = await fx.query<{
      exportQuota: {
        limitBytes: number;
        usedBytes: number;
        remainingBytes: number;
        resetsAt: string;
      };
    }>('{ exportQuota { limitBytes usedBytes remainingBytes resetsAt } }');
    const quota = result.data!.exportQuota;
    expect(quota.limitBytes).toBe(500 * 1024 * 1024);
    expect(quota.usedBytes).toBeGreaterThan(0);
    expect(quota.usedBytes + quota.remainingBytes).toBe(quota.limitBytes);
  });
});

describe('200 subscribers on one job', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('all receive READY while the sandbox sees a single poll stream', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const id = await createJob(fx, {
      createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) },
    });
    const all = (await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? fx.subscribeWs(WATCH, { id }) : fx.subscribeSse(WATCH, { id }),
      ),
    )) as WatchResult[][];
    for (const results of all) {
      expect(results.at(-1)!.data!.exportJobStatus.status).toBe('READY');
    }
    const polls =
      (await fx.stats()).calls.byEndpoint['GET /bulk/v1/leads/export/{id}/status.json'] ?? 0;
    // One poller at a quarter of the sandbox's status step: a handful of calls, not one per watcher.
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThan(30);
  });
});

describe('a gateway restart', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('picks up the jobs it was watching and finishes them', async () => {
    const epoch = dataEpoch(fx.sandbox);
    const from = iso(epoch - 12 * DAY);
    const to = iso(epoch - DAY);
    const id = await createJob(fx, { createdAt: { startAt: from, endAt: to } }, ['id', 'email']);
    await fx.restartGateway();
    const results = (await fx.subscribeWs(WATCH, { id })) as WatchResult[];
    expect(results.at(-1)!.data!.exportJobStatus.status).toBe('READY');
    expect(await readRows(fx, id, 500)).toEqual(
      expectedLeadRows(fx.sandbox, ['id', 'email'], from, to),
    );
  });
});
