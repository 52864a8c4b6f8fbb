/**
 * How Marketo's bulk files are read: one csv-parse configuration per format, Marketo's `null`
 * convention, and cell typing by the field's describe `dataType`. Kept apart from the export
 * lifecycle so import (and tests) can share the exact same settings.
 */
import { type Options, type Parser, parse } from 'csv-parse';

export type DelimitedFormat = 'CSV' | 'TSV' | 'SSV';

/** SSV is `;` (the generic bulk pages and the import docs; the sandbox agrees — see marketo-api.md §8.4). */
export const DELIMITERS: Readonly<Record<DelimitedFormat, string>> = {
  CSV: ',',
  TSV: '\t',
  SSV: ';',
};

export function isDelimitedFormat(value: unknown): value is DelimitedFormat {
  return value === 'CSV' || value === 'TSV' || value === 'SSV';
}

/** What a cell becomes in JSON. */
export type CellType = 'string' | 'integer' | 'number' | 'boolean' | 'json';

/** Marketo describe `dataType` → JSON type of the exported cell (unknown types stay strings). */
export function cellTypeFor(dataType: string | undefined): CellType {
  switch (dataType) {
    case 'integer':
    case 'score':
      return 'integer';
    case 'float':
    case 'currency':
    case 'percent':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'json';
    default:
      return 'string';
  }
}

const INTEGER = /^[+-]?\d+$/;

/**
 * One cell, typed. `null` is Marketo's empty value (Marketo never quotes it, so a text "null" is
 * indistinguishable and becomes null too). A value that does not fit its declared type is kept as
 * the original string rather than lost.
 */
export function typeCell(value: string, type: CellType): unknown {
  if (value === 'null') return null;
  if (type === 'string') return value;
  if (value === '') return null;
  switch (type) {
    case 'integer': {
      if (!INTEGER.test(value)) return value;
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    case 'number': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return value;
    case 'json':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
  }
}

/** A row that could not be parsed, with the line it ends on (1-based, header is line 1). */
export interface RowError {
  line: number;
  code: string;
  message: string;
}

export interface RowParserOptions {
  format: DelimitedFormat;
  /** Cell type by column header; columns not listed are strings. */
  types?: ReadonlyMap<string, CellType>;
  /** Called for each malformed record; parsing carries on with the next one. */
  onRowError?: (error: RowError) => void;
  /** Protects memory against a runaway quoted field (bytes). */
  maxRecordSize?: number;
  /**
   * Yield each row as an array of typed cells (in header order) instead of an object, and hand
   * the header to this callback first: a store keeps the header once instead of in every row.
   */
  onHeader?: (header: readonly string[]) => void;
}

interface CsvErrorLike {
  code?: string;
  message: string;
  lines?: number;
}

/**
 * csv-parse options for a Marketo bulk file: header row → object keys, strict field counts, typed
 * cells. Typing happens once per record in `on_record` (a `cast` function would cost a context
 * object per cell: an order of magnitude slower on wide lead exports).
 */
export function parserOptions(
  options: RowParserOptions,
  /** The header, already read: the first record is that header again, read for its length only. */
  known?: readonly string[],
): Options {
  const types = options.types ?? new Map<string, CellType>();
  let header: readonly string[] | undefined;
  let cellTypes: CellType[] = [];
  const onHeader = options.onHeader;
  const onRecord = (record: string[]): Record<string, unknown> | unknown[] | null => {
    if (!header) {
      header = known ?? record;
      cellTypes = header.map((name) => types.get(name) ?? 'string');
      if (!known) onHeader?.(header);
      return null;
    }
    if (onHeader) {
      const cells = new Array<unknown>(record.length);
      for (let i = 0; i < record.length; i++) cells[i] = typeCell(record[i]!, cellTypes[i]!);
      return cells;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) {
      row[header[i]!] = typeCell(record[i]!, cellTypes[i]!);
    }
    return row;
  };
  const onRowError = options.onRowError;
  return {
    delimiter: DELIMITERS[options.format],
    bom: true,
    max_record_size: options.maxRecordSize ?? 64 * 1024 * 1024,
    on_record: onRecord as NonNullable<Options['on_record']>,
    ...(onRowError && {
      skip_records_with_error: true,
      on_skip: (error: CsvErrorLike | undefined) => {
        if (!error) return;
        onRowError({
          line: error.lines ?? 0,
          code: error.code ?? 'CSV_ERROR',
          message: error.message,
        });
      },
    }),
  };
}

/**
 * csv-parse alone with these options (the reference the gateway's own reader, `row-parser.ts`,
 * hands odd records to, and that tests and benches compare it with).
 */
export function createCsvParser(options: RowParserOptions): Parser {
  return parse(parserOptions(options));
}
