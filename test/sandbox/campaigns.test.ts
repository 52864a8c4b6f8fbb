import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 500 });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset({ data: true }));

type Campaign = {
  id: number;
  name: string;
  type: string;
  active: boolean;
  programName?: string;
  workspaceName: string;
};
type Runs = {
  triggers: { campaignId: number; leadIds: number[]; tokens: { name: string; value: string }[] }[];
  schedules: {
    campaignId: number;
    runAt: string;
    cloneToProgramName?: string;
    tokens: unknown[];
  }[];
};

const runs = async (id: number) =>
  (await (await fetch(`${sb.url}/__sandbox/campaigns/${id}/runs`)).json()) as Runs;
const campaigns = async (query = '') =>
  (await sb.json<Campaign>(`/rest/v1/campaigns.json${query}`)).result ?? [];
// Seeded campaigns (see src/sandbox/seed.ts): 1101 batch, 1102 active requestable trigger,
// 1104 inactive requestable trigger, 1105 active trigger without a request trigger.
const BATCH = 1101;
const REQUESTABLE = 1102;
const INACTIVE = 1104;
const NOT_REQUESTABLE = 1105;

describe('campaigns: query (§7.1)', () => {
  it('lists ~10 campaigns of both types in Marketo’s shape (no isRequestable)', async () => {
    const all = await campaigns();
    expect(all).toHaveLength(10);
    expect(new Set(all.map((c) => c.type))).toEqual(new Set(['batch', 'trigger']));
    const [first] = all;
    expect(Object.keys(first ?? {})).toEqual([
      'id',
      'name',
      'description',
      'type',
      'programName',
      'programId',
      'workspaceName',
      'createdAt',
      'updatedAt',
      'active',
    ]);
    expect(all.some((c) => !('programName' in c))).toBe(true);
    expect(all.every((c) => !('requestable' in c) && !('isRequestable' in c))).toBe(true);
  });

  it('filters by id, name, programName, workspaceName and isTriggerable', async () => {
    expect((await campaigns('?id=1101,1103')).map((c) => c.id)).toEqual([1101, 1103]);
    expect((await campaigns('?name=Data%20Cleanup')).map((c) => c.id)).toEqual([1109]);
    expect(
      (await campaigns('?programName=API%20Test%20Program')).every(
        (c) => c.programName === 'API Test Program',
      ),
    ).toBe(true);
    expect((await campaigns('?workspaceName=Europe')).map((c) => c.id)).toEqual([1108]);
    const triggerable = await campaigns('?isTriggerable=true');
    expect(triggerable.map((c) => c.id)).toEqual([1102, 1103, 1110]);
    expect(triggerable.every((c) => c.type === 'trigger' && c.active)).toBe(true);
  });

  it('pages with batchSize/nextPageToken', async () => {
    const first = await sb.json<Campaign>('/rest/v1/campaigns.json?batchSize=4');
    expect(first.result).toHaveLength(4);
    const next = await sb.json<Campaign>(
      `/rest/v1/campaigns.json?batchSize=4&nextPageToken=${first.nextPageToken}`,
    );
    expect(next.result?.[0]?.id).toBe(1105);
  });

  it('gets one campaign; an unknown id is 1013', async () => {
    expect(
      (await sb.json<Campaign>(`/rest/v1/campaigns/${REQUESTABLE}.json`)).result?.[0]?.type,
    ).toBe('trigger');
    expect((await sb.json('/rest/v1/campaigns/42.json')).errors).toEqual([
      { code: '1013', message: 'Campaign not found' },
    ]);
  });
});

describe('campaigns: request / trigger (§7.2)', () => {
  it('accepts up to 100 leads with {{my.x}} tokens, answers the campaign id and records the run', async () => {
    const body = await sb.post(`/rest/v1/campaigns/${REQUESTABLE}/trigger.json`, {
      input: {
        leads: [{ id: 1 }, { id: 2 }, { id: 99999999 }],
        tokens: [{ name: '{{my.message}}', value: 'Hi, "you"' }],
      },
    });
    expect(Object.keys(body)).toEqual(['requestId', 'result', 'success']);
    expect(body.result).toEqual([{ id: REQUESTABLE }]);
    const { triggers } = await runs(REQUESTABLE);
    expect(triggers).toEqual([
      expect.objectContaining({
        campaignId: REQUESTABLE,
        leadIds: [1, 2],
        tokens: [{ name: '{{my.message}}', value: 'Hi, "you"' }],
      }),
    ]);
    expect((await sb.stats()).campaignTriggers).toBe(1);
  });

  it('refuses batch, inactive and non-requestable campaigns with 1003, unknown ones with 1013', async () => {
    const input = { input: { leads: [{ id: 1 }] } };
    for (const id of [BATCH, INACTIVE, NOT_REQUESTABLE]) {
      const body = await sb.post(`/rest/v1/campaigns/${id}/trigger.json`, input);
      expect(body.success).toBe(false);
      expect(body.errors?.[0]?.code).toBe('1003');
    }
    expect((await sb.post('/rest/v1/campaigns/42/trigger.json', input)).errors?.[0]?.code).toBe(
      '1013',
    );
    expect((await runs(BATCH)).triggers).toEqual([]);
  });

  it('refuses more than 100 leads and malformed token names with 1003', async () => {
    const leads = Array.from({ length: 101 }, (_, i) => ({ id: i + 1 }));
    expect(
      (await sb.post(`/rest/v1/campaigns/${REQUESTABLE}/trigger.json`, { input: { leads } }))
        .errors,
    ).toEqual([{ code: '1003', message: 'Batch size of 101 exceeds the maximum of 100' }]);
    const badToken = await sb.post(`/rest/v1/campaigns/${REQUESTABLE}/trigger.json`, {
      input: { leads: [{ id: 1 }], tokens: [{ name: 'message', value: 'x' }] },
    });
    expect(badToken.errors?.[0]?.code).toBe('1003');
  });
});

describe('campaigns: schedule (§7.3)', () => {
  it('schedules a batch campaign (body optional: runs 5 minutes later) and records it', async () => {
    const res = await sb.api(`/rest/v1/campaigns/${BATCH}/schedule.json`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ success: true, result: [{ id: BATCH }] });
    const [run] = (await runs(BATCH)).schedules;
    const delay = Date.parse(run?.runAt ?? '') - sb.clock.now();
    expect(delay).toBeGreaterThan(4 * 60_000);
    expect(delay).toBeLessThanOrEqual(5 * 60_000);
    expect((await sb.stats()).campaignSchedules).toBe(1);
  });

  it('takes runAt, tokens and cloneToProgramName', async () => {
    const runAt = new Date(sb.clock.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, '+0000');
    const body = await sb.post(`/rest/v1/campaigns/${BATCH}/schedule.json`, {
      input: {
        runAt,
        tokens: [{ name: '{{my.other token}}', value: 'v' }],
        cloneToProgramName: 'Copy of program',
      },
    });
    expect(body.result).toEqual([{ id: BATCH }]);
    expect((await runs(BATCH)).schedules[0]).toMatchObject({
      cloneToProgramName: 'Copy of program',
      tokens: [{ name: '{{my.other token}}', value: 'v' }],
    });
  });

  it('refuses runAt more than 2 years ahead (1042) and trigger campaigns (1003)', async () => {
    const runAt = new Date(sb.clock.now() + 3 * 365 * 86_400_000).toISOString();
    expect(
      (await sb.post(`/rest/v1/campaigns/${BATCH}/schedule.json`, { input: { runAt } })).errors,
    ).toEqual([{ code: '1042', message: 'Invalid runAt date' }]);
    expect(
      (await sb.post(`/rest/v1/campaigns/${REQUESTABLE}/schedule.json`, { input: {} })).errors?.[0]
        ?.code,
    ).toBe('1003');
  });

  it('allows cloneToProgramName 20 times a day, then 1020', async () => {
    const call = () =>
      sb.post(`/rest/v1/campaigns/${BATCH}/schedule.json`, {
        input: { cloneToProgramName: 'Clone' },
      });
    for (let i = 0; i < 20; i++) expect((await call()).success).toBe(true);
    expect((await call()).errors).toEqual([
      { code: '1020', message: 'Too many clones to program' },
    ]);
  });
});
