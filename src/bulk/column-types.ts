/**
 * Column types for an export the gateway did not create (adopted by id): its fields are unknown
 * until the file's header arrives, so every lead field's describe type is offered by REST name
 * (a header renamed by `columnHeaderNames` stays text). Activity exports have fixed columns.
 */
import type { FieldDescription } from '../marketo/api.js';
import { type CellType, cellTypeFor } from './delimited.js';
import { ACTIVITY_COLUMNS } from './export-request.js';

/** REST field name → JSON type of its exported cells. */
export function columnTypesFromDescribe(
  fields: readonly FieldDescription[],
): Record<string, CellType> {
  return Object.fromEntries(fields.map((f) => [f.name, cellTypeFor(f.dataType)]));
}

/** The column types of an adopted export; untyped (text) when the describe cannot be had. */
export async function adoptedColumnTypes(
  entity: string,
  describe: () => Promise<readonly FieldDescription[]>,
): Promise<Record<string, CellType>> {
  if (entity !== 'leads') return { ...ACTIVITY_COLUMNS };
  try {
    return columnTypesFromDescribe(await describe());
  } catch {
    return {};
  }
}
