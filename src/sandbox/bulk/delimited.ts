/**
 * Marketo's bulk file formats (export files, import failure/warning files). One place knows the
 * delimiters and RFC-4180 quoting so export and import write identical dialects.
 *
 * SSV: Marketo's docs call it "space" separated on some pages and "semicolon" on others; the
 * sandbox uses `;` (what the import docs say), like the gateway's parser.
 */
export type BulkFormat = 'CSV' | 'TSV' | 'SSV';

export const BULK_FORMATS: readonly BulkFormat[] = ['CSV', 'TSV', 'SSV'];

const DELIMITERS: Record<BulkFormat, string> = { CSV: ',', TSV: '\t', SSV: ';' };

/** Content type of every bulk file the sandbox serves (Marketo's, per RudderStack's check). */
export const BULK_FILE_CONTENT_TYPE = 'text/csv;charset=UTF-8';

/** `csv`, `Csv`, `CSV` → `CSV`; anything else → undefined. */
export function parseFormat(value: unknown): BulkFormat | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return (BULK_FORMATS as readonly string[]).includes(upper) ? (upper as BulkFormat) : undefined;
}

export interface Dialect {
  readonly format: BulkFormat;
  readonly delimiter: string;
  /** The cell as written: quoted (with `"` doubled) only when it holds the delimiter, `"`, CR or LF. */
  cell(text: string): string;
  /** One record with its LF terminator (Marketo files use LF). */
  row(cells: readonly string[]): string;
}

export function dialect(format: BulkFormat): Dialect {
  const delimiter = DELIMITERS[format];
  // A single precompiled test per cell keeps the writer fast on hundreds of MB.
  const needsQuotes = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter}"\\r\\n]`);
  const cell = (text: string) =>
    needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  return {
    format,
    delimiter,
    cell,
    row: (cells) => {
      let line = '';
      for (let i = 0; i < cells.length; i++) {
        if (i > 0) line += delimiter;
        line += cell(cells[i] ?? '');
      }
      return `${line}\n`;
    },
  };
}
