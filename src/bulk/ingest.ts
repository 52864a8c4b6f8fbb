/**
 * Parses one downloaded export file into the row store: csv-parse as a stream with the job's
 * delimiter, cells typed by field, rows appended with backpressure and committed (readable) as
 * parsing goes. Malformed records are collected with their line numbers, never dropped silently.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  type CellType,
  createRowParser,
  type DelimitedFormat,
  type RowError,
} from './delimited.js';
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
  file: string;
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

export async function ingestFile(options: IngestOptions): Promise<IngestResult> {
  const maxRowErrors = options.maxRowErrors ?? 100;
  const appender = await options.store.appender(options.from);
  const rowErrors: RowError[] = [];
  let malformed = 0;
  let rows = 0;
  let header: readonly string[] | undefined;
  const parser = createRowParser({
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
  });
  let lastCommit = 0;
  const source = createReadStream(options.file, {
    highWaterMark: 256 * 1024,
    signal: options.signal,
  });
  const feeding = pipeline(source, parser).catch((error: unknown) => {
    parser.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  try {
    for await (const row of parser) {
      const wait = appender.append(row);
      if (wait) await wait;
      rows++;
      if ((rows & 127) === 0 && Date.now() - lastCommit >= options.commitEveryMs) {
        lastCommit = Date.now();
        await options.onCommit(await appender.commit(), rows, header);
        // Count the interval from after the commit's watchers were served (their deliveries run
        // as microtasks, before setImmediate): with thousands of subscribers a progress event
        // can take longer than the interval, and would otherwise starve the parse.
        await new Promise((resolve) => setImmediate(resolve));
        lastCommit = Date.now();
      }
    }
    await feeding;
  } catch (error) {
    await appender.abort();
    if (options.signal.aborted) throw options.signal.reason;
    throw new ParseFailure(
      (error as { code?: string }).code ?? 'PARSE_FAILED',
      error instanceof Error ? error.message : String(error),
    );
  }
  const end = await appender.finish();
  return { end, rows, malformed, rowErrors, header };
}
