/**
 * Bulk jobs by state, counted at scrape time from the job managers' registries. With REDIS_URL
 * the registries are the fleet's: every instance reports the same (fleet-wide) counts, so
 * aggregate them with `max`, not `sum`.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ImportJobState } from '../bulk/import-jobs.js';
import { type ExportJobState, STATE_ORDER } from '../bulk/types.js';
import type { Logger } from '../logger.js';

const EXPORT_STATES: readonly ExportJobState[] = [...STATE_ORDER, 'FAILED', 'CANCELLED'];
const IMPORT_STATES: readonly ImportJobState[] = [
  'SPLITTING',
  'QUEUED',
  'IMPORTING',
  'COMPLETE',
  'PARTIAL',
  'FAILED',
];

export interface JobSources {
  exportJobs: { list(): Promise<ReadonlyArray<{ status: string }>> };
  importJobs: { list(): Promise<ReadonlyArray<{ status: string }>> };
}

export interface JobMetrics {
  watch(sources: JobSources): void;
}

export function createJobMetrics(registry: Registry, logger: Logger): JobMetrics {
  let sources: JobSources | undefined;
  const byState = (
    name: string,
    help: string,
    states: readonly string[],
    list: (s: JobSources) => Promise<ReadonlyArray<{ status: string }>>,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        if (!sources) return;
        let jobs: ReadonlyArray<{ status: string }>;
        try {
          jobs = await list(sources);
        } catch (error) {
          logger.warn('metrics: job registry unavailable', { metric: name, error });
          return;
        }
        // Every known state is reported, 0 included, so that a rate or an alert has a series.
        const counts = new Map<string, number>(states.map((state) => [state, 0]));
        for (const job of jobs) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
  byState(
    'gateway_export_jobs',
    'Bulk export jobs the gateway knows (kept 7 days once finished) by state',
    EXPORT_STATES,
    (s) => s.exportJobs.list(),
  );
  byState(
    'gateway_import_jobs',
    'Bulk import jobs the gateway knows by state',
    IMPORT_STATES,
    (s) => s.importJobs.list(),
  );
  return {
    watch(next) {
      sources = next;
    },
  };
}
