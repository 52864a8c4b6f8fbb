/**
 * Lead metadata endpoints (§5.5, §5.6): describe.json, describe2.json, the schema field API and
 * partitions, all over the field catalogue in `fields.ts`.
 */
import { fail, ok } from './envelope.js';
import { describeField, describeLeadObject, schemaField } from './fields.js';
import { pagedResponse } from './params.js';
import type { Store } from './store.js';
import type { Route, SandboxRequest, SandboxResponse } from './types.js';

export interface DescribeRoutesDeps {
  store: Store;
  maxBatch: number;
}

export function createDescribeRoutes({ store, maxBatch }: DescribeRoutesDeps): Route[] {
  function schemaFields(req: SandboxRequest): SandboxResponse {
    const byId = new Map(store.fields.map((f) => [f.id, f]));
    return pagedResponse(req.query, {
      maxBatch,
      scope: ['schema-fields'],
      ids: [...byId.keys()].sort((a, b) => a - b),
      load: (id) => byId.get(id),
      present: schemaField,
      moreResult: true,
    });
  }

  return [
    {
      method: 'GET',
      pattern: '/rest/v1/leads/describe.json',
      handle: () => ok(store.fields.map(describeField)),
    },
    {
      method: 'GET',
      pattern: '/rest/v1/leads/describe2.json',
      handle: () => ok([describeLeadObject(store.fields)]),
    },
    { method: 'GET', pattern: '/rest/v1/leads/schema/fields.json', handle: schemaFields },
    {
      method: 'GET',
      pattern: '/rest/v1/leads/schema/fields/:name.json',
      handle: (req) => {
        const field = store.field(req.params.name ?? '');
        return field
          ? ok([schemaField(field)])
          : fail('1006', `Field '${req.params.name}' not found`);
      },
    },
    {
      method: 'GET',
      pattern: '/rest/v1/leads/partitions.json',
      handle: () => ok(store.partitions.map((p) => ({ ...p }))),
    },
  ];
}
