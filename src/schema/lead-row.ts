/**
 * LeadRow: a row of a lead export with typed fields (the describe's standard fields, generated
 * into lead-row-fields.generated.ts by `npm run codegen`) and custom fields through
 * `field(name:)`; exposed as `ExportJob.leadRows` beside the JSON `rows`, which it reads.
 */
import type { ExportJobRecord } from '../bulk/types.js';
import { builder } from './builder.js';
import { ExportJobRef, type RowConnection, rowConnection, rowPageArgs } from './export-job.js';
import { LEAD_ROW_FIELDS } from './lead-row-fields.generated.js';
import { typedLeadField } from './typed-lead-field.js';

/** One parsed row (its cells, not keyed) and where its page finds each REST field's cell. */
interface LeadRowSource {
  cells: readonly unknown[];
  columnOf: ReadonlyMap<string, number>;
}

/** The cell of REST field `name`, wherever `columnHeaderNames` put it; null when not exported. */
function cell(source: LeadRowSource, name: string): unknown {
  const column = source.columnOf.get(name);
  return column === undefined ? null : (source.cells[column] ?? null);
}

/**
 * Each REST field's column, made once a page: rows stay arrays of cells rather than objects of
 * a hundred keys each. A header given twice takes its last column, as keyed rows do.
 */
function columnsByField(
  columns: readonly string[],
  headers: Readonly<Record<string, string>> | undefined,
): Map<string, number> {
  const byHeader = new Map<string, number>();
  columns.forEach((column, i) => byHeader.set(column, i));
  if (!headers) return byHeader;
  // `headers[name] ?? name`: a renamed field is found by its REST name under its header.
  const byField = new Map(byHeader);
  for (const [name, header] of Object.entries(headers)) {
    const i = byHeader.get(header);
    if (i === undefined) byField.delete(name);
    else byField.set(name, i);
  }
  return byField;
}

const LeadRowRef = builder.objectRef<LeadRowSource>('LeadRow').implement({
  description:
    "A row of a lead export, typed by the lead describe's standard fields (null when the export does not include the field); custom fields through `field(name:)`.",
  fields: (t) => ({
    ...Object.fromEntries(
      LEAD_ROW_FIELDS.map((field) => [
        field.name,
        typedLeadField(t, field, (source) => cell(source, field.name)),
      ]),
    ),
    field: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Any exported field by its REST name (custom fields included), as `rows` has it; null when the export does not include it.',
      args: { name: t.arg.string({ required: true }) },
      resolve: (source, args) => cell(source, args.name),
    }),
  }),
});

type LeadRowPage = RowConnection<LeadRowSource>;

const LeadRowConnectionRef = builder.connectionObject(
  {
    type: LeadRowRef,
    name: 'LeadRowConnection',
    fields: (c) => ({
      totalCount: c.int({
        nullable: false,
        description: 'Rows readable in all.',
        resolve: (conn) => (conn as unknown as LeadRowPage).totalCount,
      }),
      nodes: c.field({
        type: [LeadRowRef],
        nullable: { list: false, items: false },
        description: 'The rows of this page (same as edges.node).',
        resolve: (conn) => (conn as unknown as LeadRowPage).edges.map((edge) => edge.node),
      }),
    }),
  },
  { name: 'LeadRowEdge' },
);

builder.objectField(ExportJobRef, 'leadRows', (t) =>
  t.field({
    type: LeadRowConnectionRef,
    nullable: true,
    description:
      'The rows of a lead export as typed `LeadRow`s (same pages and cursors as `rows`); null for an activity export.',
    args: rowPageArgs,
    resolve: async (job: ExportJobRecord, args, ctx): Promise<LeadRowPage | null> => {
      if (job.entity !== 'leads') return null;
      const page = await ctx.exportJobs.rowCells(job, args);
      const columnOf = columnsByField(page.columns, job.columnHeaderNames);
      return rowConnection(page, (cells) => ({ cells, columnOf }));
    },
  }),
);
