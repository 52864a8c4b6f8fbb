/**
 * Retries by meaning (marketo-api.md §3.4): each fault the sandbox can inject, with the outcome read
 * from the sandbox's own records — every row written exactly once, and nothing that is not safe to
 * repeat ever sent twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/marketo/api.js';
import { createLogger } from '../../src/logger.js';
import { MarketoError } from '../../src/marketo/errors.js';
import { type Harness, startHarness } from './support.js';

let h: Harness;
let triggerable: number;
let batchCampaign: number;

beforeAll(async () => {
  h = await startHarness({ timeScale: 100 });
  const campaigns = (await h.client.getCampaigns()).items;
  triggerable = campaigns.find((c) => c.type === 'trigger' && c.active)?.id ?? 0;
  batchCampaign = campaigns.find((c) => c.type === 'batch')?.id ?? 0;
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await h.reset();
});

const TRIGGER = 'POST /rest/v1/campaigns/{id}/trigger.json';
const SYNC = 'POST /rest/v1/leads.json';

async function failure(promise: Promise<unknown>): Promise<MarketoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MarketoError);
  return error as MarketoError;
}

async function storedOnce(emails: string[]) {
  for (const email of emails) {
    expect(await h.storedLeads({ email }), email).toHaveLength(1);
  }
}

describe('an access token expiring mid-run', () => {
  it('is renewed once and the rejected call replayed; every row is written exactly once', async () => {
    const client = h.newClient();
    await client.getLeadsByIds([1]);
    await h.reset();
    const emails = Array.from({ length: 20 }, (_, i) => `mid.run.${i}@example.com`);
    for (const [i, email] of emails.entries()) {
      if (i === 10) await h.expireTokens();
      const [result] = await client.syncLeads([{ email }], { action: 'createOnly' });
      expect(result?.status).toBe('created');
    }
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['POST /identity/oauth/token']).toBe(1);
    expect(stats.errors['602']).toBe(1);
    expect(stats.leads.created).toBe(20);
    await storedOnce(emails);
  });
});

describe('606 and 615 storms', () => {
  it('reads ride out a 606 storm with backoff', async () => {
    await h.client.getList(1001); // a fresh token, so that only the storm is in the way
    await h.faults({ error: '606', next: 4, endpoint: 'GET /rest/v1/leads.json' });
    const calls: CallRecord[] = [];
    const leads = await h.client
      .withContext({ tracker: { record: (c) => calls.push(c) } })
      .getLeadsByIds([1, 2]);
    expect(leads).toHaveLength(2);
    expect(calls[0]).toMatchObject({ attempts: 5 });
    expect(calls[0]?.errorCode).toBeUndefined();
  });

  it('a campaign trigger rejected with 606 or 615 is retried (nothing was done) and runs once', async () => {
    await h.faults(
      { error: '615', next: 2, endpoint: TRIGGER },
      { error: '606', next: 1, endpoint: TRIGGER },
    );
    await h.client.triggerCampaign(triggerable, [1, 2, 3]);
    const stats = await h.stats();
    expect(stats.campaignTriggers).toBe(1);
    expect(stats.calls.byEndpoint[TRIGGER]).toBe(4);
    expect((await h.campaignRuns(triggerable)).triggers).toHaveLength(1);
  });

  it('615 waits a short real-time backoff for a slot, not the 606 rate-window backoff', async () => {
    const lines: string[] = [];
    const client = h.newClient({
      random: () => 1, // every backoff at its ceiling
      logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
      retry: { baseMs: 5, maxMs: 50, rateBaseMs: 4_000, rateMaxMs: 20_000 },
    });
    await client.getList(1001);
    await h.faults({ error: '615', next: 3, endpoint: 'GET /rest/v1/leads.json' });
    expect(await client.getLeadsByIds([1, 2])).toHaveLength(2);
    const delays = lines
      .map((line) => JSON.parse(line) as { msg: string; code?: string; delay?: number })
      .filter((line) => line.msg === 'marketo call retrying')
      .map((line) => [line.code, line.delay]);
    // A slot frees as soon as any call in flight completes: 100, 200, 400 ms, whatever the clock.
    expect(delays).toEqual([
      ['615', 100],
      ['615', 200],
      ['615', 400],
    ]);
  });

  it('gives up after its retry budget with the last Marketo code, marked retryable', async () => {
    await h.faults({ error: '606', next: 50, endpoint: 'GET /rest/v1/lists/{id}.json' });
    const error = await failure(h.client.getList(1001));
    expect(error).toMatchObject({ code: '606', retryable: true });
    expect(error.requestId).toBeTruthy();
    expect((await h.stats()).calls.byEndpoint['GET /rest/v1/lists/{id}.json']).toBe(6);
  });
});

describe('5xx and 604/608/611', () => {
  it('an upsert by lookup field (idempotent) is retried after a 502 and a 604 and lands once', async () => {
    await h.faults(
      { http: 502, next: 1, when: 'after', endpoint: SYNC },
      { error: '604', next: 1, when: 'after', endpoint: SYNC },
    );
    const results = await h.client.syncLeads([{ email: 'idem.5xx@example.com', firstName: 'A' }]);
    expect(results[0]?.status).toBe('updated'); // the first attempt already created it
    await storedOnce(['idem.5xx@example.com']);
    expect((await h.stats()).calls.byEndpoint[SYNC]).toBe(3);
  });

  it('a campaign trigger answered 502 fails OUTCOME_UNKNOWN and is never replayed', async () => {
    await h.faults({ http: 502, next: 1, when: 'after', endpoint: TRIGGER });
    const error = await failure(h.client.triggerCampaign(triggerable, [1, 2]));
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', causeCode: 'HTTP_502' });
    const stats = await h.stats();
    expect(stats.calls.byEndpoint[TRIGGER]).toBe(1);
    expect(stats.campaignTriggers).toBe(1); // it did run: a blind replay would have run it twice
  });

  it('a partly failed multi-call trigger reports exactly which leads are in doubt', async () => {
    await h.faults({ http: 502, next: 1, when: 'after', endpoint: TRIGGER });
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const { calls, results } = await h.client.triggerCampaignLeads(triggerable, ids);
    expect(calls).toBe(3);
    expect(results.map((r) => r.id)).toEqual(ids);
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(80);
    expect(failed.length).toBeLessThan(90);
    expect(failed[0]?.reasons?.[0]?.code).toBe('OUTCOME_UNKNOWN');
    expect(results.filter((r) => r.status === 'triggered')).toHaveLength(250 - failed.length);
    const stats = await h.stats();
    expect(stats.calls.byEndpoint[TRIGGER]).toBe(3);
    expect(stats.campaignTriggers).toBe(3);

    await h.faults({ error: '611', next: 1, endpoint: TRIGGER });
    const error = await failure(h.client.triggerCampaign(triggerable, ids));
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', causeCode: '611' });
    expect(error.message).toMatch(/of 250 leads were requested by other calls/);
  });

  it('createDuplicate answered 604 fails OUTCOME_UNKNOWN with the requestId, one lead created', async () => {
    await h.faults({ error: '604', next: 1, when: 'after', endpoint: SYNC });
    const error = await failure(
      h.client.syncLeads([{ email: 'dup.604@example.com' }], { action: 'createDuplicate' }),
    );
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', causeCode: '604' });
    expect(error.requestId).toMatch(/#/);
    expect((await h.stats()).calls.byEndpoint[SYNC]).toBe(1);
    await storedOnce(['dup.604@example.com']);
  });

  it.each(['608', '611'])('a campaign schedule answered %s is not replayed', async (code) => {
    await h.faults({
      error: code,
      next: 1,
      endpoint: 'POST /rest/v1/campaigns/{id}/schedule.json',
    });
    const error = await failure(h.client.scheduleCampaign(batchCampaign));
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', causeCode: code });
    expect((await h.stats()).calls.byEndpoint['POST /rest/v1/campaigns/{id}/schedule.json']).toBe(
      1,
    );
  });

  it('reads retry 611 a bounded number of times, then fail with 611', async () => {
    await h.faults({ error: '611', next: 100, endpoint: 'GET /rest/v1/lists/{id}.json' });
    const calls: CallRecord[] = [];
    const error = await failure(
      h.client.withContext({ tracker: { record: (c) => calls.push(c) } }).getList(1001),
    );
    expect(error).toMatchObject({ code: '611', retryable: true });
    expect(calls[0]).toMatchObject({ attempts: 6, errorCode: '611' });
  });
});

describe('dropped connections', () => {
  it('an idempotent upsert dropped after the work is retried and the row exists once', async () => {
    await h.faults({ drop: true, next: 1, when: 'after', endpoint: SYNC });
    const results = await h.client.syncLeads([{ email: 'drop.after@example.com' }]);
    expect(results[0]?.status).toBe('updated');
    await storedOnce(['drop.after@example.com']);
  });

  it('a read dropped before the work is retried', async () => {
    await h.faults({ drop: true, next: 2, endpoint: 'GET /rest/v1/leads.json' });
    expect(await h.client.getLeadsByIds([7])).toHaveLength(1);
  });

  it.each([
    ['before', 0],
    ['after', 1],
  ] as const)(
    'a trigger dropped %s the work fails OUTCOME_UNKNOWN, sent once',
    async (when, runs) => {
      await h.faults({ drop: true, next: 1, when, endpoint: TRIGGER });
      const error = await failure(h.client.triggerCampaign(triggerable, [4]));
      expect(error.code).toBe('OUTCOME_UNKNOWN');
      expect(error.causeCode).toBeTruthy();
      const stats = await h.stats();
      expect(stats.calls.byEndpoint[TRIGGER]).toBe(1);
      expect(stats.campaignTriggers).toBe(runs);
    },
  );

  const exportRequest = {
    fields: ['id', 'email'],
    filter: { createdAt: { startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-20T00:00:00Z' } },
  };
  const CREATE = 'POST /bulk/v1/leads/export/create.json';

  it("an export create dropped after Marketo made the job is found in Marketo's job list, never created twice", async () => {
    await h.faults({ drop: true, next: 1, when: 'after', endpoint: CREATE });
    const job = await h.client.createExportJob('leads', exportRequest);
    expect(job.status).toBe('Created');
    const stats = await h.stats();
    expect(stats.exportJobsCreated).toBe(1);
    expect(stats.calls.byEndpoint[CREATE]).toBe(1);
    expect(stats.calls.byEndpoint['GET /bulk/v1/leads/export.json']).toBe(1);
    const listed = await h.client.listExportJobs('leads', { status: ['Created'] });
    expect(listed.items.map((j) => j.exportId)).toContain(job.exportId);
  });

  it('an export create answered 502 before Marketo made anything is sent again once', async () => {
    await h.faults({ http: 502, next: 1, when: 'before', endpoint: CREATE });
    const job = await h.client.createExportJob('leads', exportRequest);
    expect(job.status).toBe('Created');
    const stats = await h.stats();
    expect(stats.exportJobsCreated).toBe(1);
    expect(stats.calls.byEndpoint[CREATE]).toBe(2);
  });

  it('an export create that lands after the call gave up (and after a first look) is found, never created twice', async () => {
    // Marketo works on the create for 250 ms; the client gives up after 100 ms, and its first
    // look at the job list comes before the job exists.
    const client = h.newClient({ deadlineMs: 100 });
    await h.faults({ latencyMs: 250, next: 1, endpoint: CREATE });
    const job = await client.createExportJob('leads', exportRequest);
    // Whatever the client did, the late call has landed by now.
    await new Promise((r) => setTimeout(r, 250));
    const stats = await h.stats();
    expect(stats.exportJobsCreated).toBe(1);
    expect(stats.calls.byEndpoint[CREATE]).toBe(1);
    const listed = await h.client.listExportJobs('leads', { status: ['Created'] });
    expect(listed.items.map((j) => j.exportId)).toContain(job.exportId);
  });

  it('stays OUTCOME_UNKNOWN when the list cannot tell which job is ours', async () => {
    // Our create is slow and then answered 502 (the job made); meanwhile another integration of
    // the same API user creates a job too. Two fresh Created jobs: neither can be told ours.
    await h.faults({ http: 502, next: 1, when: 'after', latencyMs: 300, endpoint: CREATE });
    const ours = failure(h.client.createExportJob('leads', exportRequest));
    while (((await h.stats()).calls.byEndpoint[CREATE] ?? 0) < 1) {
      await new Promise((r) => setImmediate(r));
    }
    await h.newClient().createExportJob('leads', exportRequest);
    const error = await ours;
    expect(error.code).toBe('OUTCOME_UNKNOWN');
    const stats = await h.stats();
    expect(stats.exportJobsCreated).toBe(2);
    expect(stats.calls.byEndpoint[CREATE]).toBe(2);
  });
});

describe('per-call deadline', () => {
  it('a read that cannot finish in time fails DEADLINE_EXCEEDED; a trigger fails OUTCOME_UNKNOWN', async () => {
    const client = h.newClient({ deadlineMs: 150 });
    await h.faults(
      { latencyMs: 400, next: 1, endpoint: 'GET /rest/v1/lists/{id}.json' },
      { latencyMs: 400, next: 1, endpoint: TRIGGER },
    );
    expect(await failure(client.getList(1001))).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(await failure(client.triggerCampaign(triggerable, [9]))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      causeCode: 'DEADLINE_EXCEEDED',
    });
  });
});

describe('identity failures', () => {
  it('retries the token call through 5xx and drops', async () => {
    const client = h.newClient();
    await h.faults(
      { http: 502, next: 1, endpoint: 'POST /identity/oauth/token' },
      { drop: true, next: 1, endpoint: 'POST /identity/oauth/token' },
    );
    expect(await client.getLeadsByIds([1])).toHaveLength(1);
    expect((await h.stats()).calls.byEndpoint['POST /identity/oauth/token']).toBe(3);
  });

  it('fails AUTH_FAILED on bad credentials after one token call, sending nothing else', async () => {
    const client = h.newClient({ clientSecret: 'not-the-secret' });
    const error = await failure(client.getLeadsByIds([1]));
    expect(error).toMatchObject({ code: 'AUTH_FAILED', httpStatus: 401, retryable: false });
    const stats = await h.stats();
    expect(stats.calls.byEndpoint['POST /identity/oauth/token']).toBe(1);
    expect(stats.calls.byEndpoint['GET /rest/v1/leads.json']).toBeUndefined();
  });
});
