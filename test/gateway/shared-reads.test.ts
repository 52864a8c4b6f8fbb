import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccess } from '../../src/auth/access.js';
import { useExpectedLeadReaders } from '../../src/loaders/expected-readers.js';
import { SharedLeadReads } from '../../src/loaders/shared-reads.js';
import type { CallContext, CallRecord, Lead, MarketoApi } from '../../src/marketo/api.js';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

interface SentCall {
  ids: number[];
  fields: readonly string[];
  ctx: CallContext;
  answer(leads?: Lead[]): void;
  fail(error: Error): void;
}

/** A client whose lead reads wait until the test answers them. */
function fakeApi() {
  const sent: SentCall[] = [];
  const api = {
    withContext: (ctx: CallContext) => ({
      getLeadsByIds: (ids: readonly number[], fields: readonly string[]) =>
        new Promise<Lead[]>((resolve, reject) => {
          sent.push({
            ids: [...ids],
            fields,
            ctx,
            answer(leads = ids.map((id) => ({ id }))) {
              const record: CallRecord = {
                endpoint: 'GET /rest/v1/leads.json',
                recordsSent: ids.length,
                recordsRead: leads.length,
                waitedMs: 0,
                durationMs: 1,
                attempts: 1,
              };
              ctx.tracker?.record(record);
              resolve(leads);
            },
            fail: reject,
          });
          ctx.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    }),
  } as unknown as MarketoApi;
  return { api, sent };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (a few seconds at most) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await sleep(1);
  }
}

/** Ten readers of one lane, answered together: each is expected back. */
async function answeredBurst(maxWaitMs: number) {
  const { api, sent } = fakeApi();
  const reads = new SharedLeadReads(api, { maxWaitMs });
  const burst = Array.from({ length: 10 }, (_, i) => reads.read([i + 1], ['id'], {}));
  await turn();
  sent[0]?.answer();
  await Promise.all(burst);
  return { reads, sent };
}

function tracker() {
  const calls: CallRecord[] = [];
  return { calls, record: (call: CallRecord) => void calls.push(call) };
}

describe('lead reads shared between concurrent operations', () => {
  it('sends reads made in the same turn with the same fields as one call, reported to each operation', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api);
    const a = tracker();
    const b = tracker();
    const first = reads.read([1, 2], ['email', 'id'], { tracker: a, principal: 'key-a' });
    const second = reads.read([2, 3], ['email', 'id'], { tracker: b, principal: 'key-a' });
    const other = reads.read([4], ['firstName', 'id'], { principal: 'key-a' });
    await turn();
    expect(sent.map((s) => [s.ids, s.fields])).toEqual([
      [
        [1, 2, 3],
        ['email', 'id'],
      ],
      [[4], ['firstName', 'id']],
    ]);
    expect(sent[0]?.ctx.principal).toBe('key-a');
    sent[0]?.answer();
    sent[1]?.answer();
    expect((await first).map((lead) => lead.id)).toEqual([1, 2, 3]);
    expect((await second).map((lead) => lead.id)).toEqual([1, 2, 3]);
    expect((await other).map((lead) => lead.id)).toEqual([4]);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });

  it("never shares a read across principals: a quiet key's read neither rides in nor waits behind a noisy key's batch", async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api);
    // The noisy key reads in a burst: its next reads gather behind the call still with Marketo…
    const noisy = [1, 2, 3].map((id) => reads.read([id], ['id'], { principal: 'noisy' }));
    await turn();
    const noisyLater = reads.read([4], ['id'], { principal: 'noisy' });
    const quiet = reads.read([5], ['id'], { principal: 'quiet' });
    await turn();
    // …while the quiet key's read goes out at once, under its own principal.
    expect(sent.map((s) => [s.ids, s.ctx.principal])).toEqual([
      [[1, 2, 3], 'noisy'],
      [[5], 'quiet'],
    ]);
    sent[1]?.answer();
    expect((await quiet).map((lead) => lead.id)).toEqual([5]);
    sent[0]?.answer();
    await Promise.all(noisy);
    await until(() => sent.length === 3);
    expect(sent[2]?.ids).toEqual([4]);
    sent[2]?.answer();
    await noisyLater;
  });

  it('sends a lone read at the end of its turn, without waiting for a timer or another answer', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    // One client asking one lead after another: nothing else is expected, each read goes at once.
    for (let id = 1; id <= 3; id++) {
      const read = reads.read([id], ['id'], { principal: 'key-a' });
      await turn();
      expect(sent.map((s) => s.ids)).toEqual(Array.from({ length: id }, (_, i) => [i + 1]));
      sent[id - 1]?.answer();
      await read;
    }
  });

  it('holds a read while another call of its lane is with Marketo, until that call’s readers are back', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    const first = reads.read([1], ['id'], {});
    await turn();
    const second = reads.read([2], ['id'], {});
    await sleep(30);
    expect(sent).toHaveLength(1);
    sent[0]?.answer();
    await first;
    // The first reader comes back: both go out together.
    const again = reads.read([3], ['id'], {});
    await until(() => sent.length === 2);
    expect(sent[1]?.ids).toEqual([2, 3]);
    sent[1]?.answer();
    await Promise.all([second, again]);
  });

  it('under a burst, gathers the readers a call carries into one call once they come back', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    const first = Array.from({ length: 10 }, (_, i) => reads.read([i + 1], ['id'], {}));
    await turn();
    expect(sent.map((s) => s.ids.length)).toEqual([10]);
    // Ten readers at once: a read arriving while their call is with Marketo waits for them.
    const early = reads.read([100], ['id'], {});
    await sleep(200);
    expect(sent).toHaveLength(1);
    sent[0]?.answer();
    await Promise.all(first);
    // They come back one turn after another (within Marketo's latency of each other); the call
    // leaves once the ten are in.
    const back: Promise<Lead[]>[] = [];
    for (let i = 0; i < 9; i++) {
      back.push(reads.read([11 + i], ['id'], {}));
      await turn();
    }
    expect(sent).toHaveLength(1);
    back.push(reads.read([20], ['id'], {}));
    await turn();
    expect(sent.map((s) => s.ids.length)).toEqual([10, 11]);
    sent[1]?.answer();
    await Promise.all([early, ...back]);
  });

  it('gives up on answered readers that do not come back, long before maxWaitMs', async () => {
    const { reads, sent } = await answeredBurst(10_000);
    // Three of the ten come back, and no more: they go long before maxWaitMs.
    const started = performance.now();
    const three = [11, 12, 13].map((id) => reads.read([id], ['id'], {}));
    await until(() => sent.length === 2);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sent[1]?.ids).toEqual([11, 12, 13]);
    sent[1]?.answer();
    await Promise.all(three);
  });

  describe('on a clock the test moves', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /**
     * Ten readers answered together, three of them back `gapMs` apart (the first `gapMs` after
     * the answer); the batch they are in is waiting for the other seven.
     */
    async function learnedPace(gapMs: number) {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const { reads, sent } = await answeredBurst(10_000);
      const back: Promise<Lead[]>[] = [];
      for (const id of [11, 12, 13]) {
        vi.advanceTimersByTime(gapMs);
        back.push(reads.read([id], ['id'], {}));
        await turn();
      }
      expect(sent).toHaveLength(1);
      /** Moves the clock on by `ms` and lets the batch look again. */
      const after = async (ms: number) => {
        vi.advanceTimersByTime(ms);
        await turn();
        await turn();
      };
      return { sent, back, after };
    }

    it.each([
      {
        gapMs: 3,
        waiting: 5,
        gone: 6,
        what: 'gives up a few of their gaps after readers 3 ms apart stop',
      },
      {
        gapMs: 30,
        waiting: 50,
        gone: 65,
        what: 'keeps waiting for readers who come back slowly, at their pace',
      },
      {
        gapMs: 0.5,
        waiting: 4,
        gone: 6,
        what: 'waits at least 5 ms for the next reader, however quick the last',
      },
    ])('$what', async ({ gapMs, waiting, gone }) => {
      const { sent, back, after } = await learnedPace(gapMs);
      await after(waiting);
      expect(sent).toHaveLength(1);
      await after(gone - waiting);
      expect(sent.map((s) => s.ids)).toEqual([
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [11, 12, 13],
      ]);
      sent[1]?.answer();
      await Promise.all(back);
    });
  });

  it('never holds a batch past its deadline, even while the call it waits for is not answered', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 40 });
    const burst = Array.from({ length: 10 }, (_, i) => reads.read([i + 1], ['id'], {}));
    await turn();
    const started = performance.now();
    const waiting = reads.read([11], ['id'], {});
    await until(() => sent.length === 2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(sent[1]?.ids).toEqual([11]);
    sent[0]?.answer();
    sent[1]?.answer();
    await Promise.all([...burst, waiting]);
  });

  it('forgets readers who never came back: a lone read after the wait bound goes out at once', async () => {
    const { reads, sent } = await answeredBurst(30);
    await sleep(50);
    const alone = reads.read([11], ['id'], {});
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11]]);
    sent[1]?.answer();
    await alone;
  });

  it('sends a batch of 300 ids at once', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    const burst = Array.from({ length: 400 }, (_, i) => reads.read([i + 1], ['id'], {}));
    await turn();
    sent[0]?.answer();
    await Promise.all(burst);
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const full = reads.read(ids, ['id'], {});
    await turn();
    expect(sent[1]?.ids).toEqual(ids);
    sent[1]?.answer();
    await full;
  });

  it('aborts a shared call only when every operation in it has gone away', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api);
    const a = new AbortController();
    const b = new AbortController();
    const first = reads.read([1], ['id'], { signal: a.signal });
    // An operation whose loader sent two batches appears twice.
    const again = reads.read([5], ['id'], { signal: a.signal });
    const second = reads.read([2], ['id'], { signal: b.signal });
    await turn();
    a.abort();
    expect(sent[0]?.ctx.signal?.aborted).toBe(false);
    b.abort();
    expect(sent[0]?.ctx.signal?.aborted).toBe(true);
    await expect(first).rejects.toThrow('aborted');
    await expect(again).rejects.toThrow('aborted');
    await expect(second).rejects.toThrow('aborted');
  });

  it('fails every operation in a call Marketo refused, and the next call goes out', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api);
    const first = reads.read([1], ['id'], {});
    const second = reads.read([2], ['id'], {});
    await turn();
    sent[0]?.fail(new Error('606'));
    await expect(first).rejects.toThrow('606');
    await expect(second).rejects.toThrow('606');
    const third = reads.read([3], ['id'], {});
    await until(() => sent.length === 2);
    sent[1]?.answer();
    expect((await third).map((lead) => lead.id)).toEqual([3]);
  });
});

describe('lead reads waiting for the requests on their way to the loaders', () => {
  it('gathers a burst of 100 requests into one call when they reach the loader one turn after another', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    // 100 requests started (being parsed and validated) before the first of them reads.
    const coming = Array.from({ length: 100 }, () => reads.expect('key-a'));
    const answers: Promise<Lead[]>[] = [];
    for (let i = 0; i < 100; i++) {
      coming[i]!(); // executing: its read joins within the turn
      answers.push(reads.read([i + 1], ['id'], { principal: 'key-a' }));
      await turn();
      expect(sent).toHaveLength(i < 99 ? 0 : 1);
    }
    expect(sent[0]?.ids).toHaveLength(Math.ceil(100 / 300) * 100);
    sent[0]?.answer();
    await Promise.all(answers);
  });

  it('lets the batch go at once when a request it waited for ends without reading (e.g. it failed validation)', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    const invalid = reads.expect('key-a');
    const read = reads.read([1], ['id'], { principal: 'key-a' });
    await turn();
    await turn();
    expect(sent).toHaveLength(0);
    invalid();
    invalid(); // released once
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1]]);
    sent[0]?.answer();
    await read;
  });

  it('bounds the wait for a request that never comes, and forgets it afterwards', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 40 });
    reads.expect('key-a'); // never released
    const started = performance.now();
    const first = reads.read([1], ['id'], { principal: 'key-a' });
    await until(() => sent.length === 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    sent[0]?.answer();
    await first;
    await sleep(50);
    const later = reads.read([2], ['id'], { principal: 'key-a' });
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1], [2]]);
    sent[1]?.answer();
    await later;
  });

  it("never waits for another principal's requests", async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
    const other = reads.expect('key-b');
    const read = reads.read([1], ['id'], { principal: 'key-a' });
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1]]);
    sent[0]?.answer();
    await read;
    other();
  });
});

describe('requests counted on their way to the loaders (expected-readers plugin)', () => {
  const { api, sent } = fakeApi();
  const reads = new SharedLeadReads(api, { maxWaitMs: 10_000 });
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: {} }),
    plugins: [useExpectedLeadReaders(reads, createAccess()) as Plugin],
    logging: false,
  });
  const started: (() => void)[] = [];
  const server = createServer((req, res) => {
    started.shift()?.();
    void yoga.handle(req, res);
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** A POST whose body is held back until `finish()`; resolves once the server has its head. */
  async function heldRequest(query: string) {
    const seen = new Promise<void>((resolve) => started.push(resolve));
    const body = JSON.stringify({ query });
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 5));
    await seen;
    await turn();
    return {
      finish: () => {
        req.end(body.slice(5));
        return answered;
      },
    };
  }

  for (const [what, query] of [
    ['fails validation', '{ nope }'],
    ['executes without reading a lead', '{ ok }'],
  ] as const) {
    it(`holds a read while a request of its key is being received, until that request ${what}`, async () => {
      const before = sent.length;
      const pending = await heldRequest(query);
      const read = reads.read([1], ['id'], { principal: 'anonymous' });
      await turn();
      await turn();
      expect(sent).toHaveLength(before);
      // Released before its answer is written: the read leaves in the turn after, not after a timer.
      await pending.finish();
      await turn();
      expect(sent).toHaveLength(before + 1);
      sent[before]?.answer();
      await read;
    });
  }
});

const SharedOneLead = graphql(`
  query SharedOneLead($id: Int!) {
    lead(id: $id) {
      id
      email
    }
  }
`);

describe('concurrent lead(id:) operations through the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('share Marketo calls instead of taking one each', async () => {
    await gw.execute(SharedOneLead, { id: 1 }); // the field describe, cached from here on
    await gw.reset();
    // Marketo takes its time: once a few calls are out, operations arriving meanwhile gather.
    await gw.fault({ latencyMs: 1_000, rate: 1, endpoint: 'GET /rest/v1/leads.json' });
    const first = gw.execute(SharedOneLead, { id: 1 });
    const deadline = Date.now() + 10_000;
    while ((await gw.stats()).calls.byEndpoint['GET /rest/v1/leads.json'] === undefined) {
      if (Date.now() > deadline) throw new Error('the first read never reached the sandbox');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ids = Array.from({ length: 40 }, (_, i) => i + 2);
    const results = await Promise.all([
      first,
      ...ids.map((id) => gw.execute(SharedOneLead, { id })),
    ]);
    expect(results.map((r) => r.data?.lead?.id)).toEqual([1, ...ids]);
    const reads = (await gw.stats()).calls.byEndpoint['GET /rest/v1/leads.json'];
    // The first, the first of the 40 (the lane had one reader at a time), and one (two if the
    // machine is very slow) for the rest, which wait for those calls up to the deadline.
    expect(reads).toBeLessThanOrEqual(6);
    expect(results[1]?.extensions?.marketo?.calls).toBe(1);
  });
});
