/**
 * The import split copies plain records as bytes and hands the rest to csv-parse: whatever the
 * input, its files must be exactly those of parsing every record and writing it back with
 * csv-stringify (the split of `main`), and its errors the same, line numbers included.
 * csv-parse/sync over the whole input is the oracle; inputs are random and arrive in random-sized
 * chunks, so records, UTF-8 characters and CRLFs are cut at every place.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIMITERS, type DelimitedFormat } from '../../src/bulk/delimited.js';
import { openRows } from '../../src/bulk/import-split.js';
import { prng } from '../../src/sandbox/seed.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'split-bytes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  header?: string[];
  /** A parse error after a row too long: csv-parse may report it first (both in one chunk). */
  orError?: { message: string; extra?: unknown };
  parts?: Array<{ firstRow: number; rows: number; bytes: number; last: boolean; text: string }>;
  error?: { message: string; extra?: unknown };
}

/** The message and what InputError adds to its extensions (line or row). */
const errorOf = (error: unknown) => {
  const e = error as { message: string; extensions?: Record<string, unknown> };
  const { argument: _argument, code: _code, ...extra } = e.extensions ?? {};
  return { message: e.message, extra: Object.keys(extra).length > 0 ? extra : undefined };
};

/** What the split must produce: csv-parse of the whole input, csv-stringify of each record. */
function expected(input: Buffer, format: DelimitedFormat, maxBytes: number): Outcome {
  const delimiter = DELIMITERS[format];
  // Records as csv-parse emits them before any error: a row too long is refused before a
  // later record's parse error is reached, as when streaming.
  const records: string[][] = [];
  let parseError: Outcome['error'];
  try {
    parse(input, {
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[]) => {
        records.push(record);
        return null;
      },
    });
  } catch (error) {
    const e = error as { message: string; lines?: number };
    parseError = {
      message: `input.data: is not valid delimited text: ${e.message}`,
      extra: e.lines === undefined ? undefined : { line: e.lines },
    };
  }
  if (parseError && records.length === 0) return { error: parseError };
  const [header, ...rows] = records;
  if (!header || header.every((name) => name.trim() === '')) {
    return { error: { message: 'input.data: has no header row', extra: undefined } };
  }
  const text = (cells: string[]) => stringify([cells], { delimiter, record_delimiter: '\n' });
  const headerText = text(header);
  const headerBytes = Buffer.byteLength(headerText);
  const parts: NonNullable<Outcome['parts']> = [];
  let current: (typeof parts)[number] | undefined;
  for (const [i, row] of rows.entries()) {
    const line = text(row);
    const bytes = Buffer.byteLength(line);
    if (headerBytes + bytes > maxBytes) {
      return {
        header,
        ...(parseError && { orError: parseError }),
        error: {
          message: `input.data: row ${i + 1} is ${bytes} bytes: no import file under ${maxBytes} bytes can hold it`,
          extra: { row: i + 1 },
        },
      };
    }
    if (!current || current.bytes + bytes > maxBytes) {
      current = { firstRow: i + 1, rows: 0, bytes: headerBytes, last: false, text: headerText };
      parts.push(current);
    }
    current.rows++;
    current.bytes += bytes;
    current.text += line;
  }
  if (parseError) return { header, error: parseError };
  if (current) current.last = true;
  return { header, parts };
}

async function actual(
  chunks: Buffer[],
  format: DelimitedFormat,
  maxBytes: number,
  into: string,
): Promise<Outcome> {
  const outcome: Outcome = {};
  try {
    const rows = await openRows(Readable.from(chunks), {
      format,
      argument: 'input.data',
      check: () => undefined,
    });
    outcome.header = [...rows.header];
    outcome.parts = [];
    for await (const part of rows.parts({ dir: into, maxBytes })) {
      const text = await readFile(part.file, 'utf8');
      const { firstRow, rows: count, bytes, last } = part;
      outcome.parts.push({ firstRow, rows: count, bytes, last, text });
    }
  } catch (error) {
    outcome.error = errorOf(error);
    delete outcome.parts;
  }
  return outcome;
}

/** Mostly plain rows; now and then a quote, a CR, a blank line, a multi-byte or invalid byte. */
function randomInput(rand: () => number, delimiter: string): Buffer {
  const pieces = ['a', 'b', 'x', delimiter, delimiter, ' ', '\n', '\n', 'é', '€'];
  const rare = ['"', '\r', '\r\n', '\n\n', '""', '\uFEFF', '\xff'];
  const parts: Buffer[] = [];
  if (rand() < 0.1) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  const header = rand() < 0.9 ? `email${delimiter}firstName\n` : '';
  parts.push(Buffer.from(header));
  const length = Math.floor(rand() * 120);
  const quiet = rand() < 0.5;
  for (let i = 0; i < length; i++) {
    if (!quiet && rand() < 0.04) {
      const piece = rare[Math.floor(rand() * rare.length)]!;
      parts.push(piece === '\xff' ? Buffer.from([0xff]) : Buffer.from(piece));
    } else {
      parts.push(Buffer.from(pieces[Math.floor(rand() * pieces.length)]!));
    }
  }
  return Buffer.concat(parts);
}

function cut(input: Buffer, rand: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length;) {
    const size = 1 + Math.floor(rand() * (rand() < 0.5 ? 4 : 40));
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('the import split', () => {
  it('writes the files csv-parse → csv-stringify would, for any input and any chunking', async () => {
    const rand = prng(19);
    const formats: DelimitedFormat[] = ['CSV', 'TSV', 'SSV'];
    for (let i = 0; i < 400; i++) {
      const format = formats[i % 3]!;
      const input = randomInput(rand, DELIMITERS[format]);
      const maxBytes = 24 + Math.floor(rand() * 200);
      const into = await mkdtemp(join(dir, 'case-'));
      const want = expected(input, format, maxBytes);
      const got = await actual(cut(input, rand), format, maxBytes, into);
      // On an error the header may or may not have been read: only the error is compared.
      if (want.error) {
        const either = want.orError && got.error?.message === want.orError.message;
        const error = either ? want.orError : want.error;
        expect({ case: i, error: got.error }).toEqual({ case: i, error });
      } else expect({ case: i, ...got }).toEqual({ case: i, ...want });
      await rm(into, { recursive: true, force: true });
    }
  });

  it('numbers the line of a broken record after thousands of plain ones as csv-parse does', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `r${i}@split.test,R${i}\n`);
    const input = Buffer.from(`email,firstName\n${rows.join('')}\nbad@split.test,"open\n`);
    const into = await mkdtemp(join(dir, 'broken-'));
    const got = await actual(cut(input, prng(7)), 'CSV', 4096, into);
    expect(got.error).toEqual(expected(input, 'CSV', 4096).error);
    expect(got.error?.extra).toEqual({ line: 5003 });
  });
});
