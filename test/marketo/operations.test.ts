/**
 * Every operation of the Marketo client, over real HTTP against the sandbox: what it sends, what it
 * returns, and that the sandbox's own records agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/marketo/api.js';
import { MarketoError } from '../../src/marketo/errors.js';
import { createTransport, readAll } from '../../src/marketo/transport.js';
import { type Harness, startHarness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('leads', () => {
  it('gets leads by id with only the fields asked for', async () => {
    const leads = await h.client.getLeadsByIds([3, 1, 2, 999_999], ['email', 'firstName']);
    expect(leads.map((l) => l.id).sort()).toEqual([1, 2, 3]);
    for (const lead of leads)
      expect(Object.keys(lead).sort()).toEqual(['email', 'firstName', 'id']);
  });

  it('gets leads by a filter field, every value in one call', async () => {
    const stored = await h.storedLeads({ id: [10, 11, 12] });
    const emails = stored.map((l) => String(l.email));
    const leads = await h.client.getLeadsByFilter(
      'email',
      [...emails, 'nobody@example.com'],
      ['email'],
    );
    expect(leads.map((l) => l.id).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it('upserts by lookup field and returns one result per row in input order', async () => {
    const results = await h.client.syncLeads(
      [
        { email: 'ops.new.1@example.com', firstName: 'New' },
        { email: 'bademail', firstName: 'Bad' },
        { email: 'ops.new.1@example.com', lastName: 'Again' },
      ],
      { action: 'createOrUpdate', lookupField: 'email' },
    );
    expect(results.map((r) => r.status)).toEqual(['created', 'skipped', 'updated']);
    expect(results[1]?.reasons?.[0]?.code).toBe('1003');
    expect(results[2]?.id).toBe(results[0]?.id);
  });

  it('deletes leads, reporting unknown ids as skipped', async () => {
    const [created] = await h.client.syncLeads([{ email: 'ops.delete@example.com' }]);
    const results = await h.client.deleteLeads([created?.id ?? 0, 999_999]);
    expect(results[0]).toEqual({ id: created?.id, status: 'deleted' });
    expect(results[1]?.status).toBe('skipped');
    expect(await h.storedLeads({ id: [created?.id ?? 0] })).toEqual([]);
  });

  it('describes lead fields, marking the searchable ones', async () => {
    const fields = await h.client.describeLeads();
    const email = fields.find((f) => f.name === 'email');
    expect(email).toMatchObject({ dataType: 'email', searchable: true, readOnly: false });
    expect(fields.find((f) => f.name === 'createdAt')).toMatchObject({ readOnly: true });
    expect(fields.length).toBeGreaterThan(50);
  });

  it('lists partitions', async () => {
    expect((await h.client.getPartitions())[0]).toEqual({
      id: 1,
      name: 'Default',
      description: 'Initial system lead partition',
    });
  });

  it("lists a lead's static list memberships", async () => {
    await h.client.addLeadsToList(1001, [5]);
    const memberships = await h.client.getListMembershipOfLead(5);
    expect(memberships.map((m) => m.listId)).toContain(1001);
  });
});

describe('static lists', () => {
  it('pages through lists with nextPageToken', async () => {
    const first = await h.client.getLists({}, { batchSize: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextPageToken).toBeTruthy();
    const second = await h.client.getLists(
      {},
      { batchSize: 2, nextPageToken: first.nextPageToken },
    );
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it('filters lists and gets one by id, null when unknown', async () => {
    const page = await h.client.getLists({ ids: [1001] });
    expect(page.items.map((l) => l.id)).toEqual([1001]);
    expect(await h.client.getList(1001)).toMatchObject({ id: 1001, name: page.items[0]?.name });
    expect(await h.client.getList(987_654)).toBeNull();
  });

  it('adds, checks and removes members with per-id statuses in input order', async () => {
    const listId = 1002;
    const added = await h.client.addLeadsToList(listId, [20, 21, 999_999]);
    expect(added.map((r) => r.status)).toEqual(['added', 'added', 'skipped']);
    const member = await h.client.isMemberOfList(listId, [21, 22, 20]);
    expect(member.map((r) => r.status)).toEqual(['memberof', 'notmemberof', 'memberof']);
    const removed = await h.client.removeLeadsFromList(listId, [20, 22]);
    expect(removed.map((r) => r.status)).toEqual(['removed', 'skipped']);
    expect(removed[1]?.reasons?.[0]?.code).toBe('1015');
    const members = await h.listMembers(listId);
    expect(members).toContain(21);
    expect(members).not.toContain(20);
  });

  it('reads list members page by page with the fields asked for', async () => {
    await h.client.addLeadsToList(1003, [30, 31, 32]);
    const page = await h.client.getListLeads(1003, ['email'], { batchSize: 2 });
    expect(page.items).toHaveLength(2);
    expect(Object.keys(page.items[0] ?? {}).sort()).toEqual(['email', 'id']);
    expect(page.nextPageToken).toBeTruthy();
  });
});

describe('smart campaigns', () => {
  it('lists campaigns, filters triggerable ones, and gets one by id', async () => {
    const all = await h.client.getCampaigns();
    expect(all.items.length).toBeGreaterThan(1);
    const triggerable = await h.client.getCampaigns({ isTriggerable: true });
    expect(triggerable.items.every((c) => c.type === 'trigger' && c.active)).toBe(true);
    const one = all.items[0];
    expect(await h.client.getCampaign(one?.id ?? 0)).toMatchObject({
      id: one?.id,
      name: one?.name,
    });
    expect(await h.client.getCampaign(987_654)).toBeNull();
  });

  it('triggers a campaign for 250 leads in 3 calls of at most 100', async () => {
    const campaign = (await h.client.getCampaigns({ isTriggerable: true })).items[0];
    const before = await h.stats();
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const { calls } = await h.client.triggerCampaign(campaign?.id ?? 0, ids, [
      { name: '{{my.message}}', value: 'Hello' },
    ]);
    expect(calls).toBe(3);
    const after = await h.stats();
    expect(after.campaignTriggers - before.campaignTriggers).toBe(3);
  });

  it('schedules a batch campaign', async () => {
    const batch = (await h.client.getCampaigns()).items.find((c) => c.type === 'batch');
    const before = (await h.campaignRuns(batch?.id)).schedules.length;
    await h.client.scheduleCampaign(batch?.id ?? 0, {
      tokens: [{ name: '{{my.subject}}', value: 'Hi' }],
    });
    expect((await h.campaignRuns(batch?.id)).schedules.length).toBe(before + 1);
  });

  it('surfaces Marketo errors as MarketoError with code, message and requestId', async () => {
    const batch = (await h.client.getCampaigns()).items.find((c) => c.type === 'batch');
    const error = await h.client.triggerCampaign(batch?.id ?? 0, [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MarketoError);
    expect(error).toMatchObject({
      code: '1003',
      endpoint: 'POST /rest/v1/campaigns/{id}/trigger.json',
    });
    expect((error as MarketoError).requestId).toMatch(/^[0-9a-f]+#[0-9a-f]+$/);
  });
});

describe('usage and limiter state', () => {
  it("reads today's usage and the local limiter snapshot", async () => {
    const usage = await h.client.getUsage();
    expect(usage[0]?.total).toBeGreaterThan(0);
    const snapshot = await h.client.limiterSnapshot();
    expect(snapshot).toMatchObject({
      maxConcurrency: 10,
      rateLimit: 100,
      dailyQuota: 50_000,
      shared: false,
    });
    expect(snapshot.callsToday).toBeGreaterThan(0);
  });
});

describe('call context', () => {
  it('reports each call to the tracker with a normalised endpoint', async () => {
    const calls: CallRecord[] = [];
    const api = h.client.withContext({
      tracker: { record: (c) => calls.push(c) },
      principal: 'key-1',
    });
    await api.getLeadsByIds([1, 2], ['email']);
    await api.getList(1001);
    expect(calls).toEqual([
      expect.objectContaining({
        endpoint: 'GET /rest/v1/leads.json',
        recordsSent: 2,
        recordsRead: 2,
        attempts: 1,
      }),
      expect.objectContaining({ endpoint: 'GET /rest/v1/lists/{id}.json', recordsRead: 1 }),
    ]);
    expect(calls[0]?.errorCode).toBeUndefined();
  });

  it('honours the caller’s AbortSignal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await h.client
      .withContext({ signal: controller.signal })
      .getLeadsByIds([1])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
  });
});

describe('transport', () => {
  it('asks for gzip and decodes it (describe.json comes back compressed)', async () => {
    const identity = await fetch(`${h.sandbox.url}/identity/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: h.sandbox.clientId,
        client_secret: h.sandbox.clientSecret,
      }),
    });
    const { access_token: token } = (await identity.json()) as { access_token: string };
    const transport = createTransport({
      origin: h.sandbox.url,
      connections: 1,
      keepAliveTimeoutMs: 10,
    });
    try {
      const response = await transport.send({
        method: 'GET',
        path: '/rest/v1/leads/describe.json',
        headers: { authorization: `Bearer ${token}` },
        timeoutMs: 5_000,
      });
      expect(response.headers['content-encoding']).toBe('gzip');
      const body = JSON.parse((await readAll(response.body)).toString('utf8')) as {
        success: boolean;
      };
      expect(body.success).toBe(true);
    } finally {
      await transport.close();
    }
  });

  it('fails calls after close with a MarketoError', async () => {
    const client = h.newClient();
    await client.close();
    await expect(client.getLeadsByIds([1])).rejects.toBeInstanceOf(MarketoError);
  });
});
