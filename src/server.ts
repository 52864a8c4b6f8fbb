/**
 * Composition root: the Marketo client (or the embedded sandbox plus a client pointed at it),
 * the field cache, yoga, graphql-ws and the node:http server. `stop()` shuts down in a fixed
 * order: stop accepting, close WebSockets (1001), dispose yoga, drop connections, stop the export
 * jobs (releasing their poller claims), close the client, close Redis, stop the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccess } from './auth/access.js';
import { exportManagerSettings, originDirName } from './bulk/export-config.js';
import { ExportJobManager, type ExportJobManagerOptions } from './bulk/export-jobs.js';
import {
  ImportJobManager,
  type ImportJobManagerOptions,
  importSettingsFromEnv,
} from './bulk/import-jobs.js';
import { type Config, redisPassword } from './config.js';
import type { GatewayServices, MarketoInstanceInfo } from './context.js';
import { FieldCatalog } from './loaders/field-catalog.js';
import { createLogger, type Logger } from './logger.js';
import { createMarketoClient, type MarketoClient } from './marketo/client.js';
import { MARKETO_DEFAULTS } from './marketo/config.js';
import { createScaleOut, type ScaleOut, type ScaleOutTuning } from './redis/scale-out.js';
import { startSandbox } from './sandbox/server.js';
import { schema } from './schema/index.js';
import { limitRequestBody } from './security/body-limit.js';
import { acceptedApiKeys, DEFAULT_LIMITS } from './security/settings.js';
import { attachWebSocket, type WebSocketHandle } from './ws.js';
import { createGatewayYoga, type GatewayYoga } from './yoga.js';

export interface Gateway {
  readonly yoga: GatewayYoga;
  readonly marketo: MarketoClient;
  readonly instance: MarketoInstanceInfo;
  readonly exportJobs: ExportJobManager;
  readonly importJobs: ImportJobManager;
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
  /** Redis timings (REDIS_URL set); production defaults otherwise. */
  redis?: ScaleOutTuning;
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
  const limits = {
    concurrency: marketoConfig.concurrency,
    rateLimit: marketoConfig.rateLimit,
    dailyQuota: marketoConfig.dailyQuota,
    ...(marketoConfig.rateWindowMs !== undefined && { rateWindowMs: marketoConfig.rateWindowMs }),
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
      ...limits,
      ...(scaleOut && { limiter: scaleOut.limiter, tokenStore: scaleOut.tokenStore }),
    });
    instance = { mode: 'MARKETO', origin: marketoConfig.baseUrl };
  }

  const fieldCatalog = new FieldCatalog({ ttlMs: config.fieldCacheTtlMs });
  const exportJobs = new ExportJobManager({
    ...exportManagerSettings({
      embeddedSandbox: sandbox !== undefined,
      timeScale: sandbox ? config.sandbox.timeScale : config.marketoTimeScale,
      origin: instance.origin,
      ...(sandbox && { clock: sandbox.clock }),
    }),
    client: marketo,
    logger,
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
    ...importSettingsFromEnv(
      process.env,
      sandbox ? config.sandbox.timeScale : config.marketoTimeScale,
    ),
    client: marketo,
    logger,
    ...options.importJobs,
  });

  const services: GatewayServices = {
    marketo,
    fieldCatalog,
    instance,
    logger,
    exportJobs,
    importJobs,
  };
  const yoga = createGatewayYoga({
    schema,
    services,
    logger,
    // Ready: Marketo gives a token (and Redis answers, when configured).
    ready: async () => (await marketo.canAuthenticate()) && (scaleOut ? scaleOut.ready() : true),
    access,
    ...(config.security && { security: config.security }),
  });
  const maxBodyBytes = config.security?.limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  const server: Server = createServer(limitRequestBody(maxBodyBytes, yoga));
  const ws: WebSocketHandle = attachWebSocket(server, yoga, {
    access,
    ...(config.security?.corsOrigins && { allowedOrigins: config.security.corsOrigins }),
  });
  let url = '';

  return {
    yoga,
    marketo,
    instance,
    exportJobs,
    importJobs,
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
      const address = server.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
      logger.info('gateway listening', {
        url: `${url}${yoga.graphqlEndpoint}`,
        mode: instance.mode,
      });
      return url;
    },
    async stop({ graceMs = 0 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ws.dispose();
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
      await marketo.close();
      await scaleOut?.close();
      await sandbox?.close();
    },
  };
}
