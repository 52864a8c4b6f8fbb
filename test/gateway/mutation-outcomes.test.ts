/**
 * Mutations never hide what they did: in a document of several mutations, one that fails as a
 * whole answers a typed error in its own field, every other field's results come back; a campaign
 * request run in several calls reports each lead as triggered, not attempted or outcome unknown.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFor, type SecuredGateway, startSecuredGateway } from '../security/support.js';

const TRIGGER = 'POST /rest/v1/campaigns/{id}/trigger.json';

let gw: SecuredGateway;
const admin = keyFor('admin');

beforeAll(async () => {
  gw = await startSecuredGateway();
});
afterAll(async () => {
  await gw?.stop();
});

/** README's example mutation block, verbatim (its `runAt` is a variable with a default). */
function readmeMutation(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Mutations'));
  const block = /```graphql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block?.startsWith('mutation')) throw new Error("README's example mutation not found");
  return block;
}

/** The sandbox's count of Marketo calls per endpoint. */
async function callsByEndpoint(): Promise<Record<string, number>> {
  const response = await fetch(`${gw.sandboxUrl}/__sandbox/stats`);
  return ((await response.json()) as { calls: { byEndpoint: Record<string, number> } }).calls
    .byEndpoint;
}

const iso = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const YEAR_MS = 365 * 24 * 3600 * 1000;
/** Every other field of the example, with what it must have done. */
const RESULTS = {
  upsertLeads: { total: 2, failed: 1, then: { succeeded: 1 } },
  addLeadsToList: { results: expect.any(Array) },
  removeLeadsFromList: { removed: expect.any(Number) },
  triggerCampaign: {
    leadCount: 2,
    triggered: 2,
    notAttempted: 0,
    outcomeUnknown: 0,
  },
  importLeads: { id: expect.any(String) },
};

describe("README's example mutation", () => {
  it('runs as documented (with a runAt a year ahead), every field with its results', async () => {
    const result = await gw.graphql(readmeMutation(), { runAt: iso(YEAR_MS) }, admin);
    expect(result.body?.errors).toBeUndefined();
    expect(result.body?.data).toMatchObject({
      ...RESULTS,
      scheduleCampaign: { runAt: expect.any(String) },
    });
  });

  it('with one invalid field, returns every other field’s results and the one typed error', async () => {
    const before = await callsByEndpoint();
    // Marketo refuses a runAt more than two years ahead: the resolver checks it first.
    const result = await gw.graphql(readmeMutation(), { runAt: iso(5 * YEAR_MS) }, admin);
    expect(result.status).toBe(200);
    // Nothing in `errors`, nothing null: the refusal is scheduleCampaign's answer.
    expect(result.body?.errors).toBeUndefined();
    const data = result.body?.data ?? {};
    expect(data).toMatchObject(RESULTS);
    expect(data.scheduleCampaign).toEqual({
      __typename: 'InputError',
      code: 'BAD_USER_INPUT',
      message: 'runAt: must be at most two years ahead',
      argument: 'runAt',
      field: null,
    });
    // What the other fields report really ran; the refused one sent nothing.
    const after = await callsByEndpoint();
    const calls = (endpoint: string) => (after[endpoint] ?? 0) - (before[endpoint] ?? 0);
    expect(calls('POST /rest/v1/leads.json')).toBeGreaterThan(0);
    expect(calls(TRIGGER)).toBe(1);
    expect(calls('POST /rest/v1/campaigns/{id}/schedule.json')).toBe(0);
  });
});

describe('triggerCampaign: per-lead outcomes', () => {
  const ids = Array.from({ length: 250 }, (_, i) => i + 1);
  const trigger = `mutation ($ids: [Int!]!) {
    triggerCampaign(campaignId: 1102, leadIds: $ids) {
      ... on CampaignRun {
        leadCount calls triggered notAttempted outcomeUnknown
        results { leadId status reasons { code } }
      }
      ... on Error {
        code
        message
      }
    }
  }`;
  type Run = {
    leadCount: number;
    triggered: number;
    notAttempted: number;
    outcomeUnknown: number;
    results: Array<{ leadId: number; status: string; reasons: Array<{ code: string }> }>;
  };

  it('a call answered 502 after it ran: its leads are OUTCOME_UNKNOWN, the others TRIGGERED', async () => {
    await gw.fault({ http: 502, next: 1, when: 'after', endpoint: TRIGGER });
    const result = await gw.graphql(trigger, { ids }, admin);
    expect(result.body?.errors).toBeUndefined();
    const run = result.body?.data?.triggerCampaign as Run;
    expect(run.results.map((r) => r.leadId)).toEqual(ids);
    const unknown = run.results.filter((r) => r.status === 'OUTCOME_UNKNOWN');
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.length).toBeLessThan(ids.length);
    expect(unknown[0]?.reasons[0]?.code).toBe('OUTCOME_UNKNOWN');
    expect(run.outcomeUnknown).toBe(unknown.length);
    expect(run.triggered).toBe(ids.length - unknown.length);
  });

  it('a call Marketo refused: its leads are NOT_ATTEMPTED with Marketo’s code', async () => {
    await gw.fault({ error: '1003', next: 1, endpoint: TRIGGER });
    const result = await gw.graphql(trigger, { ids }, admin);
    expect(result.body?.errors).toBeUndefined();
    const run = result.body?.data?.triggerCampaign as Run;
    const refused = run.results.filter((r) => r.status === 'NOT_ATTEMPTED');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.reasons[0]?.code === '1003')).toBe(true);
    expect(run.triggered + run.notAttempted).toBe(ids.length);
  });
});
