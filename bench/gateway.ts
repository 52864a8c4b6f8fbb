/**
 * A gateway process for the benches, built from the environment exactly as `npm start` builds it
 * (`loadConfig` + `createGateway`), except that export and import files go to a temporary
 * directory removed on SIGTERM. Prints `gateway listening on <url>` for `spawnListening`.
 *
 *   spawnListening('bench/gateway.ts', { env: { NODE_ENV: 'production', MARKETO_BASE_URL: … } })
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/server.js';

const config = loadConfig(process.env);
const dataDir = await mkdtemp(join(tmpdir(), 'bench-gateway-'));
const gateway = await createGateway(config, {
  exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
  importJobs: { dataDir: join(dataDir, 'imports') },
});
const url = await gateway.start(0, config.host ?? '127.0.0.1');
process.once('SIGTERM', () => {
  gateway
    .stop()
    .then(() => rm(dataDir, { recursive: true, force: true }))
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
process.stdout.write(`gateway listening on ${url}\n`);
