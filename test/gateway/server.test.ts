import { request } from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createGateway } from '../../src/server.js';
import { graphql } from '../gql/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const FirstLead = graphql(`
  query FirstLead {
    lead(id: 1) {
      id
      email
    }
  }
`);

const StatusTicks = graphql(`
  subscription StatusTicks {
    marketoStatus(intervalMs: 100, count: 2) {
      mode
      instance
      dailyQuota
      limiter {
        rateLimit
        maxConcurrency
      }
    }
  }
`);

const Status = graphql(`
  query Status {
    marketoStatus {
      mode
      instance
      callsToday
      dailyQuota
      dailyQuotaLeft
      limiter {
        inFlight
        maxConcurrency
        callsInWindow
        rateLimit
        rateWindowMs
        queued
        shared
      }
    }
  }
`);

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.stop();
});

/** The `data:` payloads of an SSE body, up to `event: complete`. */
function sseEvents(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((block) => block.includes('event: next'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as unknown);
}

function wsClient() {
  return createClient({
    url: `${gw.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
}

describe('serving', () => {
  it('answers /health with 200', async () => {
    const response = await fetch(`${gw.url}/health`);
    expect(response.status).toBe(200);
  });

  it('keeps idle connections longer than clients do, so a reused socket is never one being closed', async () => {
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(`${gw.url}/health`, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        resolve(res.headers['keep-alive']?.toString());
      });
      req.on('error', reject).end();
    });
    // undici keeps an idle socket 4 s (less when the server's hint is shorter).
    expect(keepAlive).toMatch(/timeout=65\b/);
  });

  it('answers /ready, /metrics and /status however their path is spelled', async () => {
    // Raw paths (fetch would resolve the dot segments itself): the gateway's URL parser does.
    const status = (path: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        request(`${gw.url}${path}`, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
          .on('error', reject)
          .end();
      });
    for (const path of ['/ready', '/ready?probe=1', '/x/../ready', '/./ready']) {
      expect(await status(path), path).toBe(200);
    }
    // Open mode: everyone is an admin, so /metrics and /status answer.
    for (const path of ['/metrics?x=1', '/x/../metrics', '/status', '/y/../status']) {
      expect(await status(path), path).toBe(200);
    }
    expect(await status('/readyz')).toBe(404);
  });

  it('serves GraphiQL without any CDN', async () => {
    const response = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('Marketo GraphQL gateway');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
  });

  it('reports the Marketo instance and limiter state without calling Marketo', async () => {
    await gw.reset();
    const result = await gw.execute(Status);
    expect(result.data?.marketoStatus).toMatchObject({
      mode: 'MARKETO',
      instance: gw.sandboxUrl,
      dailyQuota: 50_000,
      limiter: { maxConcurrency: 10, rateLimit: 100, shared: false },
    });
    expect(result.extensions?.marketo?.calls).toBe(0);
  });
});

describe('Server-Sent Events', () => {
  it('serves a query over SSE', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: String(FirstLead) }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const [event] = sseEvents(await response.text());
    expect(event).toMatchObject({
      data: { lead: { id: 1 } },
      extensions: { marketo: { calls: expect.any(Number) } },
    });
  });

  it('streams a subscription over SSE until it completes', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: String(StatusTicks) }),
    });
    const body = await response.text();
    const events = sseEvents(body);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ extensions: { marketo: { calls: 0 } } });
    expect(body).toContain('event: complete');
  });
});

describe('graphql-ws', () => {
  it('serves a query with its Marketo cost over WebSocket', async () => {
    const client = wsClient();
    try {
      const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
        client.subscribe(
          { query: String(FirstLead) },
          {
            next: (value) => resolve(value as Record<string, unknown>),
            error: reject,
            complete: () => {},
          },
        );
      });
      expect(result).toMatchObject({
        data: { lead: { id: 1 } },
        extensions: { marketo: { calls: expect.any(Number) } },
      });
    } finally {
      await client.dispose();
    }
  });

  it('streams a subscription over WebSocket', async () => {
    const client = wsClient();
    try {
      const events: unknown[] = [];
      for await (const event of client.iterate({ query: String(StatusTicks) })) events.push(event);
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ data: { marketoStatus: { mode: 'MARKETO' } } });
    } finally {
      await client.dispose();
    }
  });

  it('reports input errors with their code over WebSocket too', async () => {
    const client = wsClient();
    try {
      const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
        client.subscribe(
          { query: 'query { leads(ids: []) { id } }' },
          {
            next: (value) => resolve(value as Record<string, unknown>),
            error: reject,
            complete: () => {},
          },
        );
      });
      expect(result.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'ids' }),
        }),
      ]);
    } finally {
      await client.dispose();
    }
  });
});

describe('npm start without Marketo credentials', () => {
  it('starts the embedded sandbox, serves its leads and stops cleanly', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SANDBOX_LEADS: '50' });
    expect(config.marketo.sandbox).toBe(true);
    const gateway = await createGateway(config, { logger: silentLogger });
    try {
      const url = await gateway.start();
      expect(gateway.instance.mode).toBe('SANDBOX');
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ marketoStatus { mode } leads(ids: [1, 50, 51]) { id } }',
        }),
      });
      expect(await response.json()).toMatchObject({
        data: { marketoStatus: { mode: 'SANDBOX' }, leads: [{ id: 1 }, { id: 50 }, null] },
      });
    } finally {
      await gateway.stop();
    }
  });
});
