/**
 * Marketo's limits are law: the client keeps within concurrency, the rolling rate window and the
 * daily quota on its own, shares one token, and spends the fewest calls — checked against the
 * sandbox's own counters (`/__sandbox/stats`), never against the client's opinion of itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, type SandboxStats, startHarness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeScale: 100, sandbox: { leads: 3000 } });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await h.reset();
});

const leadCalls = (stats: SandboxStats) =>
  Object.entries(stats.calls.byEndpoint)
    .filter(([key]) => key.includes('/rest/v1/lead'))
    .reduce((sum, [, n]) => sum + n, 0);

describe('concurrency and the rolling rate window', () => {
  it('100 concurrent callers never exceed 10 in flight or 100 calls per window, and never see 606/615', async () => {
    const client = h.newClient();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await client.getLeadsByIds([i + 1], ['email']);
        await client.getList(1001);
        await client.isMemberOfList(1001, [i + 1]);
      }),
    );
    const elapsed = performance.now() - started;
    const stats = await h.stats();
    expect(stats.calls.total).toBeGreaterThanOrEqual(300);
    expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
    expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
    expect(stats.errors['606']).toBeUndefined();
    expect(stats.errors['615']).toBeUndefined();
    // 300 calls at 100 per 20 s of sandbox time take at least two full windows.
    expect(elapsed).toBeGreaterThanOrEqual((2 * 20_000) / h.timeScale);
  });

  it('holds the same line on a 1000× compressed clock', async () => {
    const fast = await startHarness({ timeScale: 1000 });
    try {
      const client = fast.client;
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          await client.getLeadsByIds([i + 1]);
          await client.getLeadsByIds([i + 101]);
          await client.getLeadsByIds([i + 201]);
        }),
      );
      const stats = await fast.stats();
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
    } finally {
      await fast.close();
    }
  });
});

describe('fewest calls', () => {
  it('reads 1,000 leads by id in exactly 4 lead calls', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const leads = await h.newClient().getLeadsByIds(ids, ['email', 'firstName']);
    expect(new Set(leads.map((l) => l.id)).size).toBe(1000);
    expect(leadCalls(await h.stats())).toBe(4);
  });

  it('reads 1,000 leads by email in exactly 4 lead calls (long lists go as POST + _method=GET)', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1001);
    const stored = await h.storedLeads({ id: ids });
    const emails = [...new Set(stored.map((l) => String(l.email)))];
    await h.reset();
    const leads = await h.newClient().getLeadsByFilter('email', emails, ['email']);
    const found = new Set(leads.map((l) => String(l.email).toLowerCase()));
    for (const email of emails) expect(found.has(email.toLowerCase())).toBe(true);
    const stats = await h.stats();
    expect(leadCalls(stats)).toBe(4);
    expect(stats.errors['414']).toBeUndefined();
  });

  it('writes 1,000 leads in 4 concurrent calls, results in input order', async () => {
    const input = Array.from({ length: 1000 }, (_, i) => ({
      email: `bulk.write.${i}@example.com`,
      firstName: `Row${i}`,
    }));
    const results = await h.newClient().syncLeads(input);
    expect(results).toHaveLength(1000);
    expect(results.every((r) => r.status === 'created')).toBe(true);
    const stored = await h.storedLeads({ id: results.slice(0, 50).map((r) => r.id ?? 0) });
    stored.sort((a, b) => Number(a.id) - Number(b.id));
    expect(stored.map((l) => l.firstName)).toEqual(input.slice(0, 50).map((r) => r.firstName));
    expect((await h.stats()).calls.byEndpoint['POST /rest/v1/leads.json']).toBe(4);
  });
});

describe("300 records per call, Marketo's maximum (§4)", () => {
  const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
  const byEndpoint = async (key: string) => (await h.stats()).calls.byEndpoint[key] ?? 0;

  it.each([
    [300, 1],
    [301, 2],
    [600, 2],
  ])('reads %i leads by id in %i call(s)', async (count, calls) => {
    const leads = await h.newClient().getLeadsByIds(ids(count));
    expect(leads).toHaveLength(count);
    expect(leadCalls(await h.stats())).toBe(calls);
  });

  it('reads 300 leads by email in one call', async () => {
    const emails = (await h.storedLeads({ id: ids(300, 2001) })).map((l) => String(l.email));
    await h.reset();
    await h.newClient().getLeadsByFilter('email', emails, ['email']);
    expect(leadCalls(await h.stats())).toBe(1);
  });

  it('writes, adds to a list, checks and removes 300 leads in one call each', async () => {
    const client = h.newClient();
    const input = ids(300).map((i) => ({ email: `per.call.${i}@example.com` }));
    const written = await client.syncLeads(input);
    expect(await byEndpoint('POST /rest/v1/leads.json')).toBe(1);
    const leadIds = written.map((r) => r.id ?? 0);
    await client.addLeadsToList(1001, leadIds);
    await client.isMemberOfList(1001, leadIds);
    await client.removeLeadsFromList(1001, leadIds);
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['POST /rest/v1/lists/{id}/leads.json']).toBe(1);
    expect(stats.calls.byEndpoint['GET /rest/v1/lists/{id}/leads/ismember.json']).toBe(1);
    expect(stats.calls.byEndpoint['DELETE /rest/v1/lists/{id}/leads.json']).toBe(1);
  });
});

describe('tokens', () => {
  it('50 concurrent callers on a token Marketo has expired cause one token call and one replay each', async () => {
    const client = h.newClient();
    await client.getLeadsByIds([1]);
    await h.expireTokens();
    await h.reset();
    const leads = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.getLeadsByIds([i + 1])),
    );
    expect(leads.flat()).toHaveLength(50);
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['POST /identity/oauth/token']).toBe(1);
    expect(stats.tokensIssued).toBe(1);
    // Only the calls already in flight with the dead token were replayed (at most the 10 slots).
    expect(stats.errors['602'] ?? 0).toBeLessThanOrEqual(10);
    expect(stats.calls.byEndpoint['GET /rest/v1/leads.json']).toBe(50 + (stats.errors['602'] ?? 0));
  });

  it('50 concurrent callers whose cached token has run out cause one token call', async () => {
    // 300 s tokens = 3 s here (the 50 calls must fit in one token's life even on a loaded
    // machine); renew only 10 ms before expiry so the run itself causes no renewal.
    const short = await startHarness({
      timeScale: 100,
      sandbox: { tokenLifetimeSec: 300 },
      client: { tokenRefreshMarginMs: 10 },
    });
    try {
      const client = short.client;
      await client.getLeadsByIds([1]);
      await new Promise((r) => setTimeout(r, 3_100));
      await short.reset();
      await Promise.all(Array.from({ length: 50 }, (_, i) => client.getLeadsByIds([i + 1])));
      const stats = await short.stats();
      expect(stats.calls.byEndpoint['POST /identity/oauth/token']).toBe(1);
      expect(stats.errors['602']).toBeUndefined();
    } finally {
      await short.close();
    }
  });

  it('a token Marketo calls invalid (601) is renewed once and the call replayed', async () => {
    const client = h.newClient();
    await client.getLeadsByIds([1]);
    await h.faults({ error: '601', next: 1, endpoint: 'GET /rest/v1/leads.json' });
    expect(await client.getLeadsByIds([2])).toHaveLength(1);
    const stats = await h.stats();
    expect(stats.errors['601']).toBe(1);
    expect(stats.calls.byEndpoint['POST /identity/oauth/token']).toBe(2);
    expect(stats.calls.byEndpoint['GET /rest/v1/leads.json']).toBe(3);
  });

  it('sends the token only in the Authorization header', async () => {
    // The sandbox accepts the legacy parameter unless told not to; refuse it and everything still works.
    const strict = await startHarness({ sandbox: { legacyAccessTokenParam: false } });
    try {
      expect(await strict.client.getLeadsByIds([1])).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });
});

describe('daily quota', () => {
  it('is counted locally and refused with QUOTA_EXHAUSTED before Marketo answers 607', async () => {
    const client = h.newClient({ dailyQuota: 5 });
    for (let i = 0; i < 5; i++) await client.getList(1001);
    const error = await client.getList(1001).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'QUOTA_EXHAUSTED', retryable: false });
    expect((error as { resetsAt?: string }).resetsAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['GET /rest/v1/lists/{id}.json']).toBe(5);
    expect(stats.errors['607']).toBeUndefined();
    expect((await client.limiterSnapshot()).callsToday).toBe(5);
  });

  it("passes Marketo's own 607 through with the reset time, without retrying", async () => {
    await h.faults({ error: '607', next: 1 });
    const error = await h.client.getList(1001).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '607', retryable: false });
    expect(Date.parse((error as { resetsAt: string }).resetsAt)).toBeGreaterThan(0);
    expect((await h.stats()).calls.byEndpoint['GET /rest/v1/lists/{id}.json']).toBe(1);
  });
});
