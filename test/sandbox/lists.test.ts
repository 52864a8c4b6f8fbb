import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 2000 });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset({ data: true }));

type List = { id: number; name: string; programName?: string; workspaceName: string };
type Status = { id: number; status: string; reasons?: { code: string; message: string }[] };

const members = async (listId: number) =>
  (
    (await (await fetch(`${sb.url}/__sandbox/lists/${listId}/members`)).json()) as {
      leadIds: number[];
    }
  ).leadIds;

describe('lists: query static lists (§6.1)', () => {
  it('lists.json returns list records in Marketo’s shape, paged by batchSize', async () => {
    const first = await sb.json<List>('/rest/v1/lists.json?batchSize=20');
    expect(first.result).toHaveLength(20);
    expect(first.nextPageToken).toMatch(/^[A-Z2-7]+=*$/);
    const rest = await sb.json<List>(
      `/rest/v1/lists.json?batchSize=20&nextPageToken=${first.nextPageToken}`,
    );
    expect(rest.result).toHaveLength(11);
    expect(rest).not.toHaveProperty('nextPageToken');
    const [lions] = first.result ?? [];
    expect(Object.keys(lions ?? {})).toEqual([
      'id',
      'name',
      'description',
      'programName',
      'workspaceId',
      'workspaceName',
      'createdAt',
      'updatedAt',
    ]);
    expect(lions).toMatchObject({
      id: 1001,
      name: 'Lions',
      programName: 'API Test Program',
      workspaceId: 1,
      workspaceName: 'Default',
    });
  });

  it('filters by id, name, programName and workspaceName (comma-separated)', async () => {
    const ids = await sb.json<List>('/rest/v1/lists.json?id=1002,1005');
    expect(ids.result?.map((l) => l.id)).toEqual([1002, 1005]);
    const named = await sb.json<List>(
      `/rest/v1/lists.json?name=${encodeURIComponent('Lions,Empty List')}`,
    );
    expect(named.result?.map((l) => l.name)).toEqual(['Lions', 'Empty List']);
    const program = await sb.json<List>('/rest/v1/lists.json?programName=API%20Test%20Program');
    expect(program.result?.every((l) => l.programName === 'API Test Program')).toBe(true);
    const europe = await sb.json<List>('/rest/v1/lists.json?workspaceName=Europe');
    expect(europe.result?.length).toBeGreaterThan(0);
    expect(europe.result?.every((l) => l.workspaceName === 'Europe')).toBe(true);
  });

  it('lists/{id}.json returns one list; an unknown id is 1013', async () => {
    expect((await sb.json<List>('/rest/v1/lists/1001.json')).result?.[0]?.name).toBe('Lions');
    expect(await sb.json('/rest/v1/lists/9.json')).toMatchObject({
      success: false,
      errors: [{ code: '1013', message: 'Static list not found' }],
    });
  });
});

describe('lists: members (§6.2)', () => {
  it('pages members ordered by lead id with default fields', async () => {
    const all = await members(1003);
    expect(all.length).toBeGreaterThan(5);
    const first = await sb.json<{ id: number }>('/rest/v1/lists/1003/leads.json?batchSize=5');
    expect(first.result?.map((l) => l.id)).toEqual(all.slice(0, 5));
    expect(Object.keys(first.result?.[0] ?? {})).toEqual([
      'id',
      'firstName',
      'lastName',
      'email',
      'updatedAt',
      'createdAt',
    ]);
    const second = await sb.json<{ id: number }>(
      `/rest/v1/lists/1003/leads.json?batchSize=5&nextPageToken=${first.nextPageToken}`,
    );
    expect(second.result?.map((l) => l.id)).toEqual(all.slice(5, 10));
  });

  it('answers the legacy /rest/v1/list/{id}/leads.json alias, also as POST _method=GET with a form body', async () => {
    const body = await sb.json<{ id: number }>('/rest/v1/list/1001/leads.json', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'listId=1001&_method=GET&fields=email',
    });
    expect(body.result?.map((l) => l.id)).toEqual(await members(1001));
    expect(Object.keys(body.result?.[0] ?? {})).toEqual(['id', 'email']);
  });

  it('adds by JSON input: added (also when already a member), skipped 1004 for unknown leads', async () => {
    const [existing] = await members(1001);
    const body = await sb.post<Status>('/rest/v1/lists/1007/leads.json', {
      input: [{ id: 10 }, { id: existing }, { id: 10 }, { id: 99999999 }],
    });
    expect(body.result).toEqual([
      { id: 10, status: 'added' },
      { id: existing, status: 'added' },
      { id: 10, status: 'added' },
      { id: 99999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    expect(await members(1007)).toEqual([existing, 10].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('adds by repeated id= query parameters', async () => {
    const res = await sb.api('/rest/v1/lists/1007/leads.json?id=11&id=12', { method: 'POST' });
    expect(((await res.json()) as { result: Status[] }).result.map((r) => r.status)).toEqual([
      'added',
      'added',
    ]);
  });

  it('removes with DELETE: removed, skipped 1015 for non-members', async () => {
    const [member] = await members(1001);
    const res = await sb.api(`/rest/v1/lists/1001/leads.json?id=${member}&id=1999`, {
      method: 'DELETE',
    });
    expect(((await res.json()) as { result: Status[] }).result).toEqual([
      { id: member, status: 'removed' },
      { id: 1999, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
    ]);
    expect(await members(1001)).not.toContain(member);
  });

  it('ismember.json answers memberof / notmemberof / skipped 1004', async () => {
    const [member] = await members(1001);
    const body = await sb.json<Status>(
      `/rest/v1/lists/1001/leads/ismember.json?id=${member}&id=1999&id=99999999`,
    );
    expect(body.result).toEqual([
      { id: member, status: 'memberof' },
      { id: 1999, status: 'notmemberof' },
      { id: 99999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
  });

  it('ismember.json also takes POST _method=GET with a JSON input', async () => {
    const [member] = await members(1001);
    const res = await sb.api('/rest/v1/lists/1001/leads/ismember.json?_method=GET', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: [{ id: member }] }),
    });
    expect(((await res.json()) as { result: Status[] }).result).toEqual([
      { id: member, status: 'memberof' },
    ]);
  });

  it('refuses more than 300 ids (1003) and unknown lists (1013)', async () => {
    const input = Array.from({ length: 301 }, (_, i) => ({ id: i + 1 }));
    expect((await sb.post('/rest/v1/lists/1001/leads.json', { input })).errors).toEqual([
      { code: '1003', message: 'Batch size of 301 exceeds the maximum of 300' },
    ]);
    expect(
      (await sb.post('/rest/v1/lists/9/leads.json', { input: [{ id: 1 }] })).errors?.[0]?.code,
    ).toBe('1013');
    expect((await sb.json('/rest/v1/lists/9/leads.json')).errors?.[0]?.code).toBe('1013');
  });
});
