/**
 * Contracts between the sandbox's parts: the HTTP layer (server/router, limits, faults, stats), the
 * data store, and the endpoint modules (leads, lists, campaigns, bulk export, bulk import).
 * Endpoint modules export `Route[]`; the router owns auth, limits, faults, stats and the envelope.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Clock } from './clock.js';

/** Marketo's `dataType` values (describe.json). */
export type DataType =
  | 'string'
  | 'text'
  | 'email'
  | 'phone'
  | 'url'
  | 'integer'
  | 'float'
  | 'currency'
  | 'percent'
  | 'score'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'formula';

export interface SyncOptions {
  action: SyncAction;
  lookupField: string;
  partitionName?: string;
  /**
   * Bulk import only: an invalid address in an email lookup field is stored as given (Marketo
   * imports the row and warns, §9.3) instead of skipping the record.
   */
  keepInvalidLookupEmail?: boolean;
}

export interface FieldDef {
  id: number;
  /** REST API name (case-sensitive). */
  name: string;
  displayName: string;
  dataType: DataType;
  /** Only for sized types (string, email, phone, url…). */
  length?: number;
  readOnly: boolean;
  /** Usable as `filterType` / `lookupField`. */
  searchable: boolean;
  /** SOAP name, when the field is exposed to SOAP. */
  soapName?: string;
}

/** A lead as stored: REST field name → value in canonical wire form (datetimes as `…Z` strings). */
export interface LeadRow {
  id: number;
  [field: string]: unknown;
}

export interface Reason {
  code: string;
  message: string;
}

export type SyncAction = 'createOrUpdate' | 'createOnly' | 'updateOnly' | 'createDuplicate';

export interface SyncOutcome {
  id?: number;
  status: 'created' | 'updated' | 'skipped';
  reasons?: Reason[];
}

export interface StaticListRow {
  id: number;
  name: string;
  description?: string;
  programName?: string;
  workspaceId: number;
  workspaceName: string;
  createdAt: string;
  updatedAt: string;
}

/** One field of a Change Data Value / New Lead activity as leadchanges.json shows it. */
export interface ChangedField {
  id: number;
  name: string;
  newValue: unknown;
  oldValue: unknown;
}

export interface ActivityRow {
  marketoGUID: string;
  leadId: number;
  /** `YYYY-MM-DDTHH:MM:SSZ` */
  activityDate: string;
  activityTypeId: number;
  campaignId: number | null;
  primaryAttributeValueId: number | null;
  primaryAttributeValue: string | null;
  /** Serialised as a JSON object string in bulk files. */
  attributes: Record<string, unknown>;
  /** Change Data Value and New Lead: the fields changed (leadchanges.json only). */
  fields?: ChangedField[];
}

/**
 * The data the bulk modules need from the store. The store implementation (sandbox core) may
 * offer more; bulk export and import must only rely on this.
 */
export interface SandboxStore {
  readonly fields: readonly FieldDef[];
  field(name: string): FieldDef | undefined;
  /** Same rules and skip reasons as `POST /rest/v1/leads.json` for one record. */
  syncLead(input: Record<string, unknown>, options: SyncOptions): SyncOutcome;
  /** Every lead in ascending id order (lazily; the store may hold millions). */
  leads(): Iterable<LeadRow>;
  lead(id: number): LeadRow | undefined;
  list(id: number): StaticListRow | undefined;
  listByName(name: string): StaticListRow | undefined;
  listMemberIds(listId: number): ReadonlySet<number>;
  addToList(listId: number, leadId: number): void;
  /** Lead ids matched by a smart list, or undefined when the smart list does not exist. */
  smartListMemberIds(smartList: { id?: number; name?: string }): ReadonlySet<number> | undefined;
  /** Every activity in ascending activityDate order (lazily). */
  activities(): Iterable<ActivityRow>;
}

/** A parsed request as endpoint handlers see it (after `_method` override and body parsing). */
export interface SandboxRequest {
  /** Effective method (`_method` applied). */
  method: string;
  /** Path without query string. */
  path: string;
  /** Named path parameters from the route pattern (`/lists/:id/leads.json`). */
  params: Record<string, string>;
  /** Query string merged with form-body fields (body wins); repeated keys kept. */
  query: URLSearchParams;
  /** Parsed JSON body, when the content type was JSON. */
  json?: unknown;
  /** Raw body bytes (multipart uploads, etc.). */
  rawBody?: Buffer;
  headers: IncomingHttpHeaders;
  /** Who made the call (the API user owning the token): bulk jobs are private to it. */
  clientId: string;
}

export type SandboxResponse =
  /** Success envelope: `{ requestId, result, success: true, ...extra }`. */
  | { kind: 'result'; result?: unknown[]; extra?: Record<string, unknown> }
  /** Response-level failure: `{ requestId, success: false, errors }` (HTTP 200). */
  | { kind: 'errors'; errors: Reason[] }
  /** Anything else (bulk files, 404 text bodies, 206 slices). */
  | {
      kind: 'raw';
      status: number;
      headers: Record<string, string>;
      body: string | Buffer | Readable;
    };

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Express-like pattern with `:name` parameters, e.g. `/bulk/v1/leads/export/:exportId/file.json`. */
  pattern: string;
  /** Whether a successful call counts toward the daily quota / rate window (identity does not). */
  counted?: boolean;
  /** Body size limit for this route (1 MB default, 10 MB for bulk import) → HTTP 413. */
  maxBodyBytes?: number;
  handle(req: SandboxRequest): SandboxResponse | Promise<SandboxResponse>;
}

/** Bulk limits (Marketo's defaults in parentheses). */
export interface BulkLimits {
  /** Export jobs Processing at once (2). */
  exportProcessing: number;
  /** Export jobs Queued + Processing (10). */
  exportQueue: number;
  /** Export bytes per day (500 MB). */
  exportDailyQuotaBytes: number;
  /** Simulated ms an export job needs per state transition step (60 000 on Marketo). */
  exportStepMs: number;
  /** Export file retention in simulated ms (7 days). */
  exportRetentionMs: number;
  /** Import jobs Importing at once (2). */
  importProcessing: number;
  /** Import jobs Queued + Importing (10). */
  importQueue: number;
  /** Import upload size limit in bytes (10 MB). */
  importMaxBytes: number;
  /** Simulated ms an import job needs to process 1 000 rows. */
  importMsPer1000Rows: number;
  /**
   * Export file downloads in bytes per real second (0: as fast as the connection takes them).
   * Marketo's come over the internet at tens of MB/s, loopback at hundreds.
   */
  exportFileBytesPerSecond: number;
}

/** Counters the bulk modules report to `/__sandbox/stats`. */
export interface BulkStats {
  exportJobsCreated: number;
  importJobsCreated: number;
  /** Each import job's times on the sandbox clock (epoch ms), oldest first, the last 1 000. */
  importTimeline?: ImportTiming[];
}

/** When an import job was queued, started importing and finished (read-only for stats). */
export interface ImportTiming {
  batchId: number;
  status: string;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface BulkDeps {
  store: SandboxStore;
  clock: Clock;
  limits: BulkLimits;
  stats: BulkStats;
  /** Where export files are written (a temp dir the sandbox owns and deletes on close). */
  fileDir: string;
  /** Lead export filters this simulated subscription lacks (→ 1035); default: all enabled. */
  unsupportedExportFilters?: readonly ('updatedAt' | 'smartListId' | 'smartListName')[];
}
