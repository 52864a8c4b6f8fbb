/**
 * Marketo's failures/warnings files (§9.3: the job's header plus a last reason column, one line per
 * affected input row with its original cells) mapped back to the caller's original row numbers.
 * The files carry no row number, so the part file is scanned once and each issue takes the next
 * unclaimed row with the same cells: exact for duplicates too, whatever order Marketo lists them in.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { DELIMITERS, type DelimitedFormat } from './delimited.js';

export type ImportIssueKind = 'FAILURE' | 'WARNING';

/** A row Marketo failed or warned about. */
export interface ImportRowIssue {
  /** 1-based number of the row in the caller's input (header not counted), across all parts. */
  rowNumber: number | null;
  /** The Marketo import job that reported it. */
  batchId: number;
  /** Cells by column header, as sent. */
  row: Record<string, string>;
  reason: string;
}

/** Trailing empty cells dropped: Marketo pads short rows in its files. */
function fingerprint(cells: readonly string[]): string {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === '') end--;
  return cells.slice(0, end).join('\u0000');
}

function records(stream: Readable, format: DelimitedFormat): AsyncIterable<string[]> {
  // Marketo writes its files in the job's format; a header line decides if it says otherwise.
  return stream.pipe(
    parse({
      delimiter: DELIMITERS[format],
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }),
  );
}

export interface RawIssue {
  cells: string[];
  reason: string;
}

/** Reads one failures or warnings file; the reason is the last cell of each line. */
export async function readIssueFile(
  stream: Readable,
  format: DelimitedFormat,
): Promise<{ header: string[]; issues: RawIssue[] }> {
  const issues: RawIssue[] = [];
  let header: string[] | undefined;
  for await (const record of records(stream, format)) {
    if (!header) header = record.slice(0, -1);
    else issues.push({ cells: record.slice(0, -1), reason: record.at(-1) ?? '' });
  }
  return { header: header ?? [], issues };
}

/**
 * Gives every issue of one part its original row number, by scanning the part's file (the rows
 * exactly as sent). An issue whose cells match no row keeps `rowNumber: null` rather than a guess.
 */
export async function locateIssues(options: {
  /** The part as sent; without it (a job created elsewhere) row numbers stay null. */
  partFile: string | undefined;
  format: DelimitedFormat;
  firstRow: number;
  batchId: number;
  header: readonly string[];
  issues: ReadonlyArray<{ kind: ImportIssueKind; issue: RawIssue }>;
}): Promise<Array<{ kind: ImportIssueKind; issue: ImportRowIssue }>> {
  const wanted = new Map<string, number[]>();
  for (const { issue } of options.issues) wanted.set(fingerprint(issue.cells), []);
  if (wanted.size > 0 && options.partFile) {
    let index = -1; // the header line
    for await (const record of records(createReadStream(options.partFile), options.format)) {
      if (index >= 0) wanted.get(fingerprint(record))?.push(options.firstRow + index);
      index++;
    }
  }
  // Failures and warnings of one row both refer to it: each kind claims rows on its own.
  const claimed = new Map<ImportIssueKind, Map<string, number>>();
  return options.issues.map(({ kind, issue }) => {
    const key = fingerprint(issue.cells);
    const used = claimed.get(kind) ?? new Map<string, number>();
    claimed.set(kind, used);
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const row: Record<string, string> = {};
    options.header.forEach((name, i) => {
      row[name] = issue.cells[i] ?? '';
    });
    return {
      kind,
      issue: {
        rowNumber: wanted.get(key)?.[n] ?? null,
        batchId: options.batchId,
        row,
        reason: issue.reason,
      },
    };
  });
}
