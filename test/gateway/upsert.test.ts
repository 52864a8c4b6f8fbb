import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpsertThenInput } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import { restCalls, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { failure, payload } from '../helpers/outcome.js';

const UpsertLeads = graphql(`
  mutation UpsertLeads($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        total
        created
        updated
        skipped
        failed
        results {
          index
          lookupValue
          id
          status
          reasons {
            code
            message
            field
          }
        }
        then {
          kind
          targetId
          action
          succeeded
          skipped
          failed
          notAttempted
          error {
            code
            message
          }
          results {
            index
            id
            status
            reasons {
              code
            }
          }
        }
      }
      ... on Error {
        __typename
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

const UpsertLeadsProblems = graphql(`
  mutation UpsertLeadsProblems($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        total
        created
        updated
        skipped
        failed
        results(status: [FAILED, SKIPPED]) {
          index
          lookupValue
          status
          reasons {
            code
            field
          }
        }
        then {
          succeeded
          skipped
          failed
          notAttempted
          results(status: [NOT_ATTEMPTED, SKIPPED, FAILED]) {
            index
            status
          }
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

const LeadsByEmail = graphql(`
  query LeadsByEmail($values: [String!]!) {
    leadsBy(field: "email", values: $values) {
      id
      email
      firstName
      field(name: "integer_field")
    }
  }
`);

/** `input.then`, built once for the tests below. */
function followUp(step: UpsertThenInput) {
  return { then: step };
}

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.stop();
});

beforeEach(async () => {
  await gw.reset();
});

describe('upsertLeads: per-row results', () => {
  it('creates and updates rows, fails bad rows alone and reports Marketo skips per row', async () => {
    const result = await gw.execute(UpsertLeads, {
      input: {
        leads: [
          { email: 'new.person@example.com', firstName: 'New', integer_field: 7 },
          { email: 'not-an-email', firstName: 'Bad' },
          { firstName: 'No lookup value' },
          { email: 'typed@example.com', integer_field: 'twelve' },
          'not an object',
          { email: 'new.person@example.com', firstName: 'Renamed' },
        ],
      },
    });
    expect(result.errors).toBeUndefined();
    const upsert = payload(result.data?.upsertLeads);
    expect(upsert).toMatchObject({ total: 6, created: 1, updated: 1, skipped: 0, failed: 4 });
    const rows = upsert?.results ?? [];
    expect(rows.map((row) => row.status)).toEqual([
      'CREATED',
      'FAILED',
      'FAILED',
      'FAILED',
      'FAILED',
      'UPDATED',
    ]);
    expect(rows[0]).toMatchObject({ index: 0, lookupValue: 'new.person@example.com' });
    expect(rows[5]?.id).toBe(rows[0]?.id);
    expect(rows[1]?.reasons).toEqual([
      expect.objectContaining({ code: 'INVALID_VALUE', field: 'email' }),
    ]);
    expect(rows[2]?.reasons).toEqual([
      expect.objectContaining({ code: 'MISSING_LOOKUP_VALUE', field: 'email' }),
    ]);
    expect(rows[3]?.reasons).toEqual([
      expect.objectContaining({ code: 'INVALID_VALUE', field: 'integer_field' }),
    ]);
    expect(rows[4]?.reasons[0]?.code).toBe('INVALID_ROW');
    // Only the two valid rows were sent, in one call.
    expect((await gw.stats()).calls.byEndpoint['POST /rest/v1/leads.json']).toBe(1);
    const stored = await gw.execute(LeadsByEmail, { values: ['new.person@example.com'] });
    expect(stored.data?.leadsBy).toEqual([
      expect.objectContaining({ firstName: 'Renamed', field: 7 }),
    ]);
  });

  it("reports Marketo's record-level skips with Marketo codes (updateOnly of unknown leads)", async () => {
    const result = await gw.execute(UpsertLeads, {
      input: {
        action: 'UPDATE_ONLY',
        leads: [{ email: 'nobody.here@example.com', firstName: 'X' }],
      },
    });
    expect(result.errors).toBeUndefined();
    expect(payload(result.data?.upsertLeads).results[0]).toMatchObject({
      status: 'SKIPPED',
      id: null,
      reasons: [expect.objectContaining({ code: '1004' })],
    });
  });
});

describe('upsertLeads: a failed Marketo call', () => {
  it('fails exactly the rows of the call that failed, with its code; the other calls stand', async () => {
    await gw.fault({ error: '603', endpoint: 'POST /rest/v1/leads.json', next: 1 });
    const leads = Array.from({ length: 900 }, (_, i) => ({ email: `chunk.${i}@example.com` }));
    const result = await gw.execute(UpsertLeadsProblems, { input: { leads } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.upsertLeads).toMatchObject({ total: 900, created: 600, failed: 300 });
    const failed = payload(result.data?.upsertLeads).results ?? [];
    const first = failed[0]?.index ?? -1;
    expect(first % 300).toBe(0);
    expect(failed.map((row) => row.index)).toEqual(
      Array.from({ length: 300 }, (_, i) => first + i),
    );
    expect(failed.every((row) => row.reasons[0]?.code === '603')).toBe(true);
  });
});

describe('upsertLeads: request-level validation (no Marketo call)', () => {
  const cases = [
    {
      name: 'an unknown field',
      input: { leads: [{ email: 'a@example.com' }, { email: 'b@example.com', shoeSize: 9 }] },
      expected: { argument: 'input.leads', field: 'shoeSize', details: { row: 1 } },
    },
    {
      name: 'a read-only field',
      input: { leads: [{ email: 'a@example.com', createdAt: '2020-01-01T00:00:00Z' }] },
      expected: { argument: 'input.leads', field: 'createdAt' },
    },
    {
      name: 'a lookup field that is not searchable',
      input: { lookupField: 'firstName', leads: [{ firstName: 'A' }] },
      expected: { argument: 'input.lookupField', field: 'firstName' },
    },
    {
      name: 'an unknown lookup field',
      input: { lookupField: 'nope', leads: [{ email: 'a@example.com' }] },
      expected: { argument: 'input.lookupField', field: 'nope' },
    },
    { name: 'an empty list of rows', input: { leads: [] }, expected: { argument: 'input.leads' } },
    {
      name: 'a list step and a campaign step at once',
      input: {
        leads: [{ email: 'a@example.com' }],
        ...followUp({ list: { id: 1001 }, campaign: { id: 1102 } }),
      },
      expected: { argument: 'input.then' },
    },
    {
      name: 'a bad campaign token name',
      input: {
        leads: [{ email: 'a@example.com' }],
        ...followUp({ campaign: { id: 1102, tokens: [{ name: 'my.token', value: 'x' }] } }),
      },
      expected: { argument: 'input.then.campaign.tokens[0].name' },
    },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}, naming the argument`, async () => {
      await gw.execute(LeadsByEmail, { values: ['warm@example.com'] }); // describe cached
      await gw.reset();
      const result = await gw.execute(UpsertLeads, { input: testCase.input });
      // The refusal is the mutation's answer: a typed error, not a GraphQL error.
      expect(result.errors).toBeUndefined();
      expect(failure(result.data?.upsertLeads)).toMatchObject({
        __typename: 'InputError',
        code: 'BAD_USER_INPUT',
        ...testCase.expected,
      });
      expect(restCalls(await gw.stats())).toBe(0);
    });
  }

  it('rejects a follow-up list that does not exist before writing any lead', async () => {
    const result = await gw.execute(UpsertLeads, {
      input: { leads: [{ email: 'ghost@example.com' }], ...followUp({ list: { id: 999_999 } }) },
    });
    expect(failure(result.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.then.list.id',
    });
    expect((await gw.stats()).calls.byEndpoint['POST /rest/v1/leads.json']).toBeUndefined();
  });
});

describe('upsertLeads: follow-up steps', () => {
  it('removes upserted leads from a list, reporting non-members as skipped with 1015', async () => {
    const { leadIds } = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1001/members');
    const memberId = leadIds[0] as number;
    const result = await gw.execute(UpsertLeads, {
      input: {
        action: 'UPDATE_ONLY',
        lookupField: 'id',
        leads: [
          { id: memberId, firstName: 'Member' },
          { id: 1999, firstName: 'Outsider' },
        ],
        ...followUp({ list: { id: 1001, action: 'REMOVE' } }),
      },
    });
    expect(result.errors).toBeUndefined();
    const step = payload(result.data?.upsertLeads).then;
    expect(step).toMatchObject({
      kind: 'LIST',
      targetId: 1001,
      action: 'REMOVE',
      succeeded: 1,
      skipped: 1,
    });
    expect(step?.results.map((row) => [row.status, row.reasons.map((r) => r.code)])).toEqual([
      ['REMOVED', []],
      ['SKIPPED', ['1015']],
    ]);
  });

  it('requests a campaign for the upserted leads', async () => {
    const result = await gw.execute(UpsertLeads, {
      input: {
        leads: [{ email: 'camp1@example.com' }, { email: 'bad' }, { email: 'camp2@example.com' }],
        ...followUp({ campaign: { id: 1102, tokens: [{ name: '{{my.message}}', value: 'Hi' }] } }),
      },
    });
    expect(result.errors).toBeUndefined();
    const step = payload(result.data?.upsertLeads).then;
    expect(step).toMatchObject({
      kind: 'CAMPAIGN',
      action: 'TRIGGER',
      succeeded: 2,
      notAttempted: 1,
    });
    expect(step?.results.map((row) => row.status)).toEqual([
      'TRIGGERED',
      'NOT_ATTEMPTED',
      'TRIGGERED',
    ]);
    const runs = await gw.control<{ triggers: Array<{ leadIds: number[] }> }>(
      '/__sandbox/campaigns/1102/runs',
    );
    const ids = payload(result.data?.upsertLeads).results.flatMap((row) =>
      row.id ? [row.id] : [],
    );
    expect(runs.triggers.at(-1)?.leadIds.sort()).toEqual(ids?.sort());
  });

  it('refuses a campaign step on a batch campaign before writing any lead', async () => {
    const result = await gw.execute(UpsertLeads, {
      input: { leads: [{ email: 'c@example.com' }], ...followUp({ campaign: { id: 1101 } }) },
    });
    expect(failure(result.data?.upsertLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.then.campaign.id',
    });
    expect((await gw.stats()).calls.byEndpoint['POST /rest/v1/leads.json']).toBeUndefined();
  });
});

describe('upsertLeads at scale', () => {
  it('upserts 50,000 rows in one call, adds them to a list and accounts for every skipped row', async () => {
    // Two leads per duplicate email: Marketo then skips updates by that email with 1007.
    const duplicates = ['dup0@example.com', 'dup1@example.com', 'dup2@example.com'];
    const dupResult = await gw.execute(UpsertLeads, {
      input: {
        action: 'CREATE_DUPLICATE',
        leads: [...duplicates, ...duplicates].map((email) => ({ email })),
      },
    });
    expect(payload(dupResult.data?.upsertLeads).created).toBe(6);
    const existing = (await gw.execute(LeadsByEmail, { values: ['dup0@example.com'] })).data;
    expect(existing?.leadsBy).toHaveLength(2);
    await gw.reset();

    const total = 50_000;
    const badRows = new Set<number>();
    const skippedRows = new Set<number>();
    const leads = Array.from({ length: total }, (_, i) => {
      if (i % 2_500 === 7) {
        badRows.add(i);
        return { email: `bad-email-${i}`, firstName: 'Bad' };
      }
      if (i % 10_000 === 3) {
        skippedRows.add(i);
        return { email: duplicates[((i / 10_000) % 3) | 0], firstName: 'Dup' };
      }
      return { email: `bulk.${i}@example.com`, firstName: `Row${i}`, integer_field: i };
    });
    const sent = total - badRows.size;

    const result = await gw.execute(UpsertLeadsProblems, {
      // The synchronous path at scale (AUTO would import 50,000 rows in bulk: test/import/).
      input: { leads, mode: 'SYNC', ...followUp({ list: { id: 1007, action: 'ADD' } }) },
    });
    expect(result.errors).toBeUndefined();
    const upsert = payload(result.data?.upsertLeads);
    expect(upsert).toMatchObject({
      total,
      created: total - badRows.size - skippedRows.size,
      updated: 0,
      skipped: skippedRows.size,
      failed: badRows.size,
    });
    expect(upsert?.results.filter((r) => r.status === 'FAILED').map((r) => r.index)).toEqual([
      ...badRows,
    ]);
    expect(upsert?.results.filter((r) => r.status === 'SKIPPED').map((r) => r.index)).toEqual([
      ...skippedRows,
    ]);
    for (const row of upsert?.results ?? []) {
      expect(row.reasons[0]?.code).toBe(row.status === 'FAILED' ? 'INVALID_VALUE' : '1007');
    }

    // The list step: every upserted lead added; every row without a lead reported, by index.
    const step = upsert?.then;
    expect(step).toMatchObject({
      succeeded: total - badRows.size - skippedRows.size,
      skipped: 0,
      failed: 0,
      notAttempted: badRows.size + skippedRows.size,
    });
    expect(step?.results.map((r) => r.index)).toEqual(
      [...new Set([...badRows, ...skippedRows])].sort((a, b) => a - b),
    );
    const members = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1007/members');
    expect(members.leadIds).toHaveLength(total - badRows.size - skippedRows.size);

    // Marketo saw exactly ⌈rows/300⌉ sync calls and ⌈leads/300⌉ list calls, within its limits.
    const stats = await gw.stats();
    expect(stats.calls.byEndpoint['POST /rest/v1/leads.json']).toBe(Math.ceil(sent / 300));
    expect(stats.calls.byEndpoint['POST /rest/v1/lists/{id}/leads.json']).toBe(
      Math.ceil((total - badRows.size - skippedRows.size) / 300),
    );
    expect(Math.ceil(sent / 300)).toBe(Math.ceil(total / 300));
    expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
    expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
    expect(stats.errors['606'] ?? 0).toBe(0);
    expect(stats.errors['615'] ?? 0).toBe(0);
    expect(result.extensions?.marketo?.recordsSent).toBe(sent + members.leadIds.length);
  });
});
