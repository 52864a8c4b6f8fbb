/**
 * Subscriptions have limits: per graphql-ws socket and per API key (WebSocket and SSE), each
 * refused past its limit with SUBSCRIPTION_LIMIT while the key's open subscriptions and other
 * keys' operations go on; a completed subscription frees its place.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const PER_SOCKET = 4;
const PER_KEY = 6;
const LONG = 'subscription { marketoStatus(intervalMs: 100000) { callsToday } }';

let gw: SecuredGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startSecuredGateway({
    security: {
      limits: { maxSubscriptionsPerSocket: PER_SOCKET, maxSubscriptionsPerKey: PER_KEY },
    },
  });
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gw?.stop();
});

function client(key: string): Client {
  const c = createClient({
    url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${key}` },
  });
  clients.push(c);
  return c;
}

type Outcome = { kind: 'open'; stop: () => void } | { kind: 'refused'; codes: string[] };

/** Subscribes and resolves at the first event (open) or the refusal. */
function subscribe(c: Client): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const stop = c.subscribe(
      { query: LONG },
      {
        // A refusal at start is an event carrying the error, then completion.
        next: (result) =>
          resolve(
            result.errors
              ? { kind: 'refused', codes: codes(result.errors as never) }
              : { kind: 'open', stop },
          ),
        error: (error) => {
          if (Array.isArray(error)) {
            resolve({ kind: 'refused', codes: codes(error as never) });
          } else reject(error as Error);
        },
        complete: () => {},
      },
    );
  });
}

describe('subscription limits', () => {
  it('refuses a subscription flood past the socket limit, then past the key limit; other keys go on', async () => {
    const key = keyFor('leads:read');
    const first = client(key);
    const opened: Outcome[] = [];
    for (let i = 0; i < PER_SOCKET; i++) opened.push(await subscribe(first));
    expect(opened.every((o) => o.kind === 'open')).toBe(true);
    expect(await subscribe(first)).toEqual({ kind: 'refused', codes: ['SUBSCRIPTION_LIMIT'] });

    // A second socket of the same key: up to the key's limit.
    const second = client(key);
    for (let i = PER_SOCKET; i < PER_KEY; i++) {
      expect((await subscribe(second)).kind).toBe('open');
    }
    expect(await subscribe(second)).toEqual({ kind: 'refused', codes: ['SUBSCRIPTION_LIMIT'] });
    // Over SSE as well: the key's count is shared.
    const sse = await gw.post(
      { query: 'subscription { marketoStatus(count: 1) { callsToday } }' },
      { key, headers: { accept: 'text/event-stream' } },
    );
    expect(sse.text).toContain('SUBSCRIPTION_LIMIT');

    // Another key subscribes and queries as usual.
    const other = keyFor('admin');
    expect((await subscribe(client(other))).kind).toBe('open');
    const query = await gw.graphql('{ leads(ids: [1, 2]) { id } }', {}, other);
    expect(query.body?.data).toEqual({ leads: [{ id: 1 }, { id: 2 }] });

    // A completed subscription frees its place.
    const open = opened[0];
    if (open?.kind === 'open') open.stop();
    await expect.poll(async () => (await subscribe(first)).kind).toBe('open');
  });
});
