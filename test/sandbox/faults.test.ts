import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 200 });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset({ data: true }));

const SYNC = 'POST /rest/v1/leads.json';
const upsert = (email: string) =>
  sb.api('/rest/v1/leads.json', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: [{ email }] }),
  });
const partitions = () => sb.json('/rest/v1/leads/partitions.json');

describe('faults: Marketo error codes', () => {
  it.each([
    ['601', 'Access token invalid'],
    ['602', 'Access token expired'],
    ['604', 'Request timed out'],
    ['606', "Max rate limit '100' exceeded with in '20' secs"],
    ['608', 'API Temporarily Unavailable'],
    ['611', 'System error'],
    ['615', "Concurrent access limit '10' reached"],
    ['1029', 'Too many jobs in queue'],
  ])('answers the next call with %s and its real text', async (code, message) => {
    await sb.faults({ error: code });
    expect(await partitions()).toMatchObject({ success: false, errors: [{ code, message }] });
    expect((await partitions()).success).toBe(true);
    expect((await sb.stats()).errors[code]).toBe(1);
  });

  it('answers before the work: a faulted sync creates nothing', async () => {
    await sb.faults({ error: '606', endpoint: SYNC });
    const body = (await (await upsert('faulted@example.com')).json()) as { errors: unknown[] };
    expect(body.errors).toEqual([
      { code: '606', message: "Max rate limit '100' exceeded with in '20' secs" },
    ]);
    expect(await sb.leads({ email: 'faulted@example.com' })).toEqual([]);
  });

  it('604 after the work: the lead exists though the client saw a timeout', async () => {
    await sb.faults({ error: '604', when: 'after', endpoint: SYNC });
    const body = (await (await upsert('applied@example.com')).json()) as { errors: unknown[] };
    expect(body.errors).toEqual([{ code: '604', message: 'Request timed out' }]);
    expect(await sb.leads({ email: 'applied@example.com' })).toHaveLength(1);
  });

  it('refuses `after` for codes Marketo raises before the work', async () => {
    const res = await fetch(`${sb.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: '606', when: 'after' }),
    });
    expect(res.status).toBe(400);
  });

  it('counts faulted calls as Marketo would: starred codes not at all, 1029 yes', async () => {
    await sb.faults({ error: '608', next: 2 }, { error: '1029', next: 1 });
    await partitions();
    await partitions();
    await partitions();
    expect((await sb.stats()).quota.used).toBe(1);
  });
});

describe('faults: HTTP errors, dropped connections, latency', () => {
  it.each([500, 502, 503] as const)('answers HTTP %i with a non-JSON body', async (status) => {
    await sb.faults({ http: status });
    const res = await sb.api('/rest/v1/leads/partitions.json');
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\//);
    await res.text();
    expect((await sb.stats()).errors[String(status)]).toBe(1);
  });

  it('502 after the work applies it', async () => {
    await sb.faults({ http: 502, when: 'after', endpoint: SYNC });
    expect((await upsert('after502@example.com')).status).toBe(502);
    expect(await sb.leads({ email: 'after502@example.com' })).toHaveLength(1);
  });

  it('drops the connection before or after the work', async () => {
    await sb.faults({ drop: true, endpoint: SYNC }, { drop: true, when: 'after', endpoint: SYNC });
    await expect(upsert('dropped.before@example.com')).rejects.toThrow();
    await expect(upsert('dropped.after@example.com')).rejects.toThrow();
    expect(await sb.leads({ email: 'dropped.before@example.com' })).toEqual([]);
    expect(await sb.leads({ email: 'dropped.after@example.com' })).toHaveLength(1);
    expect((await sb.stats()).errors.drop).toBe(2);
  });

  it('adds latency', async () => {
    await sb.faults({ latencyMs: 150 });
    const started = Date.now();
    expect((await partitions()).success).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('faults: selection', () => {
  it('next N calls, then normal again', async () => {
    await sb.faults({ error: '608', next: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await partitions()).errors?.[0]?.code);
    expect(codes).toEqual(['608', '608', undefined]);
  });

  it('a rate of 1 hits every call, 0 none, until cleared', async () => {
    await sb.faults({ error: '611', rate: 1 });
    expect((await partitions()).errors?.[0]?.code).toBe('611');
    expect((await partitions()).errors?.[0]?.code).toBe('611');
    await sb.clearFaults();
    await sb.faults({ error: '611', rate: 0 });
    expect((await partitions()).success).toBe(true);
  });

  it('draws rates from the seed: the same sequence after every reset', async () => {
    const run = async () => {
      await sb.faults({ error: '608', rate: 0.5 });
      const hits = [];
      for (let i = 0; i < 20; i++) hits.push((await partitions()).success ? 0 : 1);
      await sb.reset();
      return hits.join('');
    };
    const first = await run();
    expect(first).toMatch(/1/);
    expect(first).toMatch(/0/);
    expect(await run()).toBe(first);
  });

  it('only hits the endpoint it names (key, path or prefix*)', async () => {
    await sb.faults({
      error: '608',
      rate: 1,
      endpoint: ['/rest/v1/lists/{id}.json', 'GET /rest/v1/campaigns*'],
    });
    expect((await partitions()).success).toBe(true);
    expect((await sb.json('/rest/v1/lists/1001.json')).errors?.[0]?.code).toBe('608');
    expect((await sb.json('/rest/v1/campaigns/1101.json')).errors?.[0]?.code).toBe('608');
  });

  it('leaves the identity endpoint alone unless it is named', async () => {
    await sb.faults({ http: 503, rate: 1 });
    const ok = await fetch(
      `${sb.url}/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox`,
    );
    expect(ok.status).toBe(200);
    await sb.clearFaults();
    await sb.faults({ http: 503, endpoint: '/identity/oauth/token' });
    const faulted = await fetch(
      `${sb.url}/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox`,
    );
    expect(faulted.status).toBe(503);
  });

  it('reset clears faults', async () => {
    await sb.faults({ error: '608', rate: 1 });
    await sb.reset();
    expect((await partitions()).success).toBe(true);
  });
});
