/**
 * Lead: typed standard fields, any REST field through `field(name)` / `fields(names)`, list
 * membership; and the `lead`, `leads`, `leadsBy` queries. Every read goes through the operation's
 * DataLoaders, which ask Marketo only for the union of the lead fields the operation selects.
 */
import { InputError } from '../errors.js';
import { STANDARD_LEAD_FIELDS } from '../loaders/lead-fields.js';
import { type Lead, MAX_FILTER_MATCHES, type StaticList } from '../marketo/api.js';
import { boundedList, positiveId, positiveIds, unwrapMany } from './args.js';
import { builder } from './builder.js';
import { ListRef } from './list.js';
import { typedLeadField } from './typed-lead-field.js';
import { chunks, lengthOf, marketoCost, RECORDS_PER_CALL } from '../security/marketo-cost.js';

/** Largest `ids` / `values` list one query may ask for (Marketo cost grows with it: 1 call per 300). */
export const MAX_LEAD_KEYS = 10_000;
/** Pages one 300-value filter call can take: Marketo answers at most 1,000 matches. */
const MAX_FILTER_PAGES = Math.ceil(MAX_FILTER_MATCHES / RECORDS_PER_CALL);

export const LeadRef = builder.objectRef<Lead>('Lead');

/** A static list's members (`List.leads`), declared beside Lead: list.ts is loaded from here. */
export const ListLeadsConnectionRef = builder.connectionObject(
  { type: LeadRef, name: 'ListLeadsConnection' },
  { name: 'ListLeadsEdge' },
);

LeadRef.implement({
  description:
    'A Marketo person (lead). Only the fields an operation selects are read from Marketo.',
  fields: (t) => ({
    id: t.int({ nullable: false, resolve: (lead) => lead.id }),
    ...Object.fromEntries(
      STANDARD_LEAD_FIELDS.map((field) => [
        field.name,
        typedLeadField(t, field, (lead) => lead[field.name]),
      ]),
    ),
    field: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Any REST field by its API name (custom fields included), as Marketo returns it.',
      args: { name: t.arg.string({ required: true }) },
      resolve: (lead, args) => lead[args.name] ?? null,
    }),
    fields: t.field({
      type: 'JSONObject',
      nullable: false,
      description: 'Several REST fields at once, keyed by API name.',
      args: { names: t.arg.stringList({ required: true }) },
      resolve: (lead, args) =>
        Object.fromEntries(args.names.map((name) => [name, lead[name] ?? null])),
    }),
    lists: t.field({
      // One membership call per lead, and its lists read by id (at worst one call per lead too).
      extensions: marketoCost({ calls: 2, items: RECORDS_PER_CALL }),
      type: [ListRef],
      nullable: { list: false, items: false },
      description: 'Static lists this lead is a member of.',
      resolve: async (lead, _args, ctx) => {
        const memberships = await ctx.loaders.membershipsOfLead.load(lead.id);
        const lists = await ctx.loaders.listById.loadMany(memberships.map((m) => m.listId));
        return lists.filter(
          (list): list is StaticList => list !== null && !(list instanceof Error),
        );
      },
    }),
    isMemberOf: t.boolean({
      extensions: marketoCost({ calls: 1 }),
      nullable: false,
      args: { listId: t.arg.int({ required: true }) },
      resolve: (lead, args, ctx) => {
        positiveId('listId', args.listId);
        return ctx.loaders.isMember.load({ listId: args.listId, leadId: lead.id });
      },
    }),
  }),
});

builder.queryFields((t) => ({
  lead: t.field({
    extensions: marketoCost({ calls: 1, items: 1, describe: true }),
    type: LeadRef,
    nullable: true,
    description: 'One lead by Marketo id; null when Marketo has no such lead.',
    args: { id: t.arg.int({ required: true }) },
    resolve: async (_root, args, ctx, info) => {
      positiveId('id', args.id);
      return (await ctx.loaders.leads(info)).byId.load(args.id);
    },
  }),
  leads: t.field({
    extensions: marketoCost({
      calls: (args) => chunks(args.ids),
      items: (args) => lengthOf(args.ids),
      describe: true,
    }),
    type: [LeadRef],
    nullable: { list: false, items: true },
    description:
      'Leads by id, in input order, null where Marketo has none (300 ids per Marketo call).',
    args: { ids: t.arg.intList({ required: true }) },
    resolve: async (_root, args, ctx, info) => {
      positiveIds('ids', args.ids, MAX_LEAD_KEYS);
      return unwrapMany(await (await ctx.loaders.leads(info)).byId.loadMany(args.ids));
    },
  }),
  leadsBy: t.field({
    // Ids are unique; any other field's values may match several leads each (duplicate emails are
    // common), up to Marketo's limit a call.
    extensions: marketoCost({
      calls: (args) => chunks(args.values) * (args.field === 'id' ? 1 : MAX_FILTER_PAGES),
      items: (args) => lengthOf(args.values),
      describe: true,
    }),
    type: [LeadRef],
    nullable: { list: false, items: false },
    description:
      'Leads whose searchable `field` equals one of `values` (email matches ignore case). A value can match several leads; Marketo refuses (`1003`) a call whose 300 values match more than 1,000.',
    args: {
      field: t.arg.string({ required: true }),
      values: t.arg.stringList({ required: true }),
    },
    resolve: async (_root, args, ctx, info) => {
      boundedList('values', args.values, MAX_LEAD_KEYS);
      const catalog = await ctx.loaders.fieldCatalog();
      const described = catalog.get(args.field);
      if (!described) {
        throw new InputError('field', `unknown lead field '${args.field}'`, { field: args.field });
      }
      if (!described.searchable) {
        throw new InputError('field', `lead field '${args.field}' is not searchable in Marketo`, {
          field: args.field,
        });
      }
      const { byFilter } = await ctx.loaders.leads(info);
      const matches = unwrapMany(
        await byFilter.loadMany(args.values.map((value) => ({ field: args.field, value }))),
      );
      const seen = new Set<number>();
      return matches.flat().filter((lead) => !seen.has(lead.id) && seen.add(lead.id));
    },
  }),
}));
