/**
 * Two ways to drive the bulk endpoints in tests, with one call signature:
 * - `startHttpHarness`: the real sandbox (`startSandbox` via the test helper) over real HTTP,
 *   with auth, limits, stats and the envelope — what every wire-level test uses;
 * - `startDirectHarness`: the bulk modules behind the sandbox's own router, in process, for the
 *   few behaviours that need the deps (a second API user, the file directory, an unwritable
 *   directory, a subscription without some filters, closing the modules alone).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createBulkExport } from '../../src/sandbox/bulk/export.js';
import { createBulkImport } from '../../src/sandbox/bulk/import.js';
import { type Clock, createClock } from '../../src/sandbox/clock.js';
import { createRouter } from '../../src/sandbox/router.js';
import { DEFAULT_BULK_LIMITS } from '../../src/sandbox/server.js';
import { Store } from '../../src/sandbox/store.js';
import type { BulkDeps, BulkLimits, BulkStats } from '../../src/sandbox/types.js';
import { startTestSandbox } from '../helpers/sandbox.js';

export interface Envelope {
  success: boolean;
  result?: Record<string, unknown>[];
  errors?: { code: string; message: string }[];
  nextPageToken?: string;
}

export interface Reply {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** The envelope for JSON answers; `{ success: false }` for anything else. */
  json: Envelope;
}

export interface CallInit {
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is, with `headers` (e.g. a hand-made multipart body). */
  body?: Buffer | FormData;
  headers?: Record<string, string>;
  /** The API user making the call (default: the sandbox's own); over HTTP, one of OTHER_CLIENTS. */
  clientId?: string;
}

export interface BulkHarness {
  call(method: 'GET' | 'POST', path: string, init?: CallInit): Promise<Reply>;
  store: Store;
  clock: Clock;
  stats(): Promise<BulkStats>;
  close(): Promise<void>;
}

export interface DirectHarness extends BulkHarness {
  fileDir: string;
  /** Closes the bulk modules only (timers, writers, files), keeping the directory to inspect. */
  closeModules(): Promise<void>;
}

export interface HarnessOptions {
  bulk?: Partial<BulkLimits>;
  unsupportedExportFilters?: BulkDeps['unsupportedExportFilters'];
  /** Sandbox ms per real ms; default 6000 (a Marketo minute = 10 ms). */
  timeScale?: number;
  /** Sandbox time at start (epoch ms). */
  startAt?: number;
  leadCount?: number;
}

const toJson = (body: Buffer): Envelope => {
  try {
    return JSON.parse(body.toString('utf8')) as Envelope;
  } catch {
    return { success: false };
  }
};

/** A second API user the HTTP sandbox knows, to show that bulk jobs are private. */
export const OTHER_CLIENT = { clientId: 'other-user', clientSecret: 'other-secret' };

export async function startHttpHarness(options: HarnessOptions = {}): Promise<BulkHarness> {
  const sandbox = await startTestSandbox({
    seed: 7,
    leads: options.leadCount ?? 2000,
    timeScale: options.timeScale ?? 6000,
    clients: [OTHER_CLIENT],
    // The job lifecycle is watched by polling on a compressed clock: skip the reconnect per call.
    keepAlive: true,
    ...(options.startAt === undefined ? {} : { startAt: options.startAt }),
    ...(options.bulk ? { bulk: options.bulk } : {}),
    ...(options.unsupportedExportFilters
      ? { unsupportedExportFilters: options.unsupportedExportFilters }
      : {}),
  });
  const otherToken = async () => {
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: OTHER_CLIENT.clientId,
      client_secret: OTHER_CLIENT.clientSecret,
    });
    const res = await fetch(`${sandbox.url}/identity/oauth/token?${query}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return {
    store: sandbox.store,
    clock: sandbox.clock,
    stats: async () => {
      const { exportJobsCreated, importJobsCreated, importTimeline } = await sandbox.stats();
      const ms = (iso: string | null) => (iso === null ? undefined : Date.parse(iso));
      return {
        exportJobsCreated,
        importJobsCreated,
        importTimeline: importTimeline.map((t) => ({
          batchId: t.batchId,
          status: t.status,
          queuedAt: ms(t.queuedAt) ?? 0,
          ...(t.startedAt !== null && { startedAt: ms(t.startedAt) }),
          ...(t.finishedAt !== null && { finishedAt: ms(t.finishedAt) }),
        })),
      };
    },
    close: () => sandbox.close(),
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.clientId !== undefined && init.clientId !== sandbox.clientId) {
        if (init.clientId !== OTHER_CLIENT.clientId)
          throw new Error(`unknown client ${init.clientId}`);
        headers.authorization = `Bearer ${await otherToken()}`;
      }
      const raw = init.body;
      let body: BodyInit | undefined =
        raw === undefined || raw instanceof FormData ? raw : new Uint8Array(raw);
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      }
      const res = await sandbox.api(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: bytes,
        json: isJson ? toJson(bytes) : { success: false },
      };
    },
  };
}

export async function startDirectHarness(
  options: HarnessOptions & {
    deps?: Partial<Pick<BulkDeps, 'unsupportedExportFilters' | 'fileDir'>>;
  } = {},
): Promise<DirectHarness> {
  const clock = createClock({
    timeScale: options.timeScale ?? 6000,
    ...(options.startAt === undefined ? {} : { startAt: options.startAt }),
  });
  const store = new Store({ seed: 7, leadCount: options.leadCount ?? 2000, clock });
  const stats: BulkStats = { exportJobsCreated: 0, importJobsCreated: 0 };
  const fileDir = await mkdtemp(join(tmpdir(), 'bulk-test-'));
  const deps: BulkDeps = {
    store,
    clock,
    stats,
    limits: { ...DEFAULT_BULK_LIMITS, ...options.bulk },
    fileDir,
    ...options.deps,
  };
  const bulkExport = createBulkExport(deps);
  const bulkImport = createBulkImport(deps);
  const router = createRouter([...bulkExport.routes, ...bulkImport.routes]);
  const closeModules = async () => {
    await bulkExport.close();
    await bulkImport.close();
  };

  const call: BulkHarness['call'] = async (method, path, init = {}) => {
    const { pathname, searchParams } = new URL(path, 'http://sandbox');
    const resolved = router.resolve(method, pathname);
    if ('code' in resolved) throw new Error(`no route ${method} ${pathname} (${resolved.code})`);
    const headers = Object.fromEntries(
      Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const response = await resolved.route.handle({
      method,
      path: pathname,
      params: resolved.params,
      query: searchParams,
      json: init.json,
      ...(init.body instanceof Buffer ? { rawBody: init.body } : {}),
      headers,
      clientId: init.clientId ?? 'sandbox',
    });
    if (response.kind === 'raw') {
      const { body } = response;
      const bytes =
        body instanceof Readable
          ? Buffer.concat(await body.toArray())
          : Buffer.from(body as string | Buffer);
      const lower = Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]),
      );
      return { status: response.status, headers: lower, body: bytes, json: { success: false } };
    }
    const json: Envelope =
      response.kind === 'result'
        ? {
            success: true,
            result: (response.result ?? []) as Record<string, unknown>[],
            ...response.extra,
          }
        : { success: false, errors: response.errors };
    return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(json)), json };
  };

  return {
    call,
    store,
    clock,
    stats: async () => ({ ...stats }),
    fileDir,
    closeModules,
    close: async () => {
      await closeModules();
      await rm(fileDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every few real ms until `done` holds (compressed clocks make this quick). */
export async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}
