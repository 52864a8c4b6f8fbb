/**
 * Change feeds: `leadChanged` and `activityAdded` tail Marketo (one poller per distinct feed, the
 * events fanned out to every subscriber), each event carrying the cursor right after it. A named
 * feed (`feed:`) keeps its position; `acknowledgeFeed` moves it (or the next pull, `ack: ON_NEXT`).
 */
import { GatewayError, InputError } from '../errors.js';
import type { FeedEvent } from '../feeds/feeds.js';
import { FeedManager } from '../feeds/feeds.js';
import type { FeedSpec } from '../feeds/spec.js';
import { SHARED_EVENTS } from '../shared-subscriptions.js';
import { builder } from './builder.js';
import type { GraphQLContext } from '../context.js';
import type { Activity, LeadChange } from '../marketo/api.js';
import { ActivityRef, LeadChangeRef, refuseLargeList, resolveTypes } from './activity.js';

const FeedAckEnum = builder.enumType('FeedAck', {
  description:
    "When a named feed's position moves. Only the consumer can tell that it has an event (bytes a socket accepted can still be lost with the connection), so EXPLICIT is the exactly-once mode.",
  values: {
    EXPLICIT: {
      value: 'EXPLICIT',
      description:
        'Only by `acknowledgeFeed(feed, cursor)`: a consumer that reconnects gets every event after the last cursor it acknowledged.',
    },
    ON_NEXT: {
      value: 'ON_NEXT',
      description:
        'When the subscription asks for the next event (the transport took the previous one): no calls to make, but an event in flight when the connection drops is not received again.',
    },
  } as const,
});

function feedsOf(ctx: GraphQLContext): FeedManager {
  if (!ctx.feeds) throw new GatewayError('UNAVAILABLE', 'Change feeds are not available here');
  return ctx.feeds;
}

/** The start and naming arguments both subscriptions take. */
function startOf(args: {
  since?: Date | null | undefined;
  fromCursor?: string | null | undefined;
  feed?: string | null | undefined;
  ack?: 'EXPLICIT' | 'ON_NEXT' | null | undefined;
}) {
  return {
    ...(args.since && { since: args.since }),
    ...(args.fromCursor && { fromCursor: args.fromCursor }),
    ...(args.feed && { feed: args.feed }),
    ...(args.ack && { ack: args.ack }),
  };
}

const FeedPositionRef = builder
  .objectRef<{ name: string; cursor: string; updatedAt: string }>('FeedPosition')
  .implement({
    description: "A named feed's acknowledged position.",
    fields: (t) => ({
      feed: t.exposeString('name', { nullable: false }),
      cursor: t.exposeString('cursor', {
        nullable: false,
        description: 'The last acknowledged event: the feed resumes right after it.',
      }),
      updatedAt: t.field({
        type: 'DateTime',
        nullable: false,
        resolve: (p) => p.updatedAt,
      }),
    }),
  });

export const LeadChangeEventRef = builder.objectRef<FeedEvent>('LeadChangeEvent').implement({
  description: 'One lead change of a feed, with the position right after it.',
  fields: (t) => ({
    change: t.field({
      type: LeadChangeRef,
      nullable: false,
      resolve: async (event, _args, ctx) => {
        const catalog = await ctx.loaders.fieldCatalog();
        const change = event.item as unknown as LeadChange;
        const fieldTypes = new Map(
          change.fields.map((f) => [f.name, catalog.get(f.name)?.dataType ?? 'string']),
        );
        return { activity: change, types: await ctx.loaders.activityTypes(), fieldTypes };
      },
    }),
    cursor: t.exposeString('cursor', {
      nullable: false,
      description: 'Resume after this event: `fromCursor`, or `acknowledgeFeed` for a named feed.',
    }),
  }),
});

export const ActivityEventRef = builder.objectRef<FeedEvent>('ActivityEvent').implement({
  description: 'One activity of a feed, with the position right after it.',
  fields: (t) => ({
    activity: t.field({
      type: ActivityRef,
      nullable: false,
      resolve: async (event, _args, ctx) => ({
        activity: event.item as unknown as Activity,
        types: await ctx.loaders.activityTypes(),
      }),
    }),
    cursor: t.exposeString('cursor', {
      nullable: false,
      description: 'Resume after this event: `fromCursor`, or `acknowledgeFeed` for a named feed.',
    }),
  }),
});

const startArgs = {
  since: 'Events dated at or after this (default: from now). For a named feed, only its first use.',
  fromCursor:
    'Events after this cursor (of a previous event). For a named feed, only its first use.',
  feed: 'Name the feed to have its position kept (Redis with REDIS_URL, the data directory otherwise): reconnecting with the name resumes after the last acknowledged event.',
};

builder.subscriptionField('leadChanged', (t) =>
  t.field({
    type: LeadChangeEventRef,
    nullable: false,
    description:
      'Every change of the given fields (Change Data Value, New Lead), in order, each once. One poller per distinct feed however many subscribers and instances.',
    args: {
      fields: t.arg.stringList({ required: true }),
      listId: t.arg.int({ required: false }),
      since: t.arg({ type: 'DateTime', required: false, description: startArgs.since }),
      fromCursor: t.arg.string({ required: false, description: startArgs.fromCursor }),
      feed: t.arg.string({ required: false, description: startArgs.feed }),
      ack: t.arg({ type: FeedAckEnum, required: false, defaultValue: 'EXPLICIT' }),
    },
    authScopes: { 'leads:read': true },
    extensions: { [SHARED_EVENTS]: true },
    subscribe: async (_root, args, ctx) => {
      const catalog = await ctx.loaders.fieldCatalog();
      args.fields.forEach((name, i) => {
        if (!catalog.has(name)) {
          throw new InputError(`fields[${i}]`, `unknown lead field '${name}'`, { field: name });
        }
      });
      // Marketo answers 1003 for listId of a list of 10,000+: never send it (feeds poll it).
      if (args.listId != null) await refuseLargeList(ctx, args.listId);
      const spec: FeedSpec = FeedManager.spec({
        kind: 'leadChanges',
        fields: args.fields,
        ...(args.listId != null && { listId: args.listId }),
      });
      return feedsOf(ctx).subscribe({ spec, ...startOf(args) });
    },
    resolve: (event) => event,
  }),
);

builder.subscriptionField('activityAdded', (t) =>
  t.field({
    type: ActivityEventRef,
    nullable: false,
    description:
      'Every new activity of the given types (1 to 10 type ids), in order, each once. One poller per distinct feed however many subscribers and instances.',
    args: {
      types: t.arg.stringList({
        required: true,
        description: 'Activity type ids or names (1 to 10 types).',
      }),
      since: t.arg({ type: 'DateTime', required: false, description: startArgs.since }),
      fromCursor: t.arg.string({ required: false, description: startArgs.fromCursor }),
      feed: t.arg.string({ required: false, description: startArgs.feed }),
      ack: t.arg({ type: FeedAckEnum, required: false, defaultValue: 'EXPLICIT' }),
    },
    authScopes: { 'leads:read': true },
    extensions: { [SHARED_EVENTS]: true },
    subscribe: async (_root, args, ctx) => {
      const typeIds = resolveTypes(await ctx.loaders.activityTypes(), args.types);
      const spec = FeedManager.spec({ kind: 'activities', typeIds });
      return feedsOf(ctx).subscribe({ spec, ...startOf(args) });
    },
    resolve: (event) => event,
  }),
);

builder.mutationField('acknowledgeFeed', (t) =>
  t.field({
    type: FeedPositionRef,
    // The outcome as data, as every mutation: a refusal is a typed error (nullable only for a
    // scope refusal, which stays a GraphQL error of this field).
    nullable: true,
    errors: {},
    description:
      "Moves a named feed's position to `cursor` (the consumer has that event and all before it). Acknowledge in order.",
    args: {
      feed: t.arg.string({ required: true }),
      cursor: t.arg.string({ required: true }),
    },
    authScopes: { 'leads:read': true },
    resolve: async (_root, args, ctx) => feedsOf(ctx).acknowledge(args.feed, args.cursor),
  }),
);
