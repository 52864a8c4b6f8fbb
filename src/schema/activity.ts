/**
 * Activities (§5.7): `activityTypes`, `activities`, `Lead.activities`, `leadChanges` and
 * `deletedLeads` as connections over Marketo's paging tokens (`activity-paging.ts`). Types are
 * accepted by id or name; more than 10 types or 30 leads become several call sequences. A
 * `listId` naming a list of 10,000 leads or more is never sent (Marketo answers 1003 from
 * 30 September 2026): its members go as `leadIds` chunks, and `extensions.marketo.activityLists`
 * says which was done.
 */
import type { GraphQLContext } from '../context.js';
import { InputError, GatewayError } from '../errors.js';
import { parseMarketoDateTime } from '../lead-values.js';
import type { ActivityTypesSnapshot } from '../loaders/activity-types.js';
import { MAX_ACTIVITY_LEAD_IDS, activityCallPlan } from '../marketo/activities.js';
import type {
  Activity,
  ActivityAttribute,
  ActivityPage,
  ActivityType,
  LeadChange,
} from '../marketo/api.js';
import { balancedChunks } from '../marketo/batching.js';
import { marketoCost } from '../security/marketo-cost.js';
import {
  type ActivityStream,
  fingerprintOf,
  MAX_PAGE_CALLS,
  resolveActivityConnection,
} from './activity-paging.js';
import { positiveId, positiveIds } from './args.js';
import { builder } from './builder.js';
import { LeadRef } from './lead.js';
import { DEFAULT_PAGE_SIZE, forwardPagingArgs, MAX_PAGE_SIZE } from './pagination.js';

/** Lists of this many members or more are never sent as `listId` (Marketo: 1003). */
export const LARGE_LIST_MEMBERS = 10_000;
/** The largest list split into lead id chunks (100 member reads); beyond it, a bulk export. */
export const MAX_SPLIT_LIST_MEMBERS = 30_000;
/** Most lead ids one activity query takes (100 chunks of 30). */
export const MAX_ACTIVITY_LEADS = 3_000;
/** Most types one activity query takes. */
export const MAX_ACTIVITY_TYPES = 100;

const MEMBER_PAGE = 300;
// One more than the pages: Marketo may answer a last, empty page with a token.
const LIST_READ_CALLS = Math.ceil(MAX_SPLIT_LIST_MEMBERS / MEMBER_PAGE) + 1;

// ---- values ------------------------------------------------------------------------------

const NUMERIC = new Set(['integer', 'float', 'currency', 'percent', 'score']);

/** An attribute value as its declared type: numbers and booleans Marketo sent as strings. */
export function typedValue(dataType: string | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (dataType && NUMERIC.has(dataType) && typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if ((dataType === 'string' || dataType === 'text') && typeof value !== 'string') {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (dataType === 'boolean' && typeof value === 'string') {
    if (value === 'true') return true;
    if (value === 'false') return false;
  }
  return value;
}

interface TypedAttribute {
  name: string;
  dataType: string | null;
  value: unknown;
}

function typedAttributes(
  types: ActivityTypesSnapshot,
  typeId: number,
  attributes: readonly ActivityAttribute[],
): TypedAttribute[] {
  return attributes.map((a) => {
    const dataType = types.dataType(typeId, a.name);
    return { name: a.name, dataType: dataType ?? null, value: typedValue(dataType, a.value) };
  });
}

/** What the object types below resolve from: the record and the types that describe it. */
export interface ActivityNode {
  activity: Activity;
  types: ActivityTypesSnapshot;
}
export interface LeadChangeNode {
  activity: LeadChange;
  types: ActivityTypesSnapshot;
  /** REST field name → describe dataType. */
  fieldTypes: ReadonlyMap<string, string>;
}

// ---- object types ------------------------------------------------------------------------

const AttributeDefinitionRef = builder
  .objectRef<{ name: string; dataType: string }>('ActivityAttributeDefinition')
  .implement({
    fields: (t) => ({
      name: t.exposeString('name', { nullable: false }),
      dataType: t.exposeString('dataType', { nullable: false }),
    }),
  });

const ActivityTypeRef = builder.objectRef<ActivityType>('ActivityType').implement({
  description: 'An activity type of this Marketo instance (`activities/types.json`).',
  fields: (t) => ({
    id: t.exposeInt('id', { nullable: false }),
    name: t.exposeString('name', { nullable: false }),
    description: t.exposeString('description', { nullable: true }),
    primaryAttribute: t.field({
      type: AttributeDefinitionRef,
      nullable: true,
      resolve: (type) => type.primaryAttribute ?? null,
    }),
    attributes: t.field({
      type: [AttributeDefinitionRef],
      nullable: { list: false, items: false },
      resolve: (type) => type.attributes,
    }),
  }),
});

const AttributeRef = builder.objectRef<TypedAttribute>('ActivityAttribute').implement({
  description: "An activity attribute, its value typed by the activity type's declaration.",
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false }),
    dataType: t.exposeString('dataType', {
      nullable: true,
      description: 'From activities/types.json; null when the type does not declare it.',
    }),
    value: t.field({ type: 'JSON', nullable: true, resolve: (a) => a.value }),
  }),
});

/** Fields every activity-shaped type shares. */
function activityFields<N extends { activity: Activity; types: ActivityTypesSnapshot }>(
  ref: ReturnType<typeof builder.objectRef<N>>,
) {
  builder.objectFields(ref, (t) => ({
    marketoGUID: t.string({ nullable: false, resolve: (n) => n.activity.marketoGUID }),
    leadId: t.int({ nullable: false, resolve: (n) => n.activity.leadId }),
    activityDate: t.field({
      type: 'DateTime',
      nullable: false,
      resolve: (n) => parseMarketoDateTime(n.activity.activityDate) ?? n.activity.activityDate,
    }),
    activityTypeId: t.int({ nullable: false, resolve: (n) => n.activity.activityTypeId }),
    activityType: t.string({
      nullable: true,
      description: "The type's name.",
      resolve: (n) => n.types.byId(n.activity.activityTypeId)?.name ?? null,
    }),
    campaignId: t.int({ nullable: true, resolve: (n) => n.activity.campaignId ?? null }),
    primaryAttributeValueId: t.int({
      nullable: true,
      resolve: (n) => n.activity.primaryAttributeValueId ?? null,
    }),
    primaryAttributeValue: t.string({
      nullable: true,
      resolve: (n) => n.activity.primaryAttributeValue ?? null,
    }),
    attributes: t.field({
      type: [AttributeRef],
      nullable: { list: false, items: false },
      resolve: (n) => typedAttributes(n.types, n.activity.activityTypeId, n.activity.attributes),
    }),
    attributesObject: t.field({
      type: 'JSONObject',
      nullable: false,
      description: 'The same attributes as one object: name → typed value.',
      resolve: (n) =>
        Object.fromEntries(
          typedAttributes(n.types, n.activity.activityTypeId, n.activity.attributes).map((a) => [
            a.name,
            a.value,
          ]),
        ),
    }),
  }));
}

export const ActivityRef = builder.objectRef<ActivityNode>('Activity');
ActivityRef.implement({ description: 'One Marketo activity of a lead.', fields: () => ({}) });
activityFields(ActivityRef);

const LeadChangeKindEnum = builder.enumType('LeadChangeKind', {
  values: ['NEW_LEAD', 'CHANGE_DATA_VALUE'] as const,
});

interface FieldChangeShape {
  name: string;
  fieldId: number | null;
  dataType: string | null;
  oldValue: unknown;
  newValue: unknown;
}

const FieldChangeRef = builder.objectRef<FieldChangeShape>('LeadFieldChange').implement({
  description: "One lead field's value before and after (null before a New Lead).",
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false }),
    fieldId: t.exposeInt('fieldId', { nullable: true }),
    dataType: t.exposeString('dataType', { nullable: true, description: 'From the describe.' }),
    oldValue: t.field({ type: 'JSON', nullable: true, resolve: (f) => f.oldValue }),
    newValue: t.field({ type: 'JSON', nullable: true, resolve: (f) => f.newValue }),
  }),
});

export const LeadChangeRef = builder.objectRef<LeadChangeNode>('LeadChange');
LeadChangeRef.implement({
  description: 'A New Lead or Change Data Value activity with the old and new field values.',
  fields: (t) => ({
    kind: t.field({
      type: LeadChangeKindEnum,
      nullable: false,
      resolve: (n) => (n.activity.activityTypeId === 12 ? 'NEW_LEAD' : 'CHANGE_DATA_VALUE'),
    }),
    fields: t.field({
      type: [FieldChangeRef],
      nullable: { list: false, items: false },
      resolve: (n) =>
        n.activity.fields.map((f) => {
          const dataType = n.fieldTypes.get(f.name);
          return {
            name: f.name,
            fieldId: f.id ?? null,
            dataType: dataType ?? null,
            oldValue: typedValue(dataType, f.oldValue),
            newValue: typedValue(dataType, f.newValue),
          };
        }),
    }),
  }),
});
activityFields(LeadChangeRef);

const DeletedLeadRef = builder.objectRef<ActivityNode>('DeletedLead');
DeletedLeadRef.implement({
  description: 'A Delete Lead activity.',
  fields: (t) => ({
    name: t.string({
      nullable: true,
      description: "The lead's name when it was deleted (the primary attribute).",
      resolve: (n) => n.activity.primaryAttributeValue ?? null,
    }),
  }),
});
activityFields(DeletedLeadRef);

const ActivityConnectionRef = builder.connectionObject(
  { type: ActivityRef, name: 'ActivityConnection' },
  { name: 'ActivityEdge' },
);
const LeadChangeConnectionRef = builder.connectionObject(
  { type: LeadChangeRef, name: 'LeadChangeConnection' },
  { name: 'LeadChangeEdge' },
);
const DeletedLeadConnectionRef = builder.connectionObject(
  { type: DeletedLeadRef, name: 'DeletedLeadConnection' },
  { name: 'DeletedLeadEdge' },
);

// ---- selection ---------------------------------------------------------------------------

/** Type ids from ids ("13") or names ("Change Data Value"), each known to the instance. */
export function resolveTypes(types: ActivityTypesSnapshot, wanted: readonly string[]): number[] {
  if (wanted.length === 0) throw new InputError('types', 'must not be empty');
  if (wanted.length > MAX_ACTIVITY_TYPES) {
    throw new InputError('types', `has ${wanted.length} items; at most ${MAX_ACTIVITY_TYPES}`);
  }
  const ids = wanted.map((w, i) => {
    const type = /^\d+$/.test(w.trim()) ? types.byId(Number(w)) : types.byName(w);
    if (!type) throw new InputError(`types[${i}]`, `unknown activity type '${w}'`);
    return type.id;
  });
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Lead selection of one call sequence: lead ids, or the list as `listId`. */
type LeadChunk = { leadIds?: number[]; listId?: number };

/** A static list's member ids, a page (300) per Marketo call, in Marketo's order. */
async function* listMemberPages(ctx: GraphQLContext, listId: number): AsyncGenerator<number[]> {
  let nextPageToken: string | undefined;
  do {
    const page = await ctx.marketo.getListLeads(listId, ['id'], {
      batchSize: MEMBER_PAGE,
      ...(nextPageToken && { nextPageToken }),
    });
    yield page.items.map((lead) => lead.id);
    nextPageToken = page.items.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/**
 * Refuses a `listId` Marketo would answer 1003 for (a list of 10,000 leads or more, from
 * 30 September 2026): for reads that cannot be split into lead id chunks, e.g. a change feed.
 * Reads members until the rule is reached or the list ends (⌈10,000/300⌉ calls at most).
 */
export async function refuseLargeList(ctx: GraphQLContext, listId: number): Promise<void> {
  positiveId('listId', listId);
  let members = 0;
  for await (const ids of listMemberPages(ctx, listId)) {
    members += ids.length;
    if (members >= LARGE_LIST_MEMBERS) {
      throw new InputError(
        'listId',
        `static list ${listId} has ${LARGE_LIST_MEMBERS} members or more, and Marketo refuses listId for such a list: follow the feed without listId, or read this list's activities with activities(listId:) (split into lead id chunks)`,
      );
    }
  }
}

/**
 * The lead chunks for `leadIds` / `listId`. A list's member ids are read (300 a call): under
 * 10,000 it is sent as `listId`; otherwise it becomes chunks of 30 member ids (sorted, so the next
 * page's request gets the same chunks while membership stays the same).
 */
async function leadChunks(
  ctx: GraphQLContext,
  leadIds: readonly number[] | null | undefined,
  listId: number | null | undefined,
): Promise<LeadChunk[]> {
  if (leadIds && listId !== null && listId !== undefined) {
    throw new InputError('listId', 'give leadIds or listId, not both');
  }
  if (leadIds) {
    positiveIds('leadIds', leadIds, MAX_ACTIVITY_LEADS);
    return balancedChunks([...new Set(leadIds)], MAX_ACTIVITY_LEAD_IDS).map((ids) => ({
      leadIds: ids,
    }));
  }
  if (listId === null || listId === undefined) return [{}];
  positiveId('listId', listId);
  // Every member id (a list of 10,000+ is needed whole; a smaller one is read whole anyway).
  const members: number[] = [];
  for await (const ids of listMemberPages(ctx, listId)) {
    members.push(...ids);
    if (members.length > MAX_SPLIT_LIST_MEMBERS) {
      throw new GatewayError(
        'LIST_TOO_LARGE',
        `Static list ${listId} has more than ${MAX_SPLIT_LIST_MEMBERS} members: Marketo refuses listId for lists of ${LARGE_LIST_MEMBERS} or more, and splitting it would cost too many calls. Export its activities (exportJob) instead.`,
        { extensions: { listId } },
      );
    }
  }
  if (members.length < LARGE_LIST_MEMBERS) {
    ctx.cost.noteActivityList({ listId, strategy: 'LIST_ID', members: members.length, chunks: 1 });
    return [{ listId }];
  }
  const sorted = [...new Set(members)].sort((a, b) => a - b);
  const chunks: LeadChunk[] = [];
  for (let i = 0; i < sorted.length; i += MAX_ACTIVITY_LEAD_IDS) {
    chunks.push({ leadIds: sorted.slice(i, i + MAX_ACTIVITY_LEAD_IDS) });
  }
  ctx.cost.noteActivityList({
    listId,
    strategy: 'LEAD_ID_CHUNKS',
    members: sorted.length,
    chunks: chunks.length,
  });
  return chunks;
}

function startToken(ctx: GraphQLContext, since: Date | null | undefined): () => Promise<string> {
  return () => {
    if (!since) throw new InputError('since', 'is required without `after`');
    return ctx.marketo.getPagingToken(since);
  };
}

function untilFilter(until: Date | null | undefined) {
  if (!until) return undefined;
  const limit = until.getTime();
  return (item: { activity: Activity }) => {
    const at = parseMarketoDateTime(item.activity.activityDate);
    return at !== null && at.getTime() > limit;
  };
}

const mapPage = <A, N>(page: ActivityPage<A>, map: (a: A) => N): ActivityPage<N> => ({
  ...page,
  items: page.items.map(map),
});

interface ActivityArgs {
  types: readonly string[];
  since?: Date | null | undefined;
  until?: Date | null | undefined;
  leadIds?: readonly number[] | null | undefined;
  listId?: number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}

async function activityConnection(ctx: GraphQLContext, args: ActivityArgs) {
  const types = await ctx.loaders.activityTypes();
  const typeIds = resolveTypes(types, args.types);
  const leads = await leadChunks(ctx, args.leadIds, args.listId);
  const typeChunks = activityCallPlan(typeIds).map((c) => c.activityTypeIds);
  const plan = typeChunks.flatMap((activityTypeIds) =>
    leads.map((lead) => ({ activityTypeIds, ...lead })),
  );
  const pastEnd = untilFilter(args.until);
  const stream: ActivityStream<ActivityNode> = {
    fingerprint: fingerprintOf('activities', typeIds, args.leadIds ?? null, args.listId ?? null),
    chunks: plan.length,
    fetch: async (chunk, nextPageToken, batchSize) =>
      mapPage(
        await ctx.marketo.getActivitiesPage({
          ...(plan[chunk] as (typeof plan)[number]),
          nextPageToken,
          batchSize,
        }),
        (activity) => ({ activity, types }),
      ),
    ...(pastEnd && { pastEnd }),
  };
  return resolveActivityConnection(stream, args, startToken(ctx, args.since));
}

// ---- costs -------------------------------------------------------------------------------

const items = (args: Readonly<Record<string, unknown>>) =>
  Math.min(MAX_PAGE_SIZE, Number(args.first ?? DEFAULT_PAGE_SIZE) || 0);

/**
 * Types (cached, 1), the paging token (1, not with `after`), a list's members (up to 100), then
 * at most MAX_PAGE_CALLS pages.
 */
const ACTIVITY_COST = marketoCost({
  calls: (args) =>
    1 +
    (args.after ? 0 : 1) +
    (args.listId !== undefined && args.listId !== null ? LIST_READ_CALLS : 0) +
    MAX_PAGE_CALLS,
  items,
});

const connectionArgs = (t: Parameters<Parameters<typeof builder.queryFields>[0]>[0]) => ({
  ...forwardPagingArgs(t.arg),
  since: t.arg({
    type: 'DateTime',
    required: false,
    description: 'Start of the stream (required without `after`).',
  }),
});

builder.queryFields((t) => ({
  activityTypes: t.field({
    type: [ActivityTypeRef],
    nullable: { list: false, items: false },
    description: "The instance's activity types (cached like the describe).",
    extensions: marketoCost({ calls: 1 }),
    resolve: async (_root, _args, ctx) => (await ctx.loaders.activityTypes()).types,
  }),
  activities: t.field({
    type: ActivityConnectionRef,
    nullable: false,
    description:
      'Activities of the given types (ids or names) since a date, optionally of some leads or of a static list. Several chunks (over 10 types or 30 leads, or a list of 10,000+ leads) are read one after another, each in date order. A page may hold fewer than `first` edges while `hasNextPage` is true; `endCursor` is always set and can be stored to resume later.',
    extensions: ACTIVITY_COST,
    args: {
      ...connectionArgs(t),
      types: t.arg.stringList({ required: true }),
      until: t.arg({ type: 'DateTime', required: false }),
      leadIds: t.arg.intList({ required: false }),
      listId: t.arg.int({ required: false }),
    },
    resolve: (_root, args, ctx) => activityConnection(ctx, args),
  }),
  leadChanges: t.field({
    type: LeadChangeConnectionRef,
    nullable: false,
    description:
      'New Lead and Change Data Value activities of the given lead fields (REST names, checked against the describe) with old and new values.',
    extensions: marketoCost({
      calls: (args) =>
        1 +
        (args.after ? 0 : 1) +
        (args.listId !== undefined && args.listId !== null ? LIST_READ_CALLS : 0) +
        MAX_PAGE_CALLS,
      items,
      describe: true,
    }),
    args: {
      ...connectionArgs(t),
      fields: t.arg.stringList({ required: true }),
      leadIds: t.arg.intList({ required: false }),
      listId: t.arg.int({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.fields.length === 0) throw new InputError('fields', 'must not be empty');
      const catalog = await ctx.loaders.fieldCatalog();
      args.fields.forEach((name, i) => {
        if (!catalog.has(name)) {
          throw new InputError(`fields[${i}]`, `unknown lead field '${name}'`, { field: name });
        }
      });
      const fields = [...new Set(args.fields)].sort();
      const fieldTypes = new Map(fields.map((f) => [f, catalog.get(f)?.dataType ?? 'string']));
      const types = await ctx.loaders.activityTypes();
      const plan = await leadChunks(ctx, args.leadIds, args.listId);
      const stream: ActivityStream<LeadChangeNode> = {
        fingerprint: fingerprintOf(
          'leadChanges',
          fields,
          args.leadIds ?? null,
          args.listId ?? null,
        ),
        chunks: plan.length,
        fetch: async (chunk, nextPageToken, batchSize) =>
          mapPage(
            await ctx.marketo.getLeadChangesPage({
              ...(plan[chunk] as LeadChunk),
              fields,
              nextPageToken,
              batchSize,
            }),
            (activity) => ({ activity, types, fieldTypes }),
          ),
      };
      return resolveActivityConnection(stream, args, startToken(ctx, args.since));
    },
  }),
  deletedLeads: t.field({
    type: DeletedLeadConnectionRef,
    nullable: false,
    description: 'Leads deleted since a date (Delete Lead activities).',
    extensions: marketoCost({
      calls: (args) => 1 + (args.after ? 0 : 1) + MAX_PAGE_CALLS,
      items,
    }),
    args: connectionArgs(t),
    resolve: async (_root, args, ctx) => {
      const types = await ctx.loaders.activityTypes();
      const stream: ActivityStream<ActivityNode> = {
        fingerprint: fingerprintOf('deletedLeads'),
        chunks: 1,
        fetch: async (_chunk, nextPageToken, batchSize) =>
          mapPage(await ctx.marketo.getDeletedLeadsPage({ nextPageToken, batchSize }), (a) => ({
            activity: a,
            types,
          })),
      };
      return resolveActivityConnection(stream, args, startToken(ctx, args.since));
    },
  }),
}));

builder.objectField(LeadRef, 'activities', (t) =>
  t.field({
    type: ActivityConnectionRef,
    nullable: false,
    description: "This lead's activities of the given types (ids or names).",
    extensions: ACTIVITY_COST,
    args: {
      ...forwardPagingArgs(t.arg),
      types: t.arg.stringList({ required: true }),
      since: t.arg({ type: 'DateTime', required: false }),
      until: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (lead, args, ctx) => activityConnection(ctx, { ...args, leadIds: [lead.id] }),
  }),
);
