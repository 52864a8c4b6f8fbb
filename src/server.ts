/**
 * Composition root: the Marketo client (or the embedded sandbox plus a client pointed at it),
 * the field cache, yoga, graphql-ws and the node:http server. `stop()` shuts down in a fixed
 * order: stop accepting, close WebSockets (1001), dispose yoga, drop connections, close the
 * client, stop the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportManagerSettings } from './bulk/export-config.js';
import { ExportJobManager, type ExportJobManagerOptions } from './bulk/export-jobs.js';
import type { Config } from './config.js';
import type { GatewayServices, MarketoInstanceInfo } from './context.js';
import { FieldCatalog } from './loaders/field-catalog.js';
import { createLogger, type Logger } from './logger.js';
import { createMarketoClient, type MarketoClient } from './marketo/client.js';
import { startSandbox } from './sandbox/server.js';
import { schema } from './schema/index.js';
import { attachWebSocket, type WebSocketHandle } from './ws.js';
import { createGatewayYoga, type GatewayYoga } from './yoga.js';

export interface Gateway {
  readonly yoga: GatewayYoga;
  readonly marketo: MarketoClient;
  readonly instance: MarketoInstanceInfo;
  readonly exportJobs: ExportJobManager;
  /** `http://host:port` once started. */
  readonly url: string;
  /** Starts listening (port 0: any free port); resolves with the URL. */
  start(port?: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Overrides for the export job manager (data dir, poll interval…); env and defaults otherwise. */
  exportJobs?: Partial<Omit<ExportJobManagerOptions, 'client'>>;
}

export async function createGateway(
  config: Config,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const { marketo: marketoConfig } = config;
  const secrets = new Set<string>();
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, secrets: () => secrets.values() });
  const limits = {
    concurrency: marketoConfig.concurrency,
    rateLimit: marketoConfig.rateLimit,
    dailyQuota: marketoConfig.dailyQuota,
    ...(marketoConfig.rateWindowMs !== undefined && { rateWindowMs: marketoConfig.rateWindowMs }),
  };

  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  let marketo: MarketoClient;
  let instance: MarketoInstanceInfo;
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
    logger.info('no Marketo credentials configured: using the embedded Marketo sandbox', {
      sandboxUrl: sandbox.url,
      timeScale: config.sandbox.timeScale,
    });
  } else {
    secrets.add(marketoConfig.clientSecret);
    marketo = createMarketoClient({
      baseUrl: marketoConfig.baseUrl,
      clientId: marketoConfig.clientId,
      clientSecret: marketoConfig.clientSecret,
      timeScale: config.marketoTimeScale,
      logger: logger.child({ component: 'marketo' }),
      ...limits,
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
    ...options.exportJobs,
  });
  // Picks up the export jobs a previous run was watching.
  await exportJobs.start();

  const services: GatewayServices = {
    marketo,
    fieldCatalog,
    instance,
    logger,
    exportJobs,
  };
  const yoga = createGatewayYoga({ schema, services, logger });
  const server: Server = createServer(yoga);
  const ws: WebSocketHandle = attachWebSocket(server, yoga);
  let url = '';

  return {
    yoga,
    marketo,
    instance,
    exportJobs,
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
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await ws.dispose();
      await yoga.dispose();
      server.closeAllConnections();
      await closed;
      await exportJobs.close();
      await marketo.close();
      await sandbox?.close();
    },
  };
}
