/**
 * Import settings from the environment: IMPORT_MAX_FILE_BYTES, IMPORT_POLL_INTERVAL_MS,
 * UPSERT_BULK_THRESHOLD and IMPORT_DATA_DIR.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../marketo/errors.js';
import { IMPORT_MAX_BYTES } from '../marketo/import-upload.js';
import { originDirName, positiveInt } from './export-config.js';
import type { ImportJobManagerOptions } from './import-jobs.js';

/**
 * IMPORT_MAX_FILE_BYTES, IMPORT_POLL_INTERVAL_MS and UPSERT_BULK_THRESHOLD, else Marketo's 10 MB,
 * 5 s (Marketo time) and 10 000 rows.
 */
export function importSettingsFromEnv(
  env: Record<string, string | undefined>,
  timeScale: number,
): Pick<ImportJobManagerOptions, 'maxFileBytes' | 'pollIntervalMs' | 'upsertBulkThreshold'> {
  const upsertBulkThreshold = positiveInt(env, 'UPSERT_BULK_THRESHOLD');
  const maxFileBytes = positiveInt(env, 'IMPORT_MAX_FILE_BYTES');
  if (maxFileBytes !== undefined && maxFileBytes > IMPORT_MAX_BYTES) {
    throw new ConfigError(
      'IMPORT_MAX_FILE_BYTES',
      `must be at most ${IMPORT_MAX_BYTES} (Marketo's limit)`,
    );
  }
  const pollIntervalMs = positiveInt(env, 'IMPORT_POLL_INTERVAL_MS');
  return {
    ...(maxFileBytes !== undefined && { maxFileBytes }),
    pollIntervalMs: pollIntervalMs ?? Math.max(10, 5_000 / timeScale),
    ...(upsertBulkThreshold !== undefined && { upsertBulkThreshold }),
  };
}

/**
 * The manager's options for the composition root: the env settings above, and IMPORT_DATA_DIR
 * (default `.data/imports`) with a directory per Marketo origin (batch ids belong to one instance).
 * The embedded sandbox forgets its imports when the process ends: a temporary directory removed
 * on close then, unless IMPORT_DATA_DIR says otherwise.
 */
export function importManagerSettings(options: {
  env?: Record<string, string | undefined>;
  embeddedSandbox: boolean;
  timeScale: number;
  /** The Marketo origin the jobs belong to. */
  origin: string;
}): Omit<ImportJobManagerOptions, 'client'> {
  const env = options.env ?? process.env;
  const configured = env.IMPORT_DATA_DIR?.trim();
  const ephemeral = options.embeddedSandbox && !configured;
  return {
    ...importSettingsFromEnv(env, options.timeScale),
    dataDir: ephemeral
      ? join(tmpdir(), `marketo-gateway-imports-${process.pid}-${randomUUID().slice(0, 8)}`)
      : join(configured || join('.data', 'imports'), originDirName(options.origin)),
    deleteDataOnClose: ephemeral,
  };
}
