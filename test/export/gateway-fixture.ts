/**
 * A sandbox and a gateway (createGateway, as `npm start` builds it for a separately started
 * Marketo) on ephemeral ports and a compressed clock, with the export manager's data in a temp
 * directory. GraphQL goes over real HTTP, subscriptions over graphql-ws (`ws`) or SSE.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExportJobManagerOptions } from '../../src/bulk/export-jobs.js';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { POLL_MS, type SandboxStats, TIME_SCALE } from './fixture.js';

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: { marketo?: { byEndpoint: Record<string, { calls: number }> } };
}

export interface GatewayFixture {
  sandbox: Sandbox;
  gateway: Gateway;
  url: string;
  dataDir: string;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  /** Every result of a subscription over graphql-ws, until the server completes it. */
  subscribeWs<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>[]>;
  /** Every result of a subscription over SSE, until the server completes it. */
  subscribeSse<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>[]>;
  /** Stops the gateway (not the sandbox) and starts a new one on the same data dir. */
  restartGateway(): Promise<void>;
  stats(): Promise<SandboxStats>;
  close(): Promise<void>;
}

export async function startGatewayFixture(
  options: { sandbox?: SandboxOptions; exportJobs?: Partial<ExportJobManagerOptions> } = {},
): Promise<GatewayFixture> {
  const sandbox = await startSandbox({ timeScale: TIME_SCALE, leads: 3000, ...options.sandbox });
  const dataDir = await mkdtemp(join(tmpdir(), 'export-gateway-test-'));
  const config = gatewayConfigFor(sandbox, TIME_SCALE);
  const start = async () => {
    const gateway = await createGateway(config, {
      logger: silentLogger,
      exportJobs: {
        dataDir,
        clock: sandbox.clock,
        pollIntervalMs: POLL_MS,
        maxPollIntervalMs: POLL_MS * 2,
        progressIntervalMs: 20,
        ...options.exportJobs,
      },
    });
    const url = await gateway.start(0, '127.0.0.1');
    return { gateway, url };
  };
  let current = await start();

  const fixture: GatewayFixture = {
    sandbox,
    get gateway() {
      return current.gateway;
    },
    get url() {
      return current.url;
    },
    dataDir,
    async query(query, variables = {}) {
      const res = await fetch(`${current.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResult<never>;
    },
    async subscribeWs(query, variables = {}) {
      const client = createClient({
        url: `${current.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
      });
      const results: GraphQLResult<never>[] = [];
      try {
        for await (const result of client.iterate({ query, variables })) {
          results.push(result as GraphQLResult<never>);
        }
      } catch (error) {
        // graphql-ws delivers operation errors as a thrown array of GraphQL errors.
        results.push({ errors: (Array.isArray(error) ? error : [error]) as never });
      } finally {
        await client.dispose();
      }
      return results;
    },
    async subscribeSse(query, variables = {}) {
      const res = await fetch(`${current.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query, variables }),
      });
      const results: GraphQLResult<never>[] = [];
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'next' && data) results.push(JSON.parse(data) as GraphQLResult<never>);
          if (event === 'complete') return results;
          end = buffer.indexOf('\n\n');
        }
      }
      return results;
    },
    async restartGateway() {
      await current.gateway.stop();
      current = await start();
    },
    stats: async () =>
      (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as SandboxStats,
    async close() {
      await current.gateway.stop();
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
