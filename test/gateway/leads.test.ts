import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { restCalls, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const LeadsById = graphql(`
  query LeadsById($ids: [Int!]!) {
    leads(ids: $ids) {
      id
      email
    }
  }
`);

const LeadDetails = graphql(`
  query LeadDetails($id: Int!) {
    lead(id: $id) {
      id
      email
      firstName
      lastName
      company
      createdAt
      updatedAt
      company2: field(name: "company")
      custom: fields(names: ["integer_field", "boolean_field"])
    }
  }
`);

const TwoAliases = graphql(`
  query TwoAliases {
    a: lead(id: 1) {
      id
      firstName
    }
    b: lead(id: 2) {
      id
      city
    }
    c: leads(ids: [3, 4]) {
      id
      f: field(name: "textarea_field")
    }
  }
`);

const LeadsBy = graphql(`
  query LeadsBy($field: String!, $values: [String!]!) {
    leadsBy(field: $field, values: $values) {
      id
      email
    }
  }
`);

const LeadFields = graphql(`
  query LeadFields {
    leadFields {
      name
      displayName
      dataType
      length
      readOnly
      searchable
    }
  }
`);

const Membership = graphql(`
  query Membership($ids: [Int!]!, $listId: Int!) {
    leads(ids: $ids) {
      id
      isMemberOf(listId: $listId)
      lists {
        id
        name
      }
    }
  }
`);

const UnknownField = graphql(`
  query UnknownField {
    lead(id: 1) {
      id
      field(name: "noSuchField")
    }
  }
`);

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
  // Warm the process-wide describe cache so the assertions below count only lead calls.
  await gw.execute(LeadFields);
});

afterAll(async () => {
  await gw?.stop();
});

beforeEach(async () => {
  await gw.reset();
});

describe('reading leads', () => {
  it('returns one lead with typed standard fields and any REST field by name', async () => {
    const result = await gw.execute(LeadDetails, { id: 1 });
    expect(result.errors).toBeUndefined();
    const lead = result.data?.lead;
    expect(lead?.id).toBe(1);
    expect(lead?.email).toMatch(/@/);
    expect(lead?.company2).toBe(lead?.company);
    expect(lead?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(Object.keys(lead?.custom ?? {})).toEqual(['integer_field', 'boolean_field']);
  });

  it('answers null for a lead Marketo does not have', async () => {
    const result = await gw.execute(LeadDetails, { id: 987_654 });
    expect(result.errors).toBeUndefined();
    expect(result.data?.lead).toBeNull();
  });

  it('keeps input order with null where a lead is missing', async () => {
    const result = await gw.execute(LeadsById, { ids: [5, 987_654, 2, 5] });
    expect(result.data?.leads.map((lead) => lead?.id ?? null)).toEqual([5, null, 2, 5]);
  });

  it('batches 1,000 ids into 4 Marketo calls (300 per call)', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const result = await gw.execute(LeadsById, { ids });
    expect(result.errors).toBeUndefined();
    expect(result.data?.leads).toHaveLength(1000);
    expect(result.data?.leads.every((lead, i) => lead?.id === i + 1)).toBe(true);
    const stats = await gw.stats();
    expect(stats.calls.byEndpoint['GET /rest/v1/leads.json']).toBe(4);
    expect(restCalls(stats)).toBe(4);
    expect(result.extensions?.marketo?.byEndpoint['GET /rest/v1/leads.json']?.calls).toBe(4);
    expect(result.extensions?.marketo?.recordsSent).toBe(1000);
  });

  it('batches aliased lookups into one call asking for the union of selected fields', async () => {
    const result = await gw.execute(TwoAliases);
    expect(result.errors).toBeUndefined();
    expect(result.data?.a?.id).toBe(1);
    expect(result.data?.c.map((lead) => lead?.id)).toEqual([3, 4]);
    expect(result.extensions?.marketo?.leadFields).toEqual(['city', 'firstName', 'textarea_field']);
    expect((await gw.stats()).calls.byEndpoint['GET /rest/v1/leads.json']).toBe(1);
  });

  it('asks Marketo for the fields each request names, the same query text sent again', async () => {
    // Untyped on purpose: one text, sent as it is with different variables.
    const ask = async (name: string) => {
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query Named($name: String!) { lead(id: 1) { id value: field(name: $name) } }',
          variables: { name },
        }),
      });
      return (await response.json()) as {
        data?: { lead?: { value?: unknown } };
        extensions?: { marketo?: { leadFields?: string[] } };
      };
    };
    const city = await ask('city');
    const company = await ask('company');
    expect(city.extensions?.marketo?.leadFields).toEqual(['city']);
    expect(company.extensions?.marketo?.leadFields).toEqual(['company']);
    expect(company.data?.lead?.value).toBe(gw.store.lead(1)?.company);
  });

  it('finds leads by a searchable field, emails ignoring case, one call per 300 values', async () => {
    const first = (await gw.execute(LeadsById, { ids: [1, 2] })).data?.leads;
    const emails = [
      first?.[0]?.email ?? '',
      (first?.[1]?.email ?? '').toUpperCase(),
      'nobody@nowhere.example',
    ];
    await gw.reset();
    const result = await gw.execute(LeadsBy, { field: 'email', values: emails });
    expect(result.errors).toBeUndefined();
    expect(result.data?.leadsBy.map((lead) => lead.id).sort()).toEqual([1, 2]);
    expect((await gw.stats()).calls.byEndpoint['GET /rest/v1/leads.json']).toBe(1);
  });

  it("reads every page of a filter's matches, up to Marketo's 1,000 a call", async () => {
    const tag = (count: number, value: string) => {
      for (let i = 0; i < count; i += 1) {
        gw.store.syncLead(
          { email: `${value}.${i}@tagged.example`, customString__c: value },
          { action: 'createOrUpdate', lookupField: 'email' },
        );
      }
    };
    tag(1_000, 'thousand');
    tag(1_001, 'too-many');
    const thousand = await gw.execute(LeadsBy, { field: 'customString__c', values: ['thousand'] });
    expect(thousand.errors).toBeUndefined();
    expect(new Set(thousand.data?.leadsBy.map((lead) => lead.id)).size).toBe(1_000);
    expect((await gw.stats()).calls.byEndpoint['GET /rest/v1/leads.json']).toBe(4);
    const tooMany = await gw.execute(LeadsBy, { field: 'customString__c', values: ['too-many'] });
    expect(tooMany.data).toBeNull();
    expect(tooMany.errors?.[0]).toMatchObject({
      message: 'Too many results match the filter',
      path: ['leadsBy'],
      extensions: { code: '1003' },
    });
  });

  it('reads list membership, batching isMemberOf per list', async () => {
    const { leadIds } = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1001/members');
    const member = leadIds[0] as number;
    const outsider = 1999;
    expect(leadIds).not.toContain(outsider);
    const result = await gw.execute(Membership, { ids: [member, outsider], listId: 1001 });
    expect(result.errors).toBeUndefined();
    expect(result.data?.leads.map((lead) => lead?.isMemberOf)).toEqual([true, false]);
    expect(result.data?.leads[0]?.lists.map((list) => list.id)).toContain(1001);
    expect((await gw.stats()).calls.byEndpoint['GET /rest/v1/lists/{id}/leads/ismember.json']).toBe(
      1,
    );
  });
});

describe('lead field describe', () => {
  it('mirrors describe and is cached across requests', async () => {
    const result = await gw.execute(LeadFields);
    const email = result.data?.leadFields.find((field) => field.name === 'email');
    expect(email).toMatchObject({ dataType: 'email', readOnly: false, searchable: true });
    expect(result.data?.leadFields.find((f) => f.name === 'createdAt')?.readOnly).toBe(true);
    expect(result.extensions?.marketo?.calls).toBe(0);
    expect(restCalls(await gw.stats())).toBe(0);
  });
});

describe('validation of lead queries (before Marketo, at no quota cost)', () => {
  it('rejects an unknown field name in field(name:)', async () => {
    const result = await gw.execute(UnknownField);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'Lead.field(name:)',
      field: 'noSuchField',
    });
    expect(result.errors?.[0]?.message).toContain('noSuchField');
    expect(restCalls(await gw.stats())).toBe(0);
  });

  it('rejects an empty id list and a non-searchable lookup field', async () => {
    const empty = await gw.execute(LeadsById, { ids: [] });
    expect(empty.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'ids',
    });
    const unsearchable = await gw.execute(LeadsBy, { field: 'firstName', values: ['Ann'] });
    expect(unsearchable.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'field',
      field: 'firstName',
    });
    const unknown = await gw.execute(LeadsBy, { field: 'nope', values: ['x'] });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ argument: 'field', field: 'nope' });
    expect(restCalls(await gw.stats())).toBe(0);
  });

  it("passes Marketo's own error code through when Marketo refuses a call", async () => {
    await gw.fault({ error: '603', endpoint: 'GET /rest/v1/leads.json' });
    const result = await gw.execute(LeadsById, { ids: [1] });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: '603',
      marketo: { retryable: false, requestId: expect.any(String) },
    });
  });

  it('reports the cost of every response in extensions.marketo', async () => {
    const result = await gw.execute(LeadsById, { ids: [1] });
    expect(result.extensions?.marketo).toMatchObject({
      calls: 1,
      recordsSent: 1,
      recordsRead: 1,
      byEndpoint: { 'GET /rest/v1/leads.json': { calls: 1 } },
    });
    expect(typeof result.extensions?.marketo?.limiterWaitMs).toBe('number');
  });
});
