/**
 * Bulk lead import endpoints: `POST /bulk/v1/leads.json` (multipart), batch status, and the
 * failures/warnings files.
 *
 * Decisions where Marketo is silent: parameters come from the query string or the form (form
 * wins); an unknown, foreign or expired batch id → 1003 `Import job '<id>' not found` on status and
 * a plain-text 404 on the files; a failures/warnings file is served as soon as it has a row (404
 * while there is none); an unknown `listId` → 1003; a lookup field the store cannot search → 1011.
 */
import type { BulkDeps, Route, SandboxRequest, SandboxResponse } from '../types.js';
import { BULK_FILE_CONTENT_TYPE, parseFormat } from './delimited.js';
import { createImportJobs, type ImportJobs } from './import-jobs.js';
import { parseMultipart } from './multipart.js';

const errors = (code: string, message: string): SandboxResponse => ({
  kind: 'errors',
  errors: [{ code, message }],
});

export function createBulkImport(deps: BulkDeps): { routes: Route[]; close(): Promise<void> } {
  const jobs = createImportJobs({
    clock: deps.clock,
    limits: deps.limits,
    store: deps.store,
    timeline: deps.stats.importTimeline,
  });
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: '/bulk/v1/leads.json',
      maxBodyBytes: deps.limits.importMaxBytes,
      handle: (req) => createImport(req, jobs, deps),
    },
    {
      method: 'GET',
      pattern: '/bulk/v1/leads/batch/:batchId.json',
      handle: (req) => {
        const batchId = req.params.batchId ?? '';
        const view = jobs.status(req.clientId, batchId);
        return view
          ? { kind: 'result', result: [view] }
          : errors('1003', `Import job '${batchId}' not found`);
      },
    },
    ...(['failures', 'warnings'] as const).map((kind): Route => ({
      method: 'GET',
      pattern: `/bulk/v1/leads/batch/:batchId/${kind}.json`,
      handle: (req) => {
        const batchId = req.params.batchId ?? '';
        const body = jobs.resultFile(req.clientId, batchId, kind);
        return body === undefined
          ? {
              kind: 'raw',
              status: 404,
              headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
              body: `No ${kind} file for import job '${batchId}'`,
            }
          : {
              kind: 'raw',
              status: 200,
              headers: { 'Content-Type': BULK_FILE_CONTENT_TYPE },
              body,
            };
      },
    })),
  ];
  return { routes, close: async () => jobs.close() };
}

async function createImport(
  req: SandboxRequest,
  jobs: ImportJobs,
  deps: BulkDeps,
): Promise<SandboxResponse> {
  const contentType = req.headers['content-type'];
  const form = await parseMultipart(req.rawBody, contentType);
  if (!form.ok) return errors(form.error.code, form.error.message);
  const param = (name: string) => form.value.fields.get(name) ?? req.query.get(name) ?? undefined;

  const formatText = param('format');
  if (formatText === undefined || formatText === '') {
    return errors('1002', "Missing value for the required parameter 'format'");
  }
  const format = parseFormat(formatText);
  if (!format) return errors('1003', `Invalid format '${formatText}': expected csv, tsv or ssv`);
  const file = form.value.file;
  if (!file) return errors('1002', "Missing value for the required parameter 'file'");

  const lookupField = param('lookupField') || 'email';
  if (!deps.store.field(lookupField)?.searchable) {
    return errors('1011', `Lookup field '${lookupField}' not supported`);
  }
  const listText = param('listId');
  let listId: number | undefined;
  if (listText !== undefined && listText !== '') {
    listId = /^\d+$/.test(listText) ? Number(listText) : undefined;
    if (listId === undefined || !deps.store.list(listId)) {
      return errors('1003', `Static list '${listText}' not found`);
    }
  }
  const partitionName = param('partitionName') || undefined;

  const created = jobs.create({
    clientId: req.clientId,
    format,
    lookupField,
    file,
    ...(listId === undefined ? {} : { listId }),
    ...(partitionName === undefined ? {} : { partitionName }),
  });
  if (!created.ok) return errors(created.error.code, created.error.message);
  deps.stats.importJobsCreated++;
  return { kind: 'result', result: [created.value] };
}
