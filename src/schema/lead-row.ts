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

/** One parsed row (keyed by column header) and the job's REST name → header renames. */
interface LeadRowSource {
  row: Record<string, unknown>;
  headers: Readonly<Record<string, string>> | undefined;
}

/** The cell of REST field `name`, wherever `columnHeaderNames` put it; null when not exported. */
const cell = (source: LeadRowSource, name: string): unknown =>
  source.row[source.headers?.[name] ?? name] ?? null;

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
      return rowConnection(await ctx.exportJobs.rows(job, args), (row) => ({
        row,
        headers: job.columnHeaderNames,
      }));
    },
  }),
);
