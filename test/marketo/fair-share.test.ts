/**
 * Fair share of the Marketo budget between API keys: waiters take turns by principal (each key's
 * own calls first come, first served), so one key's backlog delays another key's call by about
 * one grant per other waiting key; GATEWAY_KEY_SHARE caps what one key may hold. Checked on the
 * queue alone, on the in-process limiter with injected clocks, and end to end through the gateway
 * against the sandbox, counting grants rather than milliseconds.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { FairQueue, shareCaps } from '../../src/marketo/fair-queue.js';
import { ConfigError } from '../../src/marketo/errors.js';
import { createInProcessRateLimiter, type Lease } from '../../src/marketo/rate-limiter.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { DEFAULT_LIMITS } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { gatewayConfigFor, type SandboxStats } from '../helpers/gateway.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Takes every waiter in turn order (no share cap in the way). */
function order<T>(queue: FairQueue<T>): T[] {
  const taken: T[] = [];
  for (let next = queue.next(0); next; next = queue.next(0)) taken.push(next.item);
  return taken;
}

describe('turn order between principals', () => {
  const uncapped = () =>
    new FairQueue<string>({ concurrency: 10, rateLimit: 100, windowMs: 1_000 });

  it('serves principals round-robin and each principal first come, first served', () => {
    const queue = uncapped();
    for (let i = 0; i < 4; i++) queue.push('noisy', `n${i}`);
    queue.push('quiet', 'q0');
    queue.push('quiet', 'q1');
    queue.push(undefined, 'g0'); // background work: a principal of its own
    expect(order(queue)).toEqual(['n0', 'q0', 'g0', 'n1', 'q1', 'n2', 'n3']);
    expect(queue.size).toBe(0);
  });

  it('lets a newcomer behind a 10,000-call backlog go after at most one grant per other waiting principal', () => {
    const queue = uncapped();
    for (let i = 0; i < 10_000; i++) queue.push('noisy', `n${i}`);
    for (let i = 0; i < 10; i++) queue.next(0);
    queue.push('quiet', 'q');
    const ahead = [];
    for (let next = queue.next(0); next?.item !== 'q'; next = queue.next(0)) ahead.push(next);
    expect(ahead).toHaveLength(1);

    // Three busy principals: a fourth waits for at most three grants.
    queue.push('busy-1', 'b1');
    queue.push('busy-2', 'b2');
    queue.push('late', 'l');
    const before: string[] = [];
    for (let next = queue.next(0); next?.item !== 'l'; next = queue.next(0)) {
      before.push(next?.item ?? '');
    }
    expect(before.length).toBeLessThanOrEqual(3);
  });

  it('keeps the order of the rest when a waiter leaves (abort), and forgets a principal with none left', () => {
    const queue = uncapped();
    queue.push('a', 'a0');
    queue.push('a', 'a1');
    queue.push('b', 'b0');
    expect(queue.delete('b0')).toBe(true);
    expect(queue.delete('b0')).toBe(false);
    queue.push('c', 'c0');
    expect(queue.delete('a0')).toBe(true);
    expect(order(queue)).toEqual(['a1', 'c0']);
  });

  it('drains every waiter in turn order, those at their share too', () => {
    const queue = new FairQueue<string>({
      share: 0.1,
      concurrency: 10,
      rateLimit: 100,
      windowMs: 1_000,
    });
    queue.started('a');
    queue.push('a', 'a0');
    queue.push('b', 'b0');
    queue.push('a', 'a1');
    expect(queue.next(0)?.item).toBe('b0'); // a is at its one call in flight
    expect(queue.drain()).toEqual(['a0', 'a1']);
    expect(queue.size).toBe(0);
  });
});

describe('the share cap (GATEWAY_KEY_SHARE)', () => {
  it('allows ⌈s × concurrency⌉ in flight and ⌊s × rateLimit⌋ in the window, at least one of each', () => {
    const limits = { concurrency: 10, rateLimit: 100 };
    expect(shareCaps(1, limits)).toEqual({ inFlight: 10, window: 100 });
    expect(shareCaps(0.5, limits)).toEqual({ inFlight: 5, window: 50 });
    expect(shareCaps(0.34, limits)).toEqual({ inFlight: 4, window: 34 });
    expect(shareCaps(0.001, limits)).toEqual({ inFlight: 1, window: 1 });
    expect(() => shareCaps(0, limits)).toThrow(RangeError);
    expect(() => shareCaps(1.5, limits)).toThrow(RangeError);
  });

  it('holds a principal at its in-flight share while others still get turns', () => {
    const queue = new FairQueue<string>({
      share: 0.5,
      concurrency: 4,
      rateLimit: 100,
      windowMs: 1_000,
    });
    for (let i = 0; i < 5; i++) queue.push('noisy', `n${i}`);
    queue.push('quiet', 'q0');
    expect(queue.grantable(10, 0)).toBe(3); // noisy 2 + quiet 1
    const granted = [];
    for (let next = queue.next(0); next; next = queue.next(0)) {
      queue.started(next.principal);
      granted.push(next.item);
    }
    expect(granted).toEqual(['n0', 'q0', 'n1']);
    expect(queue.usage('noisy')).toEqual({ principal: 'noisy', queued: 3, inFlight: 2 });
    expect(queue.nextRoomAt(0)).toBeUndefined(); // held by calls in flight: a release frees it
    queue.finished('noisy', 10);
    expect(queue.next(10)?.item).toBe('n2');
  });

  it('holds a principal at its window share until its oldest call leaves the window', () => {
    const queue = new FairQueue<string>({
      share: 0.5,
      concurrency: 10,
      rateLimit: 4,
      windowMs: 100,
    });
    for (let i = 0; i < 4; i++) queue.push('noisy', `n${i}`);
    for (const t of [0, 5]) {
      const next = queue.next(t);
      expect(next?.principal).toBe('noisy');
      queue.started('noisy');
      queue.finished('noisy', t + 1);
    }
    expect(queue.next(50)).toBeUndefined();
    expect(queue.nextRoomAt(50)).toBe(101); // completed at 1, counts until 101
    expect(queue.next(100)).toBeUndefined();
    expect(queue.next(101)?.item).toBe('n2');
  });
});

describe('the in-process limiter takes turns between principals', () => {
  it('grants a quiet key its call one grant after it arrives behind 1,000 queued calls of a noisy key', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 1,
      rateLimit: 1_000_000,
      rateWindowMs: 1,
      dailyQuota: 1_000_000,
      monotonic: () => 0,
    });
    const grants: string[] = [];
    const held: Lease[] = [];
    const request = (principal: string) =>
      limiter.acquire({ principal }).then((lease) => {
        grants.push(principal);
        held.push(lease);
      });
    const noisy = Array.from({ length: 1_000 }, () => request('noisy'));
    await tick();
    expect((await limiter.snapshot()).queued).toBe(999);
    const arrivedAfter = grants.length;
    void request('quiet');
    // Calls end one at a time, each freeing the single slot for the next in turn.
    while (!grants.includes('quiet')) {
      await held.shift()?.release();
      await tick();
    }
    expect(grants.length - arrivedAfter - 1).toBe(1); // one noisy grant, then the quiet call
    await limiter.close();
    await Promise.allSettled(noisy);
  });

  it('keeps the daily quota refusal: callsToday + everyone queued must fit', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 1,
      rateLimit: 100,
      rateWindowMs: 10,
      dailyQuota: 4,
    });
    const first = await limiter.acquire({ principal: 'a' });
    const queued = [
      limiter.acquire({ principal: 'a' }),
      limiter.acquire({ principal: 'b' }),
      limiter.acquire(),
    ];
    await expect(limiter.acquire({ principal: 'c' })).rejects.toMatchObject({
      code: 'QUOTA_EXHAUSTED',
    });
    await first.release();
    for (const pending of queued) await (await pending).release();
    expect((await limiter.snapshot()).callsToday).toBe(4);
    await limiter.close();
  });

  it('still lets a waiter abort, and close rejects everyone queued', async () => {
    const limiter = createInProcessRateLimiter({
      concurrency: 1,
      rateLimit: 100,
      rateWindowMs: 10,
      dailyQuota: 100,
    });
    const held = await limiter.acquire({ principal: 'a' });
    const controller = new AbortController();
    const aborted = limiter.acquire({ principal: 'b', signal: controller.signal });
    const closed = [limiter.acquire({ principal: 'a' }), limiter.acquire({ principal: 'b' })];
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await limiter.snapshot()).queued).toBe(2);
    await limiter.close();
    for (const pending of closed) await expect(pending).rejects.toThrow('closed');
    await held.release();
  });

  describe('with a share cap', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('keeps a lone key at ⌈s × concurrency⌉ in flight and ⌊s × rateLimit⌋ per window, though slots are free', async () => {
      let t = 0;
      const limiter = createInProcessRateLimiter({
        concurrency: 10,
        rateLimit: 20,
        rateWindowMs: 100,
        dailyQuota: 1_000,
        keyShare: 0.5,
        windowMarginMs: 0,
        monotonic: () => t,
      });
      const held: Lease[] = [];
      const pending = Array.from({ length: 12 }, () =>
        limiter.acquire({ principal: 'lone' }).then((lease) => held.push(lease)),
      );
      await vi.advanceTimersByTimeAsync(1);
      expect(held).toHaveLength(5); // 5 of 10 slots
      const other = await limiter.acquire({ principal: 'other' });
      await other.release();
      // Ten calls of the lone key complete; it has used its 10 of the window's 20.
      for (let round = 0; round < 2; round++) {
        for (const lease of held.splice(0)) await lease.release();
        await vi.advanceTimersByTimeAsync(1);
      }
      expect(held).toHaveLength(0);
      expect((await limiter.snapshot()).queued).toBe(2);
      t = 101; // the window has moved past every completion
      await vi.advanceTimersByTimeAsync(200);
      expect(held).toHaveLength(2);
      for (const lease of held.splice(0)) await lease.release();
      await Promise.all(pending);
      await limiter.close();
    });
  });
});

describe('GATEWAY_KEY_SHARE', () => {
  it('is a fraction 0 < s ≤ 1, absent by default; anything else names the variable', () => {
    expect(loadConfig({}).keyShare).toBeUndefined();
    expect(loadConfig({ GATEWAY_KEY_SHARE: '0.25' }).keyShare).toBe(0.25);
    expect(loadConfig({ GATEWAY_KEY_SHARE: '1' }).keyShare).toBe(1);
    for (const bad of ['0', '-0.5', '1.5', 'half', 'NaN', 'Infinity']) {
      const error = (() => {
        try {
          loadConfig({ GATEWAY_KEY_SHARE: bad });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('GATEWAY_KEY_SHARE');
    }
  });
});

// ---- end to end: two API keys through the gateway, against the sandbox ------------------------

const NOISY: ApiKey = {
  name: 'noisy',
  key: 'fair-share-noisy-key-0123456789abcdef',
  scopes: ['leads:read'],
};
const QUIET: ApiKey = {
  name: 'quiet',
  key: 'fair-share-quiet-key-0123456789abcdef',
  scopes: ['leads:read'],
};

interface FairGateway {
  gateway: Gateway;
  /** POST /graphql as `key`; resolves with the parsed body. */
  query(
    key: ApiKey,
    query: string,
    variables: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<{ data?: unknown; errors?: unknown[] }>;
  stats(): Promise<SandboxStats>;
  /** POST to the sandbox's control plane (`/__sandbox/reset`, `/__sandbox/faults`). */
  control(path: string, body?: unknown): Promise<void>;
  stop(): Promise<void>;
}

async function startFairGateway(options: {
  timeScale: number;
  keyShare?: number;
}): Promise<FairGateway> {
  const sandbox = await startSandbox({ leads: 3_000, timeScale: options.timeScale });
  const config = gatewayConfigFor(sandbox, options.timeScale, {
    security: {
      apiKeys: [NOISY, QUIET],
      allowAnonymous: false,
      production: false,
      limits: DEFAULT_LIMITS,
    },
    ...(options.keyShare !== undefined && { keyShare: options.keyShare }),
  });
  let gateway: Gateway;
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-fair-share-'));
    gateway = await createGateway(config, {
      logger: silentLogger,
      exportJobs: { dataDir, deleteDataOnClose: true },
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const url = await gateway.start(0, '127.0.0.1');
  return {
    gateway,
    async query(key, query, variables, signal) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        body: JSON.stringify({ query, variables }),
        ...(signal && { signal }),
      });
      return (await response.json()) as { data?: unknown; errors?: unknown[] };
    },
    stats: async () =>
      (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as SandboxStats,
    async control(path, body) {
      const response = await fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    },
    async stop() {
      await gateway.stop();
      await sandbox.close();
    },
  };
}

/**
 * The quiet key's read asks for other lead fields than the flood: lead reads with the same field
 * list are shared between operations (`loaders/shared-reads.ts`), and a read joining a batch that
 * waits behind the noisy key's batch (queued under the noisy key) is not what this measures.
 */
const QUIET_LEAD = 'query FairShareQuietLead($id: Int!) { lead(id: $id) { id email } }';
const STATUS =
  'query FairShareStatus { marketoStatus { limiter { queued callerQueued callerInFlight } } }';
interface StatusData {
  marketoStatus: { limiter: { queued: number; callerQueued: number; callerInFlight: number } };
}
/** One call for the leads, then one read by id per lead (Marketo answers memberships per lead). */
const LEADS_WITH_LISTS =
  'query FairShareLeadsWithLists($ids: [Int!]!) { leads(ids: $ids) { id lists { id } } }';

describe('one noisy key cannot starve another, end to end', () => {
  it('grants a quiet key its lead read after at most one other grant while a noisy key has hundreds of calls queued', async () => {
    const g = await startFairGateway({ timeScale: 20 });
    const flood = new AbortController();
    try {
      // 30 operations × 100 leads: 3,000 per-lead reads (plus 30 lead and ~30 list calls), so the
      // backlog builds in the limiter however slowly this machine parses HTTP. It is a count:
      // the quiet read is sent once 500 noisy calls wait (first come, first served would put
      // every one of them ahead of it).
      const noisy = Array.from({ length: 30 }, (_, i) =>
        g
          .query(
            NOISY,
            LEADS_WITH_LISTS,
            { ids: Array.from({ length: 100 }, (_, j) => i * 100 + j + 1) },
            flood.signal,
          )
          .catch(() => undefined),
      );
      await vi.waitFor(
        async () => {
          const { queued } = await g.gateway.marketo.limiterSnapshot();
          expect(queued).toBeGreaterThanOrEqual(500);
        },
        { timeout: 60_000, interval: 10 },
      );
      // marketoStatus shows each caller its own part of the queue.
      const noisyStatus = await g.query(NOISY, STATUS, {});
      const quietStatus = await g.query(QUIET, STATUS, {});
      expect(noisyStatus).toMatchObject({
        data: { marketoStatus: { limiter: { callerQueued: expect.any(Number) } } },
      });
      const noisyQueued = (noisyStatus.data as StatusData).marketoStatus.limiter.callerQueued;
      expect(noisyQueued).toBeGreaterThanOrEqual(500);
      expect(quietStatus).toMatchObject({
        data: { marketoStatus: { limiter: { callerQueued: 0, callerInFlight: 0 } } },
      });
      // The limiter's own turn-taking, observed (spies call through): every grant is a `next`.
      const push = vi.spyOn(FairQueue.prototype, 'push');
      const next = vi.spyOn(FairQueue.prototype, 'next');
      const before = await g.gateway.marketo.limiterSnapshot();
      const quiet = await g.query(QUIET, QUIET_LEAD, { id: 2_999 });
      expect(quiet).toMatchObject({ data: { lead: { id: 2_999 } } });
      // From the quiet call's arrival in the limiter's queue to its grant, in grants.
      const arrivals = push.mock.calls.flatMap(([principal], i) =>
        principal === 'quiet' ? [push.mock.invocationCallOrder[i] ?? 0] : [],
      );
      expect(arrivals).toHaveLength(1);
      const grants = next.mock.results.flatMap((result, i) =>
        result.type === 'return' && result.value !== undefined
          ? [{ at: next.mock.invocationCallOrder[i] ?? 0, principal: result.value.principal }]
          : [],
      );
      const after = grants.filter((grant) => grant.at > (arrivals[0] ?? 0));
      const ahead = after.findIndex((grant) => grant.principal === 'quiet');
      console.info(
        `fair share: the quiet read arrived with ${before.queued} noisy calls queued and was granted after ${ahead} other grant(s) (first come, first served: ${before.queued})`,
      );
      expect(ahead).toBeGreaterThanOrEqual(0);
      expect(ahead).toBeLessThanOrEqual(1); // one other waiting principal: at most one grant
      push.mockRestore();
      next.mockRestore();
      flood.abort();
      await Promise.all(noisy);
      await vi.waitFor(
        async () =>
          expect(await g.gateway.marketo.limiterSnapshot()).toMatchObject({
            queued: 0,
            inFlight: 0,
          }),
        { timeout: 30_000, interval: 20 },
      );
      const stats = await g.stats();
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.maxCallsInWindow).toBeLessThanOrEqual(100);
    } finally {
      vi.restoreAllMocks();
      flood.abort();
      await g.stop();
    }
  }, 120_000);

  it('with GATEWAY_KEY_SHARE=0.5 keeps a lone key at 5 calls in flight and 50 per window', async () => {
    const g = await startFairGateway({ timeScale: 100, keyShare: 0.5 });
    /** One operation reading `count` leads' list memberships: one call per lead, all at once. */
    const readLists = async (first: number, count: number) => {
      const ids = Array.from({ length: count }, (_, i) => first + i);
      const result = await g.query(NOISY, LEADS_WITH_LISTS, { ids });
      expect(result.errors).toBeUndefined();
      const stats = await g.stats();
      expect(stats.calls.byEndpoint['GET /rest/v1/leads/{id}/listMembership.json']).toBe(count);
      expect(stats.errors['606']).toBeUndefined();
      expect(stats.errors['615']).toBeUndefined();
      return stats;
    };
    try {
      // Slow calls first, on a fresh window: the in-flight share binds (5 of 10), though five
      // slots stay free.
      await g.control('/__sandbox/faults', {
        latencyMs: 40,
        rate: 1,
        endpoint: 'GET /rest/v1/leads/{id}/listMembership.json',
      });
      const slow = await readLists(1, 40);
      expect(slow.peakConcurrency).toBeLessThanOrEqual(5);
      expect(slow.peakConcurrency).toBeGreaterThanOrEqual(2);
      // Quick calls (the reset clears the fault): the window share binds (50 of Marketo's 100).
      await g.control('/__sandbox/reset');
      const quick = await readLists(101, 150);
      expect(quick.maxCallsInWindow).toBeLessThanOrEqual(50);
      console.info(
        `key share 0.5: max calls per window ${quick.maxCallsInWindow} (quick calls), peak concurrency ${slow.peakConcurrency} (40 ms calls)`,
      );
    } finally {
      await g.stop();
    }
  }, 60_000);
});
