/**
 * The gateway's configuration, parsed from the environment once at start. Marketo settings come
 * from `parseMarketoEnv` (no credentials → the embedded sandbox). `describeConfig` is the only
 * form that is ever logged: secrets never leave this module.
 */
import { type Env, intVar } from './env-vars.js';
import type { LogLevel } from './logger.js';
import { type MarketoEnvConfig, parseMarketoEnv } from './marketo/config.js';
import { ConfigError } from './marketo/errors.js';
import { sandboxOptionsFromEnv } from './sandbox/env.js';
import type { SandboxOptions } from './sandbox/server.js';
import type { BulkLimits } from './sandbox/types.js';
import { type TracingSettings, tracingFromEnv } from './tracing/tracer.js';
import {
  type PersistedOperationsSettings,
  persistedOperationsFromEnv,
} from './security/persisted-operations.js';
import { describeSecurity, type SecuritySettings, securityFromEnv } from './security/settings.js';

/** The embedded sandbox: every SANDBOX_* variable of `npm run sandbox` (docs/sandbox.md), port 0 by default. */
export type SandboxSettings = SandboxOptions & { port: number; timeScale: number };

export interface Config {
  port: number;
  host?: string;
  logLevel: LogLevel;
  marketo: MarketoEnvConfig;
  /** Marketo time per real time of the instance (for a compressed-clock sandbox); 1 for Marketo. */
  marketoTimeScale: number;
  sandbox: SandboxSettings;
  /** How long the lead field describe is cached (ms). */
  fieldCacheTtlMs: number;
  /** API keys, CORS, operation limits (GATEWAY_*). Absent (embedding, tests): open, default limits. */
  security?: SecuritySettings;
  /** SIGTERM: how long in-flight requests may run on (GATEWAY_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  /**
   * GATEWAY_KEY_SHARE: the largest part (0 < s ≤ 1) of the Marketo budget one API key may use
   * (`fair-queue.ts`). Absent: 1, fair turns between keys but no cap.
   */
  keyShare?: number;
  /** REDIS_URL (+ REDIS_NAMESPACE): instances sharing it act as one gateway (README, Scale-out). */
  redis?: RedisSettings;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (+ OTEL_SERVICE_NAME): traces over OTLP; none without it. */
  tracing?: TracingSettings;
  /** GATEWAY_PERSISTED_OPERATIONS_FILE (+ GATEWAY_PERSISTED_ONLY): hash → document manifest. */
  persistedOperations?: PersistedOperationsSettings;
}

export interface RedisSettings {
  /** May carry a password: only `redactUrl(url)` is ever logged. */
  url: string;
  namespace?: string;
  /**
   * GATEWAY_FLEET_SIZE: the instances sharing the Marketo budget, pinned. With Redis away each
   * takes 1/this of the limits; unset, the count the instances' heartbeats last showed.
   */
  fleetSize?: number;
}

function scaleVar(env: Env, name: string): number {
  const raw = env[name]?.trim();
  if (!raw) return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(name, `must be a positive number, got "${raw.slice(0, 20)}"`);
  }
  return value;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  // Credentials are never taken from here: the embedded sandbox gets a fresh secret per process.
  const { clientId: _id, clientSecret: _secret, ...sandbox } = sandboxOptionsFromEnv(env);
  const host = env.HOST?.trim();
  const tracing = tracingFromEnv(env);
  const persistedOperations = persistedOperationsFromEnv(env);
  return {
    port: intVar(env, 'PORT', 4000),
    ...(host && { host }),
    logLevel,
    marketo: parseMarketoEnv(env),
    marketoTimeScale: scaleVar(env, 'MARKETO_TIME_SCALE'),
    sandbox: {
      ...sandbox,
      bulk: { ...paceVar(env), ...sandbox.bulk },
      port: intVar(env, 'SANDBOX_PORT', 0),
      timeScale: scaleVar(env, 'SANDBOX_TIME_SCALE'),
    },
    fieldCacheTtlMs: intVar(env, 'FIELD_CACHE_TTL_MS', 5 * 60_000),
    security: securityFromEnv(env),
    shutdownGraceMs: intVar(env, 'GATEWAY_SHUTDOWN_GRACE_MS', 10_000),
    ...keyShareVar(env),
    ...redisVar(env),
    ...(tracing && { tracing }),
    ...(persistedOperations && { persistedOperations }),
  };
}

/**
 * SANDBOX_PACE: how fast the embedded sandbox runs bulk jobs. `development` (the default): a
 * status step every 2 s and 1 s per 1,000 import rows, so an export is READY in seconds while
 * every state is still seen; `marketo`: Marketo's pace (a step a minute, 10 s per 1,000 rows).
 * SANDBOX_EXPORT_STEP_MS, when set, wins over either.
 */
function paceVar(env: Env): Partial<BulkLimits> {
  const pace = env.SANDBOX_PACE?.trim().toLowerCase() || 'development';
  if (pace === 'marketo') return {};
  if (pace !== 'development') {
    throw new ConfigError(
      'SANDBOX_PACE',
      `must be development or marketo, got "${pace.slice(0, 20)}"`,
    );
  }
  return { exportStepMs: 2_000, importMsPer1000Rows: 1_000 };
}

function keyShareVar(env: Env): { keyShare?: number } {
  const raw = env.GATEWAY_KEY_SHARE?.trim();
  if (!raw) return {};
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ConfigError(
      'GATEWAY_KEY_SHARE',
      `must be a fraction > 0 and ≤ 1 (e.g. 0.5), got "${raw.slice(0, 20)}"`,
    );
  }
  return { keyShare: value };
}

function redisVar(env: Env): { redis?: RedisSettings } {
  const url = env.REDIS_URL?.trim();
  if (!url) return {};
  if (!/^rediss?:\/\//.test(url)) {
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  }
  const namespace = env.REDIS_NAMESPACE?.trim();
  if (namespace && !/^[A-Za-z0-9_.:-]{1,64}$/.test(namespace)) {
    throw new ConfigError('REDIS_NAMESPACE', 'use 1-64 letters, digits, "_", ".", ":" or "-"');
  }
  const fleetSize = env.GATEWAY_FLEET_SIZE?.trim() ? intVar(env, 'GATEWAY_FLEET_SIZE', 1, 1) : 0;
  return { redis: { url, ...(namespace && { namespace }), ...(fleetSize > 0 && { fleetSize }) } };
}

/** The password in a Redis URL (for the logger's redaction list). */
export function redisPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password || undefined;
  } catch {
    return undefined;
  }
}

/** A Redis URL as it may be logged: user and password left out, no query string. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? '[REDACTED]@' : '';
    const path = parsed.pathname === '/' ? '' : parsed.pathname;
    return `${parsed.protocol}//${auth}${parsed.host}${path}`;
  } catch {
    return '[unparseable URL]';
  }
}

/** The configuration as it may be logged: the client secret is never included. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { marketo } = config;
  return {
    port: config.port,
    ...(config.host && { host: config.host }),
    logLevel: config.logLevel,
    marketo: marketo.sandbox
      ? {
          mode: 'sandbox',
          sandbox: {
            port: config.sandbox.port,
            timeScale: config.sandbox.timeScale,
            ...(config.sandbox.seed !== undefined && { seed: config.sandbox.seed }),
            ...(config.sandbox.leads !== undefined && { leads: config.sandbox.leads }),
          },
        }
      : {
          mode: 'marketo',
          baseUrl: marketo.baseUrl,
          clientId: marketo.clientId,
          clientSecret: '[REDACTED]',
          timeScale: config.marketoTimeScale,
        },
    limits: {
      concurrency: marketo.concurrency,
      rateLimit: marketo.rateLimit,
      dailyQuota: marketo.dailyQuota,
      ...(marketo.rateWindowMs !== undefined && { rateWindowMs: marketo.rateWindowMs }),
      keyShare: config.keyShare ?? 1,
    },
    fieldCacheTtlMs: config.fieldCacheTtlMs,
    ...(config.security && { security: describeSecurity(config.security) }),
    ...(config.redis && {
      redis: {
        url: redactUrl(config.redis.url),
        namespace: config.redis.namespace ?? 'default',
        fleetSize: config.redis.fleetSize ?? 'from heartbeats',
      },
    }),
  };
}
