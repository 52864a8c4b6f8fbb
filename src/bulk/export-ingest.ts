/**
 * One export part's file, from Marketo to readable rows: downloaded (Range resume, SHA-256
 * check) and parsed as the bytes arrive (csv-parse → row store on disk), DOWNLOADING then PARSING
 * then INGESTED, every step saved on the job record.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DiskWriteError, isDiskErrno } from '../jobs/disk.js';
import type { MarketoApi } from '../marketo/api.js';
import { DownloadFailure, downloadVerified } from './download.js';
import { Cancelled, type ExportRecordAccess } from './export-state.js';
import {
  type IngestOptions,
  type IngestResult,
  ingestFile,
  ParseFailure,
  startIngest,
} from './ingest.js';
import { RegistryUnavailableError } from './job-registry.js';
import { RowStore } from './row-store.js';
import type { ExportJobRecord, ExportPart } from './types.js';

/** Parse errors kept per job (the first of them is named in its error). */
export const MAX_ROW_ERRORS = 100;

export interface PartIngestDeps extends ExportRecordAccess {
  jobDir: (job: ExportJobRecord) => string;
  /** Download attempts (each resumes where the last stopped) before the job fails. */
  downloadAttempts: number;
  /** First delay between download attempts, real ms (doubles each time). */
  downloadRetryMs: number;
  /** Minimum real ms between two progress events of one job. */
  progressIntervalMs: number;
}

export class PartIngester {
  constructor(private readonly deps: PartIngestDeps) {}

  /** The job and its part, which exist while a runner works on them. */
  private async part(key: string, index: number) {
    const job = await this.deps.read(key);
    const part = job?.parts[index];
    const exportId = part?.exportId;
    // A record missing for now (a shared registry restarted empty) comes back: the runner waits.
    if (!job) throw new RegistryUnavailableError();
    if (!part || !exportId) throw new Cancelled(`export ${key} part ${index} is gone`);
    return { job, part, exportId };
  }

  /** Changes one part (and the job) in one saved step. */
  private change(
    key: string,
    index: number,
    mutate: (part: ExportPart, job: ExportJobRecord) => void,
  ): Promise<ExportJobRecord | undefined> {
    return this.deps.update(key, (job) => {
      const part = job.parts[index];
      if (part) mutate(part, job);
    });
  }

  /**
   * Downloads and parses one part's file in a single pass: bytes are hashed, written to disk (the
   * Range resume point, and the input of a restart after verification) and fed to csv-parse →
   * row store as they arrive, so rows are readable during DOWNLOADING. They are the bytes
   * received; the checksum is verified at the end (PARSING then finishes the last rows), and on
   * a mismatch the part's rows are dropped and parsed again from the file fetched anew.
   */
  async ingestPart(
    key: string,
    index: number,
    api: MarketoApi,
    signal: AbortSignal,
    sleep: (realMs: number) => Promise<void>,
  ): Promise<void> {
    const { job, part, exportId } = await this.part(key, index);
    const dir = this.deps.jobDir(job);
    const file = join(dir, `part-${index}.download`);
    await mkdir(dir, { recursive: true });
    // Rows of earlier parts stay; anything of this part (cut short by a restart) is redone.
    const from = index > 0 ? (job.parts[index - 1]?.rowsEnd ?? job.rowsEnd) : { rows: 0, bytes: 0 };
    const verified = part.local === 'PARSING'; // a restart after the file was verified
    // Readers stop seeing this part's rows before the store is cut back to `from`.
    await this.change(key, index, (p, j) => {
      if (!verified) p.local = 'DOWNLOADING';
      p.rowsParsed = 0;
      j.rowsEnd = from;
      if (index === 0) delete j.columns;
    });
    const ingestOptions: IngestOptions = {
      format: job.format,
      types: job.columnTypes,
      store: new RowStore(dir),
      from,
      signal,
      commitEveryMs: this.deps.progressIntervalMs,
      maxRowErrors: MAX_ROW_ERRORS,
      onCommit: async (mark, rows, header) => {
        await this.change(key, index, (p, j) => {
          p.rowsParsed = rows;
          j.rowsEnd = mark;
          if (header && !j.columns) j.columns = [...header];
        });
      },
    };
    let result: IngestResult;
    try {
      result = verified
        ? await ingestFile({ ...ingestOptions, file })
        : await this.downloadAndParse(key, index, api, signal, sleep, file, ingestOptions);
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
      // The row store could not be written: a disk fault (the runner fails the job with it).
      if (isDiskErrno(error.code)) throw new DiskWriteError(dir, error);
      await this.deps.fail(key, {
        code: error.code,
        message: `Export ${part.exportId} could not be parsed: ${error.message}`,
        exportId,
      });
      throw new Cancelled('failed');
    }
    const { end, rows, malformed, rowErrors, header } = result;
    if (part.numberOfRecords !== undefined && part.numberOfRecords !== rows + malformed) {
      this.deps.logger.warn('row count differs from Marketo numberOfRecords', {
        jobId: job.id,
        exportId: part.exportId,
        numberOfRecords: part.numberOfRecords,
        parsed: rows,
        malformed,
      });
    }
    const columns = index === 0 ? undefined : job.columns;
    if (header && columns && header.join('\u0000') !== columns.join('\u0000')) {
      await rm(file, { force: true });
      // Parts of one job share fields and headers; anything else would mislabel rows.
      await this.deps.fail(key, {
        code: 'HEADER_MISMATCH',
        message: `Export ${part.exportId} has columns ${header.join(', ')}; expected ${columns.join(', ')}`,
        exportId,
      });
      throw new Cancelled('failed');
    }
    await this.change(key, index, (p, j) => {
      p.rowsParsed = rows;
      p.rowsEnd = end;
      p.local = 'INGESTED';
      j.rowsEnd = end;
      if (header && !j.columns) j.columns = [...header];
      const firstError = rowErrors[0];
      if (malformed > 0 && firstError) {
        j.rowErrors = [...(j.rowErrors ?? []), ...rowErrors].slice(0, MAX_ROW_ERRORS);
        j.error = {
          code: 'MALFORMED_ROW',
          message: `${malformed} malformed row(s) in export ${part.exportId}; first at line ${firstError.line}: ${firstError.message}`,
          line: firstError.line,
          exportId,
        };
      }
    });
    // Only now: a restart before INGESTED was saved parses the part again from this file.
    await rm(file, { force: true });
  }

  /** The download (DOWNLOADING) feeding the parse; PARSING once verified, until the last row. */
  private async downloadAndParse(
    key: string,
    index: number,
    api: MarketoApi,
    signal: AbortSignal,
    sleep: (realMs: number) => Promise<void>,
    file: string,
    ingestOptions: IngestOptions,
  ): Promise<IngestResult> {
    const { job, part, exportId } = await this.part(key, index);
    const from = ingestOptions.from;
    let ingest = await startIngest(ingestOptions);
    let lastProgress = Date.now();
    let progressFailed = false;
    let bytes: number;
    try {
      bytes = await downloadVerified({
        open: (start) =>
          api.downloadExportFile(job.entity, exportId, {
            start,
            ...(part.fileSize !== undefined && { fileSize: part.fileSize }),
          }),
        file,
        ...(part.fileSize !== undefined && { fileSize: part.fileSize }),
        ...(part.fileChecksum !== undefined && { checksum: part.fileChecksum }),
        what: `export ${part.exportId}`,
        attempts: this.deps.downloadAttempts,
        retryDelayMs: this.deps.downloadRetryMs,
        sleep,
        signal,
        onBytes: (chunk) => ingest.write(chunk),
        onRestart: async () => {
          // The bytes parsed so far were not Marketo's file: drop their rows, start over.
          await ingest.abort();
          await this.change(key, index, (p, j) => {
            p.rowsParsed = 0;
            j.rowsEnd = from;
            if (index === 0) delete j.columns;
          });
          ingest = await startIngest(ingestOptions);
        },
        onProgress: (done) => {
          if (Date.now() - lastProgress < this.deps.progressIntervalMs) return;
          lastProgress = Date.now();
          // The interval restarts once watchers were served (see startIngest's commits).
          this.change(key, index, (p) => {
            p.bytesDownloaded = done;
          }).then(
            () =>
              setImmediate(() => {
                lastProgress = Date.now();
              }),
            // Progress only: the next one (or the final count) is saved again. Logged once.
            (error: unknown) => {
              if (!progressFailed)
                this.deps.logger.warn('export progress not saved', { key, error });
              progressFailed = true;
            },
          );
        },
        onRetry: ({ bytes: at, attempts, error }) =>
          this.deps.logger.warn('export download interrupted', {
            jobId: job.id,
            exportId: part.exportId,
            bytes: at,
            attempts,
            error,
          }),
      });
    } catch (error) {
      await ingest.abort();
      if (!(error instanceof DownloadFailure)) throw error;
      // No unverified rows of this part stay behind a failed download.
      await this.change(key, index, (p, j) => {
        p.rowsParsed = 0;
        j.rowsEnd = from;
        j.error = { code: error.code, message: error.message, exportId: exportId };
      });
      throw new Cancelled('failed');
    }
    await this.change(key, index, (p) => {
      p.bytesDownloaded = bytes;
      p.local = 'PARSING';
    });
    return ingest.end();
  }
}
