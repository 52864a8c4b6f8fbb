/** `marketoStatus`: where the gateway points and how much of Marketo's budget is used (no Marketo call). */
import { setTimeout } from 'node:timers/promises';
import type { GraphQLContext } from '../context.js';
import { InputError } from '../errors.js';
import { builder } from './builder.js';

const MarketoModeEnum = builder.enumType('MarketoMode', {
  description: 'SANDBOX: the built-in simulator; MARKETO: a configured instance.',
  values: ['SANDBOX', 'MARKETO'] as const,
});

const LimiterState = builder.simpleObject('LimiterState', {
  description: "The client's view of Marketo's limits (100 calls / 20 s, 10 concurrent).",
  fields: (t) => ({
    inFlight: t.int({ nullable: false }),
    maxConcurrency: t.int({ nullable: false }),
    callsInWindow: t.int({ nullable: false }),
    rateLimit: t.int({ nullable: false }),
    rateWindowMs: t.int({ nullable: false }),
    queued: t.int({ nullable: false, description: 'Calls waiting for the limiter.' }),
    callerQueued: t.int({
      nullable: false,
      description:
        "The calling API key's calls waiting for the limiter (on this instance); keys take turns.",
    }),
    callerInFlight: t.int({
      nullable: false,
      description: "The calling API key's calls in flight (through this instance).",
    }),
    shared: t.boolean({ nullable: false, description: 'Whether the state is shared via Redis.' }),
  }),
});

const MarketoStatus = builder.simpleObject('MarketoStatus', {
  fields: (t) => ({
    mode: t.field({ type: MarketoModeEnum, nullable: false }),
    instance: t.string({ nullable: false, description: 'Origin of the Marketo REST API in use.' }),
    callsToday: t.int({ nullable: false }),
    dailyQuota: t.int({ nullable: false }),
    dailyQuotaLeft: t.int({ nullable: false }),
    limiter: t.field({ type: LimiterState, nullable: false }),
  }),
});

async function currentStatus(ctx: GraphQLContext) {
  const snapshot = await ctx.marketo.limiterSnapshot();
  return {
    mode: ctx.instance.mode,
    instance: ctx.instance.origin,
    callsToday: snapshot.callsToday,
    dailyQuota: snapshot.dailyQuota,
    dailyQuotaLeft: Math.max(0, snapshot.dailyQuota - snapshot.callsToday),
    limiter: {
      inFlight: snapshot.inFlight,
      maxConcurrency: snapshot.maxConcurrency,
      callsInWindow: snapshot.callsInWindow,
      rateLimit: snapshot.rateLimit,
      rateWindowMs: snapshot.rateWindowMs,
      queued: snapshot.queued,
      callerQueued: snapshot.caller?.queued ?? 0,
      callerInFlight: snapshot.caller?.inFlight ?? 0,
      shared: snapshot.shared,
    },
  };
}

builder.queryField('marketoStatus', (t) =>
  t.field({
    type: MarketoStatus,
    nullable: false,
    resolve: (_root, _args, ctx) => currentStatus(ctx),
  }),
);

builder.subscriptionField('marketoStatus', (t) =>
  t.field({
    type: MarketoStatus,
    nullable: false,
    description: 'The status now, then every `intervalMs`; ends after `count` events when given.',
    args: {
      intervalMs: t.arg.int({ required: true, defaultValue: 1000 }),
      count: t.arg.int({ required: false }),
    },
    authScopes: { 'leads:read': true },
    subscribe: async function* (_root, args, ctx) {
      if (args.intervalMs < 100) throw new InputError('intervalMs', 'must be at least 100');
      if (args.count != null && args.count < 1) throw new InputError('count', 'must be at least 1');
      for (let sent = 0; args.count == null || sent < args.count; sent++) {
        if (sent > 0) await setTimeout(args.intervalMs);
        yield await currentStatus(ctx);
      }
    },
    resolve: (status) => status,
  }),
);
