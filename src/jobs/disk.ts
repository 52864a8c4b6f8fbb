/**
 * Disk faults as errors: a data directory is checked once at start (a ConfigError naming its
 * variable), a write that fails later becomes a DiskWriteError (code DISK_WRITE_FAILED) that fails
 * only the job concerned, and DiskHealth remembers which directories fail so that `/ready` can say
 * so until a write there succeeds again.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ConfigError } from '../marketo/errors.js';

/** Error codes of the file system that mean "this directory cannot be written now". */
const DISK_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ENOENT',
  'EIO',
  'EMFILE',
  'ENFILE',
]);

const errnoOf = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A failed write under a data directory (disk full, directory gone or read-only…). */
export class DiskWriteError extends GatewayError {
  readonly dir: string;
  constructor(dir: string, cause: unknown) {
    const errno = errnoOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('DISK_WRITE_FAILED', `Could not write under ${dir}: ${detail}`, {
      cause,
      extensions: { dir, ...(errno && { errno }) },
    });
    this.name = 'DiskWriteError';
    this.dir = dir;
  }
}

/** Whether an errno code (`ENOSPC`) means the directory cannot be written now. */
export const isDiskErrno = (code: string): boolean => DISK_CODES.has(code);

/** Whether `error` is a file system refusal (as opposed to a bug or a network failure). */
export function isDiskFault(error: unknown): boolean {
  if (error instanceof DiskWriteError) return true;
  const code = errnoOf(error);
  return (
    code !== undefined &&
    DISK_CODES.has(code) &&
    typeof (error as { syscall?: unknown }).syscall === 'string'
  );
}

/** `error` as a DiskWriteError for `dir` when it is a disk fault; otherwise unchanged. */
export function asDiskError(dir: string, error: unknown): unknown {
  if (error instanceof DiskWriteError || !isDiskFault(error)) return error;
  return new DiskWriteError(dir, error);
}

/**
 * Creates `dir` and writes (then removes) a probe file in it. A ConfigError naming `variable`
 * when that fails: the gateway must not start on a directory it cannot use.
 */
export async function checkDataDir(variable: string, dir: string): Promise<void> {
  const probe = join(dir, `.write-check-${process.pid}-${randomUUID().slice(0, 8)}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const code = errnoOf(error);
    throw new ConfigError(
      variable,
      `${dir} is not a writable directory (${code ?? (error instanceof Error ? error.message : String(error))})`,
    );
  }
}

export interface DiskProblem {
  dir: string;
  /** What the last failed write said. */
  error: string;
  since: string;
}

/** Which data directories failed their last write; logged once per failure episode. */
export class DiskHealth {
  private readonly failing = new Map<string, DiskProblem>();

  constructor(private readonly logger: Logger) {}

  failed(dir: string, error: unknown, context: Record<string, unknown> = {}): void {
    if (this.failing.has(dir)) return;
    const message = error instanceof Error ? error.message : String(error);
    this.failing.set(dir, { dir, error: message, since: new Date().toISOString() });
    this.logger.error('disk write failed', { dir, error, ...context });
  }

  succeeded(dir: string): void {
    if (!this.failing.delete(dir)) return;
    this.logger.info('disk writes work again', { dir });
  }

  problems(): DiskProblem[] {
    return [...this.failing.values()];
  }
}
