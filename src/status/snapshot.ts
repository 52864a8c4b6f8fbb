/**
 * What `/status` shows, read from the gateway's own services: the limiter (window, concurrency,
 * daily quota and its reset), the recent export and import jobs with their progress and state
 * history, and import failures. One snapshot serves every open status page.
 */
import type { ExportJobManager } from '../bulk/export-jobs.js';
import type { ImportJobManager } from '../bulk/import-jobs.js';
import { type ExportJobRecord, STATE_ORDER } from '../bulk/types.js';
import type { ImportJobRecord } from '../bulk/import-record.js';
import type { MarketoApi } from '../marketo/api.js';
import { nextCentralMidnight } from '../marketo/central-time.js';

/** Jobs shown per kind (newest first), and failure rows per import. */
const JOBS_SHOWN = 20;
const FAILURES_SHOWN = 50;

export interface StateChange {
  state: string;
  at: string;
}

export interface JobStatus {
  id: string;
  kind: 'export' | 'import';
  state: string;
  createdAt: string;
  /** 0..1 where it can be told, else null (waiting at Marketo). */
  progress: number | null;
  /** A line under the bar: bytes, rows, parts. */
  detail: string;
  history: StateChange[];
  error: { code: string; message: string } | null;
  failures: Array<{ rowNumber: number | null; reason: string }>;
  failureCount: number;
}

export interface StatusSnapshot {
  at: string;
  instance: { mode: string; origin: string };
  limiter: {
    callsInWindow: number;
    rateLimit: number;
    rateWindowMs: number;
    inFlight: number;
    maxConcurrency: number;
    queued: number;
    shared: boolean;
  };
  quota: { used: number; limit: number; resetsAt: string };
  jobs: JobStatus[];
}

export interface StatusSources {
  marketo: MarketoApi;
  exportJobs: ExportJobManager;
  importJobs: ImportJobManager;
  instance: { mode: string; origin: string };
  /** Marketo's clock (compressed against the sandbox): when the daily quota resets. */
  now?: () => number;
}

/**
 * Builds snapshots, remembering the states each job was seen in: a record keeps Marketo's
 * timestamps (created, queued, started, finished) but not the gateway's own steps.
 */
export class StatusReader {
  private readonly seen = new Map<string, StateChange[]>();

  constructor(private readonly sources: StatusSources) {}

  async snapshot(): Promise<StatusSnapshot> {
    const { marketo, exportJobs, importJobs, instance } = this.sources;
    const [limiter, exports, imports] = await Promise.all([
      marketo.limiterSnapshot(),
      exportJobs.list({ first: JOBS_SHOWN }),
      importJobs.list(),
    ]);
    const now = this.sources.now?.() ?? Date.now();
    const jobs = [
      ...exports.map((job) => this.exportStatus(job)),
      ...imports
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, JOBS_SHOWN)
        .map((job) => this.importStatus(job)),
    ].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.forgetUnlisted(jobs);
    return {
      at: new Date().toISOString(),
      instance,
      limiter: {
        callsInWindow: limiter.callsInWindow,
        rateLimit: limiter.rateLimit,
        rateWindowMs: limiter.rateWindowMs,
        inFlight: limiter.inFlight,
        maxConcurrency: limiter.maxConcurrency,
        queued: limiter.queued,
        shared: limiter.shared,
      },
      quota: {
        used: limiter.callsToday,
        limit: limiter.dailyQuota,
        resetsAt: new Date(nextCentralMidnight(now)).toISOString(),
      },
      jobs,
    };
  }

  private exportStatus(job: ExportJobRecord): JobStatus {
    const bytes = job.parts.reduce((sum, p) => sum + p.bytesDownloaded, 0);
    const size = job.parts.reduce((sum, p) => sum + (p.fileSize ?? 0), 0);
    const rows = job.parts.reduce((sum, p) => sum + p.rowsParsed, 0);
    const sized = job.parts.every((p) => p.fileSize !== undefined);
    const marketo: StateChange[] = job.parts.flatMap((p) =>
      (
        [
          ['CREATED', p.createdAt],
          ['QUEUED', p.queuedAt],
          ['PROCESSING', p.startedAt],
          ['COMPLETED', p.finishedAt],
        ] as const
      ).flatMap(([state, at]) => (at ? [{ state, at }] : [])),
    );
    return {
      id: job.id,
      kind: 'export',
      state: job.status,
      createdAt: job.createdAt,
      progress: job.status === 'READY' ? 1 : sized && size > 0 ? Math.min(1, bytes / size) : null,
      detail: `${job.entity} · ${job.parts.length} part${job.parts.length === 1 ? '' : 's'} · ${formatBytes(bytes)}${sized ? ` of ${formatBytes(size)}` : ''} · ${rows.toLocaleString('en')} rows parsed`,
      history: this.history(job.id, job.status, job.updatedAt, marketo, exportRank),
      error: job.error ? { code: job.error.code, message: job.error.message } : null,
      failures: (job.rowErrors ?? []).slice(0, FAILURES_SHOWN).map((e) => ({
        rowNumber: e.line ?? null,
        reason: e.message,
      })),
      failureCount: job.rowErrors?.length ?? 0,
    };
  }

  private importStatus(job: ImportJobRecord): JobStatus {
    const total = job.parts.reduce((sum, p) => sum + p.rows, 0);
    const done = job.parts.reduce((sum, p) => sum + p.processed + p.failed, 0);
    return {
      id: job.id,
      kind: 'import',
      state: job.status,
      createdAt: job.createdAt,
      progress: ['COMPLETE', 'PARTIAL', 'FAILED'].includes(job.status)
        ? 1
        : total > 0
          ? Math.min(1, done / total)
          : null,
      detail: `${job.parts.length} part${job.parts.length === 1 ? '' : 's'} · ${done.toLocaleString('en')} of ${total.toLocaleString('en')} rows · ${job.failures.length} failed · ${job.warnings.length} warnings`,
      history: this.history(job.id, job.status, job.updatedAt, []),
      error: job.error ? { code: job.error.code, message: job.error.message } : null,
      failures: job.failures
        .slice(0, FAILURES_SHOWN)
        .map((f) => ({ rowNumber: f.rowNumber, reason: f.reason })),
      failureCount: job.failures.length,
    };
  }

  /**
   * Marketo's timestamps and the states this process saw the job in. States only move forward,
   * so they are listed in the lifecycle's order (`rank`): Marketo's times are on Marketo's clock
   * and the gateway's on its own, which a compressed sandbox clock makes incomparable.
   */
  private history(
    id: string,
    state: string,
    at: string,
    marketo: StateChange[],
    rank: (state: string) => number = () => 0,
  ): StateChange[] {
    let seen = this.seen.get(id);
    if (!seen) this.seen.set(id, (seen = []));
    if (seen.at(-1)?.state !== state) seen.push({ state, at });
    const known = new Set(marketo.map((c) => c.state));
    const all = [...marketo, ...seen.filter((c) => !known.has(c.state))];
    // A stable sort: states of equal rank keep the order they were seen in.
    return all.sort((a, b) => rank(a.state) - rank(b.state));
  }

  private forgetUnlisted(jobs: readonly JobStatus[]): void {
    const listed = new Set(jobs.map((j) => j.id));
    for (const id of this.seen.keys()) if (!listed.has(id)) this.seen.delete(id);
  }
}

/** Where a state stands in an export's lifecycle; FAILED and CANCELLED end it. */
function exportRank(state: string): number {
  const index = (STATE_ORDER as readonly string[]).indexOf(state);
  return index === -1 ? STATE_ORDER.length : index;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
