/**
 * Bulk export: the ExportJob type (Marketo's states, then the gateway's DOWNLOADING / PARSING /
 * READY, and WAITING while held in the gateway's own queue), its parsed rows as a connection,
 * the exportJob(s) / exportQuota queries, create / cancel mutations and the `exportJobStatus`
 * subscription. The lifecycle itself lives in src/bulk/export-jobs.ts.
 */
import type { RowError } from '../bulk/delimited.js';
import { type RowJsonPage, type RowsPage, verifiedRows } from '../bulk/export-jobs.js';
import type { ExportFilterInput } from '../bulk/export-request.js';
import type {
  ExportEntityName,
  ExportJobRecord,
  ExportJobState,
  ExportPart,
  JobError,
  WaitInfo,
} from '../bulk/types.js';
import { STATE_ORDER } from '../bulk/types.js';
import { SHARED_EVENTS, SHARED_JOIN } from '../shared-subscriptions.js';
import { builder } from './builder.js';
import { marketoCost } from '../security/marketo-cost.js';
import { RawJson } from '../raw-json.js';

const ExportEntityEnum = builder.enumType('ExportEntity', {
  description: 'What a bulk export extracts.',
  values: {
    LEADS: { value: 'leads' },
    ACTIVITIES: { value: 'activities' },
  } as const,
});

const ExportFormatEnum = builder.enumType('ExportFormat', {
  description: 'CSV (comma), TSV (tab), SSV (semicolon).',
  values: ['CSV', 'TSV', 'SSV'] as const,
});

const ExportJobStateEnum = builder.enumType('ExportJobState', {
  description:
    "Marketo's states (CREATED, QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED), then the gateway's: DOWNLOADING the file (parsed as it arrives: rows already readable), PARSING the last rows once the file's checksum is verified, READY (all rows readable). WAITING: held in the gateway's queue because Marketo's export queue is full or the daily export quota is spent.",
  values: [...STATE_ORDER, 'FAILED', 'CANCELLED'] as readonly ExportJobState[],
});

const ExportWaitReasonEnum = builder.enumType('ExportWaitReason', {
  values: {
    QUEUE_FULL: {
      value: 'QUEUE_FULL',
      description: 'Marketo answered 1029 Too many jobs in queue; retried as slots free up.',
    },
    DAILY_QUOTA: {
      value: 'DAILY_QUOTA',
      description: 'The daily export volume is spent; resumes after midnight US Central.',
    },
  } as const,
});

const ExportWaitRef = builder.objectRef<WaitInfo>('ExportJobWait').implement({
  description: "Why a job is held in the gateway's own queue, and until when.",
  fields: (t) => ({
    reason: t.field({ type: ExportWaitReasonEnum, nullable: false, resolve: (w) => w.reason }),
    message: t.exposeString('message', { nullable: false }),
    since: t.field({ type: 'DateTime', nullable: false, resolve: (w) => w.since }),
    resumesAt: t.field({ type: 'DateTime', nullable: true, resolve: (w) => w.resumesAt ?? null }),
  }),
});

const ExportJobErrorRef = builder.objectRef<JobError>('ExportJobError').implement({
  description:
    "Why a job FAILED: Marketo's code, or MARKETO_FAILED, FILE_EXPIRED, DOWNLOAD_FAILED, CHECKSUM_MISMATCH, MALFORMED_ROW, DISK_WRITE_FAILED (a file under EXPORT_DATA_DIR could not be written)…",
  fields: (t) => ({
    code: t.exposeString('code', { nullable: false }),
    message: t.exposeString('message', { nullable: false }),
    line: t.int({
      nullable: true,
      description: 'For MALFORMED_ROW: the line in the file (header = 1).',
      resolve: (e) => e.line ?? null,
    }),
    exportId: t.id({
      nullable: true,
      description: 'The Marketo job at fault.',
      resolve: (e) => e.exportId ?? null,
    }),
  }),
});

const ExportRowErrorRef = builder.objectRef<RowError>('ExportRowError').implement({
  description: 'A row of the file that could not be parsed (never silently skipped).',
  fields: (t) => ({
    line: t.exposeInt('line', { nullable: false }),
    code: t.exposeString('code', { nullable: false }),
    message: t.exposeString('message', { nullable: false }),
  }),
});

const partState = (part: ExportPart): string => part.marketoStatus ?? 'Pending';

const ExportJobPartRef = builder.objectRef<ExportPart>('ExportJobPart').implement({
  description: 'One Marketo export job behind a gateway job (several when a date range was split).',
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: false }),
    exportId: t.id({ nullable: true, resolve: (p) => p.exportId ?? null }),
    marketoStatus: t.string({
      nullable: false,
      description: "Marketo's status as it spells it (Pending: not created at Marketo yet).",
      resolve: partState,
    }),
    startAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (p) => p.window?.startAt ?? null,
    }),
    endAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.window?.endAt ?? null }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.createdAt ?? null }),
    queuedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.queuedAt ?? null }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.startedAt ?? null }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.finishedAt ?? null }),
    numberOfRecords: t.int({ nullable: true, resolve: (p) => p.numberOfRecords ?? null }),
    fileSize: t.float({ nullable: true, resolve: (p) => p.fileSize ?? null }),
    checksum: t.string({ nullable: true, resolve: (p) => p.fileChecksum ?? null }),
    bytesDownloaded: t.float({ nullable: false, resolve: (p) => p.bytesDownloaded }),
    rowsParsed: t.int({ nullable: false, resolve: (p) => p.rowsParsed }),
    waiting: t.field({ type: ExportWaitRef, nullable: true, resolve: (p) => p.waiting ?? null }),
  }),
});

interface ExportQuotaShape {
  limitBytes: number;
  usedBytes: number;
  remainingBytes: number;
  day: string;
  resetsAt: string;
}

const ExportQuotaRef = builder.objectRef<ExportQuotaShape>('ExportQuota').implement({
  description: "Marketo's daily bulk export volume (sum of today's file sizes, US Central day).",
  fields: (t) => ({
    limitBytes: t.exposeFloat('limitBytes', { nullable: false }),
    usedBytes: t.exposeFloat('usedBytes', { nullable: false }),
    remainingBytes: t.exposeFloat('remainingBytes', { nullable: false }),
    day: t.exposeString('day', { nullable: false }),
    resetsAt: t.field({ type: 'DateTime', nullable: false, resolve: (q) => q.resetsAt }),
  }),
});

/** Sum of a numeric part member, or null until every part has it. */
function sumOf(job: ExportJobRecord, key: 'fileSize' | 'numberOfRecords'): number | null {
  let total = 0;
  for (const part of job.parts) {
    const value = part[key];
    if (value === undefined) return null;
    total += value;
  }
  return total;
}

/** The row pages' `unverified` argument (rows, rowPage, leadRows). */
const UNVERIFIED_ROWS =
  "Also the rows parsed so far of a file not yet checked against Marketo's checksum (DOWNLOADING, PARSING): early, but dropped again should the checksum not match.";

const rowsReadable = (job: ExportJobRecord): boolean =>
  job.parts.some((part) => part.local === 'INGESTED');

/** The arguments every page of an export's rows takes (rows, rowPage, leadRows). */
export const rowPageArgs = builder.args((t) => ({
  first: t.int({ required: false }),
  after: t.string({ required: false }),
  unverified: t.boolean({ required: false, defaultValue: false, description: UNVERIFIED_ROWS }),
}));

/** A page of rows as a connection (`totalCount` beside Relay's fields). */
export interface RowConnection<N> {
  edges: Array<{ cursor: string; node: N }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

/** `page` as a connection whose nodes `node` makes of its rows. */
export function rowConnection<R, N>(page: RowsPage<R>, node: (row: R) => N): RowConnection<N> {
  return {
    edges: page.rows.map((row, i) => ({ cursor: page.cursors[i]!, node: node(row) })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.startCursor,
      endCursor: page.endCursor,
    },
    totalCount: page.totalCount,
  };
}

/** Each row as its keyed JSON text, spliced into the answer as it is (`RawJson`). */
type ExportRowPage = RowConnection<RawJson>;

const ExportRowConnectionRef = builder.connectionObject(
  {
    type: 'JSONObject',
    name: 'ExportRowConnection',
    fields: (c) => ({
      totalCount: c.int({
        nullable: false,
        description: 'Rows readable in all.',
        resolve: (conn) => (conn as unknown as ExportRowPage).totalCount,
      }),
      nodes: c.field({
        type: ['JSONObject'],
        nullable: { list: false, items: false },
        description: 'The rows of this page (same as edges.node).',
        resolve: (conn) => (conn as unknown as ExportRowPage).edges.map((edge) => edge.node),
      }),
    }),
  },
  { name: 'ExportRowEdge' },
);

const ExportRowPageRef = builder.objectRef<RowJsonPage>('ExportRowPage').implement({
  description:
    'A page of rows in compact form: the column headers once, then each row as an array of its cells in that order. The same rows, cursors and limits as `rows`, at a fraction of the size for wide exports.',
  fields: (t) => ({
    columns: t.stringList({
      nullable: false,
      description: 'Column headers, in the order of every row’s cells.',
      resolve: (page) => [...page.columns],
    }),
    values: t.field({
      type: 'RowValues',
      nullable: false,
      description:
        'One array per row: its cells in `columns` order, typed by field (numbers, booleans, null). One scalar, written as stored: no cell is resolved on its own.',
      resolve: (page) => new RawJson(page.json),
    }),
    totalCount: t.int({
      nullable: false,
      description: 'Rows readable in all.',
      resolve: (page) => page.totalCount,
    }),
    startIndex: t.int({
      nullable: false,
      description: 'Position of the first row of this page among all rows (0-based).',
      resolve: (page) => page.start,
    }),
    startCursor: t.string({ nullable: true, resolve: (page) => page.startCursor }),
    endCursor: t.string({
      nullable: true,
      description: 'Pass as `after` for the next page (the same cursors as `rows`).',
      resolve: (page) => page.endCursor,
    }),
    hasNextPage: t.boolean({ nullable: false, resolve: (page) => page.hasNextPage }),
    hasPreviousPage: t.boolean({ nullable: false, resolve: (page) => page.hasPreviousPage }),
  }),
});

export const ExportJobRef = builder.objectRef<ExportJobRecord>('ExportJob');

ExportJobRef.implement({
  description:
    'A bulk export as the gateway runs it: create → enqueue → Marketo processing → download → parse → READY rows.',
  fields: (t) => ({
    id: t.exposeID('id', {
      nullable: false,
      description:
        "Marketo's exportId for a single Marketo job; a gateway id when the range was split (see parts).",
    }),
    entity: t.field({ type: ExportEntityEnum, nullable: false, resolve: (j) => j.entity }),
    status: t.field({ type: ExportJobStateEnum, nullable: false, resolve: (j) => j.status }),
    format: t.field({ type: ExportFormatEnum, nullable: false, resolve: (j) => j.format }),
    fields: t.exposeStringList('fields', { nullable: false }),
    filter: t.field({
      type: 'JSONObject',
      nullable: false,
      description: 'The filter sent to Marketo (date windows per part are in parts).',
      resolve: (j) => j.filter,
    }),
    columnHeaderNames: t.field({
      type: 'JSONObject',
      nullable: true,
      resolve: (j) => j.columnHeaderNames ?? null,
    }),
    marketoExportIds: t.idList({
      nullable: false,
      resolve: (j) => j.parts.flatMap((p) => (p.exportId ? [p.exportId] : [])),
    }),
    parts: t.field({
      type: [ExportJobPartRef],
      nullable: { list: false, items: false },
      resolve: (j) => j.parts,
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (j) => j.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: false, resolve: (j) => j.updatedAt }),
    queuedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (j) => j.parts[0]?.queuedAt ?? null,
    }),
    startedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (j) => j.parts[0]?.startedAt ?? null,
    }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When Marketo finished the last of its jobs.',
      resolve: (j) =>
        j.parts.every((p) => p.finishedAt) ? (j.parts.at(-1)?.finishedAt ?? null) : null,
    }),
    fileSize: t.float({
      nullable: true,
      description: 'Bytes of the file(s) Marketo produced, once known.',
      resolve: (j) => sumOf(j, 'fileSize'),
    }),
    numberOfRecords: t.int({ nullable: true, resolve: (j) => sumOf(j, 'numberOfRecords') }),
    checksum: t.string({
      nullable: true,
      description: "Marketo's fileChecksum (sha256:…) of a single-file job; see parts otherwise.",
      resolve: (j) => (j.parts.length === 1 ? (j.parts[0]!.fileChecksum ?? null) : null),
    }),
    bytesDownloaded: t.float({
      nullable: false,
      description: 'DOWNLOADING progress, out of fileSize.',
      resolve: (j) => j.parts.reduce((sum, p) => sum + p.bytesDownloaded, 0),
    }),
    rowsParsed: t.int({
      nullable: false,
      description:
        'Rows parsed so far: the file is parsed as it downloads (DOWNLOADING, PARSING); `rows` serves them once the file is verified, or at once with `unverified: true`.',
      resolve: (j) => j.parts.reduce((sum, p) => sum + (p.local ? p.rowsParsed : 0), 0),
    }),
    rowCount: t.int({
      nullable: true,
      description: 'Rows readable through `rows` (set once parsed).',
      resolve: (j) => (rowsReadable(j) ? verifiedRows(j) : null),
    }),
    waiting: t.field({
      type: ExportWaitRef,
      nullable: true,
      description: "Why the job is held in the gateway's queue (status WAITING).",
      resolve: (j) =>
        j.status === 'WAITING' ? (j.parts.find((p) => p.waiting)?.waiting ?? null) : null,
    }),
    error: t.field({ type: ExportJobErrorRef, nullable: true, resolve: (j) => j.error ?? null }),
    rowErrors: t.field({
      type: [ExportRowErrorRef],
      nullable: { list: false, items: false },
      resolve: (j) => j.rowErrors ?? [],
    }),
    rows: t.field({
      type: ExportRowConnectionRef,
      nullable: false,
      description:
        "Parsed rows keyed by column header, typed by field (numbers, booleans, null); 100 per page unless `first` says otherwise (at most 1000). Any page costs the same (offset index on disk). Only rows of files verified against Marketo's checksum (all of them at READY). `unverified: true` also gives the rows parsed so far of the file still downloading (DOWNLOADING, PARSING; `totalCount` grows as they arrive): should that file's checksum not match, its rows are dropped (`totalCount` goes back) and it is fetched and parsed again.",
      args: rowPageArgs,
      // Never built as objects: each node is the row's JSON text (parsed only where an answer
      // cannot take raw text: SSE, graphql-ws, a result with errors).
      resolve: async (job, args, ctx) =>
        rowConnection(await ctx.exportJobs.rowTexts(job, args), (text) => new RawJson(text)),
    }),
    rowPage: t.field({
      type: ExportRowPageRef,
      nullable: false,
      description:
        'The rows of `rows` in compact form (column headers once, each row an array of cells): for wide rows, a page of 1,000 is a third of the size and much cheaper to produce. Same `first`/`after` (cursors interchangeable with `rows`), same readability while DOWNLOADING.',
      args: rowPageArgs,
      resolve: (job, args, ctx) => ctx.exportJobs.rowJson(job, args),
    }),
  }),
});

const DateTimeRangeInput = builder.inputType('DateTimeRangeInput', {
  description: 'Inclusive range; longer than 31 days is split into several Marketo jobs.',
  fields: (t) => ({
    startAt: t.field({ type: 'DateTime', required: true }),
    endAt: t.field({ type: 'DateTime', required: true }),
  }),
});

const ExportFilterInputRef = builder.inputType('ExportFilterInput', {
  description:
    'Leads: exactly one of createdAt, updatedAt, staticListId/Name, smartListId/Name. Activities: createdAt (required), activityTypeIds, primaryAttributeValueIds or primaryAttributeValues.',
  fields: (t) => ({
    createdAt: t.field({ type: DateTimeRangeInput, required: false }),
    updatedAt: t.field({ type: DateTimeRangeInput, required: false }),
    staticListId: t.int({ required: false }),
    staticListName: t.string({ required: false }),
    smartListId: t.int({ required: false }),
    smartListName: t.string({ required: false }),
    activityTypeIds: t.intList({ required: false }),
    primaryAttributeValueIds: t.intList({ required: false }),
    primaryAttributeValues: t.stringList({ required: false }),
  }),
});

const CreateExportJobInput = builder.inputType('CreateExportJobInput', {
  fields: (t) => ({
    entity: t.field({ type: ExportEntityEnum, required: false, defaultValue: 'leads' }),
    fields: t.stringList({
      required: false,
      description: 'REST field names (required for leads; activities default to all columns).',
    }),
    format: t.field({ type: ExportFormatEnum, required: false, defaultValue: 'CSV' }),
    filter: t.field({ type: ExportFilterInputRef, required: true }),
    columnHeaderNames: t.field({
      type: 'JSONObject',
      required: false,
      description: 'Field name → column header text in the file (and keys of the rows).',
    }),
  }),
});

/** Export jobs and their rows may be read by whoever may read leads or export them. */
const EXPORT_READ_SCOPES = { 'leads:read': true, 'bulk:export': true } as const;

builder.queryFields((t) => ({
  exportJob: t.field({
    type: ExportJobRef,
    // Finding a job created elsewhere: Marketo's status, or its list of jobs.
    extensions: marketoCost({ calls: 2 }),
    nullable: true,
    description:
      "A bulk export job by id (the gateway's id or a Marketo exportId; a Marketo job created elsewhere is picked up). Null when unknown.",
    args: {
      id: t.arg.id({ required: true }),
      entity: t.arg({ type: ExportEntityEnum, required: false, defaultValue: 'leads' }),
    },
    skipTypeScopes: true,
    authScopes: EXPORT_READ_SCOPES,
    resolve: async (_root, args, ctx) =>
      (await ctx.exportJobs.find(String(args.id), args.entity ?? 'leads')) ?? null,
  }),
  exportJobs: t.field({
    type: [ExportJobRef],
    // Finding a job created elsewhere: Marketo's status, or its list of jobs.
    extensions: marketoCost({ calls: 2 }),
    nullable: { list: false, items: false },
    description: 'Export jobs the gateway knows, newest first.',
    args: {
      entity: t.arg({ type: ExportEntityEnum, required: false }),
      status: t.arg({ type: [ExportJobStateEnum], required: false }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
    },
    skipTypeScopes: true,
    authScopes: EXPORT_READ_SCOPES,
    resolve: (_root, args, ctx) =>
      ctx.exportJobs.list({
        ...(args.entity && { entity: args.entity }),
        ...(args.status && { statuses: args.status }),
        first: Math.max(0, Math.min(args.first ?? 50, 1000)),
      }),
  }),
  exportQuota: t.field({
    type: ExportQuotaRef,
    extensions: marketoCost({ calls: 0 }),
    nullable: false,
    skipTypeScopes: true,
    authScopes: EXPORT_READ_SCOPES,
    resolve: (_root, _args, ctx) => ctx.exportJobs.quota(),
  }),
}));

const DAY_MS = 24 * 3600 * 1000;
/** Marketo jobs a gateway export job may hold, for the cost of cancelling it. */
const MAX_CANCELLED_WINDOWS = 12;

/** Marketo export jobs for the longest date range in the filter (31 days each). */
function exportWindows(input: unknown): number {
  const filter = (input as { filter?: Record<string, unknown> } | undefined)?.filter ?? {};
  let windows = 1;
  for (const range of Object.values(filter)) {
    const { startAt, endAt } = (range ?? {}) as { startAt?: unknown; endAt?: unknown };
    const span = new Date(String(endAt)).getTime() - new Date(String(startAt)).getTime();
    if (Number.isFinite(span)) windows = Math.max(windows, Math.ceil(span / (31 * DAY_MS)) + 1);
  }
  return windows;
}

builder.mutationFields((t) => ({
  createExportJob: t.field({
    type: ExportJobRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description:
      "Validates against describe, creates and enqueues the Marketo job(s). When Marketo's queue is full the job waits (WAITING) in the gateway's queue instead of failing.",
    args: { input: t.arg({ type: CreateExportJobInput, required: true }) },
    authScopes: { 'bulk:export': true },
    // The describe and the quota, then create and enqueue per date window of at most 31 days.
    extensions: marketoCost({ calls: (args) => 2 + 3 * exportWindows(args.input), describe: true }),
    resolve: (_root, { input }, ctx) =>
      ctx.exportJobs.create(
        {
          entity: (input.entity ?? 'leads') as ExportEntityName,
          fields: input.fields ?? null,
          format: input.format ?? 'CSV',
          filter: input.filter as ExportFilterInput,
          columnHeaderNames: (input.columnHeaderNames as Record<string, string> | null) ?? null,
        },
        // Describe, create and the quota check show in this operation's extensions.marketo.
        { api: ctx.marketo },
      ),
  }),
  cancelExportJob: t.field({
    type: ExportJobRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description: 'Cancels the job and its Marketo jobs; a finished job is returned unchanged.',
    args: {
      id: t.arg.id({ required: true }),
      entity: t.arg({ type: ExportEntityEnum, required: false, defaultValue: 'leads' }),
    },
    authScopes: { 'bulk:export': true },
    extensions: marketoCost({ calls: 2 + 3 * MAX_CANCELLED_WINDOWS }),
    resolve: (_root, args, ctx) => ctx.exportJobs.cancel(String(args.id), args.entity ?? 'leads'),
  }),
}));

builder.subscriptionField('exportJobStatus', (t) =>
  t.field({
    type: ExportJobRef,
    nullable: false,
    description:
      'The job now, then on every change; completes after READY, FAILED or CANCELLED. One poller per job however many subscribers.',
    args: {
      id: t.arg.id({ required: true }),
      entity: t.arg({ type: ExportEntityEnum, required: false, defaultValue: 'leads' }),
    },
    authScopes: { 'bulk:export': true },
    // ExportJob's fields read only the record (no scopes, loaders or Marketo calls): subscribers
    // of one job share each event's execution. The stream is the job now, then each change: a
    // later subscriber may join a running one from its latest event.
    extensions: { [SHARED_EVENTS]: true, [SHARED_JOIN]: true, ...marketoCost({ calls: 2 }) },
    subscribe: (_root, args, ctx) => ctx.exportJobs.watch(String(args.id), args.entity ?? 'leads'),
    resolve: (job) => job,
  }),
);
