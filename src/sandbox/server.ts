/**
 * `startSandbox(options)`: composes the Marketo sandbox (store, clock, identity, limits, faults,
 * stats, endpoint routes including bulk export/import) and serves it on node:http.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../logger.js';
import {
  createActivityRoutes,
  DEFAULT_ACTIVITY_SCAN_LIMIT,
  LARGE_LIST_RULE_FROM,
} from './activities.js';
import { createBulkExport } from './bulk/export.js';
import { createBulkImport } from './bulk/import.js';
import { createCampaignRoutes } from './campaigns.js';
import { type Clock, createClock } from './clock.js';
import { createControl } from './control.js';
import { createDescribeRoutes } from './describe.js';
import { createRequestIds } from './envelope.js';
import { createFaults } from './faults.js';
import { createTokens } from './identity.js';
import { createLeadRoutes } from './leads.js';
import { createLimits, DEFAULT_LIMITS, type LimitSettings } from './limits.js';
import { createListRoutes } from './lists.js';
import { createPipeline } from './pipeline.js';
import { createRouter } from './router.js';
import { hash, prng } from './seed.js';
import { createStats } from './stats.js';
import { Store } from './store.js';
import type { BulkDeps, BulkLimits } from './types.js';
import { createUsageRoutes } from './usage.js';

export const DEFAULT_BULK_LIMITS: BulkLimits = {
  exportProcessing: 2,
  exportQueue: 10,
  exportDailyQuotaBytes: 500 * 1024 * 1024,
  exportStepMs: 60_000,
  exportRetentionMs: 7 * 86_400_000,
  importProcessing: 2,
  importQueue: 10,
  importMaxBytes: 10 * 1024 * 1024,
  importMsPer1000Rows: 10_000,
  exportFileBytesPerSecond: 0,
};

export interface SandboxOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  host?: string;
  /** Seed of the generated data (1). */
  seed?: number;
  /** Number of seeded leads (10 000); millions are fine, leads are generated on demand. */
  leads?: number;
  /** Simulated ms per real ms (1). */
  timeScale?: number;
  /** Simulated epoch ms the clock starts at (now). */
  startAt?: number;
  /** End of seeded history, epoch ms (the clock's start, rounded down to UTC midnight). */
  dataEpoch?: number;
  clientId?: string;
  clientSecret?: string;
  /** More API users besides clientId/clientSecret (bulk jobs are private to each). */
  clients?: { clientId: string; clientSecret: string }[];
  tokenLifetimeSec?: number;
  /** Accept the legacy `access_token` query/form parameter (true). */
  legacyAccessTokenParam?: boolean;
  /**
   * Keep connections alive between calls (false: every answer says `Connection: close`, as
   * Marketo's do, so each call pays a new connection).
   */
  keepAlive?: boolean;
  limits?: Partial<LimitSettings>;
  bulk?: Partial<BulkLimits>;
  /** Lead export filters this simulated subscription lacks (bulk export answers 1035). */
  unsupportedExportFilters?: BulkDeps['unsupportedExportFilters'];
  /**
   * Activities one activity call examines at most (5 000): Marketo answers a short or empty page
   * with `moreResult: true` when its stretch of the stream has too few matches.
   */
  activityScanLimit?: number;
  /**
   * When Marketo starts refusing (1003) a `listId` that names a list of 10,000 leads or more on
   * activity calls, compared with the sandbox clock (`2026-09-30T00:00:00Z`).
   */
  largeListRuleFrom?: string | number;
  /** Parent directory for export files (the OS temp dir); the sandbox's own subdirectory is removed on close. */
  fileDir?: string;
  logger?: Logger;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  clientId: string;
  clientSecret: string;
  clock: Clock;
  store: Store;
  limits: LimitSettings;
  close(): Promise<void>;
}

function ruleDate(value: string | number | undefined): number {
  if (value === undefined) return LARGE_LIST_RULE_FROM;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`largeListRuleFrom: not a date: '${value}'`);
  return ms;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = createClock({
    timeScale: options.timeScale ?? 1,
    ...(options.startAt !== undefined && { startAt: options.startAt }),
  });
  const clientId = options.clientId ?? 'sandbox';
  const clientSecret = options.clientSecret ?? 'sandbox';
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? 1;
  const limitSettings: LimitSettings = { ...DEFAULT_LIMITS, ...options.limits };
  const bulkLimits: BulkLimits = { ...DEFAULT_BULK_LIMITS, ...options.bulk };
  const store = new Store({
    seed,
    leadCount: options.leads ?? 10_000,
    clock,
    ...(options.dataEpoch !== undefined && { epoch: options.dataEpoch }),
  });
  const stats = createStats();
  const limits = createLimits(clock, limitSettings);
  const faults = createFaults(() => prng(hash(seed, 0xfa17)));
  const tokens = createTokens(clock, options.tokenLifetimeSec ?? 3600);
  const fileDir = await mkdtemp(join(options.fileDir ?? tmpdir(), 'marketo-sandbox-'));

  const bulkDeps: BulkDeps = {
    store,
    clock,
    limits: bulkLimits,
    stats: stats.bulk,
    fileDir,
    ...(options.unsupportedExportFilters && {
      unsupportedExportFilters: options.unsupportedExportFilters,
    }),
  };
  const bulkExport = createBulkExport(bulkDeps);
  const bulkImport = createBulkImport(bulkDeps);
  const maxBatch = limitSettings.maxBatch;
  const router = createRouter([
    ...createLeadRoutes({ store, maxBatch }),
    ...createDescribeRoutes({ store, maxBatch }),
    ...createActivityRoutes({
      store,
      maxBatch,
      clock,
      scanLimit: options.activityScanLimit ?? DEFAULT_ACTIVITY_SCAN_LIMIT,
      largeListRuleFrom: ruleDate(options.largeListRuleFrom),
    }),
    ...createListRoutes({ store, maxBatch }),
    ...createCampaignRoutes({ store, stats, clock, maxBatch }),
    ...createUsageRoutes({ limits }),
    ...bulkExport.routes,
    ...bulkImport.routes,
  ]);

  let url = '';
  const control = createControl({
    store,
    stats,
    faults,
    limits,
    tokens,
    clock,
    holdExports: (on) => bulkExport.hold(on),
    info: () => ({
      url,
      seed,
      leads: options.leads ?? 10_000,
      timeScale: clock.timeScale,
      limits: limitSettings,
      bulk: bulkLimits,
      dataEpoch: new Date(store.seedShape.epoch).toISOString(),
    }),
  });
  const handle = createPipeline({
    router,
    tokens,
    credentials: new Map([
      [clientId, clientSecret],
      ...(options.clients ?? []).map((c): [string, string] => [c.clientId, c.clientSecret]),
    ]),
    limits,
    faults,
    stats,
    requestId: createRequestIds(() => clock.now()),
    legacyAccessTokenParam: options.legacyAccessTokenParam ?? true,
    keepAlive: options.keepAlive ?? false,
    logger,
    control,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('sandbox request failed', { error });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // With keep-alive on, idle sockets outlive the client's own idle timeout (undici's 4 s), so the
  // client closes first and never sends on a socket being closed (an ECONNRESET on a loaded machine).
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    clientId,
    clientSecret,
    clock,
    store,
    limits: limitSettings,
    close() {
      closed ??= (async () => {
        await Promise.all([bulkExport.close(), bulkImport.close()]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(fileDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
