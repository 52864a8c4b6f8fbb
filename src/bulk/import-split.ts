/**
 * Splits delimited input into Marketo import files (< 10 MB each) on row boundaries, streamed:
 * rows are parsed one at a time with csv-parse, written back with csv-stringify (so quoting is
 * normalised, never cut) and each part starts with the header again. Only one row is ever held.
 * Each part remembers its first original row number so failures can be mapped back.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
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

/** `null` for a cell with no value: what Marketo's import treats as "leave as is". */
export function rowText(cells: readonly string[], format: DelimitedFormat): string {
  return stringify([cells as string[]], { delimiter: DELIMITERS[format], record_delimiter: '\n' });
}

/**
 * A write that fails (disk full, directory gone) rejects here at once: a stream that errored
 * emits neither 'drain' nor 'finish', and waiting for them would hang the import.
 */
async function write(out: WriteStream, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  if (!out.write(text)) await once(out, 'drain');
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
  const parser = input.pipe(
    parse({
      delimiter: DELIMITERS[format],
      bom: true,
      relax_column_count: true, // Marketo fails such rows itself; they come back as failures
      skip_empty_lines: true,
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let first: IteratorResult<string[]>;
  try {
    first = await records.next();
  } catch (error) {
    throw inputError(argument, error);
  }
  const header = first.done ? [] : first.value;
  if (header.length === 0 || header.every((name) => name.trim() === '')) {
    parser.destroy();
    throw new InputError(argument, 'has no header row');
  }
  try {
    await options.check(header);
  } catch (error) {
    parser.destroy();
    throw error;
  }
  const headerText = rowText(header, format);
  const headerBytes = Buffer.byteLength(headerText);

  async function* parts({ dir, maxBytes }: { dir: string; maxBytes: number }) {
    let part: (SplitPart & { out: WriteStream }) | undefined;
    let nextRow = 1;
    let index = 0;
    const open = () => {
      const file = join(dir, `part-${index}.${format.toLowerCase()}`);
      const out = createWriteStream(file);
      // Its failure is thrown by the next `write` or `finish` (out.errored), not emitted unheard.
      out.on('error', () => undefined);
      part = {
        index: index++,
        file,
        firstRow: nextRow,
        rows: 0,
        bytes: headerBytes,
        last: false,
        out,
      };
      out.write(headerText);
      return part;
    };
    const close = async (p: SplitPart & { out: WriteStream }, last: boolean) => {
      await finish(p.out);
      const { out: _out, ...done } = p;
      return { ...done, last } satisfies SplitPart;
    };
    try {
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
        if (headerBytes + bytes > maxBytes) {
          throw new InputError(
            argument,
            `row ${nextRow} is ${bytes} bytes: no import file under ${maxBytes} bytes can hold it`,
            { extra: { row: nextRow } },
          );
        }
        let current = part ?? open();
        if (current.bytes + bytes > maxBytes) {
          const full = await close(current, false);
          part = undefined;
          yield full;
          current = open();
        }
        await write(current.out, text);
        current.bytes += bytes;
        current.rows++;
        nextRow++;
      }
      if (part) {
        const last = await close(part, true);
        part = undefined;
        yield last;
      }
    } finally {
      if (part) part.out.destroy();
      parser.destroy();
    }
  }

  return { header, parts, close: () => parser.destroy() };
}
