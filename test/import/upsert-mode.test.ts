import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitForImport } from '../helpers/imports.js';
import { errorFields, payload } from '../helpers/outcome.js';

const UpsertWithMode = graphql(`
  mutation UpsertWithMode($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        mode
        total
        created
        results {
          index
          status
        }
        importJob {
          id
          status
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

const THRESHOLD = 50;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    sandbox: { leads: 500, bulk: { importMsPer1000Rows: 500 } },
    importJobs: { upsertBulkThreshold: THRESHOLD, pollIntervalMs: 50 },
  });
});

afterAll(async () => {
  await gw?.stop();
});

const leads = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    email: `${prefix}-${i}@upsert.test`,
    firstName: `U${i}`,
    integer_field: i === 7 ? 'seven' : i,
  }));
const stored = (email: string) => gw.store.leadIdsBy(gw.store.field('email')!, email);

describe('upsertLeads mode', () => {
  it('AUTO stays synchronous below UPSERT_BULK_THRESHOLD (per-row results at once)', async () => {
    const result = await gw.execute(UpsertWithMode, {
      input: {
        leads: leads('small', 3)
          .slice(0, 3)
          .map(({ integer_field: _i, ...row }) => row),
      },
    });
    expect(result.data?.upsertLeads).toMatchObject({ mode: 'SYNC', created: 3, importJob: null });
    expect(payload(result.data?.upsertLeads).results).toHaveLength(3);
  });

  it('AUTO imports in bulk from the threshold on, every row accounted for by the import', async () => {
    const rows = leads('big', THRESHOLD);
    const result = await gw.execute(UpsertWithMode, {
      input: { leads: rows, then: { list: { id: 1007 } } },
    });
    expect(result.errors).toBeUndefined();
    const upsert = payload(result.data?.upsertLeads);
    expect(upsert).toMatchObject({ mode: 'BULK', total: THRESHOLD, results: [] });
    const job = await waitForImport(gw, upsert?.importJob?.id ?? '');
    expect(job.status).toBe('COMPLETE');
    // Row number = index + 1.
    expect(job.failures.map((f) => [f.rowNumber, f.reason])).toEqual([
      [8, expect.stringMatching(/^Invalid data type in field /)],
    ]);
    const members = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1007/members');
    for (const [i, row] of rows.entries()) {
      const ids = stored(row.email);
      expect(ids).toHaveLength(i === 7 ? 0 : 1);
      if (ids[0]) expect(members.leadIds).toContain(ids[0]);
    }
  });

  it('SYNC and BULK are taken as asked; BULK is refused for what an import cannot do', async () => {
    const sync = await gw.execute(UpsertWithMode, {
      input: { leads: leads('forced', THRESHOLD + 1), mode: 'SYNC' },
    });
    expect(payload(sync.data?.upsertLeads).mode).toBe('SYNC');
    expect(payload(sync.data?.upsertLeads).results).toHaveLength(THRESHOLD + 1);

    const bulk = await gw.execute(UpsertWithMode, {
      input: { leads: [{ email: 'one@upsert.test' }], mode: 'BULK' },
    });
    expect(payload(bulk.data?.upsertLeads).mode).toBe('BULK');
    expect(
      (await waitForImport(gw, payload(bulk.data?.upsertLeads).importJob?.id ?? '')).status,
    ).toBe('COMPLETE');

    const refused = await gw.execute(UpsertWithMode, {
      input: { leads: [{ email: 'two@upsert.test' }], mode: 'BULK', action: 'CREATE_ONLY' },
    });
    expect(errorFields(refused.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.mode',
    });
    // AUTO falls back to the synchronous API when an import cannot do it.
    const createOnly = await gw.execute(UpsertWithMode, {
      input: {
        leads: leads('only', THRESHOLD).map(({ integer_field: _i, ...row }) => row),
        action: 'CREATE_ONLY',
      },
    });
    expect(createOnly.data?.upsertLeads).toMatchObject({ mode: 'SYNC', created: THRESHOLD });
  });
});
