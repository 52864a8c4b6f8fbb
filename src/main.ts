/** Process entry: read the environment, build the gateway, listen, stop cleanly on signals. */
import { describeConfig, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { ConfigError } from './marketo/errors.js';
import { guardProcess } from './process-guards.js';
import { createGateway, type Gateway } from './server.js';

const bootLogger = createLogger();
let logger: Logger = bootLogger;
let gateway: Gateway | undefined;
let graceMs = 0;

let stopping = false;
const stop = (reason: string, code: number) => {
  if (stopping) return;
  stopping = true;
  logger.info('stopping', { signal: reason });
  if (!gateway) process.exit(code);
  // A signal always ends the process: whatever still holds it after the grace period and ten
  // seconds to release jobs and connections is cut.
  setTimeout(() => {
    logger.error('shutdown did not finish in time: exiting', { graceMs });
    process.exit(code || 1);
  }, graceMs + 10_000).unref();
  gateway.stop({ graceMs }).then(
    () => process.exit(code),
    (error: unknown) => {
      logger.error('shutdown failed', { error });
      process.exit(1);
    },
  );
};

// From the first line on: a library's dangling rejection (e.g. a Redis command while Redis is
// away) is logged and survived; an uncaught exception is logged and stops the process.
guardProcess({ logger: () => logger, fatal: (code) => stop('uncaughtException', code) });

try {
  const config = loadConfig();
  graceMs = config.shutdownGraceMs ?? 0;
  bootLogger.info('starting marketo-graphql-gateway', { config: describeConfig(config) });
  gateway = await createGateway(config);
  logger = gateway.logger;
  const url = await gateway.start();
  bootLogger.info(`GraphiQL: ${url}/graphql`);
  process.once('SIGINT', () => stop('SIGINT', 0));
  process.once('SIGTERM', () => stop('SIGTERM', 0));
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (error instanceof ConfigError) {
    bootLogger.error(`configuration error: ${error.message}`, { variable: error.variable });
  } else if (code === 'EADDRINUSE' || code === 'EACCES') {
    const port = (error as { port?: unknown }).port;
    bootLogger.error(
      code === 'EADDRINUSE'
        ? `PORT ${String(port)} is already in use: stop what listens there or set PORT`
        : `PORT ${String(port)} cannot be opened by this user: set PORT to one above 1023`,
      { variable: 'PORT', port, code },
    );
  } else {
    bootLogger.error('failed to start', { error });
  }
  process.exit(1);
}
