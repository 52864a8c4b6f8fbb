import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJobQuery } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import {
  type ExecuteResult,
  restCalls,
  startTestGateway,
  type TestGateway,
} from '../helpers/gateway.js';
import { StartImport, waitForImport as waitForImportJob } from '../helpers/imports.js';
import { failure, payload } from '../helpers/outcome.js';

const ImportLeads = graphql(`
  mutation ImportLeads($input: ImportLeadsInput!) {
    importLeads(input: $input) {
      ... on ImportJob {
        id
        status
        marketoStatus
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
        field
      }
    }
  }
`);

const ImportJob = graphql(`
  query ImportJob($id: ID!) {
    importJob(id: $id) {
      id
      status
      rowsProcessed
      rowsFailed
      rowsWithWarning
      message
      failures {
        row
        reason
      }
      warnings {
        row
        reason
      }
    }
  }
`);

const LeadsByEmail = graphql(`
  query ImportedLeads($values: [String!]!) {
    leadsBy(field: "email", values: $values) {
      id
      email
      firstName
    }
  }
`);

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

async function waitForImport(id: string): Promise<ExecuteResult<ImportJobQuery>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const result = await gw.execute(ImportJob, { id });
    const status = result.data?.importJob?.status;
    if (status === 'COMPLETE' || status === 'FAILED') return result;
    await sleep(50);
  }
  throw new Error(`import ${id} did not finish`);
}

describe('bulk lead import', () => {
  it('imports delimited text into a list and reports failed and warned rows apart', async () => {
    const data = [
      'email;firstName;integer_field;email_field',
      'imp1@example.com;Ada;1;',
      'imp2@example.com;Bob;not-a-number;',
      'imp3@example.com;Cy;3;not-an-email',
    ].join('\n');
    const started = await gw.execute(ImportLeads, {
      input: { data, format: 'SSV', listId: 1007 },
    });
    expect(started.errors).toBeUndefined();
    expect(payload(started.data?.importLeads).status).toBe('QUEUED');
    const id = payload(started.data?.importLeads).id ?? '';

    const done = await waitForImport(id);
    const job = done.data?.importJob;
    expect(job).toMatchObject({ id, status: 'COMPLETE', rowsFailed: 1, rowsWithWarning: 1 });
    expect(job?.failures).toEqual([
      {
        row: {
          email: 'imp2@example.com',
          firstName: 'Bob',
          integer_field: 'not-a-number',
          email_field: '',
        },
        reason: expect.stringMatching(/^Invalid data type in field /),
      },
    ]);
    expect(job?.warnings).toEqual([
      {
        row: expect.objectContaining({ email: 'imp3@example.com' }),
        reason: 'Invalid email address',
      },
    ]);
    const leads = await gw.execute(LeadsByEmail, { values: ['imp1@example.com'] });
    expect(leads.data?.leadsBy.map((lead) => lead.firstName)).toEqual(['Ada']);
    const members = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1007/members');
    expect(members.leadIds).toContain(leads.data?.leadsBy[0]?.id);
  });

  it('imports rows whose lookup email is invalid, reporting each as a warning with its row number (§9.3)', async () => {
    const data = [
      'email,firstName',
      'ok.1@example.com,Ada',
      'INVALID_EMAIL,Bob',
      'ok.2@example.com,Cy',
      'no-at-sign.example.com,Dee',
    ].join('\n');
    const started = await gw.execute(StartImport, { input: { data } });
    expect(started.errors).toBeUndefined();
    const job = await waitForImportJob(gw, payload(started.data?.importLeads).id ?? '');
    expect(job).toMatchObject({
      status: 'COMPLETE',
      rowsProcessed: 4,
      rowsFailed: 0,
      rowsWithWarning: 2,
    });
    expect(job.warnings.map((w) => [w.rowNumber, w.row, w.reason])).toEqual([
      [2, { email: 'INVALID_EMAIL', firstName: 'Bob' }, 'Invalid email address'],
      [4, { email: 'no-at-sign.example.com', firstName: 'Dee' }, 'Invalid email address'],
    ]);
    // Imported, the address kept as given: Marketo stores the row and only warns.
    const imported: Array<[string, string]> = [
      ['INVALID_EMAIL', 'Bob'],
      ['no-at-sign.example.com', 'Dee'],
    ];
    for (const [email, firstName] of imported) {
      const ids = gw.store.leadIdsBy(gw.store.field('email')!, email.toLowerCase());
      expect(ids).toHaveLength(1);
      expect(gw.store.lead(ids[0]!)).toMatchObject({ email, firstName });
    }
  });

  it('waits out 1019 Import in progress (list busy) and submits again, never failing the job', async () => {
    await gw.fault({ error: '1019', next: 2, endpoint: 'POST /bulk/v1/leads.json' });
    const started = await gw.execute(StartImport, {
      input: { data: 'email,firstName\nbusy.list@example.com,Ada', listId: 1007 },
    });
    expect(started.errors).toBeUndefined();
    const job = await waitForImportJob(gw, payload(started.data?.importLeads).id ?? '');
    expect(job).toMatchObject({ status: 'COMPLETE', rowsProcessed: 1, rowsFailed: 0 });
    const stats = await gw.stats();
    expect(stats.errors['1019']).toBe(2);
    expect(stats.calls.byEndpoint['POST /bulk/v1/leads.json']).toBe(3);
    const ids = gw.store.leadIdsBy(gw.store.field('email')!, 'busy.list@example.com');
    const members = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1007/members');
    expect(members.leadIds).toContain(ids[0]);
  });

  it('imports JSON rows (written as CSV with quoting)', async () => {
    const started = await gw.execute(ImportLeads, {
      input: {
        rows: [
          { email: 'json1@example.com', firstName: 'Quote "me", please' },
          { email: 'json2@example.com', firstName: 'Line\nbreak' },
        ],
      },
    });
    expect(started.errors).toBeUndefined();
    const done = await waitForImport(payload(started.data?.importLeads).id ?? '');
    expect(done.data?.importJob).toMatchObject({
      status: 'COMPLETE',
      rowsFailed: 0,
      rowsProcessed: 2,
    });
    const leads = await gw.execute(LeadsByEmail, {
      values: ['json1@example.com', 'json2@example.com'],
    });
    expect(leads.data?.leadsBy.map((lead) => lead.firstName).sort()).toEqual([
      'Line\nbreak',
      'Quote "me", please',
    ]);
  });

  it('validates the header and arguments before Marketo is called', async () => {
    await gw.execute(LeadsByEmail, { values: ['warm@example.com'] });
    await gw.reset();
    const unknown = await gw.execute(ImportLeads, {
      input: { data: 'email,shoeSize\na@example.com,9' },
    });
    expect(failure(unknown.data?.importLeads)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.data',
      field: 'shoeSize',
    });
    const both = await gw.execute(ImportLeads, {
      input: { data: 'email', rows: [{ email: 'a@b.co' }] },
    });
    expect(failure(both.data?.importLeads)).toMatchObject({ argument: 'input' });
    const noLookup = await gw.execute(ImportLeads, { input: { data: 'firstName\nAda' } });
    expect(failure(noLookup.data?.importLeads)).toMatchObject({
      argument: 'input.data',
      field: 'email',
    });
    expect(restCalls(await gw.stats())).toBe(0);
  });

  it('answers null for an unknown import id and rejects a malformed one', async () => {
    expect((await gw.execute(ImportJob, { id: '987654' })).data?.importJob).toBeNull();
    const bad = await gw.execute(ImportJob, { id: 'abc' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
  });
});
