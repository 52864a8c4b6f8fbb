/**
 * The gateway's own export queue: parts Marketo has not accepted yet, created and enqueued in
 * order, first come first served across jobs. While Marketo's queue is full (1029) or the daily
 * export quota is spent, the parts wait here, visibly (WAITING with a reason and when the gateway
 * tries again), instead of failing.
 */
import type { ExportJobStatus, MarketoApi } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import { reconcileCreatedExport } from '../marketo/export-reconcile.js';
import type { ExportQuotaTracker, MarketoClock } from './export-quota.js';
import { marketoRequest } from './export-request.js';
import { applyStatus, type ExportRecordAccess } from './export-state.js';
import { RegistryUnavailableError } from './job-registry.js';
import { nextQuotaReset } from './quota.js';
import {
  type ExportJobRecord,
  type ExportPart,
  isTerminal,
  type JobError,
  type WaitInfo,
  type WaitReason,
} from './types.js';

const MB = 1024 * 1024;

/** A lost create the job list cannot settle: the job fails rather than risk a second one. */
function lostCreateUnknown(part: ExportPart): MarketoError {
  return new MarketoError({
    code: 'OUTCOME_UNKNOWN',
    message: `A create of part ${part.index} sent at ${part.createSentAt} got no answer, and Marketo's job list cannot tell which job is its`,
  });
}

export interface ExportQueueDeps extends ExportRecordAccess {
  client: MarketoApi;
  /** Wakes the job's runner (its part was enqueued). */
  wake: (key: string) => void;
  closed: () => boolean;
  quotaTracker: ExportQuotaTracker;
  clock: MarketoClock;
  /** Wait before asking Marketo again after a full queue, real ms. */
  queueRetryMs: number;
  dailyQuotaBytes: number;
  /**
   * The signal of this instance's runner of `key` while it holds the job's claim (asked of the
   * registry: the fence before a create); undefined once another instance may own the job.
   */
  owner: (key: string) => Promise<AbortSignal | undefined>;
  /** Every exportId the registry's jobs hold: never the job of another part's lost create. */
  knownExportIds: () => Promise<ReadonlySet<string>>;
  /** Makes the changes saved so far durable (a registry written behind), before acting on them. */
  flush: () => Promise<void>;
  /**
   * Real ms after a create's intent until the call can no longer land at Marketo: only then is an
   * empty job list believed and the part created anew.
   */
  lostCreateSettleMs: number;
}

export class ExportQueue {
  /** Parts not yet accepted by Marketo, in order. */
  private readonly queue: Array<{ key: string; index: number }> = [];
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private pumpTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ExportQueueDeps) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queues a part (once). */
  add(key: string, index: number): void {
    if (!this.queue.some((q) => q.key === key && q.index === index)) {
      this.queue.push({ key, index });
    }
  }

  /** Stops retrying; resolves once the step under way is saved. */
  async stop(): Promise<void> {
    clearTimeout(this.pumpTimer);
    await this.pumping;
  }

  private update(key: string, mutate: (job: ExportJobRecord) => void) {
    return this.deps.update(key, mutate);
  }

  private fail(key: string, error: JobError) {
    return this.deps.fail(key, error);
  }

  /** Changes one queued part in one saved step. */
  private change(key: string, index: number, mutate: (part: ExportPart) => void) {
    return this.deps.update(key, (job) => {
      const part = job.parts[index];
      if (part) mutate(part);
    });
  }

  waitInfo(error: MarketoError | undefined, reason?: WaitReason): WaitInfo {
    const quota = reason === 'DAILY_QUOTA' || /quota/i.test(error?.message ?? '');
    const now = this.deps.clock.now();
    const resumesAt = quota
      ? (error?.resetsAt ?? new Date(nextQuotaReset(now)).toISOString())
      : new Date(now + this.deps.queueRetryMs * this.deps.clock.timeScale).toISOString();
    return {
      reason: quota ? 'DAILY_QUOTA' : 'QUEUE_FULL',
      message: quota
        ? `Marketo's daily export quota (${Math.round(this.deps.dailyQuotaBytes / MB)} MB) is spent; waiting for the reset`
        : "Marketo's export queue is full (1029 Too many jobs in queue); waiting in the gateway's queue",
      since: new Date(now).toISOString(),
      resumesAt,
    };
  }

  /** Real ms until a Marketo-clock instant (the queue's retry delay without one). */
  private realMsUntil(iso: string | undefined): number {
    if (iso === undefined) return this.deps.queueRetryMs;
    return Math.max(0, (Date.parse(iso) - this.deps.clock.now()) / this.deps.clock.timeScale);
  }

  // ---------------------------------------------------------------- the gateway's queue

  /**
   * Creates and enqueues queued parts in order until Marketo refuses; then retries later. Never
   * rejects.
   */
  pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.pumpOnce();
        } while (this.pumpAgain && !this.deps.closed());
      } catch (error) {
        // The queue stays as it is and is tried again later (callers never wait on a failure:
        // most wake the pump and go on). A shared registry away is expected; anything else is
        // logged.
        if (!(error instanceof RegistryUnavailableError)) {
          this.deps.logger.error('export queue step failed; retrying', { error });
        }
        this.schedulePump(this.deps.queueRetryMs);
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private schedulePump(realMs: number): void {
    if (this.deps.closed()) return;
    clearTimeout(this.pumpTimer);
    this.pumpTimer = setTimeout(() => void this.pump(), Math.max(10, realMs));
    this.pumpTimer.unref();
  }

  private async pumpOnce(): Promise<void> {
    for (let head = this.queue[0]; head && !this.deps.closed(); head = this.queue[0]) {
      const { key, index } = head;
      const job = await this.deps.read(key);
      const part = job?.parts[index];
      if (!job || !part || isTerminal(job.status) || job.cancelRequested || part.enqueued) {
        this.queue.shift();
        continue;
      }
      if (this.deps.quotaTracker.spent()) {
        const info = this.waitInfo(undefined, 'DAILY_QUOTA');
        await this.block(info);
        this.schedulePump(this.realMsUntil(info.resumesAt));
        return;
      }
      let owner: AbortSignal | undefined;
      try {
        let exportId = part.exportId;
        if (!exportId) {
          // Only the job's owner creates, and only while its claim holds (two owners for a moment,
          // after a lease lapsed under load, must not both create).
          owner = await this.deps.owner(key);
          if (!owner) {
            this.queue.shift();
            continue;
          }
          const lost = part.createSentAt ? await this.findLostCreate(job, part) : 'none';
          if (lost === 'wait') return;
          if (lost === 'ambiguous') throw lostCreateUnknown(part);
          if (lost !== 'none') {
            exportId = lost.exportId;
            await this.change(key, index, (p) => {
              applyStatus(p, lost);
              delete p.createSentAt;
              delete p.createSentRealAt;
            });
          } else {
            exportId = await this.createPart(key, job, part, owner);
          }
        }
        try {
          const queued = await this.deps.client.enqueueExportJob(job.entity, exportId);
          await this.change(key, index, (p) => {
            applyStatus(p, queued);
            p.enqueued = true;
            delete p.waiting;
          });
        } catch (error) {
          if (!(error instanceof MarketoError && /already queued/i.test(error.message)))
            throw error;
          await this.change(key, index, (p) => {
            p.enqueued = true;
            delete p.waiting;
          });
        }
        this.queue.shift();
        this.deps.wake(key);
      } catch (error) {
        // The claim was lost meanwhile: the part (and its intent) is the new owner's now.
        if (owner?.aborted) {
          this.queue.shift();
          continue;
        }
        if (error instanceof MarketoError && error.code === '1029') {
          const info = this.waitInfo(error);
          if (info.reason === 'DAILY_QUOTA') await this.deps.quotaTracker.markSpent();
          await this.block(info);
          const delay =
            info.reason === 'DAILY_QUOTA'
              ? this.realMsUntil(info.resumesAt)
              : this.deps.queueRetryMs;
          this.schedulePump(delay);
          return;
        }
        if (error instanceof MarketoError && error.retryable) {
          this.deps.logger.warn('enqueue will be retried', { jobId: job.id, error });
          this.schedulePump(this.deps.queueRetryMs);
          return;
        }
        this.queue.shift();
        await this.fail(key, {
          code: error instanceof MarketoError ? error.code : 'CREATE_FAILED',
          message: error instanceof Error ? error.message : String(error),
          ...(part.exportId && { exportId: part.exportId }),
        });
      }
    }
  }

  /**
   * Creates the part's Marketo job, its intent saved (durably) first and cleared with the answer;
   * the call is cut short when the claim is lost. Resolves with the exportId.
   */
  private async createPart(
    key: string,
    job: ExportJobRecord,
    part: ExportPart,
    owner: AbortSignal,
  ): Promise<string> {
    const sentAt = new Date(this.deps.clock.now()).toISOString();
    const sentRealAt = Date.now();
    await this.change(key, part.index, (p) => {
      p.createSentAt = sentAt;
      p.createSentRealAt = sentRealAt;
    });
    await this.deps.flush();
    const created = await this.deps.client
      .withContext({ signal: owner })
      .createExportJob(job.entity, marketoRequest(job, part.window));
    await this.change(key, part.index, (p) => {
      applyStatus(p, created);
      delete p.createSentAt;
      delete p.createSentRealAt;
    });
    return created.exportId;
  }

  /**
   * What became of a create whose answer never came (the part has an intent, no exportId): the
   * single fresh `Created` job of the format that no job of the registry holds (the gateway enqueues
   * every job it creates at once), or none — believed only once the call can no longer land
   * ('wait' until then, the pump tried again at that time) — or several ('ambiguous').
   */
  private async findLostCreate(
    job: ExportJobRecord,
    part: ExportPart,
  ): Promise<ExportJobStatus | 'none' | 'wait' | 'ambiguous'> {
    const { clock } = this.deps;
    const sentAt = Date.parse(part.createSentAt ?? '');
    const listed = await this.deps.client.listExportJobs(job.entity, { status: ['Created'] });
    const known = await this.deps.knownExportIds();
    const now = clock.now();
    const outcome = reconcileCreatedExport(
      listed.items.filter((j) => !known.has(j.exportId)),
      // Created no earlier than the intent (Marketo time), with the client's few seconds of slack.
      { serverNow: now, format: job.format, windowMs: Math.max(0, now - sentAt) + 5_000 },
    );
    if (outcome.kind === 'found') return outcome.job;
    if (outcome.kind === 'ambiguous') return 'ambiguous';
    // Real time since the call (older intents carry only Marketo's time of it).
    const elapsedMs =
      part.createSentRealAt !== undefined
        ? Date.now() - part.createSentRealAt
        : (now - sentAt) / clock.timeScale;
    const settleMs = this.deps.lostCreateSettleMs - elapsedMs;
    if (!(settleMs > 0)) return 'none';
    this.schedulePump(settleMs);
    return 'wait';
  }

  /** Marks every part still in the gateway's queue as waiting (visible as WAITING). */
  private async block(info: WaitInfo): Promise<void> {
    for (const { key, index } of this.queue) {
      await this.update(key, (job) => {
        const part = job.parts[index];
        if (!part || part.enqueued) return;
        const before = part.waiting;
        part.waiting =
          before && before.reason === info.reason ? { ...info, since: before.since } : info;
      });
    }
  }
}
