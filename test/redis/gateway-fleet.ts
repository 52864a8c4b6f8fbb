/**
 * Whole gateways as a fleet in one test process (`createGateway` with REDIS_URL, each with its own
 * Redis connections): how a test talks to one over HTTP and graphql-ws, and starts and stops three.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Gateway } from '../../src/server.js';

export interface Result<T> {
  data?: T | null;
  errors?: Array<{ message: string }>;
}

export interface GatewayClient {
  query<T>(query: string, variables?: Record<string, unknown>): Promise<Result<T>>;
  /** Subscribes over graphql-ws; `results` fills as events arrive, `done` when the server completes. */
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
  ): { results: Result<T>[]; done: Promise<void> };
}

/** A client of the gateway listening at `url` (no key: the test fleets run open). */
export function gatewayClient(url: string): GatewayClient {
  return {
    async query(query, variables = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as Result<never>;
    },
    subscribe(query, variables) {
      const results: Result<never>[] = [];
      const client = createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const done = (async () => {
        try {
          for await (const result of client.iterate({ query, variables })) {
            results.push(result as Result<never>);
          }
        } finally {
          await client.dispose();
        }
      })();
      return { results, done };
    },
  };
}

export interface GatewayFleet<I extends { gateway: Gateway }> {
  instances: [I, I, I];
  /** Stops one instance (once). */
  stopOne(instance: I): Promise<void>;
  /** Stops those still running. */
  stop(): Promise<void>;
}

/** Three instances of one deployment, started one after the other by `start`. */
export async function startGatewayFleet<I extends { gateway: Gateway }>(
  start: () => Promise<I>,
): Promise<GatewayFleet<I>> {
  const instances = [await start(), await start(), await start()] as [I, I, I];
  const stopped = new Set<I>();
  const stopOne = async (instance: I) => {
    if (stopped.has(instance)) return;
    stopped.add(instance);
    await instance.gateway.stop();
  };
  return {
    instances,
    stopOne,
    async stop() {
      for (const instance of instances) await stopOne(instance);
    },
  };
}
