/** Why a row or record was skipped or failed: Marketo's record-level reasons, or the gateway's own. */
import { builder } from './builder.js';

export interface ReasonShape {
  /** Marketo's code (`"1004"`) or the gateway's (`INVALID_VALUE`, `MISSING_LOOKUP_VALUE`…). */
  code: string;
  message: string;
  /** The lead field concerned, when there is one. */
  field?: string;
}

export const ReasonRef = builder.objectRef<ReasonShape>('Reason').implement({
  description:
    'Why a record was skipped or failed. Marketo\'s codes are kept as strings ("1003", "1004"); the gateway\'s own checks use names (INVALID_VALUE, MISSING_LOOKUP_VALUE, NOT_UPSERTED…).',
  fields: (t) => ({
    code: t.exposeString('code', { nullable: false }),
    message: t.exposeString('message', { nullable: false }),
    field: t.exposeString('field', { nullable: true }),
  }),
});

/** The `reasons` of a per-row or per-lead result: never null, nor any item of it. */
export function reasonsField<Row extends { reasons: ReasonShape[] }>() {
  return {
    type: [ReasonRef] as [typeof ReasonRef],
    nullable: { list: false as const, items: false as const },
    resolve: (row: Row) => row.reasons,
  };
}

/** How many results have `status`: the counters beside the per-row results. */
export function countStatus<S>(results: ReadonlyArray<{ status: S }>, status: S): number {
  return results.filter((result) => result.status === status).length;
}
