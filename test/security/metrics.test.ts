/**
 * `/metrics`: Prometheus text with GraphQL operation metrics, Marketo calls by route template and
 * code, the limiter wait, the quota, bulk jobs by state and open subscriptions — readable with an
 * `admin` key (or by anyone with GATEWAY_METRICS=public), and never holding a secret, an id, a
 * variable or a caller's free text.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { securityFromEnv } from '../../src/security/settings.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { KEYS, keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const CLIENT_SECRET = 'metrics-test-Marketo-secret-5c0ffee';
const SECRETS = [CLIENT_SECRET, ...KEYS.map((k) => k.key)];
const admin = keyFor('admin');

let gw: SecuredGateway;
beforeAll(async () => {
  gw = await startSecuredGateway({ sandbox: { clientSecret: CLIENT_SECRET } });
});
afterAll(async () => {
  await gw?.stop();
});

/** GET /metrics with `key` (null: none). */
async function scrape(url: string, key: string | null = admin) {
  const response = await fetch(`${url}/metrics`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  };
}

async function metrics(): Promise<string> {
  const { status, text } = await scrape(gw.url);
  expect(status).toBe(200);
  return text;
}

/** The value of the series `name{labels…}`; undefined when it is not there. */
function value(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** Polls `/metrics` until `check` holds (bounded generously for a loaded machine). */
async function eventually(check: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await metrics();
    if (check(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('GraphQL operation metrics', () => {
  it('counts operations, phases and errors by bounded operation name', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await gw.graphql('query MetricsLeads { leads(ids: [1, 2]) { id } }', {}, admin);
      expect(ok.status).toBe(200);
    }
    await gw.graphql('query MetricsBroken { leadz }', {}, admin);
    // A name that is no GraphQL name is never a label value.
    await gw.post(
      { query: '{ leads(ids: [1]) { id } }', operationName: 'drop table "x"; {}' },
      { key: admin },
    );
    const text = await metrics();
    const leads = { operationName: 'MetricsLeads', operationType: 'query' };
    expect(value(text, 'graphql_envelop_request', leads)).toBe(3);
    expect(value(text, 'graphql_envelop_phase_parse_count', leads)).toBeGreaterThanOrEqual(1);
    expect(value(text, 'graphql_envelop_phase_validate_count', leads)).toBeGreaterThanOrEqual(1);
    expect(value(text, 'graphql_envelop_phase_execute_count', leads)).toBe(3);
    expect(value(text, 'graphql_envelop_request_duration_count', leads)).toBe(3);
    expect(
      value(text, 'graphql_yoga_http_duration_count', {
        ...leads,
        method: 'POST',
        statusCode: '200',
      }),
    ).toBe(3);
    expect(
      value(text, 'graphql_envelop_error_result', {
        operationName: 'MetricsBroken',
        phase: 'validate',
        // The code the client sees, not INTERNAL_SERVER_ERROR.
        code: 'GRAPHQL_VALIDATION_FAILED',
      }),
    ).toBe(1);
    expect(text).not.toContain('drop table');
    expect(value(text, 'graphql_envelop_phase_parse_count', { operationName: 'invalid' })).toBe(1);
  });

  it('labels errors with the code the client sees', async () => {
    await gw.fault({ error: '603', next: 1, endpoint: 'GET /rest/v1/lists.json' });
    const failed = await gw.graphql(
      'query MetricsDenied { lists(first: 1) { edges { node { id } } } }',
      {},
      admin,
    );
    expect(failed.body?.errors?.[0]?.extensions?.code).toBe('603');
    const text = await metrics();
    expect(
      value(text, 'graphql_envelop_error_result', {
        operationName: 'MetricsDenied',
        phase: 'execute',
        code: '603',
      }),
    ).toBe(1);
  });
});

describe('Marketo call metrics', () => {
  it('counts calls by route template and code, with durations and limiter waits', async () => {
    const members = await gw.graphql(
      'query MetricsMembers { list(id: 1001) { leads(first: 2) { edges { node { id } } } } }',
      {},
      admin,
    );
    expect(members.body?.errors).toBeUndefined();
    await gw.fault({ error: '1003', next: 1, endpoint: 'GET /rest/v1/leads.json' });
    const failed = await gw.graphql('query MetricsFault { leads(ids: [5]) { id } }', {}, admin);
    expect(failed.body?.errors?.[0]?.extensions?.code).toBe('1003');
    const text = await metrics();
    const leads = { method: 'GET', endpoint: '/rest/v1/leads.json' };
    expect(value(text, 'marketo_calls_total', { ...leads, code: 'success' })).toBeGreaterThan(0);
    expect(value(text, 'marketo_calls_total', { ...leads, code: '1003' })).toBe(1);
    // Ids stay out of the route: one series for every list.
    expect(value(text, 'marketo_calls_total', { endpoint: '/rest/v1/lists/{id}/leads.json' })).toBe(
      1,
    );
    expect(text).not.toMatch(/endpoint="[^"]*\d{3}/);
    expect(value(text, 'marketo_call_duration_seconds_count', leads)).toBeGreaterThan(0);
    const calls = [...text.matchAll(/^marketo_calls_total\{.*\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    // One limiter wait per attempt.
    expect(value(text, 'marketo_limiter_wait_seconds_count')).toBe(calls);
    expect(value(text, 'marketo_limiter_wait_seconds_bucket', { le: '+Inf' })).toBe(calls);
  });

  it("reports the limiter's quota and window at scrape time", async () => {
    const text = await metrics();
    const used = value(text, 'marketo_daily_quota_used');
    expect(used).toBeGreaterThan(0);
    expect(value(text, 'marketo_daily_quota_limit')).toBe(50_000);
    expect(value(text, 'marketo_daily_quota_left')).toBe(50_000 - used!);
    expect(value(text, 'marketo_limiter_in_flight')).toBe(0);
    expect(value(text, 'marketo_limiter_calls_in_window')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'marketo_limiter_rate_limit')).toBe(100);
  });
});

describe('bulk job metrics', () => {
  it('counts export jobs by state as they move on', async () => {
    const before = await metrics();
    expect(value(before, 'gateway_export_jobs', { state: 'READY' })).toBe(0);
    expect(value(before, 'gateway_import_jobs', { state: 'COMPLETE' })).toBe(0);
    const created = await gw.graphql(
      `mutation MetricsExport($input: CreateExportJobInput!) {
        createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } }
      }`,
      {
        input: {
          fields: ['id', 'email'],
          filter: {
            createdAt: { startAt: '2000-01-01T00:00:00Z', endAt: '2000-01-02T00:00:00Z' },
          },
        },
      },
      admin,
    );
    expect(created.body?.errors).toBeUndefined();
    const total = (text: string) =>
      [...text.matchAll(/^gateway_export_jobs\{state="\w+"\} (\d+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    expect(total(await metrics())).toBe(1);
    const ready = await eventually(
      (text) => value(text, 'gateway_export_jobs', { state: 'READY' }) === 1,
    );
    expect(value(ready, 'gateway_export_jobs', { state: 'READY' })).toBe(1);
    expect(total(ready)).toBe(1);
    // The bulk calls are counted by template too (the export id stays out).
    expect(
      value(ready, 'marketo_calls_total', {
        method: 'GET',
        endpoint: '/bulk/v1/leads/export/{id}/file.json',
        code: 'success',
      }),
    ).toBe(1);
  });
});

describe('subscription metrics', () => {
  const SUBSCRIPTION =
    'subscription MetricsStatus { marketoStatus(intervalMs: 100) { callsToday } }';
  const active = (text: string, transport: string) =>
    value(text, 'gateway_subscriptions_active', { transport });

  it('counts graphql-ws subscriptions while they are open', async () => {
    expect(active(await metrics(), 'websocket')).toBe(0);
    const client = createClient({
      url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${admin}` },
    });
    try {
      const events = client.iterate({ query: SUBSCRIPTION });
      const first = await events.next();
      expect(first.done).toBe(false);
      expect(active(await metrics(), 'websocket')).toBe(1);
      await events.return?.();
      const after = await eventually((text) => active(text, 'websocket') === 0);
      expect(active(after, 'websocket')).toBe(0);
    } finally {
      await client.dispose();
    }
  });

  it('counts SSE subscriptions until the client goes away', async () => {
    const abort = new AbortController();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${admin}`,
      },
      body: JSON.stringify({ query: SUBSCRIPTION }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const { value: chunk } = await reader.read();
    expect(new TextDecoder().decode(chunk)).toContain('callsToday');
    expect(active(await metrics(), 'http')).toBe(1);
    abort.abort();
    await reader.cancel().catch(() => {});
    const after = await eventually((text) => active(text, 'http') === 0);
    expect(active(after, 'http')).toBe(0);
  });
});

describe('access to /metrics', () => {
  it('needs an API key with the admin scope when keys are configured', async () => {
    const none = await scrape(gw.url, null);
    expect(none.status).toBe(401);
    expect((await scrape(gw.url, 'wrong-key-but-long-enough-123')).status).toBe(401);
    const reader = await scrape(gw.url, keyFor('leads:read'));
    expect(reader.status).toBe(403);
    expect(reader.text).not.toContain('marketo_calls_total');
    const ok = await scrape(gw.url, admin);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const post = await fetch(`${gw.url}/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(post.status).toBe(405);
  });

  it('is configured by GATEWAY_METRICS (public or admin)', () => {
    expect(securityFromEnv({}).metrics).toBeUndefined();
    expect(securityFromEnv({ GATEWAY_METRICS: 'Public' }).metrics).toBe('public');
    expect(securityFromEnv({ GATEWAY_METRICS: 'admin' }).metrics).toBe('admin');
    expect(() => securityFromEnv({ GATEWAY_METRICS: 'everyone' })).toThrow(/^GATEWAY_METRICS/);
  });

  it('is open with GATEWAY_METRICS=public', async () => {
    const open = await startSecuredGateway({ security: { metrics: 'public' } });
    try {
      const scraped = await scrape(open.url, null);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('marketo_daily_quota_left');
      // The rest of the gateway still wants a key.
      expect((await open.graphql('query MetricsNoKey { leads(ids: [1]) { id } }')).status).toBe(
        401,
      );
    } finally {
      await open.stop();
    }
  });

  it('is open like everything else on a gateway without API keys', async () => {
    let open: TestGateway | undefined;
    try {
      open = await startTestGateway();
      const scraped = await scrape(open.url, null);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('process_cpu_seconds_total');
    } finally {
      await open?.stop();
    }
  });
});

describe('secrets in metrics', () => {
  it('appear nowhere, nor do variables or ids sent by callers', async () => {
    const marker = 'metrics-marker-4f1e@example.com';
    // A GET operation: its URL (query and variables) must not become a label.
    const url = new URL(`${gw.url}/graphql`);
    url.searchParams.set(
      'query',
      'query MetricsByEmail($email: String!) { leadsBy(field: "email", values: [$email]) { id } }',
    );
    url.searchParams.set('variables', JSON.stringify({ email: marker }));
    await fetch(url, { headers: { authorization: `Bearer ${admin}`, accept: 'application/json' } });
    await gw.graphql('query MetricsSecret { leads(ids: [1]) { id } }', {}, CLIENT_SECRET);
    const text = await metrics();
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain(marker);
    expect(text).not.toMatch(/access_token|Bearer/i);
  });
});
