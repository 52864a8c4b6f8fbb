/**
 * Smart campaign endpoints (§7): list/filter, get one, request (trigger) and schedule. Every
 * accepted trigger and schedule is recorded in the store (see `/__sandbox/campaigns/runs`).
 */
import type { Clock } from './clock.js';
import { fail, ok } from './envelope.js';
import { centralDay } from './limits.js';
import {
  filterRows,
  invalid,
  jsonBody,
  overLimit,
  type Parsed,
  pagedRows,
  pathId,
} from './params.js';
import type { CampaignRow } from './seed.js';
import type { Stats } from './stats.js';
import type { Store } from './store.js';
import type { Route, SandboxRequest, SandboxResponse } from './types.js';
import { formatDateTime, parseDateTime } from './values.js';

export interface CampaignRoutesDeps {
  store: Store;
  maxBatch: number;
  stats: Stats;
  clock: Clock;
}

const MAX_TRIGGER_LEADS = 100;
const MAX_TOKENS = 100;
const MAX_CLONES_PER_DAY = 20;
const MIN_DELAY_MS = 5 * 60_000;
const MAX_AHEAD_MS = 2 * 366 * 86_400_000;
const TOKEN_NAME = /^\{\{my\.[^{}]+\}\}$/;

/** The wire shape: no `requestable` (it only exists in the Asset API record). */
function present({ requestable: _, ...row }: CampaignRow): Omit<CampaignRow, 'requestable'> {
  return row;
}

const triggerable = (c: CampaignRow) => c.type === 'trigger' && c.active && c.requestable;

type Tokens = { name: string; value: string }[];

/** `tokens: [{name: '{{my.x}}', value}]`, at most 100 (§7.2). */
function tokensOf(input: Record<string, unknown>): Parsed<Tokens> {
  const raw = input.tokens ?? [];
  if (!Array.isArray(raw)) return invalid(fail('1003', "Invalid value for 'tokens'"));
  if (raw.length > MAX_TOKENS) return invalid(overLimit(raw.length, MAX_TOKENS));
  const tokens: Tokens = [];
  for (const t of raw) {
    const name = (t as { name?: unknown } | null)?.name;
    const value = (t as { value?: unknown } | null)?.value;
    if (typeof name !== 'string' || !TOKEN_NAME.test(name)) {
      return invalid(fail('1003', `Invalid token name '${String(name)}'`));
    }
    tokens.push({ name, value: value === undefined || value === null ? '' : String(value) });
  }
  return { ok: true, value: tokens };
}

export function createCampaignRoutes({
  store,
  stats,
  clock,
  maxBatch,
}: CampaignRoutesDeps): Route[] {
  const withCampaign = (
    req: SandboxRequest,
    fn: (c: CampaignRow) => SandboxResponse,
  ): SandboxResponse => {
    const id = pathId(req.params.id);
    const campaign = id === undefined ? undefined : store.campaign(id);
    return campaign ? fn(campaign) : fail('1013', 'Campaign not found');
  };

  /** The body's `input` object; the body is optional for schedule (§7.3). */
  const inputOf = (req: SandboxRequest, required: boolean): Parsed<Record<string, unknown>> => {
    if (!required && !req.rawBody) return { ok: true, value: {} };
    const body = jsonBody(req);
    if (!body.ok) return body;
    const input = body.value.input ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return invalid(fail('1003', "Invalid value for 'input'"));
    }
    return { ok: true, value: input as Record<string, unknown> };
  };

  function trigger(req: SandboxRequest): SandboxResponse {
    return withCampaign(req, (campaign) => {
      if (campaign.type === 'batch') {
        return fail(
          '1003',
          `Campaign ${campaign.id} is a batch campaign; only trigger campaigns can be requested`,
        );
      }
      if (!campaign.active) return fail('1003', `Trigger campaign ${campaign.id} is not active`);
      if (!campaign.requestable) {
        return fail('1003', `Campaign ${campaign.id} has no 'Campaign is Requested' trigger`);
      }
      const input = inputOf(req, true);
      if (!input.ok) return input.response;
      const leads = input.value.leads;
      if (!Array.isArray(leads) || leads.length === 0) {
        return fail('1002', "Missing value for the required parameter 'leads'");
      }
      if (leads.length > MAX_TRIGGER_LEADS) return overLimit(leads.length, MAX_TRIGGER_LEADS);
      const tokens = tokensOf(input.value);
      if (!tokens.ok) return tokens.response;
      // Marketo reports no per-lead results: unknown lead ids are silently ignored.
      const leadIds = leads
        .map((l) => Number((l as { id?: unknown } | null)?.id))
        .filter((id) => store.lead(id) !== undefined);
      store.campaignRequested(campaign, leadIds);
      store.triggers.push({
        campaignId: campaign.id,
        at: formatDateTime(clock.now()),
        leadIds,
        tokens: tokens.value,
      });
      stats.campaignTriggered();
      return ok([{ id: campaign.id }]);
    });
  }

  function schedule(req: SandboxRequest): SandboxResponse {
    return withCampaign(req, (campaign) => {
      if (campaign.type === 'trigger') {
        return fail(
          '1003',
          `Campaign ${campaign.id} is a trigger campaign; only batch campaigns can be scheduled`,
        );
      }
      const input = inputOf(req, false);
      if (!input.ok) return input.response;
      const now = clock.now();
      let runAt = now + MIN_DELAY_MS;
      if (input.value.runAt !== undefined && input.value.runAt !== null) {
        const parsed =
          typeof input.value.runAt === 'string' ? parseDateTime(input.value.runAt) : undefined;
        if (parsed === undefined || parsed > now + MAX_AHEAD_MS)
          return fail('1042', 'Invalid runAt date');
        runAt = Math.max(parsed, runAt);
      }
      const tokens = tokensOf(input.value);
      if (!tokens.ok) return tokens.response;
      const clone = input.value.cloneToProgramName ?? input.value.cloneToProgram;
      if (clone !== undefined && typeof clone !== 'string') {
        return fail('1003', "Invalid value for 'cloneToProgramName'");
      }
      if (clone) {
        const day = centralDay(now);
        const used = store.clonesByDay.get(day) ?? 0;
        if (used >= MAX_CLONES_PER_DAY) return fail('1020', 'Too many clones to program');
        store.clonesByDay.set(day, used + 1);
      }
      store.schedules.push({
        campaignId: campaign.id,
        at: formatDateTime(now),
        runAt: formatDateTime(runAt),
        tokens: tokens.value,
        ...(clone && { cloneToProgramName: clone }),
      });
      stats.campaignScheduled();
      return ok([{ id: campaign.id }]);
    });
  }

  return [
    {
      method: 'GET',
      pattern: '/rest/v1/campaigns.json',
      handle: (req) => {
        let rows = filterRows(store.campaigns(), req.query, [
          'name',
          'programName',
          'workspaceName',
        ]);
        const flag = req.query.get('isTriggerable')?.toLowerCase();
        if (flag === 'true' || flag === 'false') {
          rows = rows.filter((r) => triggerable(r) === (flag === 'true'));
        }
        return pagedRows(rows, req.query, maxBatch, present);
      },
    },
    {
      method: 'GET',
      pattern: '/rest/v1/campaigns/:id.json',
      handle: (req) => withCampaign(req, (c) => ok([present(c)])),
    },
    { method: 'POST', pattern: '/rest/v1/campaigns/:id/trigger.json', handle: trigger },
    { method: 'POST', pattern: '/rest/v1/campaigns/:id/schedule.json', handle: schedule },
  ];
}
