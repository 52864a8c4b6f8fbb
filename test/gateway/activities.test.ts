/**
 * Activities through the gateway against the sandbox over HTTP: what every write records, lead
 * changes since a stored cursor (exactly, in order, through empty Marketo pages), the chunking of
 * more than 30 leads and 10 types, and the 10,000-lead `listId` rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const Upsert = graphql(`
  mutation ActivityUpsert($leads: [JSON!]!, $action: UpsertAction!, $lookupField: String!) {
    upsertLeads(input: { leads: $leads, action: $action, lookupField: $lookupField, mode: SYNC }) {
      results {
        id
        status
      }
    }
  }
`);

const ListChange = graphql(`
  mutation ActivityListChange($listId: Int!, $leadIds: [Int!]!) {
    add: addLeadsToList(listId: $listId, leadIds: $leadIds) {
      added
    }
    remove: removeLeadsFromList(listId: $listId, leadIds: $leadIds) {
      removed
    }
  }
`);

const Trigger = graphql(`
  mutation ActivityTrigger($campaignId: Int!, $leadIds: [Int!]!) {
    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds) {
      campaignId
    }
  }
`);

const Activities = graphql(`
  query Activities(
    $types: [String!]!
    $since: DateTime
    $leadIds: [Int!]
    $listId: Int
    $first: Int
    $after: String
  ) {
    activities(
      types: $types
      since: $since
      leadIds: $leadIds
      listId: $listId
      first: $first
      after: $after
    ) {
      edges {
        cursor
        node {
          marketoGUID
          leadId
          activityTypeId
          activityType
          campaignId
          primaryAttributeValueId
          primaryAttributeValue
          attributes {
            name
            dataType
            value
          }
          attributesObject
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const ActivitiesUntil = graphql(`
  query ActivitiesUntil($since: DateTime!, $until: DateTime!, $leadIds: [Int!]) {
    activities(types: ["New Lead"], since: $since, until: $until, leadIds: $leadIds) {
      edges {
        node {
          leadId
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const LeadActivities = graphql(`
  query LeadActivities($id: Int!, $since: DateTime!) {
    lead(id: $id) {
      id
      activities(types: ["12", "Change Data Value"], since: $since) {
        edges {
          node {
            activityType
            attributesObject
          }
        }
      }
    }
  }
`);

const LeadChanges = graphql(`
  query LeadChanges(
    $fields: [String!]!
    $since: DateTime
    $leadIds: [Int!]
    $first: Int
    $after: String
  ) {
    leadChanges(fields: $fields, since: $since, leadIds: $leadIds, first: $first, after: $after) {
      edges {
        node {
          marketoGUID
          leadId
          kind
          fields {
            name
            dataType
            oldValue
            newValue
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const DeletedAndTypes = graphql(`
  query DeletedAndTypes($since: DateTime!) {
    activityTypes {
      id
      name
      primaryAttribute {
        name
        dataType
      }
    }
    deletedLeads(since: $since) {
      edges {
        node {
          leadId
          name
        }
      }
    }
  }
`);

let gw: TestGateway;
beforeAll(async () => {
  // A call examines 3 activities at most: Marketo pages come back short or empty.
  gw = await startTestGateway({ sandbox: { activityScanLimit: 3 } });
});
afterAll(() => gw?.stop());

/** The sandbox's clock (a compressed one runs ahead of the machine's). */
const sandboxNow = async () => new Date(String((await gw.stats()).now));
const iso = (ms: number) => new Date(ms).toISOString();

async function createLead(email: string, extra: Record<string, unknown> = {}): Promise<number> {
  const result = await gw.execute(Upsert, {
    leads: [{ email, ...extra }],
    action: 'CREATE_ONLY',
    lookupField: 'email',
  });
  return result.data?.upsertLeads?.results[0]?.id as number;
}

describe('activities: every write the gateway makes is recorded', () => {
  it('upsert create/update, list add/remove and a campaign request, with their values', async () => {
    const since = iso((await sandboxNow()).getTime() - 1000);
    const id = await createLead('gw-act@example.com', { firstName: 'Ada' });
    await gw.execute(Upsert, {
      leads: [{ id, firstName: 'Grace', leadScore: 7 }],
      action: 'UPDATE_ONLY',
      lookupField: 'id',
    });
    await gw.execute(ListChange, { listId: 1007, leadIds: [id] });
    await gw.execute(Trigger, { campaignId: 1102, leadIds: [id] });

    const result = await gw.execute(Activities, {
      types: ['New Lead', 'Change Data Value', 'Add to List', 'Remove from List', '47'],
      since,
      leadIds: [id],
      first: 50,
    });
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.activities.edges.map((e) => e.node) ?? [];
    expect(
      nodes.map((n) => [n.activityType, n.primaryAttributeValue ?? null, n.attributesObject]),
    ).toEqual([
      ['New Lead', null, { 'Source Type': 'Web service API' }],
      [
        'Change Data Value',
        'First Name',
        { 'New Value': 'Grace', 'Old Value': 'Ada', Reason: 'Web service API' },
      ],
      [
        'Change Data Value',
        'Lead Score',
        { 'New Value': '7', 'Old Value': null, Reason: 'Web service API' },
      ],
      ['Add to List', 'Empty List', { Source: 'Web service API' }],
      ['Remove from List', 'Empty List', { Source: 'Web service API' }],
      ['Request Campaign', 'Welcome Email (API)', { Source: 'Web service API' }],
    ]);
    // Typed by activities/types.json: Source is a string, the list id an integer.
    expect(nodes[3]?.attributes).toEqual([
      { name: 'Source', dataType: 'string', value: 'Web service API' },
    ]);
    expect(nodes[3]?.primaryAttributeValueId).toBe(1007);
    expect(nodes[5]?.campaignId).toBe(1102);

    const lead = await gw.execute(LeadActivities, { id, since });
    expect(lead.data?.lead?.activities.edges.map((e) => e.node.activityType)).toEqual([
      'New Lead',
      'Change Data Value',
      'Change Data Value',
    ]);
  });

  it('stops at `until`: nothing after it, and the stream ends there', async () => {
    const until = iso((await sandboxNow()).getTime() - 1000);
    const id = await createLead('gw-until@example.com');
    const result = await gw.execute(ActivitiesUntil, {
      since: iso(Date.parse(until) - 60_000),
      until,
      leadIds: [id],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.activities.edges).toEqual([]);
    expect(result.data?.activities.pageInfo.hasNextPage).toBe(false);
  });

  it('lists the activity types and deleted leads', async () => {
    const since = iso((await sandboxNow()).getTime() - 1000);
    gw.store.deleteLead(42);
    const result = await gw.execute(DeletedAndTypes, { since });
    expect(result.data?.activityTypes).toContainEqual({
      id: 13,
      name: 'Change Data Value',
      primaryAttribute: { name: 'Attribute Name', dataType: 'integer' },
    });
    expect(result.data?.deletedLeads.edges.map((e) => e.node.leadId)).toContain(42);
  });
});

describe('leadChanges: exactly the changes after a stored cursor', () => {
  it('returns each change once, in order, across pages and empty Marketo pages', async () => {
    const id = await createLead('gw-changes@example.com', { firstName: 'v0' });
    // Read to the end: the endCursor is where a consumer would store its position.
    let cursor: string | undefined;
    let since: string | undefined = iso((await sandboxNow()).getTime() - 1000);
    for (;;) {
      const page = await gw.execute(LeadChanges, {
        fields: ['firstName'],
        first: 100,
        after: cursor ?? null,
        since: cursor ? null : (since ?? null),
      });
      expect(page.errors).toBeUndefined();
      cursor = page.data?.leadChanges.pageInfo.endCursor ?? undefined;
      since = undefined;
      if (!page.data?.leadChanges.pageInfo.hasNextPage) break;
    }
    const before = (await gw.stats()).calls.byEndpoint['GET /rest/v1/activities/leadchanges.json'];

    // Five changes of firstName, with unrelated activities between them (list adds, city).
    for (let v = 1; v <= 5; v++) {
      await gw.execute(ListChange, { listId: 1007, leadIds: [id] });
      await gw.execute(Upsert, {
        leads: [{ id, firstName: `v${v}`, city: `c${v}` }],
        action: 'UPDATE_ONLY',
        lookupField: 'id',
      });
    }

    const seen: { oldValue: unknown; newValue: unknown }[] = [];
    const guids: string[] = [];
    let pages = 0;
    for (;;) {
      const page = await gw.execute(LeadChanges, {
        fields: ['firstName'],
        first: 2,
        after: cursor,
      });
      expect(page.errors).toBeUndefined();
      pages++;
      for (const edge of page.data?.leadChanges.edges ?? []) {
        guids.push(edge.node.marketoGUID);
        expect(edge.node.kind).toBe('CHANGE_DATA_VALUE');
        for (const f of edge.node.fields) seen.push({ oldValue: f.oldValue, newValue: f.newValue });
      }
      cursor = page.data?.leadChanges.pageInfo.endCursor ?? undefined;
      if (!page.data?.leadChanges.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(
      [1, 2, 3, 4, 5].map((v) => ({ oldValue: `v${v - 1}`, newValue: `v${v}` })),
    );
    expect(new Set(guids).size).toBe(5);
    expect(pages).toBe(3);
    // Marketo pages: 25 activities examined 3 at a time, most of them empty of firstName changes.
    const after = (await gw.stats()).calls.byEndpoint['GET /rest/v1/activities/leadchanges.json'];
    expect((after ?? 0) - (before ?? 0)).toBeGreaterThan(pages);

    // The stored cursor, used later, yields only what happened since.
    await gw.execute(Upsert, {
      leads: [{ id, firstName: 'v6' }],
      action: 'UPDATE_ONLY',
      lookupField: 'id',
    });
    const later = await gw.execute(LeadChanges, {
      fields: ['firstName'],
      first: 10,
      after: cursor,
    });
    expect(later.data?.leadChanges.edges.map((e) => e.node.fields[0]?.newValue)).toEqual(['v6']);
  });

  it('checks fields against the describe, naming the field', async () => {
    const result = await gw.execute(LeadChanges, {
      fields: ['firstName', 'noSuchField'],
      since: new Date().toISOString(),
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'fields[1]',
      field: 'noSuchField',
    });
  });
});

describe('activities: more than 30 leads and 10 types are chunked', () => {
  it('reads 31 leads × 11 types as 2 × 2 call sequences', async () => {
    const gw2 = await startTestGateway();
    try {
      const since = new Date(String((await gw2.stats()).now));
      const leadIds = Array.from({ length: 31 }, (_, i) => 500 + i);
      await gw2.execute(ListChange, { listId: 1007, leadIds });
      const before = (await gw2.stats()).calls.byEndpoint['GET /rest/v1/activities.json'] ?? 0;
      const types = ['1', '2', '6', '7', '9', '12', '13', '24', '25', '37', '47'];
      const result = await gw2.execute(Activities, {
        types,
        since: iso(since.getTime() - 1000),
        leadIds,
        first: 100,
      });
      expect(result.errors).toBeUndefined();
      const adds = result.data?.activities.edges.filter((e) => e.node.activityTypeId === 24);
      expect(adds?.map((e) => e.node.leadId).sort()).toEqual(leadIds);
      const after = (await gw2.stats()).calls.byEndpoint['GET /rest/v1/activities.json'] ?? 0;
      expect(after - before).toBe(4);
      expect(result.extensions?.marketo?.byEndpoint['GET /rest/v1/activities.json']?.calls).toBe(4);
    } finally {
      await gw2.stop();
    }
  });
});

describe('activities: listId of a list of 10,000 leads or more', () => {
  it('never sends that listId: the members go as leadIds chunks, said in extensions.marketo', async () => {
    const big = await startTestGateway({ sandbox: { leads: 10_000 } });
    try {
      const since = new Date(Date.parse(String((await big.stats()).now)) - 1000).toISOString();
      const id = await (async () => {
        const r = await big.execute(Upsert, {
          leads: [{ email: 'big-list@example.com' }],
          action: 'CREATE_ONLY',
          lookupField: 'email',
        });
        return r.data?.upsertLeads?.results[0]?.id as number;
      })();
      await big.execute(ListChange, { listId: 1002, leadIds: [4] });
      const result = await big.execute(Activities, {
        types: ['New Lead', 'Add to List'],
        since,
        listId: 1031,
        first: 10,
      });
      expect(result.errors).toBeUndefined();
      expect(result.extensions?.marketo?.activityLists).toEqual([
        { listId: 1031, strategy: 'LEAD_ID_CHUNKS', members: 10_000, chunks: 334 },
      ]);
      expect((await big.stats()).errors['1003']).toBeUndefined();
      // Lead 4 is in list 1031 (its list add shows); the new lead (10,001) is not.
      const first = result.data?.activities;
      expect(first?.edges.map((e) => e.node.leadId)).toContain(4);
      expect(first?.edges.map((e) => e.node.leadId)).not.toContain(id);
      expect(first?.pageInfo.hasNextPage).toBe(true);

      const small = await big.execute(Activities, {
        types: ['Add to List'],
        since,
        listId: 1002,
      });
      expect(small.extensions?.marketo?.activityLists).toEqual([
        { listId: 1002, strategy: 'LIST_ID', members: 300, chunks: 1 },
      ]);
      // Added and removed again: a member no longer, so not in the list's activities.
      expect(small.data?.activities.edges).toEqual([]);
    } finally {
      await big.stop();
    }
  });
});
