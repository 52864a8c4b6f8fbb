import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxOptions } from '../../src/sandbox/server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const open: TestSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.close()));
});
const start = async (options: SandboxOptions) => {
  const sb = await startTestSandbox({ leads: 200, ...options });
  open.push(sb);
  return sb;
};

/** Calls `n` cheap endpoints, `width` at a time; resolves to the error codes seen (undefined = success). */
async function burst(sb: TestSandbox, n: number, width = 10): Promise<(string | undefined)[]> {
  const codes: (string | undefined)[] = [];
  for (let i = 0; i < n; i += width) {
    const batch = Array.from({ length: Math.min(width, n - i) }, () =>
      sb.json('/rest/v1/leads/partitions.json'),
    );
    for (const body of await Promise.all(batch)) codes.push(body.errors?.[0]?.code);
  }
  return codes;
}

describe('limits: 100 calls per rolling 20 s (606)', () => {
  it('refuses the 101st call in the window with the real text, without counting it', async () => {
    const sb = await start({ timeScale: 2 }); // 20 simulated seconds = 10 real seconds
    await sb.token();
    const codes = await burst(sb, 100);
    expect(codes.filter(Boolean)).toEqual([]);
    const body = await sb.json('/rest/v1/leads/partitions.json');
    expect(body).toMatchObject({
      success: false,
      errors: [{ code: '606', message: "Max rate limit '100' exceeded with in '20' secs" }],
    });
    const stats = await sb.stats();
    expect(stats.maxCallsInWindow).toBe(100);
    expect(stats.quota.used).toBe(100);
    expect(stats.errors['606']).toBe(1);
  });

  it('admits calls again once the window has rolled past them', async () => {
    const sb = await start({ timeScale: 20, limits: { rateLimit: 20 } }); // window: 1 real second
    await sb.token();
    await burst(sb, 20);
    const refused = await sb.json('/rest/v1/leads/partitions.json');
    expect(refused.errors).toEqual([
      { code: '606', message: "Max rate limit '20' exceeded with in '20' secs" },
    ]);
    await sb.clock.sleep(20_000);
    expect((await sb.json('/rest/v1/leads/partitions.json')).success).toBe(true);
  });
});

describe('limits: 10 concurrent calls (615)', () => {
  it('refuses a call that starts while 10 are in flight', async () => {
    const sb = await start({});
    await sb.token();
    await sb.faults({ latencyMs: 500, rate: 1, endpoint: 'GET /rest/v1/leads/partitions.json' });
    const codes = await burst(sb, 11, 11);
    expect(codes.filter((c) => c === '615')).toHaveLength(1);
    expect(codes.filter((c) => c === undefined)).toHaveLength(10);
    const stats = await sb.stats();
    expect(stats.peakConcurrency).toBe(10);
    expect(stats.errors['615']).toBe(1);
    expect(stats.quota.used).toBe(10);
  });

  it('uses the real message', async () => {
    const sb = await start({ limits: { concurrency: 1 } });
    await sb.token();
    await sb.faults({ latencyMs: 400, next: 1 });
    const [slow, refused] = await Promise.all([
      sb.json('/rest/v1/leads/partitions.json'),
      new Promise((r) => setTimeout(r, 100)).then(() => sb.json('/rest/v1/leads/partitions.json')),
    ]);
    expect(slow.success).toBe(true);
    expect(refused.errors).toEqual([
      { code: '615', message: "Concurrent access limit '1' reached" },
    ]);
  });
});

describe('limits: daily quota (607)', () => {
  it('refuses calls once the quota is used, until midnight US Central', async () => {
    // 05:58 UTC in January is 23:58 CST; 50× clock: 2 simulated minutes = 2.4 real seconds.
    const sb = await start({
      timeScale: 50,
      startAt: Date.UTC(2027, 0, 15, 5, 58),
      limits: { dailyQuota: 3 },
    });
    await sb.token();
    expect((await burst(sb, 3)).filter(Boolean)).toEqual([]);
    expect((await sb.json('/rest/v1/leads/partitions.json')).errors).toEqual([
      { code: '607', message: 'Daily quota reached' },
    ]);
    expect((await sb.stats()).quota).toMatchObject({
      used: 3,
      limit: 3,
      resetsAt: '2027-01-15T06:00:00Z',
    });
    await sb.clock.sleep(Date.UTC(2027, 0, 15, 6, 0, 1) - sb.clock.now());
    expect((await sb.json('/rest/v1/leads/partitions.json')).success).toBe(true);
  });

  it('counts successes and unstarred errors, never 600/601/602/605 or identity calls', async () => {
    const sb = await start({});
    await sb.token();
    await sb.json('/rest/v1/leads/partitions.json'); // counted
    await sb.json('/rest/v1/no-such-thing.json'); // 610: counted
    await sb.post('/rest/v1/leads.json', { input: [{ email: 'x@example.com', nope: 1 }] }); // skipped records: counted
    await fetch(`${sb.url}/rest/v1/leads/partitions.json`); // 600
    await fetch(`${sb.url}/rest/v1/leads/partitions.json`, {
      headers: { authorization: 'Bearer x' },
    }); // 601
    await sb.json('/rest/v1/leads/partitions.json', { method: 'POST' }); // 605
    const usage = await sb.json<{
      date: string;
      total: number;
      users: { userId: string; count: number }[];
    }>('/rest/v1/stats/usage.json');
    const [today] = usage.result ?? [];
    expect(today?.total).toBe(4); // the usage call itself counts
    expect(today?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(today?.users).toEqual([{ userId: expect.any(String), count: 4 }]);
  });
});

describe('limits: records per call and enforce: false', () => {
  it('applies limits.maxBatch to every batch endpoint', async () => {
    const sb = await start({ limits: { maxBatch: 5 } });
    const input = Array.from({ length: 6 }, (_, i) => ({ email: `l${i}@example.com` }));
    expect((await sb.post('/rest/v1/leads.json', { input })).errors).toEqual([
      { code: '1003', message: 'Batch size of 6 exceeds the maximum of 5' },
    ]);
    expect(
      (await sb.json('/rest/v1/leads.json?filterType=id&filterValues=1,2,3,4,5,6')).errors?.[0]
        ?.code,
    ).toBe('1003');
  });

  it('with enforce: false, counts everything but refuses nothing', async () => {
    const sb = await start({
      limits: { enforce: false, rateLimit: 10, dailyQuota: 10, concurrency: 2 },
    });
    await sb.token();
    await sb.faults({ latencyMs: 30, rate: 1 });
    const codes = await burst(sb, 30, 10);
    expect(codes.filter(Boolean)).toEqual([]);
    const stats = await sb.stats();
    expect(stats.maxCallsInWindow).toBe(30);
    expect(stats.peakConcurrency).toBeGreaterThan(2);
  });
});
