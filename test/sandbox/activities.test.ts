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
