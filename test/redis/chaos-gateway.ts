/**
 * A gateway process for the chaos test (`chaos.test.ts`, bundled by `spawnListening`): built from the environment as
 * `npm start` builds it (`loadConfig` + `createGateway`, the process guards of `src/main.ts`),
 * with Redis timings on the test's compressed clock (`CHAOS_TUNING`, a `ScaleOutTuning` as JSON)
 * and the sandbox's clock (`CHAOS_CLOCK`: its Marketo time at a wall-clock instant, and its scale).
 * Logs JSON lines (warn and up) on stdout and prints `gateway listening on <url>`.
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { guardProcess } from '../../src/process-guards.js';
import type { ScaleOutTuning } from '../../src/redis/scale-out.js';
import { createGateway } from '../../src/server.js';

const tuning = JSON.parse(process.env.CHAOS_TUNING ?? '{}') as ScaleOutTuning;
const base = JSON.parse(process.env.CHAOS_CLOCK ?? 'null') as {
  marketo: number;
  real: number;
  timeScale: number;
} | null;

const logger = createLogger({ level: 'warn' });
guardProcess({ logger: () => logger, fatal: (code) => process.exit(code) });

const gateway = await createGateway(loadConfig(process.env), {
  logger,
  redis: tuning,
  ...(base && {
    exportJobs: {
      clock: {
        now: () => base.marketo + (Date.now() - base.real) * base.timeScale,
        timeScale: base.timeScale,
      },
    },
  }),
});
const url = await gateway.start(0, '127.0.0.1');
process.once('SIGTERM', () => {
  gateway.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
process.stdout.write(`gateway listening on ${url}\n`);
