/**
 * A feed over graphql-ws: the gateway writes the frames a socket is sent in one event-loop turn
 * together (ws.ts), and takes each subscription's next event before the previous frame reached
 * the kernel. Every socket must still get a page's events whole, in order, each once.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { payload } from '../helpers/outcome.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ timeScale: 50 });
});
afterAll(() => gw.stop());

const Update = graphql(`
  mutation FeedSocketUpdate($input: UpsertLeadsInput!) {
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

const LEAD_CHANGED = `
  subscription FeedSocket {
    leadChanged(fields: ["firstName"]) { cursor change { leadId fields { name newValue } } }
  }
`;
type Changed = {
  leadChanged: { cursor: string; change: { fields: Array<{ newValue: unknown }> } };
};

async function rename(leads: Array<{ id: number; firstName: string }>): Promise<void> {
  const result = await gw.execute(Update, {
    input: { action: 'UPDATE_ONLY', lookupField: 'id', leads },
  });
  expect(payload(result.data?.upsertLeads).updated).toBe(leads.length);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('feed events over graphql-ws', () => {
  it('hands every socket a whole 300-change page, in order, each event once', async () => {
    const clients = [0, 1, 2].map(() =>
      createClient({
        url: `${gw.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      }),
    );
    const names: string[][] = clients.map(() => []);
    const cursors: string[][] = clients.map(() => []);
    const errors: unknown[] = [];
    clients.forEach((client, i) =>
      client.subscribe<Changed>(
        { query: LEAD_CHANGED },
        {
          next: (result) => {
            const event = result.data?.leadChanged;
            if (!event) return void errors.push(result.errors);
            names[i]!.push(String(event.change.fields[0]?.newValue));
            cursors[i]!.push(event.cursor);
          },
          error: (error) => errors.push(error),
          complete: () => {},
        },
      ),
    );
    try {
      // Live from now: a sentinel change, renewed until every socket heard one.
      for (let tries = 0; names.some((n) => n.length === 0); tries++) {
        expect(tries).toBeLessThan(50);
        await rename([{ id: 301, firstName: `sentinel-${tries}` }]);
        await sleep(100);
      }
      const page = Array.from({ length: 300 }, (_, k) => ({ id: k + 1, firstName: `page-${k}` }));
      await rename(page);
      const paged = (i: number) => names[i]!.filter((name) => name.startsWith('page-'));
      for (let waited = 0; clients.some((_, i) => paged(i).length < page.length); waited++) {
        expect(errors).toEqual([]);
        expect(waited).toBeLessThan(200);
        await sleep(50);
      }
      await sleep(100); // anything sent twice would arrive by now
      expect(errors).toEqual([]);
      for (let i = 0; i < clients.length; i++) {
        expect(paged(i)).toEqual(page.map((lead) => lead.firstName));
        expect(new Set(cursors[i]).size).toBe(cursors[i]!.length);
      }
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});
