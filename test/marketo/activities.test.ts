/**
 * The client's activity calls over real HTTP against the sandbox: one call each, sent as Adobe
 * documents them; the call plan for more than 10 types or 30 leads; reading through empty pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activityCallPlan,
  readActivities,
  readAllPages,
  readLeadChanges,
} from '../../src/marketo/activities.js';
import { MarketoError } from '../../src/marketo/errors.js';
import { type Harness, startHarness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sandbox: { activityScanLimit: 50 } });
});
afterAll(async () => {
  await h?.close();
});

const calls = async (endpoint: string) => (await h.stats()).calls.byEndpoint[endpoint] ?? 0;

describe('activity calls: one call each', () => {
  it('types with primary attribute and attributes', async () => {
    const types = await h.client.getActivityTypes();
    expect(types.find((t) => t.id === 13)).toEqual({
      id: 13,
      name: 'Change Data Value',
      description: 'Changed attribute value for a person',
      primaryAttribute: { name: 'Attribute Name', dataType: 'integer' },
      attributes: [
        { name: 'New Value', dataType: 'string' },
        { name: 'Old Value', dataType: 'string' },
        { name: 'Reason', dataType: 'string' },
      ],
    });
  });

  it('a paging token, then pages of activities, lead changes and deleted leads', async () => {
    const token = await h.client.getPagingToken(new Date(h.sandbox.clock.now() - 1000));
    const [lead] = await h.client.syncLeads([{ email: 'client-act@example.com', city: 'Oslo' }]);
    await h.client.syncLeads([{ id: lead?.id, city: 'Bergen' }], {
      action: 'updateOnly',
      lookupField: 'id',
    });
    const page = await h.client.getActivitiesPage({
      nextPageToken: token,
      activityTypeIds: [12, 13],
      leadIds: [lead?.id as number],
    });
    expect(page.items.map((a) => a.activityTypeId)).toEqual([12, 13]);
    expect(page.items[1]?.attributes).toContainEqual({ name: 'New Value', value: 'Bergen' });
    const changes = await h.client.getLeadChangesPage({
      nextPageToken: token,
      fields: ['city'],
      leadIds: [lead?.id as number],
    });
    expect(changes.items.map((c) => c.fields)).toEqual([
      [{ id: expect.any(Number), name: 'city', newValue: 'Oslo', oldValue: null }],
      [{ id: expect.any(Number), name: 'city', newValue: 'Bergen', oldValue: 'Oslo' }],
    ]);
    await h.client.deleteLeads([lead?.id as number]);
    const deleted = await readAllPages(
      (nextPageToken) => h.client.getDeletedLeadsPage({ nextPageToken }),
      token,
    );
    expect(deleted.items.map((a) => a.leadId)).toEqual([lead?.id]);
  });

  it('refuses more than 10 types or 30 leads before sending', async () => {
    const before = (await h.stats()).calls.total;
    const types = Array.from({ length: 11 }, (_, i) => i + 1);
    await expect(
      h.client.getActivitiesPage({ nextPageToken: 'X', activityTypeIds: types }),
    ).rejects.toBeInstanceOf(MarketoError);
    await expect(
      h.client.getLeadChangesPage({
        nextPageToken: 'X',
        fields: ['email'],
        leadIds: Array.from({ length: 31 }, (_, i) => i + 1),
      }),
    ).rejects.toMatchObject({ code: '1003' });
    expect((await h.stats()).calls.total).toBe(before);
  });
});

describe('activity calls: chunking', () => {
  it('plans ⌈types/10⌉ × ⌈leads/30⌉ balanced calls', () => {
    const plan = activityCallPlan(
      Array.from({ length: 11 }, (_, i) => i + 1),
      Array.from({ length: 61 }, (_, i) => i + 1),
    );
    expect(plan).toHaveLength(2 * 3);
    expect(plan.map((c) => [c.activityTypeIds.length, c.leadIds?.length])).toEqual([
      [6, 21],
      [6, 21],
      [6, 19],
      [5, 21],
      [5, 21],
      [5, 19],
    ]);
    expect(activityCallPlan([1, 2])).toEqual([{ activityTypeIds: [1, 2] }]);
  });

  it('reads 31 leads × 11 types in 2 × 2 call sequences, every page until moreResult is false', async () => {
    const token = await h.client.getPagingToken(new Date(h.sandbox.clock.now() - 1000));
    const leadIds = Array.from({ length: 31 }, (_, i) => 300 + i);
    await h.client.addLeadsToList(1007, leadIds);
    const before = await calls('GET /rest/v1/activities.json');
    const types = [1, 2, 6, 7, 9, 12, 13, 24, 25, 37, 47];
    const read = await readActivities(h.client, {
      nextPageToken: token,
      activityTypeIds: types,
      leadIds,
    });
    expect(read.chunks).toBe(4);
    expect(
      read.items
        .filter((a) => a.activityTypeId === 24)
        .map((a) => a.leadId)
        .sort(),
    ).toEqual(leadIds);
    expect((await calls('GET /rest/v1/activities.json')) - before).toBe(read.calls);
    expect(read.calls).toBe(4);

    const changes = await readLeadChanges(h.client, {
      nextPageToken: token,
      fields: ['email'],
      leadIds,
    });
    expect(changes.chunks).toBe(2);
  });

  it('follows empty pages (moreResult true) to the end', async () => {
    // Request Campaign is never seeded: each stretch of 50 seeded activities gives an empty page.
    // Ten days of seeded history (15–25 activities a day: several scans of 50), counted from its
    // end (UTC midnight), not from now: three days back from now held fewer than two scans late
    // in the day.
    const DAY = 86_400_000;
    const seededEnd = Math.floor(h.sandbox.clock.now() / DAY) * DAY;
    const token = await h.client.getPagingToken(new Date(seededEnd - 10 * DAY));
    await h.client.triggerCampaign(1102, [5]);
    const pages: number[] = [];
    const read = await readAllPages(async (nextPageToken) => {
      const page = await h.client.getActivitiesPage({ nextPageToken, activityTypeIds: [47] });
      pages.push(page.items.length);
      return page;
    }, token);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.slice(0, -1).every((n) => n === 0)).toBe(true);
    expect(read.items.map((a) => [a.leadId, a.campaignId])).toEqual([[5, 1102]]);
    expect(read.moreResult).toBe(false);
    expect(read.calls).toBe(pages.length);
  });
});
