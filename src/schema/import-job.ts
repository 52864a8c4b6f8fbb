/**
 * Bulk lead import: `importLeads` (a File upload, delimited text or JSON rows), the ImportJob type
 * with counters summed over the Marketo jobs of a split import and the failed / warned rows with
 * their original row numbers, `importJob` and the `importJobStatus` subscription. The lifecycle
 * lives in src/bulk/import-jobs.ts.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { DELIMITERS, type DelimitedFormat } from '../bulk/delimited.js';
import type {
  ImportJobError,
  ImportJobRecord,
  ImportJobState,
  ImportPartRecord,
  ImportRowIssue,
} from '../bulk/import-jobs.js';
import type { GraphQLContext } from '../context.js';
import { InputError } from '../errors.js';
import { positiveId } from './args.js';
import { builder } from './builder.js';
import { marketoCost } from '../security/marketo-cost.js';
import { DEFAULT_LIMITS } from '../security/settings.js';
import { RecordScanner } from '../uploads/row-guard.js';

builder.addScalarType(
  'File',
  new GraphQLScalarType<File, never>({
    name: 'File',
    description: 'A file sent as a multipart request (GraphQL multipart request spec). Input only.',
    serialize: () => {
      throw new TypeError('File is an input-only scalar');
    },
    // Yoga hands over its fetch implementation's File (not always Node's global class).
    parseValue: (value) => {
      if (typeof (value as File | null)?.stream === 'function') return value as File;
      throw new GraphQLError('File must be sent as a multipart upload', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    },
  }),
);

export const ImportFormatEnum = builder.enumType('ImportFormat', {
  description: 'CSV (comma), TSV (tab), SSV (semicolon).',
  values: ['CSV', 'TSV', 'SSV'] as const,
});

const ImportStateEnum = builder.enumType('ImportJobState', {
  description:
    "Marketo's states (QUEUED, IMPORTING, COMPLETE, FAILED), plus the gateway's for split imports: SPLITTING while the input is still being cut into Marketo files, PARTIAL when some of its Marketo jobs completed and others failed (or the input broke off after some were sent).",
  values: [
    'SPLITTING',
    'QUEUED',
    'IMPORTING',
    'COMPLETE',
    'PARTIAL',
    'FAILED',
  ] as const satisfies readonly ImportJobState[],
});

const ImportRowIssueRef = builder.objectRef<ImportRowIssue>('ImportRowIssue').implement({
  description: "A row Marketo failed or warned about: its original values and Marketo's reason.",
  fields: (t) => ({
    rowNumber: t.int({
      nullable: true,
      description:
        'Position of the row in the input, across all Marketo jobs: 1 is the first row after the header (`rows[0]` for JSON rows). Null only for an import created outside the gateway.',
      resolve: (i) => i.rowNumber,
    }),
    batchId: t.id({
      nullable: false,
      description: 'The Marketo import job that reported it.',
      resolve: (i) => String(i.batchId),
    }),
    row: t.field({ type: 'JSONObject', nullable: false, resolve: (i) => i.row }),
    reason: t.exposeString('reason', { nullable: false }),
  }),
});

const ImportJobErrorRef = builder.objectRef<ImportJobError>('ImportJobError').implement({
  description:
    "Why a part or job did not finish: Marketo's code, or BAD_USER_INPUT (the input broke off), SUBMIT_FAILED, POLL_FAILED, ISSUES_UNREADABLE, DISK_WRITE_FAILED (a file under IMPORT_DATA_DIR could not be written), OWNER_LOST (the gateway instance holding the input stopped before sending these rows: they were not imported), OUTCOME_UNKNOWN (it stopped while sending this part: Marketo may hold its rows; check before sending them again).",
  fields: (t) => ({
    code: t.exposeString('code', { nullable: false }),
    message: t.exposeString('message', { nullable: false }),
    batchId: t.id({ nullable: true, resolve: (e) => (e.batchId ? String(e.batchId) : null) }),
  }),
});

const partStatus = (p: ImportPartRecord) => p.marketoStatus ?? 'Pending';

const ImportJobPartRef = builder.objectRef<ImportPartRecord>('ImportJobPart').implement({
  description: 'One Marketo import job (one file of at most IMPORT_MAX_FILE_BYTES).',
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: false }),
    batchId: t.id({ nullable: true, resolve: (p) => (p.batchId ? String(p.batchId) : null) }),
    marketoStatus: t.string({
      nullable: false,
      description: 'As Marketo spells it; Pending until Marketo has accepted the file.',
      resolve: partStatus,
    }),
    firstRow: t.exposeInt('firstRow', {
      nullable: false,
      description: 'Input row number of its first row.',
    }),
    rows: t.exposeInt('rows', { nullable: false }),
    bytes: t.exposeFloat('bytes', { nullable: false }),
    rowsProcessed: t.exposeInt('processed', { nullable: false }),
    rowsFailed: t.exposeInt('failed', { nullable: false }),
    rowsWithWarning: t.exposeInt('warned', { nullable: false }),
    message: t.string({ nullable: true, resolve: (p) => p.message ?? null }),
    waiting: t.string({
      nullable: true,
      description: "Why it waits in the gateway's queue (Marketo's import queue is full).",
      resolve: (p) => p.waiting ?? null,
    }),
    error: t.field({ type: ImportJobErrorRef, nullable: true, resolve: (p) => p.error ?? null }),
  }),
});

const sum = (job: ImportJobRecord, key: 'processed' | 'failed' | 'warned' | 'rows') =>
  job.parts.reduce((total, part) => total + part[key], 0);

const RANK = ['pending', 'queued', 'importing', 'complete', 'failed'];
/** The least advanced part's status: the whole import is no further than that. */
function marketoStatus(job: ImportJobRecord): string {
  return job.parts.map(partStatus).reduce((least, status) => {
    const rank = (s: string) => RANK.indexOf(s.toLowerCase());
    return rank(status) < rank(least) ? status : least;
  }, 'Failed');
}

export const ImportJobRef = builder.objectRef<ImportJobRecord>('ImportJob').implement({
  description:
    'A bulk lead import as the gateway runs it: one Marketo import job per file of at most IMPORT_MAX_FILE_BYTES, counters summed over them.',
  fields: (t) => ({
    id: t.exposeID('id', {
      nullable: false,
      description: "Marketo's batchId when the input fit one file; a gateway id when it was split.",
    }),
    status: t.field({ type: ImportStateEnum, nullable: false, resolve: (j) => j.status }),
    marketoStatus: t.string({
      nullable: false,
      description: 'As Marketo spells it (for a split import, the least advanced of its jobs).',
      resolve: marketoStatus,
    }),
    batchIds: t.idList({
      nullable: false,
      resolve: (j) => j.parts.flatMap((p) => (p.batchId ? [String(p.batchId)] : [])),
    }),
    columns: t.exposeStringList('columns', { nullable: false }),
    rowsTotal: t.int({
      nullable: false,
      description: 'Input rows read so far (all of them once the status is past SPLITTING).',
      resolve: (j) => sum(j, 'rows'),
    }),
    rowsProcessed: t.int({ nullable: false, resolve: (j) => sum(j, 'processed') }),
    rowsFailed: t.int({ nullable: false, resolve: (j) => sum(j, 'failed') }),
    rowsWithWarning: t.int({ nullable: false, resolve: (j) => sum(j, 'warned') }),
    message: t.string({
      nullable: true,
      description: "Marketo's message (one line per Marketo job of a split import).",
      resolve: (j) => {
        const messages = j.parts.flatMap((p) => (p.message ? [p.message] : []));
        return messages.length > 0 ? messages.join('\n') : null;
      },
    }),
    parts: t.field({
      type: [ImportJobPartRef],
      nullable: { list: false, items: false },
      resolve: (j) => j.parts,
    }),
    failures: t.field({
      type: [ImportRowIssueRef],
      nullable: { list: false, items: false },
      description:
        'Rows Marketo rejected (not imported), by input row number; filled in as each Marketo job finishes.',
      resolve: (j) => j.failures,
    }),
    warnings: t.field({
      type: [ImportRowIssueRef],
      nullable: { list: false, items: false },
      description: 'Rows imported with a warning (e.g. an invalid email); not failures.',
      resolve: (j) => j.warnings,
    }),
    error: t.field({ type: ImportJobErrorRef, nullable: true, resolve: (j) => j.error ?? null }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (j) => j.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: false, resolve: (j) => j.updatedAt }),
  }),
});

const ImportLeadsInput = builder.inputType('ImportLeadsInput', {
  description:
    'Exactly one of `file` (an upload), `data` (delimited text) or `rows` (JSON objects). Input larger than IMPORT_MAX_FILE_BYTES (10 MB) is split into several Marketo import jobs on row boundaries.',
  fields: (t) => ({
    file: t.field({
      type: 'File',
      required: false,
      description: 'Delimited file in `format`; the header row holds Marketo REST field names.',
    }),
    data: t.string({
      required: false,
      description: 'Delimited text; the header row holds Marketo REST field names.',
    }),
    rows: t.field({
      type: ['JSONObject'],
      required: false,
      description: 'Rows keyed by REST field names (written as `format` with csv-stringify).',
    }),
    format: t.field({ type: ImportFormatEnum, required: true, defaultValue: 'CSV' }),
    lookupField: t.string({ required: true, defaultValue: 'email' }),
    listId: t.int({ required: false, description: 'Add every imported lead to this static list.' }),
    partitionName: t.string({ required: false }),
  }),
});

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** JSON rows as delimited text, streamed (one row at a time). */
function rowsAsText(
  rows: readonly Record<string, unknown>[],
  columns: string[],
  format: DelimitedFormat,
): Readable {
  return Readable.from(rows.map((row) => columns.map((c) => cellText(row[c])))).pipe(
    stringify({ header: true, columns, delimiter: DELIMITERS[format], record_delimiter: '\n' }),
  );
}

/** Header columns are REST field names of describe, the lookup field among them. */
export function headerCheck(ctx: GraphQLContext, argument: string, lookupField: string) {
  return async (header: readonly string[]): Promise<void> => {
    const catalog = await ctx.loaders.fieldCatalog();
    for (const column of header) {
      if (!catalog.has(column)) {
        throw new InputError(argument, `unknown lead field '${column}' in the header`, {
          field: column,
        });
      }
    }
    const lookup = catalog.get(lookupField);
    if (!lookup || !(lookup.searchable || lookupField === 'id')) {
      throw new InputError(
        'input.lookupField',
        `'${lookupField}' cannot be an import lookup field`,
        {
          field: lookupField,
        },
      );
    }
    if (!header.includes(lookupField)) {
      throw new InputError(argument, `has no '${lookupField}' column (the lookup field)`, {
        field: lookupField,
      });
    }
  };
}

/**
 * A bulk import of JSON rows (columns: every key of any row), for `importLeads` and for
 * `upsertLeads` on its BULK path. `rows[i]` is row number i + 1 in the job's failures/warnings.
 */
export function importJsonRows(
  ctx: GraphQLContext,
  rows: readonly Record<string, unknown>[],
  options: {
    argument: string;
    format: DelimitedFormat;
    lookupField: string;
    listId?: number;
    partitionName?: string;
  },
): Promise<ImportJobRecord> {
  if (rows.length === 0) throw new InputError(options.argument, 'must not be empty');
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const { argument, ...request } = options;
  return ctx.importJobs.create(
    {
      ...request,
      source: rowsAsText(rows, columns, options.format),
      argument,
      checkHeader: headerCheck(ctx, argument, options.lookupField),
    },
    { api: ctx.marketo },
  );
}

const JOB_ID = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function jobId(id: string | number): string {
  const text = String(id);
  if (!JOB_ID.test(text)) {
    throw new InputError('id', 'must be an import batch id (digits) or a gateway import id');
  }
  return text;
}

builder.queryField('importJob', (t) =>
  t.field({
    type: ImportJobRef,
    nullable: true,
    description:
      "An import by the gateway's id or any Marketo batchId (an import created elsewhere is picked up). Null when unknown.",
    args: { id: t.arg.id({ required: true }) },
    // Whoever may import may follow imports.
    skipTypeScopes: true,
    authScopes: { 'leads:read': true, 'bulk:import': true },
    // Status, then its failures and warnings when it was created elsewhere.
    extensions: marketoCost({ calls: 3 }),
    resolve: async (_root, args, ctx) =>
      (await ctx.importJobs.find(jobId(args.id), ctx.marketo)) ?? null,
  }),
);

builder.mutationField('importLeads', (t) =>
  t.field({
    type: ImportJobRef,
    // The describe, then the first file's submission (the rest is the job runner's).
    extensions: marketoCost({ calls: 3, describe: true }),
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description:
      "Validates the header against describe, then starts the Marketo bulk import(s) (insert or update by lookup field). When Marketo's import queue is full the files wait in the gateway's queue. Follow with `importJob` or `importJobStatus`.",
    args: { input: t.arg({ type: ImportLeadsInput, required: true }) },
    authScopes: { 'bulk:import': true },
    resolve: async (_root, { input }, ctx) => {
      const format = input.format as DelimitedFormat;
      const given = [input.file, input.data, input.rows].filter((v) => v != null).length;
      if (given !== 1) throw new InputError('input', 'give exactly one of file, data or rows');
      if (input.listId != null) positiveId('input.listId', input.listId);
      const request = {
        format,
        lookupField: input.lookupField,
        ...(input.listId != null && { listId: input.listId }),
        ...(input.partitionName != null && { partitionName: input.partitionName }),
      };
      if (input.rows != null) {
        return importJsonRows(ctx, input.rows, { ...request, argument: 'input.rows' });
      }
      let source: Readable;
      let argument: string;
      if (input.file != null) {
        argument = 'input.file';
        // Yoga's File may be its fetch ponyfill's: read it as an async iterable of chunks.
        source = Readable.from(input.file.stream() as unknown as AsyncIterable<Uint8Array>);
      } else {
        argument = 'input.data';
        // As for uploads: a row over the limit is refused by a byte scan, before any parsing.
        const data = Buffer.from(input.data ?? '');
        const longRow = new RecordScanner().scan(data, DEFAULT_LIMITS.maxRowBytes);
        if (longRow !== undefined) {
          throw new InputError(
            argument,
            `${longRow === 0 ? 'the header row' : `row ${longRow}`} is longer than ${DEFAULT_LIMITS.maxRowBytes} bytes`,
            { extra: { row: longRow, limit: DEFAULT_LIMITS.maxRowBytes } },
          );
        }
        source = Readable.from([data]);
      }
      try {
        return await ctx.importJobs.create(
          {
            ...request,
            source,
            argument,
            checkHeader: headerCheck(ctx, argument, input.lookupField),
          },
          { api: ctx.marketo },
        );
      } catch (error) {
        source.destroy(); // a refused header leaves the upload unread: close it
        throw error;
      }
    },
  }),
);

builder.subscriptionField('importJobStatus', (t) =>
  t.field({
    type: ImportJobRef,
    // Finding the job (status, failures, warnings) when it was created elsewhere.
    extensions: marketoCost({ calls: 3 }),
    nullable: false,
    description:
      'The import now, then on every change; completes after COMPLETE, PARTIAL or FAILED. One poller per Marketo job however many subscribers.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: { 'bulk:import': true },
    subscribe: (_root, args, ctx) => ctx.importJobs.watch(jobId(args.id), ctx.marketo),
    resolve: (job) => job,
  }),
);
