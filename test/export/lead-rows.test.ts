/**
 * Typed lead rows: `ExportJob.leadRows` reads a lead export's rows as `LeadRow`s, whose standard
 * fields have the describe's scalar types (also in the generated client types) and whose custom
 * fields come through `field(name:)`, wherever `columnHeaderNames` put the columns.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { LEAD_ROW_FIELDS_FILE, leadRowFieldsSource } from '../../scripts/generate-lead-row.js';
import type { LeadRow as SandboxLead } from '../../src/sandbox/types.js';
import type { TypedRowsQuery } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import { type ExecuteResult, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { payload } from '../helpers/outcome.js';

const DAY = 86_400_000;
const FIELDS = [
  'id',
  'email',
  'createdAt',
  'unsubscribed',
  'leadScore',
  'annualRevenue',
  'dateOfBirth',
  'acquisitionProgramId',
  'integer_field',
  'customString__c',
];

const CreateLeadExport = graphql(`
  mutation CreateLeadExport($input: CreateExportJobInput!) {
    createExportJob(input: $input) {
      ... on ExportJob {
        id
        leadRows {
          totalCount
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

const ExportState = graphql(`
  query ExportState($id: ID!) {
    exportJob(id: $id) {
      status
      error {
        code
        message
      }
    }
  }
`);

const TypedRows = graphql(`
  query TypedRows($id: ID!, $first: Int, $after: String) {
    exportJob(id: $id) {
      rowCount
      leadRows(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          email
          createdAt
          unsubscribed
          leadScore
          annualRevenue
          dateOfBirth
          acquisitionProgramId
          city
          integerField: field(name: "integer_field")
          customString: field(name: "customString__c")
        }
      }
      rows(first: $first, after: $after) {
        nodes
      }
    }
  }
`);

const ActivityLeadRows = graphql(`
  mutation ActivityLeadRows($input: CreateExportJobInput!) {
    createExportJob(input: $input) {
      ... on ExportJob {
        id
        entity
        leadRows {
          totalCount
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

let tg: TestGateway;

beforeAll(async () => {
  // Marketo's export pace a thousand times faster: the job is READY in well under a second.
  tg = await startTestGateway({ timeScale: 1000 });
});

afterAll(async () => {
  await tg?.stop();
});

async function untilDone(id: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { data, errors } = await tg.execute(ExportState, { id });
    expect(errors).toBeUndefined();
    const status = data?.exportJob?.status;
    if (status === 'READY' || status === 'FAILED' || status === 'CANCELLED') {
      expect(data?.exportJob?.error).toBeNull();
      return status;
    }
    if (Date.now() > deadline) throw new Error(`export ${id} still ${status} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('typed lead rows of an export', () => {
  it('reads standard fields with their scalar types and custom fields by name', async () => {
    const leads = [...tg.store.leads()] as SandboxLead[];
    const last = Date.parse(String(leads.at(-1)!.createdAt));
    const from = new Date(last - 3 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const to = new Date(last).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const created = await tg.execute(CreateLeadExport, {
      input: {
        entity: 'LEADS',
        fields: FIELDS,
        filter: { createdAt: { startAt: from, endAt: to } },
        // Renamed columns are still read by their REST name.
        columnHeaderNames: { leadScore: 'Score', email: 'Email Address' },
      },
    });
    expect(created.errors).toBeUndefined();
    const { id } = payload(created.data?.createExportJob);
    expect(await untilDone(id)).toBe('READY');

    const expected = leads
      .filter((lead) => String(lead.createdAt) >= from && String(lead.createdAt) <= to)
      .map((lead) => ({
        id: lead.id,
        email: lead.email ?? null,
        createdAt: new Date(String(lead.createdAt)).toISOString(),
        unsubscribed: lead.unsubscribed ?? false,
        leadScore: lead.leadScore ?? null,
        annualRevenue: lead.annualRevenue ?? null,
        dateOfBirth: lead.dateOfBirth ?? null,
        acquisitionProgramId: lead.acquisitionProgramId ?? null,
        // Not exported: null, not an error.
        city: null,
        integerField: lead.integer_field ?? null,
        customString: lead.customString__c ?? null,
      }));
    expect(expected.length).toBeGreaterThan(5);

    const got: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ExecuteResult<TypedRowsQuery> = await tg.execute(TypedRows, {
        id,
        first: 4,
        after,
      });
      expect(page.errors).toBeUndefined();
      const job = page.data!.exportJob!;
      const leadRows = job.leadRows!;
      expect(leadRows.totalCount).toBe(job.rowCount);
      // The generated client types say what each field is (checked by tsc, not at run time).
      const [first] = leadRows.nodes;
      expectTypeOf(first!.leadScore).toEqualTypeOf<number | null>();
      expectTypeOf(first!.unsubscribed).toEqualTypeOf<boolean | null>();
      expectTypeOf(first!.annualRevenue).toEqualTypeOf<number | null>();
      expectTypeOf(first!.email).toEqualTypeOf<string | null>();
      // The JSON rows beside them are unchanged: keyed by column header.
      expect(job.rows.nodes.map((row) => row['Score'])).toEqual(
        leadRows.nodes.map((row) => row.leadScore),
      );
      got.push(...leadRows.nodes);
      if (!leadRows.pageInfo.hasNextPage) break;
      after = leadRows.pageInfo.endCursor;
    }
    expect(got).toEqual(expected);
  });

  it('is null for an activity export (its rows are not leads)', async () => {
    const leads = [...tg.store.leads()] as SandboxLead[];
    const last = Date.parse(String(leads.at(-1)!.createdAt));
    const created = await tg.execute(ActivityLeadRows, {
      input: {
        entity: 'ACTIVITIES',
        filter: {
          createdAt: {
            startAt: new Date(last - DAY).toISOString(),
            endAt: new Date(last).toISOString(),
          },
        },
      },
    });
    expect(created.errors).toBeUndefined();
    expect(payload(created.data?.createExportJob)).toMatchObject({
      entity: 'ACTIVITIES',
      leadRows: null,
    });
  });
});

describe('LeadRow fields generated from the describe', () => {
  it('the committed file is what the generator writes (npm run codegen:check also fails on drift)', async () => {
    expect(await readFile(LEAD_ROW_FIELDS_FILE, 'utf8')).toBe(await leadRowFieldsSource());
  });
});
