/**
 * `npm run sandbox`: the Marketo sandbox standalone. Configuration from the environment
 * (SANDBOX_PORT 4100, SANDBOX_SEED, SANDBOX_LEADS, SANDBOX_TIME_SCALE, SANDBOX_CLIENT_ID/SECRET,
 * SANDBOX_RATE_LIMIT, SANDBOX_RATE_WINDOW_MS, SANDBOX_CONCURRENCY, SANDBOX_DAILY_QUOTA, …).
 */
import { createLogger } from '../logger.js';
import { sandboxOptionsFromEnv } from './env.js';
import { startSandbox } from './server.js';

const options = sandboxOptionsFromEnv(process.env);
const sandbox = await startSandbox({
  ...options,
  logger: createLogger({ level: 'warn', secrets: () => [options.clientSecret ?? 'sandbox'] }),
});
process.stdout.write(
  [
    `Marketo sandbox listening on ${sandbox.url}`,
    `  identity:  ${sandbox.url}/identity/oauth/token`,
    `  REST:      ${sandbox.url}/rest`,
    `  client id: ${sandbox.clientId}`,
    `  secret:    ${sandbox.clientSecret}`,
    `  try: curl '${sandbox.url}/identity/oauth/token?grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=${sandbox.clientSecret}'`,
    '',
  ].join('\n'),
);

const stop = () => {
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
