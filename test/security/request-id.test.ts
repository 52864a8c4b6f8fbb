/**
 * Request ids: every HTTP response carries `x-request-id` (the caller's when it is a sane token),
 * the operation's log lines carry the same id, and an unexpected error reaches the client as
 * "Unexpected error." with `extensions.requestId` — the id of the log line that tells what failed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { GatewayServices } from '../../src/context.js';
import { FieldCatalog } from '../../src/loaders/field-catalog.js';
import { createLogger } from '../../src/logger.js';
import type { MarketoApi } from '../../src/marketo/api.js';
import { attachWebSocket } from '../../src/ws.js';
import { createGatewayYoga } from '../../src/yoga.js';
import { keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  principal?: string;
  error?: { message: string };
  [key: string]: unknown;
}

describe('request ids on HTTP responses', () => {
  let gw: SecuredGateway;
  beforeAll(async () => {
    gw = await startSecuredGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });
  const leads = 'query RequestIdLeads { leads(ids: [1]) { id } }';

  it("answers a new id per request, or the caller's when it is a sane token", async () => {
    const first = await gw.graphql(leads, {}, keyFor('admin'));
    const second = await gw.graphql(leads, {}, keyFor('admin'));
    expect(first.headers.get('x-request-id')).toMatch(UUID);
    expect(second.headers.get('x-request-id')).toMatch(UUID);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));

    const kept = await gw.post(
      { query: leads },
      { key: keyFor('admin'), headers: { 'x-request-id': 'lb-7f3a.9_Z-1' } },
    );
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.9_Z-1');
    for (const insane of ['has space', 'x'.repeat(129), '<script>', 'a/b', 'é']) {
      const replaced = await gw.post(
        { query: leads },
        { key: keyFor('admin'), headers: { 'x-request-id': encodeURI(insane) } },
      );
      expect(replaced.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('answers one on refusals and on /health too', async () => {
    const refused = await gw.graphql(leads);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(UUID);
    const health = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
  });
});

/**
 * Runs `body` against a gateway that logs to stdout as `npm start` does, with stdout captured;
 * `lines()` gives the JSON log lines written so far.
 */
async function withGatewayLog(
  body: (gw: SecuredGateway, lines: () => LogLine[]) => Promise<void>,
): Promise<void> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const lines = () =>
    written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const gw = await startSecuredGateway({ gatewayLogger: true });
  try {
    await body(gw, lines);
  } finally {
    await gw.stop();
    vi.restoreAllMocks();
  }
}

describe("the operation's log lines", () => {
  it('carry its request id, Marketo client lines included', async () => {
    await withGatewayLog(async (gw, lines) => {
      // Marketo answers 606 (rate limit) once: the client logs a retry for this operation.
      await gw.fault({ error: '606', next: 1, endpoint: 'GET /rest/v1/lists.json' });
      const result = await gw.post(
        { query: 'query RequestIdRetried { lists(first: 1) { edges { node { id } } } }' },
        { key: keyFor('admin'), headers: { 'x-request-id': 'retry-trace-42' } },
      );
      expect(result.body?.errors).toBeUndefined();
      const retry = lines().find((line) => line.msg === 'marketo call retrying');
      expect(retry).toMatchObject({ requestId: 'retry-trace-42', code: '606' });
    });
  });
});

describe('expected errors', () => {
  it("are the caller's business: no error-level log line for a bad argument", async () => {
    await withGatewayLog(async (gw, lines) => {
      const bad = await gw.post(
        { query: 'query RequestIdBadArgument { lead(id: -1) { id } }' },
        { key: keyFor('admin') },
      );
      expect(bad.body?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(lines().filter((line) => line.level === 'error')).toEqual([]);
    });
  });
});

describe('unexpected errors', () => {
  const logged: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => logged.push(JSON.parse(line) as LogLine),
  });
  afterEach(() => {
    logged.length = 0;
  });
  const broken = () => {
    throw new Error('connect ECONNREFUSED https://host/rest?access_token=abc');
  };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        fine: { type: GraphQLString, resolve: () => 'fine' },
        broken: { type: GraphQLString, resolve: broken },
      },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: GraphQLInt,
          subscribe: async function* () {
            yield 1;
            yield 2;
          },
          // The second event fails.
          resolve: (tick: number) => (tick === 2 ? broken() : tick),
        },
      },
    }),
  });
  const marketo = { withContext: () => marketo } as unknown as MarketoApi;
  const services = (api: MarketoApi) =>
    ({
      marketo: api,
      fieldCatalog: new FieldCatalog({ ttlMs: 1 }),
      instance: { mode: 'SANDBOX', origin: 'http://sandbox' },
      logger,
    }) as unknown as GatewayServices;
  const yoga = createGatewayYoga({ schema, services: services(marketo), logger });

  async function post(query: string, headers: Record<string, string> = {}) {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as {
      data?: unknown;
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    return { status: response.status, requestId: response.headers.get('x-request-id'), body };
  }

  const unexpectedLines = () => logged.filter((line) => line.msg === 'unexpected error');

  it('reach the client masked, with the request id of the log line that tells what failed', async () => {
    const { requestId, body } = await post('query RequestIdBroken { fine broken }');
    expect(requestId).toMatch(UUID);
    expect(body.data).toEqual({ fine: 'fine', broken: null });
    expect(body.errors).toEqual([
      {
        message: 'Unexpected error.',
        locations: [{ line: 1, column: 30 }],
        path: ['broken'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
      },
    ]);
    expect(JSON.stringify(body)).not.toContain('access_token');
    const lines = unexpectedLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      requestId,
      principal: 'anonymous',
      path: 'broken',
      error: { message: expect.stringContaining('ECONNREFUSED') },
    });
  });

  it("keep the caller's request id", async () => {
    const { requestId, body } = await post('query RequestIdTraced { broken }', {
      'x-request-id': 'support-ticket-981',
    });
    expect(requestId).toBe('support-ticket-981');
    expect(body.errors[0]?.extensions['requestId']).toBe('support-ticket-981');
    expect(unexpectedLines()[0]?.requestId).toBe('support-ticket-981');
  });

  it('in a subscription event are masked the same way (SSE)', async () => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription RequestIdTicks { ticks }' }),
    });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(UUID);
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ data: { ticks: 1 } });
    expect(events[0]).not.toHaveProperty('errors');
    expect(events[1]).toMatchObject({
      data: { ticks: null },
      errors: [{ message: 'Unexpected error.', extensions: { requestId } }],
    });
    expect(unexpectedLines().map((line) => line.requestId)).toEqual([requestId]);
  });

  it('outside execution (building the context) carry the id too', async () => {
    const failing = {
      withContext: () => {
        throw new Error('context exploded');
      },
    } as unknown as MarketoApi;
    const fragile = createGatewayYoga({ schema, services: services(failing), logger });
    const response = await fragile.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'ctx-1' },
      body: JSON.stringify({ query: 'query RequestIdNoContext { fine }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('ctx-1');
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    expect(body.errors[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'ctx-1' },
    });
    expect(JSON.stringify(body)).not.toContain('exploded');
    expect(unexpectedLines()).toMatchObject([
      { requestId: 'ctx-1', error: { message: 'context exploded' } },
    ]);
  });

  it('over graphql-ws carry the id of the operation', async () => {
    const server: Server = createServer(yoga);
    const ws = attachWebSocket(server, yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const result = await client.iterate({ query: 'query RequestIdOverWs { broken }' }).next();
      const error = (result.value as { errors: Array<{ extensions: Record<string, unknown> }> })
        .errors[0];
      expect(error?.extensions['requestId']).toMatch(UUID);
      expect(unexpectedLines().map((line) => line.requestId)).toEqual([
        error?.extensions['requestId'],
      ]);
    } finally {
      await client.dispose();
      await ws.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
