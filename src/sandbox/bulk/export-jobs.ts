/**
 * Bulk export job state machine on the sandbox clock:
 *   Created → Queued (enqueue) → Processing (≤ exportProcessing at once, FIFO) → Completed | Failed,
 *   Cancelled from Created/Queued/Processing.
 * Every status change waits at least `exportStepMs` of sandbox time after the previous one (Marketo
 * changes status at most once a minute). The queue (Queued + Processing, leads and activities
 * together) holds `exportQueue` jobs; the daily quota is the sum of `fileSize` of jobs completed on
 * the current US Central day. File generation is injected so the machine is testable on its own.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { BulkLimits } from '../types.js';
import type { ExportFileStats } from './export-file.js';
import type { ExportEntity, ExportSpec } from './export-request.js';
import { fail, type Outcome, ok } from './outcome.js';
import { createTimers } from './timers.js';
import { centralDayOf, toWireTime } from './wire-time.js';

export type ExportStatus =
  'Created' | 'Queued' | 'Processing' | 'Completed' | 'Failed' | 'Cancelled';

export interface ExportJob {
  readonly exportId: string;
  readonly clientId: string;
  readonly spec: ExportSpec;
  status: ExportStatus;
  createdAt: number;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  file?: ExportFileStats & { path: string };
  /** Set once the file passed retention and was deleted. */
  expired?: boolean;
  errorMsg?: string;
  abort?: AbortController;
}

/** A status object as Marketo sends it: members not reached yet are omitted, never null. */
export interface ExportStatusView {
  exportId: string;
  format: string;
  status: ExportStatus;
  createdAt: string;
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  numberOfRecords?: number;
  fileSize?: number;
  fileChecksum?: string;
  errorMsg?: string;
}

export interface ExportJobsOptions {
  clock: Clock;
  limits: BulkLimits;
  /** Writes the job's file; rejects (job Failed) on error or when `signal` aborts (cancel). */
  generate(job: ExportJob, signal: AbortSignal): Promise<ExportFileStats & { path: string }>;
  removeFile(path: string): Promise<void>;
  /** Called once per successfully created job (stats). */
  onCreated?(): void;
}

/** Jobs show in list results for 7 days after creation (Marketo). */
const LIST_WINDOW_MS = 7 * 86_400_000;
/** Job status stays queryable 30 days after creation; then the job is forgotten. */
const STATUS_RETENTION_MS = 30 * 86_400_000;
const MB = 1024 * 1024;

export function statusView(job: ExportJob): ExportStatusView {
  const view: ExportStatusView = {
    exportId: job.exportId,
    format: job.spec.format,
    status: job.status,
    createdAt: toWireTime(job.createdAt),
  };
  if (job.queuedAt !== undefined) view.queuedAt = toWireTime(job.queuedAt);
  if (job.startedAt !== undefined) view.startedAt = toWireTime(job.startedAt);
  if (job.finishedAt !== undefined) view.finishedAt = toWireTime(job.finishedAt);
  if (job.status === 'Completed' && job.file) {
    view.numberOfRecords = job.file.numberOfRecords;
    view.fileSize = job.file.fileSize;
    view.fileChecksum = job.file.fileChecksum;
  }
  if (job.status === 'Failed' && job.errorMsg !== undefined) view.errorMsg = job.errorMsg;
  return view;
}

/** `500MB` for Marketo's default (binary or decimal megabytes), else the size to 3 decimals. */
export function quotaText(bytes: number): string {
  const unit = bytes % MB === 0 ? MB : 1_000_000;
  return `${Number((bytes / unit).toFixed(3))}MB`;
}

export type ExportJobs = ReturnType<typeof createExportJobs>;

export function createExportJobs(options: ExportJobsOptions) {
  const { clock, limits } = options;
  const jobs = new Map<string, ExportJob>();
  /** Enqueued jobs waiting for a slot, in enqueue order. */
  const waiting: ExportJob[] = [];
  const timers = createTimers(clock);
  /** Held (a test's control): queued jobs stay queued; running ones finish. */
  let held = false;
  /** File writers in flight, so close() can wait for their cleanup. */
  const writing = new Set<Promise<unknown>>();

  const inQueue = () =>
    [...jobs.values()].filter((j) => j.status === 'Queued' || j.status === 'Processing').length;
  const processing = () => [...jobs.values()].filter((j) => j.status === 'Processing').length;

  const usedToday = () => {
    const today = centralDayOf(clock.now());
    let used = 0;
    for (const job of jobs.values()) {
      if (job.status === 'Completed' && job.file && job.finishedAt !== undefined) {
        if (centralDayOf(job.finishedAt) === today) used += job.file.fileSize;
      }
    }
    return used;
  };
  const quotaError = () =>
    usedToday() >= limits.exportDailyQuotaBytes
      ? fail('1029', `Export daily quota ${quotaText(limits.exportDailyQuotaBytes)} exceeded.`)
      : undefined;

  /** The caller's job of this entity; other users' jobs are invisible (Marketo: private). */
  const find = (clientId: string, entity: ExportEntity, exportId: string) => {
    const job = jobs.get(exportId);
    if (!job || job.clientId !== clientId || job.spec.entity !== entity) return undefined;
    if (clock.now() - job.createdAt > STATUS_RETENTION_MS) {
      jobs.delete(exportId);
      return undefined;
    }
    return job;
  };
  const forgetOldJobs = () => {
    for (const [id, job] of jobs) {
      if (clock.now() - job.createdAt > STATUS_RETENTION_MS) jobs.delete(id);
    }
  };
  const notFound = (exportId: string) => fail('1003', `Export job '${exportId}' not found`);

  /** Starts waiting jobs whose queue step elapsed while a processing slot is free. */
  const pump = () => {
    if (timers.closed || held) return;
    let earliest: number | undefined;
    for (const job of [...waiting]) {
      if (processing() >= limits.exportProcessing) return;
      const due = (job.queuedAt ?? 0) + limits.exportStepMs;
      if (clock.now() < due) {
        // FIFO: a later job never overtakes an earlier one that is still in its queue step.
        earliest = due;
        break;
      }
      waiting.splice(waiting.indexOf(job), 1);
      start(job);
    }
    if (earliest !== undefined) timers.after(earliest - clock.now(), pump);
  };

  const start = (job: ExportJob) => {
    job.status = 'Processing';
    job.startedAt = clock.now();
    const abort = new AbortController();
    job.abort = abort;
    const earliestFinish = job.startedAt + limits.exportStepMs;
    const finish = (apply: () => void) => {
      const finishNow = () => {
        if (job.status !== 'Processing') return;
        apply();
        job.finishedAt = clock.now();
        delete job.abort;
        pump();
      };
      const wait = earliestFinish - clock.now();
      if (wait > 0) timers.after(wait, finishNow);
      else finishNow();
    };
    const written = options.generate(job, abort.signal);
    writing.add(written);
    written.then(
      () => writing.delete(written),
      () => writing.delete(written),
    );
    written.then(
      (file) => {
        if (job.status !== 'Processing') {
          // Cancelled (or sandbox closed) while the file was being written.
          void options.removeFile(file.path);
          return;
        }
        job.file = file;
        finish(() => {
          job.status = 'Completed';
          timers.after(limits.exportRetentionMs, () => expire(job));
        });
      },
      (error: unknown) => {
        if (job.status !== 'Processing') return;
        const message = error instanceof Error ? error.message : String(error);
        finish(() => {
          job.status = 'Failed';
          job.errorMsg = `Export failed: ${message}`;
        });
      },
    );
  };

  const expire = (job: ExportJob) => {
    job.expired = true;
    if (job.file) void options.removeFile(job.file.path);
  };

  return {
    /** Holds the queue (no queued job starts) or lets it go on; for tests that need jobs queued. */
    hold(on: boolean): void {
      held = on;
      if (!on) pump();
    },

    create(clientId: string, spec: ExportSpec): Outcome<ExportStatusView> {
      forgetOldJobs();
      const quota = quotaError();
      if (quota) return quota;
      const job: ExportJob = {
        exportId: randomUUID(),
        clientId,
        spec,
        status: 'Created',
        createdAt: clock.now(),
      };
      jobs.set(job.exportId, job);
      options.onCreated?.();
      return ok(statusView(job));
    },

    enqueue(clientId: string, entity: ExportEntity, exportId: string): Outcome<ExportStatusView> {
      const job = find(clientId, entity, exportId);
      if (!job) return notFound(exportId);
      if (job.status === 'Queued' || job.status === 'Processing') {
        return fail('1029', 'Job already queued');
      }
      if (job.status === 'Cancelled') return fail('1003', 'Job was cancelled');
      if (job.status !== 'Created') return fail('1003', 'Job already completed');
      const quota = quotaError();
      if (quota) return quota;
      if (inQueue() >= limits.exportQueue) return fail('1029', 'Too many jobs in queue');
      job.status = 'Queued';
      job.queuedAt = clock.now();
      waiting.push(job);
      pump();
      return ok(statusView(job));
    },

    status(clientId: string, entity: ExportEntity, exportId: string): Outcome<ExportStatusView> {
      const job = find(clientId, entity, exportId);
      return job ? ok(statusView(job)) : notFound(exportId);
    },

    cancel(clientId: string, entity: ExportEntity, exportId: string): Outcome<ExportStatusView> {
      const job = find(clientId, entity, exportId);
      if (!job) return notFound(exportId);
      if (job.status === 'Completed' || job.status === 'Failed') {
        return fail('1003', 'Job already completed');
      }
      if (job.status !== 'Cancelled') {
        const wasProcessing = job.status === 'Processing';
        job.status = 'Cancelled';
        const index = waiting.indexOf(job);
        if (index >= 0) waiting.splice(index, 1);
        job.abort?.abort(new Error('Export cancelled'));
        delete job.abort;
        // The file may already be written while the job waits out its last step.
        if (job.file) void options.removeFile(job.file.path);
        delete job.file;
        // A freed processing slot lets the next queued job start.
        if (wasProcessing) pump();
      }
      return ok(statusView(job));
    },

    /** The caller's jobs created in the last 7 days, oldest first, optionally by status. */
    list(clientId: string, entity: ExportEntity, statuses?: ReadonlySet<string>) {
      const since = clock.now() - LIST_WINDOW_MS;
      return [...jobs.values()]
        .filter(
          (job) =>
            job.clientId === clientId &&
            job.spec.entity === entity &&
            job.createdAt >= since &&
            (!statuses || statuses.has(job.status.toLowerCase())),
        )
        .map(statusView);
    },

    /** The completed file of the caller's job, unless it is unknown, unfinished or expired. */
    file(clientId: string, entity: ExportEntity, exportId: string) {
      const job = find(clientId, entity, exportId);
      if (job?.status !== 'Completed' || !job.file || job.expired) return undefined;
      if (clock.now() - (job.finishedAt ?? 0) > limits.exportRetentionMs) {
        expire(job);
        return undefined;
      }
      return job.file;
    },

    /** Stops every timer and writer, and deletes every file. */
    async close() {
      timers.close();
      const removals: Promise<void>[] = [];
      for (const job of jobs.values()) {
        job.abort?.abort(new Error('Sandbox closed'));
        if (job.file) removals.push(options.removeFile(job.file.path));
      }
      waiting.length = 0;
      await Promise.allSettled([...writing]);
      await Promise.all(removals);
    },
  };
}
