/**
 * Mutations never hide what they did: in a document of several mutations, one refused field
 * nulls only itself (with its coded error), every other field's results come back; a campaign
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

/** README's example mutation, exactly as documented but for its `runAt` when one is given. */
function readmeMutation(runAt?: Date): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Mutations'));
  const block = /```graphql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block?.startsWith('mutation')) throw new Error("README's example mutation not found");
  if (!runAt) return block;
  const iso = runAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return block.replace(/runAt: "[^"]*"/, `runAt: "${iso}"`);
}

describe("README's example mutation", () => {
  const yearAhead = new Date(Date.now() + 365 * 24 * 3600 * 1000);

  it('runs as documented (with a runAt a year ahead), every field with its results', async () => {
    const result = await gw.graphql(readmeMutation(yearAhead), {}, admin);
    expect(result.body?.errors).toBeUndefined();
    expect(result.body?.data).toMatchObject({
      upsertLeads: { total: 2, failed: 1 },
      addLeadsToList: { results: expect.any(Array) },
      removeLeadsFromList: { removed: expect.any(Number) },
      triggerCampaign: { leadCount: 2, triggered: 2, notAttempted: 0, outcomeUnknown: 0 },
      scheduleCampaign: { runAt: expect.any(String) },
      importLeads: { id: expect.any(String) },
    });
  });

  it('with one invalid field, returns every other field’s results and the one error', async () => {
    // Marketo refuses a runAt more than two years ahead: the resolver checks it first.
    const document = readmeMutation(new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000));
    const result = await gw.graphql(document, {}, admin);
    expect(result.status).toBe(200);
    const data = result.body?.data ?? {};
    expect(data.scheduleCampaign).toBeNull();
    for (const field of [
      'upsertLeads',
      'addLeadsToList',
      'removeLeadsFromList',
      'triggerCampaign',
      'importLeads',
    ]) {
      expect(data[field], field).toEqual(expect.any(Object));
    }
    expect(data.triggerCampaign).toMatchObject({ triggered: 2 });
    expect(result.body?.errors).toHaveLength(1);
    expect(result.body?.errors?.[0]).toMatchObject({
      path: ['scheduleCampaign'],
      extensions: { code: 'BAD_USER_INPUT', argument: 'runAt' },
    });
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
