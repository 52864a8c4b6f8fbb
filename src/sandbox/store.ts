/**
 * The sandbox's data: seeded leads generated on demand from (seed, id) plus an overlay of created,
 * changed and deleted leads, static lists, smart lists, smart campaigns and activities. Holding
 * only the overlay lets `leads: 2_000_000` start instantly and export hundreds of MB.
 * Rows handed out are the store's own objects: callers must treat them as read-only.
 */
import type { Clock } from './clock.js';
import { FIELDS, fieldByName } from './fields.js';
import {
  ACTIVITY_DAYS,
  ACTIVITY_TYPES,
  type ActivityTypeDef,
  type CampaignRow,
  DAY,
  PARTITIONS,
  type SeededList,
  type SeedShape,
  SMART_LISTS,
  seededActivitiesOfDay,
  seededCampaigns,
  seededCreatedAt,
  seededIdsForEmail,
  seededLead,
  seededLists,
} from './seed.js';
import type {
  ActivityRow,
  ChangedField,
  FieldDef,
  LeadRow,
  Reason,
  SandboxStore,
  StaticListRow,
  SyncOptions,
  SyncOutcome,
} from './types.js';
import { coerceValue, displayValue, formatDateTime, lookupKey } from './values.js';

export interface StoreOptions {
  seed: number;
  leadCount: number;
  /** End of seeded history (epoch ms); defaults to the clock's current UTC midnight. */
  epoch?: number;
  clock: Clock;
}

export interface TriggerRun {
  campaignId: number;
  at: string;
  leadIds: number[];
  tokens: { name: string; value: string }[];
}

export interface ScheduleRun {
  campaignId: number;
  at: string;
  runAt: string;
  tokens: { name: string; value: string }[];
  cloneToProgramName?: string;
}

export interface LeadCounters {
  created: number;
  updated: number;
  deleted: number;
}

interface ListState {
  def: SeededList;
  members?: Set<number>;
  sorted?: number[];
  /** When each lead was added through the API (seeded members derive theirs). */
  addedAt: Map<number, string>;
}

/** API activities kept in memory (oldest dropped first). */
const MAX_LIVE_ACTIVITIES = 200_000;

const skip = (code: string, message: string): SyncOutcome => ({
  status: 'skipped',
  reasons: [{ code, message }],
});

export class Store implements SandboxStore {
  readonly fields: readonly FieldDef[] = FIELDS;
  readonly partitions = PARTITIONS;
  readonly activityTypes: readonly ActivityTypeDef[] = ACTIVITY_TYPES;
  readonly counters: LeadCounters = { created: 0, updated: 0, deleted: 0 };
  readonly triggers: TriggerRun[] = [];
  readonly schedules: ScheduleRun[] = [];
  /** `cloneToProgramName` uses per US Central day (1020 beyond 20). */
  readonly clonesByDay = new Map<string, number>();

  private readonly clock: Clock;
  private readonly options: StoreOptions;
  private shape!: SeedShape;
  private overlay = new Map<number, LeadRow>();
  private deleted = new Set<number>();
  private nextId = 1;
  private overlayEmails = new Map<string, Set<number>>();
  private indexes = new Map<string, Map<string, Set<number>>>();
  private lists = new Map<number, ListState>();
  private campaignRows: CampaignRow[] = [];
  private liveActivities: ActivityRow[] = [];
  private liveActivitySeq = 0;

  constructor(options: StoreOptions) {
    // Fix the epoch once, so a reseed restores exactly the same data.
    this.options = {
      ...options,
      epoch: options.epoch ?? Math.floor(options.clock.now() / DAY) * DAY,
    };
    this.clock = options.clock;
    this.reseed();
  }

  /** Back to the seeded state (POST /__sandbox/reset?data=true), keeping this object's identity. */
  reseed(): void {
    const { seed, leadCount, epoch = 0 } = this.options;
    this.shape = { seed, leadCount, epoch };
    this.overlay = new Map();
    this.deleted = new Set();
    this.nextId = this.shape.leadCount + 1;
    this.overlayEmails = new Map();
    this.indexes = new Map();
    this.lists = new Map(
      seededLists(this.shape).map((def) => [def.row.id, { def, addedAt: new Map() }]),
    );
    this.campaignRows = seededCampaigns(this.shape);
    this.liveActivities = [];
    this.liveActivitySeq = 0;
    this.triggers.length = 0;
    this.schedules.length = 0;
    this.clonesByDay.clear();
    this.resetCounters();
  }

  resetCounters(): void {
    this.counters.created = 0;
    this.counters.updated = 0;
    this.counters.deleted = 0;
  }

  get seedShape(): SeedShape {
    return this.shape;
  }

  private nowText(): string {
    return formatDateTime(this.clock.now());
  }

  field(name: string): FieldDef | undefined {
    return fieldByName(name);
  }

  // ---- leads ----

  lead(id: number): LeadRow | undefined {
    if (!Number.isSafeInteger(id) || id < 1 || this.deleted.has(id)) return undefined;
    const row = this.overlay.get(id);
    if (row) return row;
    return id <= this.shape.leadCount ? seededLead(this.shape, id) : undefined;
  }

  *leads(): Iterable<LeadRow> {
    const last = this.nextId;
    for (let id = 1; id < last; id++) {
      const row = this.lead(id);
      if (row) yield row;
    }
  }

  /** Highest lead id ever assigned (ids are never reused). */
  get maxLeadId(): number {
    return this.nextId - 1;
  }

  /** Ids of leads whose `field` equals `key` (as from `filterKey`), ascending. */
  leadIdsBy(field: FieldDef, key: string): number[] {
    if (field.name === 'id') {
      const id = Number(key);
      return this.lead(id) ? [id] : [];
    }
    if (field.name === 'email') return this.idsByEmail(key);
    const ids = this.index(field).get(key);
    return ids ? [...ids].sort((a, b) => a - b) : [];
  }

  private idsByEmail(emailLower: string): number[] {
    const ids = new Set<number>();
    for (const id of seededIdsForEmail(this.shape, emailLower)) {
      if (!this.deleted.has(id) && !this.overlay.has(id)) ids.add(id);
    }
    for (const id of this.overlayEmails.get(emailLower) ?? []) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /** Lazily built equality index of a searchable field, kept current by every write. */
  private index(field: FieldDef): Map<string, Set<number>> {
    let index = this.indexes.get(field.name);
    if (!index) {
      index = new Map();
      for (const row of this.leads()) addTo(index, lookupKey(field, row[field.name]), row.id);
      this.indexes.set(field.name, index);
    }
    return index;
  }

  /** Replaces (or deletes, with undefined) a lead, keeping the email and field indexes current. */
  private write(id: number, row: LeadRow | undefined): void {
    const before = this.lead(id);
    const emailField = fieldByName('email') as FieldDef;
    // Seeded emails are derived, not indexed; only overlay rows live in overlayEmails.
    if (before && this.overlay.has(id))
      removeFrom(this.overlayEmails, lookupKey(emailField, before.email), id);
    if (row) addTo(this.overlayEmails, lookupKey(emailField, row.email), id);
    for (const [name, index] of this.indexes) {
      const f = fieldByName(name) as FieldDef;
      if (before) removeFrom(index, lookupKey(f, before[name]), id);
      if (row) addTo(index, lookupKey(f, row[name]), id);
    }
    if (row) this.overlay.set(id, row);
    else {
      this.overlay.delete(id);
      this.deleted.add(id);
    }
  }

  /** One record of Sync Leads (§5.3); also used by bulk import. */
  syncLead(input: Record<string, unknown>, options: SyncOptions): SyncOutcome {
    const { action, lookupField } = options;
    const lookup = this.field(lookupField);
    if (!lookup?.searchable) return skip('1011', `Lookup field '${lookupField}' not supported`);
    if (lookupField === 'id' && action !== 'updateOnly') {
      return skip('1003', "Lookup field 'id' is only allowed with action 'updateOnly'");
    }
    let partitionId: number | undefined;
    if (options.partitionName !== undefined && action !== 'updateOnly') {
      const partition = this.partitions.find((p) => p.name === options.partitionName);
      if (!partition) return skip('1008', `Access denied to partition '${options.partitionName}'`);
      partitionId = partition.id;
    }

    const values: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(input)) {
      const f = this.field(name);
      if (!f) return skip('1006', `Field '${name}' not found`);
      // `id` is writable in describe, but only as the key of an update by id.
      if (name === 'id' ? lookupField !== 'id' : f.readOnly) {
        return skip('1003', `Field '${name}' is not updateable`);
      }
      const coerced = coerceValue(f, raw);
      if (!coerced.ok && f === lookup && f.dataType === 'email' && options.keepInvalidLookupEmail) {
        if (typeof raw === 'string' && raw.trim() !== '') {
          values[name] = raw.trim();
          continue;
        }
      }
      if (!coerced.ok) {
        return skip('1003', `Invalid value for field '${name}' and value '${displayValue(raw)}'`);
      }
      values[name] = coerced.value;
    }
    if (values.leadPartitionId !== undefined && values.leadPartitionId !== null) {
      const wanted = this.partitions.find((p) => p.id === values.leadPartitionId);
      if (!wanted) {
        return skip(
          '1003',
          `Invalid value for field 'leadPartitionId' and value '${displayValue(input.leadPartitionId)}'`,
        );
      }
    } else delete values.leadPartitionId; // a lead is always in a partition

    if (action === 'createDuplicate') return this.create(values, partitionId);
    const key = lookupKey(lookup, values[lookupField]);
    if (key === undefined)
      return skip('1003', `Value for lookup field '${lookupField}' not specified`);
    let matches = this.leadIdsBy(lookup, key);
    if (partitionId !== undefined) {
      matches = matches.filter((id) => this.lead(id)?.leadPartitionId === partitionId);
    }
    const [only] = matches;
    if (action === 'createOnly') {
      return matches.length
        ? skip('1005', 'Lead already exists')
        : this.create(values, partitionId);
    }
    if (matches.length > 1) return skip('1007', 'Multiple lead match lookup criteria');
    if (only === undefined) {
      return action === 'updateOnly'
        ? skip('1004', 'Lead not found')
        : this.create(values, partitionId);
    }
    return this.update(only, values);
  }

  private create(values: Record<string, unknown>, partitionId: number | undefined): SyncOutcome {
    const id = this.nextId++;
    const now = this.nowText();
    const row: LeadRow = { id };
    for (const f of this.fields) if (f.dataType === 'boolean') row[f.name] = false;
    row.isLead = true;
    Object.assign(row, values, {
      id,
      createdAt: now,
      updatedAt: now,
      leadPartitionId: partitionId ?? values.leadPartitionId ?? 1,
    });
    row.mktoName = fullName(row);
    this.write(id, row);
    this.counters.created++;
    // leadchanges.json shows a New Lead with the values it was created with.
    const fields = Object.entries(values).flatMap(([name, value]) => {
      const f = this.field(name);
      return f && name !== 'id' ? [{ id: f.id, name, newValue: value, oldValue: null }] : [];
    });
    this.recordActivity(12, id, null, null, { 'Source Type': 'Web service API' }, fields);
    return { id, status: 'created' };
  }

  private update(id: number, values: Record<string, unknown>): SyncOutcome {
    const before = this.lead(id) as LeadRow;
    const row: LeadRow = { ...before };
    let changed = false;
    for (const [name, value] of Object.entries(values)) {
      if (name === 'id' || (row[name] ?? null) === value) continue;
      // One Change Data Value per field, primary attribute = the field (display name), as Marketo.
      const f = this.field(name) as FieldDef;
      const oldValue = row[name] ?? null;
      this.recordActivity(
        13,
        id,
        f.id,
        f.displayName,
        { 'New Value': value, 'Old Value': oldValue, Reason: 'Web service API' },
        [{ id: f.id, name, newValue: value, oldValue }],
      );
      row[name] = value;
      changed = true;
    }
    if (changed) {
      row.mktoName = fullName(row);
      row.updatedAt = this.nowText();
      this.write(id, row);
    }
    this.counters.updated++;
    return { id, status: 'updated' };
  }

  /** Deletes a lead (and its list memberships); false when it doesn't exist. */
  deleteLead(id: number): boolean {
    const row = this.lead(id);
    if (!row) return false;
    this.write(id, undefined);
    for (const state of this.lists.values()) {
      if (state.members?.delete(id)) state.sorted = undefined;
    }
    this.counters.deleted++;
    // Deleted leads (deletedleads.json) name the lead in the primary attribute.
    this.recordActivity(37, id, id, typeof row.mktoName === 'string' ? row.mktoName : null, {
      'Remove from CRM': false,
    });
    return true;
  }

  // ---- static lists ----

  allLists(): StaticListRow[] {
    return [...this.lists.values()].map((s) => s.def.row);
  }

  list(id: number): StaticListRow | undefined {
    return this.lists.get(id)?.def.row;
  }

  listByName(name: string): StaticListRow | undefined {
    return this.allLists().find((l) => l.name === name);
  }

  private listState(listId: number): ListState | undefined {
    const state = this.lists.get(listId);
    if (state && !state.members) {
      const { stride, offset, cap } = state.def;
      const members = new Set<number>();
      for (
        let id = offset > 0 ? offset : stride;
        id <= this.shape.leadCount && members.size < cap;
        id += stride
      ) {
        if (!this.deleted.has(id)) members.add(id);
      }
      state.members = members;
    }
    return state;
  }

  listMemberIds(listId: number): ReadonlySet<number> {
    return this.listState(listId)?.members ?? new Set();
  }

  /** Members in ascending lead id order. */
  listMembersSorted(listId: number): readonly number[] {
    const state = this.listState(listId);
    if (!state?.members) return [];
    state.sorted ??= [...state.members].sort((a, b) => a - b);
    return state.sorted;
  }

  /** When `leadId` joined `listId` (for listMembership.json). */
  memberSince(listId: number, leadId: number): string {
    const state = this.lists.get(listId);
    const live = state?.addedAt.get(leadId);
    if (live) return live;
    const listCreated = state ? Date.parse(state.def.row.createdAt) : 0;
    const leadCreated = leadId <= this.shape.leadCount ? seededCreatedAt(this.shape, leadId) : 0;
    return formatDateTime(Math.max(listCreated, leadCreated));
  }

  addToList(listId: number, leadId: number): void {
    const state = this.listState(listId);
    if (!state?.members || !this.lead(leadId) || state.members.has(leadId)) return;
    state.members.add(leadId);
    state.sorted = undefined;
    state.addedAt.set(leadId, this.nowText());
    this.recordActivity(24, leadId, listId, state.def.row.name, { Source: 'Web service API' });
  }

  /** false when the lead was not a member. */
  removeFromList(listId: number, leadId: number): boolean {
    const state = this.listState(listId);
    if (!state?.members?.delete(leadId)) return false;
    state.sorted = undefined;
    state.addedAt.delete(leadId);
    this.recordActivity(25, leadId, listId, state.def.row.name, { Source: 'Web service API' });
    return true;
  }

  listsOfLead(leadId: number): number[] {
    return [...this.lists.keys()].filter((id) => this.listMemberIds(id).has(leadId));
  }

  smartListMemberIds(smartList: { id?: number; name?: string }): ReadonlySet<number> | undefined {
    const def = SMART_LISTS.find((s) =>
      smartList.id !== undefined ? s.id === smartList.id : s.name === smartList.name,
    );
    if (!def) return undefined;
    const ids = new Set<number>();
    for (const row of this.leads()) if (def.matches(row)) ids.add(row.id);
    return ids;
  }

  // ---- campaigns ----

  campaigns(): readonly CampaignRow[] {
    return this.campaignRows;
  }

  campaign(id: number): CampaignRow | undefined {
    return this.campaignRows.find((c) => c.id === id);
  }

  /** A Request Campaign activity per lead (trigger.json, §7.2). */
  campaignRequested(campaign: CampaignRow, leadIds: readonly number[]): void {
    for (const leadId of leadIds) {
      this.recordActivity(47, leadId, campaign.id, campaign.name, { Source: 'Web service API' });
    }
  }

  // ---- activities ----

  /** Every activity in ascending activityDate order, optionally from `since` (`…Z`) on. */
  *activities(since?: string): Iterable<ActivityRow> {
    const first = since
      ? Math.floor((Date.parse(since) - this.shape.epoch) / DAY) + ACTIVITY_DAYS
      : 0;
    for (let day = Math.max(0, first); day < ACTIVITY_DAYS; day++) {
      for (const row of seededActivitiesOfDay(this.shape, day)) {
        if (since && row.activityDate < since) continue;
        if (!this.deleted.has(row.leadId)) yield row;
      }
    }
    for (const row of this.liveActivities.slice()) {
      if (!since || row.activityDate >= since) yield row;
    }
  }

  private recordActivity(
    typeId: number,
    leadId: number,
    primaryId: number | null,
    primaryValue: string | null,
    attributes: Record<string, unknown>,
    fields?: ChangedField[],
  ): void {
    // Bounded memory under large imports: keep the most recent API activities only.
    if (this.liveActivities.length >= MAX_LIVE_ACTIVITIES + MAX_LIVE_ACTIVITIES / 4) {
      this.liveActivities.splice(0, this.liveActivities.length - MAX_LIVE_ACTIVITIES);
    }
    this.liveActivities.push({
      marketoGUID: String(1_000_000_000 + ++this.liveActivitySeq),
      leadId,
      activityDate: this.nowText(),
      activityTypeId: typeId,
      campaignId: typeId === 47 ? primaryId : null,
      primaryAttributeValueId: primaryId,
      primaryAttributeValue: primaryValue,
      attributes,
      ...(fields && { fields }),
    });
  }
}

/** `mktoName` (Full Name) is derived from the name fields, as in Marketo. */
function fullName(row: LeadRow): string {
  return [row.firstName, row.lastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
}

function addTo(index: Map<string, Set<number>>, key: string | undefined, id: number): void {
  if (key === undefined) return;
  let ids = index.get(key);
  if (!ids) {
    ids = new Set();
    index.set(key, ids);
  }
  ids.add(id);
}

function removeFrom(index: Map<string, Set<number>>, key: string | undefined, id: number): void {
  if (key === undefined) return;
  const ids = index.get(key);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(key);
}

export type { Reason };
