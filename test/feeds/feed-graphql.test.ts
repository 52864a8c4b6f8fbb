/**
 * The feed subscriptions through the gateway against the sandbox: `leadChanged` carries each
 * change's old and new values (the read schema's LeadChange) and a cursor to resume from;
 * `activityAdded` the Activity; a named feed moves by `acknowledgeFeed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { payload } from '../helpers/outcome.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ timeScale: 50 });
});
afterAll(() => gw.stop());

const Update = graphql(`
  mutation FeedUpdate($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        updated
      }
      ... on Error {
        code
        message
      }
    }
  }
`);
const Ack = graphql(`
  mutation FeedAck($feed: String!, $cursor: String!) {
    acknowledgeFeed(feed: $feed, cursor: $cursor) {
      ... on FeedPosition {
        feed
        cursor
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

/** The first `n` events of a subscription over SSE (then the connection is closed). */
async function firstEvents<T>(
  query: string,
  variables: Record<string, unknown>,
  n: number,
  on: TestGateway = gw,
) {
  const stop = new AbortController();
  const response = await fetch(`${on.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: stop.signal,
  });
  const events: Array<{
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        buffer = buffer.slice(end + 2);
        if (data) events.push(JSON.parse(data) as (typeof events)[number]);
        if (events.length >= n || events.at(-1)?.errors) {
          stop.abort();
          return events;
        }
      }
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  }
  return events;
}

const LEAD_CHANGED = `
  subscription FeedChanges($since: DateTime, $feed: String, $fromCursor: String) {
    leadChanged(fields: ["firstName"], since: $since, feed: $feed, fromCursor: $fromCursor) {
      cursor
      change { leadId kind fields { name oldValue newValue } }
    }
  }
`;
type Changed = {
  leadChanged: {
    cursor: string;
    change: {
      leadId: number;
      kind: string;
      fields: Array<{ name: string; oldValue: unknown; newValue: unknown }>;
    };
  };
};

/**
 * Sets lead `id`'s firstName to `name` and returns when the sandbox says that happened (its clock
 * runs ahead of ours): a `since` that starts with this change.
 */
async function markedChange(id: number, name: string): Promise<string> {
  await gw.execute(Update, {
    input: { action: 'UPDATE_ONLY', lookupField: 'id', leads: [{ id, firstName: name }] },
  });
  const { leads } = await gw.control<{ leads: Array<{ updatedAt: string }> }>(
    `/__sandbox/leads?id=${id}`,
  );
  return leads[0]!.updatedAt;
}

describe('leadChanged and activityAdded subscriptions', () => {
  it('streams each change with old and new values, resumable from any cursor', async () => {
    const from = await markedChange(7, 'Warm');
    const pending = firstEvents<Changed>(LEAD_CHANGED, { since: from }, 4);
    for (const name of ['Ada', 'Grace', 'Edsger']) {
      const result = await gw.execute(Update, {
        input: { action: 'UPDATE_ONLY', lookupField: 'id', leads: [{ id: 7, firstName: name }] },
      });
      expect(payload(result.data?.upsertLeads).updated).toBe(1);
    }
    const events = await pending;
    expect(events.map((e) => e.data?.leadChanged.change.fields[0])).toEqual([
      expect.objectContaining({ name: 'firstName', newValue: 'Warm' }),
      { name: 'firstName', oldValue: 'Warm', newValue: 'Ada' },
      { name: 'firstName', oldValue: 'Ada', newValue: 'Grace' },
      { name: 'firstName', oldValue: 'Grace', newValue: 'Edsger' },
    ]);
    expect(events.every((e) => e.data?.leadChanged.change.leadId === 7)).toBe(true);
    // From the first event's cursor: the two after it.
    const resumed = await firstEvents<Changed>(
      LEAD_CHANGED,
      { fromCursor: events[1]!.data!.leadChanged.cursor },
      2,
    );
    expect(resumed.map((e) => e.data?.leadChanged.change.fields[0]?.newValue)).toEqual([
      'Grace',
      'Edsger',
    ]);
  });

  it('resumes a named feed after its last acknowledged event', async () => {
    const from = await markedChange(8, 'One');
    const pending = firstEvents<Changed>(LEAD_CHANGED, { since: from, feed: 'graphql-test' }, 2);
    for (const name of ['Two', 'Three']) {
      await gw.execute(Update, {
        input: { action: 'UPDATE_ONLY', lookupField: 'id', leads: [{ id: 8, firstName: name }] },
      });
    }
    const got = await pending;
    const ack = await gw.execute(Ack, {
      feed: 'graphql-test',
      cursor: got[0]!.data!.leadChanged.cursor,
    });
    expect(payload(ack.data?.acknowledgeFeed).cursor).toBe(got[0]!.data!.leadChanged.cursor);
    const again = await firstEvents<Changed>(LEAD_CHANGED, { feed: 'graphql-test' }, 2);
    expect(again.map((e) => e.data?.leadChanged.change.fields[0]?.newValue)).toEqual([
      'Two',
      'Three',
    ]);
  });

  it('refuses unknown fields and more than 10 activity types', async () => {
    const bad = await firstEvents(
      `subscription { leadChanged(fields: ["nope"]) { cursor } }`,
      {},
      1,
    );
    expect(bad[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const types = Array.from({ length: 11 }, (_, i) => String(i + 1));
    const many = await firstEvents(
      `subscription($types: [String!]!) { activityAdded(types: $types) { cursor } }`,
      { types },
      1,
    );
    expect(many[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('never polls with the listId of a list of 10,000 leads or more (Marketo answers 1003)', async () => {
    // List 1031 holds the first 20,000 leads: all 10,000 of this sandbox's.
    const big = await startTestGateway({ sandbox: { leads: 10_000 } });
    try {
      const large = await firstEvents(
        `subscription { leadChanged(fields: ["firstName"], listId: 1031) { cursor } }`,
        {},
        1,
        big,
      );
      expect(large[0]?.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'listId',
      });
      const stats = await big.stats();
      expect(stats.calls.byEndpoint['GET /rest/v1/activities/leadchanges.json'] ?? 0).toBe(0);
      expect(stats.errors['1003'] ?? 0).toBe(0);
    } finally {
      await big.stop();
    }
  });
});
