/**
 * After an export create whose outcome is unknown (604/608/611/5xx/reset after sending), Marketo's
 * own job list tells whether the job exists (§8.6). The gateway enqueues every job it creates at
 * once, so the job of a lost answer is one still `Created`, made in the last minutes, in the
 * requested format. The list does not echo filters or fields, so a job is adopted only when it is
 * the single such candidate; none means the create was not applied; several stay unknown.
 */
import type { ExportJobStatus } from './api.js';

/** How far back (Marketo time) a job created by the lost call can be. */
export const RECONCILE_WINDOW_MS = 5 * 60_000;

/** Marketo's own request timeout (Marketo time): a call it is working on ends within it. */
export const MARKETO_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Real ms to wait after a lost create before an empty job list is believed: the call may reach
 * Marketo as late again as it ran before we gave up on it (a timeout, a loaded network), and no
 * sooner than Marketo's own request timeout can Marketo be done with it.
 */
export function lostCreateSettleMs(ranMs: number, timeScale: number): number {
  return Math.max(ranMs, MARKETO_REQUEST_TIMEOUT_MS / timeScale);
}

export type ReconcileOutcome =
  | { kind: 'found'; job: ExportJobStatus }
  | { kind: 'none' }
  | { kind: 'ambiguous'; candidates: number };

export function reconcileCreatedExport(
  jobs: readonly ExportJobStatus[],
  options: { serverNow: number; format: string; windowMs?: number },
): ReconcileOutcome {
  const since = options.serverNow - (options.windowMs ?? RECONCILE_WINDOW_MS);
  const candidates = jobs.filter((job) => {
    const created = Date.parse(job.createdAt);
    return (
      job.status === 'Created' &&
      job.format.toUpperCase() === options.format.toUpperCase() &&
      Number.isFinite(created) &&
      created >= since - 1000 // createdAt has whole seconds
    );
  });
  if (candidates.length === 1 && candidates[0]) return { kind: 'found', job: candidates[0] };
  if (candidates.length === 0) return { kind: 'none' };
  return { kind: 'ambiguous', candidates: candidates.length };
}
