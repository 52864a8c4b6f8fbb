/**
 * A sandbox and a gateway on ephemeral ports, the gateway configured exactly as `npm start` would
 * be for a separately started Marketo (MARKETO_BASE_URL + credentials), on a compressed clock
 * with the client's matching timeScale. `execute` posts typed documents over real HTTP.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import type { Config } from '../../src/config.js';
import type { OperationCost } from '../../src/cost.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { MARKETO_DEFAULTS } from '../../src/marketo/config.js';
import { type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import type { Store } from '../../src/sandbox/store.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';

export interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; argument?: string; field?: string } & Record<string, unknown>;
}

export interface ExecuteResult<TResult> {
  data?: TResult | null;
  errors?: GraphQLErrorJson[];
  extensions?: { marketo?: OperationCost } & Record<string, unknown>;
}

export interface SandboxStats {
  calls: { total: number; byEndpoint: Record<string, number> };
  peakConcurrency: number;
  maxCallsInWindow: number;
  errors: Record<string, number>;
  campaignTriggers: number;
  campaignSchedules: number;
  [key: string]: unknown;
}

type Variables<V> = V extends Record<string, never> ? [] | [V] : [V];

export interface TestGateway {
  gateway: Gateway;
  /** Gateway base URL (`http://localhost:port`). */
  url: string;
  sandboxUrl: string;
  /** The sandbox's data, to check what Marketo holds without going through the gateway. */
  store: Store;
  execute<TResult, TVariables>(
    document: DocumentTypeDecoration<TResult, TVariables> & { toString(): string },
    ...variables: Variables<TVariables>
  ): Promise<ExecuteResult<TResult>>;
  /** GET /__sandbox/stats */
  stats(): Promise<SandboxStats>;
  /** POST /__sandbox/reset (counters, limiter, faults; `data: true` also reseeds). */
  reset(options?: { data?: boolean }): Promise<void>;
  /** POST /__sandbox/faults (see docs/sandbox.md), e.g. `{ error: '603', endpoint: 'GET /rest/v1/leads.json' }`. */
  fault(spec: Record<string, unknown>): Promise<void>;
  /** GET a control-plane route, e.g. `/__sandbox/lists/1/members`. */
  control<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Marketo time per real ms, for both sandbox and client (default 50: a 20 s window is 400 ms). */
  timeScale?: number;
  sandbox?: Omit<SandboxOptions, 'timeScale'>;
  /** Import manager overrides (e.g. a small `maxFileBytes` to force splits). */
  importJobs?: GatewayOptions['importJobs'];
}

/**
 * A gateway configuration pointing at `sandbox` as at a real instance (URL + credentials), with
 * Marketo's default limits on the sandbox's compressed clock. `overrides` add or replace members.
 */
export function gatewayConfigFor(
  sandbox: { url: string; clientId: string; clientSecret: string },
  timeScale: number,
  overrides: Partial<Config> = {},
): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    marketo: {
      sandbox: false,
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      // No rateWindowMs: the client derives Marketo's 20 s from timeScale, like the sandbox.
      concurrency: MARKETO_DEFAULTS.concurrency,
      rateLimit: MARKETO_DEFAULTS.rateLimit,
      dailyQuota: MARKETO_DEFAULTS.dailyQuota,
    },
    marketoTimeScale: timeScale,
    sandbox: { port: 0, timeScale: 1 },
    fieldCacheTtlMs: 60_000,
    ...overrides,
  };
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const timeScale = options.timeScale ?? 50;
  const sandbox = await startSandbox({ leads: 2_000, ...options.sandbox, timeScale });
  const config = gatewayConfigFor(sandbox, timeScale);
  let gateway: Gateway;
  try {
    // TEST_LOG=debug shows the gateway's log lines while debugging a test.
    const level = process.env.TEST_LOG;
    const logger =
      level === 'debug' || level === 'info' || level === 'warn' || level === 'error'
        ? createLogger({ level })
        : silentLogger;
    // Export and import jobs of this throwaway sandbox live in temporary directories removed on stop.
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-test-exports-'));
    const importDir = await mkdtemp(join(tmpdir(), 'gateway-test-imports-'));
    gateway = await createGateway(config, {
      logger,
      exportJobs: { dataDir, deleteDataOnClose: true },
      importJobs: { dataDir: importDir, deleteDataOnClose: true, ...options.importJobs },
      // Named feeds' positions too (removed on stop).
      feeds: { dataDir: join(dataDir, 'feeds'), ephemeral: true },
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const url = await gateway.start(0, '127.0.0.1');

  const control = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${sandbox.url}${path}`, init);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };

  return {
    gateway,
    url,
    sandboxUrl: sandbox.url,
    store: sandbox.store,
    async execute(document, ...[variables]) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
      return (await response.json()) as ExecuteResult<never>;
    },
    stats: () => control<SandboxStats>('/__sandbox/stats'),
    async reset(resetOptions = {}) {
      await control(`/__sandbox/reset${resetOptions.data ? '?data=true' : ''}`, { method: 'POST' });
    },
    async fault(spec) {
      await control('/__sandbox/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
    },
    control: (path) => control(path),
    async stop() {
      await gateway.stop();
      await sandbox.close();
    },
  };
}

/** Marketo REST calls (identity excluded) from a stats snapshot. */
export function restCalls(stats: SandboxStats): number {
  return Object.entries(stats.calls.byEndpoint)
    .filter(([endpoint]) => !endpoint.includes('/identity/'))
    .reduce((sum, [, count]) => sum + count, 0);
}
