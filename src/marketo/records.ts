/**
 * Marketo record shapes (leads, lists, campaigns, bulk job statuses, usage, describe) read from
 * envelope results into the types of `api.ts`: members present only when Marketo sent them,
 * numbers and booleans accepted as strings, job states spelled one way.
 */
import type {
  Campaign,
  ExportJobStatus,
  FieldDescription,
  ImportJobStatus,
  Lead,
  Partition,
  StaticList,
  UsageDay,
} from './api.js';
import { MarketoError } from './errors.js';
import {
  asString,
  type Envelope,
  isObject,
  normaliseJobStatus,
  pick,
  toBool,
  toInt,
  toNumber,
} from './wire.js';

export function parseLead(item: unknown): Lead | undefined {
  if (!isObject(item)) return undefined;
  const id = toInt(item.id);
  return id === undefined ? undefined : { ...item, id };
}

export function parseStaticList(item: unknown): StaticList | undefined {
  if (!isObject(item)) return undefined;
  const id = toInt(item.id);
  if (id === undefined) return undefined;
  return {
    id,
    name: asString(item.name) ?? '',
    ...pick<Omit<StaticList, 'id' | 'name'>>(item, {
      description: asString,
      programName: asString,
      workspaceId: toInt,
      workspaceName: asString,
      createdAt: asString,
      updatedAt: asString,
    }),
  };
}

export function parseCampaign(item: unknown): Campaign | undefined {
  if (!isObject(item)) return undefined;
  const id = toInt(item.id);
  if (id === undefined) return undefined;
  return {
    id,
    name: asString(item.name) ?? '',
    type: asString(item.type) ?? '',
    active: toBool(item.active) ?? false,
    ...pick<Omit<Campaign, 'id' | 'name' | 'type' | 'active'>>(item, {
      description: asString,
      programName: asString,
      programId: toInt,
      workspaceName: asString,
      createdAt: asString,
      updatedAt: asString,
    }),
  };
}

export function parseExportStatus(item: unknown): ExportJobStatus | undefined {
  if (!isObject(item)) return undefined;
  const exportId = asString(item.exportId);
  if (exportId === undefined) return undefined;
  return {
    exportId,
    format: asString(item.format) ?? 'CSV',
    status: normaliseJobStatus(item.status),
    createdAt: asString(item.createdAt) ?? '',
    ...pick<Omit<ExportJobStatus, 'exportId' | 'format' | 'status' | 'createdAt'>>(item, {
      queuedAt: asString,
      startedAt: asString,
      finishedAt: asString,
      numberOfRecords: toNumber,
      fileSize: toNumber,
      fileChecksum: asString,
      errorMsg: asString,
    }),
  };
}

export function parseImportStatus(item: unknown): ImportJobStatus | undefined {
  if (!isObject(item)) return undefined;
  const batchId = toInt(item.batchId ?? item.importId);
  if (batchId === undefined) return undefined;
  return {
    batchId,
    importId: asString(item.importId) ?? String(batchId),
    status: normaliseJobStatus(item.status),
    ...pick<Omit<ImportJobStatus, 'batchId' | 'importId' | 'status'>>(item, {
      numOfLeadsProcessed: toNumber,
      numOfRowsFailed: toNumber,
      numOfRowsWithWarning: toNumber,
      message: asString,
    }),
  };
}

export function first<T>(
  envelope: Envelope,
  map: (item: unknown) => T | undefined,
  endpoint: string,
): T {
  const value = envelope.result.length > 0 ? map(envelope.result[0]) : undefined;
  if (value === undefined) {
    throw new MarketoError({
      code: 'BAD_RESPONSE',
      message: 'Marketo returned no usable result',
      endpoint,
      ...(envelope.requestId !== undefined && { requestId: envelope.requestId }),
    });
  }
  return value;
}

export function parsePartition(item: unknown): Partition | undefined {
  if (!isObject(item)) return undefined;
  const id = toInt(item.id);
  if (id === undefined) return undefined;
  const description = asString(item.description);
  return { id, name: asString(item.name) ?? '', ...(description !== undefined && { description }) };
}

export function parseUsageDay(item: unknown): UsageDay | undefined {
  if (!isObject(item)) return undefined;
  const users = Array.isArray(item.users)
    ? item.users.flatMap((u) =>
        isObject(u) ? [{ userId: asString(u.userId) ?? '', count: toNumber(u.count) ?? 0 }] : [],
      )
    : undefined;
  return {
    date: asString(item.date) ?? '',
    total: toNumber(item.total) ?? 0,
    ...(users !== undefined && { users }),
  };
}

/** Single-field entries of describe2's `searchableFields` (`[["email"], ["id"], …]`). */
export function searchableFieldNames(envelope: Envelope): Set<string> {
  const head = envelope.result[0];
  const lists = isObject(head) && Array.isArray(head.searchableFields) ? head.searchableFields : [];
  const names = new Set<string>();
  for (const entry of lists) {
    if (Array.isArray(entry) && entry.length === 1 && typeof entry[0] === 'string') {
      names.add(entry[0]);
    } else if (typeof entry === 'string') names.add(entry);
  }
  return names;
}

/** describe.json fields usable from REST, marked searchable from describe2. */
export function parseFieldDescriptions(
  envelope: Envelope,
  searchable: ReadonlySet<string>,
): FieldDescription[] {
  const fields: FieldDescription[] = [];
  for (const item of envelope.result) {
    if (!isObject(item)) continue;
    const rest = isObject(item.rest) ? item.rest : undefined;
    const name = rest ? asString(rest.name) : asString(item.name);
    const id = toInt(item.id);
    if (!name || id === undefined) continue;
    const length = toInt(item.length);
    fields.push({
      id,
      name,
      displayName: asString(item.displayName) ?? name,
      dataType: asString(item.dataType) ?? 'string',
      ...(length !== undefined && { length }),
      readOnly: toBool(rest?.readOnly) ?? false,
      searchable: searchable.has(name),
    });
  }
  return fields;
}
