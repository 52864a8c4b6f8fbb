/**
 * Records of delimited text found by a byte scan, as csv-parse reads them with
 * `skip_empty_lines`: a line break outside double quotes ends a record, blank lines are not
 * records. Counts them (`countRows`) and bounds their length (`RowLengthGuard`) without holding
 * any of them: an order of magnitude faster than parsing.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DiskFile } from './store.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class RecordScanner {
  /** Records ended so far (the header is record 0). */
  records = 0;
  /** Bytes of the record in progress. */
  length = 0;
  #quoted = false;
  #content = false;

  /**
   * Scans `chunk`; stops at the first record longer than `maxLength` and returns its number
   * (0: the header), else undefined.
   */
  scan(chunk: Uint8Array, maxLength = Infinity): number | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === LF && !this.#quoted) {
        if (this.#content) this.records++;
        this.#content = false;
        this.length = 0;
        continue;
      }
      this.length++;
      if (c === QUOTE) {
        this.#quoted = !this.#quoted;
        this.#content = true;
      } else if (c !== CR && c !== LF) {
        this.#content = true;
      }
      if (this.length > maxLength) return this.records;
    }
    return undefined;
  }

  /** Records in all, counting one left open at the end. */
  get total(): number {
    return this.records + (this.#content ? 1 : 0);
  }
}

/** Data rows of a delimited file (the header excluded). */
export async function countRows(file: File): Promise<number> {
  const scanner = new RecordScanner();
  if (file instanceof DiskFile) {
    await file.scan((chunk) => scanner.scan(chunk));
  } else {
    for await (const chunk of file.stream() as unknown as AsyncIterable<Uint8Array>) {
      scanner.scan(chunk);
    }
  }
  return Math.max(scanner.total - 1, 0);
}

/**
 * Passes an upload through unchanged until a record is longer than `maxBytes`; then reports its
 * number once (`onTooLong`, 0: the header) and passes nothing more.
 */
export class RowLengthGuard extends Transform {
  readonly #scanner = new RecordScanner();
  #refused = false;

  constructor(
    readonly maxBytes: number,
    readonly onTooLong: (row: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#refused) return done();
    const row = this.#scanner.scan(chunk, this.maxBytes);
    if (row === undefined) return done(null, chunk);
    this.#refused = true;
    this.onTooLong(row);
    done();
  }
}
