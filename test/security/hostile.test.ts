/**
 * Hostile operations are stopped before anything executes — deep, aliased, long, directive-heavy,
 * too costly in Marketo calls, malformed, batched or oversized — each with its own error, no
 * Marketo call made, and the server still answering normal queries afterwards.
 */
import { Readable } from 'node:stream';
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateMarketoCalls } from '../../src/security/marketo-cost.js';
import { schema } from '../../src/schema/index.js';
import { codes, keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const MAX_BODY = 1024 * 1024;
let gw: SecuredGateway;
const admin = keyFor('admin');

beforeAll(async () => {
  gw = await startSecuredGateway({
    security: { limits: { maxBodyBytes: MAX_BODY } },
  });
});
afterAll(async () => {
  await gw?.stop();
});

/** Refused with `status`, no Marketo call made, and a normal query still works afterwards. */
async function expectRefused(
  send: () => Promise<{ status: number; text: string }>,
  status: number,
  message: RegExp,
) {
  const before = await gw.restCalls();
  const result = await send();
  expect(result.status).toBe(status);
  expect(result.text).toMatch(message);
  expect(result.text).not.toMatch(/stack|at \w+ \(/);
  expect(await gw.restCalls()).toBe(before);
  const normal = await gw.graphql('{ leads(ids: [1, 2]) { id } }', {}, admin);
  expect(normal.status).toBe(200);
  expect(normal.body?.data).toEqual({ leads: [{ id: 1 }, { id: 2 }] });
}

const query =
  (text: string, variables: Record<string, unknown> = {}) =>
  () =>
    gw.graphql(text, variables, admin);

describe('operation shape limits (graphql-armor)', () => {
  it('refuses a query nested deeper than the limit', async () => {
    const levels = 4;
    const deep = `{ lead(id: 1) { ${'lists { leads(first: 1) { edges { node { '.repeat(levels)}id${' } } } }'.repeat(levels)} } }`;
    await expectRefused(query(deep), 400, /depth limit of 12 exceeded/);
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: lead(id: 1) { id }`).join(' ');
    await expectRefused(query(`{ ${aliases} }`), 400, /Aliases limit of 30 exceeded/);
  });

  it('refuses a query text of too many tokens (a huge inline list)', async () => {
    const ids = Array.from({ length: 2_500 }, (_, i) => i + 1).join(', ');
    await expectRefused(
      query(`{ leads(ids: [${ids}]) { id } }`),
      400,
      /Token limit of 2000 exceeded/,
    );
  });

  it('reports every limit it finds as a validation error, with its code', async () => {
    const aliases = Array.from(
      { length: 31 },
      (_, i) => `a${i}: lead(id: 1) { id @skip(if: false) }`,
    );
    const result = await gw.graphql(`{ ${aliases.join(' ')} }`, {}, admin);
    expect(result.status).toBe(400);
    expect(result.body?.errors?.map((e) => e.message).sort()).toEqual([
      'Aliases limit of 30 exceeded, found 31.',
      'Directives limit of 20 exceeded, found 31.',
    ]);
    expect(codes(result.body?.errors)).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
    ]);
  });

  it('refuses too many directives', async () => {
    const directives = ' @include(if: true)'.repeat(21);
    await expectRefused(
      query(`{ lead(id: 1) { id${directives} } }`),
      400,
      /Directives limit of 20 exceeded/,
    );
  });

  it('refuses a wide query over the structural cost limit', async () => {
    const fields = 'id email firstName lastName company createdAt updatedAt';
    const wide = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: lists(first: 20) { edges { node { leads(first: 1) { edges { node { ${fields} lists { id name } } } } } } }`).join(' ')} }`;
    await expectRefused(query(wide), 400, /Query Cost limit of 50000 exceeded/);
  });

  it('lets one full page of 1,000 export rows through the structural cost limit', async () => {
    const page = `{ exportJob(id: "00000000-0000-4000-8000-000000000000") {
      status rows(first: 1000) { totalCount edges { cursor node } pageInfo { hasNextPage endCursor } }
    } }`;
    const result = await gw.graphql(page, {}, admin);
    expect(result.status).toBe(200);
    expect(codes(result.body?.errors)).not.toContain('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('Marketo call cost', () => {
  it('refuses leads(ids:) of 150,000 ids: 500 Marketo calls and the describe, over the limit of 400', async () => {
    const ids = Array.from({ length: 150_000 }, (_, i) => i + 1);
    const send = query('query Many($ids: [Int!]!) { leads(ids: $ids) { id } }', { ids });
    await expectRefused(send, 200, /MARKETO_COST_LIMIT/);
    const result = await send();
    expect(result.body?.errors?.[0]?.extensions).toMatchObject({ marketoCalls: 502, limit: 400 });
  });

  it('adds up aliases, multiplies per-item fields by their parents, counts lists inside inputs', () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => i);
    const rows = Array.from({ length: 50_000 }, (_, i) => ({ email: `${i}@example.com` }));
    const estimate = (document: string, variables: Record<string, unknown>) =>
      estimateMarketoCalls(schema, parse(document), variables);
    // 4 (1,000 ids) + 1 (2 ids) + 1 (one lead) + 2 (the describe, once)
    expect(
      estimate(
        'query ($ids: [Int!]!) { a: leads(ids: $ids) { id } b: leads(ids: [1, 2]) { id } c: lead(id: 1) { id } }',
        { ids },
      ),
    ).toBe(8);
    // 167 (50,000 rows) + 3 (import submission) + 2 (describe)
    expect(
      estimate(
        'mutation ($rows: [JSON!]!) { upsertLeads(input: { leads: $rows }) { ... on UpsertLeadsResult { total } ... on Error { code message } } }',
        {
          rows,
        },
      ),
    ).toBe(172);
    // The drain: one membership and one list read per lead, 10,000 leads.
    const many = Array.from({ length: 10_000 }, (_, i) => i + 1);
    expect(
      estimate('query ($i: [Int!]!) { leads(ids: $i) { id lists { id } } }', { i: many }),
    ).toBe(34 + 20_000 + 2);
  });

  it('estimates one parsed document anew for each variables, and once when none counts', () => {
    const document = parse('query ($i: [Int!]!) { leads(ids: $i) { id lists { id } } }');
    const one = (ids: number) => Array.from({ length: ids }, (_, i) => i + 1);
    // 1 lead: 1 + 1 × 2 + 2 (describe); 600 leads: 2 + 600 × 2 + 2; the same document object.
    expect(estimateMarketoCalls(schema, document, { i: one(1) })).toBe(5);
    expect(estimateMarketoCalls(schema, document, { i: one(600) })).toBe(1_204);
    expect(estimateMarketoCalls(schema, document, { i: one(1) })).toBe(5);
    // No cost reads an argument here: the same answer whatever the variables.
    const lead = parse('query ($id: Int!) { lead(id: $id) { id email } }');
    expect(estimateMarketoCalls(schema, lead, { id: 1 })).toBe(3);
    expect(estimateMarketoCalls(schema, lead, { id: 2 })).toBe(3);
  });

  it("refuses the issue's budget drain before any call: leads(ids: 10,000) { lists }", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const before = await gw.restCalls();
    const result = await gw.graphql(
      'query ($i: [Int!]!) { leads(ids: $i) { id lists { id } } }',
      { i: many },
      keyFor('leads:read'),
    );
    expect(result.body?.errors?.[0]?.extensions).toMatchObject({
      code: 'MARKETO_COST_LIMIT',
      marketoCalls: 20_036,
    });
    expect(await gw.restCalls()).toBe(before);
  });
});

describe('malformed, batched and oversized requests', () => {
  it('answers a syntax error with 400', async () => {
    await expectRefused(query('{ leads(ids: [1'), 400, /Syntax Error/);
  });

  it('answers a body that is not JSON, or has no query, with 400', async () => {
    await expectRefused(() => gw.post('{"query": "{ lead', { key: admin }), 400, /errors/);
    await expectRefused(() => gw.post({ variables: {} }, { key: admin }), 400, /query/i);
  });

  it('refuses batched operations', async () => {
    const batch = [{ query: '{ lead(id: 1) { id } }' }, { query: '{ lead(id: 2) { id } }' }];
    await expectRefused(() => gw.post(batch, { key: admin }), 400, /[Bb]atching is not supported/);
  });

  it('refuses a body over the size limit with 413 before reading it', async () => {
    const padding = 'x'.repeat(MAX_BODY + 1);
    await expectRefused(
      () => gw.post({ query: '{ lead(id: 1) { id } }', extensions: { padding } }, { key: admin }),
      413,
      /PAYLOAD_TOO_LARGE/,
    );
  });

  it('refuses a body of undeclared length (chunked) with 411', async () => {
    const send = async () => {
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: Readable.toWeb(
          Readable.from(['{"query":"{ lead(id: 1) { id } }"}']),
        ) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      return { status: response.status, text: await response.text() };
    };
    await expectRefused(send, 411, /LENGTH_REQUIRED/);
  });
});

describe('development and production mode', () => {
  it('suggests field names and allows introspection outside production', async () => {
    const typo = await gw.graphql('{ leadz(ids: [1]) { id } }', {}, admin);
    expect(typo.text).toContain('Did you mean');
    // GraphiQL's full introspection query stays within every limit.
    const introspection = await gw.graphql(getIntrospectionQuery(), {}, admin);
    expect(introspection.status).toBe(200);
    expect(introspection.body?.errors).toBeUndefined();
  });

  it('in production neither suggests field names nor answers introspection', async () => {
    const production = await startSecuredGateway({ security: { production: true } });
    try {
      // Twice: the second validation is answered from yoga's cache, masked all the same.
      for (let i = 0; i < 2; i++) {
        const typo = await production.graphql('{ leadz(ids: [1]) { id } }', {}, admin);
        expect(typo.status).toBe(400);
        expect(typo.body?.errors?.map((e) => e.message)).toEqual([
          'Cannot query field "leadz" on type "Query". [Suggestion hidden]',
        ]);
      }
      // Armor's rules all still run, beside the introspection rule.
      const aliases = Array.from(
        { length: 31 },
        (_, i) => `a${i}: lead(id: 1) { id @skip(if: false) }`,
      );
      const limited = await production.graphql(
        `{ ${aliases.join(' ')} __schema { queryType { name } } }`,
        {},
        admin,
      );
      expect(limited.status).toBe(400);
      expect(limited.body?.errors?.map((e) => e.message).sort()).toEqual([
        'Aliases limit of 30 exceeded, found 31.',
        'Directives limit of 20 exceeded, found 31.',
        'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
        'GraphQL introspection has been disabled, but the requested query contained the field "queryType".',
      ]);
      const introspection = await production.graphql(
        '{ __schema { queryType { name } } }',
        {},
        admin,
      );
      expect(introspection.status).toBe(400);
      expect(introspection.text).toMatch(/introspection/i);
      const normal = await production.graphql('{ lead(id: 1) { id } }', {}, admin);
      expect(normal.body?.data).toEqual({ lead: { id: 1 } });
    } finally {
      await production.stop();
    }
  });
});
