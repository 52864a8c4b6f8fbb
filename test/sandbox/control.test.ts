import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endpointKey } from '../../src/sandbox/stats.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 300 });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset({ data: true }));

describe('control plane: GET /__sandbox/stats', () => {
  it('has the contract’s keys, zeroed after a reset', async () => {
    const stats = await sb.stats();
    expect(stats).toMatchObject({
      calls: { total: 0, byEndpoint: {} },
      peakConcurrency: 0,
      maxCallsInWindow: 0,
      errors: {},
      tokensIssued: 0,
      leads: { created: 0, updated: 0 },
      campaignTriggers: 0,
      campaignSchedules: 0,
      exportJobsCreated: 0,
      importJobsCreated: 0,
    });
  });

  it('keys endpoints by method and path with ids as {id}; _method=GET counts under GET', async () => {
    await sb.json('/rest/v1/lead/12.json');
    await sb.json('/rest/v1/lists/1001/leads.json');
    await sb.json('/rest/v1/leads.json?_method=GET', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'filterType=id&filterValues=1',
    });
    await sb.post('/rest/v1/leads.json', { input: [{ email: 'k@example.com' }] });
    const { calls, tokensIssued, leads, peakConcurrency, maxCallsInWindow } = await sb.stats();
    expect(calls.byEndpoint).toEqual({
      'GET /identity/oauth/token': 1,
      'GET /rest/v1/lead/{id}.json': 1,
      'GET /rest/v1/lists/{id}/leads.json': 1,
      'GET /rest/v1/leads.json': 1,
      'POST /rest/v1/leads.json': 1,
    });
    expect(calls.total).toBe(5);
    expect(tokensIssued).toBe(1);
    expect(leads.created).toBe(1);
    expect(peakConcurrency).toBe(1);
    expect(maxCallsInWindow).toBe(4);
  });

  it('normalizes export UUIDs and batch ids too', () => {
    expect(
      endpointKey('GET', '/bulk/v1/leads/export/ce45a7a1-f19d-4ce2-882c-a3c795940a7d/status.json'),
    ).toBe('GET /bulk/v1/leads/export/{id}/status.json');
    expect(endpointKey('GET', '/bulk/v1/leads/batch/1022/failures.json')).toBe(
      'GET /bulk/v1/leads/batch/{id}/failures.json',
    );
  });

  it('never counts control-plane calls', async () => {
    await sb.stats();
    await sb.leads({ id: 1 });
    expect((await sb.stats()).calls.total).toBe(0);
  });
});

describe('control plane: reset and uncounted reads', () => {
  it('POST /__sandbox/reset?data=true restores the seeded data', async () => {
    await sb.post('/rest/v1/leads.json', { input: [{ email: 'gone.soon@example.com' }] });
    await sb.post('/rest/v1/leads/delete.json', { input: [{ id: 1 }] });
    expect(await sb.leads({ email: 'gone.soon@example.com' })).toHaveLength(1);
    await sb.reset();
    expect(await sb.leads({ email: 'gone.soon@example.com' })).toHaveLength(1);
    await sb.reset({ data: true });
    expect(await sb.leads({ email: 'gone.soon@example.com' })).toEqual([]);
    expect((await sb.leads({ id: 1 }))[0]?.id).toBe(1);
  });

  it('GET /__sandbox/leads returns full stored rows by email (case-insensitive) or id', async () => {
    const email = String(sb.store.lead(3)?.email);
    const [byEmail] = await sb.leads({ email: email.toUpperCase() });
    expect(byEmail?.id).toBe(3);
    expect(Object.keys(byEmail ?? {}).length).toBeGreaterThan(20);
    expect((await sb.leads({ id: [4, 5] })).map((l) => l.id)).toEqual([4, 5]);
  });

  it('GET /__sandbox/info describes the running sandbox', async () => {
    const info = (await (await fetch(`${sb.url}/__sandbox/info`)).json()) as Record<
      string,
      unknown
    >;
    expect(info).toMatchObject({
      url: sb.url,
      leads: 300,
      limits: { rateLimit: 100, concurrency: 10 },
    });
  });
});
