/**
 * Parses export bytes into the row store: the delimited reader (row-encoder.ts: bytes straight to
 * the store's JSON lines) with the job's delimiter, cells typed by field, rows appended with
 * backpressure and committed (readable) as parsing goes.
 * Bytes are pushed in (`startIngest`, fed by the download as it arrives) or read from a file
 * (`ingestFile`, a restart after the download was verified). Malformed records are collected with
 * their line numbers, never dropped silently.
 */
import { createReadStream } from 'node:fs';
import type { CellType, DelimitedFormat, RowError } from './delimited.js';
import { RowEncoder } from './row-encoder.js';
import type { RowMark, RowStore } from './row-store.js';

/** The file could not be read as delimited text at all (not one malformed row: those are collected). */
export class ParseFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParseFailure';
  }
}

export interface IngestOptions {
  format: DelimitedFormat;
  types: Readonly<Record<string, CellType>>;
  store: RowStore;
  /** Where this file's rows start in the store (anything after it is dropped first). */
  from: RowMark;
  signal: AbortSignal;
  /** Real ms between commits (the first batch is committed at once). */
  commitEveryMs: number;
  /** Rows up to `mark` are on disk and may be read. */
  onCommit(mark: RowMark, rows: number, header: readonly string[] | undefined): Promise<void>;
  /** Most malformed rows kept in detail (all are counted). */
  maxRowErrors?: number;
}

export interface IngestResult {
  end: RowMark;
  rows: number;
  malformed: number;
  rowErrors: RowError[];
  header: readonly string[] | undefined;
}

/** One file's bytes being parsed into the store, pushed in order as they are received. */
export interface Ingest {
  /** Parses `chunk` next; a promise when the caller should wait (backpressure). */
  write(chunk: Buffer): Promise<void> | undefined;
  /** The file is complete: resolves once every row is on disk; throws ParseFailure. */
  end(): Promise<IngestResult>;
  /** Stops without a result (the bytes were not the file after all, or the job stopped). */
  abort(): Promise<void>;
}

export async function startIngest(options: IngestOptions): Promise<Ingest> {
  const maxRowErrors = options.maxRowErrors ?? 100;
  const appender = await options.store.appender(options.from);
  const rowErrors: RowError[] = [];
  let malformed = 0;
  let rows = 0;
  let header: readonly string[] | undefined;
  const encoder = new RowEncoder(
    {
      format: options.format,
      types: new Map(Object.entries(options.types)),
      onRowError: (error) => {
        malformed++;
        if (rowErrors.length < maxRowErrors) rowErrors.push(error);
      },
      // Rows are stored as arrays; the header is kept once, by the caller.
      onHeader: (names) => {
        header = names;
      },
    },
    {
      lines: (data, ends) => {
        rows += ends.length;
        return appender.appendLines(data, ends);
      },
      row: (cells) => {
        rows++;
        return appender.append(cells);
      },
    },
  );
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    encoder.destroy();
  };
  // One commit at a time, in the background: the bytes go on being parsed meanwhile.
  let committing: Promise<void> | undefined;
  let lastCommit = 0;
  const commitIfDue = () => {
    if (committing || rows === 0 || Date.now() - lastCommit < options.commitEveryMs) return;
    lastCommit = Date.now();
    committing = (async () => {
      await options.onCommit(await appender.commit(), rows, header);
      // Count the interval from after the commit's watchers were served (their deliveries run
      // as microtasks, before setImmediate): with thousands of subscribers a progress event
      // can take longer than the interval, and would otherwise starve the parse.
      await new Promise((resolve) => setImmediate(resolve));
      lastCommit = Date.now();
    })().then(() => {
      committing = undefined;
    }, fail);
  };
  let ended = false;
  return {
    write(chunk) {
      // After a parse failure the rest of the bytes are still downloaded and verified (a
      // corrupted transfer is fetched again), but there is nothing left to parse them into.
      if (ended || failure) return undefined;
      let wait: Promise<void> | undefined;
      try {
        wait = encoder.write(chunk);
      } catch (error) {
        fail(error);
        return undefined;
      }
      commitIfDue();
      return wait?.catch(fail);
    },
    async end() {
      ended = true;
      if (!failure) await encoder.end().catch(fail);
      await committing;
      if (failure) {
        await appender.abort();
        if (options.signal.aborted) throw options.signal.reason;
        const { error } = failure;
        throw new ParseFailure(
          (error as { code?: string }).code ?? 'PARSE_FAILED',
          error instanceof Error ? error.message : String(error),
        );
      }
      const end = await appender.finish();
      return { end, rows, malformed, rowErrors, header };
    },
    async abort() {
      ended = true;
      fail(new Error('aborted'));
      await committing;
      await appender.abort();
    },
  };
}

/** Parses a whole file on disk (the download was verified before the process stopped). */
export async function ingestFile(options: IngestOptions & { file: string }): Promise<IngestResult> {
  const ingest = await startIngest(options);
  try {
    for await (const chunk of createReadStream(options.file, {
      highWaterMark: 256 * 1024,
      signal: options.signal,
    })) {
      const wait = ingest.write(chunk as Buffer);
      if (wait) await wait;
    }
  } catch (error) {
    await ingest.abort();
    if (options.signal.aborted) throw options.signal.reason;
    throw new ParseFailure('READ_FAILED', error instanceof Error ? error.message : String(error));
  }
  return ingest.end();
}
