/**
 * GraphiQL's example tabs, run as a newcomer would after `npm start`: the gateway on its embedded
 * sandbox (configured from the environment, development pace), each tab's operations in order,
 * the ids a mutation answers pasted into the next operation's variables, subscriptions followed
 * over SSE to their end.
 */
import { type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { exampleTabs } from '../../src/graphiql-examples.js';
import { silentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';

interface Result {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: unknown[] }>;
}

let gateway: Gateway;
let url: string;

beforeAll(async () => {
  // As `npm start` with no Marketo credentials, on a 5× clock to keep the suite short.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SANDBOX_TIME_SCALE: '5' });
  gateway = await createGateway(config, { logger: silentLogger });
  url = `${await gateway.start(0, '127.0.0.1')}/graphql`;
});

afterAll(() => gateway?.stop());

/** One operation over HTTP; a subscription over SSE until the server completes it. */
async function run(
  query: string,
  operationName: string,
  variables: unknown,
  subscription: boolean,
): Promise<Result[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: subscription ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify({ query, operationName, variables }),
  });
  if (!subscription) return [(await response.json()) as Result];
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => /^event: next$/m.test(block))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Result);
}

describe('GraphiQL example tabs', () => {
  it('are offered on the GraphiQL page, served compressed', async () => {
    const response = await fetch(url, {
      headers: { accept: 'text/html', 'accept-encoding': 'gzip' },
    });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const page = await response.text();
    for (const name of ['UpsertThenList', 'FollowImport', 'CreateExport', 'FollowExport']) {
      expect(page).toContain(name);
    }
  });

  it('each run verbatim: the query, the upsert with its list step, the import and the export followed to their end', async () => {
    const ended: Record<string, string> = {};
    for (const tab of exampleTabs()) {
      const variables = JSON.parse(tab.variables ?? '{}') as Record<string, unknown>;
      const operations = parse(tab.query).definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
      );
      for (const operation of operations) {
        const name = operation.name!.value;
        const results = await run(
          tab.query,
          name,
          variables,
          operation.operation === 'subscription',
        );
        for (const result of results) expect(result.errors, name).toBeUndefined();
        const last = results.at(-1)!.data!;
        // What a newcomer pastes into the variables for the next operation.
        for (const value of Object.values(last)) {
          const id = (value as { id?: unknown } | null)?.id;
          if (typeof id === 'string') variables.id = id;
          const status = (value as { status?: unknown } | null)?.status;
          if (operation.operation === 'subscription' && typeof status === 'string') {
            ended[name] = status;
          }
        }
        if (name === 'UpsertThenList') {
          expect(last.upsertLeads).toMatchObject({ total: 2, failed: 1, then: { succeeded: 1 } });
        }
        if (name === 'ExportRows') {
          const job = last.exportJob as {
            rows: { totalCount: number };
            leadRows: { nodes: Array<{ id: number; createdAt: string }> };
          };
          expect(job.rows.totalCount).toBeGreaterThan(0);
          expect(job.leadRows.nodes[0]).toMatchObject({
            id: expect.any(Number),
            createdAt: expect.any(String),
          });
        }
      }
    }
    expect(ended).toEqual({ FollowImport: 'COMPLETE', FollowExport: 'READY' });
  });
});
