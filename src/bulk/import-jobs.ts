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
import { setMaxListeners } from 'node:events';
import { createReadStream } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { GatewayError, InputError, NotFoundError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ImportJobStatus, ImportRequest, MarketoApi } from '../marketo/api.js';
import { ConfigError, MarketoError } from '../marketo/errors.js';
import { IMPORT_FILE_MAX_BYTES, IMPORT_MAX_BYTES } from '../marketo/import-upload.js';
import type { DelimitedFormat } from './delimited.js';
import { originDirName, positiveInt } from './export-config.js';
import {
  type ImportIssueKind,
  type ImportRowIssue,
  locateIssues,
  type RawIssue,
  readIssueFile,
} from './import-issues.js';
import { openRows, type SplitPart } from './import-split.js';
import {
  createMemoryJobRegistry,
  type JobRegistry,
  RegistryUnavailableError,
} from './job-registry.js';

export type { ImportRowIssue } from './import-issues.js';

/**
 * Marketo's states, plus the gateway's: SPLITTING while the input is still being cut into files,
 * PARTIAL when some of a split job's Marketo jobs completed and others failed (or the input broke
 * off after some parts were sent).
 */
export type ImportJobState =
  'SPLITTING' | 'QUEUED' | 'IMPORTING' | 'COMPLETE' | 'PARTIAL' | 'FAILED';

const TERMINAL: ReadonlySet<ImportJobState> = new Set(['COMPLETE', 'PARTIAL', 'FAILED']);
export const isImportTerminal = (state: ImportJobState): boolean => TERMINAL.has(state);

export interface ImportJobError {
  /**
   * Marketo's code, or BAD_USER_INPUT (the input broke off), POLL_FAILED, SUBMIT_FAILED,
   * OWNER_LOST (the instance holding the input stopped before sending these rows).
   */
  code: string;
  message: string;
  batchId?: number;
}

/** One Marketo import job behind a gateway job. */
export interface ImportPartRecord {
  index: number;
  /** 1-based original number of its first row, and how many rows it holds. */
  firstRow: number;
  rows: number;
  bytes: number;
  /** Its file as sent, relative to the import data dir (removed once the part is finished). */
  file?: string;
  batchId?: number;
  /** Queued | Importing | Complete | Failed as Marketo spells it; absent until submitted. */
  marketoStatus?: string;
  processed: number;
  failed: number;
  warned: number;
  message?: string;
  /** Set while Marketo's import queue is full and the part waits in the gateway's queue. */
  waiting?: string;
  error?: ImportJobError;
  /** Failures and warnings read (the part is finished for the gateway). */
  done: boolean;
}

export interface ImportJobRecord {
  id: string;
  status: ImportJobState;
  format: DelimitedFormat;
  lookupField: string;
  listId?: number;
  partitionName?: string;
  columns: string[];
  parts: ImportPartRecord[];
  /** Every input row has been written to a part. */
  splitDone: boolean;
  failures: ImportRowIssue[];
  warnings: ImportRowIssue[];
  error?: ImportJobError;
  /** Directory of its part files, relative to the import data dir. */
  dir?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

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
}

/** How long finished jobs are kept (then forgotten at the next start). */
const RETENTION_MS = 7 * 86_400_000;

const normalize = (status: string | undefined) => (status ?? '').toLowerCase();
const marketoDone = (status: string | undefined) =>
  ['complete', 'completed', 'failed'].includes(normalize(status));

function overallState(job: ImportJobRecord): ImportJobState {
  const sent = job.parts.filter((p) => p.batchId !== undefined || p.error);
  if (!job.splitDone) return 'SPLITTING';
  if (job.parts.length === 0 || job.parts.every((p) => p.done)) {
    const ok = job.parts.filter((p) => !p.error && normalize(p.marketoStatus) !== 'failed');
    if (ok.length === 0) return 'FAILED';
    return ok.length === job.parts.length && !job.error ? 'COMPLETE' : 'PARTIAL';
  }
  const started = sent.some(
    (p) => p.done || ['importing', 'complete', 'failed'].includes(normalize(p.marketoStatus)),
  );
  return started ? 'IMPORTING' : 'QUEUED';
}

function applyStatus(part: ImportPartRecord, status: ImportJobStatus): void {
  part.batchId = status.batchId;
  part.marketoStatus = status.status;
  part.processed = status.numOfLeadsProcessed ?? part.processed;
  part.failed = status.numOfRowsFailed ?? part.failed;
  part.warned = status.numOfRowsWithWarning ?? part.warned;
  if (status.message) part.message = status.message;
  delete part.waiting;
}

const errorOf = (error: unknown, fallback: string, batchId?: number): ImportJobError => ({
  code: error instanceof MarketoError || error instanceof GatewayError ? error.code : fallback,
  message: error instanceof Error ? error.message : String(error),
  ...(batchId !== undefined && { batchId }),
});

/** Marketo's queue is full (1016) or the list is being imported into (1019): wait, don't fail. */
const mustWait = (error: unknown) =>
  error instanceof MarketoError && (error.code === '1016' || error.code === '1019');

const rowRange = (first: number, rows: number): string =>
  rows <= 1 ? `${first}` : `${first}–${first + rows - 1}`;

/**
 * What an adopter records for the rows the dead owner never sent: each unsent part fails with
 * OWNER_LOST, and so does the job, naming every row range (rows still unread included).
 */
function markOwnerLost(job: ImportJobRecord): void {
  const ranges: string[] = [];
  for (const part of job.parts) {
    if (part.batchId !== undefined || part.done) continue;
    part.error = {
      code: 'OWNER_LOST',
      message: `Rows ${rowRange(part.firstRow, part.rows)} were never sent to Marketo: the gateway instance holding the input stopped before submitting them`,
    };
    part.done = true;
    delete part.waiting;
    ranges.push(rowRange(part.firstRow, part.rows));
  }
  if (!job.splitDone) {
    const next = job.parts.reduce((n, part) => Math.max(n, part.firstRow + part.rows), 1);
    ranges.push(`${next} onwards (if the input had any)`);
    job.splitDone = true;
  }
  if (ranges.length === 0) return;
  job.error = {
    code: 'OWNER_LOST',
    message: `The gateway instance that received this import stopped before sending rows ${ranges.join(', ')} to Marketo; they were not imported: send them again`,
  };
}

/** Waits `realMs`, or less when `signal` aborts. */
function sleep(realMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, realMs);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

class Aborted extends Error {}

interface Runner {
  abort: AbortController;
  done: Promise<void>;
}

export class ImportJobManager {
  private readonly client: MarketoApi;
  private readonly maxFileBytes: number;
  private readonly pollIntervalMs: number;
  private readonly queueRetryMs: number;
  private readonly maxAttempts: number;
  private readonly dataDir: string;
  private readonly deleteDataOnClose: boolean;
  private readonly adoptIntervalMs: number | undefined;
  private readonly logger: Logger;
  readonly upsertBulkThreshold: number;
  private readonly injectedRegistry: JobRegistry<ImportJobRecord> | undefined;
  private registry: JobRegistry<ImportJobRecord> | undefined;
  private readonly byBatch = new Map<number, string>();
  /** Jobs this instance follows (holding their claim), by id. */
  private readonly runners = new Map<string, Runner>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Submissions go out one at a time, first come first served, across every job. */
  private submitting: Promise<unknown> = Promise.resolve();
  private adoptTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(options: ImportJobManagerOptions) {
    this.client = options.client;
    this.maxFileBytes = Math.min(
      options.maxFileBytes ?? IMPORT_FILE_MAX_BYTES,
      IMPORT_FILE_MAX_BYTES,
    );
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.queueRetryMs = options.queueRetryMs ?? this.pollIntervalMs;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.dataDir =
      options.dataDir ??
      join(tmpdir(), `marketo-gateway-imports-${process.pid}-${randomUUID().slice(0, 8)}`);
    this.deleteDataOnClose = options.deleteDataOnClose ?? options.dataDir === undefined;
    this.adoptIntervalMs = options.adoptIntervalMs;
    this.injectedRegistry = options.registry;
    this.upsertBulkThreshold = options.upsertBulkThreshold ?? 10_000;
    this.logger = (options.logger ?? silentLogger).child({ component: 'import-jobs' });
  }

  /** Loads the registry and follows every unfinished job nobody else follows. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.resume();
    return this.started;
  }

  private async resume(): Promise<void> {
    this.registry =
      this.injectedRegistry ??
      (await createMemoryJobRegistry<ImportJobRecord>({
        file: join(this.dataDir, 'import-jobs.json'),
        isActive: (job) => !isImportTerminal(job.status),
      }));
    const all = await this.registry.list();
    for (const job of all) {
      if (isImportTerminal(job.status) && Date.now() - Date.parse(job.updatedAt) > RETENTION_MS) {
        await this.registry.delete(job.id);
        await this.removeFiles(job);
      }
    }
    const unfinished = all
      .filter((job) => !isImportTerminal(job.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const job of unfinished) this.adopt(job.id);
    const every = this.adoptIntervalMs;
    if (every !== undefined && !this.closed) {
      this.adoptTimer = setInterval(() => void this.adoptOrphans().catch(() => {}), every);
      this.adoptTimer.unref();
    }
  }

  private async reg(): Promise<JobRegistry<ImportJobRecord>> {
    await this.start();
    return this.registry!;
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
    const registry = await this.reg();
    const rows = await openRows(input.source, {
      format: input.format,
      argument: input.argument,
      check: input.checkHeader,
    });
    const partsDir = join(this.dataDir, 'parts');
    await mkdir(partsDir, { recursive: true });
    const dir = await mkdtemp(join(partsDir, 'import-'));
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
      firstStatus = await this.queued(() => this.submitOnce(api, first, request));
    } catch (error) {
      await parts.return(undefined);
      await rm(dir, { recursive: true, force: true });
      throw error;
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
      parts: [this.newPart(first)],
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
    const runner = this.newRunner(id);
    const held =
      runner !== undefined &&
      (await registry
        .claim(id, () => runner.abort.abort(new Aborted('claim lost')))
        .catch(() => {
          this.dropRunner(id, runner);
          return false;
        }));
    try {
      await registry.save(id, job);
    } catch (error) {
      if (held) await registry.release(id);
      if (runner) this.dropRunner(id, runner);
      await parts.return(undefined);
      this.logger.error('import job could not be recorded', {
        jobId: id,
        batchId: firstStatus?.batchId,
        error,
      });
      throw error;
    }
    this.logger.info('import job created', { jobId: id, batchId: firstStatus?.batchId });
    if (held && runner) {
      this.launch(id, runner, (signal) =>
        this.split(id, dir, first, firstStatus !== undefined, parts, request, signal),
      );
    } else {
      // Someone else follows this id (a batch id another instance picked up at once).
      if (runner) this.dropRunner(id, runner);
      await parts.return(undefined);
    }
    return job;
  }

  /** The job by the gateway's id or any of its Marketo batch ids. */
  async get(id: string): Promise<ImportJobRecord | undefined> {
    const registry = await this.reg();
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
    const part: ImportPartRecord = {
      index: 0,
      firstRow: 1,
      rows: 0,
      bytes: 0,
      processed: 0,
      failed: 0,
      warned: 0,
      done: false,
    };
    const job: ImportJobRecord = {
      id,
      status: 'QUEUED',
      format: 'CSV',
      lookupField: 'email',
      columns: [],
      parts: [part],
      splitDone: true,
      failures: [],
      warnings: [],
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    this.track(job, 0, status);
    job.status = overallState(job);
    const registry = await this.reg();
    await this.withLock(id, async () => {
      if (!(await registry.get(id))) await registry.save(id, job);
    });
    this.adopt(id);
    return (await registry.get(id)) ?? job;
  }

  /**
   * The job now, then every change, ending once it is COMPLETE, PARTIAL or FAILED. Throws
   * NOT_FOUND at once for an id neither the gateway nor Marketo knows.
   */
  async watch(id: string, api?: MarketoApi): Promise<AsyncIterableIterator<ImportJobRecord>> {
    const job = await this.find(id, api);
    if (!job) throw new NotFoundError('Import job', id);
    const registry = await this.reg();
    const events = registry.subscribe(job.id);
    // Listening starts before the current state is read: no change falls between the two.
    const pending = events.next();
    async function* stream(): AsyncGenerator<ImportJobRecord> {
      try {
        let last = (await registry.get(job!.id)) ?? job!;
        yield last;
        let next = pending;
        while (!isImportTerminal(last.status)) {
          const result = await next;
          if (result.done) return;
          next = events.next();
          if (result.value.version <= last.version) continue;
          last = result.value;
          yield last;
        }
      } finally {
        await events.return?.();
      }
    }
    return stream();
  }

  /**
   * Stops polling and submitting and releases this instance's claims: unfinished jobs stay in the
   * registry (with their part files) for another instance or the next start to take over.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.adoptTimer);
    for (const runner of this.runners.values()) runner.abort.abort(new Aborted('closing'));
    await Promise.allSettled([...this.runners.values()].map((r) => r.done));
    await this.started?.catch(() => {});
    await this.registry?.close();
    if (this.deleteDataOnClose) await rm(this.dataDir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- followers (one per job)

  private newRunner(id: string): Runner | undefined {
    if (this.closed || this.runners.has(id)) return undefined;
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const runner: Runner = { abort, done: Promise.resolve() };
    this.runners.set(id, runner);
    return runner;
  }

  private dropRunner(id: string, runner: Runner): void {
    if (this.runners.get(id) === runner) this.runners.delete(id);
  }

  /** Runs `task` under the claim this instance holds for `id`, releasing it after. */
  private launch(id: string, runner: Runner, task: (signal: AbortSignal) => Promise<void>): void {
    const signal = runner.abort.signal;
    runner.done = (async () => {
      try {
        await task(signal);
      } catch (error) {
        // The claim is released below: another pass (here or elsewhere) takes the job over.
        if (!signal.aborted) this.logger.error('import runner crashed', { jobId: id, error });
      } finally {
        await this.registry!.release(id).catch(() => {});
        this.dropRunner(id, runner);
      }
    })();
  }

  /** Follows an unfinished job created elsewhere (or before a restart) once its claim is held. */
  private adopt(id: string): void {
    const runner = this.newRunner(id);
    if (!runner) return;
    runner.done = (async () => {
      const registry = await this.reg();
      const lost = () => runner.abort.abort(new Aborted('claim lost'));
      if (!(await registry.claim(id, lost).catch(() => false))) {
        this.dropRunner(id, runner);
        return;
      }
      this.launch(id, runner, (signal) => this.takeOver(id, signal));
      await runner.done;
    })();
  }

  /** Takes over the unfinished jobs nobody follows (a shared registry whose owner died). */
  private async adoptOrphans(): Promise<void> {
    for (const job of await (await this.reg()).listActive()) {
      if (this.closed) return;
      if (!isImportTerminal(job.status) && !this.runners.has(job.id)) this.adopt(job.id);
    }
  }

  /** An adopter's work: rows the owner never sent are marked lost, the rest followed to the end. */
  private async takeOver(id: string, signal: AbortSignal): Promise<void> {
    let job = await this.read(id, signal);
    if (!job || isImportTerminal(job.status)) return;
    this.logger.info('import job adopted', {
      jobId: id,
      status: job.status,
      batchIds: job.parts.flatMap((p) => (p.batchId !== undefined ? [p.batchId] : [])),
    });
    for (const part of job.parts) {
      if (part.batchId !== undefined) this.byBatch.set(part.batchId, id);
    }
    if (!job.splitDone || job.parts.some((p) => p.batchId === undefined && !p.done)) {
      job = await this.update(id, markOwnerLost, signal);
      if (!job) return;
      this.logger.warn('import rows lost with their instance', { jobId: id, error: job.error });
    }
    const open = job.parts.filter((p) => p.batchId !== undefined && !p.done);
    await Promise.all(open.map((p) => this.follow(id, p.index, signal)));
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
      if (!submitted) await this.submit(id, part, request, signal);
      follows.push(this.follow(id, part.index, signal));
    };
    try {
      await start(first, firstSubmitted);
      let last = first.last;
      while (!last && !signal.aborted) {
        let next: IteratorResult<SplitPart>;
        try {
          next = await parts.next();
        } catch (error) {
          // The input broke off (e.g. an unclosed quote): the parts already sent stand.
          await this.update(
            id,
            (job) => {
              job.error = errorOf(error, 'BAD_USER_INPUT');
              job.splitDone = true;
            },
            signal,
          );
          break;
        }
        if (next.done || signal.aborted) break;
        const part = next.value;
        last = part.last;
        await this.update(
          id,
          (job) => {
            job.parts.push(this.newPart(part));
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

  private newPart(part: SplitPart): ImportPartRecord {
    return { ...newPart(part), file: relative(this.dataDir, part.file) };
  }

  /**
   * Whether the job has reached its end. A runner stopped just after its last part finished must
   * still remove the files: nobody takes over a finished job.
   */
  private async ended(id: string): Promise<boolean> {
    const job = await (await this.reg()).get(id).catch(() => undefined);
    return job !== undefined && isImportTerminal(job.status);
  }

  private async removeFiles(job: ImportJobRecord): Promise<void> {
    if (job.dir) await rm(join(this.dataDir, job.dir), { recursive: true, force: true });
  }

  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /** A registry step, retried while the shared registry is away (until `signal` aborts). */
  private async retrying<T>(signal: AbortSignal | undefined, step: () => Promise<T>): Promise<T> {
    let warned = false;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof RegistryUnavailableError) || !signal) throw error;
        if (signal.aborted) throw new Aborted('aborted');
        if (!warned) this.logger.warn('import runner waiting for the job registry');
        warned = true;
        await sleep(this.pollIntervalMs, signal);
      }
    }
  }

  private async read(id: string, signal: AbortSignal): Promise<ImportJobRecord | undefined> {
    const registry = await this.reg();
    return this.retrying(signal, () => registry.get(id));
  }

  /**
   * Applies a change to the latest version, recomputes the state and saves (and so publishes)
   * it. No-op on a finished job.
   */
  private update(
    id: string,
    mutate: (job: ImportJobRecord) => void,
    signal?: AbortSignal,
  ): Promise<ImportJobRecord | undefined> {
    return this.withLock(id, async () => {
      const registry = await this.reg();
      return this.retrying(signal, async () => {
        const current = await registry.get(id);
        if (!current || isImportTerminal(current.status)) return current;
        const job = structuredClone(current);
        mutate(job);
        job.status = overallState(job);
        job.version = current.version + 1;
        job.updatedAt = new Date().toISOString();
        await registry.save(id, job);
        if (job.status !== current.status) {
          this.logger.info('import job status', {
            jobId: id,
            from: current.status,
            to: job.status,
            ...(job.error && { error: job.error }),
          });
        }
        return job;
      });
    });
  }

  private track(job: ImportJobRecord, index: number, status: ImportJobStatus): void {
    applyStatus(job.parts[index]!, status);
    this.byBatch.set(status.batchId, job.id);
  }

  // ---------------------------------------------------------------- the work

  /** Runs `task` after every submission queued before it (gateway-wide FIFO). */
  private queued<T>(task: () => Promise<T>): Promise<T> {
    const run = this.submitting.then(task, task);
    this.submitting = run.catch(() => {});
    return run;
  }

  /** One upload; undefined when Marketo's queue is full (the caller waits and retries). */
  private async submitOnce(
    api: MarketoApi,
    part: SplitPart,
    request: ImportRequest,
  ): Promise<ImportJobStatus | undefined> {
    try {
      // Reopened per attempt, so the client may replay it after a rejection at the door.
      return await api.importLeads(() => createReadStream(part.file), request);
    } catch (error) {
      if (mustWait(error)) return undefined;
      throw error;
    }
  }

  /** Submits a part, waiting in the gateway's queue while Marketo's is full. */
  private async submit(
    id: string,
    part: SplitPart,
    request: ImportRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const api = this.client.withContext({ signal });
    let attempts = 0;
    await this.queued(async () => {
      while (!signal.aborted) {
        let status: ImportJobStatus | undefined;
        try {
          status = await this.submitOnce(api, part, request);
        } catch (error) {
          if (signal.aborted) return;
          attempts++;
          if (!(error instanceof MarketoError && error.retryable) || attempts >= this.maxAttempts) {
            await this.update(
              id,
              (job) => {
                const p = job.parts[part.index]!;
                p.error = errorOf(error, 'SUBMIT_FAILED');
                p.done = true;
              },
              signal,
            );
            return;
          }
          await sleep(this.queueRetryMs, signal);
          continue;
        }
        if (status) {
          const accepted = status;
          await this.update(id, (job) => this.track(job, part.index, accepted), signal);
          return;
        }
        await this.update(
          id,
          (job) => {
            job.parts[part.index]!.waiting =
              "Marketo's import queue is full (1016 Too many imports); waiting in the gateway's queue";
          },
          signal,
        );
        await sleep(this.queueRetryMs, signal);
      }
    });
  }

  /** Polls one part until Marketo finishes it, then reads its failures and warnings. */
  private async follow(id: string, index: number, signal: AbortSignal): Promise<void> {
    const api = this.client.withContext({ signal });
    let failures = 0;
    try {
      while (!signal.aborted) {
        const part = (await this.read(id, signal))?.parts[index];
        if (!part || part.done || part.batchId === undefined) return;
        if (marketoDone(part.marketoStatus)) break;
        await sleep(this.pollIntervalMs, signal);
        if (signal.aborted) return;
        let status: ImportJobStatus;
        try {
          status = await api.getImportJobStatus(part.batchId);
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          failures++;
          if (!(error instanceof MarketoError && error.retryable) || failures >= this.maxAttempts) {
            await this.update(
              id,
              (job) => {
                const p = job.parts[index]!;
                p.error = errorOf(error, 'POLL_FAILED', part.batchId);
                p.done = true;
              },
              signal,
            );
            return;
          }
          continue;
        }
        await this.update(id, (job) => applyStatus(job.parts[index]!, status), signal);
      }
      if (signal.aborted) return;
      await this.readIssues(id, index, api, signal);
    } catch (error) {
      if (!(error instanceof Aborted) && !signal.aborted) throw error;
    }
  }

  private async readIssues(
    id: string,
    index: number,
    api: MarketoApi,
    signal: AbortSignal,
  ): Promise<void> {
    const job = await this.read(id, signal);
    if (!job) return;
    const part = job.parts[index]!;
    const batchId = part.batchId!;
    const found: Array<{ kind: ImportIssueKind; issue: RawIssue }> = [];
    let header = job.columns;
    let error: ImportJobError | undefined;
    const read = async (kind: ImportIssueKind, count: number) => {
      if (count === 0 && normalize(part.marketoStatus) !== 'failed') return;
      try {
        const stream =
          kind === 'FAILURE'
            ? await api.getImportFailures(batchId)
            : await api.getImportWarnings(batchId);
        if (!stream) return;
        const parsed = await readIssueFile(stream, job.format);
        if (header.length === 0) header = parsed.header;
        for (const issue of parsed.issues) found.push({ kind, issue });
      } catch (e) {
        error = errorOf(e, 'ISSUES_UNREADABLE', batchId);
      }
    };
    await read('FAILURE', part.failed);
    await read('WARNING', part.warned);
    // Stopping mid-read is not a failure to read: whoever takes over reads them again.
    if (signal.aborted) return;
    // The part file as sent (on the data dir the fleet shares); without it row numbers stay null.
    const file = part.file ? join(this.dataDir, part.file) : undefined;
    const present = file
      ? await access(file).then(
          () => true,
          () => false,
        )
      : false;
    const located = await locateIssues({
      partFile: present ? file : undefined,
      format: job.format,
      firstRow: part.firstRow,
      batchId,
      header,
      issues: found,
    });
    if (signal.aborted) return;
    await this.update(
      id,
      (j) => {
        const p = j.parts[index]!;
        p.done = true;
        if (error) p.error = error;
        if (j.columns.length === 0) j.columns = [...header];
        for (const { kind, issue } of located) {
          (kind === 'FAILURE' ? j.failures : j.warnings).push(issue);
        }
        const byRow = (a: ImportRowIssue, b: ImportRowIssue) =>
          (a.rowNumber ?? Number.MAX_SAFE_INTEGER) - (b.rowNumber ?? Number.MAX_SAFE_INTEGER);
        j.failures.sort(byRow);
        j.warnings.sort(byRow);
      },
      signal,
    );
    if (file) await rm(file, { force: true });
  }

  /** Every job the registry holds (the fleet's with Redis); metrics count them by state. */
  async list(): Promise<ImportJobRecord[]> {
    return (await this.reg()).list();
  }
}

function newPart(part: SplitPart): ImportPartRecord {
  return {
    index: part.index,
    firstRow: part.firstRow,
    rows: part.rows,
    bytes: part.bytes,
    processed: 0,
    failed: 0,
    warned: 0,
    done: false,
  };
}

/**
 * IMPORT_MAX_FILE_BYTES, IMPORT_POLL_INTERVAL_MS and UPSERT_BULK_THRESHOLD, else Marketo's 10 MB,
 * 5 s (Marketo time) and 10 000 rows.
 */
export function importSettingsFromEnv(
  env: Record<string, string | undefined>,
  timeScale: number,
): Pick<ImportJobManagerOptions, 'maxFileBytes' | 'pollIntervalMs' | 'upsertBulkThreshold'> {
  const upsertBulkThreshold = positiveInt(env, 'UPSERT_BULK_THRESHOLD');
  const maxFileBytes = positiveInt(env, 'IMPORT_MAX_FILE_BYTES');
  if (maxFileBytes !== undefined && maxFileBytes > IMPORT_MAX_BYTES) {
    throw new ConfigError(
      'IMPORT_MAX_FILE_BYTES',
      `must be at most ${IMPORT_MAX_BYTES} (Marketo's limit)`,
    );
  }
  const pollIntervalMs = positiveInt(env, 'IMPORT_POLL_INTERVAL_MS');
  return {
    ...(maxFileBytes !== undefined && { maxFileBytes }),
    pollIntervalMs: pollIntervalMs ?? Math.max(10, 5_000 / timeScale),
    ...(upsertBulkThreshold !== undefined && { upsertBulkThreshold }),
  };
}

/**
 * The manager's options for the composition root: the env settings above, and IMPORT_DATA_DIR
 * (default `.data/imports`) with a directory per Marketo origin (batch ids belong to one instance).
 * The embedded sandbox forgets its imports when the process ends: a temporary directory removed
 * on close then, unless IMPORT_DATA_DIR says otherwise.
 */
export function importManagerSettings(options: {
  env?: Record<string, string | undefined>;
  embeddedSandbox: boolean;
  timeScale: number;
  /** The Marketo origin the jobs belong to. */
  origin: string;
}): Omit<ImportJobManagerOptions, 'client'> {
  const env = options.env ?? process.env;
  const configured = env.IMPORT_DATA_DIR?.trim();
  const ephemeral = options.embeddedSandbox && !configured;
  return {
    ...importSettingsFromEnv(env, options.timeScale),
    dataDir: ephemeral
      ? join(tmpdir(), `marketo-gateway-imports-${process.pid}-${randomUUID().slice(0, 8)}`)
      : join(configured || join('.data', 'imports'), originDirName(options.origin)),
    deleteDataOnClose: ephemeral,
  };
}
