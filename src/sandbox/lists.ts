/**
 * Static list endpoints (§6.1, §6.2): list/filter lists, one list, members (paged by lead id),
 * add/remove up to `maxBatch` ids, ismember; `/rest/v1/list/{id}/…` is the legacy alias.
 */
import { fail, ok } from './envelope.js';
import { projectionParam } from './leads.js';
import { filterRows, idsParam, overLimit, pagedResponse, pagedRows, pathId } from './params.js';
import type { Store } from './store.js';
import type { Route, SandboxRequest, SandboxResponse, StaticListRow } from './types.js';

export interface ListRoutesDeps {
  store: Store;
  maxBatch: number;
}

const notFound = () => fail('1013', 'Static list not found');
const leadNotFound = (id: number) => ({
  id,
  status: 'skipped',
  reasons: [{ code: '1004', message: 'Lead not found' }],
});

export function createListRoutes({ store, maxBatch }: ListRoutesDeps): Route[] {
  const withList = (
    req: SandboxRequest,
    fn: (list: StaticListRow) => SandboxResponse,
  ): SandboxResponse => {
    const id = pathId(req.params.id);
    const list = id === undefined ? undefined : store.list(id);
    return list ? fn(list) : notFound();
  };

  function members(req: SandboxRequest): SandboxResponse {
    return withList(req, (list) => {
      const projection = projectionParam(store, req.query);
      if (!projection.ok) return projection.response;
      return pagedResponse(req.query, {
        maxBatch,
        scope: ['list', String(list.id)],
        ids: store.listMembersSorted(list.id),
        load: (id) => store.lead(id),
        present: projection.value,
      });
    });
  }

  /** Shared shape of add/remove/ismember: ≤ maxBatch ids, one status per id in input order. */
  const perId =
    (status: (listId: number, leadId: number) => Record<string, unknown>) =>
    (req: SandboxRequest): SandboxResponse =>
      withList(req, (list) => {
        const ids = idsParam(req);
        if (!ids.ok) return ids.response;
        if (ids.value.length > maxBatch) return overLimit(ids.value.length, maxBatch);
        return ok(ids.value.map((id) => (store.lead(id) ? status(list.id, id) : leadNotFound(id))));
      });

  const add = perId((listId, id) => {
    // Re-adding a member is idempotent and still says `added` (§6.2).
    store.addToList(listId, id);
    return { id, status: 'added' };
  });
  const remove = perId((listId, id) =>
    store.removeFromList(listId, id)
      ? { id, status: 'removed' }
      : { id, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
  );
  const isMember = perId((listId, id) => ({
    id,
    status: store.listMemberIds(listId).has(id) ? 'memberof' : 'notmemberof',
  }));

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: '/rest/v1/lists.json',
      handle: (req) => {
        const rows = filterRows(store.allLists(), req.query, [
          'name',
          'programName',
          'workspaceName',
        ]);
        return pagedRows(rows, req.query, maxBatch);
      },
    },
    {
      method: 'GET',
      pattern: '/rest/v1/lists/:id.json',
      handle: (req) => withList(req, (list) => ok([list])),
    },
  ];
  for (const base of ['/rest/v1/lists/:id', '/rest/v1/list/:id']) {
    routes.push(
      { method: 'GET', pattern: `${base}/leads.json`, handle: members },
      { method: 'POST', pattern: `${base}/leads.json`, handle: add },
      { method: 'DELETE', pattern: `${base}/leads.json`, handle: remove },
      { method: 'GET', pattern: `${base}/leads/ismember.json`, handle: isMember },
    );
  }
  return routes;
}
