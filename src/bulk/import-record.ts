/**
 * The import job record and its state machine: what each part (one Marketo import job) went
 * through, the job's state derived from its parts, and the accounting of an adopter when the
 * instance holding the input died: every row is then exactly one of imported (its part has a
 * batchId, followed to the end), never sent (OWNER_LOST), or of unknown outcome (its part was
 * being submitted when the owner died: OUTCOME_UNKNOWN).
 */
import { GatewayError } from '../errors.js';
import type { ImportJobStatus } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import type { DelimitedFormat } from './delimited.js';
import type { ImportRowIssue } from './import-issues.js';
import type { SplitPart } from './import-split.js';

/**
 * Marketo's states, plus the gateway's: SPLITTING while the input is still being cut into files,
 * PARTIAL when some of a split job's Marketo jobs completed and others failed (or the input broke
 * off after some parts were sent).
 */
export type ImportJobState =
  'SPLITTING' | 'QUEUED' | 'IMPORTING' | 'COMPLETE' | 'PARTIAL' | 'FAILED';

const TERMINAL: ReadonlySet<ImportJobState> = new Set(['COMPLETE', 'PARTIAL', 'FAILED']);
export const isImportTerminal = (state: ImportJobState): boolean => TERMINAL.has(state);

export interface ImportJobError {
  /**
   * Marketo's code, or BAD_USER_INPUT (the input broke off), POLL_FAILED, SUBMIT_FAILED,
   * DISK_WRITE_FAILED (a part file could not be written), OWNER_LOST (the instance holding the
   * input stopped before sending these rows), OUTCOME_UNKNOWN (it stopped while sending them).
   */
  code: string;
  message: string;
  batchId?: number;
}

/** One Marketo import job behind a gateway job. */
export interface ImportPartRecord {
  index: number;
  /** 1-based original number of its first row, and how many rows it holds. */
  firstRow: number;
  rows: number;
  bytes: number;
  /** Its file as sent, relative to the import data dir (removed once the part is finished). */
  file?: string;
  batchId?: number;
  /**
   * The intent, saved durably before each upload and cleared by its answer: a part found with
   * it set and no batchId was in flight when its owner died (Marketo may or may not have it).
   */
  submitting?: boolean;
  /** Queued | Importing | Complete | Failed as Marketo spells it; absent until submitted. */
  marketoStatus?: string;
  processed: number;
  failed: number;
  warned: number;
  message?: string;
  /** Set while Marketo's import queue is full and the part waits in the gateway's queue. */
  waiting?: string;
  error?: ImportJobError;
  /** Failures and warnings read (the part is finished for the gateway). */
  done: boolean;
}

export interface ImportJobRecord {
  id: string;
  status: ImportJobState;
  format: DelimitedFormat;
  lookupField: string;
  listId?: number;
  partitionName?: string;
  columns: string[];
  parts: ImportPartRecord[];
  /** Every input row has been written to a part. */
  splitDone: boolean;
  failures: ImportRowIssue[];
  warnings: ImportRowIssue[];
  error?: ImportJobError;
  /** Directory of its part files, relative to the import data dir. */
  dir?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const normalize = (status: string | undefined): string => (status ?? '').toLowerCase();
export const marketoDone = (status: string | undefined): boolean =>
  ['complete', 'completed', 'failed'].includes(normalize(status));

export function overallState(job: ImportJobRecord): ImportJobState {
  const sent = job.parts.filter((p) => p.batchId !== undefined || p.error);
  if (!job.splitDone) return 'SPLITTING';
  if (job.parts.length === 0 || job.parts.every((p) => p.done)) {
    const ok = job.parts.filter((p) => !p.error && normalize(p.marketoStatus) !== 'failed');
    if (ok.length === 0) return 'FAILED';
    return ok.length === job.parts.length && !job.error ? 'COMPLETE' : 'PARTIAL';
  }
  const started = sent.some(
    (p) => p.done || ['importing', 'complete', 'failed'].includes(normalize(p.marketoStatus)),
  );
  return started ? 'IMPORTING' : 'QUEUED';
}

export function applyStatus(part: ImportPartRecord, status: ImportJobStatus): void {
  part.batchId = status.batchId;
  part.marketoStatus = status.status;
  part.processed = status.numOfLeadsProcessed ?? part.processed;
  part.failed = status.numOfRowsFailed ?? part.failed;
  part.warned = status.numOfRowsWithWarning ?? part.warned;
  if (status.message) part.message = status.message;
  delete part.waiting;
  delete part.submitting;
}

export const errorOf = (error: unknown, fallback: string, batchId?: number): ImportJobError => ({
  code: error instanceof MarketoError || error instanceof GatewayError ? error.code : fallback,
  message: error instanceof Error ? error.message : String(error),
  ...(batchId !== undefined && { batchId }),
});

/** Marketo's queue is full (1016) or the list is being imported into (1019): wait, don't fail. */
export const mustWait = (error: unknown): boolean =>
  error instanceof MarketoError && (error.code === '1016' || error.code === '1019');

export function newPart(
  part: Pick<SplitPart, 'index' | 'firstRow' | 'rows' | 'bytes'>,
  file?: string,
): ImportPartRecord {
  return {
    index: part.index,
    firstRow: part.firstRow,
    rows: part.rows,
    bytes: part.bytes,
    ...(file !== undefined && { file }),
    processed: 0,
    failed: 0,
    warned: 0,
    done: false,
  };
}

/** A part that failed for the gateway (never followed further). */
export function failPart(part: ImportPartRecord, error: ImportJobError): void {
  part.error = error;
  part.done = true;
  delete part.waiting;
  delete part.submitting;
}

const rowRange = (first: number, rows: number): string =>
  rows <= 1 ? `${first}` : `${first}–${first + rows - 1}`;

/** Whether an adopter has rows of `job` to account for (sent by nobody it can follow). */
export const hasOrphanRows = (job: ImportJobRecord): boolean =>
  !job.splitDone || job.parts.some((p) => p.batchId === undefined && !p.done);

/**
 * What an adopter records for the rows the dead owner did not see through: a part it was
 * submitting fails with OUTCOME_UNKNOWN (Marketo may hold its rows), a part never submitted with
 * OWNER_LOST, and the job with OWNER_LOST naming both sets of rows (rows still unread included).
 */
export function markOwnerLost(job: ImportJobRecord): void {
  const lost: string[] = [];
  const unknown: string[] = [];
  for (const part of job.parts) {
    if (part.batchId !== undefined || part.done) continue;
    const range = rowRange(part.firstRow, part.rows);
    if (part.submitting) {
      failPart(part, {
        code: 'OUTCOME_UNKNOWN',
        message: `Rows ${range} were being sent to Marketo when the gateway instance holding the input stopped: Marketo may or may not have imported them. Check before sending them again: look the leads of these rows up (e.g. leadsBy on ${job.lookupField}), or Marketo's import history (Admin › Bulk import) for a job of ${part.rows} rows`,
      });
      unknown.push(range);
    } else {
      failPart(part, {
        code: 'OWNER_LOST',
        message: `Rows ${range} were never sent to Marketo: the gateway instance holding the input stopped before submitting them`,
      });
      lost.push(range);
    }
  }
  if (!job.splitDone) {
    const next = job.parts.reduce((n, part) => Math.max(n, part.firstRow + part.rows), 1);
    lost.push(`${next} onwards (if the input had any)`);
    job.splitDone = true;
  }
  if (lost.length === 0 && unknown.length === 0) return;
  const said: string[] = [];
  if (lost.length > 0) {
    said.push(
      `rows ${lost.join(', ')} were never sent to Marketo and not imported: send them again`,
    );
  }
  if (unknown.length > 0) {
    said.push(
      `rows ${unknown.join(', ')} were being sent when it stopped: whether Marketo imported them is unknown (see each part's error for how to check)`,
    );
  }
  job.error = {
    code: 'OWNER_LOST',
    message: `The gateway instance that received this import stopped before finishing it: ${said.join('; ')}`,
  };
}
