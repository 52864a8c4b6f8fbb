/**
 * Activity endpoints (§5.7): types, a paging token for a start date, and pages of activities.
 * Tokens encode a position in the date-ordered activity stream (the last activity examined), so
 * paging keeps working while new activities are appended.
 */
import { fail, ok } from './envelope.js';
import { base32, unbase32 } from './paging.js';
import { batchSizeParam, listParam, overLimit, pathId } from './params.js';
import type { Store } from './store.js';
import type { ActivityRow, Route, SandboxRequest, SandboxResponse } from './types.js';
import { formatDateTime, parseDateTime } from './values.js';

export interface ActivityRoutesDeps {
  store: Store;
  maxBatch: number;
}

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

const intList = (query: URLSearchParams, name: string) => listParam(query, name).map(Number);

export function createActivityRoutes({ store, maxBatch }: ActivityRoutesDeps): Route[] {
  function pagingToken(req: SandboxRequest): SandboxResponse {
    const since = req.query.get('sinceDatetime');
    if (!since) return fail('1002', "Missing value for the required parameter 'sinceDatetime'");
    const ms = parseDateTime(since);
    if (ms === undefined)
      return fail('1001', `Invalid value '${since}'. Required of type 'DateTime'`);
    return { kind: 'result', extra: { nextPageToken: encode({ t: formatDateTime(ms), n: 0 }) } };
  }

  function activities(req: SandboxRequest): SandboxResponse {
    const token = req.query.get('nextPageToken');
    if (!token) return fail('1002', "Missing value for the required parameter 'nextPageToken'");
    const start = decode(token);
    if (!start) return fail('1003', 'Invalid nextPageToken');
    const typeIds = intList(req.query, 'activityTypeIds');
    if (typeIds.length === 0)
      return fail('1002', "Missing value for the required parameter 'activityTypeIds'");
    if (typeIds.length > MAX_TYPE_IDS) return overLimit(typeIds.length, MAX_TYPE_IDS);
    const leadIds = intList(req.query, 'leadIds');
    if (leadIds.length > MAX_LEAD_IDS) return overLimit(leadIds.length, MAX_LEAD_IDS);
    const listId = req.query.get('listId');
    const members = listId ? store.listMemberIds(pathId(listId) ?? -1) : undefined;
    if (listId && !store.list(pathId(listId) ?? -1)) return fail('1013', 'Static list not found');
    const batchSize = batchSizeParam(req.query, maxBatch);
    if (!batchSize.ok) return batchSize.response;

    const wantedTypes = new Set(typeIds);
    const wantedLeads = leadIds.length ? new Set(leadIds) : undefined;
    const matches = (a: ActivityRow) =>
      wantedTypes.has(a.activityTypeId) &&
      (!wantedLeads || wantedLeads.has(a.leadId)) &&
      (!members || members.has(a.leadId));

    const items: ActivityRow[] = [];
    let position = { ...start };
    let skip = start.n;
    let moreResult = false;
    for (const a of store.activities(start.t)) {
      if (a.activityDate === start.t && skip > 0) {
        skip--;
        continue;
      }
      if (matches(a)) {
        if (items.length === batchSize.value) {
          moreResult = true;
          break;
        }
        items.push(a);
      }
      position =
        a.activityDate === position.t
          ? { t: position.t, n: position.n + 1 }
          : { t: a.activityDate, n: 1 };
    }
    // Marketo omits `result` when a page has no activities.
    return {
      kind: 'result',
      ...(items.length > 0 && { result: items.map(present) }),
      extra: { nextPageToken: encode(position), moreResult },
    };
  }

  return [
    {
      method: 'GET',
      pattern: '/rest/v1/activities/types.json',
      handle: () => ok(store.activityTypes.map((t) => ({ ...t }))),
    },
    { method: 'GET', pattern: '/rest/v1/activities/pagingtoken.json', handle: pagingToken },
    { method: 'GET', pattern: '/rest/v1/activities.json', handle: activities },
  ];
}
