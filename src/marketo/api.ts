/**
 * The Marketo client's public surface: what the gateway (resolvers, loaders, bulk jobs) may call.
 * `client.ts` implements it over undici against any Marketo-compatible origin (the sandbox or a real
 * instance). Results keep Marketo's wire names; record-level results stay in input order.
 */
import type { Readable } from 'node:stream';

/**
 * Marketo's most leads matching one Get Leads by Filter call (more: 1003 `Too many results match
 * the filter`).
 */
export const MAX_FILTER_MATCHES = 1_000;

export interface Reason {
  /** Marketo's code as a string (`"1003"`), kept even when Marketo sent a number. */
  code: string;
  message: string;
}

/** A lead as Marketo returns it: `id` plus the requested REST fields (missing ones as null). */
export interface Lead {
  id: number;
  [field: string]: unknown;
}

export type SyncAction = 'createOrUpdate' | 'createOnly' | 'updateOnly' | 'createDuplicate';

/** One input row's outcome, in input order. `status` as Marketo spells it. */
export interface RecordResult {
  id?: number;
  status: string;
  reasons?: Reason[];
}

export interface FieldDescription {
  id: number;
  name: string;
  displayName: string;
  dataType: string;
  length?: number;
  readOnly: boolean;
  /** From describe2 `searchableFields` (single-field entries). */
  searchable: boolean;
}

export interface Partition {
  id: number;
  name: string;
  description?: string;
}

export interface ListMembership {
  listId: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface StaticList {
  id: number;
  name: string;
  description?: string;
  programName?: string;
  workspaceId?: number;
  workspaceName?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface Campaign {
  id: number;
  name: string;
  description?: string;
  type: string;
  programName?: string;
  programId?: number;
  workspaceName?: string;
  createdAt?: string;
  updatedAt?: string;
  active: boolean;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface PageRequest {
  batchSize?: number;
  nextPageToken?: string;
}

export interface CampaignToken {
  name: string;
  value: string;
}

export type ExportEntity = 'leads' | 'activities';
export type DelimitedFormat = 'CSV' | 'TSV' | 'SSV';

export interface ExportCreateRequest {
  fields?: string[];
  format?: DelimitedFormat;
  columnHeaderNames?: Record<string, string>;
  /** Marketo's filter object as-is (createdAt/updatedAt window, staticListId, smartListId, activityTypeIds…). */
  filter: Record<string, unknown>;
}

/** Export job status as Marketo reports it; members not yet reached are absent. */
export interface ExportJobStatus {
  exportId: string;
  format: string;
  /** Created | Queued | Processing | Completed | Failed | Cancelled (both spellings accepted on input). */
  status: string;
  createdAt: string;
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  numberOfRecords?: number;
  fileSize?: number;
  fileChecksum?: string;
  errorMsg?: string;
}

export interface ImportRequest {
  format: DelimitedFormat;
  lookupField?: string;
  listId?: number;
  partitionName?: string;
}

export interface ImportJobStatus {
  batchId: number;
  importId: string;
  /** Queued | Importing | Complete | Failed */
  status: string;
  numOfLeadsProcessed?: number;
  numOfRowsFailed?: number;
  numOfRowsWithWarning?: number;
  message?: string;
}

export interface UsageDay {
  date: string;
  total: number;
  users?: Array<{ userId: string; count: number }>;
}

/** An activity type from `activities/types.json`: its primary attribute and attributes. */
export interface ActivityType {
  id: number;
  name: string;
  description?: string;
  primaryAttribute?: { name: string; dataType: string };
  attributes: { name: string; dataType: string }[];
}

export interface ActivityAttribute {
  name: string;
  /** As Marketo sent it (string, number, boolean or null). */
  value: unknown;
}

/** One activity record (§5.7). `marketoGUID` is always set (from `id` when Marketo omits it). */
export interface Activity {
  marketoGUID: string;
  id?: number;
  leadId: number;
  /** `…Z` as Marketo sent it. */
  activityDate: string;
  activityTypeId: number;
  campaignId?: number;
  primaryAttributeValueId?: number;
  primaryAttributeValue?: string;
  attributes: ActivityAttribute[];
}

/** One field of a lead change: Marketo's `fields: [{id, name, newValue, oldValue}]`. */
export interface FieldChange {
  id?: number;
  name: string;
  newValue: unknown;
  oldValue: unknown;
}

/** A New Lead or Change Data Value from `activities/leadchanges.json`. */
export interface LeadChange extends Activity {
  fields: FieldChange[];
}

/** One activity page: Marketo always answers a token; `moreResult` false = caught up. */
export interface ActivityPage<T> {
  items: T[];
  nextPageToken: string;
  moreResult: boolean;
}

export interface ActivityPageRequest {
  nextPageToken: string;
  /** 1–10 ids. */
  activityTypeIds: readonly number[];
  /** ≤ 30 ids. */
  leadIds?: readonly number[];
  listId?: number;
  /** ≤ 300 (Marketo's default 300). */
  batchSize?: number;
}

export interface LeadChangesPageRequest {
  nextPageToken: string;
  /** REST field names (required by Marketo). */
  fields: readonly string[];
  leadIds?: readonly number[];
  listId?: number;
  batchSize?: number;
}

export interface DeletedLeadsPageRequest {
  nextPageToken: string;
  batchSize?: number;
}

/** What one Marketo call cost, reported to a tracker (for `extensions.marketo` and metrics). */
export interface CallRecord {
  /** `GET /rest/v1/leads.json`, ids replaced by `{id}`. */
  endpoint: string;
  /** Records sent (input rows / ids / filter values). */
  recordsSent: number;
  /** Records received in `result`. */
  recordsRead: number;
  /** Time spent waiting for the limiter before sending, ms. */
  waitedMs: number;
  /** Time on the wire, ms. */
  durationMs: number;
  /** Marketo error code of the final attempt, if any. */
  errorCode?: string;
  /** Attempts made (1 + retries). */
  attempts: number;
}

export interface CallTracker {
  record(call: CallRecord): void;
  /**
   * Asked before each call is sent (not per retry); throws to refuse it: the operation's cost
   * cap or its API key's daily share.
   */
  admit?(endpoint: string): void | Promise<void>;
}

/** Per-caller context: who is calling (fair share), what to report to, when to give up. */
export interface CallContext {
  tracker?: CallTracker;
  /** Identity for per-key fair share in the limiter (an API key name). */
  principal?: string;
  signal?: AbortSignal;
  /** The operation's request id, for the client's log lines. */
  requestId?: string;
}

export interface LimiterSnapshot {
  inFlight: number;
  maxConcurrency: number;
  callsInWindow: number;
  rateLimit: number;
  rateWindowMs: number;
  queued: number;
  callsToday: number;
  dailyQuota: number;
  /** Whether the limiter state is shared through Redis. */
  shared: boolean;
  /** The caller's own part (a view with a principal asked): its calls queued and in flight here. */
  caller?: { principal: string; queued: number; inFlight: number };
}

export interface MarketoApi {
  /** A view of this client that reports every call to `ctx.tracker` and honours `ctx.signal`. */
  withContext(ctx: CallContext): MarketoApi;

  // Leads
  /** Found leads only, any order; chunked by 300, `_method=GET` when the URL would be long. */
  getLeadsByIds(ids: readonly number[], fields?: readonly string[]): Promise<Lead[]>;
  /**
   * Every page of every chunk; one value can match several leads, a chunk at most
   * `MAX_FILTER_MATCHES` (Marketo's 1003 beyond).
   */
  getLeadsByFilter(
    filterType: string,
    values: readonly string[],
    fields?: readonly string[],
  ): Promise<Lead[]>;
  /** Record results in input order; chunked by 300, chunks run concurrently within the limiter. */
  syncLeads(
    input: readonly Record<string, unknown>[],
    options?: { action?: SyncAction; lookupField?: string; partitionName?: string },
  ): Promise<RecordResult[]>;
  deleteLeads(ids: readonly number[]): Promise<RecordResult[]>;
  /** describe.json merged with describe2 `searchableFields`. */
  describeLeads(): Promise<FieldDescription[]>;
  getPartitions(): Promise<Partition[]>;
  getListMembershipOfLead(leadId: number): Promise<ListMembership[]>;

  // Static lists
  getLists(
    filter?: {
      ids?: number[];
      names?: string[];
      programNames?: string[];
      workspaceNames?: string[];
    },
    page?: PageRequest,
  ): Promise<Page<StaticList>>;
  getList(id: number): Promise<StaticList | null>;
  getListLeads(listId: number, fields?: readonly string[], page?: PageRequest): Promise<Page<Lead>>;
  addLeadsToList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]>;
  removeLeadsFromList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]>;
  /** `memberof` / `notmemberof` / `skipped` per id, input order. */
  isMemberOfList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]>;

  // Smart campaigns
  getCampaigns(
    filter?: {
      ids?: number[];
      names?: string[];
      programNames?: string[];
      workspaceNames?: string[];
      isTriggerable?: boolean;
    },
    page?: PageRequest,
  ): Promise<Page<Campaign>>;
  getCampaign(id: number): Promise<Campaign | null>;
  /** Chunks of 100 leads; never blindly replayed (OUTCOME_UNKNOWN instead). Returns calls made. */
  triggerCampaign(
    campaignId: number,
    leadIds: readonly number[],
    tokens?: readonly CampaignToken[],
  ): Promise<{ calls: number }>;
  /**
   * Like `triggerCampaign`, but never throws for a chunk that failed while others ran: one result
   * per lead in input order, `triggered` or `failed` with the chunk's error (OUTCOME_UNKNOWN when it
   * may have run) as the reason, so partial runs are reported exactly. Throws only when every chunk
   * failed.
   */
  triggerCampaignLeads(
    campaignId: number,
    leadIds: readonly number[],
    tokens?: readonly CampaignToken[],
  ): Promise<{ calls: number; results: RecordResult[] }>;
  scheduleCampaign(
    campaignId: number,
    options?: { runAt?: string; tokens?: readonly CampaignToken[]; cloneToProgramName?: string },
  ): Promise<void>;

  // Bulk export
  createExportJob(entity: ExportEntity, request: ExportCreateRequest): Promise<ExportJobStatus>;
  enqueueExportJob(entity: ExportEntity, exportId: string): Promise<ExportJobStatus>;
  getExportJobStatus(entity: ExportEntity, exportId: string): Promise<ExportJobStatus>;
  cancelExportJob(entity: ExportEntity, exportId: string): Promise<ExportJobStatus>;
  listExportJobs(
    entity: ExportEntity,
    options?: { status?: string[] } & PageRequest,
  ): Promise<Page<ExportJobStatus>>;
  /**
   * The file as a byte stream starting at `start`; resumes with `Range` after a dropped connection
   * (the stream continues seamlessly). Never buffers the whole file.
   */
  downloadExportFile(
    entity: ExportEntity,
    exportId: string,
    options?: { start?: number; fileSize?: number },
  ): Readable;

  // Bulk import
  /** `file` as a function opens the file afresh per attempt (replayable, like a Buffer). */
  importLeads(
    file:
      Readable | AsyncIterable<Uint8Array> | Buffer | string | (() => AsyncIterable<Uint8Array>),
    request: ImportRequest,
  ): Promise<ImportJobStatus>;
  getImportJobStatus(batchId: number): Promise<ImportJobStatus>;
  /** The failures file (header + `Import Failure Reason`), or null when Marketo has none. */
  getImportFailures(batchId: number): Promise<Readable | null>;
  getImportWarnings(batchId: number): Promise<Readable | null>;

  // Activities (§5.7): each one call, sent as documented (limits checked before sending).
  getActivityTypes(): Promise<ActivityType[]>;
  /** `pagingtoken.json?sinceDatetime=`: the position of a date in the activity stream. */
  getPagingToken(since: string | Date): Promise<string>;
  getActivitiesPage(request: ActivityPageRequest): Promise<ActivityPage<Activity>>;
  getLeadChangesPage(request: LeadChangesPageRequest): Promise<ActivityPage<LeadChange>>;
  getDeletedLeadsPage(request: DeletedLeadsPageRequest): Promise<ActivityPage<Activity>>;
  // Usage
  getUsage(): Promise<UsageDay[]>;
  /** Local view of the limiter (and quota) state. */
  limiterSnapshot(): Promise<LimiterSnapshot>;
}
