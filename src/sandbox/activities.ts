/**
 * Activity endpoints (§5.7): types, a paging token for a start date, and pages of activities, lead
 * changes (Change Data Value + New Lead with old/new values) and deleted leads. Tokens encode a
 * position in the date-ordered activity stream (the last activity examined), so paging keeps
 * working while new activities are appended. As on Marketo, one call examines a bounded stretch of
 * the stream: pages can be short or empty while `moreResult` is true.
 */
import { fail, ok } from './envelope.js';
import { base32, unbase32 } from './paging.js';
import type { Clock } from './clock.js';
import { batchSizeParam, invalid, listParam, overLimit, type Parsed, pathId } from './params.js';
import type { Store } from './store.js';
import type { ActivityRow, Route, SandboxRequest, SandboxResponse } from './types.js';
import { formatDateTime, parseDateTime } from './values.js';

export interface ActivityRoutesDeps {
  store: Store;
  maxBatch: number;
  clock: Clock;
  /** Activities one call examines at most before answering (short or empty page, moreResult). */
  scanLimit: number;
  /** From this instant (epoch ms) a `listId` naming a list of ≥ 10 000 leads is refused (1003). */
  largeListRuleFrom: number;
}

/** Marketo's dates: from 30 September 2026, `listId` only for lists under 10,000 leads. */
export const LARGE_LIST_RULE_FROM = Date.parse('2026-09-30T00:00:00Z');
export const LARGE_LIST_MEMBERS = 10_000;
export const DEFAULT_ACTIVITY_SCAN_LIMIT = 5_000;

const MAX_TYPE_IDS = 10;
const MAX_LEAD_IDS = 30;

/** After `n` activities dated `t` (`…Z`). */
interface Position {
  t: string;
  n: number;
}

const encode = (p: Position) => base32(Buffer.from(`A1|${p.t}|${p.n}`, 'latin1'));

function decode(token: string): Position | undefined {
  const [tag, t, n] = unbase32(token)?.toString('latin1').split('|') ?? [];
  if (tag !== 'A1' || !t || parseDateTime(t) === undefined || !/^\d+$/.test(n ?? ''))
    return undefined;
  return { t, n: Number(n) };
}

function present(a: ActivityRow): Record<string, unknown> {
  return {
    id: Number(a.marketoGUID),
    marketoGUID: a.marketoGUID,
    leadId: a.leadId,
    activityDate: a.activityDate,
    activityTypeId: a.activityTypeId,
    ...(a.campaignId !== null && { campaignId: a.campaignId }),
    ...(a.primaryAttributeValueId !== null && {
      primaryAttributeValueId: a.primaryAttributeValueId,
    }),
    ...(a.primaryAttributeValue !== null && { primaryAttributeValue: a.primaryAttributeValue }),
    attributes: Object.entries(a.attributes).map(([name, value]) => ({ name, value })),
  };
}

/** A leadchanges.json record: the requested fields' old and new values, other attributes. */
function presentChange(a: ActivityRow, wanted: ReadonlySet<string>): Record<string, unknown> {
  return {
    id: Number(a.marketoGUID),
    marketoGUID: a.marketoGUID,
    leadId: a.leadId,
    activityDate: a.activityDate,
    activityTypeId: a.activityTypeId,
    ...(a.campaignId !== null && { campaignId: a.campaignId }),
    fields: (a.fields ?? []).filter((f) => wanted.has(f.name)).map((f) => ({ ...f })),
    attributes: Object.entries(a.attributes)
      .filter(([name]) => name !== 'New Value' && name !== 'Old Value')
      .map(([name, value]) => ({ name, value })),
  };
}

const intList = (query: URLSearchParams, name: string) => listParam(query, name).map(Number);

const missing = (name: string) =>
  fail('1002', `Missing value for the required parameter '${name}'`);

interface Scan {
  items: ActivityRow[];
  position: Position;
  moreResult: boolean;
}

export function createActivityRoutes({
  store,
  maxBatch,
  clock,
  scanLimit,
  largeListRuleFrom,
}: ActivityRoutesDeps): Route[] {
  function pagingToken(req: SandboxRequest): SandboxResponse {
    const since = req.query.get('sinceDatetime');
    if (!since) return missing('sinceDatetime');
    const ms = parseDateTime(since);
    if (ms === undefined)
      return fail('1001', `Invalid value '${since}'. Required of type 'DateTime'`);
    return { kind: 'result', extra: { nextPageToken: encode({ t: formatDateTime(ms), n: 0 }) } };
  }

  function startOf(req: SandboxRequest): Parsed<Position> {
    const token = req.query.get('nextPageToken');
    if (!token) return invalid(missing('nextPageToken'));
    const start = decode(token);
    return start ? { ok: true, value: start } : invalid(fail('1003', 'Invalid nextPageToken'));
  }

  /** `leadIds` (≤ 30) and `listId` as one predicate on leadId; undefined when neither is given. */
  function leadFilter(req: SandboxRequest): Parsed<((leadId: number) => boolean) | undefined> {
    const leadIds = intList(req.query, 'leadIds');
    if (leadIds.length > MAX_LEAD_IDS) return invalid(overLimit(leadIds.length, MAX_LEAD_IDS));
    if (leadIds.some((id) => !Number.isSafeInteger(id))) {
      return invalid(fail('1001', "Invalid value for 'leadIds'. Required of type 'Integer'"));
    }
    const rawList = req.query.get('listId');
    let members: ReadonlySet<number> | undefined;
    if (rawList) {
      const listId = pathId(rawList) ?? -1;
      if (!store.list(listId)) return invalid(fail('1013', 'Static list not found'));
      members = store.listMemberIds(listId);
      if (members.size >= LARGE_LIST_MEMBERS && clock.now() >= largeListRuleFrom) {
        return invalid(
          fail(
            '1003',
            `Static list ${listId} has ${members.size} members; listId is only supported for lists of fewer than ${LARGE_LIST_MEMBERS} leads`,
          ),
        );
      }
    }
    const wanted = leadIds.length ? new Set(leadIds) : undefined;
    if (!wanted && !members) return { ok: true, value: undefined };
    return {
      ok: true,
      value: (leadId) => (!wanted || wanted.has(leadId)) && (!members || members.has(leadId)),
    };
  }

  /**
   * Up to `batchSize` matches after `start`, examining at most `scanLimit` activities: the page
   * stops short (even empty) with moreResult true when the stretch runs out first.
   */
  function scan(start: Position, batchSize: number, matches: (a: ActivityRow) => boolean): Scan {
    const items: ActivityRow[] = [];
    let position = { ...start };
    let skip = start.n;
    let examined = 0;
    let moreResult = false;
    for (const a of store.activities(start.t)) {
      if (a.activityDate === start.t && skip > 0) {
        skip--;
        continue;
      }
      if (examined === scanLimit) {
        moreResult = true;
        break;
      }
      if (matches(a)) {
        if (items.length === batchSize) {
          moreResult = true;
          break;
        }
        items.push(a);
      }
      examined++;
      position =
        a.activityDate === position.t
          ? { t: position.t, n: position.n + 1 }
          : { t: a.activityDate, n: 1 };
    }
    return { items, position, moreResult };
  }

  /** Marketo omits `result` when a page has no activities. */
  const page = (s: Scan, present: (a: ActivityRow) => unknown): SandboxResponse => ({
    kind: 'result',
    ...(s.items.length > 0 && { result: s.items.map(present) }),
    extra: { nextPageToken: encode(s.position), moreResult: s.moreResult },
  });

  function activities(req: SandboxRequest): SandboxResponse {
    const start = startOf(req);
    if (!start.ok) return start.response;
    const typeIds = intList(req.query, 'activityTypeIds');
    if (typeIds.length === 0) return missing('activityTypeIds');
    if (typeIds.length > MAX_TYPE_IDS) return overLimit(typeIds.length, MAX_TYPE_IDS);
    const leads = leadFilter(req);
    if (!leads.ok) return leads.response;
    const batchSize = batchSizeParam(req.query, maxBatch);
    if (!batchSize.ok) return batchSize.response;
    const wantedTypes = new Set(typeIds);
    const ofLead = leads.value;
    const s = scan(
      start.value,
      batchSize.value,
      (a) => wantedTypes.has(a.activityTypeId) && (!ofLead || ofLead(a.leadId)),
    );
    return page(s, present);
  }

  function leadChanges(req: SandboxRequest): SandboxResponse {
    const start = startOf(req);
    if (!start.ok) return start.response;
    const fields = listParam(req.query, 'fields');
    if (fields.length === 0) return missing('fields');
    const unknown = fields.find((name) => !store.field(name));
    if (unknown !== undefined) return fail('1006', `Field '${unknown}' not found`);
    const leads = leadFilter(req);
    if (!leads.ok) return leads.response;
    const batchSize = batchSizeParam(req.query, maxBatch);
    if (!batchSize.ok) return batchSize.response;
    const wanted = new Set(fields);
    const ofLead = leads.value;
    // Every New Lead; a Change Data Value only when it changed one of the requested fields.
    const s = scan(
      start.value,
      batchSize.value,
      (a) =>
        (a.activityTypeId === 12 ||
          (a.activityTypeId === 13 && (a.fields ?? []).some((f) => wanted.has(f.name)))) &&
        (!ofLead || ofLead(a.leadId)),
    );
    return page(s, (a) => presentChange(a, wanted));
  }

  function deletedLeads(req: SandboxRequest): SandboxResponse {
    const start = startOf(req);
    if (!start.ok) return start.response;
    const batchSize = batchSizeParam(req.query, maxBatch);
    if (!batchSize.ok) return batchSize.response;
    return page(
      scan(start.value, batchSize.value, (a) => a.activityTypeId === 37),
      present,
    );
  }

  return [
    {
      method: 'GET',
      pattern: '/rest/v1/activities/types.json',
      handle: () => ok(store.activityTypes.map((t) => ({ ...t }))),
    },
    { method: 'GET', pattern: '/rest/v1/activities/pagingtoken.json', handle: pagingToken },
    { method: 'GET', pattern: '/rest/v1/activities.json', handle: activities },
    { method: 'GET', pattern: '/rest/v1/activities/leadchanges.json', handle: leadChanges },
    { method: 'GET', pattern: '/rest/v1/activities/deletedleads.json', handle: deletedLeads },
  ];
}
