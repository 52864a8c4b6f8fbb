import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DUP_EVERY } from '../../src/sandbox/seed.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 3000, seed: 42 });
});
afterAll(() => sb.close());

type Lead = Record<string, unknown> & { id: number };
type Outcome = { id?: number; status: string; reasons?: { code: string; message: string }[] };

const sync = (body: Record<string, unknown>) => sb.post<Outcome>('/rest/v1/leads.json', body);
const byFilter = (query: string) => sb.json<Lead>(`/rest/v1/leads.json?${query}`);
const seededEmail = (id: number) => String(sb.store.lead(id)?.email);

describe('leads: get by id (§5.1)', () => {
  it('returns the default fields in real key order, empty ones as null', async () => {
    const body = await sb.json<Lead>('/rest/v1/lead/11.json');
    expect(body.success).toBe(true);
    const [lead] = body.result ?? [];
    expect(Object.keys(lead ?? {})).toEqual([
      'id',
      'firstName',
      'lastName',
      'email',
      'updatedAt',
      'createdAt',
    ]);
    expect(lead?.lastName).toBeNull(); // every 11th seeded lead has no last name
    expect(lead?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('returns id first, then the requested fields in request order; booleans never null', async () => {
    const body = await sb.json<Lead>(
      '/rest/v1/lead/3.json?fields=email,firstName,lastName,emailSuspended,sicCode',
    );
    const [lead] = body.result ?? [];
    expect(Object.keys(lead ?? {})).toEqual([
      'id',
      'email',
      'firstName',
      'lastName',
      'emailSuspended',
      'sicCode',
    ]);
    expect(lead?.emailSuspended).toBe(false);
    expect(lead?.sicCode).toBeNull();
  });

  it('returns an empty result for an unknown id', async () => {
    expect(await sb.json('/rest/v1/lead/99999999.json')).toMatchObject({
      success: true,
      result: [],
    });
  });

  it('refuses an unknown name in fields with response-level 1006', async () => {
    const body = await sb.json('/rest/v1/lead/1.json?fields=email,nope');
    expect(body).toMatchObject({
      success: false,
      errors: [{ code: '1006', message: "Field 'nope' not found" }],
    });
  });
});

describe('leads: get by filter (§5.2)', () => {
  it('matches emails case-insensitively and returns every duplicate', async () => {
    const email = seededEmail(DUP_EVERY);
    expect(seededEmail(DUP_EVERY - 1)).toBe(email);
    const body = await byFilter(
      `filterType=email&filterValues=${encodeURIComponent(email.toUpperCase())}`,
    );
    expect(body.result?.map((l) => l.id)).toEqual([DUP_EVERY - 1, DUP_EVERY]);
  });

  it('takes several comma-separated values; values that match nothing are just absent', async () => {
    const body = await byFilter('filterType=id&filterValues=5,nobody,6,99999999');
    expect(body).toMatchObject({ success: true });
    expect(body.result?.map((l) => l.id)).toEqual([5, 6]);
  });

  it('filters on any searchable field (custom string field)', async () => {
    const value = String(sb.store.lead(12)?.customString__c);
    const body = await byFilter(
      `filterType=customString__c&filterValues=${value}&fields=customString__c`,
    );
    expect(body.result?.length).toBeGreaterThan(1);
    expect(body.result?.every((l) => l.customString__c === value)).toBe(true);
  });

  it('pages with batchSize and a base32 nextPageToken bound to the same filter', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => i + 1).join(',');
    const first = await byFilter(`filterType=id&filterValues=${ids}&batchSize=3`);
    expect(first.result?.map((l) => l.id)).toEqual([1, 2, 3]);
    expect(first.nextPageToken).toMatch(/^[A-Z2-7]+=*$/);
    expect(first).not.toHaveProperty('moreResult');
    const second = await byFilter(
      `filterType=id&filterValues=${ids}&batchSize=3&nextPageToken=${first.nextPageToken}`,
    );
    expect(second.result?.map((l) => l.id)).toEqual([4, 5, 6]);
    const third = await byFilter(
      `filterType=id&filterValues=${ids}&batchSize=3&nextPageToken=${second.nextPageToken}`,
    );
    expect(third.result?.map((l) => l.id)).toEqual([7]);
    expect(third).not.toHaveProperty('nextPageToken');
    const foreign = await byFilter(
      `filterType=id&filterValues=1,2&nextPageToken=${first.nextPageToken}`,
    );
    expect(foreign.errors?.[0]).toEqual({ code: '1003', message: 'Invalid nextPageToken' });
  });

  it('refuses unsupported filter types with 1011', async () => {
    const body = await byFilter('filterType=createdAt&filterValues=2020-01-01');
    expect(body).toMatchObject({
      success: false,
      errors: [{ code: '1011', message: "Lookup field 'createdAt' not supported" }],
    });
  });

  it('refuses more than 300 values, batchSize over 300, and more than 1000 matches with 1003', async () => {
    const many = Array.from({ length: 301 }, (_, i) => i + 1).join(',');
    const values = await sb.json('/rest/v1/leads.json?_method=GET', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `filterType=id&filterValues=${many}`,
    });
    expect(values.errors?.[0]).toEqual({
      code: '1003',
      message: 'Batch size of 301 exceeds the maximum of 300',
    });
    const batch = await byFilter('filterType=id&filterValues=1&batchSize=301');
    expect(batch.errors?.[0]?.code).toBe('1003');
    const tooMany = await byFilter('filterType=leadPartitionId&filterValues=1');
    expect(tooMany.errors).toEqual([
      { code: '1003', message: 'Too many results match the filter' },
    ]);
  });
});

describe('leads: sync (§5.3)', () => {
  beforeEach(() => sb.reset({ data: true }));

  it('createOrUpdate creates, then updates, in input order', async () => {
    const body = await sync({
      action: 'createOrUpdate',
      lookupField: 'email',
      input: [
        { email: 'new.person@example.com', firstName: 'New' },
        { email: seededEmail(2), title: 'CTO' },
      ],
    });
    expect(Object.keys(body)).toEqual(['requestId', 'result', 'success']);
    expect(body.result).toEqual([
      { id: 3001, status: 'created' },
      { id: 2, status: 'updated' },
    ]);
    const [created] = await sb.leads({ email: 'NEW.person@example.com' });
    expect(created).toMatchObject({ id: 3001, firstName: 'New', email: 'new.person@example.com' });
    expect((await sb.stats()).leads).toMatchObject({ created: 1, updated: 1 });
  });

  it('skips with 1007 when the lookup value matches several leads', async () => {
    const body = await sync({ input: [{ email: seededEmail(DUP_EVERY * 2), firstName: 'X' }] });
    expect(body.result).toEqual([
      {
        status: 'skipped',
        reasons: [{ code: '1007', message: 'Multiple lead match lookup criteria' }],
      },
    ]);
  });

  it('createOnly skips existing leads with 1005; updateOnly skips unknown ones with 1004', async () => {
    const createOnly = await sync({ action: 'createOnly', input: [{ email: seededEmail(1) }] });
    expect(createOnly.result).toEqual([
      { status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] },
    ]);
    const updateOnly = await sync({
      action: 'updateOnly',
      input: [{ email: 'ghost@example.com' }],
    });
    expect(updateOnly.result).toEqual([
      { status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
  });

  it('createDuplicate always creates, with new increasing ids never reused after delete', async () => {
    const email = seededEmail(1);
    const body = await sync({ action: 'createDuplicate', input: [{ email }, { email }] });
    expect(body.result).toEqual([
      { id: 3001, status: 'created' },
      { id: 3002, status: 'created' },
    ]);
    await sb.post('/rest/v1/leads/delete.json', { input: [{ id: 3002 }] });
    const again = await sync({ action: 'createOnly', input: [{ email: 'fresh@example.com' }] });
    expect(again.result).toEqual([{ id: 3003, status: 'created' }]);
  });

  it('updates by id (lookupField id, updateOnly), including the email; a bad value skips with no id', async () => {
    const body = await sync({
      lookupField: 'id',
      action: 'updateOnly',
      input: [
        { id: 4, email: 'renamed@example.com', firstName: 'Sam' },
        { id: 5, email_field: 'bademail' },
      ],
    });
    expect(body.result).toEqual([
      { id: 4, status: 'updated' },
      {
        status: 'skipped',
        reasons: [
          { code: '1003', message: "Invalid value for field 'email_field' and value 'bademail'" },
        ],
      },
    ]);
    expect((await sb.leads({ email: 'renamed@example.com' }))[0]?.id).toBe(4);
  });

  it.each([
    ['integer_field', 14.1, '14.1'],
    ['float_field', '14c', '14c'],
    ['percent_field', '100%', '100%'],
    ['datetime_field', 'yesterday', 'yesterday'],
    ['boolean_field', 'other', 'other'],
    ['date_field', '2020-13-01', '2020-13-01'],
  ])('rejects %s = %j with 1003', async (field, value, shown) => {
    const body = await sync({ input: [{ email: seededEmail(8), [field]: value }] });
    expect(body.result).toEqual([
      {
        status: 'skipped',
        reasons: [
          { code: '1003', message: `Invalid value for field '${field}' and value '${shown}'` },
        ],
      },
    ]);
  });

  it('stores values as Marketo keeps them: datetimes to the second, null/"" clear, booleans never null', async () => {
    await sync({
      input: [
        {
          email: seededEmail(9),
          datetime_field: '2020-08-30T05:49:48.000Z',
          date_field: '2021-02-03',
          integer_field: '42',
          boolean_field: null,
          title: '',
          company: null,
          textarea_field: 'a, "b"\r\nc\u2028d 東京',
        },
      ],
    });
    const body = await sb.json<Lead>(
      '/rest/v1/lead/9.json?fields=datetime_field,date_field,integer_field,boolean_field,title,company,textarea_field',
    );
    expect(body.result?.[0]).toEqual({
      id: 9,
      datetime_field: '2020-08-30T05:49:48Z',
      date_field: '2021-02-03',
      integer_field: 42,
      boolean_field: false,
      title: null,
      company: null,
      textarea_field: 'a, "b"\r\nc\u2028d 東京',
    });
  });

  it('converts datetimes with offsets to UTC', async () => {
    await sync({ input: [{ email: seededEmail(10), datetime_field: '2018-03-28T18:05:00+0200' }] });
    expect((await sb.leads({ id: 10 }))[0]?.datetime_field).toBe('2018-03-28T16:05:00Z');
  });

  it('skips unknown fields (1006), read-only fields (1003) and a missing lookup value (1003)', async () => {
    const body = await sync({
      input: [
        { email: 'a@example.com', favouriteColour: 'blue' },
        { email: 'b@example.com', createdAt: '2020-01-01T00:00:00Z' },
        { firstName: 'NoEmail' },
        { email: 'c@example.com', id: 12 },
      ],
    });
    expect(body.result).toEqual([
      {
        status: 'skipped',
        reasons: [{ code: '1006', message: "Field 'favouriteColour' not found" }],
      },
      {
        status: 'skipped',
        reasons: [{ code: '1003', message: "Field 'createdAt' is not updateable" }],
      },
      {
        status: 'skipped',
        reasons: [{ code: '1003', message: "Value for lookup field 'email' not specified" }],
      },
      { status: 'skipped', reasons: [{ code: '1003', message: "Field 'id' is not updateable" }] },
    ]);
  });

  it('refuses more than 300 records, and an unsupported lookupField, at response level', async () => {
    const input = Array.from({ length: 301 }, (_, i) => ({ email: `x${i}@example.com` }));
    expect((await sync({ input })).errors).toEqual([
      { code: '1003', message: 'Batch size of 301 exceeds the maximum of 300' },
    ]);
    expect((await sync({ lookupField: 'firstName', input: [] })).errors).toEqual([
      { code: '1011', message: "Lookup field 'firstName' not supported" },
    ]);
  });

  it('creates leads in the named partition and dedupes within it', async () => {
    const email = seededEmail(1);
    const body = await sync({ partitionName: 'Mexico', input: [{ email }] });
    expect(body.result?.[0]).toEqual({ id: 3001, status: 'created' });
    expect((await sb.leads({ id: 3001 }))[0]?.leadPartitionId).toBe(2);
    const unknown = await sync({ partitionName: 'Atlantis', input: [{ email }] });
    expect(unknown.result?.[0]?.reasons?.[0]).toEqual({
      code: '1008',
      message: "Access denied to partition 'Atlantis'",
    });
  });

  it('GET on the sync path is a filter read; PUT is 605', async () => {
    const res = await sb.json('/rest/v1/leads.json', { method: 'PUT', body: '{}' });
    expect(res.errors?.[0]?.code).toBe('605');
  });
});

describe('leads: delete (§5.4)', () => {
  beforeEach(() => sb.reset({ data: true }));

  it('deletes by JSON input, reports unknown ids as skipped 1004, and removes list memberships', async () => {
    const memberOf =
      (await sb.json<{ listId: number }>('/rest/v1/leads/1/listMembership.json')).result ?? [];
    expect(memberOf.length).toBeGreaterThan(0);
    const body = await sb.post('/rest/v1/leads/delete.json', {
      input: [{ id: 1 }, { id: 99999999 }],
    });
    expect(body.result).toEqual([
      { id: 1, status: 'deleted' },
      { id: 99999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    expect(await sb.leads({ id: 1 })).toEqual([]);
    const listId = memberOf[0]?.listId;
    const check = await sb.json(`/rest/v1/lists/${listId}/leads/ismember.json?id=1`);
    expect(check.result?.[0]).toMatchObject({ id: 1, status: 'skipped' });
  });

  it('deletes by id query parameters when the body is empty', async () => {
    const res = await sb.api('/rest/v1/leads/delete.json?id=2,3', { method: 'POST' });
    expect(((await res.json()) as { result: unknown }).result).toEqual([
      { id: 2, status: 'deleted' },
      { id: 3, status: 'deleted' },
    ]);
  });
});

describe('leads: describe, partitions and list membership (§5.5, §5.6, §6.2)', () => {
  type Described = {
    id: number;
    displayName: string;
    dataType: string;
    length?: number;
    rest: { name: string; readOnly: boolean };
    soap?: { name: string; readOnly: boolean };
  };

  it('describe.json lists ~100 fields with real ids, every data type, length only for sized types', async () => {
    const fields = (await sb.json<Described>('/rest/v1/leads/describe.json')).result ?? [];
    expect(fields.length).toBeGreaterThanOrEqual(95);
    const byName = new Map(fields.map((f) => [f.rest.name, f]));
    expect(byName.get('email')).toEqual({
      id: 56,
      displayName: 'Email Address',
      dataType: 'email',
      length: 255,
      rest: { name: 'email', readOnly: false },
      soap: { name: 'Email', readOnly: false },
    });
    expect(byName.get('createdAt')).toEqual({
      id: 130,
      displayName: 'Created At',
      dataType: 'datetime',
      rest: { name: 'createdAt', readOnly: true },
    });
    for (const [name, id] of [
      ['firstName', 53],
      ['lastName', 55],
      ['updatedAt', 131],
      ['leadPartitionId', 479],
      ['id', 44],
    ] as const) {
      expect(byName.get(name)?.id).toBe(id);
    }
    const types = new Set(fields.map((f) => f.dataType));
    for (const t of [
      'string',
      'text',
      'email',
      'phone',
      'url',
      'integer',
      'float',
      'currency',
      'percent',
      'score',
      'boolean',
      'date',
      'datetime',
      'reference',
    ]) {
      expect(types).toContain(t);
    }
    for (const f of fields) {
      if (
        ['text', 'boolean', 'integer', 'datetime', 'date', 'float', 'currency'].includes(f.dataType)
      ) {
        expect(f).not.toHaveProperty('length');
      }
    }
  });

  it('describe2.json has one element with searchableFields as arrays of names', async () => {
    const [obj] =
      (
        await sb.json<{ name: string; searchableFields: string[][]; fields: unknown[] }>(
          '/rest/v1/leads/describe2.json',
        )
      ).result ?? [];
    expect(obj?.name).toBe('API Lead');
    expect(obj?.searchableFields).toEqual(
      expect.arrayContaining([
        ['email'],
        ['id'],
        ['cookies'],
        ['leadPartitionId'],
        ['customString__c'],
      ]),
    );
    expect(obj?.fields[0]).toHaveProperty('updateable');
  });

  it('schema/fields.json pages the catalogue; schema/fields/{name}.json gets one field', async () => {
    const first = await sb.json<{ name: string; isCustom: boolean }>(
      '/rest/v1/leads/schema/fields.json?batchSize=50',
    );
    expect(first.result).toHaveLength(50);
    expect(first.moreResult).toBe(true);
    const rest = await sb.json<{ name: string; isCustom: boolean }>(
      `/rest/v1/leads/schema/fields.json?nextPageToken=${first.nextPageToken}`,
    );
    expect(rest.moreResult).toBe(false);
    expect(rest.result?.some((f) => f.isCustom)).toBe(true);
    const one = await sb.json('/rest/v1/leads/schema/fields/email.json');
    expect(one.result?.[0]).toMatchObject({
      name: 'email',
      dataType: 'email',
      length: 255,
      isCustom: false,
    });
    expect((await sb.json('/rest/v1/leads/schema/fields/nope.json')).errors?.[0]?.code).toBe(
      '1006',
    );
  });

  it('partitions.json lists the partitions', async () => {
    expect((await sb.json('/rest/v1/leads/partitions.json')).result).toEqual([
      { id: 1, name: 'Default', description: 'Initial system lead partition' },
      { id: 2, name: 'Mexico', description: 'Leads that live in Mexico' },
    ]);
  });

  it('listMembership.json lists the lead’s static lists with timestamps', async () => {
    const body = await sb.json<{ listId: number; createdAt: string; updatedAt: string }>(
      '/rest/v1/leads/1/listMembership.json',
    );
    expect(body.success).toBe(true);
    expect(body.moreResult).toBe(false);
    expect(body.result?.[0]).toEqual({
      listId: 1001,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
  });
});
