import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const reads = new SharedLeadReads(api, { maxInFlight: 1 });
    const noisy = reads.read([1], ['id'], { principal: 'noisy' });
    await turn();
    // The noisy key's next batch gathers behind its call still with Marketo…
    const noisyLater = reads.read([2], ['id'], { principal: 'noisy' });
    const quiet = reads.read([3], ['id'], { principal: 'quiet' });
    await turn();
    // …while the quiet key's read goes out at once, under its own principal.
    expect(sent.map((s) => [s.ids, s.ctx.principal])).toEqual([
      [[1], 'noisy'],
      [[3], 'quiet'],
    ]);
    sent[1]?.answer();
    expect((await quiet).map((lead) => lead.id)).toEqual([3]);
    sent[0]?.answer();
    await noisy;
    await turn();
    expect(sent[2]?.ids).toEqual([2]);
    sent[2]?.answer();
    await noisyLater;
  });

  it('gathers reads that arrive while Marketo answers the previous one into the next call', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxInFlight: 1 });
    const first = reads.read([1], ['id'], {});
    await turn();
    expect(sent).toHaveLength(1);
    const later = [reads.read([2], ['id'], {})];
    await turn();
    later.push(reads.read([3], ['id'], {}));
    await turn();
    // Still one call: the second batch waits for the first answer.
    expect(sent).toHaveLength(1);
    sent[0]?.answer();
    await first;
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1], [2, 3]]);
    sent[1]?.answer();
    expect((await Promise.all(later)).map((leads) => leads.length)).toEqual([2, 2]);
  });

  it('sends at once while the calls in flight are few and carry few reads, then gathers', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxInFlight: 2, burstReads: 4 });
    const first = reads.read([1], ['id'], {});
    await turn();
    // A lightly loaded lane: the next read does not wait for the first answer…
    const second = reads.read([2], ['id'], {});
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1], [2]]);
    // …but with maxInFlight calls out, later reads gather into the next call.
    const later = [reads.read([3], ['id'], {})];
    await turn();
    later.push(reads.read([4], ['id'], {}));
    await turn();
    expect(sent).toHaveLength(2);
    sent[0]?.answer();
    await first;
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1], [2], [3, 4]]);
    sent[1]?.answer();
    sent[2]?.answer();
    await second;
    expect((await Promise.all(later)).map((leads) => leads.length)).toEqual([2, 2]);
  });

  it('under a burst (burstReads reads with Marketo), sends one call at a time', async () => {
    const { api, sent } = fakeApi();
    const reads = new SharedLeadReads(api, { maxInFlight: 4, burstReads: 3 });
    // Three operations in one turn: one call, and the lane is under a burst.
    const burst = [1, 2, 3].map((id) => reads.read([id], ['id'], {}));
    await turn();
    const later = reads.read([4], ['id'], {});
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1, 2, 3]]);
    sent[0]?.answer();
    await Promise.all(burst);
    await turn();
    // The burst answered, the lane is lightly loaded again: the next read goes out at once.
    expect(sent.map((s) => s.ids)).toEqual([[1, 2, 3], [4]]);
    const alone = reads.read([5], ['id'], {});
    await turn();
    expect(sent.map((s) => s.ids)).toEqual([[1, 2, 3], [4], [5]]);
    sent[1]?.answer();
    sent[2]?.answer();
    expect((await later).map((lead) => lead.id)).toEqual([4]);
    expect((await alone).map((lead) => lead.id)).toEqual([5]);
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
    await turn();
    sent[1]?.answer();
    expect((await third).map((lead) => lead.id)).toEqual([3]);
  });
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
    // The first, up to 3 more alongside it (a lane keeps up to 4 calls out while lightly
    // loaded), and one (two if the machine is very slow) for the rest of the 40.
    expect(reads).toBeLessThanOrEqual(6);
    expect(results[1]?.extensions?.marketo?.calls).toBe(1);
  });
});
