import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 2000 });
});
afterAll(() => sb.close());

type Activity = {
  id: number;
  marketoGUID: string;
  leadId: number;
  activityDate: string;
  activityTypeId: number;
  attributes: { name: string; value: unknown }[];
};
const since = (ms: number) => encodeURIComponent(new Date(ms).toISOString());

describe('activities: types and paging tokens (§5.7)', () => {
  it('types.json lists the standard types with primary attribute and attributes', async () => {
    const types =
      (
        await sb.json<{ id: number; name: string; attributes: unknown[] }>(
          '/rest/v1/activities/types.json',
        )
      ).result ?? [];
    expect(types.map((t) => t.id)).toEqual(
      expect.arrayContaining([1, 2, 6, 7, 9, 12, 13, 24, 25, 37, 104]),
    );
    expect(types.find((t) => t.id === 1)).toMatchObject({
      name: 'Visit Webpage',
      primaryAttribute: { name: 'Webpage ID', dataType: 'integer' },
    });
  });

  it('pagingtoken.json answers only a nextPageToken (no result)', async () => {
    const body = await sb.json(
      `/rest/v1/activities/pagingtoken.json?sinceDatetime=${since(sb.clock.now() - 86_400_000)}`,
    );
    expect(Object.keys(body)).toEqual(['requestId', 'success', 'nextPageToken']);
    expect(body.nextPageToken).toMatch(/^[A-Z2-7]+=*$/);
  });
});

describe('activities: pages of activities', () => {
  it('pages in date order with nextPageToken and moreResult, filtered by type', async () => {
    const start = await sb.json(
      `/rest/v1/activities/pagingtoken.json?sinceDatetime=${since(sb.clock.now() - 60 * 86_400_000)}`,
    );
    let token = start.nextPageToken;
    const seen: Activity[] = [];
    for (let page = 0; page < 3; page++) {
      const body = await sb.json<Activity>(
        `/rest/v1/activities.json?activityTypeIds=1,6,12&batchSize=50&nextPageToken=${token}`,
      );
      expect(body.success).toBe(true);
      expect(body.moreResult).toBe(true);
      expect(body.result).toHaveLength(50);
      seen.push(...(body.result ?? []));
      token = body.nextPageToken;
    }
    expect(new Set(seen.map((a) => a.marketoGUID)).size).toBe(150);
    expect(seen.every((a) => [1, 6, 12].includes(a.activityTypeId))).toBe(true);
    const dates = seen.map((a) => a.activityDate);
    expect([...dates].sort()).toEqual(dates);
    expect(seen[0]?.attributes[0]).toHaveProperty('name');
  });

  it('shows activities of API changes; an exhausted stream has no result and moreResult false', async () => {
    const start = await sb.json(
      `/rest/v1/activities/pagingtoken.json?sinceDatetime=${since(sb.clock.now() - 1000)}`,
    );
    await sb.post('/rest/v1/leads.json', { input: [{ email: 'act@example.com' }] });
    const body = await sb.json<Activity>(
      `/rest/v1/activities.json?activityTypeIds=12&nextPageToken=${start.nextPageToken}`,
    );
    expect(body.result).toEqual([expect.objectContaining({ leadId: 2001, activityTypeId: 12 })]);
    expect(body.moreResult).toBe(false);
    const after = await sb.json(
      `/rest/v1/activities.json?activityTypeIds=12&nextPageToken=${body.nextPageToken}`,
    );
    expect(after).not.toHaveProperty('result');
    expect(after).toMatchObject({ success: true, moreResult: false });
  });

  it('refuses a missing activityTypeIds, more than 10 types or 30 leads, and a bad token', async () => {
    const start = await sb.json(
      `/rest/v1/activities/pagingtoken.json?sinceDatetime=${since(sb.clock.now())}`,
    );
    expect(
      (await sb.json(`/rest/v1/activities.json?nextPageToken=${start.nextPageToken}`)).errors?.[0]
        ?.code,
    ).toBe('1002');
    const types = Array.from({ length: 11 }, (_, i) => i + 1).join(',');
    expect(
      (
        await sb.json(
          `/rest/v1/activities.json?activityTypeIds=${types}&nextPageToken=${start.nextPageToken}`,
        )
      ).errors?.[0]?.code,
    ).toBe('1003');
    expect(
      (await sb.json('/rest/v1/activities.json?activityTypeIds=1&nextPageToken=NOTATOKEN'))
        .errors?.[0],
    ).toEqual({
      code: '1003',
      message: 'Invalid nextPageToken',
    });
  });
});

const tokenAt = async (box: TestSandbox, ms: number) =>
  (await box.json(`/rest/v1/activities/pagingtoken.json?sinceDatetime=${since(ms)}`))
    .nextPageToken as string;

type Change = Activity & {
  fields: { id: number; name: string; newValue: unknown; oldValue: unknown }[];
};

describe('activities: every API write is recorded', () => {
  it('create, update, list add/remove, campaign request and delete, with their values', async () => {
    const start = await tokenAt(sb, sb.clock.now() - 1000);
    const created = await sb.post<{ id: number }>('/rest/v1/leads.json', {
      input: [{ email: 'rec@example.com', firstName: 'Ada' }],
    });
    const id = created.result?.[0]?.id as number;
    await sb.post('/rest/v1/leads.json', {
      action: 'updateOnly',
      lookupField: 'id',
      input: [{ id, firstName: 'Grace', lastName: 'Hopper' }],
    });
    await sb.post('/rest/v1/lists/1002/leads.json', { input: [{ id }] });
    await sb.api(`/rest/v1/lists/1002/leads.json?id=${id}`, { method: 'DELETE' });
    await sb.post('/rest/v1/campaigns/1102/trigger.json', { input: { leads: [{ id }] } });
    await sb.post('/rest/v1/leads/delete.json', { input: [{ id }] });

    const body = await sb.json<Activity & Record<string, unknown>>(
      `/rest/v1/activities.json?activityTypeIds=12,13,24,25,47,37&leadIds=${id}&nextPageToken=${start}`,
    );
    const seen = (body.result ?? []).map((a) => ({
      type: a.activityTypeId,
      primary: a.primaryAttributeValue,
      attributes: Object.fromEntries(a.attributes.map((x) => [x.name, x.value])),
    }));
    expect(seen).toEqual([
      { type: 12, primary: undefined, attributes: { 'Source Type': 'Web service API' } },
      {
        type: 13,
        primary: 'First Name',
        attributes: { 'New Value': 'Grace', 'Old Value': 'Ada', Reason: 'Web service API' },
      },
      {
        type: 13,
        primary: 'Last Name',
        attributes: { 'New Value': 'Hopper', 'Old Value': null, Reason: 'Web service API' },
      },
      { type: 24, primary: 'Newsletter Subscribers', attributes: { Source: 'Web service API' } },
      { type: 25, primary: 'Newsletter Subscribers', attributes: { Source: 'Web service API' } },
      { type: 47, primary: 'Welcome Email (API)', attributes: { Source: 'Web service API' } },
      { type: 37, primary: 'Grace Hopper', attributes: { 'Remove from CRM': false } },
    ]);
    expect(body.result?.find((a) => a.activityTypeId === 47)).toMatchObject({
      campaignId: 1102,
      primaryAttributeValueId: 1102,
    });
  });
});

describe('activities: lead changes and deleted leads', () => {
  it('leadchanges.json requires fields and answers old and new values of those fields only', async () => {
    const start = await tokenAt(sb, sb.clock.now() - 1000);
    expect(
      (await sb.json(`/rest/v1/activities/leadchanges.json?nextPageToken=${start}`)).errors?.[0]
        ?.code,
    ).toBe('1002');
    expect(
      (await sb.json(`/rest/v1/activities/leadchanges.json?fields=nope&nextPageToken=${start}`))
        .errors?.[0],
    ).toEqual({ code: '1006', message: "Field 'nope' not found" });

    const made = await sb.post<{ id: number }>('/rest/v1/leads.json', {
      input: [{ email: 'changes@example.com', firstName: 'Old', city: 'Lyon' }],
    });
    const id = made.result?.[0]?.id as number;
    await sb.post('/rest/v1/leads.json', {
      action: 'updateOnly',
      lookupField: 'id',
      input: [{ id, firstName: 'New', city: 'Paris' }],
    });
    const body = await sb.json<Change>(
      `/rest/v1/activities/leadchanges.json?fields=firstName,email&leadIds=${id}&nextPageToken=${start}`,
    );
    expect(body.moreResult).toBe(false);
    expect(body.result?.map((c) => [c.activityTypeId, c.fields])).toEqual([
      [
        12,
        [
          {
            id: expect.any(Number),
            name: 'email',
            newValue: 'changes@example.com',
            oldValue: null,
          },
          { id: expect.any(Number), name: 'firstName', newValue: 'Old', oldValue: null },
        ],
      ],
      [13, [{ id: expect.any(Number), name: 'firstName', newValue: 'New', oldValue: 'Old' }]],
    ]);
    expect(body.result?.[1]?.attributes).toEqual([{ name: 'Reason', value: 'Web service API' }]);
  });

  it('deletedleads.json pages Delete Lead activities', async () => {
    // The token at the end of the stream (tokens have one-second resolution; earlier tests deleted).
    const drained = await sb.json(
      `/rest/v1/activities/deletedleads.json?nextPageToken=${await tokenAt(sb, sb.clock.now() - 1000)}`,
    );
    expect(drained.moreResult).toBe(false);
    const start = drained.nextPageToken as string;
    await sb.post('/rest/v1/leads/delete.json', { input: [{ id: 7 }, { id: 8 }] });
    const body = await sb.json<Activity>(
      `/rest/v1/activities/deletedleads.json?batchSize=1&nextPageToken=${start}`,
    );
    expect(body.result?.map((a) => [a.leadId, a.activityTypeId])).toEqual([[7, 37]]);
    expect(body.moreResult).toBe(true);
    const rest = await sb.json<Activity>(
      `/rest/v1/activities/deletedleads.json?nextPageToken=${body.nextPageToken}`,
    );
    expect(rest.result?.map((a) => a.leadId)).toEqual([8]);
    expect(rest.moreResult).toBe(false);
  });
});

describe('activities: short and empty pages while moreResult is true', () => {
  it('examines a bounded stretch per call, so pages can be empty before the matches', async () => {
    const box = await startTestSandbox({ leads: 500, activityScanLimit: 4 });
    try {
      const start = await tokenAt(box, box.clock.now() - 1000);
      for (let i = 0; i < 6; i++) {
        await box.post('/rest/v1/lists/1007/leads.json', { input: [{ id: 100 + i }] });
      }
      await box.post('/rest/v1/leads.json', { input: [{ email: 'late@example.com' }] });
      const pages: { n: number; more: boolean | undefined }[] = [];
      const leads: number[] = [];
      let token = start;
      for (let i = 0; i < 10; i++) {
        const body = await box.json<Activity>(
          `/rest/v1/activities.json?activityTypeIds=12&nextPageToken=${token}`,
        );
        pages.push({ n: body.result?.length ?? 0, more: body.moreResult });
        leads.push(...(body.result ?? []).map((a) => a.leadId));
        token = body.nextPageToken as string;
        if (!body.moreResult) break;
      }
      expect(pages).toEqual([
        { n: 0, more: true },
        { n: 1, more: false },
      ]);
      expect(leads).toEqual([501]);
    } finally {
      await box.close();
    }
  });
});

describe('activities: listId of 10,000 leads or more (from 30 September 2026)', () => {
  it('answers 1003 for a list of ≥ 10,000 leads once the sandbox clock passes the date', async () => {
    const big = await startTestSandbox({ leads: 10_000 });
    const before = await startTestSandbox({
      leads: 10_000,
      startAt: Date.parse('2026-09-29T12:00:00Z'),
    });
    try {
      const call = async (box: TestSandbox, listId: number) =>
        box.json(
          `/rest/v1/activities.json?activityTypeIds=1&listId=${listId}&nextPageToken=${await tokenAt(box, box.clock.now() - 1000)}`,
        );
      const refused = await call(big, 1031);
      expect(refused.errors?.[0]?.code).toBe('1003');
      expect(refused.errors?.[0]?.message).toMatch(/10000/);
      expect((await call(big, 1002)).success).toBe(true);
      expect((await call(before, 1031)).success).toBe(true);
    } finally {
      await Promise.all([big.close(), before.close()]);
    }
  });
});
