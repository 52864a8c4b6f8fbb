/**
 * Reading an uploaded delimited file (header of REST field names, then rows) for `upsertLeads`:
 * counting its rows without holding them (to choose BULK or SYNC, `row-guard.ts`), and parsing it into row objects
 * for the synchronous path. Both stream from the file with csv-parse, as the import split does.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { DELIMITERS, type DelimitedFormat } from '../bulk/delimited.js';
import { InputError } from '../errors.js';

function records(file: File, format: DelimitedFormat) {
  // Yoga's File may be its fetch ponyfill's: read it as an async iterable of chunks.
  const source = Readable.from(file.stream() as unknown as AsyncIterable<Uint8Array>);
  const parser = source.pipe(
    parse({
      delimiter: DELIMITERS[format],
      bom: true,
      relax_column_count: true, // as the import: Marketo (or the row checks) fail such rows
      skip_empty_lines: true,
    }),
  );
  source.on('error', (error) => parser.destroy(error));
  return {
    rows: parser as AsyncIterable<string[]>,
    stop: () => {
      parser.destroy();
      source.destroy();
    },
  };
}

function invalid(argument: string, error: unknown): InputError {
  const e = error as { message?: string; lines?: number };
  return new InputError(argument, `is not valid delimited text: ${e.message ?? String(error)}`, {
    ...(e.lines !== undefined && { extra: { line: e.lines } }),
  });
}

export { countRows } from './row-guard.js';

/**
 * The rows as objects keyed by the header's names; an empty cell is left out (the field is left
 * as it is, as in an import). More than `max` rows is refused.
 */
export async function readRows(
  file: File,
  format: DelimitedFormat,
  options: { argument: string; max: number },
): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const { rows: records_, stop } = records(file, format);
  let header: string[] | undefined;
  const rows: Record<string, string>[] = [];
  try {
    for await (const record of records_) {
      if (!header) {
        header = record;
        continue;
      }
      if (rows.length === options.max) {
        throw new InputError(options.argument, `has more than ${options.max} rows`);
      }
      const row: Record<string, string> = {};
      for (let i = 0; i < record.length && i < header.length; i++) {
        const value = record[i]!;
        if (value !== '') row[header[i]!] = value;
      }
      rows.push(row);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw invalid(options.argument, error);
  } finally {
    stop();
  }
  if (!header || header.every((name) => name.trim() === '')) {
    throw new InputError(options.argument, 'has no header row');
  }
  return { header, rows };
}
