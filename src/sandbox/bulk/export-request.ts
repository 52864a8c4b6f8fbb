/**
 * Validates a bulk export `create.json` body into an ExportSpec, with Marketo's codes:
 * 1006 for unknown fields, 1035 for filters the subscription lacks, 1003 (naming the problem) for
 * the rest, where Marketo's own text is unknown. Nothing here touches job state: a request that
 * fails validation never creates a job.
 */
import type { SandboxStore } from '../types.js';
import { type BulkFormat, parseFormat } from './delimited.js';
import { fail, type Outcome, ok } from './outcome.js';
import { parseIsoDateTime } from './wire-time.js';

export type ExportEntity = 'leads' | 'activities';

export type ExportFilter =
  | { kind: 'createdAt' | 'updatedAt'; startAt: number; endAt: number }
  | { kind: 'staticList'; listId: number }
  | { kind: 'smartList'; id?: number; name?: string };

export interface ExportSpec {
  entity: ExportEntity;
  format: BulkFormat;
  /** Columns in request order (REST names). */
  fields: string[];
  /** Header text per column (`columnHeaderNames` applied). */
  headers: string[];
  filter: ExportFilter;
  /** Activities only. */
  activityTypeIds?: number[];
  primaryAttributeValueIds?: number[];
  primaryAttributeValues?: string[];
}

/** Lead filters Marketo can disable per subscription (→ 1035). */
export type OptionalExportFilter = 'updatedAt' | 'smartListId' | 'smartListName';

export const ACTIVITY_FIELDS = [
  'marketoGUID',
  'leadId',
  'activityDate',
  'activityTypeId',
  'campaignId',
  'primaryAttributeValueId',
  'primaryAttributeValue',
  'attributes',
] as const;
/** Allowed in `fields` for activities but not a default column. */
const ACTIVITY_OPTIONAL_FIELDS = ['actionResult'];

const MAX_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;
const LEAD_FILTERS = [
  'createdAt',
  'updatedAt',
  'staticListId',
  'staticListName',
  'smartListId',
  'smartListName',
];
/** Activity type "Delete Lead": Marketo's activity export does not support it. */
const DELETE_LEAD_ACTIVITY = 37;
const MAX_PRIMARY_ATTRIBUTE_VALUES = 50;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string) => fail('1003', message);

export function parseExportRequest(
  entity: ExportEntity,
  body: unknown,
  store: SandboxStore,
  unsupportedFilters: readonly OptionalExportFilter[] = [],
): Outcome<ExportSpec> {
  if (!isRecord(body)) return invalid('Request body must be a JSON object');
  const format = body.format === undefined ? 'CSV' : parseFormat(body.format);
  if (!format) return invalid(`Invalid format '${String(body.format)}': expected CSV, TSV or SSV`);

  const fields = entity === 'leads' ? leadFields(body.fields, store) : activityFields(body.fields);
  if (!fields.ok) return fields;

  const names = body.columnHeaderNames;
  if (names !== undefined && !isRecord(names)) {
    return invalid("Invalid value specified for attribute 'columnHeaderNames': expected an object");
  }
  const headers = fields.value.map((field) => {
    const renamed = names?.[field];
    return typeof renamed === 'string' && renamed !== '' ? renamed : field;
  });

  if (!isRecord(body.filter)) return invalid("Invalid value specified for attribute 'filter'");
  if (entity === 'leads') {
    const filter = leadFilter(body.filter, store, unsupportedFilters);
    if (!filter.ok) return filter;
    return ok({ entity, format, fields: fields.value, headers, filter: filter.value });
  }
  return activitySpec(body.filter, { entity, format, fields: fields.value, headers });
}

function leadFields(value: unknown, store: SandboxStore): Outcome<string[]> {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return invalid("Missing value for the required attribute 'fields'");
  }
  if (!Array.isArray(value) || !value.every((f) => typeof f === 'string')) {
    return invalid("Invalid value specified for attribute 'fields': expected an array of names");
  }
  for (const name of value as string[]) {
    const field = store.field(name);
    if (!field) return fail('1006', `Field '${name}' not found`);
    if (field.dataType === 'formula') {
      return invalid(`Field '${name}' is a formula field and cannot be exported`);
    }
  }
  return ok([...(value as string[])]);
}

function activityFields(value: unknown): Outcome<string[]> {
  if (value === undefined) return ok([...ACTIVITY_FIELDS]);
  if (!Array.isArray(value) || value.length === 0 || !value.every((f) => typeof f === 'string')) {
    return invalid("Invalid value specified for attribute 'fields': expected an array of names");
  }
  const allowed = new Set<string>([...ACTIVITY_FIELDS, ...ACTIVITY_OPTIONAL_FIELDS]);
  const unknown = (value as string[]).find((name) => !allowed.has(name));
  if (unknown !== undefined) return fail('1006', `Field '${unknown}' not found`);
  return ok([...(value as string[])]);
}

function dateWindow(name: string, value: unknown): Outcome<{ startAt: number; endAt: number }> {
  if (!isRecord(value)) return invalid(`Invalid value specified for filter '${name}'`);
  const startAt = parseIsoDateTime(value.startAt);
  const endAt = parseIsoDateTime(value.endAt);
  if (startAt === undefined || endAt === undefined) {
    return invalid(`Filter '${name}' needs ISO-8601 'startAt' and 'endAt'`);
  }
  if (endAt < startAt) return invalid(`Filter '${name}': endAt must not be before startAt`);
  if (endAt - startAt > MAX_WINDOW_DAYS * DAY_MS) {
    return invalid(`Filter '${name}': date range must be ${MAX_WINDOW_DAYS} days or fewer`);
  }
  return ok({ startAt, endAt });
}

function leadFilter(
  filter: Record<string, unknown>,
  store: SandboxStore,
  unsupported: readonly OptionalExportFilter[],
): Outcome<ExportFilter> {
  const keys = Object.keys(filter);
  const unknown = keys.find((key) => !LEAD_FILTERS.includes(key));
  if (unknown !== undefined) return invalid(`Unsupported filter '${unknown}' for lead export`);
  if (keys.length !== 1) {
    return invalid(
      `Invalid value specified for attribute 'filter': exactly one of ${LEAD_FILTERS.join(', ')} is required`,
    );
  }
  const key = keys[0] as string;
  if ((unsupported as readonly string[]).includes(key)) {
    return fail('1035', 'Unsupported filter type for target subscription');
  }
  const value = filter[key];
  switch (key) {
    case 'createdAt':
    case 'updatedAt': {
      const window = dateWindow(key, value);
      return window.ok ? ok({ kind: key, ...window.value }) : window;
    }
    case 'staticListId': {
      const list = Number.isInteger(value) ? store.list(value as number) : undefined;
      return list
        ? ok({ kind: 'staticList', listId: list.id })
        : invalid(`Static list '${String(value)}' not found`);
    }
    case 'staticListName': {
      const list = typeof value === 'string' ? store.listByName(value) : undefined;
      return list
        ? ok({ kind: 'staticList', listId: list.id })
        : invalid(`Static list '${String(value)}' not found`);
    }
    case 'smartListId':
      // Existence is checked when the job runs (an unknown smart list fails the job): the
      // store can only tell by evaluating it, a scan too slow for a create call on 2M leads.
      return Number.isInteger(value)
        ? ok({ kind: 'smartList', id: value as number })
        : invalid("Invalid value specified for filter 'smartListId': expected an integer");
    default:
      return typeof value === 'string' && value !== ''
        ? ok({ kind: 'smartList', name: value })
        : invalid("Invalid value specified for filter 'smartListName': expected a name");
  }
}

function integers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v))
    ? (value as number[])
    : undefined;
}

function activitySpec(
  filter: Record<string, unknown>,
  base: Omit<ExportSpec, 'filter'>,
): Outcome<ExportSpec> {
  const allowed = [
    'createdAt',
    'activityTypeIds',
    'primaryAttributeValueIds',
    'primaryAttributeValues',
  ];
  const unknown = Object.keys(filter).find((key) => !allowed.includes(key));
  if (unknown !== undefined) return invalid(`Unsupported filter '${unknown}' for activity export`);
  if (filter.createdAt === undefined) {
    return invalid("Missing value for the required filter 'createdAt'");
  }
  const window = dateWindow('createdAt', filter.createdAt);
  if (!window.ok) return window;
  const spec: ExportSpec = { ...base, filter: { kind: 'createdAt', ...window.value } };

  if (filter.activityTypeIds !== undefined) {
    const ids = integers(filter.activityTypeIds);
    if (!ids || ids.length === 0) {
      return invalid("Invalid value specified for filter 'activityTypeIds': expected integers");
    }
    if (ids.includes(DELETE_LEAD_ACTIVITY)) {
      return invalid(`Activity type ${DELETE_LEAD_ACTIVITY} (Delete Lead) is not supported`);
    }
    spec.activityTypeIds = ids;
  }
  const byIds = filter.primaryAttributeValueIds;
  const byValues = filter.primaryAttributeValues;
  if (byIds !== undefined || byValues !== undefined) {
    if (byIds !== undefined && byValues !== undefined) {
      return invalid('Use primaryAttributeValueIds or primaryAttributeValues, not both');
    }
    if (!spec.activityTypeIds) {
      return invalid('primaryAttributeValueIds/primaryAttributeValues require activityTypeIds');
    }
    const list = byIds ?? byValues;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PRIMARY_ATTRIBUTE_VALUES) {
      return invalid(
        `Filter '${byIds ? 'primaryAttributeValueIds' : 'primaryAttributeValues'}' takes 1 to ${MAX_PRIMARY_ATTRIBUTE_VALUES} values`,
      );
    }
    if (byIds !== undefined) {
      const ids = integers(byIds);
      if (!ids) return invalid("Invalid value specified for filter 'primaryAttributeValueIds'");
      spec.primaryAttributeValueIds = ids;
    } else {
      if (!list.every((v) => typeof v === 'string')) {
        return invalid("Invalid value specified for filter 'primaryAttributeValues'");
      }
      spec.primaryAttributeValues = list as string[];
    }
  }
  return ok(spec);
}
