/** Process entry: read the environment, build the gateway, listen, stop cleanly on signals. */
import { describeConfig, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { ConfigError } from './marketo/errors.js';
import { createGateway } from './server.js';

const bootLogger = createLogger();

try {
  const config = loadConfig();
  bootLogger.info('starting marketo-graphql-gateway', { config: describeConfig(config) });
  const gateway = await createGateway(config);
  const url = await gateway.start();
  bootLogger.info(`GraphiQL: ${url}/graphql`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    bootLogger.info('stopping', { signal });
    // A signal always ends the process: whatever still holds it after the grace period and
    // ten seconds to release jobs and connections is cut.
    const graceMs = config.shutdownGraceMs ?? 0;
    setTimeout(() => {
      bootLogger.error('shutdown did not finish in time: exiting', { graceMs });
      process.exit(1);
    }, graceMs + 10_000).unref();
    gateway.stop({ graceMs }).then(
      () => process.exit(0),
      (error: unknown) => {
        bootLogger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    bootLogger.error(`configuration error: ${error.message}`, { variable: error.variable });
  } else {
    bootLogger.error('failed to start', { error });
  }
  process.exit(1);
}
