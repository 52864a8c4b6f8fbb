/**
 * Bulk lead import (basic): rows as delimited text or JSON rows → one Marketo import job, and the
 * ImportJob type with Marketo's counters and the failed/warned rows parsed from Marketo's files.
 * Kept open for File uploads, >10 MB splitting and original row numbers (a later issue).
 */
import type { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DELIMITERS } from '../bulk/delimited.js';
import { InputError } from '../errors.js';
import type { DelimitedFormat, ImportJobStatus } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import { positiveId } from './args.js';
import { builder } from './builder.js';

/** Marketo's bulk import file limit. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const ImportFormatEnum = builder.enumType('ImportFormat', {
  description: 'CSV (comma), TSV (tab), SSV (semicolon).',
  values: ['CSV', 'TSV', 'SSV'] as const,
});

type ImportState = 'QUEUED' | 'IMPORTING' | 'COMPLETE' | 'FAILED';
const ImportStateEnum = builder.enumType('ImportJobState', {
  values: ['QUEUED', 'IMPORTING', 'COMPLETE', 'FAILED'] as const,
});

interface ImportRowIssue {
  row: Record<string, string>;
  reason: string;
}

const ImportRowIssueRef = builder.objectRef<ImportRowIssue>('ImportRowIssue').implement({
  description:
    "A row Marketo failed or warned about, with its original values and Marketo's reason.",
  fields: (t) => ({
    row: t.field({ type: 'JSONObject', nullable: false, resolve: (r) => r.row }),
    reason: t.exposeString('reason', { nullable: false }),
  }),
});

function stateOf(status: string): ImportState | null {
  switch (status.toLowerCase()) {
    case 'queued':
      return 'QUEUED';
    case 'importing':
      return 'IMPORTING';
    case 'complete':
    case 'completed':
      return 'COMPLETE';
    case 'failed':
      return 'FAILED';
    default:
      return null;
  }
}

/** Marketo's failures/warnings file: the job's header plus a last reason column. */
async function parseIssues(
  stream: Readable | null,
  reasonColumn: string,
): Promise<ImportRowIssue[]> {
  if (!stream) return [];
  const content = await readText(stream);
  if (content.trim() === '') return [];
  const header = content.slice(0, content.search(/\r?\n|$/));
  const delimiter =
    [DELIMITERS.TSV, DELIMITERS.SSV].find((d) => header.includes(d)) ?? DELIMITERS.CSV;
  const records: Record<string, string>[] = parse(content, {
    columns: true,
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  });
  return records.map((record) => {
    const { [reasonColumn]: reason, ...row } = record;
    return { row, reason: reason ?? '' };
  });
}

export const ImportJobRef = builder.objectRef<ImportJobStatus>('ImportJob').implement({
  description: 'A Marketo bulk lead import job.',
  fields: (t) => ({
    id: t.id({
      nullable: false,
      description: "Marketo's batchId.",
      resolve: (j) => String(j.batchId),
    }),
    status: t.field({ type: ImportStateEnum, nullable: true, resolve: (j) => stateOf(j.status) }),
    marketoStatus: t.exposeString('status', {
      nullable: false,
      description: 'As Marketo spells it.',
    }),
    rowsProcessed: t.int({ nullable: false, resolve: (j) => j.numOfLeadsProcessed ?? 0 }),
    rowsFailed: t.int({ nullable: false, resolve: (j) => j.numOfRowsFailed ?? 0 }),
    rowsWithWarning: t.int({ nullable: false, resolve: (j) => j.numOfRowsWithWarning ?? 0 }),
    message: t.exposeString('message', { nullable: true }),
    failures: t.field({
      type: [ImportRowIssueRef],
      nullable: { list: false, items: false },
      description: 'Rows Marketo rejected (read from its failures file once there are any).',
      resolve: async (j, _args, ctx) =>
        (j.numOfRowsFailed ?? 0) > 0
          ? parseIssues(await ctx.marketo.getImportFailures(j.batchId), 'Import Failure Reason')
          : [],
    }),
    warnings: t.field({
      type: [ImportRowIssueRef],
      nullable: { list: false, items: false },
      description: 'Rows imported with a warning (e.g. an invalid email); not failures.',
      resolve: async (j, _args, ctx) =>
        (j.numOfRowsWithWarning ?? 0) > 0
          ? parseIssues(await ctx.marketo.getImportWarnings(j.batchId), 'Import Warning Reason')
          : [],
    }),
  }),
});

const ImportLeadsInput = builder.inputType('ImportLeadsInput', {
  description: 'Exactly one of `data` (delimited text with a header row) or `rows` (JSON objects).',
  fields: (t) => ({
    data: t.string({
      required: false,
      description: 'Delimited text; the header row holds Marketo REST field names.',
    }),
    rows: t.field({
      type: ['JSONObject'],
      required: false,
      description: 'Rows keyed by REST field names.',
    }),
    format: t.field({ type: ImportFormatEnum, required: true, defaultValue: 'CSV' }),
    lookupField: t.string({ required: true, defaultValue: 'email' }),
    listId: t.int({ required: false, description: 'Add every imported lead to this static list.' }),
    partitionName: t.string({ required: false }),
  }),
});

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

builder.queryField('importJob', (t) =>
  t.field({
    type: ImportJobRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = String(args.id);
      if (!/^\d+$/.test(id)) throw new InputError('id', 'must be an import batch id (digits)');
      try {
        return await ctx.marketo.getImportJobStatus(Number(id));
      } catch (error) {
        // Marketo answers an unknown batch with 1003/1013 (or nothing).
        if (error instanceof MarketoError && ['1003', '1013', '610'].includes(error.code))
          return null;
        throw error;
      }
    },
  }),
);

builder.mutationField('importLeads', (t) =>
  t.field({
    type: ImportJobRef,
    nullable: false,
    description:
      'Starts a Marketo bulk import (insert or update by lookup field); poll `importJob`.',
    args: { input: t.arg({ type: ImportLeadsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const format = input.format as DelimitedFormat;
      const delimiter = DELIMITERS[format];
      if ((input.data == null) === (input.rows == null)) {
        throw new InputError('input', 'give exactly one of data or rows');
      }
      if (input.listId != null) positiveId('input.listId', input.listId);
      let text: string;
      let columns: string[];
      let argument: string;
      if (input.rows != null) {
        argument = 'input.rows';
        if (input.rows.length === 0) throw new InputError(argument, 'must not be empty');
        columns = [...new Set(input.rows.flatMap((row) => Object.keys(row)))];
        text = stringify(
          input.rows.map((row) => columns.map((c) => cellText(row[c]))),
          { header: true, columns, delimiter },
        );
      } else {
        argument = 'input.data';
        text = input.data ?? '';
        const [header] = parse(text, { delimiter, to_line: 1, bom: true }) as string[][];
        columns = header ?? [];
        if (columns.length === 0) throw new InputError(argument, 'has no header row');
      }
      if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) {
        throw new InputError(argument, "is larger than Marketo's 10 MB import limit");
      }
      const catalog = await ctx.loaders.fieldCatalog();
      for (const column of columns) {
        if (!catalog.has(column)) {
          throw new InputError(argument, `unknown lead field '${column}' in the header`, {
            field: column,
          });
        }
      }
      const lookup = catalog.get(input.lookupField);
      if (!lookup || !(lookup.searchable || input.lookupField === 'id')) {
        throw new InputError(
          'input.lookupField',
          `'${input.lookupField}' cannot be an import lookup field`,
          {
            field: input.lookupField,
          },
        );
      }
      if (!columns.includes(input.lookupField)) {
        throw new InputError(argument, `has no '${input.lookupField}' column (the lookup field)`, {
          field: input.lookupField,
        });
      }
      return ctx.marketo.importLeads(text, {
        format,
        lookupField: input.lookupField,
        ...(input.listId != null && { listId: input.listId }),
        ...(input.partitionName != null && { partitionName: input.partitionName }),
      });
    },
  }),
);
