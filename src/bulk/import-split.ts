/**
 * Splits delimited input into Marketo import files (< 10 MB each) on row boundaries, streamed;
 * each part starts with the header again and remembers its first original row number so
 * failures can be mapped back.
 *
 * Two ways through the same rows, with the same files as the result:
 * - plain records (no double quote, no carriage return, valid UTF-8: what csv-parse would split
 *   on delimiters and csv-stringify write back byte for byte) are copied as byte ranges of the
 *   input chunks, found with `indexOf`: no per-row string, array or stringifier, so a 1,000,000-
 *   row upload leaves the GC next to nothing to collect;
 * - from the first record that is not plain on (or a header that is not), the rest goes through
 *   csv-parse and csv-stringify (quoting normalised, never cut), fed blank lines first so its
 *   line numbers in errors are those of the whole input.
 * Only one record (and the chunk it is in) is ever held.
 */
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../errors.js';
import { DELIMITERS, type DelimitedFormat } from './delimited.js';

/** One import file on disk. `firstRow` is the 1-based original number of its first data row. */
export interface SplitPart {
  index: number;
  file: string;
  firstRow: number;
  rows: number;
  bytes: number;
  /** No rows follow this part. */
  last: boolean;
}

export interface RowSource {
  /** The header (first record), already validated by the caller's check before it resolved. */
  header: readonly string[];
  /** Writes the parts; yields each one once its file is complete. */
  parts(options: { dir: string; maxBytes: number }): AsyncGenerator<SplitPart>;
  /** Stops reading the input (when `parts` will not be iterated). */
  close(): void;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = Buffer.from('\n');
/** A header line not ended within this many bytes is left to csv-parse (which holds it anyway). */
const HEADER_SCAN_BYTES = 1024 * 1024;

/** `null` for a cell with no value: what Marketo's import treats as "leave as is". */
export function rowText(cells: readonly string[], format: DelimitedFormat): string {
  return stringify([cells as string[]], { delimiter: DELIMITERS[format], record_delimiter: '\n' });
}

function parseOptions(format: DelimitedFormat) {
  return {
    delimiter: DELIMITERS[format],
    bom: true,
    relax_column_count: true, // Marketo fails such rows itself; they come back as failures
    skip_empty_lines: true,
  };
}

/**
 * A record csv-parse would split on delimiters alone and csv-stringify write back unchanged: no
 * quote (nothing to unquote or requote), no CR (kept in a cell, or a line end to normalise) and
 * valid UTF-8 (csv-parse would replace invalid bytes).
 */
function plain(bytes: Buffer, from = 0, to = bytes.length): boolean {
  const quote = bytes.indexOf(QUOTE, from);
  const cr = bytes.indexOf(CR, from);
  return (
    (quote === -1 || quote >= to) && (cr === -1 || cr >= to) && isUtf8(bytes.subarray(from, to))
  );
}

const asBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : chunk instanceof Uint8Array
      ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(String(chunk), 'utf8');

/**
 * A write that fails (disk full, directory gone) rejects here at once: a stream that errored
 * emits neither 'drain' nor 'finish', and waiting for them would hang the import.
 */
async function write(out: WriteStream, data: string | Buffer): Promise<void> {
  if (out.errored) throw out.errored;
  if (!out.write(data)) await once(out, 'drain');
}

async function finish(out: WriteStream): Promise<void> {
  if (out.errored) throw out.errored;
  out.end();
  await finished(out);
}

function inputError(argument: string, error: unknown): InputError {
  const e = error as { message?: string; lines?: number };
  return new InputError(argument, `is not valid delimited text: ${e.message ?? String(error)}`, {
    ...(e.lines !== undefined && { extra: { line: e.lines } }),
  });
}

/** The part files being written: the one open, and where the next row goes. */
class PartFiles {
  private part: (SplitPart & { out: WriteStream }) | undefined;
  private index = 0;
  /** 1-based number of the next data row. */
  nextRow = 1;

  constructor(
    private readonly dir: string,
    private readonly format: DelimitedFormat,
    private readonly headerText: string,
    private readonly headerBytes: number,
    private readonly maxBytes: number,
    private readonly argument: string,
  ) {}

  /** Refuses a row no file can hold (`bytes` with its line end). */
  check(bytes: number, row = this.nextRow): void {
    if (this.headerBytes + bytes > this.maxBytes) {
      throw new InputError(
        this.argument,
        `row ${row} is ${bytes} bytes: no import file under ${this.maxBytes} bytes can hold it`,
        { extra: { row } },
      );
    }
  }

  /** Whether `bytes` more fit the open part (or the next one, which starts with the header). */
  fits(bytes: number): boolean {
    return (this.part?.bytes ?? this.headerBytes) + bytes <= this.maxBytes;
  }

  /** Closes the open part and returns it. */
  async close(last: boolean): Promise<SplitPart | undefined> {
    const p = this.part;
    if (!p) return undefined;
    this.part = undefined;
    await finish(p.out);
    const { out: _out, ...done } = p;
    return { ...done, last };
  }

  /** Appends `rows` whole rows of `bytes` bytes (checked to fit) to the open part. */
  async append(data: string | Buffer, bytes: number, rows: number): Promise<void> {
    const current = this.part ?? this.open();
    await write(current.out, data);
    current.bytes += bytes;
    current.rows += rows;
    this.nextRow += rows;
  }

  destroy(): void {
    this.part?.out.destroy();
    this.part = undefined;
  }

  private open() {
    const file = join(this.dir, `part-${this.index}.${this.format.toLowerCase()}`);
    const out = createWriteStream(file);
    // Its failure is thrown by the next `write` or `finish` (out.errored), not emitted unheard.
    out.on('error', () => undefined);
    this.part = {
      index: this.index++,
      file,
      firstRow: this.nextRow,
      rows: 0,
      bytes: this.headerBytes,
      last: false,
      out,
    };
    out.write(this.headerText);
    return this.part;
  }
}

/**
 * Reads the header of `input` and runs `check` on it before anything else happens (nothing has
 * been written or sent yet); the rest of the input is read only when `parts` is iterated.
 */
export async function openRows(
  input: Readable,
  options: {
    format: DelimitedFormat;
    argument: string;
    check: (header: readonly string[]) => Promise<void> | void;
  },
): Promise<RowSource> {
  const { format, argument } = options;
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const stop = () => {
    void chunks.return?.().catch(() => undefined);
  };
  const nextChunk = async (): Promise<Buffer | undefined> => {
    let next: IteratorResult<unknown>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw inputError(argument, error);
    }
    return next.done ? undefined : asBuffer(next.value);
  };

  // The first line, found by byte scan; csv-parse reads it when it is not a plain record.
  const head: Buffer[] = [];
  let headBytes = 0;
  let lineEnd = -1;
  while (headBytes <= HEADER_SCAN_BYTES) {
    const chunk = await nextChunk();
    if (!chunk) break;
    const at = chunk.indexOf(LF);
    head.push(chunk);
    if (at !== -1) {
      lineEnd = headBytes + at;
      headBytes += chunk.length;
      break;
    }
    headBytes += chunk.length;
  }
  const start = head.length === 1 ? head[0]! : Buffer.concat(head);
  const bom = start.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0;
  // The header's own line end decides csv-parse's record delimiter: the byte path needs `\n`.
  const fast = lineEnd > bom && plain(start, 0, lineEnd);

  let header: string[];
  let headerLines = 0;
  let records: AsyncIterator<string[]> | undefined;
  let parser: ReturnType<typeof parse> | undefined;
  if (fast) {
    header = (parseSync(start.subarray(0, lineEnd), parseOptions(format)) as string[][])[0] ?? [];
    headerLines = 1;
  } else {
    parser = parserFrom(0, [start], chunks, format);
    records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
    let first: IteratorResult<string[]>;
    try {
      first = await records.next();
    } catch (error) {
      throw inputError(argument, error);
    }
    header = first.done ? [] : first.value;
  }
  const close = () => {
    parser?.destroy();
    stop();
  };
  if (header.length === 0 || header.every((name) => name.trim() === '')) {
    close();
    throw new InputError(argument, 'has no header row');
  }
  try {
    await options.check(header);
  } catch (error) {
    close();
    throw error;
  }
  const headerText = rowText(header, format);
  const headerBytes = Buffer.byteLength(headerText);
  const rest = fast ? start.subarray(lineEnd + 1) : undefined;

  async function* parts({ dir, maxBytes }: { dir: string; maxBytes: number }) {
    const files = new PartFiles(dir, format, headerText, headerBytes, maxBytes, argument);
    try {
      if (rest) {
        // Byte path: `lines` counts the input's line ends so far, for csv-parse to take over.
        let lines = headerLines;
        let carry: Buffer[] = [];
        let chunk: Buffer | undefined = rest;
        let handOff: Buffer[] | undefined;
        for (; chunk; chunk = await nextChunk()) {
          let pos = 0;
          if (carry.length > 0) {
            // The record begun in earlier chunks.
            const at = chunk.indexOf(LF);
            if (at === -1) {
              carry.push(chunk);
              continue;
            }
            const record = Buffer.concat([...carry, chunk.subarray(0, at + 1)]);
            if (!plain(record, 0, record.length - 1)) {
              handOff = [...carry, chunk];
              break;
            }
            carry = [];
            files.check(record.length);
            if (!files.fits(record.length)) yield (await files.close(false))!;
            await files.append(record, record.length, 1);
            lines++;
            pos = at + 1;
          }
          // Whole records of this chunk, appended as runs of consecutive rows.
          const end = chunk.lastIndexOf(LF);
          let runStart = pos;
          let runBytes = 0;
          let runRows = 0;
          const flush = async () => {
            if (runRows > 0)
              await files.append(chunk!.subarray(runStart, runStart + runBytes), runBytes, runRows);
            runBytes = 0;
            runRows = 0;
          };
          // One scan for the whole run of records; record by record only when something is not plain.
          const clean = end < pos || plain(chunk, pos, end + 1);
          const quote = clean ? -1 : chunk.indexOf(QUOTE, pos);
          const cr = clean ? -1 : chunk.indexOf(CR, pos);
          while (pos <= end) {
            const at = chunk.indexOf(LF, pos);
            if (at === pos) {
              // A blank line is no record (skip_empty_lines).
              await flush();
              lines++;
              runStart = ++pos;
              continue;
            }
            if (
              !clean &&
              ((quote !== -1 && quote < at) ||
                (cr !== -1 && cr < at) ||
                !isUtf8(chunk.subarray(pos, at)))
            ) {
              break;
            }
            const bytes = at + 1 - pos;
            files.check(bytes, files.nextRow + runRows);
            if (!files.fits(runBytes + bytes)) {
              await flush();
              yield (await files.close(false))!;
              runStart = pos;
            }
            runBytes += bytes;
            runRows++;
            lines++;
            pos = at + 1;
          }
          await flush();
          if (pos <= end) {
            handOff = [chunk.subarray(pos)];
            break;
          }
          if (pos < chunk.length) carry = [chunk.subarray(pos)];
        }
        if (!handOff && carry.length > 0) {
          // The last record, with no line end.
          const record = carry.length === 1 ? carry[0]! : Buffer.concat(carry);
          if (plain(record)) {
            files.check(record.length + 1);
            if (!files.fits(record.length + 1)) yield (await files.close(false))!;
            await files.append(Buffer.concat([record, NEWLINE]), record.length + 1, 1);
          } else {
            handOff = carry;
          }
        }
        if (handOff) {
          parser = parserFrom(lines, handOff, chunks, format);
          records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
        }
      }
      if (records) {
        // csv-parse path: every record parsed, written back with csv-stringify.
        while (true) {
          let next: IteratorResult<string[]>;
          try {
            next = await records.next();
          } catch (error) {
            throw inputError(argument, error);
          }
          if (next.done) break;
          const text = rowText(next.value, format);
          const bytes = Buffer.byteLength(text);
          files.check(bytes);
          if (!files.fits(bytes)) yield (await files.close(false))!;
          await files.append(text, bytes, 1);
        }
      }
      const last = await files.close(true);
      if (last) yield last;
    } finally {
      files.destroy();
      close();
    }
  }

  return { header, parts, close };
}

/**
 * csv-parse over `first` and then the rest of `chunks`, after `lines` blank lines (skipped as
 * empty, but counted: its error messages and `lines` then number the whole input's lines).
 */
function parserFrom(
  lines: number,
  first: readonly Buffer[],
  chunks: AsyncIterator<unknown>,
  format: DelimitedFormat,
) {
  async function* bytes(): AsyncGenerator<Buffer> {
    if (lines > 0) yield Buffer.alloc(lines, LF);
    yield* first;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      yield asBuffer(next.value);
    }
  }
  const source = Readable.from(bytes(), { objectMode: false });
  const parser = source.pipe(parse(parseOptions(format)));
  source.on('error', (error) => parser.destroy(error));
  return parser;
}
