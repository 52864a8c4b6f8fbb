/**
 * The bulk import lifecycle behind `importLeads` / `importJob` / `importJobStatus`: the input is
 * split into Marketo import files on row boundaries (streamed to disk), each part is submitted in
 * order through one gateway-wide queue (Marketo's 1016 "Too many imports" / 1019 "Import in
 * progress" wait and retry rather than fail), polled until Complete/Failed, and its failures and
 * warnings files are mapped back to the caller's original row numbers. Every change is published
 * to watchers, like export jobs.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createPubSub, type PubSubEventTarget } from 'graphql-yoga';
import { GatewayError, InputError, NotFoundError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ImportJobStatus, ImportRequest, MarketoApi } from '../marketo/api.js';
import { ConfigError, MarketoError } from '../marketo/errors.js';
import { IMPORT_FILE_MAX_BYTES, IMPORT_MAX_BYTES } from '../marketo/import-upload.js';
import type { DelimitedFormat } from './delimited.js';
import { positiveInt } from './export-config.js';
import {
  type ImportIssueKind,
  type ImportRowIssue,
  locateIssues,
  type RawIssue,
  readIssueFile,
} from './import-issues.js';
import { openRows, type SplitPart } from './import-split.js';

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
  /** Marketo's code, or BAD_USER_INPUT (the input broke off), POLL_FAILED, SUBMIT_FAILED. */
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
  /** Parent of the split files (the OS temp dir); removed as parts finish. */
  dataDir?: string;
  /** `upsertLeads` with mode AUTO imports in bulk from this many rows on (UPSERT_BULK_THRESHOLD). */
  upsertBulkThreshold?: number;
  logger?: Logger;
}

type Topics = { 'importJob:changed': [id: string, job: ImportJobRecord] };

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

export class ImportJobManager {
  private readonly client: MarketoApi;
  private readonly maxFileBytes: number;
  private readonly pollIntervalMs: number;
  private readonly queueRetryMs: number;
  private readonly maxAttempts: number;
  private readonly dataDir: string;
  private readonly logger: Logger;
  readonly upsertBulkThreshold: number;
  private readonly jobs = new Map<string, ImportJobRecord>();
  private readonly byBatch = new Map<number, string>();
  private readonly pubSub = createPubSub<Topics>({ eventTarget: unlimitedEventTarget() });
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  /** Submissions go out one at a time, first come first served, across every job. */
  private submitting: Promise<unknown> = Promise.resolve();
  private workDir: Promise<string> | undefined;

  constructor(options: ImportJobManagerOptions) {
    this.client = options.client;
    this.maxFileBytes = Math.min(
      options.maxFileBytes ?? IMPORT_FILE_MAX_BYTES,
      IMPORT_FILE_MAX_BYTES,
    );
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.queueRetryMs = options.queueRetryMs ?? this.pollIntervalMs;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.dataDir = options.dataDir ?? tmpdir();
    this.upsertBulkThreshold = options.upsertBulkThreshold ?? 10_000;
    this.logger = (options.logger ?? silentLogger).child({ component: 'import-jobs' });
    setMaxListeners(0, this.abort.signal);
  }

  // ---------------------------------------------------------------- public API

  /**
   * Validates the header, writes the first part and submits it through `api` (the operation's
   * client view) so that Marketo's refusals (unknown list, bad lookup field…) reach the caller;
   * the rest is split, submitted and polled in the background.
   */
  async create(
    input: ImportJobInput,
    options: { api?: MarketoApi } = {},
  ): Promise<ImportJobRecord> {
    const api = options.api ?? this.client;
    const rows = await openRows(input.source, {
      format: input.format,
      argument: input.argument,
      check: input.checkHeader,
    });
    const dir = await mkdtemp(join(await this.baseDir(), 'import-'));
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
      parts: [newPart(first)],
      splitDone: first.last,
      failures: [],
      warnings: [],
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    if (firstStatus) this.track(job, 0, firstStatus);
    job.status = overallState(job);
    this.jobs.set(id, job);
    this.logger.info('import job created', { jobId: id, batchId: firstStatus?.batchId });
    this.background(this.run(job.id, dir, first, firstStatus, parts, request));
    return job;
  }

  /** The job by the gateway's id or any of its Marketo batch ids. */
  get(id: string): ImportJobRecord | undefined {
    const direct = this.jobs.get(id);
    if (direct) return direct;
    const owner = /^\d+$/.test(id) ? this.byBatch.get(Number(id)) : undefined;
    return owner !== undefined ? this.jobs.get(owner) : undefined;
  }

  /**
   * Like `get`, and adopts a Marketo import the gateway has not seen (created by another tool):
   * watched like its own, with row numbers unknown (null). Undefined when Marketo does not know it.
   */
  async find(id: string, api: MarketoApi = this.client): Promise<ImportJobRecord | undefined> {
    const known = this.get(id);
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
    this.jobs.set(id, job);
    this.background(this.follow(id, 0, undefined));
    return job;
  }

  /**
   * The job now, then every change, ending once it is COMPLETE, PARTIAL or FAILED. Throws
   * NOT_FOUND at once for an id neither the gateway nor Marketo knows.
   */
  async watch(id: string, api?: MarketoApi): Promise<AsyncIterableIterator<ImportJobRecord>> {
    const job = await this.find(id, api);
    if (!job) throw new NotFoundError('Import job', id);
    const events = this.pubSub.subscribe('importJob:changed', job.id);
    const pending = events.next();
    const current = () => this.jobs.get(job.id) ?? job;
    async function* stream(): AsyncGenerator<ImportJobRecord> {
      try {
        let last = current();
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

  /** Stops polling and submitting; split files are removed. */
  async close(): Promise<void> {
    this.abort.abort(new Error('closing'));
    await Promise.allSettled([...this.running]);
    if (this.workDir) await rm(await this.workDir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- state

  private baseDir(): Promise<string> {
    this.workDir ??= mkdir(this.dataDir, { recursive: true }).then(() =>
      mkdtemp(join(this.dataDir, 'marketo-gateway-imports-')),
    );
    return this.workDir;
  }

  private background(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error('import runner crashed', { error });
    });
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  /** Applies a change to the latest version, recomputes the state and publishes it. */
  private update(id: string, mutate: (job: ImportJobRecord) => void): ImportJobRecord | undefined {
    const current = this.jobs.get(id);
    if (!current) return undefined;
    const job = structuredClone(current);
    mutate(job);
    job.status = overallState(job);
    job.version = current.version + 1;
    job.updatedAt = new Date().toISOString();
    this.jobs.set(id, job);
    this.pubSub.publish('importJob:changed', id, job);
    if (job.status !== current.status) {
      this.logger.info('import job status', { jobId: id, from: current.status, to: job.status });
    }
    return job;
  }

  private track(job: ImportJobRecord, index: number, status: ImportJobStatus): void {
    applyStatus(job.parts[index]!, status);
    this.byBatch.set(status.batchId, job.id);
  }

  // ---------------------------------------------------------------- the work

  private sleep(realMs: number): Promise<void> {
    const signal = this.abort.signal;
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
      return await api.importLeads(createReadStream(part.file), request);
    } catch (error) {
      if (mustWait(error)) return undefined;
      throw error;
    }
  }

  /** Submits a part, waiting in the gateway's queue while Marketo's is full. */
  private async submit(id: string, part: SplitPart, request: ImportRequest): Promise<void> {
    const api = this.client.withContext({ signal: this.abort.signal });
    let attempts = 0;
    await this.queued(async () => {
      while (!this.abort.signal.aborted) {
        try {
          const status = await this.submitOnce(api, part, request);
          if (status) {
            this.update(id, (job) => this.track(job, part.index, status));
            return;
          }
          this.update(id, (job) => {
            job.parts[part.index]!.waiting =
              "Marketo's import queue is full (1016 Too many imports); waiting in the gateway's queue";
          });
        } catch (error) {
          attempts++;
          if (!(error instanceof MarketoError && error.retryable) || attempts >= this.maxAttempts) {
            this.update(id, (job) => {
              const p = job.parts[part.index]!;
              p.error = errorOf(error, 'SUBMIT_FAILED');
              p.done = true;
            });
            return;
          }
        }
        await this.sleep(this.queueRetryMs);
      }
    });
  }

  /** Writes the remaining parts, submitting each as it is complete, and follows all of them. */
  private async run(
    id: string,
    dir: string,
    first: SplitPart,
    firstStatus: ImportJobStatus | undefined,
    parts: AsyncGenerator<SplitPart>,
    request: ImportRequest,
  ): Promise<void> {
    const follows: Array<Promise<void>> = [];
    const start = async (part: SplitPart, submitted: boolean) => {
      if (!submitted) await this.submit(id, part, request);
      follows.push(this.follow(id, part.index, part.file));
    };
    try {
      await start(first, firstStatus !== undefined);
      if (!first.last) {
        try {
          for await (const part of parts) {
            if (this.abort.signal.aborted) return;
            this.update(id, (job) => {
              job.parts.push(newPart(part));
              job.splitDone = part.last;
            });
            await start(part, false);
          }
        } catch (error) {
          // The input broke off (e.g. an unclosed quote): the parts already sent stand.
          this.update(id, (job) => {
            job.error = errorOf(error, 'BAD_USER_INPUT');
            job.splitDone = true;
          });
        }
      }
      await Promise.all(follows);
    } finally {
      await parts.return(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Polls one part until Marketo finishes it, then reads its failures and warnings. */
  private async follow(id: string, index: number, file: string | undefined): Promise<void> {
    const api = this.client.withContext({ signal: this.abort.signal });
    let failures = 0;
    while (!this.abort.signal.aborted) {
      const part = this.jobs.get(id)?.parts[index];
      if (!part || part.done) return;
      if (part.batchId === undefined) return;
      if (marketoDone(part.marketoStatus)) break;
      await this.sleep(this.pollIntervalMs);
      if (this.abort.signal.aborted) return;
      try {
        const status = await api.getImportJobStatus(part.batchId);
        failures = 0;
        this.update(id, (job) => applyStatus(job.parts[index]!, status));
      } catch (error) {
        failures++;
        if (!(error instanceof MarketoError && error.retryable) || failures >= this.maxAttempts) {
          this.update(id, (job) => {
            const p = job.parts[index]!;
            p.error = errorOf(error, 'POLL_FAILED', part.batchId);
            p.done = true;
          });
          return;
        }
      }
    }
    if (this.abort.signal.aborted) return;
    await this.readIssues(id, index, file, api);
  }

  private async readIssues(
    id: string,
    index: number,
    file: string | undefined,
    api: MarketoApi,
  ): Promise<void> {
    const job = this.jobs.get(id)!;
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
    const located = await locateIssues({
      partFile: file,
      format: job.format,
      firstRow: part.firstRow,
      batchId,
      header,
      issues: found,
    });
    if (file) await rm(file, { force: true });
    this.update(id, (j) => {
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
    });
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

/** Hundreds of watchers on one job are expected: no MaxListeners warning for them. */
function unlimitedEventTarget(): PubSubEventTarget<Topics> {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target as PubSubEventTarget<Topics>;
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
