/**
 * Composition root: the Marketo client (or the embedded sandbox plus a client pointed at it),
 * the field cache, yoga, graphql-ws and the node:http server. `stop()` shuts down in a fixed
 * order: stop accepting, close WebSockets (1001), dispose yoga, drop connections, stop the export
 * jobs (releasing their poller claims), close the client, close Redis, stop the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAccess } from './auth/access.js';
import { checkDataDir, DiskHealth } from './jobs/disk.js';
import { exportManagerSettings, originDirName } from './bulk/export-config.js';
import { ExportJobManager, type ExportJobManagerOptions } from './bulk/export-jobs.js';
import {
  ImportJobManager,
  type ImportJobManagerOptions,
  importManagerSettings,
} from './bulk/import-jobs.js';
import { type Config, redisPassword } from './config.js';
import type { GatewayServices, MarketoInstanceInfo } from './context.js';
import { feedSettings } from './feeds/config.js';
import { FeedManager } from './feeds/feeds.js';
import { marketoFeedReader } from './feeds/marketo-reader.js';
import { FeedPacer } from './feeds/pacer.js';
import { ActivityTypeCatalog } from './loaders/activity-types.js';
import { FieldCatalog } from './loaders/field-catalog.js';
import { SharedLeadReads } from './loaders/shared-reads.js';
import { createLogger, type Logger } from './logger.js';
import { createMarketoClient, type MarketoClient } from './marketo/client.js';
import { GatewayMetrics } from './metrics/index.js';
import { useStatusPage } from './status/plugin.js';
import { startTracing } from './tracing/tracer.js';
import { usePersistedOperationsFrom } from './security/persisted-operations.js';
import type { CallEvent } from './marketo/call.js';
import { StatusReader } from './status/snapshot.js';
import { MARKETO_DEFAULTS } from './marketo/config.js';
import { createScaleOut, type ScaleOut, type ScaleOutTuning } from './redis/scale-out.js';
import { startSandbox } from './sandbox/server.js';
import { schema } from './schema/index.js';
import { limitRequestBody } from './security/body-limit.js';
import { authenticateBeforeBody } from './security/early-auth.js';
import { KeyBudgets } from './security/key-budget.js';
import { acceptedApiKeys, DEFAULT_LIMITS, type OperationLimits } from './security/settings.js';
import { maxMultipartBytes } from './uploads/multipart.js';
import { type UploadStoreOptions, uploadSettingsFromEnv } from './uploads/store.js';
import { attachWebSocket, type WebSocketHandle } from './ws.js';
import { createGatewayYoga, type GatewayYoga } from './yoga.js';

export interface Gateway {
  readonly yoga: GatewayYoga;
  readonly marketo: MarketoClient;
  readonly instance: MarketoInstanceInfo;
  readonly exportJobs: ExportJobManager;
  readonly importJobs: ImportJobManager;
  /** Its Prometheus registry (served at `/metrics`). */
  readonly metrics: GatewayMetrics;
  /** Its logger (secrets it knows are scrubbed from every line). */
  readonly logger: Logger;
  /** `http://host:port` once started. */
  readonly url: string;
  /** Starts listening (port 0: any free port); resolves with the URL. */
  start(port?: number, host?: string): Promise<string>;
  /**
   * Stops accepting, closes WebSockets with 1001, lets in-flight HTTP requests finish for up to
   * `graceMs` (default 0: cut at once), then releases everything.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Overrides for the export job manager (data dir, poll interval…); env and defaults otherwise. */
  exportJobs?: Partial<Omit<ExportJobManagerOptions, 'client'>>;
  /** Overrides for the import job manager (file size, poll interval…); env and defaults otherwise. */
  importJobs?: Partial<Omit<ImportJobManagerOptions, 'client'>>;
  /** Where multipart uploads are streamed to; GATEWAY_UPLOAD_DIR or the OS temp dir otherwise. */
  uploads?: UploadStoreOptions;
  /** Redis timings (REDIS_URL set); production defaults otherwise. */
  redis?: ScaleOutTuning;
  /** Feed settings (poll interval, budget share, data dir); env and defaults otherwise. */
  feeds?: Partial<ReturnType<typeof feedSettings>>;
}

/** How often node:http looks for timed-out requests: a tenth of the shorter timeout, ≤ 30 s. */
function checkingInterval(limits: OperationLimits): number {
  const shorter = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return Math.max(10, Math.min(30_000, Math.floor(shorter / 10)));
}

/** `/ready`'s 503 with why, as JSON. */
function notReady(body: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ ready: false, ...body }), {
    status: 503,
    headers: { 'content-type': 'application/json' },
  });
}

export async function createGateway(
  config: Config,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const { marketo: marketoConfig } = config;
  const secrets = new Set<string>();
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, secrets: () => secrets.values() });
  // Before anything starts: no open gateway in front of a real Marketo unless asked for.
  const apiKeys = acceptedApiKeys(config.security, marketoConfig, logger);
  for (const { key } of apiKeys) secrets.add(key);
  const access = createAccess(apiKeys);
  const metrics = new GatewayMetrics({ logger });
  const tracing = config.tracing && startTracing(config.tracing);
  const onCall = tracing
    ? (event: CallEvent) => {
        metrics.onMarketoCall(event);
        tracing.onMarketoCall(event);
      }
    : metrics.onMarketoCall;
  const limits = {
    concurrency: marketoConfig.concurrency,
    rateLimit: marketoConfig.rateLimit,
    dailyQuota: marketoConfig.dailyQuota,
    ...(marketoConfig.rateWindowMs !== undefined && { rateWindowMs: marketoConfig.rateWindowMs }),
    // Fair turns between API keys always; a cap per key when GATEWAY_KEY_SHARE < 1.
    ...(config.keyShare !== undefined && { keyShare: config.keyShare }),
  };

  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  let marketo: MarketoClient;
  let instance: MarketoInstanceInfo;
  let scaleOut: ScaleOut | undefined;
  if (marketoConfig.sandbox) {
    sandbox = await startSandbox({
      ...config.sandbox,
      // A fresh secret per process: nothing to configure, nothing reusable if it leaks.
      clientSecret: randomUUID(),
    });
    secrets.add(sandbox.clientSecret);
    marketo = createMarketoClient({
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      timeScale: config.sandbox.timeScale,
      logger: logger.child({ component: 'marketo' }),
      onCall,
      ...limits,
    });
    instance = { mode: 'SANDBOX', origin: sandbox.url };
    if (config.redis) {
      logger.warn('REDIS_URL ignored: the embedded sandbox is private to this process');
    }
    logger.info('no Marketo credentials configured: using the embedded Marketo sandbox', {
      sandboxUrl: sandbox.url,
      timeScale: config.sandbox.timeScale,
    });
  } else {
    secrets.add(marketoConfig.clientSecret);
    // Instances sharing REDIS_URL share one budget, one token and the export jobs.
    const redisSecret = config.redis && redisPassword(config.redis.url);
    if (redisSecret) secrets.add(redisSecret);
    scaleOut =
      config.redis &&
      createScaleOut(config.redis, {
        limits: {
          ...limits,
          rateWindowMs:
            marketoConfig.rateWindowMs ?? MARKETO_DEFAULTS.rateWindowMs / config.marketoTimeScale,
        },
        logger,
        ...(options.redis && { tuning: options.redis }),
      });
    marketo = createMarketoClient({
      baseUrl: marketoConfig.baseUrl,
      clientId: marketoConfig.clientId,
      clientSecret: marketoConfig.clientSecret,
      timeScale: config.marketoTimeScale,
      logger: logger.child({ component: 'marketo' }),
      onCall,
      ...limits,
      ...(scaleOut && { limiter: scaleOut.limiter, tokenStore: scaleOut.tokenStore }),
    });
    instance = { mode: 'MARKETO', origin: marketoConfig.baseUrl };
  }

  const diskHealth = new DiskHealth(logger.child({ component: 'disk' }));
  const exportSettings = {
    ...exportManagerSettings({
      embeddedSandbox: sandbox !== undefined,
      timeScale: sandbox ? config.sandbox.timeScale : config.marketoTimeScale,
      ...(config.sandbox.bulk?.exportStepMs !== undefined && {
        sandboxStepMs: config.sandbox.bulk.exportStepMs,
      }),
      origin: instance.origin,
      ...(sandbox && { clock: sandbox.clock }),
    }),
    ...options.exportJobs,
  };
  const importSettings = {
    ...importManagerSettings({
      embeddedSandbox: sandbox !== undefined,
      timeScale: sandbox ? config.sandbox.timeScale : config.marketoTimeScale,
      origin: instance.origin,
    }),
    ...options.importJobs,
  };
  const feedConfig = {
    ...feedSettings({
      embeddedSandbox: sandbox !== undefined,
      timeScale: sandbox ? config.sandbox.timeScale : config.marketoTimeScale,
      origin: instance.origin,
    }),
    ...options.feeds,
  };
  const uploads = { ...uploadSettingsFromEnv(process.env), ...options.uploads };
  try {
    // A directory the gateway cannot write would fail every job later: refuse to start instead.
    await checkDataDir('EXPORT_DATA_DIR', exportSettings.dataDir);
    if (importSettings.dataDir) await checkDataDir('IMPORT_DATA_DIR', importSettings.dataDir);
    if (uploads.dir) await checkDataDir('GATEWAY_UPLOAD_DIR', uploads.dir);
    if (!scaleOut) await checkDataDir('FEED_DATA_DIR', feedConfig.dataDir);
  } catch (error) {
    await marketo.close().catch(() => undefined);
    await scaleOut?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    throw error;
  }

  const fieldCatalog = new FieldCatalog({ ttlMs: config.fieldCacheTtlMs });
  const exportJobs = new ExportJobManager({
    ...exportSettings,
    client: marketo,
    logger,
    diskHealth,
    describeLeads: async (api) => (await fieldCatalog.get(api)).fields,
    ...(scaleOut && {
      registry: scaleOut.exportRegistry(originDirName(instance.origin)),
      adoptIntervalMs: scaleOut.adoptIntervalMs,
    }),
    ...options.exportJobs,
  });
  await scaleOut?.connect();
  // Picks up the export jobs a previous run was watching.
  await exportJobs.start();
  const importJobs = new ImportJobManager({
    ...importSettings,
    client: marketo,
    logger,
    diskHealth,
    // With REDIS_URL, import jobs are the fleet's too (one follower each, orphans adopted).
    ...(scaleOut && {
      registry: scaleOut.importRegistry(originDirName(instance.origin)),
      adoptIntervalMs: scaleOut.adoptIntervalMs,
    }),
    ...options.importJobs,
  });
  // Follows the imports a previous run had submitted.
  await importJobs.start();
  // Feeds read as their own principal: fair turns beside the API keys, within their share.
  const feedApi = marketo.withContext({ principal: 'feeds' });
  const timeScale = sandbox ? config.sandbox.timeScale : config.marketoTimeScale;
  const feeds = new FeedManager({
    reader: (spec) => marketoFeedReader(feedApi, spec),
    pacer: new FeedPacer(
      feedConfig.budgetShare,
      marketoConfig.rateLimit,
      marketoConfig.rateWindowMs ?? MARKETO_DEFAULTS.rateWindowMs / timeScale,
    ),
    pollIntervalMs: feedConfig.pollIntervalMs,
    logger,
    ...(sandbox && { now: () => sandbox!.clock.now() }),
    ...(scaleOut
      ? {
          registry: scaleOut.feedRegistry(originDirName(instance.origin)),
          adoptIntervalMs: scaleOut.adoptIntervalMs,
        }
      : { file: join(feedConfig.dataDir, 'feeds.json') }),
  });
  await feeds.start();

  const services: GatewayServices = {
    marketo,
    fieldCatalog,
    activityTypes: new ActivityTypeCatalog({ ttlMs: config.fieldCacheTtlMs }),
    leadReads: new SharedLeadReads(marketo),
    instance,
    logger,
    exportJobs,
    importJobs,
    // With REDIS_URL a key's share is the fleet's, not each instance's.
    keyBudgets: new KeyBudgets(apiKeys, marketoConfig.dailyQuota, {
      ...(scaleOut && { shared: scaleOut.keyBudgets }),
    }),
    feeds,
  };
  metrics.watch({ marketo, exportJobs, importJobs });
  const status = useStatusPage({
    access,
    mode: config.security?.metrics ?? 'admin',
    reader: new StatusReader({ marketo, exportJobs, importJobs, instance }),
  });
  const yoga = createGatewayYoga({
    schema,
    services,
    logger,
    // Ready: every data directory takes writes, Marketo gives a token (and Redis answers, when
    // configured). A failing directory is named in the 503's body until a write there succeeds.
    ready: async () => {
      const disk = diskHealth.problems();
      if (disk.length > 0) return notReady({ disk });
      const auth = await marketo.checkAuthentication();
      if (!auth.ok) return notReady({ marketo: { code: auth.code, message: auth.message } });
      if (scaleOut && !(await scaleOut.ready())) {
        return notReady({ redis: 'Redis does not answer, or the limiter runs on its local share' });
      }
      return true;
    },
    access,
    ...(config.security && { security: config.security }),
    ...(scaleOut && { subscriptionSlots: scaleOut.subscriptionSlots }),
    uploads,
    metrics,
    status,
    ...(tracing && { tracer: tracing.tracer }),
    ...(config.persistedOperations && {
      persistedOperations: usePersistedOperationsFrom(config.persistedOperations),
    }),
  });
  const bodyLimits = config.security?.limits ?? DEFAULT_LIMITS;
  const server: Server = createServer(
    {
      // A stalled request (headers, or a body shorter than its Content-Length) is cut, not held.
      // node:http wants headersTimeout ≤ requestTimeout.
      headersTimeout: Math.min(bodyLimits.headersTimeoutMs, bodyLimits.requestTimeoutMs),
      requestTimeout: bodyLimits.requestTimeoutMs,
      connectionsCheckingInterval: checkingInterval(bodyLimits),
      // Idle keep-alive sockets outlive every common client's and load balancer's idle timeout
      // (undici 4 s, nginx and cloud balancers 60 s): the client closes first, so a request is
      // never sent on a socket the server is closing (ECONNRESET, not retried for a POST).
      keepAliveTimeout: 65_000,
    },
    // The key is checked from the headers before the body's size, let alone its bytes.
    authenticateBeforeBody(
      access,
      yoga.graphqlEndpoint,
      limitRequestBody(
        bodyLimits.maxBodyBytes,
        yoga,
        maxMultipartBytes({
          maxUploadBytes: bodyLimits.maxUploadBytes,
          maxUploadFiles: bodyLimits.maxUploadFiles,
          maxFieldBytes: bodyLimits.maxBodyBytes,
        }),
      ),
    ),
  );
  // While stopping, each connection closes once its response is done: the server closes when
  // the last in-flight operation finishes, not when idle keep-alive clients let go.
  let stopping = false;
  const responses = new Set<ServerResponse>();
  server.prependListener('request', (_request, response: ServerResponse) => {
    if (stopping) response.setHeader('connection', 'close');
    responses.add(response);
    response.once('close', () => responses.delete(response));
    response.once('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  // graphql-ws is attached once the port is ours: attached before, it would also hear a failed
  // listen (EADDRINUSE) and print its own multi-line report beside our one JSON line.
  let ws: WebSocketHandle | undefined;
  let url = '';

  return {
    logger,
    yoga,
    marketo,
    instance,
    exportJobs,
    importJobs,
    metrics,
    get url() {
      return url;
    },
    async start(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      ws = attachWebSocket(server, yoga, {
        access,
        ...(config.security?.corsOrigins && { allowedOrigins: config.security.corsOrigins }),
      });

      const address = server.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
      logger.info('gateway listening', {
        url: `${url}${yoga.graphqlEndpoint}`,
        mode: instance.mode,
      });
      // Said once at start, so a wrong secret or an unreachable host is not a silent 503.
      void marketo.checkAuthentication().then((auth) =>
        auth.ok
          ? logger.info('Marketo access token obtained', { instance: instance.origin })
          : logger.warn('no Marketo access token: /ready answers 503 until one can be had', {
              instance: instance.origin,
              code: auth.code,
              reason: auth.message,
            }),
      );
      return url;
    },
    async stop({ graceMs = 0 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      stopping = true;
      for (const response of responses) {
        if (!response.headersSent) response.setHeader('connection', 'close');
      }
      server.closeIdleConnections();
      status.close();
      await ws?.dispose();
      if (graceMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([closed, deadline]);
        clearTimeout(timer);
      }
      await yoga.dispose();
      server.closeAllConnections();
      await closed;
      await exportJobs.close();
      await importJobs.close();
      await feeds.close();
      if (feedConfig.ephemeral) await rm(feedConfig.dataDir, { recursive: true, force: true });
      await marketo.close();
      await tracing?.shutdown().catch((error: unknown) => {
        logger.warn('could not export the last traces', { error });
      });
      await scaleOut?.close();
      await sandbox?.close();
    },
  };
}
