/**
 * A sandbox and a gateway protected by API keys, on ephemeral ports, with raw HTTP/SSE/WebSocket
 * access: the security tests need to send headers, bodies and connectionParams that typed
 * documents cannot.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ApiKey } from '../../src/auth/api-keys.js';
import type { Scope } from '../../src/auth/scopes.js';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import {
  DEFAULT_LIMITS,
  type OperationLimits,
  type SecuritySettings,
} from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import type { GraphQLErrorJson } from '../helpers/gateway.js';
import type { UploadStoreOptions } from '../../src/uploads/store.js';

/** One key per scope, named after it (`leads:read` → key `test-key-leads-read-…`). */
export const KEYS: readonly ApiKey[] = (
  [
    'leads:read',
    'leads:write',
    'lists:write',
    'campaigns:trigger',
    'bulk:import',
    'bulk:export',
    'admin',
  ] as const satisfies readonly Scope[]
).map((scope) => ({
  name: scope,
  key: `test-key-${scope.replace(':', '-')}-0123456789abcdef`,
  scopes: [scope],
}));

export function keyFor(scope: Scope): string {
  return KEYS.find((k) => k.name === scope)!.key;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorJson[] } | undefined;
}

export interface SecuredGateway {
  gateway: Gateway;
  url: string;
  sandboxUrl: string;
  /** POST /graphql with an optional key; any body (string: sent as is). */
  post(
    body: unknown,
    options?: { key?: string; headers?: Record<string, string> },
  ): Promise<HttpResult>;
  /** A query or mutation as JSON. */
  graphql(query: string, variables?: Record<string, unknown>, key?: string): Promise<HttpResult>;
  /** Subscribes over graphql-ws and returns the first event (or the error / close code). */
  wsFirst(query: string, key?: string): Promise<WsOutcome>;
  /** Marketo REST calls the sandbox has seen. */
  restCalls(): Promise<number>;
  /** POST /__sandbox/faults (docs/sandbox.md). */
  fault(spec: Record<string, unknown>): Promise<void>;
  /** Stops the gateway (`graceMs` for in-flight requests), then the sandbox. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export type WsOutcome =
  | { kind: 'next'; data: unknown; errors?: GraphQLErrorJson[] }
  | { kind: 'error'; errors: GraphQLErrorJson[] }
  | { kind: 'closed'; code: number };

export interface SecuredGatewayOptions {
  security?: Partial<Omit<SecuritySettings, 'limits'>> & { limits?: Partial<OperationLimits> };
  sandbox?: Omit<SandboxOptions, 'timeScale'>;
  /** The gateway's own logger (level debug, secret scrubbing, stdout) instead of silence. */
  gatewayLogger?: boolean;
  /** Where uploads are streamed to (GATEWAY_UPLOAD_DIR). */
  uploads?: UploadStoreOptions;
  /** Runs against the sandbox before the gateway starts (e.g. a fault for its first token). */
  beforeStart?: (sandbox: Sandbox) => Promise<void>;
}

export async function startSecuredGateway(
  options: SecuredGatewayOptions = {},
): Promise<SecuredGateway> {
  const timeScale = 50;
  const sandbox = await startSandbox({ leads: 500, ...options.sandbox, timeScale });
  await options.beforeStart?.(sandbox);
  const config = gatewayConfigFor(sandbox, timeScale, {
    logLevel: options.gatewayLogger ? 'debug' : 'error',
    security: {
      apiKeys: KEYS,
      allowAnonymous: false,
      production: false,
      ...options.security,
      limits: { ...DEFAULT_LIMITS, ...options.security?.limits },
    },
  });
  let gateway: Gateway;
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-security-exports-'));
    gateway = await createGateway(config, {
      ...(!options.gatewayLogger && { logger: silentLogger }),
      exportJobs: { dataDir, deleteDataOnClose: true },
      ...(options.uploads && { uploads: options.uploads }),
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const url = await gateway.start(0, '127.0.0.1');
  const endpoint = `${url}/graphql`;

  const post: SecuredGateway['post'] = async (body, postOptions = {}) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(postOptions.key !== undefined && { authorization: `Bearer ${postOptions.key}` }),
        ...postOptions.headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: HttpResult['body'];
    try {
      parsed = JSON.parse(text) as HttpResult['body'];
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };

  return {
    gateway,
    url,
    sandboxUrl: sandbox.url,
    post,
    graphql: (query, variables = {}, key) =>
      post({ query, variables }, key === undefined ? {} : { key }),
    wsFirst(query, key) {
      return new Promise<WsOutcome>((resolve) => {
        const client = createClient({
          url: endpoint.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: true,
          connectionParams: key === undefined ? {} : { authorization: `Bearer ${key}` },
          on: {
            closed: (event) => {
              const code = (event as { code?: number }).code ?? 0;
              resolve({ kind: 'closed', code });
            },
          },
        });
        const unsubscribe = client.subscribe(
          { query },
          {
            next: (result) => {
              resolve({
                kind: 'next',
                data: result.data,
                ...(result.errors && { errors: result.errors as unknown as GraphQLErrorJson[] }),
              });
              unsubscribe();
              void client.dispose();
            },
            error: (error) => {
              if (Array.isArray(error)) resolve({ kind: 'error', errors: error });
              void client.dispose();
            },
            complete: () => void client.dispose(),
          },
        );
      });
    },
    async restCalls() {
      const response = await fetch(`${sandbox.url}/__sandbox/stats`);
      const stats = (await response.json()) as { calls: { byEndpoint: Record<string, number> } };
      return Object.entries(stats.calls.byEndpoint)
        .filter(([endpoint]) => !endpoint.includes('/identity/'))
        .reduce((sum, [, count]) => sum + count, 0);
    },
    async fault(spec) {
      const response = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
      if (!response.ok) throw new Error(`fault: HTTP ${response.status}`);
    },
    async stop(stopOptions) {
      await gateway.stop(stopOptions);
      await sandbox.close();
    },
  };
}

/** The error codes of a response. */
export function codes(errors: readonly GraphQLErrorJson[] | undefined): string[] {
  return (errors ?? []).map((e) => String(e.extensions?.code));
}
