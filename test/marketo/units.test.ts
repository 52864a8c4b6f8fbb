/**
 * The client's pure parts, without a network: wire tolerance, what each failure means, chunking,
 * configuration, the limiter's arithmetic and the token's single flight.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenManager } from '../../src/marketo/auth.js';
import { alignResults, balancedChunks, runChunks } from '../../src/marketo/batching.js';
import { centralDay, nextCentralMidnight } from '../../src/marketo/central-time.js';
import { parseMarketoEnv } from '../../src/marketo/config.js';
import { ConfigError, MarketoError } from '../../src/marketo/errors.js';
import { createInProcessRateLimiter } from '../../src/marketo/rate-limiter.js';
import { backoffDelay, classifyCode, classifyTransportError } from '../../src/marketo/retry.js';
import { planRequest } from '../../src/marketo/transport.js';
import {
  normaliseJobStatus,
  parseEnvelope,
  parseRecordResult,
  serverTimeFromRequestId,
} from '../../src/marketo/wire.js';

describe('wire parsing accepts every shape Marketo has been seen to send', () => {
  it('keeps codes as strings whether sent as strings or numbers', () => {
    const env = parseEnvelope({
      requestId: 'a#1',
      success: false,
      errors: [{ code: 606, message: 'Max rate limit' }],
    });
    expect(env?.success).toBe(false);
    expect(env?.errors).toEqual([{ code: '606', message: 'Max rate limit' }]);
  });

  it('treats omitted and null members alike and always gives arrays', () => {
    const env = parseEnvelope({ requestId: 'x#1', success: true, result: null, errors: null });
    expect(env).toMatchObject({ success: true, result: [], errors: [], warnings: [] });
    expect(parseEnvelope({ requestId: 'x#1', success: true })?.hasResult).toBe(false);
    expect(parseEnvelope('<html>')).toBeUndefined();
    expect(parseEnvelope({ hello: 1 })).toBeUndefined();
  });

  it('reads record reasons under `reasons` (real) or `reason` (Swagger)', () => {
    expect(
      parseRecordResult({
        status: 'skipped',
        reasons: [{ code: 1004, message: 'Lead not found' }],
      }),
    ).toEqual({ status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] });
    expect(
      parseRecordResult({ id: '7', status: 'skipped', reason: { code: '1003', message: 'bad' } }),
    ).toEqual({ id: 7, status: 'skipped', reasons: [{ code: '1003', message: 'bad' }] });
  });

  it('spells job states one way: Cancelled, whatever the input', () => {
    expect(normaliseJobStatus('Canceled')).toBe('Cancelled');
    expect(normaliseJobStatus('cancelled')).toBe('Cancelled');
    expect(normaliseJobStatus('completed')).toBe('Completed');
    expect(normaliseJobStatus('Complete')).toBe('Complete');
  });

  it('reads the server time out of a requestId', () => {
    expect(serverTimeFromRequestId('d58c#149ca5b2794')).toBe(
      Date.parse('2014-11-19T23:20:11.924Z'),
    );
    expect(serverTimeFromRequestId('nohash')).toBeUndefined();
  });
});

describe('failure classification (marketo-api.md §3.4)', () => {
  it.each([
    ['601', 'reauth', true],
    ['602', 'reauth', true],
    ['606', 'transient', true],
    ['615', 'transient', true],
    ['604', 'transient', false],
    ['608', 'transient', false],
    ['611', 'transient', false],
    ['HTTP_502', 'transient', false],
    ['607', 'quota', true],
    ['1003', 'terminal', false],
    ['610', 'terminal', false],
  ])('%s is %s (rejected before work: %s)', (code, kind, before) => {
    expect(classifyCode(code)).toEqual({ kind, rejectedBeforeWork: before });
  });

  it('splits 1029 by message: queue full is retryable later, daily quota waits for the reset', () => {
    expect(classifyCode('1029', 'Too many jobs in queue').kind).toBe('retry-later');
    expect(classifyCode('1029', 'Export daily quota 500MB exceeded.').kind).toBe('quota');
    expect(classifyCode('1029', 'Job already queued').kind).toBe('terminal');
  });

  it('knows which transport failures happened before anything was sent', () => {
    expect(classifyTransportError({ code: 'ECONNREFUSED' }).notSent).toBe(true);
    expect(classifyTransportError({ code: 'UND_ERR_SOCKET' }).notSent).toBe(false);
    expect(classifyTransportError({ cause: { code: 'ECONNRESET' } }).code).toBe('ECONNRESET');
    expect(classifyTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }).timeout).toBe(true);
  });

  it('backs off exponentially with full jitter under a cap', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, { ...opts, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { ...opts, random: () => 0.999 })).toBe(399);
    expect(backoffDelay(10, { ...opts, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(10, { ...opts, random: () => 0 })).toBe(0);
  });
});

describe('chunking keeps Marketo-sized calls and input order', () => {
  it('makes the fewest, balanced chunks', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    const chunks = balancedChunks(ids, 300);
    expect(chunks.map((c) => c.length)).toEqual([250, 250, 250, 250]);
    expect(chunks.flat()).toEqual(ids);
    expect(balancedChunks(ids.slice(0, 300), 300)).toHaveLength(1);
    expect(balancedChunks(ids.slice(0, 301), 100).map((c) => c.length)).toEqual([76, 76, 76, 73]);
  });

  it('reports a failed chunk row by row when other chunks succeeded', async () => {
    const results = await runChunks([[1, 2], [3]], async (chunk) => {
      if (chunk[0] === 3) throw new MarketoError({ code: '611', message: 'System error' });
      return chunk.map((id) => ({ id, status: 'updated' }));
    });
    expect(results).toEqual([
      { id: 1, status: 'updated' },
      { id: 2, status: 'updated' },
      { status: 'failed', reasons: [{ code: '611', message: 'System error' }] },
    ]);
    await expect(
      runChunks([[1]], async () => {
        throw new MarketoError({ code: '1003', message: 'bad' });
      }),
    ).rejects.toMatchObject({ code: '1003' });
  });

  it('pads a short result list instead of shifting rows', () => {
    expect(alignResults([{ id: 1, status: 'updated' }], 2)[1]?.status).toBe('unknown');
  });
});

describe('requests too long for a URL go as POST with _method=GET', () => {
  it('keeps short GETs as GETs and moves long ones into a form body', () => {
    const short = planRequest('https://x.mktorest.com', {
      method: 'GET',
      path: '/rest/v1/leads.json',
      query: [['filterType', 'id']],
    });
    expect(short).toEqual({ method: 'GET', path: '/rest/v1/leads.json?filterType=id' });
    const values = Array.from({ length: 300 }, (_, i) => `someone.long.${i}@example.com`).join(',');
    const long = planRequest('https://x.mktorest.com', {
      method: 'GET',
      path: '/rest/v1/leads.json',
      query: [
        ['filterType', 'email'],
        ['filterValues', values],
      ],
    });
    expect(long.method).toBe('POST');
    expect(long.path).toBe('/rest/v1/leads.json?_method=GET');
    expect(long.body).toEqual({
      kind: 'form',
      params: [
        ['filterType', 'email'],
        ['filterValues', values],
      ],
    });
  });
});

describe('configuration from the environment', () => {
  const creds = { MARKETO_CLIENT_ID: 'id', MARKETO_CLIENT_SECRET: 's3cr3t-value' };

  it('runs the sandbox when nothing is configured, with Marketo default limits', () => {
    expect(parseMarketoEnv({})).toEqual({
      sandbox: true,
      concurrency: 10,
      rateLimit: 100,
      dailyQuota: 50000,
    });
  });

  it.each([
    'https://123-ABC-456.mktorest.com',
    'https://123-ABC-456.mktorest.com/',
    'https://123-ABC-456.mktorest.com/rest',
    'https://123-ABC-456.mktorest.com/rest/',
    'https://123-ABC-456.mktorest.com/identity',
  ])('accepts %s as the instance URL', (url) => {
    expect(parseMarketoEnv({ MARKETO_BASE_URL: url, ...creds })).toMatchObject({
      sandbox: false,
      baseUrl: 'https://123-abc-456.mktorest.com',
      clientId: 'id',
    });
  });

  it('builds the URL from a munchkin id and validates its shape', () => {
    expect(parseMarketoEnv({ MARKETO_MUNCHKIN_ID: '123-ABC-456', ...creds })).toMatchObject({
      baseUrl: 'https://123-ABC-456.mktorest.com',
    });
    expect(() => parseMarketoEnv({ MARKETO_MUNCHKIN_ID: '12-ABC-456', ...creds })).toThrow(
      /MARKETO_MUNCHKIN_ID/,
    );
  });

  it('reads limits and keeps an explicit rate window', () => {
    expect(
      parseMarketoEnv({
        MARKETO_CONCURRENCY: '5',
        MARKETO_RATE_LIMIT: '50',
        MARKETO_RATE_WINDOW_MS: '20000',
        MARKETO_DAILY_QUOTA: '10000',
      }),
    ).toEqual({
      sandbox: true,
      concurrency: 5,
      rateLimit: 50,
      rateWindowMs: 20000,
      dailyQuota: 10000,
    });
    expect(() => parseMarketoEnv({ MARKETO_RATE_LIMIT: 'lots' })).toThrow(/MARKETO_RATE_LIMIT/);
    expect(() => parseMarketoEnv({ MARKETO_CONCURRENCY: '0' })).toThrow(ConfigError);
  });

  it('refuses partial credentials, naming the missing variable and never the secret', () => {
    const errors: unknown[] = [];
    for (const env of [
      {
        MARKETO_BASE_URL: 'https://123-ABC-456.mktorest.com',
        MARKETO_CLIENT_SECRET: 's3cr3t-value',
      },
      { MARKETO_BASE_URL: 'https://123-ABC-456.mktorest.com', MARKETO_CLIENT_ID: 'id' },
      { ...creds },
      { MARKETO_BASE_URL: 'not a url', ...creds },
      { MARKETO_BASE_URL: 'https://id:s3cr3t-value@123-ABC-456.mktorest.com', ...creds },
    ]) {
      try {
        parseMarketoEnv(env);
      } catch (error) {
        errors.push(error);
      }
    }
    expect(errors.map((e) => (e as ConfigError).variable)).toEqual([
      'MARKETO_CLIENT_ID',
      'MARKETO_CLIENT_SECRET',
      'MARKETO_BASE_URL',
      'MARKETO_BASE_URL',
      'MARKETO_BASE_URL',
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(String(e) + JSON.stringify(e)).not.toContain('s3cr3t-value');
    }
  });
});

describe('quota days follow US Central midnight', () => {
  it('resets at 06:00Z in winter and 05:00Z in summer', () => {
    expect(new Date(nextCentralMidnight(Date.parse('2026-11-23T09:00:00Z'))).toISOString()).toBe(
      '2026-11-24T06:00:00.000Z',
    );
    expect(new Date(nextCentralMidnight(Date.parse('2026-07-01T04:59:00Z'))).toISOString()).toBe(
      '2026-07-01T05:00:00.000Z',
    );
    expect(centralDay(Date.parse('2026-11-24T05:59:59Z'))).toBe('2026-11-23');
  });
});

describe('in-process rate limiter', () => {
  it('never has more than `concurrency` leases out and serves waiters FIFO', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 2,
      rateLimit: 100,
      rateWindowMs: 1000,
      dailyQuota: 1000,
    });
    const order: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const lease = await limiter.acquire();
        order.push(i);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        await lease.release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await limiter.close();
  });

  it('counts a call in the window from send until a full window after it completes', async () => {
    let t = 0;
    const limiter = createInProcessRateLimiter({
      concurrency: 10,
      rateLimit: 2,
      rateWindowMs: 50,
      dailyQuota: 1000,
      monotonic: () => t,
    });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    let third = false;
    const pending = limiter.acquire().then((lease) => {
      third = true;
      return lease;
    });
    t = 10;
    await a.release();
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false); // a completed at 10; it leaves the window at 60
    expect((await limiter.snapshot()).callsInWindow).toBe(2);
    t = 61;
    await new Promise((r) => setTimeout(r, 80));
    expect(third).toBe(true);
    await b.release();
    await (await pending).release();
    await limiter.close();
  });

  it("counts a call's window from its response's start when it has one, not from its release", async () => {
    let t = 0;
    const limiter = createInProcessRateLimiter({
      concurrency: 10,
      rateLimit: 2,
      rateWindowMs: 50,
      dailyQuota: 1000,
      monotonic: () => t,
    });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    let third = false;
    const pending = limiter.acquire().then((lease) => {
      third = true;
      return lease;
    });
    t = 10;
    a.responded?.(); // Marketo had the call by now: its answer began
    t = 40;
    await a.release(); // the body took 30 ms more to read
    t = 59;
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false); // a's response began at 10: it leaves the window at 60, not 90
    t = 61;
    await new Promise((r) => setTimeout(r, 80));
    expect(third).toBe(true);
    await b.release();
    await (await pending).release();
    await limiter.close();
  });

  it('refuses locally with QUOTA_EXHAUSTED once the daily quota is used, saying when it resets', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 10,
      rateLimit: 100,
      rateWindowMs: 10,
      dailyQuota: 2,
    });
    await (await limiter.acquire()).release();
    await (await limiter.acquire()).release({ counted: false }); // refunded (e.g. a 606)
    await (await limiter.acquire()).release();
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'QUOTA_EXHAUSTED', retryable: false });
    expect(Date.parse((error as MarketoError).resetsAt ?? '')).toBeGreaterThan(Date.now());
    expect((await limiter.snapshot()).callsToday).toBe(2);
    await limiter.close();
  });

  it('lets a queued caller give up through its AbortSignal', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 1,
      rateLimit: 100,
      rateWindowMs: 10,
      dailyQuota: 100,
    });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await limiter.snapshot()).queued).toBe(0);
    await held.release();
    await limiter.close();
  });
});

describe('token manager', () => {
  it('makes one identity call for many concurrent callers and renews near expiry', async () => {
    let calls = 0;
    let now = 0;
    const manager = createTokenManager({
      store: createMemoryTokenStore(),
      timeScale: 1,
      refreshMarginMs: 1000,
      now: () => now,
      fetchToken: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return { accessToken: `tok-${calls}`, expiresInSec: 10 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(calls).toBe(1);
    now = 20_000; // past expiry
    await Promise.all(Array.from({ length: 50 }, () => manager.getToken()));
    expect(calls).toBe(2);
  });

  it("renews once per lifetime against Marketo's reuse (same token, decreasing expires_in)", async () => {
    // Marketo's identity: one live token, handed out again with its remaining whole seconds
    // (rounded down, as a fresh 3600 s token says 3599) until it expires (§1.2).
    const lifetimeMs = 4_000;
    let now = 0;
    let minted = 0;
    let live: { token: string; expiresAt: number } | undefined;
    let fetches = 0;
    const manager = createTokenManager({
      store: createMemoryTokenStore(),
      timeScale: 1,
      now: () => now,
      fetchToken: async () => {
        fetches++;
        if (!live || live.expiresAt <= now) {
          live = { token: `tok-${++minted}`, expiresAt: now + lifetimeMs };
        }
        const expiresInSec = Math.max(0, Math.ceil((live.expiresAt - now) / 1000) - 1);
        return { accessToken: live.token, expiresInSec };
      },
    });
    // 100 reads, one every 140 ms: 14 s, three and a half lifetimes.
    let expiredSends = 0;
    for (let i = 0; i < 100; i++) {
      now = i * 140;
      const token = await manager.getToken();
      await new Promise((r) => setImmediate(r)); // let a background renewal land
      if (token !== live?.token || (live?.expiresAt ?? 0) <= now) expiredSends++;
    }
    // Four tokens are needed; one early renewal (before the manager has seen the reuse) is spent.
    expect(minted).toBe(4);
    expect(fetches).toBeLessThanOrEqual(5);
    expect(expiredSends).toBeLessThanOrEqual(4); // at most one read per lifetime meets a 602
  });

  it('forgets a rejected token only if it is still the current one', async () => {
    let calls = 0;
    const manager = createTokenManager({
      store: createMemoryTokenStore(),
      timeScale: 1,
      fetchToken: async () => ({ accessToken: `tok-${++calls}`, expiresInSec: 3600 }),
    });
    const first = await manager.getToken();
    await manager.invalidate(first);
    const second = await manager.getToken();
    await manager.invalidate(first); // a late 602 for the old token
    expect(await manager.getToken()).toBe(second);
    expect(calls).toBe(2);
  });
});
