/**
 * A gateway process for the benches, built from the environment exactly as `npm start` builds it
 * (`loadConfig` + `createGateway`), except that export and import files go to a temporary
 * directory removed on SIGTERM. Prints `gateway listening on <url>` for `spawnListening`.
 *
 *   spawnListening('bench/gateway.ts', { env: { NODE_ENV: 'production', MARKETO_BASE_URL: … } })
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { serveGateway } from './support.js';

await serveGateway(loadConfig(process.env), (dataDir) => ({
  exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
  importJobs: { dataDir: join(dataDir, 'imports') },
}));
