/**
 * Counters behind `GET /__sandbox/stats`. Every request to the Marketo surface (/identity, /rest,
 * /bulk) counts in `calls`, whatever its outcome; `errors` counts response-level error codes and
 * HTTP error statuses by code; the control plane is never counted.
 */
import type { BulkStats } from './types.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** `METHOD /path` with numeric ids and export UUIDs replaced by `{id}`. */
export function endpointKey(method: string, path: string): string {
  const normalized = path
    .replace(UUID, '{id}')
    .split('/')
    .map((seg) => seg.replace(/^\d+(?=\.json$|$)/, '{id}'))
    .join('/');
  return `${method} ${normalized}`;
}

/** The JSON of `GET /__sandbox/stats`. */
export interface StatsSnapshot {
  calls: { total: number; byEndpoint: Record<string, number> };
  peakConcurrency: number;
  maxCallsInWindow: number;
  /** Response-level error codes and HTTP error statuses (`"606"`, `"413"`, `"502"`, `"drop"`). */
  errors: Record<string, number>;
  /** Successful token responses (a reused token counts again). */
  tokensIssued: number;
  leads: { created: number; updated: number; deleted: number };
  campaignTriggers: number;
  campaignSchedules: number;
  exportJobsCreated: number;
  importJobsCreated: number;
  /**
   * Import jobs' Queued → Importing → Complete/Failed times on the sandbox clock (ms precision),
   * to measure how busy the import slots were.
   */
  importTimeline: Array<{
    batchId: number;
    status: string;
    queuedAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  }>;
  /** Calls in the rate window right now. */
  callsInWindow: number;
  inFlight: number;
  quota: { used: number; limit: number; resetsAt: string };
  /** Sandbox clock, `…Z`. */
  now: string;
}

export interface Stats {
  readonly bulk: BulkStats;
  call(key: string): void;
  error(code: string): void;
  tokenIssued(): void;
  concurrency(inFlight: number): void;
  windowCount(count: number): void;
  campaignTriggered(): void;
  campaignScheduled(): void;
  snapshot(extra: Omit<StatsSnapshot, StatsOwnKeys>): StatsSnapshot;
  reset(): void;
}

type StatsOwnKeys =
  | 'calls'
  | 'peakConcurrency'
  | 'maxCallsInWindow'
  | 'errors'
  | 'tokensIssued'
  | 'campaignTriggers'
  | 'campaignSchedules'
  | 'exportJobsCreated'
  | 'importJobsCreated'
  | 'importTimeline';

export function createStats(): Stats {
  const bulk: BulkStats = { exportJobsCreated: 0, importJobsCreated: 0, importTimeline: [] };
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  let total = 0;
  let byEndpoint = new Map<string, number>();
  let errors = new Map<string, number>();
  let tokensIssued = 0;
  let peakConcurrency = 0;
  let maxCallsInWindow = 0;
  let campaignTriggers = 0;
  let campaignSchedules = 0;
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  return {
    bulk,
    call(key) {
      total++;
      bump(byEndpoint, key);
    },
    error: (code) => bump(errors, code),
    tokenIssued: () => {
      tokensIssued++;
    },
    concurrency(inFlight) {
      peakConcurrency = Math.max(peakConcurrency, inFlight);
    },
    windowCount(count) {
      maxCallsInWindow = Math.max(maxCallsInWindow, count);
    },
    campaignTriggered: () => {
      campaignTriggers++;
    },
    campaignScheduled: () => {
      campaignSchedules++;
    },
    snapshot(extra) {
      return {
        calls: { total, byEndpoint: Object.fromEntries(byEndpoint) },
        peakConcurrency,
        maxCallsInWindow,
        errors: Object.fromEntries(errors),
        tokensIssued,
        campaignTriggers,
        campaignSchedules,
        exportJobsCreated: bulk.exportJobsCreated,
        importJobsCreated: bulk.importJobsCreated,
        importTimeline: (bulk.importTimeline ?? []).map((t) => ({
          batchId: t.batchId,
          status: t.status,
          queuedAt: at(t.queuedAt)!,
          startedAt: at(t.startedAt),
          finishedAt: at(t.finishedAt),
        })),
        ...extra,
      };
    },
    reset() {
      total = 0;
      byEndpoint = new Map();
      errors = new Map();
      tokensIssued = 0;
      peakConcurrency = 0;
      maxCallsInWindow = 0;
      campaignTriggers = 0;
      campaignSchedules = 0;
      bulk.exportJobsCreated = 0;
      bulk.importJobsCreated = 0;
      bulk.importTimeline?.splice(0);
    },
  };
}
