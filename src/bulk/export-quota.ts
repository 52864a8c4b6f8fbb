/**
 * Marketo's daily bulk export volume (500 MB by default: the sum of the sizes of the day's
 * completed files, US Central day). Counted from the jobs the gateway sees complete, topped up
 * once from Marketo's own job list, and set to "spent" whenever Marketo answers 1029 quota, so
 * that waiting jobs stop asking until the reset. Kept in the job registry as a counter per Marketo
 * day: every change is one atomic step there (add, or raise to at least), never read-modify-write,
 * so instances of a fleet counting at once add up exactly.
 */
import type { Logger } from '../logger.js';
import type { MarketoApi } from '../marketo/api.js';
import type { JobRegistry } from './job-registry.js';
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

/** Bytes of export files Marketo produced on one of its days (US Central). */
interface QuotaState {
  /** `YYYY-MM-DD` in America/Chicago. */
  day: string;
  usedBytes: number;
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
    const day = this.today();
    const usedBytes = await (await this.options.registry()).addQuota(day, bytes);
    this.cache = { day, usedBytes };
  }

  /** Marketo says today's volume is spent (other tools count too): stop asking until the reset. */
  async markSpent(): Promise<void> {
    await this.raise(this.today(), this.limitBytes);
  }

  /** Once per process: count what today's completed exports (ours or not) already used. */
  async sync(api: MarketoApi): Promise<void> {
    if (this.synced) return;
    this.synced = true;
    const day = this.today();
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
            if (job.finishedAt && quotaDay(Date.parse(job.finishedAt)) === day) {
              used += job.fileSize ?? 0;
            }
          }
          nextPageToken = page.items.length > 0 ? page.nextPageToken : undefined;
        } while (nextPageToken);
      }
    } catch (error) {
      this.options.logger.warn('could not read today’s export volume from Marketo', { error });
      used = 0;
    }
    await this.raise(day, used);
  }

  private today(): string {
    return quotaDay(this.options.clock.now());
  }

  private async state(): Promise<QuotaState> {
    const day = this.today();
    const usedBytes = await (await this.options.registry()).getQuota(day);
    this.cache = { day, usedBytes };
    return this.cache;
  }

  private async raise(day: string, bytes: number): Promise<void> {
    const usedBytes = await (await this.options.registry()).raiseQuota(day, bytes);
    this.cache = { day, usedBytes };
  }
}
