/** Sandbox options from environment variables (standalone `npm run sandbox`). */
import type { LimitSettings } from './limits.js';
import type { SandboxOptions } from './server.js';
import type { BulkLimits } from './types.js';

type Env = Record<string, string | undefined>;

function num(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${raw}'`);
  return n;
}

function pick<T>(entries: [keyof T, number | boolean | undefined][]): Partial<T> {
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function sandboxOptionsFromEnv(env: Env): SandboxOptions {
  const enforce = env.SANDBOX_ENFORCE_LIMITS;
  const limits = pick<LimitSettings>([
    ['rateLimit', num(env, 'SANDBOX_RATE_LIMIT')],
    ['rateWindowMs', num(env, 'SANDBOX_RATE_WINDOW_MS')],
    ['concurrency', num(env, 'SANDBOX_CONCURRENCY')],
    ['dailyQuota', num(env, 'SANDBOX_DAILY_QUOTA')],
    ['maxBatch', num(env, 'SANDBOX_MAX_BATCH')],
    ['maxUrlBytes', num(env, 'SANDBOX_MAX_URL_BYTES')],
    ['maxBodyBytes', num(env, 'SANDBOX_MAX_BODY_BYTES')],
    ['enforce', enforce === undefined ? undefined : !/^(0|false|no|off)$/i.test(enforce)],
  ]);
  const bulk = pick<BulkLimits>([
    ['exportProcessing', num(env, 'SANDBOX_EXPORT_PROCESSING')],
    ['exportQueue', num(env, 'SANDBOX_EXPORT_QUEUE')],
    ['exportDailyQuotaBytes', num(env, 'SANDBOX_EXPORT_DAILY_QUOTA_BYTES')],
    ['exportStepMs', num(env, 'SANDBOX_EXPORT_STEP_MS')],
    ['importMaxBytes', num(env, 'SANDBOX_IMPORT_MAX_BYTES')],
    ['exportFileBytesPerSecond', num(env, 'SANDBOX_EXPORT_FILE_BYTES_PER_SECOND')],
  ]);
  const legacy = env.SANDBOX_LEGACY_ACCESS_TOKEN;
  const options: SandboxOptions = {
    port: num(env, 'SANDBOX_PORT') ?? 4100,
    clientId: env.SANDBOX_CLIENT_ID || 'sandbox',
    clientSecret: env.SANDBOX_CLIENT_SECRET || 'sandbox',
    limits,
    bulk,
  };
  const seed = num(env, 'SANDBOX_SEED');
  const leads = num(env, 'SANDBOX_LEADS');
  const timeScale = num(env, 'SANDBOX_TIME_SCALE');
  const lifetime = num(env, 'SANDBOX_TOKEN_LIFETIME_SEC');
  if (seed !== undefined) options.seed = seed;
  if (leads !== undefined) options.leads = leads;
  if (timeScale !== undefined) options.timeScale = timeScale;
  if (lifetime !== undefined) options.tokenLifetimeSec = lifetime;
  if (legacy !== undefined) options.legacyAccessTokenParam = !/^(0|false|no|off)$/i.test(legacy);
  const keepAlive = env.SANDBOX_KEEP_ALIVE;
  if (keepAlive !== undefined) options.keepAlive = /^(1|true|yes|on)$/i.test(keepAlive);
  const scanLimit = num(env, 'SANDBOX_ACTIVITY_SCAN_LIMIT');
  if (scanLimit !== undefined) options.activityScanLimit = scanLimit;
  if (env.SANDBOX_LARGE_LIST_RULE_FROM) {
    options.largeListRuleFrom = env.SANDBOX_LARGE_LIST_RULE_FROM;
  }
  if (env.SANDBOX_HOST) options.host = env.SANDBOX_HOST;
  if (env.SANDBOX_FILE_DIR) options.fileDir = env.SANDBOX_FILE_DIR;
  const unsupported = (env.SANDBOX_UNSUPPORTED_EXPORT_FILTERS ?? '')
    .split(',')
    .map((s) => s.trim());
  const filters = unsupported.filter(
    (f): f is 'updatedAt' | 'smartListId' | 'smartListName' =>
      f === 'updatedAt' || f === 'smartListId' || f === 'smartListName',
  );
  if (filters.length) options.unsupportedExportFilters = filters;
  return options;
}
