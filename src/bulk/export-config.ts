/**
 * Export settings from the environment and the defaults that depend on which Marketo the gateway
 * talks to: Marketo asks for status polls no more often than once a minute (5 min recommended),
 * while the embedded sandbox runs on a compressed clock and can be polled four times a step.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../marketo/errors.js';
import type { ExportJobManagerOptions, MarketoClock } from './export-jobs.js';

type Env = Record<string, string | undefined>;

export interface ExportEnvSettings {
  /** EXPORT_POLL_INTERVAL_MS: first status poll interval (real ms). */
  pollIntervalMs?: number;
  /** EXPORT_DATA_DIR: registry, downloads and parsed rows (default `.data/exports`). */
  dataDir: string;
  /** EXPORT_DAILY_QUOTA_MB: Marketo's daily export volume (500). */
  dailyQuotaBytes?: number;
}

export function positiveInt(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(name, `must be a positive integer, got "${raw.slice(0, 20)}"`);
  }
  return value;
}

export function exportSettingsFromEnv(env: Env = process.env): ExportEnvSettings {
  const pollIntervalMs = positiveInt(env, 'EXPORT_POLL_INTERVAL_MS');
  const quotaMb = positiveInt(env, 'EXPORT_DAILY_QUOTA_MB');
  return {
    dataDir: env.EXPORT_DATA_DIR?.trim() || join('.data', 'exports'),
    ...(pollIntervalMs !== undefined && { pollIntervalMs }),
    ...(quotaMb !== undefined && { dailyQuotaBytes: quotaMb * 1024 * 1024 }),
  };
}

/** Marketo's status step (it changes status at most once a minute), in Marketo ms. */
const MARKETO_STEP_MS = 60_000;

/**
 * Poll settings for a Marketo whose clock runs `timeScale` times faster than ours: a real instance
 * (1) is polled every 60 s backing off to 5 min; the embedded sandbox a quarter step at a time.
 */
export function exportPollDefaults(options: {
  embeddedSandbox: boolean;
  timeScale: number;
  /** The embedded sandbox's status step (SANDBOX_PACE), in its ms; Marketo's minute otherwise. */
  sandboxStepMs?: number;
}): Pick<ExportJobManagerOptions, 'pollIntervalMs' | 'maxPollIntervalMs'> {
  const scale = options.timeScale;
  if (options.embeddedSandbox) {
    const step = options.sandboxStepMs ?? MARKETO_STEP_MS;
    return {
      pollIntervalMs: Math.max(10, step / 4 / scale),
      maxPollIntervalMs: Math.max(20, step / scale),
    };
  }
  return {
    pollIntervalMs: Math.max(10, MARKETO_STEP_MS / scale),
    maxPollIntervalMs: Math.max(20, (5 * MARKETO_STEP_MS) / scale),
  };
}

/** A directory name for a Marketo origin (`https://123-abc-456.mktorest.com` → `123-abc-456.mktorest.com`). */
export function originDirName(origin: string): string {
  return origin
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .slice(0, 120);
}

/**
 * The manager's options for the composition root (explicit env settings win over defaults).
 * Export ids belong to one Marketo instance, so jobs are kept per origin under the data dir. The
 * embedded sandbox forgets its jobs when the process ends: its exports live in a temporary
 * directory removed on close, unless EXPORT_DATA_DIR says otherwise.
 */
export function exportManagerSettings(options: {
  env?: Env;
  embeddedSandbox: boolean;
  timeScale: number;
  sandboxStepMs?: number;
  /** The Marketo origin the jobs belong to. */
  origin: string;
  clock?: MarketoClock;
}): Omit<ExportJobManagerOptions, 'client'> {
  const rawEnv = options.env ?? process.env;
  const env = exportSettingsFromEnv(rawEnv);
  const defaults = exportPollDefaults(options);
  const pollIntervalMs = env.pollIntervalMs ?? defaults.pollIntervalMs!;
  const ephemeral = options.embeddedSandbox && !rawEnv.EXPORT_DATA_DIR?.trim();
  const dataDir = ephemeral
    ? join(tmpdir(), `marketo-gateway-exports-${process.pid}-${randomUUID().slice(0, 8)}`)
    : join(env.dataDir, originDirName(options.origin));
  return {
    dataDir,
    ...(ephemeral && { deleteDataOnClose: true }),
    pollIntervalMs,
    maxPollIntervalMs: Math.max(pollIntervalMs, defaults.maxPollIntervalMs!),
    clock: options.clock ?? { now: () => Date.now(), timeScale: options.timeScale },
    ...(env.dailyQuotaBytes !== undefined && { dailyQuotaBytes: env.dailyQuotaBytes }),
  };
}
