/**
 * The bulk export lifecycle behind `createExportJob` / `exportJobStatus`:
 * create → enqueue (or wait in the gateway's own queue) → poll with backoff → download (Range
 * resume, SHA-256 check), parsed as the bytes arrive (csv-parse stream → row store on disk) →
 * READY once verified and parsed, publishing every change through the job registry. One runner
 * (poller) per job, whatever the number of watchers.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, NotFoundError } from '../errors.js';
import { asDiskError, type DiskHealth, DiskWriteError } from '../jobs/disk.js';
import { JobEngine, type Runner } from '../jobs/engine.js';
import { adoptedColumnTypes } from './column-types.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ExportJobStatus, FieldDescription, MarketoApi } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import { MARKETO_REQUEST_TIMEOUT_MS } from '../marketo/export-reconcile.js';
import { endpointTimeoutMs } from '../marketo/retry.js';
import { PartIngester } from './export-ingest.js';
import { ExportQueue } from './export-queue.js';
import { ExportPoller } from './export-runner.js';
import { type ExportQuota, ExportQuotaTracker, type MarketoClock } from './export-quota.js';
import { type CreateExportInput, marketoRequest, planExport } from './export-request.js';
import {
  applyStatus,
  Cancelled,
  MARKETO_TERMINAL,
  normalizeStatus,
  overallState,
} from './export-state.js';
import { createMemoryJobRegistry, type JobRegistry } from './job-registry.js';
import { RowStore } from './row-store.js';
import { keyedRowTexts, rowObject } from './keyed-rows.js';
import {
  type ExportEntityName,
  type ExportJobRecord,
  type ExportJobState,
  type ExportPart,
  isTerminal,
  type JobError,
  jobKey,
} from './types.js';

export type { ExportQuota, MarketoClock } from './export-quota.js';
export type { CreateExportInput } from './export-request.js';

const wallClock: MarketoClock = { now: () => Date.now(), timeScale: 1 };

export interface ExportJobManagerOptions {
  client: MarketoApi;
  /** Where the registry, downloads and parsed rows live (EXPORT_DATA_DIR). */
  dataDir: string;
  /** First status poll interval, real ms (EXPORT_POLL_INTERVAL_MS). Marketo asks for ≥ 60 s. */
  pollIntervalMs?: number;
  /** Backoff ceiling while a job's status does not change; default 5 × pollIntervalMs. */
  maxPollIntervalMs?: number;
  /** How long to wait before retrying an enqueue refused for a full queue; default pollIntervalMs. */
  queueRetryMs?: number;
  clock?: MarketoClock;
  logger?: Logger;
  /** Default: in-memory, persisted to `<dataDir>/export-jobs.json`. */
  registry?: JobRegistry;
  /** Marketo's daily export volume (500 MB by default). */
  dailyQuotaBytes?: number;
  /** Download attempts (each resumes where the last stopped) before the job fails. */
  downloadAttempts?: number;
  /** First delay between download attempts, real ms (doubles each time). */
  downloadRetryMs?: number;
  /** Minimum real ms between two progress events of one job (DOWNLOADING bytes, PARSING rows). */
  progressIntervalMs?: number;
  /**
   * Lead field describe for validating `fields`, through the given client view (so the call is
   * charged to the asking operation). Default: `api.describeLeads()` cached for 5 minutes.
   */
  describeLeads?: (api: MarketoApi) => Promise<readonly FieldDescription[]>;
  /** Largest date window of one Marketo job, days (31). */
  maxWindowDays?: number;
  /** Consecutive failed status polls before the job is failed. */
  maxPollFailures?: number;
  /**
   * With a registry shared by several instances: how often (real ms) unfinished jobs without a
   * live poller (their owner died) are looked for and taken over. Off by default.
   */
  adoptIntervalMs?: number;
  /** Remove `dataDir` on close (a Marketo that forgets its jobs, like the embedded sandbox). */
  deleteDataOnClose?: boolean;
  /** Told about failed (and again successful) writes under `dataDir`; `/ready` reports them. */
  diskHealth?: DiskHealth;
  /**
   * Real ms after a create whose answer never came (an owner gone mid-call) until Marketo's job
   * list is believed when it shows no job: the create call's timeout and Marketo's own request
   * timeout, by default.
   */
  lostCreateSettleMs?: number;
}

export interface RowsPage<Row = unknown> {
  rows: Row[];
  /** Cursor of each row (same order as rows). */
  cursors: string[];
  startCursor: string | null;
  endCursor: string | null;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

/** `RowsPage` with each row as the UTF-8 JSON text of its keyed object, never a JS object. */
export type RowTextsPage = RowsPage<Buffer>;

/** A page of rows as arrays of cells in `columns` order (the column list once, not per row). */
export interface RowValuesPage extends RowPageInfo {
  values: unknown[][];
}

/** `RowValuesPage` with its rows as stored: the UTF-8 text of their JSON array, unparsed. */
export interface RowJsonPage extends RowPageInfo {
  /** `[[cell,…],…]`: `count` rows. */
  json: Buffer;
  count: number;
}

/** What a page in compact form says besides its rows. */
export interface RowPageInfo {
  columns: readonly string[];
  /** Index of the first row of the page (0-based). */
  start: number;
  startCursor: string | null;
  endCursor: string | null;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

export interface RowPageOptions {
  first?: number | null;
  after?: string | null;
  /** Also the rows parsed so far of a file not yet checked against Marketo's checksum. */
  unverified?: boolean | null;
}

/**
 * Rows of the parts whose file was verified (checksum) and fully parsed, in order: a part's rows
 * follow its predecessor's, so the verified prefix ends at the first part not yet INGESTED.
 */
export function verifiedRows(job: ExportJobRecord): number {
  if (job.status === 'READY') return job.rowsEnd.rows;
  let rows = 0;
  for (const part of job.parts) {
    if (part.local !== 'INGESTED' || !part.rowsEnd) break;
    rows = part.rowsEnd.rows;
  }
  return Math.min(rows, job.rowsEnd.rows);
}

export interface ListExportJobsOptions {
  entity?: ExportEntityName;
  statuses?: readonly ExportJobState[];
  first?: number;
}

const MB = 1024 * 1024;
const MAX_PAGE = 1000;
/** How long finished jobs (and their rows) are kept: Marketo's export file retention. */
const RETENTION_MS = 7 * 86_400_000;

const encodeCursor = (index: number): string => Buffer.from(`row:${index}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^row:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InputError('after', 'not a cursor returned by rows');
  return Number(match[1]);
}

export class ExportJobManager {
  private readonly client: MarketoApi;
  private readonly dataDir: string;
  private readonly pollIntervalMs: number;
  private readonly queueRetryMs: number;
  private readonly clock: MarketoClock;
  private readonly logger: Logger;
  private readonly dailyQuotaBytes: number;
  private readonly describeLeads: (api: MarketoApi) => Promise<readonly FieldDescription[]>;
  private readonly maxWindowDays: number;
  private readonly deleteDataOnClose: boolean;
  private readonly engine: JobEngine<ExportJobRecord>;
  private readonly disk: DiskHealth | undefined;
  /** The gateway's own export queue: parts not yet accepted by Marketo, first come first served. */
  private readonly queue: ExportQueue;
  private readonly poller: ExportPoller;
  private describeCache: { at: number; fields: Promise<readonly FieldDescription[]> } | undefined;
  private readonly quotaTracker: ExportQuotaTracker;

  constructor(options: ExportJobManagerOptions) {
    this.client = options.client;
    this.dataDir = options.dataDir;
    this.pollIntervalMs = options.pollIntervalMs ?? 60_000;
    this.queueRetryMs = options.queueRetryMs ?? this.pollIntervalMs;
    this.clock = options.clock ?? wallClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'export-jobs' });
    this.dailyQuotaBytes = options.dailyQuotaBytes ?? 500 * MB;
    this.describeLeads = options.describeLeads ?? ((api) => this.cachedDescribe(api));
    this.maxWindowDays = options.maxWindowDays ?? 31;
    this.deleteDataOnClose = options.deleteDataOnClose ?? false;
    this.disk = options.diskHealth;
    const injected = options.registry;
    this.engine = new JobEngine<ExportJobRecord>({
      kind: {
        name: 'export',
        keyOf: (job) => jobKey(job.entity, job.id),
        isTerminal: (job) => isTerminal(job.status),
        settle: (job) => {
          if (job.status !== 'CANCELLED') job.status = overallState(job);
        },
        describe: (job) => ({ jobId: job.id, entity: job.entity }),
      },
      openRegistry: async () =>
        injected ??
        createMemoryJobRegistry<ExportJobRecord>({
          file: join(this.dataDir, 'export-jobs.json'),
          isActive: (job) => !isTerminal(job.status),
          logger: this.logger,
          onWrite: (error) => this.wrote(error),
        }),
      logger: this.logger,
      retryMs: this.pollIntervalMs,
      // Finished jobs are kept as long as Marketo keeps export files (7 days), then forgotten.
      retentionMs: RETENTION_MS,
      removeFiles: (job) => rm(this.jobDir(job), { recursive: true, force: true }),
      adopt: (job) => this.adopt(job),
      adoptable: (job) => !job.cancelRequested,
      ...(options.adoptIntervalMs !== undefined && { adoptIntervalMs: options.adoptIntervalMs }),
    });
    this.quotaTracker = new ExportQuotaTracker({
      registry: () => this.reg(),
      clock: this.clock,
      limitBytes: this.dailyQuotaBytes,
      logger: this.logger,
    });
    const read = async (key: string) => (await this.reg()).get(key);
    const update = (key: string, mutate: (job: ExportJobRecord) => void) =>
      this.update(key, mutate);
    const fail = (key: string, error: JobError) => this.fail(key, error);
    this.queue = new ExportQueue({
      client: this.client,
      read,
      update,
      fail,
      wake: (key) => this.engine.runner(key)?.alarm.wake(),
      closed: () => this.engine.isClosed,
      quotaTracker: this.quotaTracker,
      clock: this.clock,
      logger: this.logger,
      queueRetryMs: this.queueRetryMs,
      dailyQuotaBytes: this.dailyQuotaBytes,
      owner: async (key) => (await this.engine.fenced(key))?.signal,
      knownExportIds: async () =>
        new Set(
          (await (await this.reg()).list()).flatMap((job) =>
            job.parts.flatMap((part) => (part.exportId ? [part.exportId] : [])),
          ),
        ),
      flush: async () => (await this.reg()).flush?.(),
      lostCreateSettleMs:
        options.lostCreateSettleMs ??
        endpointTimeoutMs('POST', '/bulk/v1/leads/export/create.json') +
          MARKETO_REQUEST_TIMEOUT_MS / this.clock.timeScale,
    });
    const ingester = new PartIngester({
      read,
      update,
      fail,
      jobDir: (job) => this.jobDir(job),
      logger: this.logger,
      downloadAttempts: options.downloadAttempts ?? 5,
      downloadRetryMs: options.downloadRetryMs ?? Math.min(1000, this.pollIntervalMs),
      progressIntervalMs: options.progressIntervalMs ?? 250,
    });
    this.poller = new ExportPoller({
      client: this.client,
      read,
      update,
      fail,
      ingester,
      queue: this.queue,
      quotaTracker: this.quotaTracker,
      logger: this.logger,
      pollIntervalMs: this.pollIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs ?? this.pollIntervalMs * 5,
      maxPollFailures: options.maxPollFailures ?? 10,
    });
  }

  /** Loads persisted jobs and picks up every unfinished one. Idempotent. */
  async start(): Promise<void> {
    await this.engine.start();
  }

  /** A write under the data dir went well (undefined) or failed: readiness hears of it. */
  private wrote(error: unknown): void {
    if (error === undefined) this.disk?.succeeded(this.dataDir);
    else this.disk?.failed(this.dataDir, error);
  }

  /**
   * Runs an unfinished job here once this instance holds its claim: the parts Marketo has not
   * accepted yet join this instance's queue only then (never two instances creating one part).
   */
  private adopt(job: ExportJobRecord): void {
    const key = jobKey(job.entity, job.id);
    this.ensureRunner(key, async () => {
      const latest = (await this.engine.get(key)) ?? job;
      this.logger.info('resuming export job', {
        jobId: latest.id,
        entity: latest.entity,
        status: latest.status,
      });
      for (const part of latest.parts) {
        if (!part.enqueued) this.queue.add(key, part.index);
      }
      if (this.queue.length > 0) void this.queue.pump();
    });
  }

  private reg(): Promise<JobRegistry> {
    return this.engine.registry();
  }

  // ---------------------------------------------------------------- public API

  /**
   * Validates, creates and enqueues (or queues locally). Throws InputError before any Marketo call
   * for bad input, MarketoError when Marketo refuses the job. The calls made here go through `api`
   * (an operation's client view, so they show in its cost); later ones through the manager's own.
   */
  async create(
    input: CreateExportInput,
    options: { api?: MarketoApi } = {},
  ): Promise<ExportJobRecord> {
    const api = options.api ?? this.client;
    const registry = await this.reg();
    const plan = await planExport(input, () => this.describeLeads(api), this.maxWindowDays);
    await this.quotaTracker.sync(api);
    const now = new Date().toISOString();
    const parts: ExportPart[] = plan.windows.map((window, index) => ({
      index,
      ...(window && { window }),
      enqueued: false,
      bytesDownloaded: 0,
      rowsParsed: 0,
    }));

    // Create the first Marketo job right away when nothing is ahead of us: Marketo's own
    // validation errors (1035 unsupported filter, 1003…) then reach the caller, and a single job
    // keeps Marketo's exportId as its id.
    let id: string = randomUUID();
    const [firstPart] = parts;
    if (firstPart && this.queue.length === 0 && !this.quotaTracker.spent()) {
      try {
        const status = await api.createExportJob(
          plan.entity,
          marketoRequest(plan, plan.windows[0]),
        );
        applyStatus(firstPart, status);
        if (parts.length === 1) id = status.exportId;
      } catch (error) {
        if (!(error instanceof MarketoError && error.code === '1029')) throw error;
        firstPart.waiting = this.queue.waitInfo(error);
        if (firstPart.waiting.reason === 'DAILY_QUOTA') await this.quotaTracker.markSpent();
      }
    }
    const job: ExportJobRecord = {
      id,
      entity: plan.entity,
      format: plan.format,
      fields: plan.fields,
      filter: plan.filter,
      ...(plan.columnHeaderNames && { columnHeaderNames: plan.columnHeaderNames }),
      ...(plan.windowKey && { windowKey: plan.windowKey }),
      columnTypes: plan.columnTypes,
      status: 'CREATED',
      version: 0,
      createdAt: now,
      updatedAt: now,
      parts,
      rowsEnd: { rows: 0, bytes: 0 },
    };
    job.status = overallState(job);
    const key = jobKey(job.entity, job.id);
    // The claim comes before the record: another instance's adoption pass sees a saved job at once,
    // and only the claim holder creates Marketo jobs for its parts.
    const runner = await this.engine.claim(key);
    try {
      await registry.save(key, job);
    } catch (error) {
      if (runner) await this.engine.drop(runner);
      throw error;
    }
    this.logger.info('export job created', {
      jobId: id,
      entity: job.entity,
      parts: parts.length,
      exportIds: parts.flatMap((p) => (p.exportId ? [p.exportId] : [])),
    });
    // Without the claim (a shared registry away for a moment), the adoption pass takes it up.
    if (runner) {
      for (const part of parts) this.queue.add(key, part.index);
      await this.queue.pump();
      this.run(runner);
    }
    return (await registry.get(key)) ?? job;
  }

  /** The job the gateway knows by this id (its own id or any of its Marketo exportIds). */
  async get(id: string, entity: ExportEntityName): Promise<ExportJobRecord | undefined> {
    const registry = await this.reg();
    const direct = await registry.get(jobKey(entity, id));
    if (direct) return direct;
    return (await registry.list()).find(
      (job) => job.entity === entity && job.parts.some((part) => part.exportId === id),
    );
  }

  /**
   * Like `get`, and adopts a Marketo export the gateway has not seen (created by another tool):
   * it is then watched like the gateway's own. Undefined when Marketo does not know it either.
   */
  async find(id: string, entity: ExportEntityName): Promise<ExportJobRecord | undefined> {
    const known = await this.get(id, entity);
    if (known) return known;
    if (!/^[0-9a-f-]{8,64}$/i.test(id)) return undefined;
    let status: ExportJobStatus;
    try {
      status = await this.client.getExportJobStatus(entity, id);
    } catch (error) {
      if (error instanceof MarketoError && !error.retryable) return undefined;
      throw error;
    }
    const now = new Date().toISOString();
    const part: ExportPart = { index: 0, enqueued: false, bytesDownloaded: 0, rowsParsed: 0 };
    applyStatus(part, status);
    part.enqueued = normalizeStatus(status.status) !== 'created';
    const job: ExportJobRecord = {
      id: status.exportId || id,
      entity,
      format: ['CSV', 'TSV', 'SSV'].includes(status.format)
        ? (status.format as ExportJobRecord['format'])
        : 'CSV',
      fields: [],
      filter: {},
      columnTypes: await adoptedColumnTypes(entity, () => this.describeLeads(this.client)),
      status: 'CREATED',
      version: 0,
      createdAt: now,
      updatedAt: now,
      parts: [part],
      rowsEnd: { rows: 0, bytes: 0 },
    };
    if (normalizeStatus(status.status) === 'cancelled') job.status = 'CANCELLED';
    else if (normalizeStatus(status.status) === 'failed') {
      job.error = { code: 'MARKETO_FAILED', message: status.errorMsg ?? 'Marketo export failed' };
    }
    job.status = overallState(job);
    const saved = await this.engine.saveNew(job);
    this.logger.info('adopted Marketo export job', { jobId: job.id, entity });
    this.ensureRunner(jobKey(entity, job.id));
    return saved;
  }

  async list(options: ListExportJobsOptions = {}): Promise<ExportJobRecord[]> {
    const jobs = (await (await this.reg()).list())
      .filter((job) => !options.entity || job.entity === options.entity)
      .filter((job) => !options.statuses?.length || options.statuses.includes(job.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return options.first !== undefined ? jobs.slice(0, options.first) : jobs;
  }

  /** Cancels the job (and its Marketo jobs). A finished job is returned unchanged. */
  async cancel(id: string, entity: ExportEntityName): Promise<ExportJobRecord> {
    const job = await this.get(id, entity);
    if (!job) throw new NotFoundError(`Export job (${entity})`, id);
    if (isTerminal(job.status)) return job;
    const key = jobKey(job.entity, job.id);
    await this.update(key, (j) => {
      j.cancelRequested = true;
    });
    const runner = this.engine.runner(key);
    runner?.abort.abort(new Cancelled('cancelled'));
    await runner?.done;
    const latest = (await (await this.reg()).get(key)) ?? job;
    const confirmed: ExportJobStatus[] = [];
    for (const part of latest.parts) {
      if (!part.exportId || MARKETO_TERMINAL.has(normalizeStatus(part.marketoStatus))) continue;
      try {
        confirmed.push(await this.client.cancelExportJob(entity, part.exportId));
      } catch (error) {
        // Already finished at Marketo (or gone): nothing left to stop there.
        this.logger.warn('cancel at Marketo failed', { jobId: id, exportId: part.exportId, error });
      }
    }
    // One change: Marketo's Cancelled statuses and the job's CANCELLED together.
    const final = await this.update(key, (j) => {
      for (const status of confirmed) {
        const part = j.parts.find((p) => p.exportId === status.exportId);
        if (part) applyStatus(part, status);
      }
      j.status = 'CANCELLED';
      for (const part of j.parts) delete part.waiting;
    });
    await rm(this.jobDir(job), { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.warn('cancelled export files not removed', { jobId: id, error }),
    );
    void this.queue.pump();
    this.logger.info('export job cancelled', { jobId: id, entity });
    return final ?? job;
  }

  /**
   * The job now, then every change, ending after READY, FAILED or CANCELLED. Throws NOT_FOUND at
   * once (before any event) for an id neither the gateway nor Marketo knows.
   */
  async watch(
    id: string,
    entity: ExportEntityName,
  ): Promise<AsyncIterableIterator<ExportJobRecord>> {
    const job = await this.find(id, entity);
    if (!job) throw new NotFoundError(`Export job (${entity})`, id);
    return this.engine.watch(jobKey(job.entity, job.id), job);
  }

  /**
   * A page of parsed rows as stored: arrays of cells in `columns` order, `first` rows after the
   * `after` cursor (index seek, no scan), as the JSON text on disk. Only rows of files whose
   * checksum was verified, unless `unverified` asks for the rows parsed so far of the file still
   * downloading too.
   */
  async rowJson(job: ExportJobRecord, options: RowPageOptions = {}): Promise<RowJsonPage> {
    const first = options.first ?? 100;
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
      throw new InputError('first', `must be between 0 and ${MAX_PAGE}, got ${first}`);
    }
    const start = options.after ? decodeCursor(options.after) + 1 : 0;
    const total = options.unverified ? job.rowsEnd.rows : verifiedRows(job);
    // Never past `total`: rows of a file not verified yet are stored after the verified ones.
    const count = Math.max(0, Math.min(first, total - start));
    const json =
      count === 0
        ? Buffer.from('[]')
        : await new RowStore(this.jobDir(job)).readJson(start, count, job.rowsEnd);
    return {
      columns: job.columns ?? [],
      json,
      count,
      start,
      startCursor: count > 0 ? encodeCursor(start) : null,
      endCursor: count > 0 ? encodeCursor(start + count - 1) : null,
      hasNextPage: start + count < total,
      hasPreviousPage: start > 0,
      totalCount: total,
    };
  }

  /** `rowJson`'s page with its rows parsed. */
  async rowValues(job: ExportJobRecord, options: RowPageOptions = {}): Promise<RowValuesPage> {
    const { json, count, ...info } = await this.rowJson(job, options);
    const values = JSON.parse(json.toString('utf8')) as unknown[][];
    if (values.length !== count) throw new Error('Row store page is not the rows asked for');
    return { ...info, values };
  }

  /** A page of parsed rows as objects keyed by column header (`rowValues`, one object a row). */
  async rows(job: ExportJobRecord, options: RowPageOptions = {}): Promise<RowsPage> {
    const { columns, ...page } = await this.rowCells(job, options);
    return { ...page, rows: page.rows.map((cells) => rowObject(columns, cells)) };
  }

  /** `rows`' page with each row as its cells in `columns` order (parsed, not keyed). */
  async rowCells(
    job: ExportJobRecord,
    options: RowPageOptions = {},
  ): Promise<RowsPage<unknown[]> & { columns: readonly string[] }> {
    const page = await this.rowValues(job, options);
    return {
      columns: page.columns,
      rows: page.values,
      cursors: page.values.map((_, i) => encodeCursor(page.start + i)),
      startCursor: page.startCursor,
      endCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      totalCount: page.totalCount,
    };
  }

  /**
   * `rows`' page with each row as the JSON text `JSON.stringify` would give its object, made from
   * the stored text (keys encoded once a page, cells copied): no row is parsed or built.
   */
  async rowTexts(job: ExportJobRecord, options: RowPageOptions = {}): Promise<RowTextsPage> {
    const { json, count, columns, start, ...info } = await this.rowJson(job, options);
    const rows = keyedRowTexts(json, count, columns);
    return {
      rows,
      cursors: rows.map((_, i) => encodeCursor(start + i)),
      startCursor: info.startCursor,
      endCursor: info.endCursor,
      hasNextPage: info.hasNextPage,
      hasPreviousPage: info.hasPreviousPage,
      totalCount: info.totalCount,
    };
  }

  /** Today's export volume against Marketo's daily quota. */
  quota(): Promise<ExportQuota> {
    return this.quotaTracker.snapshot();
  }

  /** Stops runners (jobs stay persisted in their current state and resume on next start). */
  async close(): Promise<void> {
    if (this.engine.isClosed) return;
    await this.engine.close(async () => {
      // The queue stops with the engine closed; its last step may still be saving.
      await this.queue
        .stop()
        .catch((error: unknown) =>
          this.logger.warn('export queue stopped with an error', { error }),
        );
    });
    if (this.deleteDataOnClose) await rm(this.dataDir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- state helpers

  private jobDir(job: Pick<ExportJobRecord, 'entity' | 'id'>): string {
    return join(this.dataDir, 'exports', `${job.entity}-${job.id}`);
  }

  /**
   * Applies `mutate` to the latest version, recomputes the state and publishes it. No-op on a
   * finished job (so a late runner step cannot overwrite CANCELLED).
   */
  private update(
    key: string,
    mutate: (job: ExportJobRecord) => void,
  ): Promise<ExportJobRecord | undefined> {
    return this.engine.update(key, mutate);
  }

  private async fail(key: string, error: JobError): Promise<void> {
    await this.update(key, (job) => {
      job.error = error;
    });
  }

  private cachedDescribe(api: MarketoApi): Promise<readonly FieldDescription[]> {
    const now = Date.now();
    if (!this.describeCache || now - this.describeCache.at > 5 * 60_000) {
      const fields = api.describeLeads();
      this.describeCache = { at: now, fields };
      fields.catch(() => {
        if (this.describeCache?.fields === fields) this.describeCache = undefined;
      });
    }
    return this.describeCache.fields;
  }

  // ---------------------------------------------------------------- the runner (one per job)

  /**
   * Starts this job's runner unless one runs here; `onClaimed` once the claim is held. A step the
   * shared registry refused is retried where the job stands; a crash fails the job (a disk fault
   * as DISK_WRITE_FAILED, naming the directory, with `/ready` told).
   */
  private ensureRunner(key: string, onClaimed?: () => Promise<void>): void {
    void this.engine.claim(key).then((runner) => {
      if (runner) this.run(runner, onClaimed);
    });
  }

  /** Runs the job under the claim `runner` holds (see `ensureRunner`). */
  private run(runner: Runner, onClaimed?: () => Promise<void>): void {
    const { key } = runner;
    this.engine.launch(
      runner,
      async () => {
        await onClaimed?.();
        const sleep = (realMs: number) => runner.alarm.sleep(realMs);
        await this.engine.retrying(runner.signal, () => this.poller.run(key, runner.signal, sleep));
      },
      async (error) => {
        const cause = asDiskError(this.dataDir, error);
        if (cause instanceof DiskWriteError) this.disk?.failed(this.dataDir, cause, { key });
        await this.fail(key, {
          code: cause instanceof DiskWriteError ? cause.code : 'INTERNAL',
          message: cause instanceof Error ? cause.message : String(cause),
        });
      },
    );
  }
}
