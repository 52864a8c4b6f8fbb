/**
 * The export ingest's reader: delimited bytes straight to the row store's JSON lines, one byte
 * loop per record, no JS string per cell. It reads exactly what the string reader (row-parser.ts)
 * reads: Marketo's records (LF-terminated, quoted only where a cell holds the delimiter, a quote,
 * CR or LF); at the first record it would not read exactly as csv-parse does, csv-parse takes the
 * rest of the file (its rows, codes and line numbers), as there. A row is the JSON text of its
 * typed cells, `JSON.stringify` of what row-parser yields: text cells are copied byte for byte
 * (JSON escapes added), canonical numbers and booleans too; anything else (a cell that is not
 * valid UTF-8, a non-canonical number, a JSON cell) goes through `typeCell` and `JSON.stringify`.
 */
import { isUtf8 } from 'node:buffer';
import type { Parser } from 'csv-parse';
import { type CellType, DELIMITERS, type RowParserOptions, typeCell } from './delimited.js';
import { handOff } from './row-parser.js';

/** Where encoded rows go: both return a promise when the caller should wait (the disk is behind). */
export interface EncodedRowSink {
  /** Rows as JSON lines (each with its LF): row i is `data[ends[i-1] ?? 0, ends[i])`. `data` is the sink's. */
  lines(data: Buffer, ends: readonly number[]): Promise<void> | undefined;
  /** A row read by csv-parse after the hand-off (typed cells). */
  row(cells: unknown[]): Promise<void> | undefined;
}

const QUOTE = 0x22;
const LF = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const EMPTY = Buffer.alloc(0);
const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** Byte classes of the scan. */
const PLAIN = 0;
/** Escaped in JSON text (controls, backslash). */
const ESCAPE = 1;
/** Part of a multi-byte character: valid UTF-8 is copied, anything else decoded first. */
const HIGH = 2;
const DELIMITER = 3;
const END = 4;
const QUOTE_CLASS = 5;
const CR_CLASS = 6;

/** JSON.stringify's escape of each byte below 0x20 and of `"` and `\`. */
const ESCAPES: (Buffer | undefined)[] = Array.from({ length: 128 }, (_, b) =>
  b < 0x20 || b === QUOTE || b === 0x5c
    ? Buffer.from(JSON.stringify(String.fromCharCode(b)).slice(1, -1))
    : undefined,
);

/** Cell kinds: the header's names (never null), then a column's CellType. */
const enum Kind {
  Name,
  Text,
  Integer,
  Number,
  Boolean,
  Json,
}

const KINDS: Readonly<Record<CellType, Kind>> = {
  string: Kind.Text,
  integer: Kind.Integer,
  number: Kind.Number,
  boolean: Kind.Boolean,
  json: Kind.Json,
};
const TYPES: readonly CellType[] = ['string', 'string', 'integer', 'number', 'boolean', 'json'];

/** What encoding one record found. */
const enum Read {
  Record,
  /** The bytes end inside the record: wait for more. */
  More,
  /** csv-parse must judge this record: hand it the rest of the file. */
  Odd,
}

export class RowEncoder {
  private readonly classes = new Uint8Array(256);
  private readonly maxRecordSize: number;
  private readonly types: ReadonlyMap<string, CellType>;
  /** Bytes after the last record read (the start of the next one). */
  private rest: Buffer = EMPTY;
  private started = false;
  private kinds: Kind[] = [];
  private headerBytes: Buffer = EMPTY;
  private headerLines = 0;
  /** csv-parse's line count of the records read (for the hand-off's line numbers). */
  private lines = 0;
  private fallback: Parser | undefined;
  private fallbackWait: Promise<void> | undefined;
  private failure: Error | undefined;
  /** The row being written to, and where in it; set by encodeRecord. */
  private out: Buffer = EMPTY;
  private at = 0;
  private next = 0;
  private cellCount = 0;
  private breaks = 0;
  /** The header's names, once read. */
  header: string[] | undefined;

  constructor(
    private readonly options: RowParserOptions,
    private readonly sink: EncodedRowSink,
  ) {
    const delimiter = DELIMITERS[options.format].charCodeAt(0);
    for (let b = 0; b < 256; b++) {
      this.classes[b] = b >= 0x80 ? HIGH : b < 0x20 || b === 0x5c ? ESCAPE : PLAIN;
    }
    this.classes[delimiter] = DELIMITER;
    this.classes[LF] = END;
    this.classes[0x0d] = CR_CLASS;
    this.classes[QUOTE] = QUOTE_CLASS;
    this.maxRecordSize = options.maxRecordSize ?? 64 * 1024 * 1024;
    this.types = options.types ?? new Map<string, CellType>();
  }

  /** Whether csv-parse took over (an odd record): the rest of the file went through it. */
  get handedOff(): boolean {
    return this.fallback !== undefined;
  }

  /** Reads `chunk` next; a promise when the caller should wait before the next one. */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.fallback) return this.feedFallback(chunk);
    if (this.rest.length === 0) return this.consume(chunk, false);
    // The record begun in the last chunk mostly ends at this one's first LF: that record alone
    // is put together, and the chunk read in place from there (no copy of the whole chunk).
    const lf = chunk.indexOf(LF);
    if (lf === -1 || lf === chunk.length - 1) {
      return this.consume(Buffer.concat([this.rest, chunk]), false);
    }
    const head = this.consume(Buffer.concat([this.rest, chunk.subarray(0, lf + 1)]), false);
    const tail = chunk.subarray(lf + 1);
    const next = this.fallback
      ? this.feedFallback(tail)
      : this.consume(this.rest.length > 0 ? Buffer.concat([this.rest, tail]) : tail, false);
    return head && next ? Promise.all([head, next]).then(() => undefined) : (head ?? next);
  }

  /** No more bytes: resolves once every row went to the sink; rejects with csv-parse's error. */
  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.fallback) {
      const data = this.rest;
      this.rest = EMPTY;
      await this.consume(data, true);
    }
    const parser = this.fallback;
    if (!parser) return;
    await this.fallbackWait;
    if (this.failure) throw this.failure;
    const ended = new Promise<void>((resolve, reject) => {
      parser.once('end', resolve);
      parser.once('error', reject);
    });
    parser.end();
    await ended;
    if (this.failure) throw this.failure;
  }

  destroy(): void {
    this.fallback?.destroy();
  }

  /** Encodes every complete record of `data`; `final`: nothing more will come. */
  private consume(data: Buffer, final: boolean): Promise<void> | undefined {
    let pos = 0;
    if (!this.started) {
      if (data.length < BOM.length && !final && BOM.subarray(0, data.length).equals(data)) {
        this.rest = data;
        return undefined;
      }
      this.started = true;
      if (data.subarray(0, BOM.length).equals(BOM)) pos = BOM.length;
    }
    // Room for the typical row; encodeRecord grows it for a wider one.
    this.out = Buffer.allocUnsafe(Math.ceil((data.length - pos) * 1.25) + 1024);
    this.at = 0;
    const ends: number[] = [];
    let odd = false;
    while (pos < data.length) {
      const start = this.at;
      const read = this.encodeRecord(data, pos, final);
      if (read === Read.More) {
        // csv-parse says it is too long.
        odd = data.length - pos > this.maxRecordSize;
        break;
      }
      if (read === Read.Odd) {
        odd = true;
        break;
      }
      if (!this.header) {
        this.header = JSON.parse(this.out.toString('utf8', start, this.at - 1)) as string[];
        this.at = start;
        this.headerBytes = Buffer.from(data.subarray(pos, this.next));
        this.headerLines = this.breaks;
        this.kinds = this.header.map((name) => KINDS[this.types.get(name) ?? 'string']);
        this.options.onHeader?.(this.header);
      } else if (this.cellCount !== this.header.length) {
        this.at = start;
        odd = true; // csv-parse reports it (and numbers its line)
        break;
      } else {
        ends.push(this.at);
      }
      this.lines += this.breaks;
      pos = this.next;
    }
    const encoded = ends.length > 0 ? this.sink.lines(this.out, ends) : undefined;
    this.out = EMPTY;
    if (!odd) {
      this.rest = pos < data.length ? Buffer.from(data.subarray(pos)) : EMPTY;
      return encoded;
    }
    this.rest = EMPTY;
    this.startFallback();
    const fed = this.feedFallback(data.subarray(pos));
    if (!encoded) return fed;
    return fed ? Promise.all([encoded, fed]).then(() => undefined) : encoded;
  }

  /** Makes sure `bytes` more fit in the row buffer. */
  private room(bytes: number): Buffer {
    if (this.at + bytes > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + bytes));
      this.out.copy(grown, 0, 0, this.at);
      this.out = grown;
    }
    return this.out;
  }

  /**
   * One record from `start`, encoded at `this.at` as `[cell,…]\n`; `this.next` is where the
   * next one starts, `this.breaks` csv-parse's lines in it. More and Odd leave `this.at` alone.
   */
  private encodeRecord(data: Buffer, start: number, final: boolean): Read {
    const classes = this.classes;
    const header = this.header;
    const kinds = this.kinds;
    const first = this.at;
    let pos = start;
    let cells = 0;
    let breaks = 0;
    let lineEnd = data.indexOf(LF, pos);
    if (lineEnd === -1) {
      if (!final) return Read.More;
      lineEnd = data.length;
    }
    if (lineEnd === start) return Read.Odd;
    // Each byte becomes at most 6 (`\u00xx`), each cell adds 3 (quotes, comma).
    let out = this.room((lineEnd - pos) * 9 + 16);
    let o = first;
    out[o++] = 0x5b; // [
    for (;;) {
      const kind = header ? (kinds[cells] ?? Kind.Text) : Kind.Name;
      if (cells > 0) out[o++] = 0x2c; // ,
      cells++;
      const cellAt = o;
      let high = false;
      let done: boolean; // the record ends after this cell
      if (pos < data.length && data[pos] === QUOTE) {
        // Quoted: runs to a quote not doubled, maybe past LFs.
        const from = pos + 1;
        let doubled = false;
        out[o++] = QUOTE;
        pos = from;
        for (;;) {
          if (pos >= data.length) return final ? Read.Odd : Read.More;
          if (pos > lineEnd) {
            // Past the line the room was made for: make room for the next one.
            lineEnd = data.indexOf(LF, pos);
            if (lineEnd === -1) lineEnd = data.length;
            this.at = o;
            out = this.room((lineEnd - pos) * 9 + 16);
          }
          const b = data[pos]!;
          const c = classes[b]!;
          if (c === PLAIN) out[o++] = b;
          else if (c === DELIMITER) {
            // A tab (TSV) is escaped in JSON text; `,` and `;` are not.
            const escape = ESCAPES[b];
            if (escape) for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
            else out[o++] = b;
          } else if (c === QUOTE_CLASS) {
            if (pos + 1 >= data.length) {
              if (final) break;
              return Read.More;
            }
            if (data[pos + 1] !== QUOTE) break;
            doubled = true;
            out[o++] = 0x5c;
            out[o++] = QUOTE;
            pos++;
          } else if (c === HIGH) {
            high = true;
            out[o++] = b;
          } else {
            if (c !== ESCAPE) breaks++; // LF, CR
            const escape = ESCAPES[b]!;
            for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
          }
          pos++;
        }
        const to = pos; // the closing quote
        pos++;
        if (pos >= data.length) done = true;
        else if (data[pos] === LF) {
          done = true;
          breaks++;
          pos++;
        } else if (classes[data[pos]!] === DELIMITER) {
          done = false;
          pos++;
        } else return Read.Odd;
        if (kind === Kind.Name || kind === Kind.Text) {
          if (high && !isUtf8(data.subarray(from, to))) {
            this.at = cellAt;
            o = this.put(JSON.stringify(unquote(data, from, to, doubled)));
          } else if (kind === Kind.Text && to - from === 4 && isNull(data, from)) {
            o = putNull(out, cellAt);
          } else out[o++] = QUOTE;
        } else {
          this.at = cellAt;
          o = this.put(JSON.stringify(typeCell(unquote(data, from, to, doubled), TYPES[kind]!)));
        }
      } else {
        // Unquoted: up to the delimiter or the line's end; a quote or CR in it is odd.
        const from = pos;
        // Typed cells are copied bare: their JSON, when they are canonical.
        if (kind <= Kind.Text) out[o++] = QUOTE;
        for (;;) {
          if (pos >= data.length) {
            if (!final) return Read.More;
            done = true;
            break;
          }
          const b = data[pos]!;
          const c = classes[b]!;
          if (c === PLAIN) out[o++] = b;
          else if (c === DELIMITER) {
            done = false;
            break;
          } else if (c === END) {
            done = true;
            breaks++;
            break;
          } else if (c === HIGH) {
            high = true;
            out[o++] = b;
          } else if (c === ESCAPE) {
            const escape = ESCAPES[b]!;
            for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
          } else return Read.Odd;
          pos++;
        }
        const to = pos;
        if (pos < data.length) pos++; // the delimiter or LF
        if (kind === Kind.Name || kind === Kind.Text) {
          if (high && !isUtf8(data.subarray(from, to))) {
            this.at = cellAt;
            o = this.put(JSON.stringify(data.toString('utf8', from, to)));
          } else if (kind === Kind.Text && to - from === 4 && isNull(data, from)) {
            o = putNull(out, cellAt);
          } else out[o++] = QUOTE;
        } else if (to === from || (to - from === 4 && isNull(data, from))) {
          o = putNull(out, cellAt);
        } else if (kind === Kind.Boolean && to - from === 1 && (data[from]! | 1) === 0x31) {
          o = putBytes(out, cellAt, data[from] === 0x31 ? TRUE : FALSE);
        } else if (!canonical(data, from, to, kind)) {
          this.at = cellAt;
          o = this.put(JSON.stringify(typeCell(data.toString('utf8', from, to), TYPES[kind]!)));
        }
      }
      out = this.out; // put() may have grown it
      if (done) break;
    }
    out[o++] = 0x5d; // ]
    out[o++] = LF;
    this.at = o;
    this.next = pos;
    this.cellCount = cells;
    this.breaks = breaks;
    return Read.Record;
  }

  /** `text` at `this.at`; returns the new end. */
  private put(text: string): number {
    const out = this.room(text.length * 3 + 8);
    return this.at + out.write(text, this.at, 'utf8');
  }

  /** csv-parse takes over from here to the end of the file, numbering lines as the whole file. */
  private startFallback(): void {
    const parser = handOff(this.options, {
      header: this.header,
      headerText: this.headerBytes,
      lineOffset: this.lines - this.headerLines,
    });
    parser.on('data', (row: unknown[]) => {
      const wait = this.sink.row(row);
      if (!wait) return;
      parser.pause();
      wait.then(
        () => parser.resume(),
        (error: unknown) => parser.destroy(error as Error),
      );
    });
    parser.on('error', (error) => {
      this.failure ??= error;
    });
    this.fallback = parser;
  }

  private feedFallback(bytes: Buffer): Promise<void> | undefined {
    const parser = this.fallback!;
    if (bytes.length === 0 || parser.write(bytes)) return undefined;
    this.fallbackWait = new Promise<void>((resolve, reject) => {
      const settle = () => {
        parser.off('drain', settle);
        parser.off('error', settle);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      parser.once('drain', settle);
      parser.once('error', settle);
    });
    return this.fallbackWait;
  }
}

function putBytes(out: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
  return at + bytes.length;
}

function putNull(out: Buffer, at: number): number {
  return putBytes(out, at, NULL);
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/**
 * Whether a typed cell's bytes are already its JSON (what `JSON.stringify(typeCell(…))` writes):
 * `true`, `false`, and numbers in the digits JavaScript prints them with (no sign but `-`, no
 * leading or trailing zeros, up to 15 digits so the double keeps them all, no exponent).
 */
function canonical(data: Buffer, from: number, to: number, kind: Kind): boolean {
  if (kind === Kind.Boolean) {
    const bytes = to - from === 4 ? TRUE : to - from === 5 ? FALSE : undefined;
    if (!bytes) return false;
    for (let i = 0; i < bytes.length; i++) if (data[from + i] !== bytes[i]) return false;
    return true;
  }
  if (kind !== Kind.Integer && kind !== Kind.Number) return false;
  let i = from;
  if (data[i] === 0x2d) i++; // -
  const digitsFrom = i;
  while (i < to && isDigit(data[i])) i++;
  const whole = i - digitsFrom;
  if (whole === 0 || (whole > 1 && data[digitsFrom] === 0x30)) return false;
  let digits = whole;
  if (i < to) {
    // A fraction (numbers only): digits, the last not 0, and 0.0… (maybe 1e-7) left to typeCell.
    if (kind !== Kind.Number || data[i] !== 0x2e) return false;
    const fraction = ++i;
    while (i < to && isDigit(data[i])) i++;
    if (i !== to || i === fraction || data[to - 1] === 0x30) return false;
    if (data[digitsFrom] === 0x30 && data[fraction] === 0x30) return false;
    digits += i - fraction;
  } else if (data[digitsFrom] === 0x30 && digitsFrom > from) return false; // -0 is 0
  return digits <= 15;
}

function isNull(data: Buffer, at: number): boolean {
  return (
    data[at] === 0x6e && data[at + 1] === 0x75 && data[at + 2] === 0x6c && data[at + 3] === 0x6c
  );
}

/** A quoted cell's text (`""` is a quote). */
function unquote(data: Buffer, from: number, to: number, doubled: boolean): string {
  const text = data.toString('utf8', from, to);
  return doubled ? text.replaceAll('""', '"') : text;
}
