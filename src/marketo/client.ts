/**
 * The Marketo client: one typed method per REST call the gateway uses (`MarketoApi`), built on the
 * shared call path in `call.ts` (limiter, token, retries by meaning, tracking, redaction). Reads
 * and writes are cut into Marketo-sized chunks that run concurrently within the limiter and come
 * back in input order.
 */
import { Readable } from 'node:stream';
import { type Logger, silentLogger } from '../logger.js';
import type {
  CallContext,
  Campaign,
  CampaignToken,
  ExportCreateRequest,
  ExportEntity,
  ExportJobStatus,
  FieldDescription,
  ImportJobStatus,
  ImportRequest,
  Lead,
  ListMembership,
  MarketoApi,
  Page,
  PageRequest,
  Partition,
  RecordResult,
  StaticList,
  SyncAction,
  UsageDay,
} from './api.js';
import {
  createMemoryTokenStore,
  createTokenManager,
  type TokenManager,
  type TokenStore,
} from './auth.js';
import { createActivityCalls } from './activities.js';
import { alignResults, balancedChunks, runChunks, unique } from './batching.js';
import {
  type CallEvent,
  type CallSpec,
  type Core,
  createCore,
  createRedactor,
  type RetryPolicy,
} from './call.js';
import { MARKETO_DEFAULTS, normaliseBaseUrl } from './config.js';
import { MarketoError } from './errors.js';
import { downloadFile } from './export-download.js';
import {
  RECONCILE_WINDOW_MS,
  type ReconcileOutcome,
  reconcileCreatedExport,
} from './export-reconcile.js';
import { createIdentityFetcher } from './identity.js';
import { type ImportFile, multipartUpload } from './import-upload.js';
import { createInProcessRateLimiter, type RateLimiter } from './rate-limiter.js';
import {
  first,
  parseCampaign,
  parseExportStatus,
  parseFieldDescriptions,
  parseImportStatus,
  parseLead,
  parsePartition,
  parseStaticList,
  parseUsageDay,
  searchableFieldNames,
} from './records.js';
import { createTransport, readAll, readText, type Transport } from './transport.js';
import {
  asString,
  type Envelope,
  isObject,
  parseEnvelope,
  parseRecordResult,
  pick,
  serverTimeFromRequestId,
  toInt,
} from './wire.js';

export type MarketoClient = MarketoApi & {
  close(): Promise<void>;
  /** Whether a Marketo access token is at hand or can be fetched now (readiness; no API call). */
  canAuthenticate(): Promise<boolean>;
  /** The same, saying why not: Marketo's code (or the transport's) and a message free of secrets. */
  checkAuthentication(): Promise<AuthenticationCheck>;
};

export type AuthenticationCheck = { ok: true } | { ok: false; code: string; message: string };

export interface MarketoClientOptions {
  /** `https://123-ABC-456.mktorest.com` (with or without `/rest`, `/identity`), or the sandbox URL. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Calls in flight at once (Marketo: 10). */
  concurrency?: number;
  /** Calls per rolling window (Marketo: 100). */
  rateLimit?: number;
  /** The rolling window, real ms. Default 20 000 / timeScale. */
  rateWindowMs?: number;
  /** Calls per day, counted locally (Marketo default 50 000). */
  dailyQuota?: number;
  /** Largest part of the budget one API key may use, 0 < s ≤ 1 (default 1: fair turns, no cap). */
  keyShare?: number;
  /**
   * Marketo time per real time, for a sandbox with a compressed clock: the default rate window,
   * token lifetimes (`expires_in`) and the 606/615 back-off are divided by it. Default 1.
   */
  timeScale?: number;
  /** Per-call deadline in real ms, limiter wait and retries included. Default 300 000. */
  deadlineMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** A shared limiter (Redis, later); default in-process. */
  limiter?: RateLimiter;
  tokenStore?: TokenStore;
  /** Renew tokens this long before expiry (real ms). Default 60 s / timeScale. */
  tokenRefreshMarginMs?: number;
  /** Idle keep-alive of pooled sockets, ms (tests use small values). */
  keepAliveTimeoutMs?: number;
  /** Random source for backoff jitter (tests). */
  random?: () => number;
  /** Observes each HTTP attempt of a REST call (metrics); identity calls are not reported. */
  onCall?: (event: CallEvent) => void;
}

const BULK_EXPORT_BASE: Record<ExportEntity, string> = {
  leads: '/bulk/v1/leads/export',
  activities: '/bulk/v1/activities/export',
};

/** Standard searchable fields (§5.2), used when describe2 is unavailable. */
const STANDARD_SEARCHABLE = new Set([
  'id',
  'email',
  'cookies',
  'facebookId',
  'linkedInId',
  'twitterId',
  'leadPartitionId',
  'sfdcAccountId',
  'sfdcContactId',
  'sfdcLeadId',
  'sfdcLeadOwnerId',
  'sfdcOpptyId',
]);

const IDEMPOTENT_ACTIONS = new Set<SyncAction>(['createOrUpdate', 'updateOnly']);

type Params = Array<readonly [string, string]>;

function pageParams(page: PageRequest | undefined, params: Params = []): Params {
  if (page?.batchSize !== undefined) params.push(['batchSize', String(page.batchSize)]);
  if (page?.nextPageToken) params.push(['nextPageToken', page.nextPageToken]);
  return params;
}

function listParam(params: Params, name: string, values: readonly (string | number)[] | undefined) {
  if (values && values.length > 0) params.push([name, values.join(',')]);
}

function toPage<T>(envelope: Envelope, map: (item: unknown) => T | undefined): Page<T> {
  const items = envelope.result.map(map).filter((x): x is T => x !== undefined);
  return envelope.nextPageToken ? { items, nextPageToken: envelope.nextPageToken } : { items };
}

function positiveIds(ids: readonly number[], what: string): number[] {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new MarketoError({
        code: '1001',
        message: `Invalid ${what} '${id}': positive integer required`,
      });
    }
  }
  return [...ids];
}

function isNotFound(error: unknown): boolean {
  return error instanceof MarketoError && (error.code === '1013' || error.code === '1004');
}

interface Shared {
  core: Core;
  transport: Transport;
  limiter: RateLimiter;
  tokens: TokenManager;
  /** Marketo time per real time (the sandbox's compressed clock). */
  timeScale: number;
  /** Export jobs this client created: never taken for the job of a lost create answer. */
  createdExports: Set<string>;
  closing?: Promise<void>;
}

class Client implements MarketoClient {
  constructor(
    private readonly shared: Shared,
    private readonly ctx: CallContext,
  ) {}

  /**
   * Activity calls live in activities.ts; they share this view's call path and context. Made on
   * first use: a view is made per operation, and most never read activities.
   */
  #activityCalls: ReturnType<typeof createActivityCalls> | undefined;
  private get activityCalls(): ReturnType<typeof createActivityCalls> {
    return (this.#activityCalls ??= createActivityCalls((path, endpoint, query, recordsSent) =>
      this.get(path, endpoint, query, recordsSent),
    ));
  }

  get getActivityTypes() {
    return this.activityCalls.getActivityTypes;
  }

  get getPagingToken() {
    return this.activityCalls.getPagingToken;
  }

  get getActivitiesPage() {
    return this.activityCalls.getActivitiesPage;
  }

  get getLeadChangesPage() {
    return this.activityCalls.getLeadChangesPage;
  }

  get getDeletedLeadsPage() {
    return this.activityCalls.getDeletedLeadsPage;
  }

  withContext(ctx: CallContext): MarketoApi {
    return new Client(this.shared, { ...this.ctx, ...ctx });
  }

  close(): Promise<void> {
    this.shared.closing ??= this.shared.limiter.close().then(() => this.shared.transport.close());
    return this.shared.closing;
  }

  async canAuthenticate(): Promise<boolean> {
    return (await this.checkAuthentication()).ok;
  }

  async checkAuthentication(): Promise<AuthenticationCheck> {
    try {
      await this.shared.tokens.getToken();
      return { ok: true };
    } catch (error) {
      if (error instanceof MarketoError) {
        return { ok: false, code: error.code, message: error.message };
      }
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        code: typeof code === 'string' ? code : 'UNREACHABLE',
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private json(spec: CallSpec): Promise<Envelope> {
    return this.shared.core.json(spec, this.ctx);
  }

  private get(path: string, endpoint: string, query?: Params, recordsSent?: number) {
    return this.json({
      method: 'GET',
      path,
      endpoint: `GET ${endpoint}`,
      idempotent: true,
      ...(query && { query }),
      ...(recordsSent !== undefined && { recordsSent }),
    });
  }

  private post(
    path: string,
    endpoint: string,
    body: unknown,
    options: { idempotent: boolean; recordsSent?: number; query?: Params },
  ) {
    return this.json({
      method: 'POST',
      path,
      endpoint: `POST ${endpoint}`,
      idempotent: options.idempotent,
      ...(body !== undefined && { body: () => ({ kind: 'json', value: body }) }),
      ...(options.recordsSent !== undefined && { recordsSent: options.recordsSent }),
      ...(options.query && { query: options.query }),
    });
  }

  // ---- Leads ------------------------------------------------------------------------------

  /** All pages of one filter chunk. `expected` stops paging once every value has its lead. */
  private async filterChunk(
    filterType: string,
    values: readonly string[],
    fields: readonly string[] | undefined,
    expected?: number,
  ): Promise<Lead[]> {
    const leads: Lead[] = [];
    let nextPageToken: string | undefined;
    do {
      const query: Params = [
        ['filterType', filterType],
        ['filterValues', values.join(',')],
      ];
      listParam(query, 'fields', fields);
      if (nextPageToken) query.push(['nextPageToken', nextPageToken]);
      const envelope = await this.get(
        '/rest/v1/leads.json',
        '/rest/v1/leads.json',
        query,
        values.length,
      );
      for (const item of envelope.result) {
        const lead = parseLead(item);
        if (lead) leads.push(lead);
      }
      nextPageToken = envelope.result.length > 0 ? envelope.nextPageToken : undefined;
      if (expected !== undefined && leads.length >= expected) break;
    } while (nextPageToken);
    return leads;
  }

  async getLeadsByIds(ids: readonly number[], fields?: readonly string[]): Promise<Lead[]> {
    const wanted = unique(positiveIds(ids, 'lead id'));
    const chunks = balancedChunks(wanted, 300);
    const pages = await Promise.all(
      chunks.map((chunk) => this.filterChunk('id', chunk.map(String), fields, chunk.length)),
    );
    return pages.flat();
  }

  async getLeadsByFilter(
    filterType: string,
    values: readonly string[],
    fields?: readonly string[],
  ): Promise<Lead[]> {
    const wanted = unique(values.map((v) => String(v)).filter((v) => v !== ''));
    const chunks = balancedChunks(wanted, 300);
    const pages = await Promise.all(
      chunks.map((chunk) =>
        this.filterChunk(filterType, chunk, fields, filterType === 'id' ? chunk.length : undefined),
      ),
    );
    // Case-insensitive matches can bring one lead back from two chunks.
    const seen = new Set<number>();
    return pages.flat().filter((lead) => !seen.has(lead.id) && seen.add(lead.id) !== undefined);
  }

  async syncLeads(
    input: readonly Record<string, unknown>[],
    options: { action?: SyncAction; lookupField?: string; partitionName?: string } = {},
  ): Promise<RecordResult[]> {
    const action = options.action ?? 'createOrUpdate';
    const idempotent = IDEMPOTENT_ACTIONS.has(action);
    return runChunks(balancedChunks(input, 300), async (chunk) => {
      const body = {
        action,
        ...(options.lookupField !== undefined && { lookupField: options.lookupField }),
        ...(options.partitionName !== undefined && { partitionName: options.partitionName }),
        input: chunk,
      };
      const envelope = await this.post('/rest/v1/leads.json', '/rest/v1/leads.json', body, {
        idempotent,
        recordsSent: chunk.length,
      });
      return alignResults(envelope.result.map(parseRecordResult), chunk.length);
    });
  }

  async deleteLeads(ids: readonly number[]): Promise<RecordResult[]> {
    return runChunks(balancedChunks(positiveIds(ids, 'lead id'), 300), async (chunk) => {
      const envelope = await this.post(
        '/rest/v1/leads/delete.json',
        '/rest/v1/leads/delete.json',
        { input: chunk.map((id) => ({ id })) },
        { idempotent: true, recordsSent: chunk.length },
      );
      return alignResults(envelope.result.map(parseRecordResult), chunk.length);
    });
  }

  async describeLeads(): Promise<FieldDescription[]> {
    const [describe, searchable] = await Promise.all([
      this.get('/rest/v1/leads/describe.json', '/rest/v1/leads/describe.json'),
      this.get('/rest/v1/leads/describe2.json', '/rest/v1/leads/describe2.json').then(
        searchableFieldNames,
        (error: unknown) => {
          // Instances without describe2 (610): fall back to the documented standard set.
          if (
            error instanceof MarketoError &&
            (error.code === '610' || error.code === 'HTTP_404')
          ) {
            return STANDARD_SEARCHABLE;
          }
          throw error;
        },
      ),
    ]);
    return parseFieldDescriptions(describe, searchable);
  }

  async getPartitions(): Promise<Partition[]> {
    const envelope = await this.get(
      '/rest/v1/leads/partitions.json',
      '/rest/v1/leads/partitions.json',
    );
    return toPage(envelope, parsePartition).items;
  }

  async getListMembershipOfLead(leadId: number): Promise<ListMembership[]> {
    positiveIds([leadId], 'lead id');
    const out: ListMembership[] = [];
    let nextPageToken: string | undefined;
    do {
      const query = pageParams({ batchSize: 300, ...(nextPageToken && { nextPageToken }) });
      const envelope = await this.get(
        `/rest/v1/leads/${leadId}/listMembership.json`,
        '/rest/v1/leads/{id}/listMembership.json',
        query,
      );
      for (const item of envelope.result) {
        if (!isObject(item)) continue;
        const listId = toInt(item.listId ?? item.id);
        if (listId === undefined) continue;
        out.push({
          listId,
          ...pick<Omit<ListMembership, 'listId'>>(item, {
            createdAt: asString,
            updatedAt: asString,
          }),
        });
      }
      nextPageToken =
        envelope.result.length > 0 && envelope.moreResult !== false
          ? envelope.nextPageToken
          : undefined;
    } while (nextPageToken);
    return out;
  }

  // ---- Static lists -----------------------------------------------------------------------

  async getLists(
    filter: {
      ids?: number[];
      names?: string[];
      programNames?: string[];
      workspaceNames?: string[];
    } = {},
    page?: PageRequest,
  ): Promise<Page<StaticList>> {
    const query: Params = [];
    listParam(query, 'id', filter.ids);
    listParam(query, 'name', filter.names);
    listParam(query, 'programName', filter.programNames);
    listParam(query, 'workspaceName', filter.workspaceNames);
    const envelope = await this.get(
      '/rest/v1/lists.json',
      '/rest/v1/lists.json',
      pageParams(page, query),
    );
    return toPage(envelope, parseStaticList);
  }

  async getList(id: number): Promise<StaticList | null> {
    positiveIds([id], 'list id');
    try {
      const envelope = await this.get(`/rest/v1/lists/${id}.json`, '/rest/v1/lists/{id}.json');
      return envelope.result.length > 0 ? (parseStaticList(envelope.result[0]) ?? null) : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async getListLeads(
    listId: number,
    fields?: readonly string[],
    page?: PageRequest,
  ): Promise<Page<Lead>> {
    positiveIds([listId], 'list id');
    const query: Params = [];
    listParam(query, 'fields', fields);
    const envelope = await this.get(
      `/rest/v1/lists/${listId}/leads.json`,
      '/rest/v1/lists/{id}/leads.json',
      pageParams(page, query),
    );
    return toPage(envelope, parseLead);
  }

  async addLeadsToList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]> {
    positiveIds([listId], 'list id');
    return runChunks(balancedChunks(positiveIds(leadIds, 'lead id'), 300), async (chunk) => {
      const envelope = await this.post(
        `/rest/v1/lists/${listId}/leads.json`,
        '/rest/v1/lists/{id}/leads.json',
        { input: chunk.map((id) => ({ id })) },
        { idempotent: true, recordsSent: chunk.length },
      );
      return alignResults(envelope.result.map(parseRecordResult), chunk.length);
    });
  }

  async removeLeadsFromList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]> {
    positiveIds([listId], 'list id');
    return runChunks(balancedChunks(positiveIds(leadIds, 'lead id'), 300), async (chunk) => {
      const envelope = await this.json({
        method: 'DELETE',
        path: `/rest/v1/lists/${listId}/leads.json`,
        endpoint: 'DELETE /rest/v1/lists/{id}/leads.json',
        query: chunk.map((id) => ['id', String(id)] as const),
        idempotent: true,
        recordsSent: chunk.length,
      });
      return alignResults(envelope.result.map(parseRecordResult), chunk.length);
    });
  }

  async isMemberOfList(listId: number, leadIds: readonly number[]): Promise<RecordResult[]> {
    positiveIds([listId], 'list id');
    return runChunks(balancedChunks(positiveIds(leadIds, 'lead id'), 300), async (chunk) => {
      const envelope = await this.get(
        `/rest/v1/lists/${listId}/leads/ismember.json`,
        '/rest/v1/lists/{id}/leads/ismember.json',
        chunk.map((id) => ['id', String(id)] as const),
        chunk.length,
      );
      return alignResults(envelope.result.map(parseRecordResult), chunk.length);
    });
  }

  // ---- Smart campaigns --------------------------------------------------------------------

  async getCampaigns(
    filter: {
      ids?: number[];
      names?: string[];
      programNames?: string[];
      workspaceNames?: string[];
      isTriggerable?: boolean;
    } = {},
    page?: PageRequest,
  ): Promise<Page<Campaign>> {
    const query: Params = [];
    listParam(query, 'id', filter.ids);
    listParam(query, 'name', filter.names);
    listParam(query, 'programName', filter.programNames);
    listParam(query, 'workspaceName', filter.workspaceNames);
    if (filter.isTriggerable !== undefined)
      query.push(['isTriggerable', String(filter.isTriggerable)]);
    const envelope = await this.get(
      '/rest/v1/campaigns.json',
      '/rest/v1/campaigns.json',
      pageParams(page, query),
    );
    return toPage(envelope, parseCampaign);
  }

  async getCampaign(id: number): Promise<Campaign | null> {
    positiveIds([id], 'campaign id');
    try {
      const envelope = await this.get(
        `/rest/v1/campaigns/${id}.json`,
        '/rest/v1/campaigns/{id}.json',
      );
      return envelope.result.length > 0 ? (parseCampaign(envelope.result[0]) ?? null) : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** One trigger call per chunk of ≤ 100 leads, concurrently; never replayed once sent. */
  private triggerChunks(
    campaignId: number,
    leadIds: readonly number[],
    tokens: readonly CampaignToken[] | undefined,
  ): { chunks: number[][]; settled: Promise<PromiseSettledResult<Envelope>[]> } {
    positiveIds([campaignId], 'campaign id');
    const chunks = balancedChunks(positiveIds(leadIds, 'lead id'), 100);
    const settled = Promise.allSettled(
      chunks.map((chunk) =>
        this.post(
          `/rest/v1/campaigns/${campaignId}/trigger.json`,
          '/rest/v1/campaigns/{id}/trigger.json',
          {
            input: {
              leads: chunk.map((id) => ({ id })),
              ...(tokens && tokens.length > 0 && { tokens }),
            },
          },
          // Not idempotent: after a 5xx/604/608/611/timeout/reset it fails OUTCOME_UNKNOWN.
          { idempotent: false, recordsSent: chunk.length },
        ),
      ),
    );
    return { chunks, settled };
  }

  async triggerCampaignLeads(
    campaignId: number,
    leadIds: readonly number[],
    tokens?: readonly CampaignToken[],
  ): Promise<{ calls: number; results: RecordResult[] }> {
    const { chunks, settled } = this.triggerChunks(campaignId, leadIds, tokens);
    const outcomes = await settled;
    const first = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (first && outcomes.every((o) => o.status === 'rejected')) throw first.reason;
    const results = outcomes.flatMap((outcome, i) =>
      (chunks[i] ?? []).map((id): RecordResult => {
        if (outcome.status === 'fulfilled') return { id, status: 'triggered' };
        const e = outcome.reason;
        const reason =
          e instanceof MarketoError
            ? { code: e.code, message: e.message }
            : { code: 'UNKNOWN', message: String(e) };
        return { id, status: 'failed', reasons: [reason] };
      }),
    );
    return { calls: chunks.length, results };
  }

  async triggerCampaign(
    campaignId: number,
    leadIds: readonly number[],
    tokens?: readonly CampaignToken[],
  ): Promise<{ calls: number }> {
    const { chunks, settled } = this.triggerChunks(campaignId, leadIds, tokens);
    const outcomes = await settled;
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    const first = failures[0]?.reason;
    if (first === undefined) return { calls: chunks.length };
    if (failures.length === outcomes.length || !(first instanceof MarketoError)) throw first;
    // Some chunks ran: say so, or a caller's retry of everything would request them twice.
    const done = outcomes.reduce(
      (n, o, i) => n + (o.status === 'fulfilled' ? (chunks[i]?.length ?? 0) : 0),
      0,
    );
    throw new MarketoError(
      {
        ...first.toJSON(),
        message: `${first.message} (${done} of ${leadIds.length} leads were requested by other calls; use triggerCampaignLeads for per-lead results)`,
      },
      { cause: first },
    );
  }

  async scheduleCampaign(
    campaignId: number,
    options: {
      runAt?: string;
      tokens?: readonly CampaignToken[];
      cloneToProgramName?: string;
    } = {},
  ): Promise<void> {
    positiveIds([campaignId], 'campaign id');
    await this.post(
      `/rest/v1/campaigns/${campaignId}/schedule.json`,
      '/rest/v1/campaigns/{id}/schedule.json',
      {
        input: {
          ...(options.runAt !== undefined && { runAt: options.runAt }),
          ...(options.tokens && options.tokens.length > 0 && { tokens: options.tokens }),
          ...(options.cloneToProgramName !== undefined && {
            cloneToProgramName: options.cloneToProgramName,
          }),
        },
      },
      { idempotent: false },
    );
  }

  // ---- Bulk export ------------------------------------------------------------------------

  private exportJobCall(
    entity: ExportEntity,
    exportId: string,
    action: 'enqueue' | 'status' | 'cancel',
  ): Promise<ExportJobStatus> {
    const base = BULK_EXPORT_BASE[entity];
    const path = `${base}/${encodeURIComponent(exportId)}/${action}.json`;
    const endpoint = `${base}/{id}/${action}.json`;
    const call =
      action === 'status'
        ? this.get(path, endpoint)
        : this.post(path, endpoint, undefined, { idempotent: true });
    return call.then((envelope) => first(envelope, parseExportStatus, endpoint));
  }

  /**
   * Creates an export job. A create is not idempotent, so an ambiguous failure is never replayed
   * blindly: Marketo's job list says whether the job exists (`export-reconcile.ts`). Found: that job
   * is returned; not there: the create is sent once more; otherwise OUTCOME_UNKNOWN stands.
   */
  async createExportJob(
    entity: ExportEntity,
    request: ExportCreateRequest,
  ): Promise<ExportJobStatus> {
    const remember = (job: ExportJobStatus) => {
      const known = this.shared.createdExports;
      known.add(job.exportId);
      // Only recent ones matter (a job of a lost answer is minutes old): keep the set small.
      if (known.size > 1000) known.delete(known.values().next().value as string);
      return job;
    };
    for (let attempt = 1; ; attempt++) {
      const sentAt = performance.now();
      try {
        return remember(await this.createExportJobOnce(entity, request));
      } catch (error) {
        if (!(error instanceof MarketoError && error.code === 'OUTCOME_UNKNOWN')) throw error;
        const outcome = await this.reconcileExportCreate(entity, request, sentAt).catch(
          () => undefined,
        );
        if (outcome?.kind === 'found') return remember(outcome.job);
        if (outcome?.kind !== 'none' || attempt >= 2) throw error;
      }
    }
  }

  private async reconcileExportCreate(
    entity: ExportEntity,
    request: ExportCreateRequest,
    sentAt: number,
  ): Promise<ReconcileOutcome> {
    const base = BULK_EXPORT_BASE[entity];
    const envelope = await this.get(
      `${base}.json`,
      `${base}.json`,
      pageParams({}, [['status', 'Created']]),
    );
    const serverNow = serverTimeFromRequestId(envelope.requestId);
    // Without Marketo's clock there is no window to look in: the outcome stays unknown.
    if (serverNow === undefined) return { kind: 'ambiguous', candidates: 0 };
    const jobs = toPage(envelope, parseExportStatus).items.filter(
      (job) => !this.shared.createdExports.has(job.exportId),
    );
    // Created no earlier than the lost call was sent (Marketo time), a few seconds' slack.
    const sinceSent = (performance.now() - sentAt) * this.shared.timeScale;
    return reconcileCreatedExport(jobs, {
      serverNow,
      format: request.format ?? 'CSV',
      windowMs: Math.min(RECONCILE_WINDOW_MS, sinceSent + 5_000),
    });
  }

  private async createExportJobOnce(
    entity: ExportEntity,
    request: ExportCreateRequest,
  ): Promise<ExportJobStatus> {
    const base = BULK_EXPORT_BASE[entity];
    const envelope = await this.post(
      `${base}/create.json`,
      `${base}/create.json`,
      {
        ...(request.fields && { fields: request.fields }),
        ...(request.format && { format: request.format }),
        ...(request.columnHeaderNames && { columnHeaderNames: request.columnHeaderNames }),
        filter: request.filter,
      },
      { idempotent: false },
    );
    return first(envelope, parseExportStatus, `${base}/create.json`);
  }

  async enqueueExportJob(entity: ExportEntity, exportId: string): Promise<ExportJobStatus> {
    try {
      return await this.exportJobCall(entity, exportId, 'enqueue');
    } catch (error) {
      // "Job already queued", or "already completed" (only an enqueued job can complete): an
      // earlier attempt whose answer was lost already did it — report the job as it is.
      if (
        error instanceof MarketoError &&
        ((error.code === '1029' && /already queued/i.test(error.message)) ||
          (error.code === '1003' && /already completed/i.test(error.message)))
      ) {
        return this.exportJobCall(entity, exportId, 'status');
      }
      throw error;
    }
  }

  getExportJobStatus(entity: ExportEntity, exportId: string): Promise<ExportJobStatus> {
    return this.exportJobCall(entity, exportId, 'status');
  }

  cancelExportJob(entity: ExportEntity, exportId: string): Promise<ExportJobStatus> {
    return this.exportJobCall(entity, exportId, 'cancel');
  }

  async listExportJobs(
    entity: ExportEntity,
    options: { status?: string[] } & PageRequest = {},
  ): Promise<Page<ExportJobStatus>> {
    const query: Params = [];
    listParam(query, 'status', options.status);
    const base = BULK_EXPORT_BASE[entity];
    const envelope = await this.get(`${base}.json`, `${base}.json`, pageParams(options, query));
    return toPage(envelope, parseExportStatus);
  }

  downloadExportFile(
    entity: ExportEntity,
    exportId: string,
    options: { start?: number; fileSize?: number } = {},
  ): Readable {
    const base = BULK_EXPORT_BASE[entity];
    return downloadFile(
      this.shared.core,
      this.ctx,
      {
        path: `${base}/${encodeURIComponent(exportId)}/file.json`,
        endpoint: `GET ${base}/{id}/file.json`,
      },
      options,
    );
  }

  // ---- Bulk import ------------------------------------------------------------------------

  async importLeads(file: ImportFile, request: ImportRequest): Promise<ImportJobStatus> {
    const upload = multipartUpload(file, request.format);
    const query: Params = [['format', request.format.toLowerCase()]];
    if (request.lookupField !== undefined) query.push(['lookupField', request.lookupField]);
    if (request.listId !== undefined) query.push(['listId', String(request.listId)]);
    if (request.partitionName !== undefined) query.push(['partitionName', request.partitionName]);
    const endpoint = 'POST /bulk/v1/leads.json';
    try {
      const envelope = await this.json({
        method: 'POST',
        path: '/bulk/v1/leads.json',
        endpoint,
        query,
        body: () => ({ kind: 'stream', contentType: upload.contentType, stream: upload.body() }),
        idempotent: false,
        replayable: upload.replayable,
        compress: true,
      });
      return first(envelope, parseImportStatus, endpoint);
    } catch (error) {
      if (upload.oversize) {
        throw new MarketoError({
          code: 'HTTP_413',
          message: "Import file exceeds Marketo's 10 MB limit; split it before uploading",
          endpoint,
        });
      }
      throw error;
    }
  }

  async getImportJobStatus(batchId: number): Promise<ImportJobStatus> {
    positiveIds([batchId], 'batch id');
    const endpoint = '/bulk/v1/leads/batch/{id}.json';
    const envelope = await this.get(`/bulk/v1/leads/batch/${batchId}.json`, endpoint);
    return first(envelope, parseImportStatus, endpoint);
  }

  private async importResultFile(
    batchId: number,
    kind: 'failures' | 'warnings',
  ): Promise<Readable | null> {
    positiveIds([batchId], 'batch id');
    return this.shared.core.execute<Readable | null>(
      {
        method: 'GET',
        path: `/bulk/v1/leads/batch/${batchId}/${kind}.json`,
        endpoint: `GET /bulk/v1/leads/batch/{id}/${kind}.json`,
        idempotent: true,
      },
      this.ctx,
      async (response) => {
        if (response.status === 404) {
          await response.dump();
          return { ok: true, value: null, recordsRead: 0 };
        }
        const type = String(response.headers['content-type'] ?? '');
        if (response.status !== 200) {
          const text = (await readText(response.body, 300)).trim();
          return {
            ok: false,
            code: `HTTP_${response.status}`,
            message: text || `HTTP ${response.status}`,
            httpStatus: response.status,
          };
        }
        if (type.includes('json')) {
          // A JSON answer here is an envelope (an error, or "no file"), not the file.
          const text = (await readAll(response.body, 1024 * 1024)).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const envelope = parseEnvelope(body);
          if (envelope && !envelope.success) {
            const e = envelope.errors[0];
            return {
              ok: false,
              code: e?.code ?? 'BAD_RESPONSE',
              message: e?.message ?? 'Marketo reported failure',
              ...(envelope.requestId !== undefined && { requestId: envelope.requestId }),
            };
          }
          return { ok: true, value: null, recordsRead: 0 };
        }
        // The file itself, passed on as a stream. An empty body means "no file" (clients see
        // 200 + empty body as well as 404, §9.3), so peek at the first chunk before answering.
        const iterator = response.body[Symbol.asyncIterator]();
        const head = await iterator.next();
        if (head.done) return { ok: true, value: null, recordsRead: 0 };
        let finish: (error?: unknown) => void = () => {};
        async function* rest(): AsyncGenerator<Buffer> {
          let failure: unknown;
          try {
            yield Buffer.from(head.value as Uint8Array);
            for (;;) {
              const next = await iterator.next();
              if (next.done) return;
              yield Buffer.from(next.value as Uint8Array);
            }
          } catch (error) {
            failure = error;
            throw error;
          } finally {
            finish(failure);
            if (!response.body.readableEnded) await response.dump();
          }
        }
        return {
          ok: true,
          value: Readable.from(rest(), { objectMode: false }),
          recordsRead: 0,
          hold: (done) => {
            finish = done;
          },
        };
      },
    );
  }

  getImportFailures(batchId: number): Promise<Readable | null> {
    return this.importResultFile(batchId, 'failures');
  }

  getImportWarnings(batchId: number): Promise<Readable | null> {
    return this.importResultFile(batchId, 'warnings');
  }

  // ---- Usage ------------------------------------------------------------------------------

  async getUsage(): Promise<UsageDay[]> {
    const envelope = await this.get('/rest/v1/stats/usage.json', '/rest/v1/stats/usage.json');
    return toPage(envelope, parseUsageDay).items;
  }

  limiterSnapshot() {
    // A view for an API key (an operation's context) also gets that key's own figures.
    const { principal } = this.ctx;
    return this.shared.limiter.snapshot(principal === undefined ? undefined : { principal });
  }
}

/** Creates the client. Nothing is sent until the first call (the token is fetched lazily). */
export function createMarketoClient(options: MarketoClientOptions): MarketoClient {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError('timeScale must be positive');
  const base = normaliseBaseUrl(options.baseUrl, 'baseUrl');
  const url = new URL(base);
  const prefix = url.pathname === '/' ? '' : url.pathname;
  const concurrency = options.concurrency ?? MARKETO_DEFAULTS.concurrency;
  const logger = options.logger ?? silentLogger;
  const limiter =
    options.limiter ??
    createInProcessRateLimiter({
      concurrency,
      rateLimit: options.rateLimit ?? MARKETO_DEFAULTS.rateLimit,
      rateWindowMs: options.rateWindowMs ?? MARKETO_DEFAULTS.rateWindowMs / timeScale,
      dailyQuota: options.dailyQuota ?? MARKETO_DEFAULTS.dailyQuota,
      ...(options.keyShare !== undefined && { keyShare: options.keyShare }),
    });
  // Two spare sockets so identity calls never queue behind a full set of API calls.
  const rawTransport = createTransport({
    origin: url.origin,
    connections: concurrency + 2,
    ...(options.keepAliveTimeoutMs !== undefined && {
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    }),
  });
  const transport: Transport = prefix
    ? {
        origin: rawTransport.origin,
        send: (request) => rawTransport.send({ ...request, path: `${prefix}${request.path}` }),
        close: () => rawTransport.close(),
      }
    : rawTransport;

  const retry: RetryPolicy = {
    maxRetries: 5,
    baseMs: 500,
    maxMs: 30_000,
    rateBaseMs: 4_000 / timeScale,
    rateMaxMs: MARKETO_DEFAULTS.rateWindowMs / timeScale,
    concurrencyBaseMs: 100,
    concurrencyMaxMs: 1_000,
    ...options.retry,
  };

  const fetchToken = createIdentityFetcher({
    transport,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    retry,
    logger,
    redact: (text: string) => redact(text),
  });

  const tokens = createTokenManager({
    store: options.tokenStore ?? createMemoryTokenStore(),
    fetchToken,
    timeScale,
    ...(options.tokenRefreshMarginMs !== undefined && {
      refreshMarginMs: options.tokenRefreshMarginMs,
    }),
  });

  const secrets = function* () {
    yield options.clientSecret;
    yield* tokens.seenTokens();
  };
  const redact = createRedactor(secrets);

  const core = createCore({
    transport,
    limiter,
    tokens,
    logger,
    retry,
    deadlineMs: options.deadlineMs ?? 300_000,
    secrets,
    ...(options.random && { random: options.random }),
    ...(options.onCall && { onCall: options.onCall }),
  });
  return new Client({ core, transport, limiter, tokens, timeScale, createdExports: new Set() }, {});
}
