/**
 * Marketo's activity calls (§5.7): types, a paging token for a date, and one page of activities,
 * lead changes or deleted leads — each a single call sent as Adobe documents it (comma-separated
 * `activityTypeIds`, `leadIds`, `fields`; `nextPageToken` always). Also the call plan that cuts
 * more than 10 type ids or 30 lead ids into the fewest Marketo-sized calls, and a reader that
 * follows one call's pages until `moreResult` is false (pages may be short or empty before that).
 */
import type {
  Activity,
  ActivityAttribute,
  ActivityPage,
  ActivityPageRequest,
  ActivityType,
  DeletedLeadsPageRequest,
  FieldChange,
  LeadChange,
  LeadChangesPageRequest,
  MarketoApi,
} from './api.js';
import { balancedChunks, unique } from './batching.js';
import { MarketoError } from './errors.js';
import { asString, type Envelope, isObject, pick, toInt } from './wire.js';

/** Per call, as Adobe documents for the activity endpoints. */
export const MAX_ACTIVITY_TYPE_IDS = 10;
export const MAX_ACTIVITY_LEAD_IDS = 30;
export const MAX_ACTIVITY_BATCH_SIZE = 300;

type Params = Array<readonly [string, string]>;

/** `GET path?query` through the client's call path; `recordsSent` counts ids sent. */
export type ActivityGet = (
  path: string,
  endpoint: string,
  query?: Params,
  recordsSent?: number,
) => Promise<Envelope>;

// ---- parsing (liberal: omitted or null members, numbers as strings) ----------------------

function parseAttributes(value: unknown): ActivityAttribute[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a) => {
    if (!isObject(a)) return [];
    const name = asString(a.name);
    return name === undefined ? [] : [{ name, value: a.value ?? null }];
  });
}

function parseNamedTypes(value: unknown): { name: string; dataType: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a) => {
    if (!isObject(a)) return [];
    const name = asString(a.name);
    return name === undefined ? [] : [{ name, dataType: asString(a.dataType) ?? 'string' }];
  });
}

export function parseActivityType(item: unknown): ActivityType | undefined {
  if (!isObject(item)) return undefined;
  const id = toInt(item.id);
  if (id === undefined) return undefined;
  const [primary] = parseNamedTypes(item.primaryAttribute ? [item.primaryAttribute] : []);
  return {
    id,
    name: asString(item.name) ?? String(id),
    ...pick<{ description: string }>(item, { description: asString }),
    ...(primary && { primaryAttribute: primary }),
    attributes: parseNamedTypes(item.attributes),
  };
}

export function parseActivity(item: unknown): Activity | undefined {
  if (!isObject(item)) return undefined;
  const leadId = toInt(item.leadId);
  const activityTypeId = toInt(item.activityTypeId);
  const id = toInt(item.id);
  // marketoGUID is replacing id (§5.7); either identifies the activity.
  const marketoGUID = asString(item.marketoGUID) ?? (id === undefined ? undefined : String(id));
  if (leadId === undefined || activityTypeId === undefined || marketoGUID === undefined) {
    return undefined;
  }
  return {
    marketoGUID,
    leadId,
    activityDate: asString(item.activityDate) ?? '',
    activityTypeId,
    ...(id !== undefined && { id }),
    ...pick<Pick<Activity, 'campaignId' | 'primaryAttributeValueId' | 'primaryAttributeValue'>>(
      item,
      { campaignId: toInt, primaryAttributeValueId: toInt, primaryAttributeValue: asString },
    ),
    attributes: parseAttributes(item.attributes),
  };
}

function parseFieldChanges(value: unknown): FieldChange[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((f) => {
    if (!isObject(f)) return [];
    const name = asString(f.name);
    if (name === undefined) return [];
    const id = toInt(f.id);
    return [
      {
        name,
        ...(id !== undefined && { id }),
        newValue: f.newValue ?? null,
        oldValue: f.oldValue ?? null,
      },
    ];
  });
}

export function parseLeadChange(item: unknown): LeadChange | undefined {
  const activity = parseActivity(item);
  if (!activity || !isObject(item)) return undefined;
  return { ...activity, fields: parseFieldChanges(item.fields) };
}

function toActivityPage<T>(
  envelope: Envelope,
  parse: (item: unknown) => T | undefined,
  sent: string,
): ActivityPage<T> {
  const items = envelope.result.map(parse).filter((x): x is T => x !== undefined);
  // Marketo always answers a token here; without one the position stays where it was.
  return {
    items,
    nextPageToken: envelope.nextPageToken ?? sent,
    moreResult: envelope.moreResult === true,
  };
}

// ---- requests ----------------------------------------------------------------------------

function checkIds(ids: readonly number[] | undefined, max: number, what: string): number[] {
  const list = ids ? unique(ids) : [];
  for (const id of list) {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new MarketoError({
        code: '1001',
        message: `Invalid ${what} '${id}': positive integer required`,
      });
    }
  }
  if (list.length > max) {
    throw new MarketoError({
      code: '1003',
      message: `${list.length} ${what}s in one call; Marketo allows ${max} (use activityCallPlan)`,
    });
  }
  return list;
}

function commonParams(
  request: { nextPageToken: string; batchSize?: number },
  query: Params = [],
): Params {
  if (!request.nextPageToken) {
    throw new MarketoError({ code: '1002', message: 'nextPageToken is required' });
  }
  query.unshift(['nextPageToken', request.nextPageToken]);
  if (request.batchSize !== undefined) {
    const size = Math.trunc(request.batchSize);
    if (size < 1 || size > MAX_ACTIVITY_BATCH_SIZE) {
      throw new MarketoError({
        code: '1003',
        message: `batchSize ${request.batchSize}: Marketo allows 1–${MAX_ACTIVITY_BATCH_SIZE}`,
      });
    }
    query.push(['batchSize', String(size)]);
  }
  return query;
}

function leadSelection(
  query: Params,
  request: { leadIds?: readonly number[]; listId?: number },
): number {
  const leadIds = checkIds(request.leadIds, MAX_ACTIVITY_LEAD_IDS, 'lead id');
  if (leadIds.length) query.push(['leadIds', leadIds.join(',')]);
  if (request.listId !== undefined) {
    checkIds([request.listId], 1, 'list id');
    query.push(['listId', String(request.listId)]);
  }
  return leadIds.length;
}

/** The single-call methods behind `MarketoApi`'s activity surface. */
export function createActivityCalls(get: ActivityGet) {
  return {
    async getActivityTypes(): Promise<ActivityType[]> {
      const envelope = await get(
        '/rest/v1/activities/types.json',
        '/rest/v1/activities/types.json',
      );
      return envelope.result
        .map(parseActivityType)
        .filter((t): t is ActivityType => t !== undefined);
    },

    async getPagingToken(since: string | Date): Promise<string> {
      const date = typeof since === 'string' ? new Date(since) : since;
      if (Number.isNaN(date.getTime())) {
        throw new MarketoError({
          code: '1001',
          message: `Invalid sinceDatetime '${String(since)}'`,
        });
      }
      const envelope = await get(
        '/rest/v1/activities/pagingtoken.json',
        '/rest/v1/activities/pagingtoken.json',
        [['sinceDatetime', date.toISOString().replace(/\.\d{3}Z$/, 'Z')]],
      );
      if (!envelope.nextPageToken) {
        throw new MarketoError({
          code: 'BAD_RESPONSE',
          message: 'pagingtoken.json answered no nextPageToken',
          endpoint: 'GET /rest/v1/activities/pagingtoken.json',
        });
      }
      return envelope.nextPageToken;
    },

    async getActivitiesPage(request: ActivityPageRequest): Promise<ActivityPage<Activity>> {
      const types = checkIds(request.activityTypeIds, MAX_ACTIVITY_TYPE_IDS, 'activity type id');
      if (types.length === 0) {
        throw new MarketoError({ code: '1002', message: 'activityTypeIds is required' });
      }
      const query = commonParams(request, [['activityTypeIds', types.join(',')]]);
      const sent = leadSelection(query, request);
      const envelope = await get(
        '/rest/v1/activities.json',
        '/rest/v1/activities.json',
        query,
        sent,
      );
      return toActivityPage(envelope, parseActivity, request.nextPageToken);
    },

    async getLeadChangesPage(request: LeadChangesPageRequest): Promise<ActivityPage<LeadChange>> {
      const fields = unique(request.fields.filter((f) => f !== ''));
      if (fields.length === 0) {
        throw new MarketoError({ code: '1002', message: 'fields is required for lead changes' });
      }
      const query = commonParams(request, [['fields', fields.join(',')]]);
      const sent = leadSelection(query, request);
      const envelope = await get(
        '/rest/v1/activities/leadchanges.json',
        '/rest/v1/activities/leadchanges.json',
        query,
        sent,
      );
      return toActivityPage(envelope, parseLeadChange, request.nextPageToken);
    },

    async getDeletedLeadsPage(request: DeletedLeadsPageRequest): Promise<ActivityPage<Activity>> {
      const envelope = await get(
        '/rest/v1/activities/deletedleads.json',
        '/rest/v1/activities/deletedleads.json',
        commonParams(request),
      );
      return toActivityPage(envelope, parseActivity, request.nextPageToken);
    },
  };
}

// ---- chunking ----------------------------------------------------------------------------

/** One call's selection: ≤ 10 type ids (activities only) and ≤ 30 lead ids. */
export interface ActivityChunk {
  activityTypeIds: number[];
  leadIds?: number[];
}

/**
 * The fewest calls that cover every (type, lead) pair: ⌈types/10⌉ × ⌈leads/30⌉, balanced in size.
 * Without lead ids there is one lead selection (all leads, or the list). For lead changes pass no
 * type ids: one "type chunk" of none.
 */
export function activityCallPlan(
  activityTypeIds: readonly number[],
  leadIds?: readonly number[],
): ActivityChunk[] {
  const typeChunks = activityTypeIds.length
    ? balancedChunks(unique(activityTypeIds), MAX_ACTIVITY_TYPE_IDS)
    : [[]];
  const leadChunks: (number[] | undefined)[] =
    leadIds && leadIds.length
      ? balancedChunks(unique(leadIds), MAX_ACTIVITY_LEAD_IDS)
      : [undefined];
  return typeChunks.flatMap((types) =>
    leadChunks.map((leads) => ({ activityTypeIds: types, ...(leads && { leadIds: leads }) })),
  );
}

/**
 * Every page of one call from `nextPageToken` until Marketo says `moreResult: false` (empty pages
 * on the way are normal). Returns the items and the token to resume from later. `maxPages` bounds
 * the calls; the result then says `moreResult: true`.
 */
export async function readAllPages<T>(
  fetchPage: (nextPageToken: string) => Promise<ActivityPage<T>>,
  nextPageToken: string,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<ActivityPage<T> & { calls: number }> {
  const items: T[] = [];
  let token = nextPageToken;
  let calls = 0;
  for (;;) {
    const page = await fetchPage(token);
    calls++;
    items.push(...page.items);
    const stuck = page.nextPageToken === token && page.items.length === 0;
    token = page.nextPageToken;
    if (!page.moreResult || stuck) return { items, nextPageToken: token, moreResult: false, calls };
    if (calls >= maxPages) return { items, nextPageToken: token, moreResult: true, calls };
  }
}

/**
 * Activities of any number of types and leads since `nextPageToken`: one call sequence per chunk of
 * the plan, each read to its end. Items come chunk by chunk (each chunk in date order).
 */
export async function readActivities(
  api: MarketoApi,
  request: Omit<ActivityPageRequest, 'activityTypeIds' | 'leadIds'> & {
    activityTypeIds: readonly number[];
    leadIds?: readonly number[];
  },
): Promise<{ items: Activity[]; calls: number; chunks: number }> {
  const plan = activityCallPlan(request.activityTypeIds, request.leadIds);
  const results = await Promise.all(
    plan.map((chunk) =>
      readAllPages(
        (nextPageToken) =>
          api.getActivitiesPage({
            ...request,
            ...chunk,
            nextPageToken,
          }),
        request.nextPageToken,
      ),
    ),
  );
  return {
    items: results.flatMap((r) => r.items),
    calls: results.reduce((n, r) => n + r.calls, 0),
    chunks: plan.length,
  };
}

/** Lead changes of any number of leads since `nextPageToken`, chunked by 30 lead ids. */
export async function readLeadChanges(
  api: MarketoApi,
  request: Omit<LeadChangesPageRequest, 'leadIds'> & { leadIds?: readonly number[] },
): Promise<{ items: LeadChange[]; calls: number; chunks: number }> {
  const plan = activityCallPlan([], request.leadIds);
  const results = await Promise.all(
    plan.map((chunk) =>
      readAllPages(
        (nextPageToken) =>
          api.getLeadChangesPage({
            ...request,
            ...(chunk.leadIds && { leadIds: chunk.leadIds }),
            nextPageToken,
          }),
        request.nextPageToken,
      ),
    ),
  );
  return {
    items: results.flatMap((r) => r.items),
    calls: results.reduce((n, r) => n + r.calls, 0),
    chunks: plan.length,
  };
}
