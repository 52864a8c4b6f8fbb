/**
 * Static lists: the List type (with its leads, paged), `list` / `lists` queries, and membership
 * mutations. `changeListMembership` is shared with the list step of `upsertLeads`.
 */

import { parseMarketoDateTime } from '../lead-values.js';
import type { MarketoApi, Reason, StaticList } from '../marketo/api.js';
import { positiveId, positiveIds } from './args.js';
import { builder } from './builder.js';
import { ListLeadsConnectionRef } from './lead.js';
import { forwardPagingArgs, PAGE_COST, resolveMarketoConnection } from './pagination.js';
import { countStatus, reasonsField, type ReasonShape } from './reason.js';
import { chunks, marketoCost } from '../security/marketo-cost.js';

/** Most lead ids one membership mutation takes (1 Marketo call per 300). */
export const MAX_MEMBER_IDS = 100_000;

export const ListRef = builder.objectRef<StaticList>('List');

ListRef.implement({
  description: 'A Marketo static list.',
  fields: (t) => ({
    id: t.exposeInt('id', { nullable: false }),
    name: t.exposeString('name', { nullable: false }),
    description: t.exposeString('description', { nullable: true }),
    programName: t.exposeString('programName', { nullable: true }),
    workspaceId: t.exposeInt('workspaceId', { nullable: true }),
    workspaceName: t.exposeString('workspaceName', { nullable: true }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (list) => parseMarketoDateTime(list.createdAt),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (list) => parseMarketoDateTime(list.updatedAt),
    }),
    leads: t.field({
      nullable: false,
      type: ListLeadsConnectionRef,
      args: forwardPagingArgs(t.arg),
      description: 'Members, ordered by lead id, paged with Marketo page tokens.',
      // One page, read with the lead fields the operation selects (the describe).
      extensions: marketoCost({ ...PAGE_COST.marketoCost, describe: true }),
      resolve: async (list, args, ctx, info) => {
        const { fields, byId } = await ctx.loaders.leads(info);
        const connection = await resolveMarketoConnection(args, (page) =>
          ctx.marketo.getListLeads(list.id, fields, page),
        );
        for (const edge of connection.edges) byId.prime(edge.node.id, edge.node);
        return connection;
      },
    }),
  }),
});

export const ListActionEnum = builder.enumType('ListAction', {
  values: { ADD: { value: 'ADD' }, REMOVE: { value: 'REMOVE' } } as const,
});
export type ListAction = 'ADD' | 'REMOVE';

export const ListMemberStatusEnum = builder.enumType('ListMemberStatus', {
  values: ['ADDED', 'REMOVED', 'SKIPPED'] as const,
});
export type ListMemberStatus = 'ADDED' | 'REMOVED' | 'SKIPPED';

export interface MemberOutcome {
  status: ListMemberStatus;
  reasons: ReasonShape[];
}

/**
 * Adds or removes leads (each distinct id sent once, 300 per call) and returns the outcome per id.
 * Marketo says `added` also for existing members; removing a non-member is skipped with 1015.
 */
export async function changeListMembership(
  api: MarketoApi,
  listId: number,
  action: ListAction,
  leadIds: readonly number[],
): Promise<Map<number, MemberOutcome>> {
  const unique = [...new Set(leadIds)];
  const results =
    action === 'ADD'
      ? await api.addLeadsToList(listId, unique)
      : await api.removeLeadsFromList(listId, unique);
  const outcomes = new Map<number, MemberOutcome>();
  unique.forEach((id, index) => {
    const result = results[index];
    const status = result?.status.toLowerCase();
    outcomes.set(id, {
      status: status === 'added' ? 'ADDED' : status === 'removed' ? 'REMOVED' : 'SKIPPED',
      reasons: (result?.reasons ?? []).map((reason: Reason) => ({ ...reason })),
    });
  });
  return outcomes;
}

interface ListMemberResult extends MemberOutcome {
  index: number;
  leadId: number;
}

interface ListMembershipChange {
  listId: number;
  action: ListAction;
  results: ListMemberResult[];
}

const ListMemberResultRef = builder.objectRef<ListMemberResult>('ListMemberResult').implement({
  description: 'What happened to one input lead id.',
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: false, description: 'Position in `leadIds`.' }),
    leadId: t.exposeInt('leadId', { nullable: false }),
    status: t.field({ type: ListMemberStatusEnum, nullable: false, resolve: (r) => r.status }),
    reasons: t.field(reasonsField()),
  }),
});

const ListMembershipChangeRef = builder
  .objectRef<ListMembershipChange>('ListMembershipChange')
  .implement({
    fields: (t) => ({
      listId: t.exposeInt('listId', { nullable: false }),
      action: t.field({ type: ListActionEnum, nullable: false, resolve: (c) => c.action }),
      added: t.int({ nullable: false, resolve: (c) => countStatus(c.results, 'ADDED') }),
      removed: t.int({ nullable: false, resolve: (c) => countStatus(c.results, 'REMOVED') }),
      skipped: t.int({ nullable: false, resolve: (c) => countStatus(c.results, 'SKIPPED') }),
      results: t.field({
        type: [ListMemberResultRef],
        nullable: { list: false, items: false },
        description: 'One entry per input id, in input order; filter with `status`.',
        args: { status: t.arg({ type: [ListMemberStatusEnum], required: false }) },
        resolve: (c, args) =>
          args.status ? c.results.filter((r) => args.status?.includes(r.status)) : c.results,
      }),
    }),
  });

const ListConnectionRef = builder.connectionObject(
  { type: ListRef, name: 'ListConnection' },
  { name: 'ListEdge' },
);

builder.queryFields((t) => ({
  list: t.field({
    type: ListRef,
    extensions: marketoCost({ calls: 1, items: 1 }),
    nullable: true,
    args: { id: t.arg.int({ required: true }) },
    resolve: (_root, args, ctx) => {
      positiveId('id', args.id);
      return ctx.loaders.listById.load(args.id);
    },
  }),
  lists: t.field({
    nullable: false,
    extensions: PAGE_COST,
    type: ListConnectionRef,
    description: 'Static lists, filtered by exact names / program / workspace, paged.',
    args: {
      ...forwardPagingArgs(t.arg),
      ids: t.arg.intList({ required: false }),
      names: t.arg.stringList({ required: false }),
      programNames: t.arg.stringList({ required: false }),
      workspaceNames: t.arg.stringList({ required: false }),
    },
    resolve: (_root, args, ctx) =>
      resolveMarketoConnection(args, (page) =>
        ctx.marketo.getLists(
          {
            ...(args.ids && { ids: args.ids }),
            ...(args.names && { names: args.names }),
            ...(args.programNames && { programNames: args.programNames }),
            ...(args.workspaceNames && { workspaceNames: args.workspaceNames }),
          },
          page,
        ),
      ),
  }),
}));

async function membershipMutation(
  api: MarketoApi,
  listId: number,
  leadIds: readonly number[],
  action: ListAction,
): Promise<ListMembershipChange> {
  positiveId('listId', listId);
  positiveIds('leadIds', leadIds, MAX_MEMBER_IDS);
  const outcomes = await changeListMembership(api, listId, action, leadIds);
  return {
    listId,
    action,
    results: leadIds.map((leadId, index) => ({
      index,
      leadId,
      ...(outcomes.get(leadId) as MemberOutcome),
    })),
  };
}

/** The list checked, then 300 leads per call. */
const MEMBERSHIP_COST = marketoCost({ calls: (args) => 1 + chunks(args.leadIds) });

builder.mutationFields((t) => ({
  addLeadsToList: t.field({
    type: ListMembershipChangeRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    args: {
      listId: t.arg.int({ required: true }),
      leadIds: t.arg.intList({ required: true }),
    },
    authScopes: { 'lists:write': true },
    extensions: MEMBERSHIP_COST,
    resolve: (_root, args, ctx) =>
      membershipMutation(ctx.marketo, args.listId, args.leadIds, 'ADD'),
  }),
  removeLeadsFromList: t.field({
    type: ListMembershipChangeRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    args: {
      listId: t.arg.int({ required: true }),
      leadIds: t.arg.intList({ required: true }),
    },
    authScopes: { 'lists:write': true },
    extensions: MEMBERSHIP_COST,
    resolve: (_root, args, ctx) =>
      membershipMutation(ctx.marketo, args.listId, args.leadIds, 'REMOVE'),
  }),
}));
