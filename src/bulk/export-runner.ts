/**
 * An export job's runner: polls the first unfinished Marketo job with backoff (publishing every
 * state Marketo passed between two polls), hands a completed file to the ingester, parts strictly
 * in order, and cancels the other Marketo jobs of a job that failed or was cancelled.
 */
import type { ExportJobStatus, MarketoApi } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import type { PartIngester } from './export-ingest.js';
import type { ExportQueue } from './export-queue.js';
import type { ExportQuotaTracker } from './export-quota.js';
import {
  applyStatus,
  Cancelled,
  type ExportRecordAccess,
  MARKETO_TERMINAL,
  normalizeStatus,
  pick,
} from './export-state.js';
import { type ExportJobRecord, isTerminal, type JobError } from './types.js';

/** Polls a missing record is waited for (a Redis restarted empty: the lease renewal restores it). */
const MISSING_POLLS = 50;

export interface ExportPollerDeps extends ExportRecordAccess {
  client: MarketoApi;
  ingester: PartIngester;
  queue: ExportQueue;
  quotaTracker: ExportQuotaTracker;
  /** First status poll interval, real ms. */
  pollIntervalMs: number;
  /** Backoff ceiling while a job's status does not change. */
  maxPollIntervalMs: number;
  /** Consecutive failed status polls before the job is failed. */
  maxPollFailures: number;
}

export class ExportPoller {
  constructor(private readonly deps: ExportPollerDeps) {}

  private update(key: string, mutate: (job: ExportJobRecord) => void) {
    return this.deps.update(key, mutate);
  }

  private fail(key: string, error: JobError) {
    return this.deps.fail(key, error);
  }

  /** Runs the job until it ends here (or `signal` aborts: another instance may take it on). */
  async run(
    key: string,
    signal: AbortSignal,
    sleep: (realMs: number) => Promise<void>,
  ): Promise<void> {
    const api = this.deps.client.withContext({ signal });
    let interval = this.deps.pollIntervalMs;
    let pollFailures = 0;
    let missing = 0;
    while (!signal.aborted) {
      const job = await this.deps.read(key);
      if (!job) {
        // A shared registry that restarted empty gets the record back from the claim holder's
        // renewal: wait a while for it before giving the job up.
        missing++;
        if (missing > MISSING_POLLS) return;
        await sleep(this.deps.pollIntervalMs);
        continue;
      }
      missing = 0;
      if (job.cancelRequested) return;
      if (isTerminal(job.status)) {
        // One Marketo job failed or was cancelled at Marketo: the others are of no use now.
        if (job.status !== 'READY') await this.cancelOtherParts(key, -1);
        return;
      }
      const part = job.parts.find((p) => p.local !== 'INGESTED');
      if (!part) return; // all ingested: update() already made it READY
      if (!part.exportId || (!part.enqueued && normalizeStatus(part.marketoStatus) === 'created')) {
        await sleep(this.deps.pollIntervalMs);
        continue;
      }
      const marketo = normalizeStatus(part.marketoStatus);
      if (!MARKETO_TERMINAL.has(marketo)) {
        await sleep(interval);
        if (signal.aborted) return;
        let status: ExportJobStatus;
        try {
          status = await api.getExportJobStatus(job.entity, part.exportId);
          pollFailures = 0;
        } catch (error) {
          if (signal.aborted) return;
          pollFailures++;
          const retryable = error instanceof MarketoError ? error.retryable : true;
          if (!retryable || pollFailures >= this.deps.maxPollFailures) {
            await this.fail(key, {
              code: error instanceof MarketoError ? error.code : 'POLL_FAILED',
              message: `Status of Marketo export ${part.exportId} could not be read: ${error instanceof Error ? error.message : String(error)}`,
              exportId: part.exportId,
            });
            return;
          }
          interval = Math.min(interval * 2, this.deps.maxPollIntervalMs);
          continue;
        }
        const changed = normalizeStatus(status.status) !== marketo;
        interval = changed
          ? this.deps.pollIntervalMs
          : Math.min(interval * 1.5, this.deps.maxPollIntervalMs);
        if (changed) await this.advance(key, part.index, status);
        continue;
      }
      if (marketo === 'failed') {
        await this.fail(key, {
          code: 'MARKETO_FAILED',
          message: part.errorMsg ?? `Marketo export ${part.exportId} failed`,
          exportId: part.exportId,
        });
        await this.cancelOtherParts(key, part.index);
        return;
      }
      if (marketo === 'cancelled') {
        await this.update(key, (j) => {
          j.status = 'CANCELLED';
        });
        await this.cancelOtherParts(key, part.index);
        return;
      }
      // Completed at Marketo: fetch and ingest the file, parts strictly in order.
      try {
        await this.deps.ingester.ingestPart(key, part.index, api, signal, sleep);
      } catch (error) {
        if (signal.aborted || error instanceof Cancelled) return;
        throw error;
      }
    }
  }

  /**
   * Records a newly polled status. When Marketo moved more than one step between two polls, the
   * steps it passed (known from its timestamps) are published first, so watchers see every state.
   */
  private async advance(key: string, index: number, status: ExportJobStatus): Promise<void> {
    const target = normalizeStatus(status.status);
    const steps: ExportJobStatus[] = [];
    if ((target === 'processing' || MARKETO_TERMINAL.has(target)) && status.queuedAt) {
      steps.push({
        ...pick(status, ['exportId', 'format', 'createdAt', 'queuedAt']),
        status: 'Queued',
      });
    }
    if (MARKETO_TERMINAL.has(target) && status.startedAt) {
      steps.push({
        ...pick(status, ['exportId', 'format', 'createdAt', 'queuedAt', 'startedAt']),
        status: 'Processing',
      });
    }
    steps.push(status);
    for (const step of steps) {
      await this.update(key, (job) => {
        const part = job.parts[index];
        if (!part) return;
        const rank = ['created', 'queued', 'processing', 'completed', 'failed', 'cancelled'];
        const current = rank.indexOf(normalizeStatus(part.marketoStatus));
        if (rank.indexOf(normalizeStatus(step.status)) < current) return;
        applyStatus(part, step);
        // Marketo's own end states end the job in the same change (no intermediate state shown).
        if (normalizeStatus(step.status) === 'failed') {
          job.error = {
            code: 'MARKETO_FAILED',
            message: step.errorMsg ?? `Marketo export ${step.exportId} failed`,
            exportId: step.exportId,
          };
        } else if (normalizeStatus(step.status) === 'cancelled') {
          job.status = 'CANCELLED';
        }
      });
    }
    if (MARKETO_TERMINAL.has(target)) {
      if (target === 'completed' && status.fileSize)
        await this.deps.quotaTracker.add(status.fileSize);
      void this.deps.queue.pump(); // a slot in Marketo's queue is free
    }
  }

  private async cancelOtherParts(key: string, except: number): Promise<void> {
    const job = await this.deps.read(key);
    for (const part of job?.parts ?? []) {
      if (!job || part.index === except || !part.exportId) continue;
      if (MARKETO_TERMINAL.has(normalizeStatus(part.marketoStatus))) continue;
      const exportId = part.exportId;
      // Best effort: a part Marketo already finished (or forgot) needs no cancel.
      await this.deps.client
        .cancelExportJob(job.entity, exportId)
        .catch((error: unknown) =>
          this.deps.logger.warn('cancel at Marketo failed', { jobId: job.id, exportId, error }),
        );
    }
    void this.deps.queue.pump();
  }
}
