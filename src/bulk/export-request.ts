/**
 * Turns a `createExportJob` input into Marketo export requests: validated against describe (and
 * Marketo's documented rules) before any Marketo call, split into ≤ 31-day windows, with the JSON
 * type of every column fixed up front.
 */
import { InputError } from '../errors.js';
import type { ExportCreateRequest, FieldDescription } from '../marketo/api.js';
import { type DateWindow, MAX_WINDOW_DAYS, splitDateRange } from './date-windows.js';
import {
  type CellType,
  cellTypeFor,
  type DelimitedFormat,
  isDelimitedFormat,
} from './delimited.js';
import type { ExportEntityName } from './types.js';

export interface DateRange {
  startAt: string | Date;
  endAt: string | Date;
}

export interface ExportFilterInput {
  createdAt?: DateRange | null;
  updatedAt?: DateRange | null;
  staticListId?: number | null;
  staticListName?: string | null;
  smartListId?: number | null;
  smartListName?: string | null;
  activityTypeIds?: readonly number[] | null;
  primaryAttributeValueIds?: readonly number[] | null;
  primaryAttributeValues?: readonly string[] | null;
}

export interface CreateExportInput {
  entity: ExportEntityName;
  fields?: readonly string[] | null;
  format?: DelimitedFormat | null;
  filter: ExportFilterInput;
  columnHeaderNames?: Readonly<Record<string, string>> | null;
}

/** A validated export: what every Marketo job of it sends, minus the date window. */
export interface ExportPlan {
  entity: ExportEntityName;
  fields: string[];
  format: DelimitedFormat;
  filter: Record<string, unknown>;
  columnHeaderNames?: Record<string, string>;
  /** Which filter member carries the date window (createdAt/updatedAt), if any. */
  windowKey?: 'createdAt' | 'updatedAt';
  /** One entry per Marketo job; undefined = no window (list filters). */
  windows: Array<DateWindow | undefined>;
  columnTypes: Record<string, CellType>;
}

/** Activity export columns (Marketo's fixed set) and their JSON types. */
export const ACTIVITY_COLUMNS: Readonly<Record<string, CellType>> = {
  marketoGUID: 'string',
  leadId: 'integer',
  activityDate: 'string',
  activityTypeId: 'integer',
  campaignId: 'integer',
  primaryAttributeValueId: 'integer',
  primaryAttributeValue: 'string',
  attributes: 'json',
  actionResult: 'string',
};
const DEFAULT_ACTIVITY_FIELDS = [
  'marketoGUID',
  'leadId',
  'activityDate',
  'activityTypeId',
  'campaignId',
  'primaryAttributeValueId',
  'primaryAttributeValue',
  'attributes',
];
const LEAD_FILTERS = [
  'createdAt',
  'updatedAt',
  'staticListId',
  'staticListName',
  'smartListId',
  'smartListName',
] as const;
const ACTIVITY_ONLY = [
  'activityTypeIds',
  'primaryAttributeValueIds',
  'primaryAttributeValues',
] as const;
const MAX_PRIMARY_ATTRIBUTE_VALUES = 50;

const badInput = (argument: string, message: string, field?: string): InputError =>
  new InputError(argument, message, field === undefined ? {} : { field });

const present = (value: unknown): boolean => value !== undefined && value !== null;

function checkRange(range: DateRange, argument: string): { startAt: string; endAt: string } {
  const start = new Date(range.startAt);
  const end = new Date(range.endAt);
  if (Number.isNaN(start.getTime())) {
    throw badInput(`${argument}.startAt`, 'not a valid date-time');
  }
  if (Number.isNaN(end.getTime())) {
    throw badInput(`${argument}.endAt`, 'not a valid date-time');
  }
  if (end < start) {
    throw badInput(argument, 'endAt must not be before startAt');
  }
  return { startAt: start.toISOString(), endAt: end.toISOString() };
}

/**
 * Validates the input and returns the plan. `describe` is only called for lead exports. Every
 * error names the input member at fault (`input.fields[3]`, `input.filter`).
 */
export async function planExport(
  input: CreateExportInput,
  describe: () => Promise<readonly FieldDescription[]>,
  maxWindowDays: number = MAX_WINDOW_DAYS,
): Promise<ExportPlan> {
  const format = input.format ?? 'CSV';
  if (!isDelimitedFormat(format)) {
    throw badInput('input.format', `must be CSV, TSV or SSV, got '${String(format)}'`);
  }
  const filter = input.filter ?? {};
  const isLeads = input.entity === 'leads';

  // Fields and their JSON types.
  let fields: string[];
  const typeOfField = new Map<string, CellType>();
  if (isLeads) {
    if (!input.fields || input.fields.length === 0) {
      throw badInput('input.fields', 'required for a lead export (REST field names)');
    }
    const known = new Map((await describe()).map((f) => [f.name, f]));
    fields = [...input.fields];
    fields.forEach((name, i) => {
      const field = known.get(name);
      if (!field) {
        throw badInput(`input.fields[${i}]`, `unknown lead field '${name}'`, name);
      }
      if (field.dataType === 'formula') {
        throw badInput(
          `input.fields[${i}]`,
          `'${name}' is a formula field, which Marketo does not export`,
          name,
        );
      }
      typeOfField.set(name, cellTypeFor(field.dataType));
    });
  } else {
    fields = input.fields && input.fields.length > 0 ? [...input.fields] : DEFAULT_ACTIVITY_FIELDS;
    fields.forEach((name, i) => {
      const type = ACTIVITY_COLUMNS[name];
      if (!type) {
        throw badInput(
          `input.fields[${i}]`,
          `unknown activity export field '${name}'; allowed: ${Object.keys(ACTIVITY_COLUMNS).join(', ')}`,
        );
      }
      typeOfField.set(name, type);
    });
  }
  const seen = new Set<string>();
  fields.forEach((name, i) => {
    if (seen.has(name)) {
      throw badInput(`input.fields[${i}]`, `field '${name}' is listed twice`, name);
    }
    seen.add(name);
  });

  // Column headers: keys must be exported fields, resulting headers unique.
  let columnHeaderNames: Record<string, string> | undefined;
  if (input.columnHeaderNames && Object.keys(input.columnHeaderNames).length > 0) {
    columnHeaderNames = {};
    for (const [field, header] of Object.entries(input.columnHeaderNames)) {
      if (!seen.has(field)) {
        throw badInput(
          `input.columnHeaderNames.${field}`,
          `names '${field}', which is not in input.fields`,
          field,
        );
      }
      if (typeof header !== 'string' || header.trim() === '') {
        throw badInput(`input.columnHeaderNames.${field}`, 'must be a non-empty string', field);
      }
      columnHeaderNames[field] = header;
    }
  }
  const columnTypes: Record<string, CellType> = {};
  const headers = new Set<string>();
  for (const name of fields) {
    const header = columnHeaderNames?.[name] ?? name;
    if (headers.has(header)) {
      throw badInput('input.columnHeaderNames', `column header '${header}' would appear twice`);
    }
    headers.add(header);
    columnTypes[header] = typeOfField.get(name) ?? 'string';
  }

  // Filter.
  const out: Record<string, unknown> = {};
  let windowKey: 'createdAt' | 'updatedAt' | undefined;
  let range: { startAt: string; endAt: string } | undefined;
  if (isLeads) {
    const given = LEAD_FILTERS.filter((key) => present(filter[key]));
    if (given.length !== 1) {
      throw badInput(
        'input.filter',
        `needs exactly one of ${LEAD_FILTERS.join(', ')} for a lead export${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`,
      );
    }
    for (const key of ACTIVITY_ONLY) {
      if (present(filter[key])) {
        throw badInput(`input.filter.${key}`, 'only applies to activity exports');
      }
    }
    const key = given[0]!;
    if (key === 'createdAt' || key === 'updatedAt') {
      windowKey = key;
      range = checkRange(filter[key] as DateRange, `input.filter.${key}`);
    } else {
      const value = filter[key];
      if ((key === 'staticListId' || key === 'smartListId') && !(Number(value) > 0)) {
        throw badInput(`input.filter.${key}`, 'must be a positive id');
      }
      if ((key === 'staticListName' || key === 'smartListName') && String(value).trim() === '') {
        throw badInput(`input.filter.${key}`, 'must not be empty');
      }
      out[key] = value;
    }
  } else {
    if (!present(filter.createdAt)) {
      throw badInput('input.filter.createdAt', 'required for an activity export');
    }
    for (const key of LEAD_FILTERS) {
      if (key !== 'createdAt' && present(filter[key])) {
        throw badInput(`input.filter.${key}`, 'does not apply to activity exports');
      }
    }
    windowKey = 'createdAt';
    range = checkRange(filter.createdAt as DateRange, 'input.filter.createdAt');
    const typeIds = filter.activityTypeIds;
    if (present(typeIds)) {
      if (typeIds!.length === 0 || typeIds!.some((id) => !(Number.isInteger(id) && id > 0))) {
        throw badInput('input.filter.activityTypeIds', 'must be positive ids');
      }
      out.activityTypeIds = [...typeIds!];
    }
    const ids = filter.primaryAttributeValueIds;
    const values = filter.primaryAttributeValues;
    if (present(ids) && present(values)) {
      throw badInput(
        'input.filter',
        'give primaryAttributeValueIds or primaryAttributeValues, not both',
      );
    }
    for (const [key, list] of [
      ['primaryAttributeValueIds', ids],
      ['primaryAttributeValues', values],
    ] as const) {
      if (!present(list)) continue;
      if (!present(typeIds)) {
        throw badInput(`input.filter.${key}`, 'requires input.filter.activityTypeIds');
      }
      if (list!.length > MAX_PRIMARY_ATTRIBUTE_VALUES) {
        throw badInput(
          `input.filter.${key}`,
          `allows at most ${MAX_PRIMARY_ATTRIBUTE_VALUES} values`,
        );
      }
      out[key] = [...list!];
    }
  }

  const windows: Array<DateWindow | undefined> = range
    ? splitDateRange(range.startAt, range.endAt, maxWindowDays)
    : [undefined];
  return {
    entity: input.entity,
    fields,
    format,
    filter: out,
    ...(columnHeaderNames && { columnHeaderNames }),
    ...(windowKey && { windowKey }),
    windows,
    columnTypes,
  };
}

/** The body of Marketo's create call for one window of the plan. */
export function marketoRequest(
  plan: Pick<ExportPlan, 'fields' | 'format' | 'filter' | 'columnHeaderNames' | 'windowKey'>,
  window: DateWindow | undefined,
): ExportCreateRequest {
  const filter = { ...plan.filter };
  if (plan.windowKey && window) filter[plan.windowKey] = { ...window };
  return {
    fields: plan.fields,
    format: plan.format,
    ...(plan.columnHeaderNames && { columnHeaderNames: plan.columnHeaderNames }),
    filter,
  };
}
