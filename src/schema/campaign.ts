/**
 * Smart campaigns: the Campaign type, `campaign` / `campaigns` queries and the trigger/schedule
 * mutations. `validateTokens` and `assertTriggerable` are shared with the campaign step of `upsertLeads`.
 */

import type { GraphQLContext } from '../context.js';
import { InputError } from '../errors.js';
import { parseMarketoDateTime } from '../lead-values.js';
import type { Campaign, CampaignToken, RecordResult } from '../marketo/api.js';
import { positiveId, positiveIds } from './args.js';
import { builder } from './builder.js';
import { forwardPagingArgs, PAGE_COST, resolveMarketoConnection } from './pagination.js';
import { countStatus, reasonsField, type ReasonShape } from './reason.js';
import { chunks, marketoCost } from '../security/marketo-cost.js';

/** Marketo: at most 100 leads per trigger call (the client chunks); we bound the whole request. */
export const MAX_TRIGGER_LEADS = 100_000;
export const MAX_TOKENS = 100;
const TOKEN_NAME = /^\{\{my\.[^{}]+\}\}$/;
/** Marketo refuses `runAt` more than two years ahead (1042). */
const MAX_RUN_AT_MS = 2 * 365 * 24 * 3600 * 1000;

export const CampaignRef = builder.objectRef<Campaign>('Campaign').implement({
  description: 'A Marketo smart campaign.',
  fields: (t) => ({
    id: t.exposeInt('id', { nullable: false }),
    name: t.exposeString('name', { nullable: false }),
    description: t.exposeString('description', { nullable: true }),
    type: t.exposeString('type', {
      nullable: false,
      description: 'As Marketo spells it: `batch` or `trigger`.',
    }),
    active: t.exposeBoolean('active', { nullable: false }),
    programId: t.exposeInt('programId', { nullable: true }),
    programName: t.exposeString('programName', { nullable: true }),
    workspaceName: t.exposeString('workspaceName', { nullable: true }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (c) => parseMarketoDateTime(c.createdAt),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (c) => parseMarketoDateTime(c.updatedAt),
    }),
  }),
});

export const CampaignTokenInput = builder.inputType('CampaignTokenInput', {
  description: 'A program token for this run, e.g. `{ name: "{{my.message}}", value: "Hello" }`.',
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string({ required: true }),
  }),
});

export function validateTokens(
  argument: string,
  tokens: readonly CampaignToken[] | null | undefined,
): CampaignToken[] | undefined {
  if (!tokens) return undefined;
  if (tokens.length > MAX_TOKENS) {
    throw new InputError(
      argument,
      `has ${tokens.length} tokens; Marketo takes at most ${MAX_TOKENS}`,
    );
  }
  tokens.forEach((token, index) => {
    if (!TOKEN_NAME.test(token.name)) {
      throw new InputError(
        `${argument}[${index}].name`,
        `'${token.name}' is not a token name like {{my.name}}`,
      );
    }
  });
  return tokens.map((token) => ({ name: token.name, value: token.value }));
}

/**
 * Marketo only requests active trigger campaigns with a Web Service API trigger (`isTriggerable`);
 * checked before anything is sent, so a bad id never leaves rows half-processed.
 */
export async function assertTriggerable(
  ctx: GraphQLContext,
  argument: string,
  campaignId: number,
): Promise<void> {
  positiveId(argument, campaignId);
  const triggerable = await ctx.marketo.getCampaigns(
    { ids: [campaignId], isTriggerable: true },
    { batchSize: 1 },
  );
  if (triggerable.items.some((campaign) => campaign.id === campaignId)) return;
  const campaign = await ctx.loaders.campaignById.load(campaignId);
  if (!campaign) throw new InputError(argument, `campaign ${campaignId} does not exist`);
  const kind = `${campaign.active ? 'an active' : 'an inactive'} ${campaign.type} campaign`;
  throw new InputError(
    argument,
    `campaign ${campaignId} is ${kind} without a Web Service API request trigger; only such trigger campaigns can be requested`,
  );
}

const TRIGGER_STATUSES = ['TRIGGERED', 'NOT_ATTEMPTED', 'OUTCOME_UNKNOWN'] as const;
type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

const TriggerStatusEnum = builder.enumType('CampaignLeadStatus', {
  description:
    'TRIGGERED: Marketo accepted the request for the lead. NOT_ATTEMPTED: it did not run for the lead (refused before sending, e.g. the quota, or by Marketo; `reasons` say which). OUTCOME_UNKNOWN: the call was sent but its answer was lost (timeout, reset, 5xx): it may have run, so it is not retried.',
  values: TRIGGER_STATUSES,
});

interface CampaignLeadResult {
  index: number;
  leadId: number;
  status: TriggerStatus;
  reasons: ReasonShape[];
}

interface CampaignRun {
  campaignId: number;
  leadCount: number;
  calls: number;
  runAt: Date | null;
  /** Per distinct lead, in input order (empty for a schedule). */
  results: CampaignLeadResult[];
}

const CampaignLeadResultRef = builder
  .objectRef<CampaignLeadResult>('CampaignLeadResult')
  .implement({
    description: 'What happened to one lead of a campaign request.',
    fields: (t) => ({
      index: t.exposeInt('index', {
        nullable: false,
        description: 'Position among the distinct `leadIds`.',
      }),
      leadId: t.exposeInt('leadId', { nullable: false }),
      status: t.field({ type: TriggerStatusEnum, nullable: false, resolve: (r) => r.status }),
      reasons: t.field(reasonsField()),
    }),
  });

const CampaignRunRef = builder.objectRef<CampaignRun>('CampaignRun').implement({
  description:
    'A campaign request or schedule Marketo accepted, in whole or (a request in several calls) in part.',
  fields: (t) => ({
    campaignId: t.exposeInt('campaignId', { nullable: false }),
    leadCount: t.exposeInt('leadCount', {
      nullable: false,
      description: 'Distinct leads given.',
    }),
    calls: t.exposeInt('calls', { nullable: false, description: 'Marketo calls made.' }),
    runAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.runAt }),
    triggered: t.int({ nullable: false, resolve: (r) => countStatus(r.results, 'TRIGGERED') }),
    notAttempted: t.int({
      nullable: false,
      resolve: (r) => countStatus(r.results, 'NOT_ATTEMPTED'),
    }),
    outcomeUnknown: t.int({
      nullable: false,
      resolve: (r) => countStatus(r.results, 'OUTCOME_UNKNOWN'),
    }),
    results: t.field({
      type: [CampaignLeadResultRef],
      nullable: { list: false, items: false },
      description: 'One entry per distinct lead, in input order; filter with `status`.',
      args: { status: t.arg({ type: [TriggerStatusEnum], required: false }) },
      resolve: (r, args) =>
        args.status ? r.results.filter((x) => args.status?.includes(x.status)) : r.results,
    }),
  }),
});

/** A lead's outcome from the client's per-lead trigger result. */
function triggerOutcome(result: RecordResult, index: number, leadId: number): CampaignLeadResult {
  if (result.status === 'triggered') return { index, leadId, status: 'TRIGGERED', reasons: [] };
  const reasons = (result.reasons ?? []).map((r) => ({ code: r.code, message: r.message }));
  const unknown = reasons.some((r) => r.code === 'OUTCOME_UNKNOWN');
  return { index, leadId, status: unknown ? 'OUTCOME_UNKNOWN' : 'NOT_ATTEMPTED', reasons };
}

const CampaignConnectionRef = builder.connectionObject(
  { type: CampaignRef, name: 'CampaignConnection' },
  { name: 'CampaignEdge' },
);

builder.queryFields((t) => ({
  campaign: t.field({
    type: CampaignRef,
    extensions: marketoCost({ calls: 1, items: 1 }),
    nullable: true,
    args: { id: t.arg.int({ required: true }) },
    resolve: (_root, args, ctx) => {
      positiveId('id', args.id);
      return ctx.loaders.campaignById.load(args.id);
    },
  }),
  campaigns: t.field({
    nullable: false,
    extensions: PAGE_COST,
    type: CampaignConnectionRef,
    description: 'Smart campaigns, filtered by exact names / program / workspace, paged.',
    args: {
      ...forwardPagingArgs(t.arg),
      ids: t.arg.intList({ required: false }),
      names: t.arg.stringList({ required: false }),
      programNames: t.arg.stringList({ required: false }),
      workspaceNames: t.arg.stringList({ required: false }),
      isTriggerable: t.arg.boolean({
        required: false,
        description: 'Only active trigger campaigns that a Web Service API request can start.',
      }),
    },
    resolve: (_root, args, ctx) =>
      resolveMarketoConnection(args, (page) =>
        ctx.marketo.getCampaigns(
          {
            ...(args.ids && { ids: args.ids }),
            ...(args.names && { names: args.names }),
            ...(args.programNames && { programNames: args.programNames }),
            ...(args.workspaceNames && { workspaceNames: args.workspaceNames }),
            ...(args.isTriggerable != null && { isTriggerable: args.isTriggerable }),
          },
          page,
        ),
      ),
  }),
}));

builder.mutationFields((t) => ({
  triggerCampaign: t.field({
    type: CampaignRunRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description: 'Requests an active trigger campaign for leads (100 leads per Marketo call).',
    args: {
      campaignId: t.arg.int({ required: true }),
      leadIds: t.arg.intList({ required: true }),
      tokens: t.arg({ type: [CampaignTokenInput], required: false }),
    },
    authScopes: { 'campaigns:trigger': true },
    // The campaign checked (two calls at most), then 100 leads per trigger call.
    extensions: marketoCost({ calls: (args) => 2 + chunks(args.leadIds, 100) }),
    resolve: async (_root, args, ctx) => {
      positiveIds('leadIds', args.leadIds, MAX_TRIGGER_LEADS);
      const tokens = validateTokens('tokens', args.tokens);
      await assertTriggerable(ctx, 'campaignId', args.campaignId);
      const leadIds = [...new Set(args.leadIds)];
      // Per lead: a run of several calls where some failed says exactly which leads ran.
      const { calls, results } = await ctx.marketo.triggerCampaignLeads(
        args.campaignId,
        leadIds,
        tokens,
      );
      const byId = new Map(results.map((result) => [result.id, result]));
      return {
        campaignId: args.campaignId,
        leadCount: leadIds.length,
        calls,
        runAt: null,
        results: leadIds.map((leadId, index) =>
          triggerOutcome(byId.get(leadId) ?? { status: 'failed' }, index, leadId),
        ),
      };
    },
  }),
  scheduleCampaign: t.field({
    type: CampaignRunRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description: 'Schedules a batch campaign (default: Marketo runs it 5 minutes from now).',
    args: {
      campaignId: t.arg.int({ required: true }),
      runAt: t.arg({ type: 'DateTime', required: false }),
      tokens: t.arg({ type: [CampaignTokenInput], required: false }),
      cloneToProgramName: t.arg.string({ required: false }),
    },
    authScopes: { 'campaigns:trigger': true },
    extensions: marketoCost({ calls: 1 }),
    resolve: async (_root, args, ctx) => {
      positiveId('campaignId', args.campaignId);
      const tokens = validateTokens('tokens', args.tokens);
      if (args.runAt && args.runAt.getTime() - Date.now() > MAX_RUN_AT_MS) {
        throw new InputError('runAt', 'must be at most two years ahead');
      }
      if (args.cloneToProgramName === '') {
        throw new InputError('cloneToProgramName', 'must not be empty');
      }
      await ctx.marketo.scheduleCampaign(args.campaignId, {
        ...(args.runAt && { runAt: args.runAt.toISOString().replace(/\.\d{3}Z$/, 'Z') }),
        ...(tokens && { tokens }),
        ...(args.cloneToProgramName && { cloneToProgramName: args.cloneToProgramName }),
      });
      return {
        campaignId: args.campaignId,
        leadCount: 0,
        calls: 1,
        runAt: args.runAt ?? null,
        results: [],
      };
    },
  }),
}));
