/**
 * Lead endpoints (§5): get by id, get by filter (GET or POST `_method=GET`), sync, delete and a
 * lead's list membership.
 */
import { fail, ok } from './envelope.js';
import { DEFAULT_LEAD_FIELDS } from './fields.js';
import {
  idsParam,
  jsonBody,
  listParam,
  overLimit,
  type Parsed,
  pagedResponse,
  pathId,
} from './params.js';
import type { Store } from './store.js';
import type {
  FieldDef,
  LeadRow,
  Route,
  SandboxRequest,
  SandboxResponse,
  SyncAction,
} from './types.js';
import { filterKey } from './values.js';

const ACTIONS: readonly SyncAction[] = [
  'createOrUpdate',
  'createOnly',
  'updateOnly',
  'createDuplicate',
];
/** Get Leads by Filter refuses filters matching more leads than this (§4). */
const MAX_FILTER_MATCHES = 1000;

export interface LeadRoutesDeps {
  store: Store;
  maxBatch: number;
}

/** `id` first, then the requested fields in request order, empty ones as null (§5). */
export type Projection = (row: LeadRow) => Record<string, unknown>;

/** The `fields` parameter as a projection, or response-level 1006 for an unknown name. */
export function projectionParam(store: Store, query: URLSearchParams): Parsed<Projection> {
  const requested = listParam(query, 'fields');
  const names = requested.length
    ? ['id', ...requested.filter((f) => f !== 'id')]
    : [...DEFAULT_LEAD_FIELDS];
  const fields: FieldDef[] = [];
  for (const name of new Set(names)) {
    const f = store.field(name);
    if (!f) return { ok: false, response: fail('1006', `Field '${name}' not found`) };
    fields.push(f);
  }
  return {
    ok: true,
    value: (row) => {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = row[f.name];
        out[f.name] = v === undefined || v === null ? (f.dataType === 'boolean' ? false : null) : v;
      }
      return out;
    },
  };
}

export function createLeadRoutes({ store, maxBatch }: LeadRoutesDeps): Route[] {
  function getById(req: SandboxRequest): SandboxResponse {
    const projection = projectionParam(store, req.query);
    if (!projection.ok) return projection.response;
    const id = pathId(req.params.id);
    const row = id === undefined ? undefined : store.lead(id);
    return ok(row ? [projection.value(row)] : []);
  }

  function getByFilter(req: SandboxRequest): SandboxResponse {
    const filterType = req.query.get('filterType');
    if (!filterType) return fail('1002', "Missing value for the required parameter 'filterType'");
    const field = store.field(filterType);
    if (!field?.searchable) return fail('1011', `Lookup field '${filterType}' not supported`);
    const values = listParam(req.query, 'filterValues');
    if (values.length === 0)
      return fail('1002', "Missing value for the required parameter 'filterValues'");
    if (values.length > maxBatch) return overLimit(values.length, maxBatch);
    const projection = projectionParam(store, req.query);
    if (!projection.ok) return projection.response;
    const ids = new Set<number>();
    for (const value of values) {
      const key = filterKey(field, value);
      if (key !== undefined) for (const id of store.leadIdsBy(field, key)) ids.add(id);
    }
    if (ids.size > MAX_FILTER_MATCHES) return fail('1003', 'Too many results match the filter');
    return pagedResponse(req.query, {
      maxBatch,
      scope: ['leads', filterType, values.join(',')],
      ids: [...ids].sort((a, b) => a - b),
      load: (id) => store.lead(id),
      present: projection.value,
    });
  }

  function sync(req: SandboxRequest): SandboxResponse {
    const body = jsonBody(req);
    if (!body.ok) return body.response;
    const { input, action = 'createOrUpdate', lookupField = 'email', partitionName } = body.value;
    if (!Array.isArray(input))
      return fail('1002', "Missing value for the required parameter 'input'");
    if (input.length > maxBatch) return overLimit(input.length, maxBatch);
    if (typeof action !== 'string' || !ACTIONS.includes(action as SyncAction)) {
      return fail('1003', `Invalid action '${String(action)}'`);
    }
    if (typeof lookupField !== 'string' || !store.field(lookupField)?.searchable) {
      return fail('1011', `Lookup field '${String(lookupField)}' not supported`);
    }
    const options = {
      action: action as SyncAction,
      lookupField,
      ...(typeof partitionName === 'string' && { partitionName }),
    };
    const result = input.map((record) =>
      typeof record === 'object' && record !== null && !Array.isArray(record)
        ? store.syncLead(record as Record<string, unknown>, options)
        : { status: 'skipped', reasons: [{ code: '1003', message: 'Invalid data' }] },
    );
    return ok(result);
  }

  function remove(req: SandboxRequest): SandboxResponse {
    const ids = idsParam(req);
    if (!ids.ok) return ids.response;
    if (ids.value.length > maxBatch) return overLimit(ids.value.length, maxBatch);
    return ok(
      ids.value.map((id) =>
        store.deleteLead(id)
          ? { id, status: 'deleted' }
          : { id, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
      ),
    );
  }

  function listMembership(req: SandboxRequest): SandboxResponse {
    const leadId = pathId(req.params.id);
    if (leadId === undefined || !store.lead(leadId)) return fail('1004', 'Lead not found');
    return pagedResponse(req.query, {
      maxBatch,
      scope: ['listMembership', String(leadId)],
      ids: store.listsOfLead(leadId),
      load: (listId) => {
        const since = store.memberSince(listId, leadId);
        return { listId, createdAt: since, updatedAt: since };
      },
      present: (membership) => membership,
      moreResult: true,
    });
  }

  return [
    { method: 'GET', pattern: '/rest/v1/lead/:id.json', handle: getById },
    { method: 'GET', pattern: '/rest/v1/leads.json', handle: getByFilter },
    { method: 'POST', pattern: '/rest/v1/leads.json', handle: sync },
    { method: 'DELETE', pattern: '/rest/v1/leads.json', handle: remove },
    { method: 'POST', pattern: '/rest/v1/leads/delete.json', handle: remove },
    { method: 'GET', pattern: '/rest/v1/leads/:id/listMembership.json', handle: listMembership },
  ];
}
