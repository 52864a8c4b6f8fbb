/**
 * The work on each part of an import (one Marketo import job): its upload through one
 * gateway-wide queue, first come first served (Marketo's 1016 "Too many imports" / 1019 "Import
 * in progress" wait and retry rather than fail), the intent recorded before each upload, the
 * status polls until Marketo finishes it, and its failures and warnings mapped back to the
 * caller's row numbers.
 */
import { createReadStream } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Aborted, type JobEngine } from '../jobs/engine.js';
import { sleep } from '../jobs/sleep.js';
import type { Logger } from '../logger.js';
import type { ImportJobStatus, ImportRequest, MarketoApi } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import {
  type ImportIssueKind,
  type ImportRowIssue,
  locateIssues,
  type RawIssue,
  readIssueFile,
} from './import-issues.js';
import {
  applyStatus,
  errorOf,
  failPart,
  type ImportJobError,
  type ImportJobRecord,
  type ImportPartRecord,
  marketoDone,
  mustWait,
  normalize,
} from './import-record.js';
import type { SplitPart } from './import-split.js';

export interface ImportPartWorkDeps {
  client: MarketoApi;
  engine: JobEngine<ImportJobRecord>;
  /** IMPORT_DATA_DIR: part files are named relative to it. */
  dataDir: string;
  logger: Logger;
  /** Status poll interval, real ms. */
  pollIntervalMs: number;
  /** Wait before retrying a submission refused for a full queue, real ms. */
  queueRetryMs: number;
  /** Consecutive failed polls (or retryable submit errors) before a part fails. */
  maxAttempts: number;
  /** Records a Marketo status on a part (and which job its batch id belongs to). */
  track: (job: ImportJobRecord, index: number, status: ImportJobStatus) => void;
  /** A file system failure as DISK_WRITE_FAILED (readiness told); other errors unchanged. */
  diskError: (error: unknown) => unknown;
}

export class ImportPartWork {
  private readonly client: MarketoApi;
  private readonly engine: JobEngine<ImportJobRecord>;
  private readonly dataDir: string;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly queueRetryMs: number;
  private readonly maxAttempts: number;
  /** Submissions go out one at a time, first come first served, across every job. */
  private submitting: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ImportPartWorkDeps) {
    this.client = deps.client;
    this.engine = deps.engine;
    this.dataDir = deps.dataDir;
    this.logger = deps.logger;
    this.pollIntervalMs = deps.pollIntervalMs;
    this.queueRetryMs = deps.queueRetryMs;
    this.maxAttempts = deps.maxAttempts;
  }

  /** Changes one part of the job (the part exists: parts are only ever appended). */
  private updatePart(
    id: string,
    index: number,
    mutate: (part: ImportPartRecord, job: ImportJobRecord) => void,
    signal: AbortSignal,
  ): Promise<ImportJobRecord | undefined> {
    return this.engine.update(
      id,
      (job) => {
        const part = job.parts[index];
        if (part) mutate(part, job);
      },
      signal,
    );
  }

  /** Runs `task` after every submission queued before it (gateway-wide FIFO). */
  private queued<T>(task: () => Promise<T>): Promise<T> {
    const run = this.submitting.then(task, task);
    this.submitting = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The first part's upload, through the operation's client view (Marketo's refusals reach the
   * caller); undefined when Marketo's queue is full.
   */
  submitFirst(
    api: MarketoApi,
    part: Pick<SplitPart, 'file'>,
    request: ImportRequest,
  ): Promise<ImportJobStatus | undefined> {
    return this.queued(() => this.submitOnce(api, part, request));
  }

  /** One upload; undefined when Marketo's queue is full (the caller waits and retries). */
  private async submitOnce(
    api: MarketoApi,
    part: Pick<SplitPart, 'file'>,
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

  /**
   * Records the intent to upload a part, durably, before the upload: an adopter finding it (and
   * no batchId) knows the outcome is unknown rather than "never sent".
   */
  private async intend(id: string, index: number, signal: AbortSignal): Promise<void> {
    await this.updatePart(
      id,
      index,
      (part) => {
        part.submitting = true;
      },
      signal,
    );
    const registry = await this.engine.registry();
    await registry.flush?.();
  }

  /** Submits a part, waiting in the gateway's queue while Marketo's is full. */
  async submit(
    id: string,
    part: SplitPart,
    request: ImportRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const api = this.client.withContext({ signal });
    const fail = (error: unknown, code: string) =>
      this.updatePart(id, part.index, (p) => failPart(p, errorOf(error, code)), signal);
    let attempts = 0;
    await this.queued(async () => {
      while (!signal.aborted) {
        try {
          await this.intend(id, part.index, signal);
        } catch (error) {
          if (signal.aborted) return;
          // Not sent: an intent that cannot be recorded would make a crash undecidable.
          await fail(this.deps.diskError(error), 'SUBMIT_FAILED');
          return;
        }
        let status: ImportJobStatus | undefined;
        try {
          status = await this.submitOnce(api, part, request);
        } catch (error) {
          if (signal.aborted) return;
          attempts++;
          if (!(error instanceof MarketoError && error.retryable) || attempts >= this.maxAttempts) {
            await fail(error, 'SUBMIT_FAILED');
            return;
          }
          await this.updatePart(id, part.index, (p) => delete p.submitting, signal);
          await sleep(this.queueRetryMs, signal);
          continue;
        }
        if (status) {
          const accepted = status;
          await this.engine.update(id, (job) => this.deps.track(job, part.index, accepted), signal);
          return;
        }
        await this.updatePart(
          id,
          part.index,
          (p) => {
            delete p.submitting;
            p.waiting =
              "Marketo's import queue is full (1016 Too many imports); waiting in the gateway's queue";
          },
          signal,
        );
        await sleep(this.queueRetryMs, signal);
      }
    });
  }

  /** Polls one part until Marketo finishes it, then reads its failures and warnings. */
  async follow(id: string, index: number, signal: AbortSignal): Promise<void> {
    const api = this.client.withContext({ signal });
    let failures = 0;
    try {
      while (!signal.aborted) {
        const part = (await this.engine.read(id, signal))?.parts[index];
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
            const batchId = part.batchId;
            await this.updatePart(
              id,
              index,
              (p) => failPart(p, errorOf(error, 'POLL_FAILED', batchId)),
              signal,
            );
            return;
          }
          continue;
        }
        await this.updatePart(id, index, (p) => applyStatus(p, status), signal);
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
    const job = await this.engine.read(id, signal);
    const part = job?.parts[index];
    const batchId = part?.batchId;
    if (!job || !part || batchId === undefined) return;
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
        this.logger.warn('import failures or warnings unreadable', {
          jobId: id,
          batchId,
          error: e,
        });
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
    await this.updatePart(
      id,
      index,
      (p, j) => {
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
}
