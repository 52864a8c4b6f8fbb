/**
 * Marketo's daily bulk export volume (500 MB by default: the sum of the sizes of the day's
 * completed files, US Central day). Counted from the jobs the gateway sees complete, topped up
 * once from Marketo's own job list, and set to "spent" whenever Marketo answers 1029 quota, so
 * that waiting jobs stop asking until the reset. Kept in the job registry (shared with scale-out).
 */
import type { Logger } from '../logger.js';
import type { MarketoApi } from '../marketo/api.js';
import type { JobRegistry, QuotaState } from './job-registry.js';
import { nextQuotaReset, quotaDay } from './quota.js';

/** Marketo's clock: the sandbox's compressed clock when embedded, the wall clock otherwise. */
export interface MarketoClock {
  now(): number;
  /** Marketo milliseconds per real millisecond (the sandbox's `timeScale`; 1 for a real instance). */
  readonly timeScale: number;
}

export interface ExportQuota {
  limitBytes: number;
  usedBytes: number;
  remainingBytes: number;
  /** Marketo day (US Central) the figures are for. */
  day: string;
  resetsAt: string;
}

export class ExportQuotaTracker {
  private cache: QuotaState | undefined;
  private synced = false;

  constructor(
    private readonly options: {
      registry: () => Promise<JobRegistry>;
      clock: MarketoClock;
      limitBytes: number;
      logger: Logger;
    },
  ) {}

  get limitBytes(): number {
    return this.options.limitBytes;
  }

  /** When today's quota resets (Marketo clock), ISO-8601. */
  nextReset(): string {
    return new Date(nextQuotaReset(this.options.clock.now())).toISOString();
  }

  async snapshot(): Promise<ExportQuota> {
    const state = await this.state();
    return {
      limitBytes: this.limitBytes,
      usedBytes: state.usedBytes,
      remainingBytes: Math.max(0, this.limitBytes - state.usedBytes),
      day: state.day,
      resetsAt: this.nextReset(),
    };
  }

  /** Whether the gateway already knows today's volume is spent (no Marketo call needed). */
  spent(): boolean {
    const q = this.cache;
    return !!q && q.day === quotaDay(this.options.clock.now()) && q.usedBytes >= this.limitBytes;
  }

  /** A file of `bytes` completed today. */
  async add(bytes: number): Promise<void> {
    const state = await this.state();
    await this.save({ day: state.day, usedBytes: state.usedBytes + bytes });
  }

  /** Marketo says today's volume is spent (other tools count too): stop asking until the reset. */
  async markSpent(): Promise<void> {
    const state = await this.state();
    await this.save({ day: state.day, usedBytes: Math.max(state.usedBytes, this.limitBytes) });
  }

  /** Once per process: count what today's completed exports (ours or not) already used. */
  async sync(api: MarketoApi): Promise<void> {
    if (this.synced) return;
    this.synced = true;
    const state = await this.state();
    let used = 0;
    try {
      for (const entity of ['leads', 'activities'] as const) {
        let nextPageToken: string | undefined;
        do {
          const page = await api.listExportJobs(entity, {
            status: ['Completed'],
            ...(nextPageToken && { nextPageToken }),
          });
          for (const job of page.items) {
            if (job.finishedAt && quotaDay(Date.parse(job.finishedAt)) === state.day) {
              used += job.fileSize ?? 0;
            }
          }
          nextPageToken = page.items.length > 0 ? page.nextPageToken : undefined;
        } while (nextPageToken);
      }
    } catch (error) {
      this.options.logger.warn('could not read today’s export volume from Marketo', { error });
      used = state.usedBytes;
    }
    await this.save({ day: state.day, usedBytes: Math.max(used, state.usedBytes) });
  }

  private async state(): Promise<QuotaState> {
    const today = quotaDay(this.options.clock.now());
    const stored = await (await this.options.registry()).getQuota();
    return stored && stored.day === today ? stored : { day: today, usedBytes: 0 };
  }

  private async save(next: QuotaState): Promise<void> {
    this.cache = next;
    await (await this.options.registry()).saveQuota(next);
  }
}
