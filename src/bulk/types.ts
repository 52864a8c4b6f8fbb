/**
 * The gateway's view of a bulk export job, as stored in the job registry and published to
 * subscribers. Plain JSON (no Dates, no class instances) so that it can be persisted to disk and,
 * with scale-out, sent through Redis unchanged.
 */

import type { DateWindow } from './date-windows.js';
import type { DelimitedFormat, RowError } from './delimited.js';
import type { RowMark } from './row-store.js';

export type ExportEntityName = 'leads' | 'activities';

/**
 * Marketo's states, then the gateway's own. WAITING: held in the gateway's queue because Marketo's
 * export queue is full or the daily export quota is spent.
 */
export type ExportJobState =
  | 'CREATED'
  | 'WAITING'
  | 'QUEUED'
  | 'PROCESSING'
  | 'COMPLETED'
  | 'DOWNLOADING'
  | 'PARSING'
  | 'READY'
  | 'FAILED'
  | 'CANCELLED';

/** Progress order of the non-terminal states (a job's state only moves forward along it). */
export const STATE_ORDER: readonly ExportJobState[] = [
  'CREATED',
  'WAITING',
  'QUEUED',
  'PROCESSING',
  'COMPLETED',
  'DOWNLOADING',
  'PARSING',
  'READY',
];

export const TERMINAL_STATES: ReadonlySet<ExportJobState> = new Set([
  'READY',
  'FAILED',
  'CANCELLED',
]);

export type WaitReason = 'QUEUE_FULL' | 'DAILY_QUOTA';

export interface WaitInfo {
  reason: WaitReason;
  message: string;
  since: string;
  /** When the gateway will try again (queue) or the quota resets (quota). */
  resumesAt?: string;
}

export interface JobError {
  /** Marketo's code where Marketo gave one, else ours (MARKETO_FAILED, DOWNLOAD_FAILED, FILE_EXPIRED, CHECKSUM_MISMATCH, MALFORMED_ROW…). */
  code: string;
  message: string;
  /** For MALFORMED_ROW: the line in the file (header = line 1). */
  line?: number;
  /** For a split job: which Marketo job failed. */
  exportId?: string;
}

/** One Marketo export job behind the gateway job (several when a date range was split). */
export interface ExportPart {
  index: number;
  /** The date window this part covers, when the range was split. */
  window?: DateWindow;
  exportId?: string;
  /**
   * The intent, saved before each create and cleared with its answer (Marketo time): a part found
   * with it and no exportId (an answer lost, an owner gone) may have a Marketo job already, which
   * Marketo's job list is asked for before any new create.
   */
  createSentAt?: string;
  /**
   * The same moment on the wall clock (epoch ms): how long ago the call went out in real time,
   * which the wait for a lost call is counted in. Marketo's clock cannot tell it: a gateway in
   * front of a compressed-clock Marketo keeps the wall clock, and another process's clock differs.
   */
  createSentRealAt?: number;
  /** Marketo's status text as last seen (Created, Queued, Processing, Completed, Failed, Cancelled). */
  marketoStatus?: string;
  /** Created in Marketo and enqueued there (or Marketo said it already was). */
  enqueued: boolean;
  waiting?: WaitInfo;
  createdAt?: string;
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  numberOfRecords?: number;
  fileSize?: number;
  fileChecksum?: string;
  errorMsg?: string;
  /** Local phase after Marketo completed the file. */
  local?: 'DOWNLOADING' | 'PARSING' | 'INGESTED';
  bytesDownloaded: number;
  rowsParsed: number;
  /** Row store end after this part was ingested. */
  rowsEnd?: RowMark;
}

export interface ExportJobRecord {
  /** Marketo's exportId for a single job created at once; a gateway UUID otherwise. */
  id: string;
  entity: ExportEntityName;
  format: DelimitedFormat;
  fields: string[];
  filter: Record<string, unknown>;
  columnHeaderNames?: Record<string, string>;
  /** Which filter member each part's date window goes into (split ranges). */
  windowKey?: 'createdAt' | 'updatedAt';
  /** The file's header row, once read: rows are stored as arrays in this order. */
  columns?: string[];
  /** Column header → cell type, fixed when the job was created (from describe). */
  columnTypes: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'json'>;
  status: ExportJobState;
  /** Increases with every published change; subscribers use it to drop stale events. */
  version: number;
  createdAt: string;
  updatedAt: string;
  parts: ExportPart[];
  error?: JobError;
  rowErrors?: RowError[];
  /** Rows readable through `rows()` (all parts ingested so far). */
  rowsEnd: RowMark;
  /** Whether someone asked to cancel (set before Marketo confirms). */
  cancelRequested?: boolean;
}

export function jobKey(entity: ExportEntityName, id: string): string {
  return `${entity}:${id}`;
}

export function isTerminal(state: ExportJobState): boolean {
  return TERMINAL_STATES.has(state);
}
