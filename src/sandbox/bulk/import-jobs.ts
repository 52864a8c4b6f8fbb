/**
 * Bulk import job machine on the sandbox clock: Queued → Importing (≤ importProcessing at once,
 * FIFO) → Complete | Failed. Rows are parsed with csv-parse as a stream and applied in slices of
 * 1 000, each after `importMsPer1000Rows` of sandbox time, so counters grow "so far" as on Marketo.
 */
import { parse } from 'csv-parse';
import type { Clock } from '../clock.js';
import type { BulkLimits, ImportTiming, SandboxStore } from '../types.js';
import { type BulkFormat, dialect } from './delimited.js';
import { headerProblem, type ImportTarget, importRow } from './import-rows.js';
import { fail, type Outcome, ok } from './outcome.js';
import { createTimers } from './timers.js';

export type ImportStatus = 'Queued' | 'Importing' | 'Complete' | 'Failed';

export interface ImportRequest {
  clientId: string;
  format: BulkFormat;
  lookupField: string;
  listId?: number;
  partitionName?: string;
  file: Buffer;
}

interface ImportJob extends Omit<ImportRequest, 'file'> {
  batchId: number;
  status: ImportStatus;
  createdAt: number;
  /** The upload, released once imported. */
  file?: Buffer;
  header?: string[];
  processed: number;
  failed: number;
  warned: number;
  failures: string[][];
  warnings: string[][];
  message?: string;
  /** Its entry in the stats' import timeline. */
  timing?: ImportTiming;
}

/** Entries kept in the import timeline. */
const TIMELINE_MAX = 1000;

/** What create answers: exactly Marketo's three members. */
export interface ImportCreatedView {
  batchId: number;
  /** The batch id as a string. */
  importId: string;
  status: 'Queued';
}

export interface ImportStatusView {
  batchId: number;
  importId: string;
  status: ImportStatus;
  numOfLeadsProcessed: number;
  numOfRowsFailed: number;
  numOfRowsWithWarning: number;
  message?: string;
}

const SLICE_ROWS = 1000;
/** Batch ids are usable for 7 days (Marketo). */
const RETENTION_MS = 7 * 86_400_000;

/** Marketo's texts, including the singular "warning." with its stray period. */
export function completionMessage(imported: number, failed: number, warned: number): string {
  const head = failed > 0 ? 'Import completed with errors' : 'Import succeeded';
  let text = `${head}, ${imported} records imported (${imported} members)`;
  if (failed > 0) text += `, ${failed} failed`;
  if (warned > 0) text += `, ${warned} warning.`;
  return text;
}

export type ImportJobs = ReturnType<typeof createImportJobs>;

export function createImportJobs(options: {
  clock: Clock;
  limits: BulkLimits;
  store: SandboxStore;
  /** Receives each job's queued/started/finished times (`/__sandbox/stats` importTimeline). */
  timeline?: ImportTiming[];
}) {
  const { clock, limits, store, timeline } = options;
  const settle = (job: ImportJob) => {
    if (!job.timing) return;
    job.timing.status = job.status;
    if (job.status === 'Importing') job.timing.startedAt = clock.now();
    if (job.status === 'Complete' || job.status === 'Failed') job.timing.finishedAt = clock.now();
  };
  const jobs = new Map<number, ImportJob>();
  const timers = createTimers(clock);
  let nextBatchId = 1001;

  const active = () =>
    [...jobs.values()].filter((j) => j.status === 'Queued' || j.status === 'Importing');

  const pump = () => {
    if (timers.closed) return;
    const importing = active().filter((j) => j.status === 'Importing').length;
    const next = active().find((j) => j.status === 'Queued');
    if (next && importing < limits.importProcessing) {
      next.status = 'Importing';
      settle(next);
      void run(next)
        .finally(() => settle(next))
        .finally(pump);
      pump();
    }
  };

  const run = async (job: ImportJob) => {
    const file = job.file ?? Buffer.alloc(0);
    delete job.file;
    const parser = parse(file, {
      delimiter: dialect(job.format).delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    });
    let target: ImportTarget | undefined;
    let problem: string | undefined;
    let slice: string[][] = [];
    const applySlice = async () => {
      await timers.sleep((limits.importMsPer1000Rows * slice.length) / SLICE_ROWS);
      for (const values of slice) {
        const result = problem
          ? ({ kind: 'failed', reason: problem } as const)
          : importRow(target as ImportTarget, values);
        if (result.kind === 'failed') {
          job.failed++;
          // Short rows are padded so the reason stays in the reason column.
          const cells = [...values];
          while (cells.length < (job.header?.length ?? 0)) cells.push('');
          job.failures.push([...cells, result.reason]);
          continue;
        }
        job.processed++;
        if (job.listId !== undefined) store.addToList(job.listId, result.leadId);
        if (result.warnings.length > 0) {
          job.warned++;
          job.warnings.push([...values, result.warnings.join('; ')]);
        }
      }
      slice = [];
    };
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (!target) {
          job.header = record;
          problem = headerProblem(store, record);
          target = { store, header: record, lookupField: job.lookupField };
          if (job.partitionName !== undefined) target.partitionName = job.partitionName;
          continue;
        }
        slice.push(record);
        if (slice.length === SLICE_ROWS) await applySlice();
      }
      if (slice.length > 0) await applySlice();
      if (timers.closed) return;
      if (!target) {
        job.status = 'Failed';
        job.message = 'Import failed: the file has no header row';
        return;
      }
      job.status = 'Complete';
      job.message = completionMessage(job.processed, job.failed, job.warned);
    } catch (error) {
      parser.destroy();
      if (timers.closed) return;
      job.status = 'Failed';
      job.message = `Import failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  const find = (clientId: string, batchId: string) => {
    const job = /^\d+$/.test(batchId) ? jobs.get(Number(batchId)) : undefined;
    if (!job || job.clientId !== clientId) return undefined;
    if (clock.now() - job.createdAt > RETENTION_MS) {
      jobs.delete(job.batchId);
      return undefined;
    }
    return job;
  };

  return {
    /** Queues an import, or says why not (1016 queue full, 1019 list busy). */
    create(request: ImportRequest): Outcome<ImportCreatedView> {
      const queued = active();
      if (queued.length >= limits.importQueue) {
        return fail('1016', 'Too many imports');
      }
      if (request.listId !== undefined && queued.some((j) => j.listId === request.listId)) {
        return fail('1019', 'Import in progress');
      }
      const job: ImportJob = {
        ...request,
        batchId: nextBatchId++,
        status: 'Queued',
        createdAt: clock.now(),
        processed: 0,
        failed: 0,
        warned: 0,
        failures: [],
        warnings: [],
      };
      jobs.set(job.batchId, job);
      if (timeline) {
        job.timing = { batchId: job.batchId, status: job.status, queuedAt: job.createdAt };
        timeline.push(job.timing);
        if (timeline.length > TIMELINE_MAX) timeline.splice(0, timeline.length - TIMELINE_MAX);
      }
      // Start on a later tick so the caller sees its job Queued first.
      timers.after(0, pump);
      return ok({ batchId: job.batchId, importId: String(job.batchId), status: 'Queued' });
    },

    status(clientId: string, batchId: string): ImportStatusView | undefined {
      const job = find(clientId, batchId);
      if (!job) return undefined;
      const view: ImportStatusView = {
        batchId: job.batchId,
        importId: String(job.batchId),
        status: job.status,
        numOfLeadsProcessed: job.processed,
        numOfRowsFailed: job.failed,
        numOfRowsWithWarning: job.warned,
      };
      if (job.message !== undefined) view.message = job.message;
      return view;
    },

    /**
     * The failures or warnings file (original header and rows plus a reason column), in the
     * job's format; undefined when there is none (yet).
     */
    resultFile(
      clientId: string,
      batchId: string,
      kind: 'failures' | 'warnings',
    ): string | undefined {
      const job = find(clientId, batchId);
      const rows = job?.[kind];
      if (!job?.header || !rows || rows.length === 0) return undefined;
      const { row } = dialect(job.format);
      const reasonColumn = kind === 'failures' ? 'Import Failure Reason' : 'Import Warning Reason';
      return row([...job.header, reasonColumn]) + rows.map((r) => row(r)).join('');
    },

    close() {
      timers.close();
    },
  };
}
