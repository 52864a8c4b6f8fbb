/**
 * Starts `chaos-gateway.ts` (a gateway built like `npm start`, with test timings) as its own
 * process against a sandbox and a Redis: what every multi-process Redis test shares. Each test adds
 * the settings its scenario needs (poll intervals, file sizes, clocks) through `env`.
 */
import { join } from 'node:path';
import { spawnListening } from '../../bench/support.js';
import type { ScaleOutTuning } from '../../src/redis/scale-out.js';
import type { TestSandbox } from '../helpers/sandbox.js';

export interface ChaosGatewayOptions {
  sandbox: TestSandbox;
  redisUrl: string;
  /** REDIS_NAMESPACE: instances that share it act as one gateway. */
  namespace: string;
  /** Exports and imports go in its `exports` and `imports` folders. */
  dataDir: string;
  timeScale: number;
  tuning: ScaleOutTuning;
  env?: Record<string, string>;
}

export function spawnChaosGateway(options: ChaosGatewayOptions) {
  const { sandbox, dataDir } = options;
  return spawnListening('test/redis/chaos-gateway.ts', {
    env: {
      MARKETO_BASE_URL: sandbox.url,
      MARKETO_CLIENT_ID: sandbox.clientId,
      MARKETO_CLIENT_SECRET: sandbox.clientSecret,
      MARKETO_TIME_SCALE: String(options.timeScale),
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      REDIS_URL: options.redisUrl,
      REDIS_NAMESPACE: options.namespace,
      EXPORT_DATA_DIR: join(dataDir, 'exports'),
      IMPORT_DATA_DIR: join(dataDir, 'imports'),
      CHAOS_TUNING: JSON.stringify(options.tuning),
      ...options.env,
    },
  });
}
