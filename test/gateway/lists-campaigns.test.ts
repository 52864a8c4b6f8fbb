import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ListsQuery } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import {
  type ExecuteResult,
  restCalls,
  startTestGateway,
  type TestGateway,
} from '../helpers/gateway.js';
import { failure, payload } from '../helpers/outcome.js';

const ListById = graphql(`
  query ListById($id: Int!, $first: Int, $after: String) {
    list(id: $id) {
      id
      name
      description
      programName
      workspaceId
      workspaceName
      createdAt
      updatedAt
      leads(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            email
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const TwoLists = graphql(`
  query TwoLists {
    a: list(id: 1001) {
      id
    }
    b: list(id: 1002) {
      id
    }
    missing: list(id: 999999) {
      id
    }
  }
`);

const Lists = graphql(`
  query Lists($first: Int, $after: String, $names: [String!], $workspaceNames: [String!]) {
    lists(first: $first, after: $after, names: $names, workspaceNames: $workspaceNames) {
      edges {
        cursor
        node {
          id
          name
          workspaceName
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const AddToList = graphql(`
  mutation AddToList($listId: Int!, $leadIds: [Int!]!) {
    addLeadsToList(listId: $listId, leadIds: $leadIds) {
      ... on ListMembershipChange {
        listId
        action
        added
        skipped
        results {
          index
          leadId
          status
          reasons {
            code
            message
          }
        }
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
      }
    }
  }
`);

const RemoveFromList = graphql(`
  mutation RemoveFromList($listId: Int!, $leadIds: [Int!]!) {
    removeLeadsFromList(listId: $listId, leadIds: $leadIds) {
      ... on ListMembershipChange {
        removed
        skipped
        results(status: [SKIPPED]) {
          leadId
          reasons {
            code
          }
        }
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
      }
    }
  }
`);

const CampaignById = graphql(`
  query CampaignById($id: Int!) {
    campaign(id: $id) {
      id
      name
      description
      type
      active
      programId
      programName
      workspaceName
      createdAt
      updatedAt
    }
  }
`);

const Campaigns = graphql(`
  query Campaigns($first: Int, $after: String, $isTriggerable: Boolean, $names: [String!]) {
    campaigns(first: $first, after: $after, isTriggerable: $isTriggerable, names: $names) {
      edges {
        node {
          id
          name
          type
          active
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const Trigger = graphql(`
  mutation Trigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {
    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) {
      ... on CampaignRun {
        campaignId
        leadCount
        calls
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
      }
    }
  }
`);

const Schedule = graphql(`
  mutation Schedule($campaignId: Int!, $runAt: DateTime, $tokens: [CampaignTokenInput!], $clone: String) {
    scheduleCampaign(campaignId: $campaignId, runAt: $runAt, tokens: $tokens, cloneToProgramName: $clone) {
      ... on CampaignRun {
        campaignId
        runAt
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
      }
    }
  }
`);

interface Runs {
  triggers: Array<{
    campaignId: number;
    leadIds: number[];
    tokens: Array<{ name: string; value: string }>;
  }>;
  schedules: Array<{ campaignId: number; runAt: string; cloneToProgramName?: string }>;
}

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.stop();
});

beforeEach(async () => {
  await gw.reset();
});

describe('static lists', () => {
  it('reads a list with its Marketo attributes and pages through its leads', async () => {
    const { leadIds } = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1001/members');
    const first = await gw.execute(ListById, { id: 1001, first: 2 });
    expect(first.errors).toBeUndefined();
    const list = first.data?.list;
    expect(list).toMatchObject({ id: 1001, name: 'Lions', programName: 'API Test Program' });
    expect(list?.createdAt).toMatch(/Z$/);
    const seen = list?.leads.edges.map((edge) => edge.node.id) ?? [];
    let after = list?.leads.pageInfo.endCursor ?? null;
    let hasNext = list?.leads.pageInfo.hasNextPage ?? false;
    while (hasNext) {
      const page = await gw.execute(ListById, { id: 1001, first: 2, after });
      seen.push(...(page.data?.list?.leads.edges.map((edge) => edge.node.id) ?? []));
      after = page.data?.list?.leads.pageInfo.endCursor ?? null;
      hasNext = page.data?.list?.leads.pageInfo.hasNextPage ?? false;
    }
    expect(seen).toEqual(leadIds);
  });

  it('batches list lookups and answers null for an unknown list', async () => {
    const result = await gw.execute(TwoLists);
    expect(result.data).toEqual({ a: { id: 1001 }, b: { id: 1002 }, missing: null });
    expect((await gw.stats()).calls.byEndpoint['GET /rest/v1/lists.json']).toBe(1);
  });

  it('filters lists by name and workspace and pages with cursors', async () => {
    const byName = await gw.execute(Lists, { names: ['Lions', 'Partners'] });
    expect(byName.data?.lists.edges.map((edge) => edge.node.name).sort()).toEqual([
      'Lions',
      'Partners',
    ]);
    const europe = await gw.execute(Lists, { workspaceNames: ['Europe'] });
    expect(europe.data?.lists.edges.every((edge) => edge.node.workspaceName === 'Europe')).toBe(
      true,
    );

    const all = await gw.execute(Lists, { first: 300 });
    const expected = all.data?.lists.edges.map((edge) => edge.node.id) ?? [];
    const paged: number[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const page: ExecuteResult<ListsQuery> = await gw.execute(Lists, { first: 7, after });
      paged.push(...(page.data?.lists.edges.map((edge) => edge.node.id) ?? []));
      if (!page.data?.lists.pageInfo.hasNextPage) break;
      after = page.data.lists.pageInfo.endCursor ?? null;
    }
    expect(paged).toEqual(expected);
  });

  it("uses Marketo's page token as the cursor at a page end and resumes after any edge", async () => {
    const all = (await gw.execute(Lists, { first: 300 })).data?.lists.edges.map((e) => e.node.id);
    const page = await gw.execute(Lists, { first: 5 });
    const edges = page.data?.lists.edges ?? [];
    expect(page.data?.lists.pageInfo.endCursor).toMatch(/^[A-Z2-7]+=*$/);
    const resumed = await gw.execute(Lists, { first: 3, after: edges[1]?.cursor });
    expect(resumed.data?.lists.edges.map((e) => e.node.id)).toEqual(all?.slice(2, 5));
    const next = await gw.execute(Lists, { first: 2, after: page.data?.lists.pageInfo.endCursor });
    expect(next.data?.lists.edges.map((e) => e.node.id)).toEqual(all?.slice(5, 7));
  });

  it('rejects a foreign cursor and backward paging by naming the argument', async () => {
    const bad = await gw.execute(Lists, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
    const tooMany = await gw.execute(Lists, { first: 301 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ argument: 'first' });
    expect(restCalls(await gw.stats())).toBe(0);
  });

  it('adds and removes leads, one result per input id with Marketo codes for skips', async () => {
    const add = await gw.execute(AddToList, { listId: 1007, leadIds: [10, 11, 987_654, 10] });
    expect(add.errors).toBeUndefined();
    const change = payload(add.data?.addLeadsToList);
    expect(change).toMatchObject({ listId: 1007, action: 'ADD', added: 3, skipped: 1 });
    expect(change?.results.map((r) => [r.index, r.leadId, r.status])).toEqual([
      [0, 10, 'ADDED'],
      [1, 11, 'ADDED'],
      [2, 987_654, 'SKIPPED'],
      [3, 10, 'ADDED'],
    ]);
    expect(change?.results[2]?.reasons[0]?.code).toBe('1004');
    const members = await gw.control<{ leadIds: number[] }>('/__sandbox/lists/1007/members');
    expect(members.leadIds).toEqual([10, 11]);

    const remove = await gw.execute(RemoveFromList, { listId: 1007, leadIds: [10, 12] });
    expect(remove.data?.removeLeadsFromList).toEqual({
      removed: 1,
      skipped: 1,
      results: [{ leadId: 12, reasons: [{ code: '1015' }] }],
    });
  });

  it('validates membership input before calling Marketo', async () => {
    const empty = await gw.execute(AddToList, { listId: 1007, leadIds: [] });
    expect(failure(empty.data?.addLeadsToList)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'leadIds',
    });
    const negative = await gw.execute(AddToList, { listId: 1007, leadIds: [1, -2] });
    expect(failure(negative.data?.addLeadsToList)).toMatchObject({ argument: 'leadIds[1]' });
    expect(restCalls(await gw.stats())).toBe(0);
  });

  it("passes Marketo's error code through for an unknown list", async () => {
    const result = await gw.execute(AddToList, { listId: 999_999, leadIds: [1] });
    expect(result.errors).toBeUndefined();
    expect(failure(result.data?.addLeadsToList)).toMatchObject({ code: '1013' });
  });
});

describe('smart campaigns', () => {
  it('reads a campaign and answers null for an unknown one', async () => {
    const result = await gw.execute(CampaignById, { id: 1101 });
    expect(result.data?.campaign).toMatchObject({
      id: 1101,
      type: 'batch',
      programName: 'API Test Program',
    });
    expect((await gw.execute(CampaignById, { id: 999_999 })).data?.campaign).toBeNull();
  });

  it('filters campaigns (triggerable, by name) and pages', async () => {
    const triggerable = await gw.execute(Campaigns, { isTriggerable: true });
    const nodes = triggerable.data?.campaigns.edges.map((edge) => edge.node) ?? [];
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((c) => c.type === 'trigger' && c.active)).toBe(true);
    const byName = await gw.execute(Campaigns, { names: ['Data Cleanup'] });
    expect(byName.data?.campaigns.edges.map((edge) => edge.node.name)).toEqual(['Data Cleanup']);
    const page = await gw.execute(Campaigns, { first: 3 });
    expect(page.data?.campaigns.edges).toHaveLength(3);
    expect(page.data?.campaigns.pageInfo.hasNextPage).toBe(true);
    const next = await gw.execute(Campaigns, {
      first: 3,
      after: page.data?.campaigns.pageInfo.endCursor,
    });
    expect(next.data?.campaigns.edges[0]?.node.id).not.toBe(page.data?.campaigns.edges[0]?.node.id);
  });

  it('triggers a campaign for leads with tokens (100 leads per Marketo call)', async () => {
    const leadIds = Array.from({ length: 250 }, (_, i) => i + 1);
    const result = await gw.execute(Trigger, {
      campaignId: 1102,
      leadIds,
      tokens: [{ name: '{{my.message}}', value: 'Hello' }],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.triggerCampaign).toEqual({ campaignId: 1102, leadCount: 250, calls: 3 });
    const runs = await gw.control<Runs>('/__sandbox/campaigns/1102/runs');
    expect(runs.triggers.flatMap((run) => run.leadIds).sort((a, b) => a - b)).toEqual(leadIds);
    expect(runs.triggers[0]?.tokens).toEqual([{ name: '{{my.message}}', value: 'Hello' }]);
  });

  it('refuses to trigger a batch campaign and names bad tokens, before calling trigger', async () => {
    const batch = await gw.execute(Trigger, { campaignId: 1101, leadIds: [1] });
    expect(failure(batch.data?.triggerCampaign)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'campaignId',
    });
    const token = await gw.execute(Trigger, {
      campaignId: 1102,
      leadIds: [1],
      tokens: [{ name: 'message', value: 'x' }],
    });
    expect(failure(token.data?.triggerCampaign)).toMatchObject({ argument: 'tokens[0].name' });
    expect((await gw.stats()).campaignTriggers).toBe(0);
  });

  it('schedules a batch campaign with runAt, tokens and a program clone name', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const result = await gw.execute(Schedule, {
      campaignId: 1107,
      runAt,
      tokens: [{ name: '{{my.subject}}', value: 'Reminder' }],
      clone: 'Webinar copy',
    });
    expect(result.errors).toBeUndefined();
    expect(payload(result.data?.scheduleCampaign).campaignId).toBe(1107);
    const runs = await gw.control<Runs>('/__sandbox/campaigns/1107/runs');
    expect(runs.schedules).toHaveLength(1);
    expect(runs.schedules[0]?.cloneToProgramName).toBe('Webinar copy');
    const tooLate = await gw.execute(Schedule, { campaignId: 1107, runAt: '2099-01-01T00:00:00Z' });
    expect(failure(tooLate.data?.scheduleCampaign)).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'runAt',
    });
  });
});
