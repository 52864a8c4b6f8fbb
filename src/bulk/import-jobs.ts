/**
 * The bulk import lifecycle behind `importLeads` / `importJob` / `importJobStatus`: the input is
 * split into Marketo import files on row boundaries (streamed to disk under IMPORT_DATA_DIR), each
 * part is submitted in order through one gateway-wide queue (Marketo's 1016 "Too many imports" /
 * 1019 "Import in progress" wait and retry rather than fail), polled until Complete/Failed, and its
 * failures and warnings files are mapped back to the caller's original row numbers.
 *
 * Jobs live in a job registry, like exports: in memory persisted to a JSON file under the data
 * dir (a restarted gateway follows what it had submitted), or in Redis with REDIS_URL (every
 * instance hears every change). One instance follows a job at a time (a claim in the registry).
 * The instance that received the input owns splitting and submitting (only it holds the input);
 * a part Marketo accepted (it has a batchId) can be followed by any instance. When the owner dies
 * its claim lapses and another instance (or the restarted one) adopts the job: it follows what was
 * submitted and marks the rows never sent with OWNER_LOST (the job ends PARTIAL or FAILED), never
 * silently dropping them. Part files stay under the data dir until their part is finished, so an
 * adopter on the same (shared) directory still numbers failed rows.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, NotFoundError } from '../errors.js';
import { asDiskError, type DiskHealth, DiskWriteError } from '../jobs/disk.js';
import { JobEngine } from '../jobs/engine.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ImportJobStatus, ImportRequest, MarketoApi } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import { IMPORT_FILE_MAX_BYTES } from '../marketo/import-upload.js';
import type { DelimitedFormat } from './delimited.js';
import { ImportPartWork } from './import-parts.js';
import {
  applyStatus,
  errorOf,
  hasOrphanRows,
  type ImportJobRecord,
  isImportTerminal,
  markOwnerLost,
  newPart,
  overallState,
} from './import-record.js';
import { openRows, type SplitPart } from './import-split.js';
import { createMemoryJobRegistry, type JobRegistry } from './job-registry.js';

export { importManagerSettings, importSettingsFromEnv } from './import-config.js';
export type { ImportRowIssue } from './import-issues.js';
export type {
  ImportJobError,
  ImportJobRecord,
  ImportJobState,
  ImportPartRecord,
} from './import-record.js';
export { isImportTerminal } from './import-record.js';

export interface ImportJobInput {
  /** The delimited text, header first (JSON rows are written to it by the caller). */
  source: Readable;
  format: DelimitedFormat;
  lookupField: string;
  listId?: number;
  partitionName?: string;
  /** Argument named by input errors (`input.data`, `input.file`, `input.rows`). */
  argument: string;
  /** Validates the header (throws InputError) before anything is written or sent. */
  checkHeader: (header: readonly string[]) => Promise<void> | void;
}

export interface ImportJobManagerOptions {
  client: MarketoApi;
  /** Largest file per Marketo import job (IMPORT_MAX_FILE_BYTES; Marketo: under 10 MB). */
  maxFileBytes?: number;
  /** Status poll interval, real ms (IMPORT_POLL_INTERVAL_MS; Marketo asks for 5–30 s). */
  pollIntervalMs?: number;
  /** Wait before retrying a submission refused for a full queue; default pollIntervalMs. */
  queueRetryMs?: number;
  /** Consecutive failed polls (or retryable submit errors) before a part fails. */
  maxAttempts?: number;
  /**
   * IMPORT_DATA_DIR: part files (an adopting instance reads them to number failed rows, so the
   * fleet shares it) and, without a shared registry, `import-jobs.json`. Default: a temporary
   * directory removed on close.
   */
  dataDir?: string;
  /** Remove `dataDir` on close (a Marketo that forgets its jobs, like the embedded sandbox). */
  deleteDataOnClose?: boolean;
  /** Default: in-memory, persisted to `<dataDir>/import-jobs.json`. */
  registry?: JobRegistry<ImportJobRecord>;
  /**
   * With a registry shared by several instances: how often (real ms) unfinished jobs nobody
   * follows (their owner died) are looked for and taken over. Off by default.
   */
  adoptIntervalMs?: number;
  /** `upsertLeads` with mode AUTO imports in bulk from this many rows on (UPSERT_BULK_THRESHOLD). */
  upsertBulkThreshold?: number;
  logger?: Logger;
  /** Told about failed (and again successful) writes under `dataDir`; `/ready` reports them. */
  diskHealth?: DiskHealth;
}

/** How long finished jobs are kept (then forgotten at the next start). */
const RETENTION_MS = 7 * 86_400_000;

export class ImportJobManager {
  private readonly client: MarketoApi;
  private readonly maxFileBytes: number;
  private readonly pollIntervalMs: number;
  private readonly dataDir: string;
  private readonly deleteDataOnClose: boolean;
  private readonly logger: Logger;
  private readonly disk: DiskHealth | undefined;
  readonly upsertBulkThreshold: number;
  private readonly engine: JobEngine<ImportJobRecord>;
  private readonly byBatch = new Map<number, string>();
  private readonly work: ImportPartWork;

  constructor(options: ImportJobManagerOptions) {
    this.client = options.client;
    this.maxFileBytes = Math.min(
      options.maxFileBytes ?? IMPORT_FILE_MAX_BYTES,
      IMPORT_FILE_MAX_BYTES,
    );
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.dataDir =
      options.dataDir ??
      join(tmpdir(), `marketo-gateway-imports-${process.pid}-${randomUUID().slice(0, 8)}`);
    this.deleteDataOnClose = options.deleteDataOnClose ?? options.dataDir === undefined;
    this.upsertBulkThreshold = options.upsertBulkThreshold ?? 10_000;
    this.logger = (options.logger ?? silentLogger).child({ component: 'import-jobs' });
    this.disk = options.diskHealth;
    const injected = options.registry;
    this.engine = new JobEngine<ImportJobRecord>({
      kind: {
        name: 'import',
        keyOf: (job) => job.id,
        isTerminal: (job) => isImportTerminal(job.status),
        settle: (job) => {
          job.status = overallState(job);
        },
        describe: (job) => ({ jobId: job.id }),
      },
      openRegistry: async () =>
        injected ??
        createMemoryJobRegistry<ImportJobRecord>({
          file: join(this.dataDir, 'import-jobs.json'),
          isActive: (job) => !isImportTerminal(job.status),
          logger: this.logger,
          onWrite: (error) => this.wrote(error),
        }),
      logger: this.logger,
      retryMs: this.pollIntervalMs,
      retentionMs: RETENTION_MS,
      removeFiles: (job) => this.removeFiles(job),
      adopt: (job) => this.adopt(job.id),
      ...(options.adoptIntervalMs !== undefined && { adoptIntervalMs: options.adoptIntervalMs }),
    });
    this.work = new ImportPartWork({
      client: this.client,
      engine: this.engine,
      dataDir: this.dataDir,
      logger: this.logger,
      pollIntervalMs: this.pollIntervalMs,
      queueRetryMs: options.queueRetryMs ?? this.pollIntervalMs,
      maxAttempts: options.maxAttempts ?? 10,
      track: (job, index, status) => this.track(job, index, status),
      diskError: (error) => this.diskError(error),
    });
  }

  /** Loads the registry and follows every unfinished job nobody else follows. Idempotent. */
  async start(): Promise<void> {
    await this.engine.start();
  }

  /** A write under the data dir went well (undefined) or failed: readiness hears of it. */
  private wrote(error: unknown): void {
    if (error === undefined) this.disk?.succeeded(this.dataDir);
    else this.disk?.failed(this.dataDir, error);
  }

  // ---------------------------------------------------------------- public API

  /**
   * Validates the header, writes the first part and submits it through `api` (the operation's
   * client view) so that Marketo's refusals (unknown list, bad lookup field…) reach the caller;
   * the rest is split, submitted and polled in the background by this instance.
   */
  async create(
    input: ImportJobInput,
    options: { api?: MarketoApi } = {},
  ): Promise<ImportJobRecord> {
    const api = options.api ?? this.client;
    const registry = await this.engine.registry();
    const rows = await openRows(input.source, {
      format: input.format,
      argument: input.argument,
      check: input.checkHeader,
    });
    let dir: string;
    try {
      const partsDir = join(this.dataDir, 'parts');
      await mkdir(partsDir, { recursive: true });
      dir = await mkdtemp(join(partsDir, 'import-'));
    } catch (error) {
      rows.close();
      throw this.diskError(error);
    }
    const parts = rows.parts({ dir, maxBytes: this.maxFileBytes });
    const request: ImportRequest = {
      format: input.format,
      lookupField: input.lookupField,
      ...(input.listId !== undefined && { listId: input.listId }),
      ...(input.partitionName !== undefined && { partitionName: input.partitionName }),
    };
    let first: SplitPart;
    let firstStatus: ImportJobStatus | undefined;
    try {
      const next = await parts.next();
      if (next.done) throw new InputError(input.argument, 'has a header but no rows');
      first = next.value;
      firstStatus = await this.work.submitFirst(api, first, request);
    } catch (error) {
      await parts.return(undefined);
      await rm(dir, { recursive: true, force: true });
      throw this.diskError(error);
    }
    const now = new Date().toISOString();
    const id = first.last && firstStatus ? String(firstStatus.batchId) : randomUUID();
    const job: ImportJobRecord = {
      id,
      status: 'SPLITTING',
      format: input.format,
      lookupField: input.lookupField,
      ...(input.listId !== undefined && { listId: input.listId }),
      ...(input.partitionName !== undefined && { partitionName: input.partitionName }),
      columns: [...rows.header],
      parts: [newPart(first, relative(this.dataDir, first.file))],
      splitDone: first.last,
      failures: [],
      warnings: [],
      dir: relative(this.dataDir, dir),
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    if (firstStatus) this.track(job, 0, firstStatus);
    job.status = overallState(job);
    // The claim comes before the record: no other instance may adopt a job still being split.
    const runner = await this.engine.claim(id);
    try {
      await registry.save(id, job);
    } catch (error) {
      if (runner) await this.engine.drop(runner);
      await parts.return(undefined);
      this.logger.error('import job could not be recorded', {
        jobId: id,
        batchId: firstStatus?.batchId,
        error,
      });
      throw error;
    }
    this.logger.info('import job created', { jobId: id, batchId: firstStatus?.batchId });
    if (runner) {
      const submitted = firstStatus !== undefined;
      this.engine.launch(runner, ({ signal }) =>
        this.split(id, dir, first, submitted, parts, request, signal),
      );
    } else {
      // Someone else follows this id (a batch id another instance picked up at once).
      await parts.return(undefined);
    }
    return job;
  }

  /** The job by the gateway's id or any of its Marketo batch ids. */
  async get(id: string): Promise<ImportJobRecord | undefined> {
    const registry = await this.engine.registry();
    const direct = await registry.get(id);
    if (direct || !/^\d+$/.test(id)) return direct;
    const batchId = Number(id);
    const owner = this.byBatch.get(batchId);
    const known = owner !== undefined ? await registry.get(owner) : undefined;
    if (known) return known;
    // A part of a split import created on another instance (or before a restart).
    return (await registry.list()).find((job) => job.parts.some((p) => p.batchId === batchId));
  }

  /**
   * Like `get`, and adopts a Marketo import the gateway has not seen (created by another tool):
   * watched like its own, with row numbers unknown (null). Undefined when Marketo does not know it.
   */
  async find(id: string, api: MarketoApi = this.client): Promise<ImportJobRecord | undefined> {
    const known = await this.get(id);
    if (known || !/^\d+$/.test(id)) return known;
    let status: ImportJobStatus;
    try {
      status = await api.getImportJobStatus(Number(id));
    } catch (error) {
      // Marketo answers an unknown batch with 1003/1013 (or 610 for the path).
      if (error instanceof MarketoError && ['1003', '1013', '610'].includes(error.code)) {
        return undefined;
      }
      throw error;
    }
    const now = new Date().toISOString();
    const job: ImportJobRecord = {
      id,
      status: 'QUEUED',
      format: 'CSV',
      lookupField: 'email',
      columns: [],
      parts: [newPart({ index: 0, firstRow: 1, rows: 0, bytes: 0 })],
      splitDone: true,
      failures: [],
      warnings: [],
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    this.track(job, 0, status);
    job.status = overallState(job);
    const saved = await this.engine.saveNew(job);
    this.adopt(id);
    return saved;
  }

  /**
   * The job now, then every change, ending once it is COMPLETE, PARTIAL or FAILED. Throws
   * NOT_FOUND at once for an id neither the gateway nor Marketo knows.
   */
  async watch(id: string, api?: MarketoApi): Promise<AsyncIterableIterator<ImportJobRecord>> {
    const job = await this.find(id, api);
    if (!job) throw new NotFoundError('Import job', id);
    return this.engine.watch(job.id, job);
  }

  /** Every job the registry holds (the fleet's with Redis); metrics count them by state. */
  async list(): Promise<ImportJobRecord[]> {
    return (await this.engine.registry()).list();
  }

  /**
   * Stops polling and submitting and releases this instance's claims: unfinished jobs stay in the
   * registry (with their part files) for another instance or the next start to take over.
   */
  async close(): Promise<void> {
    if (this.engine.isClosed) return;
    await this.engine.close();
    if (this.deleteDataOnClose) await rm(this.dataDir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- runners

  /** Follows an unfinished job created elsewhere (or before a restart) once its claim is held. */
  private adopt(id: string): void {
    this.engine.follow(id, ({ signal }) => this.takeOver(id, signal));
  }

  /**
   * An adopter's work: the rows the owner did not see through are accounted for (never sent, or
   * outcome unknown when it died submitting them), the parts Marketo accepted followed to the end.
   */
  private async takeOver(id: string, signal: AbortSignal): Promise<void> {
    let job = await this.engine.read(id, signal);
    if (!job || isImportTerminal(job.status)) return;
    this.logger.info('import job adopted', {
      jobId: id,
      status: job.status,
      batchIds: job.parts.flatMap((p) => (p.batchId !== undefined ? [p.batchId] : [])),
    });
    for (const part of job.parts) {
      if (part.batchId !== undefined) this.byBatch.set(part.batchId, id);
    }
    if (hasOrphanRows(job)) {
      job = await this.engine.update(id, markOwnerLost, signal);
      if (!job) return;
      this.logger.warn('import rows lost with their instance', { jobId: id, error: job.error });
    }
    const open = job.parts.filter((p) => p.batchId !== undefined && !p.done);
    await Promise.all(open.map((p) => this.work.follow(id, p.index, signal)));
    if (!signal.aborted || (await this.ended(id))) await this.removeFiles(job);
  }

  /** The owner's work: writes the remaining parts, submitting each, and follows all of them. */
  private async split(
    id: string,
    dir: string,
    first: SplitPart,
    firstSubmitted: boolean,
    parts: AsyncGenerator<SplitPart>,
    request: ImportRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const follows: Array<Promise<void>> = [];
    const start = async (part: SplitPart, submitted: boolean) => {
      if (!submitted) await this.work.submit(id, part, request, signal);
      follows.push(this.work.follow(id, part.index, signal));
    };
    try {
      await start(first, firstSubmitted);
      let last = first.last;
      while (!last && !signal.aborted) {
        let next: IteratorResult<SplitPart>;
        try {
          next = await parts.next();
        } catch (error) {
          // The input broke off (e.g. an unclosed quote) or a part file could not be written:
          // the parts already sent stand, the rest is not sent.
          const cause = this.diskError(error);
          if (cause instanceof DiskWriteError) {
            this.logger.error('import part could not be written', { jobId: id, error: cause });
          }
          await this.engine.update(
            id,
            (job) => {
              job.error = errorOf(cause, 'BAD_USER_INPUT');
              job.splitDone = true;
            },
            signal,
          );
          break;
        }
        if (next.done || signal.aborted) break;
        const part = next.value;
        last = part.last;
        await this.engine.update(
          id,
          (job) => {
            job.parts.push(newPart(part, relative(this.dataDir, part.file)));
            job.splitDone = part.last;
          },
          signal,
        );
        await start(part, false);
      }
      await Promise.all(follows);
    } finally {
      await parts.return(undefined);
      await Promise.allSettled(follows);
      // Aborted: the files stay for whoever takes the job over, unless it just ended.
      if (!signal.aborted || (await this.ended(id)))
        await rm(dir, { recursive: true, force: true });
    }
  }

  // ---------------------------------------------------------------- state

  /** A failure of the file system under the data dir as DISK_WRITE_FAILED (readiness told). */
  private diskError(error: unknown): unknown {
    const converted = asDiskError(this.dataDir, error);
    if (converted instanceof DiskWriteError) this.disk?.failed(this.dataDir, converted);
    return converted;
  }

  /**
   * Whether the job has reached its end. A runner stopped just after its last part finished must
   * still remove the files: nobody takes over a finished job.
   */
  private async ended(id: string): Promise<boolean> {
    // A registry away answers "not known to have ended": the files stay for a takeover.
    const job = await this.engine.get(id).catch(() => undefined);
    return job !== undefined && isImportTerminal(job.status);
  }

  private async removeFiles(job: ImportJobRecord): Promise<void> {
    if (job.dir) await rm(join(this.dataDir, job.dir), { recursive: true, force: true });
  }

  private track(job: ImportJobRecord, index: number, status: ImportJobStatus): void {
    const part = job.parts[index];
    if (part) applyStatus(part, status);
    this.byBatch.set(status.batchId, job.id);
  }
}
