/** Field: Marketo's lead field describe, and the `leadFields` query (served from the TTL cache). */
import type { FieldDescription } from '../marketo/api.js';
import { builder } from './builder.js';
import { marketoCost } from '../security/marketo-cost.js';

export const FieldRef = builder.objectRef<FieldDescription>('Field').implement({
  description:
    'A lead field as Marketo describes it (describe.json + describe2 searchable fields).',
  fields: (t) => ({
    id: t.exposeInt('id', { nullable: false }),
    name: t.exposeString('name', {
      nullable: false,
      description: 'REST API name (case-sensitive).',
    }),
    displayName: t.exposeString('displayName', { nullable: false }),
    dataType: t.exposeString('dataType', {
      nullable: false,
      description: 'Marketo dataType: string, email, integer, datetime, boolean, …',
    }),
    length: t.exposeInt('length', { nullable: true }),
    readOnly: t.exposeBoolean('readOnly', { nullable: false }),
    searchable: t.exposeBoolean('searchable', {
      nullable: false,
      description: 'Usable in `leadsBy(field:)` and as an upsert `lookupField`.',
    }),
  }),
});

builder.queryField('leadFields', (t) =>
  t.field({
    type: [FieldRef],
    nullable: { list: false, items: false },
    description: 'Every lead field of the instance (cached; refreshed after the TTL).',
    extensions: marketoCost({ calls: 0, describe: true }),
    resolve: async (_root, _args, ctx) => (await ctx.loaders.fieldCatalog()).fields,
  }),
);
