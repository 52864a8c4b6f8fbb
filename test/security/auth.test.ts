/**
 * API keys and scopes, through the real server over HTTP, SSE and graphql-ws: every mutation and
 * subscription is refused to a key without its scope and allowed to a key with it (or `admin`);
 * a missing or wrong key gets the same 401 (HTTP) or 4403 (WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/auth/access.js';
import { type ApiKey, ApiKeyAuthenticator, parseApiKeys } from '../../src/auth/api-keys.js';
import { SCOPES, type Scope } from '../../src/auth/scopes.js';
import { describeConfig, loadConfig } from '../../src/config.js';
import { createContext, type GatewayServices } from '../../src/context.js';
import { silentLogger } from '../../src/logger.js';
import type { CallContext, MarketoApi } from '../../src/marketo/api.js';
import { ConfigError } from '../../src/marketo/errors.js';
import { schema } from '../../src/schema/index.js';
import { acceptedApiKeys } from '../../src/security/settings.js';
import { codes, KEYS, keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const DAY = 86_400_000;
const range = `{ startAt: "${new Date(Date.now() - 2 * DAY).toISOString()}", endAt: "${new Date(Date.now() - DAY).toISOString()}" }`;

/** Every mutation with the scopes it needs (any of them, `admin` always). */
const MUTATIONS: ReadonlyArray<{ field: string; scopes: Scope[]; query: string }> = [
  {
    field: 'upsertLeads',
    scopes: ['leads:write'],
    query:
      'mutation { upsertLeads(input: { leads: [{ email: "scoped@example.com" }] }) { ... on UpsertLeadsResult { total } ... on Error { code message } } }',
  },
  {
    field: 'addLeadsToList',
    scopes: ['lists:write'],
    query:
      'mutation { addLeadsToList(listId: 1001, leadIds: [1]) { ... on ListMembershipChange { added } ... on Error { code message } } }',
  },
  {
    field: 'removeLeadsFromList',
    scopes: ['lists:write'],
    query:
      'mutation { removeLeadsFromList(listId: 1001, leadIds: [1]) { ... on ListMembershipChange { removed } ... on Error { code message } } }',
  },
  {
    field: 'triggerCampaign',
    scopes: ['campaigns:trigger'],
    query:
      'mutation { triggerCampaign(campaignId: 1102, leadIds: [1]) { ... on CampaignRun { leadCount } ... on Error { code message } } }',
  },
  {
    field: 'scheduleCampaign',
    scopes: ['campaigns:trigger'],
    query:
      'mutation { scheduleCampaign(campaignId: 1107) { ... on CampaignRun { campaignId } ... on Error { code message } } }',
  },
  {
    field: 'importLeads',
    scopes: ['bulk:import'],
    query:
      'mutation { importLeads(input: { data: "email\\nimported@example.com", format: CSV }) { ... on ImportJob { __typename } ... on Error { code message } } }',
  },
  {
    field: 'createExportJob',
    scopes: ['bulk:export'],
    query: `mutation { createExportJob(input: { fields: ["email"], filter: { createdAt: ${range} } }) { ... on ExportJob { id } ... on Error { code message } } }`,
  },
  {
    field: 'cancelExportJob',
    scopes: ['bulk:export'],
    query:
      'mutation { cancelExportJob(id: "no-such-job") { ... on ExportJob { id } ... on Error { code message } } }',
  },
];

const SUBSCRIPTIONS: ReadonlyArray<{ field: string; scopes: Scope[]; query: string }> = [
  {
    field: 'marketoStatus',
    scopes: ['leads:read'],
    query: 'subscription { marketoStatus(intervalMs: 100, count: 1) { callsToday } }',
  },
  {
    field: 'exportJobStatus',
    scopes: ['bulk:export'],
    query: 'subscription { exportJobStatus(id: "no-such-job") { id } }',
  },
];

const allowed = (needed: Scope[], scope: Scope) => scope === 'admin' || needed.includes(scope);

let gw: SecuredGateway;
beforeAll(async () => {
  gw = await startSecuredGateway();
});
afterAll(async () => {
  await gw?.stop();
});

describe('authentication', () => {
  it('answers a missing and a wrong key with the same 401, without saying which', async () => {
    const query = '{ leads(ids: [1]) { id } }';
    const missing = await gw.graphql(query);
    const wrong = await gw.graphql(query, {}, 'not-a-key-of-this-gateway-at-all');
    const almost = await gw.graphql(query, {}, `${keyFor('admin')}x`);
    for (const result of [missing, wrong, almost]) {
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toBe('Bearer');
      expect(codes(result.body?.errors)).toEqual(['UNAUTHENTICATED']);
    }
    expect(wrong.text).toBe(missing.text);
    expect(almost.text).toBe(missing.text);
    expect(await gw.restCalls()).toBe(0);
  });

  it('lets a valid key in over HTTP', async () => {
    const result = await gw.graphql('{ leads(ids: [1, 2]) { id } }', {}, keyFor('leads:read'));
    expect(result.status).toBe(200);
    expect(result.body?.data).toEqual({ leads: [{ id: 1 }, { id: 2 }] });
  });

  it('closes a WebSocket with a missing or wrong key with 4403 at connect', async () => {
    const query = 'subscription { marketoStatus(count: 1) { callsToday } }';
    expect(await gw.wsFirst(query)).toEqual({ kind: 'closed', code: 4403 });
    expect(await gw.wsFirst(query, 'wrong-key-0123456789abcdef')).toEqual({
      kind: 'closed',
      code: 4403,
    });
  });

  it('compares keys by their hashes: the right key of any length matches, nothing else', () => {
    const keys: ApiKey[] = [
      { name: 'a', key: 'a'.repeat(16), scopes: ['leads:read'] },
      { name: 'b', key: 'b'.repeat(64), scopes: ['admin'] },
    ];
    const auth = new ApiKeyAuthenticator(keys);
    expect(auth.authenticate('a'.repeat(16))?.name).toBe('a');
    expect(auth.authenticateHeader(`Bearer ${'b'.repeat(64)}`)?.name).toBe('b');
    expect(auth.authenticate('a'.repeat(15))).toBeUndefined();
    expect(auth.authenticate('')).toBeUndefined();
    expect(auth.authenticateHeader(undefined)).toBeUndefined();
    expect(createAccess([]).principalFor(undefined)?.scopes.size).toBe(SCOPES.length);
  });
});

describe('scopes on queries', () => {
  it('lets a read-only key query leads but not upsert them', async () => {
    const key = keyFor('leads:read');
    const read = await gw.graphql('{ lead(id: 1) { id email } }', {}, key);
    expect(read.body?.errors).toBeUndefined();
    const write = await gw.graphql(MUTATIONS[0]!.query, {}, key);
    expect(codes(write.body?.errors)).toEqual(['FORBIDDEN']);
    expect(write.body?.errors?.[0]?.message).toContain('Mutation.upsertLeads');
    expect(write.body?.data).toEqual({ upsertLeads: null });
  });

  it('refuses reads to a key without a read scope; export and import keys follow their jobs', async () => {
    const lists = await gw.graphql('{ leads(ids: [1]) { id } }', {}, keyFor('lists:write'));
    expect(codes(lists.body?.errors)).toEqual(['FORBIDDEN']);
    const exporter = await gw.graphql('{ exportQuota { usedBytes } }', {}, keyFor('bulk:export'));
    expect(exporter.body?.errors).toBeUndefined();
    const importer = await gw.graphql('{ importJob(id: "1") { id } }', {}, keyFor('bulk:import'));
    expect(codes(importer.body?.errors)).not.toContain('FORBIDDEN');
  });
});

describe('scopes in the schema', () => {
  it('declares the scopes of every mutation and subscription (none is open to any key)', () => {
    const unscoped = [schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.values(type?.getFields() ?? {})
        .filter((field) => {
          const options = field.extensions?.pothosOptions as { authScopes?: unknown } | undefined;
          return options?.authScopes === undefined;
        })
        .map((field) => `${type?.name}.${field.name}`),
    );
    expect(unscoped).toEqual([]);
  });
});

describe('scopes on every mutation over HTTP', () => {
  for (const mutation of MUTATIONS) {
    it(`${mutation.field} needs ${mutation.scopes.join(' or ')} (or admin)`, async () => {
      for (const { name, key } of KEYS) {
        const result = await gw.graphql(mutation.query, {}, key);
        const forbidden = codes(result.body?.errors).includes('FORBIDDEN');
        expect({ key: name, forbidden }).toEqual({
          key: name,
          forbidden: !allowed(mutation.scopes, name as Scope),
        });
      }
    });
  }

  it("upsertLeads' follow-up steps need their own scopes too", async () => {
    const withList =
      'mutation { upsertLeads(input: { leads: [{ email: "step@example.com" }], then: { list: { id: 1001, action: ADD } } }) { ... on UpsertLeadsResult { total } ... on Error { code message } } }';
    const writer = await gw.graphql(withList, {}, keyFor('leads:write'));
    expect(codes(writer.body?.errors)).toEqual(['FORBIDDEN']);
    const admin = await gw.graphql(withList, {}, keyFor('admin'));
    expect(admin.body?.errors).toBeUndefined();
  });

  it('an upsert that runs as a bulk import also needs bulk:import', async () => {
    const bulk =
      'mutation { upsertLeads(input: { leads: [{ email: "bulk@example.com" }], mode: BULK }) { ... on UpsertLeadsResult { total } ... on Error { code message } } }';
    const writer = await gw.graphql(bulk, {}, keyFor('leads:write'));
    expect(codes(writer.body?.errors)).toEqual(['FORBIDDEN']);
    const importer = await gw.graphql(bulk, {}, keyFor('bulk:import'));
    expect(codes(importer.body?.errors)).toEqual(['FORBIDDEN']);
    const admin = await gw.graphql(bulk, {}, keyFor('admin'));
    expect(admin.body?.errors).toBeUndefined();
    // The same rows through the synchronous API need leads:write alone.
    const sync = await gw.graphql(
      bulk.replace('mode: BULK', 'mode: SYNC'),
      {},
      keyFor('leads:write'),
    );
    expect(sync.body?.errors).toBeUndefined();
  });
});

describe('scopes over graphql-ws and SSE', () => {
  for (const subscription of SUBSCRIPTIONS) {
    it(`subscription ${subscription.field} needs ${subscription.scopes.join(' or ')} (or admin)`, async () => {
      for (const { name, key } of KEYS) {
        const outcome = await gw.wsFirst(subscription.query, key);
        const errors = outcome.kind === 'closed' ? [] : (outcome.errors ?? []);
        const forbidden = codes(errors).includes('FORBIDDEN');
        expect({ key: name, forbidden, closed: outcome.kind === 'closed' }).toEqual({
          key: name,
          forbidden: !allowed(subscription.scopes, name as Scope),
          closed: false,
        });
      }
    });
  }

  it('checks mutations over WebSocket the same way', async () => {
    const denied = await gw.wsFirst(MUTATIONS[1]!.query, keyFor('leads:read'));
    expect(denied.kind !== 'closed' && codes(denied.errors)).toEqual(['FORBIDDEN']);
    const granted = await gw.wsFirst(MUTATIONS[1]!.query, keyFor('lists:write'));
    expect(granted).toMatchObject({
      kind: 'next',
      data: { addLeadsToList: { added: expect.any(Number) } },
    });
  });

  it('checks the key and scope of an SSE subscription', async () => {
    const sse = (key: string | undefined) =>
      gw.post(
        { query: SUBSCRIPTIONS[0]!.query },
        { ...(key && { key }), headers: { accept: 'text/event-stream' } },
      );
    expect((await sse(undefined)).status).toBe(401);
    const denied = await sse(keyFor('bulk:import'));
    expect(denied.text).toContain('FORBIDDEN');
    const granted = await sse(keyFor('leads:read'));
    expect(granted.status).toBe(200);
    expect(granted.text).toContain('callsToday');
    expect(granted.text).not.toContain('FORBIDDEN');
  });
});

describe('the caller reaches the Marketo client', () => {
  it("passes the key's name as principal to every client view of an operation", () => {
    const seen: CallContext[] = [];
    const marketo = {
      withContext: (ctx: CallContext) => {
        seen.push(ctx);
        return marketo;
      },
    } as unknown as MarketoApi;
    const services = { marketo, logger: silentLogger } as unknown as GatewayServices;
    const principal = createAccess(KEYS).principalFor(`Bearer ${keyFor('bulk:export')}`);
    const context = createContext(services, { ...(principal && { principal }) });
    expect(context.principal.name).toBe('bulk:export');
    expect(seen.map((ctx) => ctx.principal)).toEqual(['bulk:export', 'bulk:export']);
  });
});

describe('key configuration', () => {
  const keysJson = JSON.stringify([{ name: 'app', key: 'k'.repeat(32), scopes: ['leads:read'] }]);

  it('reads GATEWAY_API_KEYS and names what is wrong without echoing the key', () => {
    const config = loadConfig({ GATEWAY_API_KEYS: keysJson });
    expect(config.security?.apiKeys).toEqual([
      { name: 'app', key: 'k'.repeat(32), scopes: ['leads:read'] },
    ]);
    expect(describeConfig(config)).toMatchObject({
      security: { apiKeys: [{ name: 'app', scopes: ['leads:read'] }] },
    });
    expect(JSON.stringify(describeConfig(config))).not.toContain('k'.repeat(32));
    expect(() =>
      parseApiKeys('[{"name":"a","key":"short-secret","scopes":["admin"]}]', 'V'),
    ).toThrow(/^V\[0\]\.key: must be a string of at least 16/);
    expect(() =>
      parseApiKeys(`[{"name":"a","key":"${'x'.repeat(20)}","scopes":["leads:delete"]}]`, 'V'),
    ).toThrow(/V\[0\]\.scopes: unknown scope "leads:delete"/);
    expect(() => loadConfig({ GATEWAY_API_KEYS: 'nope' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_API_KEYS_FILE: '/no/such/file.json' })).toThrow(
      /^GATEWAY_API_KEYS_FILE: cannot read the file/,
    );
  });

  it('refuses to run open in front of a real Marketo unless anonymous access is switched on', () => {
    const marketo = {
      MARKETO_BASE_URL: 'https://123-abc-456.mktorest.com',
      MARKETO_CLIENT_ID: 'id',
      MARKETO_CLIENT_SECRET: 'secret',
    };
    const open = loadConfig(marketo);
    expect(() => acceptedApiKeys(open.security, open.marketo, silentLogger)).toThrow(
      /^GATEWAY_API_KEYS: required/,
    );
    const anonymous = loadConfig({ ...marketo, GATEWAY_ALLOW_ANONYMOUS: 'true' });
    expect(acceptedApiKeys(anonymous.security, anonymous.marketo, silentLogger)).toEqual([]);
    const keyed = loadConfig({ ...marketo, GATEWAY_API_KEYS: keysJson });
    expect(acceptedApiKeys(keyed.security, keyed.marketo, silentLogger)).toHaveLength(1);
  });

  it('starts open with a warning in sandbox mode', () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => lines.push(message) };
    const sandbox = loadConfig({});
    expect(acceptedApiKeys(sandbox.security, sandbox.marketo, logger)).toEqual([]);
    expect(lines).toEqual([expect.stringContaining('no API keys configured')]);
  });
});
