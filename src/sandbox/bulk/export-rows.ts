/**
 * The rows of an export, read from the store when the job starts processing. List and smart-list
 * membership is snapshotted at that moment (Marketo: "membership at processing time"); lead values
 * are read as each row is written, lazily, so millions of leads never sit in memory at once.
 */
import type { ActivityRow, LeadRow, SandboxStore } from '../types.js';
import type { ExportSpec } from './export-request.js';
import { toWireTime } from './wire-time.js';

export function exportRows(spec: ExportSpec, store: SandboxStore): Iterable<readonly unknown[]> {
  return spec.entity === 'leads' ? leadRows(spec, store) : activityRows(spec, store);
}

/** Inclusive `[start, end]` test on second-precision wire datetimes, by string comparison. */
function windowTest(startAt: number, endAt: number): (value: unknown) => boolean {
  const from = toWireTime(Math.ceil(startAt / 1000) * 1000);
  const to = toWireTime(endAt);
  return (value) => {
    if (typeof value !== 'string') return false;
    // Canonical `YYYY-MM-DDTHH:MM:SSZ` compares correctly as text; parse anything else.
    const key = value.length === 20 && value.endsWith('Z') ? value : toWireTimeOf(value);
    return key !== undefined && key >= from && key <= to;
  };
}

function toWireTimeOf(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : toWireTime(ms);
}

/** Above this many members, one ordered scan beats sorting the ids (memory and time). */
const SORT_MEMBERS_UP_TO = 100_000;

/** The member leads in id order, from a snapshot of the membership. */
function* leadsById(ids: ReadonlySet<number>, store: SandboxStore): Iterable<LeadRow> {
  if (ids.size > SORT_MEMBERS_UP_TO) {
    for (const lead of store.leads()) if (ids.has(lead.id)) yield lead;
    return;
  }
  for (const id of [...ids].sort((a, b) => a - b)) {
    const lead = store.lead(id);
    if (lead) yield lead;
  }
}

/** A generator, so membership is read (and a missing smart list fails the job) on the first row. */
function* leadRows(spec: ExportSpec, store: SandboxStore): Iterable<readonly unknown[]> {
  const { filter, fields } = spec;
  let source: Iterable<LeadRow>;
  let keep: (lead: LeadRow) => boolean = () => true;
  if (filter.kind === 'createdAt' || filter.kind === 'updatedAt') {
    const inWindow = windowTest(filter.startAt, filter.endAt);
    const key = filter.kind;
    source = store.leads();
    keep = (lead) => inWindow(lead[key]);
  } else if (filter.kind === 'staticList') {
    source = leadsById(new Set(store.listMemberIds(filter.listId)), store);
  } else {
    const { id, name } = filter as { id?: number; name?: string };
    const members = store.smartListMemberIds({ id, name });
    if (!members) throw new Error(`Smart list '${id ?? name}' not found`);
    source = leadsById(new Set(members), store);
  }
  // Marketo's booleans are never null: an unset boolean exports as `false`.
  const blank = fields.map((name) => (store.field(name)?.dataType === 'boolean' ? false : null));
  // Walking the lead's own keys into column slots is several times faster than probing every
  // requested field (mostly absent, megamorphic lookups) when exports ask for ~100 fields.
  const columns = new Map<string, number[]>();
  fields.forEach((name, i) => {
    columns.set(name, [...(columns.get(name) ?? []), i]);
  });
  for (const lead of source) {
    if (!keep(lead)) continue;
    const row: unknown[] = blank.slice();
    for (const key of Object.keys(lead)) {
      const slots = columns.get(key);
      if (slots === undefined) continue;
      const value = lead[key];
      if (value === null || value === undefined) continue;
      for (const slot of slots) row[slot] = value;
    }
    yield row;
  }
}

function* activityRows(spec: ExportSpec, store: SandboxStore): Iterable<readonly unknown[]> {
  const { filter, fields } = spec;
  if (filter.kind !== 'createdAt') return;
  const inWindow = windowTest(filter.startAt, filter.endAt);
  const to = toWireTime(filter.endAt);
  const types = spec.activityTypeIds && new Set(spec.activityTypeIds);
  const ids = spec.primaryAttributeValueIds && new Set(spec.primaryAttributeValueIds);
  const values = spec.primaryAttributeValues && new Set(spec.primaryAttributeValues);
  for (const activity of store.activities()) {
    if (!inWindow(activity.activityDate)) {
      // Activities come in date order: nothing after the window can match.
      if (activity.activityDate > to) break;
      continue;
    }
    if (types && !types.has(activity.activityTypeId)) continue;
    if (ids && !ids.has(activity.primaryAttributeValueId ?? Number.NaN)) continue;
    if (values && !values.has(activity.primaryAttributeValue ?? '')) continue;
    const row = activity as ActivityRow & Record<string, unknown>;
    yield fields.map((name) => row[name] ?? null);
  }
}
