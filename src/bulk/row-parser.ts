/**
 * The delimited-file parser the gateway streams exports through: a hand-written RFC 4180 reader
 * for the records Marketo writes (LF-terminated, quoted only where a cell holds the delimiter, a
 * quote, CR or LF), handing the rest of the file to csv-parse at the first record it does not
 * read exactly as csv-parse would (a CR outside quotes, an empty line, a stray or unclosed quote,
 * a wrong field count, a runaway record). So csv-parse stays the reference for every odd byte
 * and its errors (codes, line numbers) are the ones reported, while well-formed files skip its
 * per-character state machine: about four times faster on wide lead exports.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import {
  type CellType,
  DELIMITERS,
  parserOptions,
  type RowParserOptions,
  typeCell,
} from './delimited.js';

const QUOTE = 0x22;
const LF = 0x0a;
const BOM = '\ufeff';
const EMPTY = Buffer.alloc(0);

/** What reading one record from the text found. */
const enum Read {
  /** A record was read (its cells are in `cells`, `next` is where the next one starts). */
  Record,
  /** The text ends inside the record: wait for more bytes. */
  More,
  /** Something csv-parse must judge: hand it the file from this record on. */
  Odd,
}

export class RowParser extends Transform {
  /** Bytes after the last LF received (a line's start, maybe a character's first bytes). */
  private rest: Buffer = EMPTY;
  private readonly delimiter: string;
  private readonly maxRecordSize: number;
  private readonly types: ReadonlyMap<string, CellType>;
  private header: string[] | undefined;
  private cellTypes: CellType[] = [];
  /** Text received and not yet read as records (at most one partial record after a chunk). */
  private pending = '';
  private started = false;
  /** csv-parse's line count of the text already read (for the hand-off's line numbers). */
  private lines = 0;
  /** The header record's text: csv-parse reads it first after a hand-off (the field count). */
  private headerText = '';
  private headerLines = 0;
  private fallback: Parser | undefined;
  /**
   * Where the next `"` and CR are in the text being read, at or after the last cell read (the
   * text's length: none): a quote or CR in an unquoted cell is found without scanning each cell.
   */
  private quoteAt = -1;
  private crAt = -1;
  /** The next CR for the line count (its own: the cell scan skips those inside quotes). */
  private countedCrAt = -1;
  /** Set by readRecord. */
  private cells: string[] = [];
  private next = 0;

  constructor(private readonly options: RowParserOptions) {
    super({ readableObjectMode: true, writableHighWaterMark: 1024 * 1024 });
    this.delimiter = DELIMITERS[options.format];
    this.maxRecordSize = options.maxRecordSize ?? 64 * 1024 * 1024;
    this.types = options.types ?? new Map<string, CellType>();
  }

  /** Whether csv-parse took over (an odd record): the rest of the file went through it. */
  get handedOff(): boolean {
    return this.fallback !== undefined;
  }

  override _transform(chunk: Buffer | string, _: BufferEncoding, done: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : this.decode(chunk);
    if (text === undefined) return done();
    if (this.fallback) {
      this.feedFallback(text, done);
      return;
    }
    this.consume(text, false, done);
  }

  /**
   * Text up to the chunk's last LF (an LF is never part of a multi-byte character, and one
   * `toString` of whole lines is much cheaper than a StringDecoder); the bytes after it wait.
   */
  private decode(chunk: Buffer): string | undefined {
    const lf = chunk.lastIndexOf(LF);
    if (lf === -1 && this.rest.length + chunk.length <= this.maxRecordSize) {
      this.rest = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk);
      return undefined;
    }
    const end = lf === -1 ? chunk.length : lf + 1;
    let text: string;
    if (this.rest.length === 0) text = chunk.toString('utf8', 0, end);
    else {
      // The line begun in the last chunk is completed by this one's first: decoded together.
      const first = Math.min(end, chunk.indexOf(LF) + 1 || end);
      text =
        Buffer.concat([this.rest, chunk.subarray(0, first)]).toString('utf8') +
        chunk.toString('utf8', first, end);
    }
    this.rest = Buffer.from(chunk.subarray(end));
    return text;
  }

  override _flush(done: TransformCallback): void {
    const text = this.rest.toString('utf8');
    this.rest = EMPTY;
    if (this.fallback) {
      this.endFallback(text, done);
      return;
    }
    this.consume(text, true, (error) => {
      if (error) done(error);
      else if (this.fallback) this.endFallback('', done);
      else done();
    });
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.fallback?.destroy();
    done(error);
  }

  /** Reads every complete record of `pending + text`; `final`: nothing more will come. */
  private consume(text: string, final: boolean, done: TransformCallback): void {
    let data = this.pending.length > 0 ? this.pending + text : text;
    if (!this.started) {
      if (data.length === 0 && !final) return done();
      this.started = true;
      if (data.startsWith(BOM)) data = data.slice(1);
    }
    let pos = 0;
    this.quoteAt = -1;
    this.crAt = -1;
    this.countedCrAt = -1;
    while (pos < data.length) {
      const read = this.readRecord(data, pos, final);
      if (read === Read.More) {
        if (data.length - pos > this.maxRecordSize) break; // csv-parse says it is too long
        this.pending = data.slice(pos);
        return done();
      }
      if (read === Read.Odd) break;
      const cells = this.cells;
      if (!this.header) {
        this.header = cells;
        this.headerText = data.slice(pos, this.next);
        this.headerLines = this.countLines(data, pos, this.next);
        this.cellTypes = cells.map((name) => this.types.get(name) ?? 'string');
        this.options.onHeader?.(cells);
      } else if (cells.length !== this.header.length) {
        break; // csv-parse reports it (and numbers its line)
      } else {
        this.push(this.row(cells));
      }
      this.lines += this.countLines(data, pos, this.next);
      pos = this.next;
    }
    this.pending = '';
    if (pos >= data.length) return done();
    this.startFallback();
    this.feedFallback(data.slice(pos), done);
  }

  /** csv-parse's line count of a record: each LF, and each CR (inside quotes: others are odd). */
  private countLines(data: string, from: number, to: number): number {
    let n = countLf(data, from, to);
    if (this.countedCrAt < from) this.countedCrAt = indexOrEnd(data, '\r', from);
    while (this.countedCrAt < to) {
      n++;
      this.countedCrAt = indexOrEnd(data, '\r', this.countedCrAt + 1);
    }
    return n;
  }

  /** A data row: typed cells in header order, or an object keyed by header without onHeader. */
  private row(cells: string[]): unknown {
    const types = this.cellTypes;
    if (this.options.onHeader) {
      const values = cells as unknown[];
      for (let i = 0; i < values.length; i++) {
        const type = types[i]!;
        const value = cells[i]!;
        // Strings are most cells: typeCell's answer without the call.
        values[i] = type === 'string' ? (value === 'null' ? null : value) : typeCell(value, type);
      }
      return values;
    }
    const header = this.header!;
    const row: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = typeCell(cells[i]!, types[i]!);
    return row;
  }

  /**
   * One record starting at `start`: unquoted cells up to the delimiter or LF, quoted cells with
   * `""` for a quote and anything else literal (CR, LF, NUL, U+2028 …). Odd: what csv-parse would
   * read differently or reject (a CR or a quote in an unquoted cell, text after a closing quote,
   * an empty line).
   */
  private readRecord(data: string, start: number, final: boolean): Read {
    const delimiter = this.delimiter;
    const cells: string[] = [];
    let pos = start;
    let lineEnd = data.indexOf('\n', pos);
    if (lineEnd === -1) {
      if (!final) return Read.More;
      lineEnd = data.length;
    }
    if (lineEnd === start) return Read.Odd;
    for (;;) {
      if (data.charCodeAt(pos) === QUOTE) {
        // Quoted: runs to a quote not doubled, maybe past LFs.
        let value = '';
        let from = pos + 1;
        for (;;) {
          const quote = data.indexOf('"', from);
          if (quote === -1) return final ? Read.Odd : Read.More;
          if (data.charCodeAt(quote + 1) === QUOTE) {
            value += data.slice(from, quote + 1);
            from = quote + 2;
            continue;
          }
          if (quote + 1 >= data.length && !final) return Read.More;
          value += data.slice(from, quote);
          pos = quote + 1;
          break;
        }
        cells.push(value);
        if (pos >= data.length) {
          this.cells = cells;
          this.next = pos;
          return Read.Record;
        }
        const after = data.charCodeAt(pos);
        if (after === LF) {
          this.cells = cells;
          this.next = pos + 1;
          return Read.Record;
        }
        if (data[pos] !== delimiter) return Read.Odd;
        pos++;
        if (pos > lineEnd) {
          lineEnd = data.indexOf('\n', pos);
          if (lineEnd === -1) {
            if (!final) return Read.More;
            lineEnd = data.length;
          }
        }
        continue;
      }
      // Unquoted: up to the next delimiter on this line, or the line's end.
      let end = data.indexOf(delimiter, pos);
      const last = end === -1 || end > lineEnd;
      if (last) end = lineEnd;
      if (this.quoteAt < pos) this.quoteAt = indexOrEnd(data, '"', pos);
      if (this.crAt < pos) this.crAt = indexOrEnd(data, '\r', pos);
      if (this.quoteAt < end || this.crAt < end) return Read.Odd;
      cells.push(data.slice(pos, end));
      if (last) {
        this.cells = cells;
        this.next = end < data.length ? end + 1 : end;
        return Read.Record;
      }
      pos = end + 1;
    }
  }

  /** csv-parse takes over from here to the end of the file, numbering lines as the whole file. */
  private startFallback(): void {
    const parser = handOff(this.options, {
      header: this.header,
      headerText: this.headerText,
      lineOffset: this.lines - this.headerLines,
    });
    // Backpressure holds at our writable side: Transform waits for readers before the next chunk.
    parser.on('data', (row: unknown) => this.push(row));
    parser.on('error', (error) => this.destroy(error));
    this.fallback = parser;
  }

  private feedFallback(text: string, done: TransformCallback): void {
    const parser = this.fallback!;
    if (text.length === 0 || parser.write(text)) done();
    else parser.once('drain', () => done());
  }

  private endFallback(text: string, done: TransformCallback): void {
    const parser = this.fallback!;
    parser.once('end', () => done());
    parser.end(text);
  }
}

function indexOrEnd(data: string, char: string, from: number): number {
  const at = data.indexOf(char, from);
  return at === -1 ? data.length : at;
}

function countLf(data: string, from: number, to: number): number {
  let n = 0;
  for (let i = data.indexOf('\n', from); i !== -1 && i < to; i = data.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * csv-parse for the rest of a file after a reader's hand-off: the header (already read) written to
 * it first, for the field count, and its line numbers (errors) shifted to count from the file's start.
 */
export function handOff(
  options: RowParserOptions,
  from: {
    header: readonly string[] | undefined;
    /** The header record as read (a string or its bytes). */
    headerText: string | Buffer;
    /** csv-parse's lines read before the hand-off, less the header's. */
    lineOffset: number;
  },
): Parser {
  const offset = from.lineOffset;
  const onRowError = options.onRowError;
  const { header, headerText } = from;
  const csvOptions = parserOptions(
    {
      ...options,
      ...(onRowError && {
        onRowError: (error) =>
          onRowError({
            ...error,
            line: error.line + offset,
            message: error.message.replace(
              /\bline (\d+)/g,
              (_, n: string) => `line ${Number(n) + offset}`,
            ),
          }),
      }),
    },
    header,
  );
  // The header line set the record delimiter (LF) before any hand-off after it.
  const parser = parse(header ? { ...csvOptions, bom: false, record_delimiter: '\n' } : csvOptions);
  if (header) {
    parser.write(headerText);
    if (
      headerText.length === 0 ||
      headerText[headerText.length - 1] !== (typeof headerText === 'string' ? '\n' : LF)
    )
      parser.write('\n');
  }
  return parser;
}

/** A streaming parser yielding one object (or array of typed cells, with `onHeader`) per data row. */
export function createRowParser(options: RowParserOptions): RowParser {
  return new RowParser(options);
}
