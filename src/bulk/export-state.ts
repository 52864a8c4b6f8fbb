/**
 * An export job's state machine: each part's phase (Marketo's status, then the gateway's local
 * download and parse), the job's state derived from its parts, and Marketo's status members
 * copied onto a part.
 */
import type { Logger } from '../logger.js';
import type { ExportJobStatus } from '../marketo/api.js';
import {
  type ExportJobRecord,
  type ExportJobState,
  type ExportPart,
  type JobError,
  STATE_ORDER,
} from './types.js';

/** A runner stopped because its job was cancelled or failed by another step. */
export class Cancelled extends Error {}

export const normalizeStatus = (status: string | undefined): string =>
  (status ?? '').toLowerCase().replace('canceled', 'cancelled');

export const MARKETO_TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export function partPhase(part: ExportPart): ExportJobState {
  if (part.local === 'INGESTED') return 'READY';
  if (part.local === 'PARSING') return 'PARSING';
  if (part.local === 'DOWNLOADING') return 'DOWNLOADING';
  switch (normalizeStatus(part.marketoStatus)) {
    case 'completed':
      return 'COMPLETED';
    case 'processing':
      return 'PROCESSING';
    case 'queued':
      return 'QUEUED';
  }
  if (part.waiting) return 'WAITING';
  if (part.enqueued) return 'QUEUED';
  return 'CREATED';
}

/**
 * The job's state: the most advanced truthful state of its parts. An export split into date
 * windows is as far as its furthest part (DOWNLOADING while the first window's file arrives and
 * the next is still QUEUED at Marketo), READY only once every part is: a part already ingested
 * counts as PARSING (its rows are readable, more are to come). Parts only move forward, so the
 * job does too.
 */
export function overallState(job: ExportJobRecord): ExportJobState {
  if (job.error) return 'FAILED';
  if (job.status === 'CANCELLED' || job.status === 'FAILED') return job.status;
  const phases = job.parts.map(partPhase);
  if (phases.every((phase) => phase === 'READY')) return 'READY';
  let max = 0;
  for (const phase of phases) {
    max = Math.max(max, STATE_ORDER.indexOf(phase === 'READY' ? 'PARSING' : phase));
  }
  return STATE_ORDER[max] ?? 'CREATED';
}

export function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** Copies Marketo's status members onto a part (members not yet reached stay absent). */
export function applyStatus(part: ExportPart, status: ExportJobStatus): void {
  part.exportId = status.exportId || part.exportId;
  part.marketoStatus = status.status;
  for (const key of [
    'createdAt',
    'queuedAt',
    'startedAt',
    'finishedAt',
    'numberOfRecords',
    'fileSize',
    'fileChecksum',
    'errorMsg',
  ] as const) {
    const value = status[key];
    if (value !== undefined && value !== null)
      (part as unknown as Record<string, unknown>)[key] = value;
  }
  const s = normalizeStatus(status.status);
  if (s !== 'created') part.enqueued = true;
}

/** How each step of an export (queue, poller, ingester) reads and changes its job record. */
export interface ExportRecordAccess {
  /** The job's latest version. */
  read: (key: string) => Promise<ExportJobRecord | undefined>;
  update: (
    key: string,
    mutate: (job: ExportJobRecord) => void,
  ) => Promise<ExportJobRecord | undefined>;
  fail: (key: string, error: JobError) => Promise<void>;
  logger: Logger;
}
