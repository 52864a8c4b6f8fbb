/**
 * Bulk export endpoints for leads and activities (`/bulk/v1/{leads,activities}/export/…`), over
 * one shared job machine (Marketo's export queue is shared by every export type).
 *
 * Decisions where Marketo is silent (see also export-request.ts and export-jobs.ts):
 * - unknown, foreign or expired job id → 1003 `Export job '<id>' not found`;
 * - cancel of a Completed/Failed job → 1003 `Job already completed`; cancelling twice is a no-op;
 * - files are `text/csv;charset=UTF-8` whatever the format; unsatisfiable Range → 416;
 * - SSV uses `;`; LF line ends; rows ordered by lead id (activities by date).
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BulkDeps, Route, SandboxRequest, SandboxResponse } from '../types.js';
import { BULK_FILE_CONTENT_TYPE, dialect } from './delimited.js';
import { writeExportFile } from './export-file.js';
import { createExportJobs, type ExportJobs, type ExportStatus } from './export-jobs.js';
import { type ExportEntity, parseExportRequest } from './export-request.js';
import { exportRows } from './export-rows.js';
import type { Outcome } from './outcome.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { parseRange } from './range.js';
import { throttled } from './throttle.js';

const STATUSES: readonly ExportStatus[] = [
  'Created',
  'Queued',
  'Processing',
  'Completed',
  'Failed',
  'Cancelled',
];
const MAX_BATCH_SIZE = 300;

const respond = (outcome: Outcome<unknown>): SandboxResponse =>
  outcome.ok
    ? { kind: 'result', result: [outcome.value] }
    : { kind: 'errors', errors: [outcome.error] };

const invalid = (message: string): SandboxResponse => ({
  kind: 'errors',
  errors: [{ code: '1003', message }],
});

const exportId = (req: SandboxRequest) => req.params.exportId ?? '';

export function createBulkExport(deps: BulkDeps): {
  routes: Route[];
  close(): Promise<void>;
  hold(on: boolean): void;
} {
  const jobs = createExportJobs({
    clock: deps.clock,
    limits: deps.limits,
    generate: (job, signal) => {
      const path = join(deps.fileDir, `export-${job.exportId}.${job.spec.format.toLowerCase()}`);
      return writeExportFile({
        path,
        dialect: dialect(job.spec.format),
        header: job.spec.headers,
        rows: exportRows(job.spec, deps.store),
        signal,
      }).then((stats) => ({ ...stats, path }));
    },
    removeFile: (path) => rm(path, { force: true }),
    onCreated: () => {
      deps.stats.exportJobsCreated++;
    },
  });
  const routes = (['leads', 'activities'] as const).flatMap((entity) =>
    entityRoutes(entity, jobs, deps),
  );
  return { routes, close: () => jobs.close(), hold: (on) => jobs.hold(on) };
}

function entityRoutes(entity: ExportEntity, jobs: ExportJobs, deps: BulkDeps): Route[] {
  const base = `/bulk/v1/${entity}/export`;
  return [
    {
      method: 'POST',
      pattern: `${base}/create.json`,
      handle: (req) => {
        const spec = parseExportRequest(
          entity,
          req.json,
          deps.store,
          deps.unsupportedExportFilters,
        );
        return respond(spec.ok ? jobs.create(req.clientId, spec.value) : spec);
      },
    },
    {
      method: 'POST',
      pattern: `${base}/:exportId/enqueue.json`,
      handle: (req) => respond(jobs.enqueue(req.clientId, entity, exportId(req))),
    },
    {
      method: 'GET',
      pattern: `${base}/:exportId/status.json`,
      handle: (req) => respond(jobs.status(req.clientId, entity, exportId(req))),
    },
    {
      method: 'POST',
      pattern: `${base}/:exportId/cancel.json`,
      handle: (req) => respond(jobs.cancel(req.clientId, entity, exportId(req))),
    },
    {
      method: 'GET',
      pattern: `${base}/:exportId/file.json`,
      handle: (req) =>
        fileResponse(
          jobs.file(req.clientId, entity, exportId(req)),
          req,
          deps.limits.exportFileBytesPerSecond,
        ),
    },
    {
      method: 'GET',
      pattern: `${base}.json`,
      handle: (req) => listResponse(jobs, entity, req),
    },
  ];
}

function fileResponse(
  file: { path: string; fileSize: number } | undefined,
  req: SandboxRequest,
  bytesPerSecond: number,
): SandboxResponse {
  if (!file) {
    return {
      kind: 'raw',
      status: 404,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: `Export file for job '${req.params.exportId ?? ''}' not found or not completed`,
    };
  }
  const header = req.headers.range;
  const range = parseRange(Array.isArray(header) ? header[0] : header, file.fileSize);
  const common = { 'Content-Type': BULK_FILE_CONTENT_TYPE, 'Accept-Ranges': 'bytes' };
  if (range.kind === 'unsatisfiable') {
    return {
      kind: 'raw',
      status: 416,
      headers: { ...common, 'Content-Range': `bytes */${file.fileSize}` },
      body: '',
    };
  }
  if (range.kind === 'none') {
    return {
      kind: 'raw',
      status: 200,
      headers: { ...common, 'Content-Length': String(file.fileSize) },
      body: throttled(createReadStream(file.path), bytesPerSecond),
    };
  }
  return {
    kind: 'raw',
    status: 206,
    headers: {
      ...common,
      'Content-Length': String(range.end - range.start + 1),
      'Content-Range': `bytes ${range.start}-${range.end}/${file.fileSize}`,
    },
    body: throttled(
      createReadStream(file.path, { start: range.start, end: range.end }),
      bytesPerSecond,
    ),
  };
}

/** `GET …/export.json?status=Completed,Failed` (or repeated `status=`), paged like Marketo. */
function listResponse(
  jobs: ExportJobs,
  entity: ExportEntity,
  req: SandboxRequest,
): SandboxResponse {
  const wanted = req.query
    .getAll('status')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value !== '')
    .map((value) => (value === 'canceled' ? 'cancelled' : value));
  const known = new Set(STATUSES.map((s) => s.toLowerCase()));
  const unknown = wanted.find((value) => !known.has(value));
  if (unknown !== undefined) return invalid(`Invalid status '${unknown}'`);

  const batchText = req.query.get('batchSize');
  const batchSize = batchText === null || batchText === '' ? MAX_BATCH_SIZE : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    return invalid(`Invalid batchSize '${batchText}': must be 1 to ${MAX_BATCH_SIZE}`);
  }
  const token = req.query.get('nextPageToken');
  const offset = token ? decodePageToken(token) : 0;
  if (offset === undefined) return invalid('Invalid nextPageToken');

  const all = jobs.list(req.clientId, entity, wanted.length > 0 ? new Set(wanted) : undefined);
  const page = all.slice(offset, offset + batchSize);
  const next = offset + batchSize < all.length ? encodePageToken(offset + batchSize) : undefined;
  return { kind: 'result', result: page, ...(next ? { extra: { nextPageToken: next } } : {}) };
}
