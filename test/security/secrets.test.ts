/**
 * Neither the Marketo client secret nor an API key appears in any response or log line: the
 * gateway runs with a known secret and keys, its own logger at debug level on stdout (captured),
 * and every kind of failure is driven through HTTP, SSE and graphql-ws.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  codes,
  type HttpResult,
  KEYS,
  keyFor,
  type SecuredGateway,
  startSecuredGateway,
} from './support.js';

const CLIENT_SECRET = 'known-Marketo-secret-7a41c9d2e8';
const SECRETS = [CLIENT_SECRET, ...KEYS.map((k) => k.key)];

const lines: string[] = [];
let gw: SecuredGateway;
beforeAll(async () => {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  gw = await startSecuredGateway({
    sandbox: { clientSecret: CLIENT_SECRET },
    gatewayLogger: true,
    security: { limits: { maxBodyBytes: 64 * 1024 } },
  });
});
afterAll(async () => {
  await gw?.stop();
  vi.restoreAllMocks();
});

describe('secrets in responses and logs', () => {
  it('appear nowhere, whatever fails', async () => {
    const admin = keyFor('admin');
    const seen: string[] = [];
    const record = (result: HttpResult) => {
      seen.push(`${result.status} ${JSON.stringify([...result.headers])} ${result.text}`);
      return result;
    };
    const leads = '{ leads(ids: [1, 2]) { id email } }';

    // Marketo's identity endpoint fails on the very first token fetch.
    await gw.fault({ http: 500, next: 3, endpoint: '/identity/oauth/token' });
    record(await gw.graphql(leads, {}, admin));
    // Wrong, missing and almost-right keys; a key without the scope.
    record(await gw.graphql(leads, {}, 'wrong-key-but-long-enough-123'));
    record(await gw.graphql(leads));
    record(await gw.graphql(leads, {}, `${admin}0`));
    const forbidden = record(
      await gw.graphql(
        'mutation { addLeadsToList(listId: 1001, leadIds: [1]) { ... on ListMembershipChange { added } ... on Error { code message } } }',
        {},
        keyFor('leads:read'),
      ),
    );
    expect(codes(forbidden.body?.errors)).toEqual(['FORBIDDEN']);
    // Bad input, Marketo error codes, HTTP failures and dropped connections.
    record(await gw.graphql('{ leads(ids: [-1]) { id } }', {}, admin));
    await gw.fault({ error: '603', next: 1, endpoint: 'GET /rest/v1/leads.json' });
    record(await gw.graphql(leads, {}, admin));
    await gw.fault({ http: 502, next: 1, endpoint: 'GET /rest/v1/lists.json' });
    record(await gw.graphql('{ lists(first: 1) { edges { node { id } } } }', {}, admin));
    await gw.fault({ drop: true, next: 1, endpoint: 'GET /rest/v1/campaigns.json' });
    record(await gw.graphql('{ campaigns(first: 1) { edges { node { id } } } }', {}, admin));
    // Refused before execution: syntax, validation, limits, batching, body size.
    record(await gw.graphql('{ leads(ids: [1', {}, admin));
    record(await gw.graphql('{ leadz }', {}, admin));
    record(
      await gw.graphql(
        'query ($ids: [Int!]!) { leads(ids: $ids) { id } }',
        {
          ids: Array.from({ length: 90_000 }, (_, i) => i),
        },
        admin,
      ),
    );
    record(await gw.post([{ query: leads }], { key: admin }));
    record(await gw.post({ query: leads, padding: 'x'.repeat(70_000) }, { key: admin }));
    // SSE and graphql-ws.
    record(
      await gw.post(
        { query: 'subscription { exportJobStatus(id: "nope") { id } }' },
        { key: admin, headers: { accept: 'text/event-stream' } },
      ),
    );
    seen.push(
      JSON.stringify(
        await gw.wsFirst(
          'subscription { marketoStatus(count: 1) { callsToday } }',
          'wrong-key-0123456789abcdef',
        ),
      ),
    );
    seen.push(
      JSON.stringify(
        await gw.wsFirst(
          'subscription { exportJobStatus(id: "nope") { id } }',
          keyFor('leads:read'),
        ),
      ),
    );
    seen.push(
      JSON.stringify(
        await gw.wsFirst('subscription { exportJobStatus(id: "nope") { id } }', admin),
      ),
    );

    expect(seen.length).toBeGreaterThan(15);
    // The failures were logged (the test would prove nothing on an empty log).
    expect(lines.join('\n')).toMatch(/"level":"(warn|error)"/);
    for (const secret of SECRETS) {
      expect(seen.filter((text) => text.includes(secret))).toEqual([]);
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
