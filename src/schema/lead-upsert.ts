/**
 * `upsertLeads`: validate every row against describe before anything is sent, sync the valid rows
 * (the client sends 300 per call, concurrently within the limiter), then optionally add/remove the
 * upserted leads to a static list or request a campaign for them. Every input row gets a result,
 * and every row's fate in the follow-up step is reported (nothing is silently dropped).
 */

import { Readable } from 'node:stream';
import { grantedScopes } from '../auth/scopes.js';
import type { DelimitedFormat } from '../bulk/delimited.js';
import type { ImportJobRecord } from '../bulk/import-jobs.js';
import type { GraphQLContext } from '../context.js';
import { GatewayError, InputError } from '../errors.js';
import { valueProblem } from '../lead-values.js';
import type { FieldCatalogSnapshot } from '../loaders/field-catalog.js';
import { MARKETO_BATCH_SIZE } from '../loaders/index.js';
import type { RecordResult, SyncAction } from '../marketo/api.js';
import { MarketoError } from '../marketo/errors.js';
import { positiveId } from './args.js';
import { builder } from './builder.js';
import { assertTriggerable, CampaignTokenInput, validateTokens } from './campaign.js';
import { countRows as countFileRows, readRows } from '../uploads/rows.js';
import { headerCheck, ImportFormatEnum, ImportJobRef, importJsonRows } from './import-job.js';
import { changeListMembership, type ListAction, ListActionEnum } from './list.js';
import { countStatus, reasonsField, ReasonRef, type ReasonShape } from './reason.js';
import { marketoCost } from '../security/marketo-cost.js';

/** Guard against absurd payloads; the synchronous path sends 300 rows per Marketo call. */
export const MAX_UPSERT_ROWS = 1_000_000;
/** UPSERT_BULK_THRESHOLD's default: AUTO syncs fewer rows than this. */
const DEFAULT_UPSERT_BULK_THRESHOLD = 10_000;

const UPSERT_ACTIONS = {
  CREATE_OR_UPDATE: 'createOrUpdate',
  CREATE_ONLY: 'createOnly',
  UPDATE_ONLY: 'updateOnly',
  CREATE_DUPLICATE: 'createDuplicate',
} as const satisfies Record<string, SyncAction>;
type UpsertAction = keyof typeof UPSERT_ACTIONS;

const UpsertActionEnum = builder.enumType('UpsertAction', {
  values: Object.keys(UPSERT_ACTIONS) as UpsertAction[],
});

type UpsertMode = 'SYNC' | 'BULK' | 'AUTO';
const UpsertModeEnum = builder.enumType('UpsertMode', {
  description:
    "SYNC: Marketo's synchronous API, 300 rows per call, per-row results at once. BULK: a bulk import (split into 10 MB files), per-row failures and warnings in `importJob` when it finishes. AUTO: BULK from UPSERT_BULK_THRESHOLD rows on (10 000) when the request allows it, else SYNC.",
  values: ['SYNC', 'BULK', 'AUTO'] as const,
});

type UpsertStatus = 'CREATED' | 'UPDATED' | 'SKIPPED' | 'FAILED';
const UpsertStatusEnum = builder.enumType('UpsertStatus', {
  description:
    'CREATED/UPDATED by Marketo; SKIPPED by Marketo (reasons carry Marketo codes); FAILED: not applied because the gateway rejected the row before sending (INVALID_VALUE, MISSING_LOOKUP_VALUE, INVALID_ROW) or the call carrying it failed (its error code, e.g. QUOTA_EXHAUSTED, OUTCOME_UNKNOWN: the row may or may not have been applied).',
  values: ['CREATED', 'UPDATED', 'SKIPPED', 'FAILED'] as const,
});

type StepStatus = 'ADDED' | 'REMOVED' | 'TRIGGERED' | 'SKIPPED' | 'FAILED' | 'NOT_ATTEMPTED';
const StepStatusEnum = builder.enumType('UpsertStepStatus', {
  description:
    'ADDED/REMOVED/TRIGGERED: done; SKIPPED: Marketo skipped it (reasons); FAILED: the step call failed (reasons); NOT_ATTEMPTED: the row has no lead (it was not created or updated).',
  values: ['ADDED', 'REMOVED', 'TRIGGERED', 'SKIPPED', 'FAILED', 'NOT_ATTEMPTED'] as const,
});

const UpsertListStepInput = builder.inputType('UpsertListStepInput', {
  fields: (t) => ({
    id: t.int({ required: true, description: 'Static list id.' }),
    action: t.field({ type: ListActionEnum, required: true, defaultValue: 'ADD' }),
  }),
});

const UpsertCampaignStepInput = builder.inputType('UpsertCampaignStepInput', {
  fields: (t) => ({
    id: t.int({ required: true, description: 'An active trigger campaign id.' }),
    tokens: t.field({ type: [CampaignTokenInput], required: false }),
  }),
});

const UpsertThenInput = builder.inputType('UpsertThenInput', {
  description: 'One follow-up step for the upserted leads: a list change or a campaign request.',
  fields: (t) => ({
    list: t.field({ type: UpsertListStepInput, required: false }),
    campaign: t.field({ type: UpsertCampaignStepInput, required: false }),
  }),
});

const UpsertLeadsInput = builder.inputType('UpsertLeadsInput', {
  fields: (t) => ({
    leads: t.field({
      type: ['JSON'],
      required: { list: false, items: true },
      description: 'Rows keyed by Marketo REST field names. Exactly one of `leads` and `file`.',
    }),
    file: t.field({
      type: 'File',
      required: false,
      description:
        'The rows as a delimited upload in `format` (header of REST field names), streamed to disk: for inputs too large for a JSON body. Exactly one of `leads` and `file`. AUTO counts its rows first.',
    }),
    format: t.field({
      type: ImportFormatEnum,
      required: true,
      defaultValue: 'CSV',
      description: 'Of `file`.',
    }),
    action: t.field({ type: UpsertActionEnum, required: true, defaultValue: 'CREATE_OR_UPDATE' }),
    lookupField: t.string({ required: true, defaultValue: 'email' }),
    partitionName: t.string({ required: false }),
    then: t.field({ type: UpsertThenInput, required: false }),
    mode: t.field({ type: UpsertModeEnum, required: true, defaultValue: 'AUTO' }),
  }),
});

interface RowResult {
  index: number;
  lookupValue: string | null;
  id: number | null;
  status: UpsertStatus;
  reasons: ReasonShape[];
}

interface StepRowResult {
  index: number;
  id: number | null;
  status: StepStatus;
  reasons: ReasonShape[];
}

interface StepResult {
  kind: 'LIST' | 'CAMPAIGN';
  targetId: number;
  action: 'ADD' | 'REMOVE' | 'TRIGGER';
  results: StepRowResult[];
  error: ReasonShape | null;
}

interface UpsertOutcome {
  /** The path taken. */
  mode: 'SYNC' | 'BULK';
  /** BULK: the import carrying the rows (per-row outcomes once it finishes). */
  importJob: ImportJobRecord | null;
  /** Input rows (BULK has no per-row results yet). */
  total: number;
  results: RowResult[];
  /** The follow-up step (GraphQL `then`; not named so here, to stay non-thenable). */
  step: StepResult | null;
}

const RowResultRef = builder.objectRef<RowResult>('UpsertRowResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: false, description: 'Position in `input.leads`.' }),
    lookupValue: t.exposeString('lookupValue', {
      nullable: true,
      description: "The row's value of the lookup field (Marketo's response omits it).",
    }),
    id: t.exposeInt('id', { nullable: true, description: 'Marketo lead id when created/updated.' }),
    status: t.field({ type: UpsertStatusEnum, nullable: false, resolve: (r) => r.status }),
    reasons: t.field(reasonsField()),
  }),
});

const StepRowResultRef = builder.objectRef<StepRowResult>('UpsertStepRowResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: false, description: 'Position in `input.leads`.' }),
    id: t.exposeInt('id', { nullable: true }),
    status: t.field({ type: StepStatusEnum, nullable: false, resolve: (r) => r.status }),
    reasons: t.field(reasonsField()),
  }),
});

const stepCount = (step: StepResult, statuses: StepStatus[]) =>
  step.results.filter((r) => statuses.includes(r.status)).length;

const StepResultRef = builder.objectRef<StepResult>('UpsertStepResult').implement({
  fields: (t) => ({
    kind: t.string({ nullable: false, description: 'LIST or CAMPAIGN.', resolve: (s) => s.kind }),
    targetId: t.exposeInt('targetId', { nullable: false, description: 'List or campaign id.' }),
    action: t.string({
      nullable: false,
      description: 'ADD, REMOVE or TRIGGER.',
      resolve: (s) => s.action,
    }),
    succeeded: t.int({
      nullable: false,
      resolve: (s) => stepCount(s, ['ADDED', 'REMOVED', 'TRIGGERED']),
    }),
    skipped: t.int({ nullable: false, resolve: (s) => stepCount(s, ['SKIPPED']) }),
    failed: t.int({ nullable: false, resolve: (s) => stepCount(s, ['FAILED']) }),
    notAttempted: t.int({ nullable: false, resolve: (s) => stepCount(s, ['NOT_ATTEMPTED']) }),
    error: t.field({
      type: ReasonRef,
      nullable: true,
      description: 'Why the step call failed as a whole (the upsert itself stands).',
      resolve: (s) => s.error,
    }),
    results: t.field({
      type: [StepRowResultRef],
      nullable: { list: false, items: false },
      description: 'One entry per input row, in input order; filter with `status`.',
      args: { status: t.arg({ type: [StepStatusEnum], required: false }) },
      resolve: (s, args) =>
        args.status ? s.results.filter((r) => args.status?.includes(r.status)) : s.results,
    }),
  }),
});

const UpsertLeadsResultRef = builder.objectRef<UpsertOutcome>('UpsertLeadsResult').implement({
  fields: (t) => ({
    total: t.int({ nullable: false, description: 'Input rows.', resolve: (o) => o.total }),
    created: t.int({ nullable: false, resolve: (o) => countStatus(o.results, 'CREATED') }),
    updated: t.int({ nullable: false, resolve: (o) => countStatus(o.results, 'UPDATED') }),
    skipped: t.int({ nullable: false, resolve: (o) => countStatus(o.results, 'SKIPPED') }),
    failed: t.int({ nullable: false, resolve: (o) => countStatus(o.results, 'FAILED') }),
    results: t.field({
      type: [RowResultRef],
      nullable: { list: false, items: false },
      description: 'One entry per input row, in input order; filter with `status`.',
      args: { status: t.arg({ type: [UpsertStatusEnum], required: false }) },
      resolve: (o, args) =>
        args.status ? o.results.filter((r) => args.status?.includes(r.status)) : o.results,
    }),
    then: t.field({ type: StepResultRef, nullable: true, resolve: (o) => o.step }),
    mode: t.field({
      type: UpsertModeEnum,
      nullable: false,
      description:
        'The path taken. BULK: `results` is empty and the counters above are 0; every row is accounted for in `importJob` (failures and warnings by row number = index + 1; Marketo does not tell created from updated), and a `then.list` ADD is part of the import.',
      resolve: (o) => o.mode,
    }),
    importJob: t.field({ type: ImportJobRef, nullable: true, resolve: (o) => o.importJob }),
  }),
});

function isRow(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Request-level checks: lookup field and every column name used by any row. */
function validateRequest(
  catalog: FieldCatalogSnapshot,
  rows: readonly unknown[],
  action: UpsertAction,
  lookupField: string,
  argument = 'input.leads',
): void {
  const lookup = catalog.get(lookupField);
  if (!lookup) {
    throw new InputError('input.lookupField', `unknown lead field '${lookupField}'`, {
      field: lookupField,
    });
  }
  if (lookupField === 'id' ? action !== 'UPDATE_ONLY' : !lookup.searchable) {
    throw new InputError(
      'input.lookupField',
      lookupField === 'id'
        ? "'id' can only be the lookup field with action UPDATE_ONLY"
        : `lead field '${lookupField}' is not searchable, so it cannot be a lookup field`,
      { field: lookupField },
    );
  }
  const checked = new Set<string>();
  rows.forEach((row, index) => {
    if (!isRow(row)) return;
    for (const name of Object.keys(row)) {
      if (checked.has(name)) continue;
      const field = catalog.get(name);
      if (!field) {
        throw new InputError(argument, `unknown lead field '${name}' (first in row ${index})`, {
          field: name,
          extra: { row: index },
        });
      }
      if (field.readOnly && name !== lookupField) {
        throw new InputError(
          argument,
          `lead field '${name}' is read-only (first in row ${index})`,
          {
            field: name,
            extra: { row: index },
          },
        );
      }
      checked.add(name);
    }
  });
}

/** A file's header: every column a lead field the upsert may write (the lookup field may be read-only). */
function validateHeader(
  catalog: FieldCatalogSnapshot,
  header: readonly string[],
  lookupField: string,
  argument: string,
): void {
  for (const name of header) {
    const field = catalog.get(name);
    if (!field) {
      throw new InputError(argument, `unknown lead field '${name}' in the header`, { field: name });
    }
    if (field.readOnly && name !== lookupField) {
      throw new InputError(argument, `lead field '${name}' is read-only (in the header)`, {
        field: name,
      });
    }
  }
}

/** Row-level checks: what is wrong with this row alone (it fails; the others go on). */
function rowProblems(
  catalog: FieldCatalogSnapshot,
  row: unknown,
  action: UpsertAction,
  lookupField: string,
): ReasonShape[] {
  if (!isRow(row)) {
    return [{ code: 'INVALID_ROW', message: 'a row must be a JSON object of REST field names' }];
  }
  const reasons: ReasonShape[] = [];
  if (action !== 'CREATE_DUPLICATE' && isBlank(row[lookupField])) {
    reasons.push({
      code: 'MISSING_LOOKUP_VALUE',
      field: lookupField,
      message: `no value for lookup field '${lookupField}'`,
    });
  }
  for (const [name, value] of Object.entries(row)) {
    const field = catalog.get(name);
    const problem = field && valueProblem(field, value);
    if (problem) {
      reasons.push({
        code: 'INVALID_VALUE',
        field: name,
        message: `Invalid value for field '${name}' (${field.dataType}): ${problem}`,
      });
    }
  }
  return reasons;
}

/** Why the request cannot be a bulk import (which always creates or updates), if it cannot. */
function bulkBlocker(
  action: UpsertAction,
  lookupField: string,
  listAction: string | undefined,
  campaign: unknown,
): string | undefined {
  const importable =
    action === 'CREATE_OR_UPDATE' || (action === 'UPDATE_ONLY' && lookupField === 'id');
  if (!importable) return `cannot ${action} (a bulk import creates or updates; UPDATE_ONLY by id)`;
  if (listAction === 'REMOVE') return 'cannot remove leads from a list';
  if (campaign) return 'cannot request a campaign';
  return undefined;
}

interface ModeChoice {
  action: string;
  lookupField: string;
  mode: string;
  leads?: readonly unknown[] | null;
  file?: File | null;
  then?: { list?: { action: string } | null; campaign?: unknown } | null;
}

function blockerOf(input: ModeChoice): string | undefined {
  return bulkBlocker(
    input.action as UpsertAction,
    input.lookupField,
    input.then?.list?.action,
    input.then?.campaign,
  );
}

/**
 * Whether this upsert runs as a bulk import (BULK, or AUTO from the threshold when it can). For a
 * file, `rows` is its row count (AUTO counts them in the resolver; unknown here: not bulk yet).
 */
function goesBulk(input: ModeChoice, threshold: number, rows = input.leads?.length ?? 0): boolean {
  const mode = input.mode as UpsertMode;
  return mode === 'BULK' || (mode === 'AUTO' && rows >= threshold && !blockerOf(input));
}

function lookupText(row: unknown, lookupField: string): string | null {
  if (!isRow(row) || isBlank(row[lookupField])) return null;
  const value = row[lookupField];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fromMarketo(
  record: RecordResult | undefined,
): Pick<RowResult, 'id' | 'status' | 'reasons'> {
  if (!record) {
    return {
      id: null,
      status: 'SKIPPED',
      reasons: [{ code: 'NO_RESULT', message: 'Marketo returned no result for this row' }],
    };
  }
  const status = record.status.toLowerCase();
  const reasons = (record.reasons ?? []).map((reason) => ({ ...reason }));
  if (status === 'created') return { id: record.id ?? null, status: 'CREATED', reasons };
  if (status === 'updated') return { id: record.id ?? null, status: 'UPDATED', reasons };
  return { id: record.id ?? null, status: 'SKIPPED', reasons };
}

function errorReason(error: unknown): ReasonShape {
  if (error instanceof MarketoError || error instanceof InputError) {
    return { code: error.code, message: error.message };
  }
  throw error;
}

function notAttempted(row: RowResult): StepRowResult {
  return {
    index: row.index,
    id: row.id,
    status: 'NOT_ATTEMPTED',
    reasons: [
      { code: 'NOT_UPSERTED', message: `the row was ${row.status}, so there is no lead to act on` },
    ],
  };
}

async function runListStep(
  ctx: GraphQLContext,
  rows: RowResult[],
  listId: number,
  action: ListAction,
): Promise<StepResult> {
  const ids = rows.flatMap((row) => (row.id !== null && row.status !== 'SKIPPED' ? [row.id] : []));
  const step: StepResult = { kind: 'LIST', targetId: listId, action, results: [], error: null };
  try {
    const outcomes =
      ids.length > 0 ? await changeListMembership(ctx.marketo, listId, action, ids) : new Map();
    step.results = rows.map((row) => {
      const outcome =
        row.status === 'SKIPPED' || row.id === null ? undefined : outcomes.get(row.id);
      return outcome ? { index: row.index, id: row.id, ...outcome } : notAttempted(row);
    });
  } catch (error) {
    step.error = errorReason(error);
    step.results = rows.map((row) =>
      row.id !== null && row.status !== 'SKIPPED'
        ? { index: row.index, id: row.id, status: 'FAILED', reasons: [step.error as ReasonShape] }
        : notAttempted(row),
    );
  }
  return step;
}

async function runCampaignStep(
  ctx: GraphQLContext,
  rows: RowResult[],
  campaignId: number,
  tokens: ReturnType<typeof validateTokens>,
): Promise<StepResult> {
  const done = (row: RowResult) => row.id !== null && row.status !== 'SKIPPED';
  const ids = [...new Set(rows.filter(done).map((row) => row.id as number))];
  const step: StepResult = {
    kind: 'CAMPAIGN',
    targetId: campaignId,
    action: 'TRIGGER',
    results: [],
    error: null,
  };
  // Per lead: when some of several trigger calls failed, each row says whether its lead ran.
  const byId = new Map<number, ReasonShape | null>();
  if (ids.length > 0) {
    try {
      const { results } = await ctx.marketo.triggerCampaignLeads(campaignId, ids, tokens);
      for (const result of results) {
        const reason = result.reasons?.[0];
        byId.set(
          result.id ?? 0,
          result.status === 'triggered'
            ? null
            : { code: reason?.code ?? 'UNKNOWN', message: reason?.message ?? 'not triggered' },
        );
      }
    } catch (error) {
      step.error = errorReason(error);
    }
  }
  step.results = rows.map((row) => {
    if (!done(row)) return notAttempted(row);
    const failure = step.error ?? byId.get(row.id as number) ?? null;
    return {
      index: row.index,
      id: row.id,
      status: failure ? 'FAILED' : 'TRIGGERED',
      reasons: failure ? [failure] : [],
    };
  });
  step.error ??= [...byId.values()].find((reason) => reason !== null) ?? null;
  return step;
}

/**
 * Sends the rows 300 per call (all chunks queue on the client's limiter at once). A chunk whose call
 * fails (quota used up, outcome unknown after a timeout…) fails its rows with that error's code,
 * so the caller learns exactly which rows may not have been applied; the other chunks stand.
 */
async function syncInChunks(
  ctx: GraphQLContext,
  toSend: RowResult[],
  rows: readonly unknown[],
  options: { action: SyncAction; lookupField: string; partitionName?: string },
): Promise<void> {
  const chunks: RowResult[][] = [];
  for (let start = 0; start < toSend.length; start += MARKETO_BATCH_SIZE) {
    chunks.push(toSend.slice(start, start + MARKETO_BATCH_SIZE));
  }
  const outcomes = await Promise.allSettled(
    chunks.map((chunk) =>
      ctx.marketo.syncLeads(
        chunk.map((row) => rows[row.index] as Record<string, unknown>),
        options,
      ),
    ),
  );
  outcomes.forEach((outcome, c) => {
    const chunk = chunks[c] ?? [];
    if (outcome.status === 'fulfilled') {
      chunk.forEach((row, i) => {
        Object.assign(row, fromMarketo(outcome.value[i]));
      });
      return;
    }
    const reason = errorReason(outcome.reason);
    for (const row of chunk) Object.assign(row, { status: 'FAILED', reasons: [reason] });
  });
}

/**
 * Calls of an upsert: 300 rows per sync call, the same again for a list step (plus the list's
 * check), 100 per trigger call for a campaign step (plus the campaign's check), and a bulk
 * import's submission. An uploaded file's rows are unknown before it is read: below the bulk
 * threshold in AUTO, and at most one per two bytes in SYNC.
 */
function upsertCalls(args: Readonly<Record<string, unknown>>): number {
  const input = (args.input ?? {}) as {
    leads?: unknown;
    file?: unknown;
    mode?: unknown;
    then?: { list?: unknown; campaign?: unknown } | null;
  };
  let rows = Array.isArray(input.leads) ? input.leads.length : 0;
  if (input.file instanceof Blob) {
    rows =
      input.mode === 'SYNC'
        ? Math.min(MAX_UPSERT_ROWS, Math.ceil(input.file.size / 2))
        : DEFAULT_UPSERT_BULK_THRESHOLD;
  }
  const sync = Math.ceil(rows / MARKETO_BATCH_SIZE);
  const list = input.then?.list ? 1 + sync : 0;
  const campaign = input.then?.campaign ? 2 + Math.ceil(rows / 100) : 0;
  return sync + list + campaign + 3;
}

builder.mutationField('upsertLeads', (t) =>
  t.field({
    type: UpsertLeadsResultRef,
    // The outcome as data: a failure of the whole is a typed error, never a null among results.
    // Nullable only for a scope refusal, which stays a GraphQL error of this field.
    nullable: true,
    errors: {},
    description:
      'Creates/updates leads by a lookup field (any number of rows; 300 per Marketo call), then optionally adds/removes them to a list or requests a campaign for them.',
    args: { input: t.arg({ type: UpsertLeadsInput, required: true }) },
    extensions: {
      // What any upsert needs: checked before an upload's files are stored (operation-scopes.ts).
      baseScopes: { 'leads:write': true },
      ...marketoCost({ calls: upsertCalls, describe: true }),
    },
    // The follow-up step needs its own scope as well.
    authScopes: (_root, { input }, ctx) => ({
      $all: {
        'leads:write': true,
        ...(input.then?.list && { 'lists:write': true }),
        ...(input.then?.campaign && { 'campaigns:trigger': true }),
        // Going through a bulk import is importing: it needs that scope too.
        ...(goesBulk(input, ctx.importJobs.upsertBulkThreshold) && { 'bulk:import': true }),
      },
    }),
    resolve: async (_root, { input }, ctx) => {
      if ((input.leads == null) === (input.file == null)) {
        throw new InputError(
          input.file == null ? 'input.leads' : 'input.file',
          'give exactly one of input.leads (JSON rows) or input.file (a delimited upload)',
        );
      }
      const argument = input.file ? 'input.file' : 'input.leads';
      const format = input.format as DelimitedFormat;
      // A file's rows are counted first, streamed from disk (the path taken depends on it).
      let total = input.file ? await countFileRows(input.file) : (input.leads?.length ?? 0);
      if (total === 0) {
        throw new InputError(argument, input.file ? 'has no rows' : 'must not be empty');
      }
      if (total > MAX_UPSERT_ROWS) {
        throw new InputError(argument, `has ${total} rows; at most ${MAX_UPSERT_ROWS} are allowed`);
      }
      const action = input.action as UpsertAction;
      const lookupField = input.lookupField;
      if (input.then?.list && input.then.campaign) {
        throw new InputError('input.then', 'give either list or campaign, not both');
      }
      const tokens = validateTokens('input.then.campaign.tokens', input.then?.campaign?.tokens);
      const catalog = await ctx.loaders.fieldCatalog();
      if (input.leads) validateRequest(catalog, input.leads, action, lookupField);
      // The follow-up target must exist before any lead is written.
      if (input.then?.list) {
        positiveId('input.then.list.id', input.then.list.id);
        if (!(await ctx.loaders.listById.load(input.then.list.id))) {
          throw new InputError(
            'input.then.list.id',
            `static list ${input.then.list.id} does not exist`,
          );
        }
      }
      if (input.then?.campaign) {
        await assertTriggerable(ctx, 'input.then.campaign.id', input.then.campaign.id);
      }

      const blocker = blockerOf(input);
      if (input.mode === 'BULK' && blocker) throw new InputError('input.mode', `BULK ${blocker}`);
      const importOptions = {
        lookupField,
        ...(input.then?.list && { listId: input.then.list.id }),
        ...(input.partitionName != null && { partitionName: input.partitionName }),
      };
      if (goesBulk(input, ctx.importJobs.upsertBulkThreshold, total)) {
        if (input.file) {
          // AUTO chose BULK only now (authScopes could not count the file's rows).
          if (!grantedScopes(ctx.principal)['bulk:import']) {
            throw new GatewayError(
              'FORBIDDEN',
              `API key "${ctx.principal.name}" may not use Mutation.upsertLeads as a bulk import (${total} rows; it needs the bulk:import scope)`,
            );
          }
          // Streamed from the upload's temp file by the import split, never held.
          const source = Readable.from(input.file.stream() as unknown as AsyncIterable<Uint8Array>);
          let importJob: ImportJobRecord;
          try {
            importJob = await ctx.importJobs.create(
              {
                ...importOptions,
                source,
                format,
                argument,
                checkHeader: headerCheck(ctx, argument, lookupField),
              },
              { api: ctx.marketo },
            );
          } catch (error) {
            source.destroy(); // closes the temp file (a refused header leaves it unread)
            throw error;
          }
          return {
            mode: 'BULK',
            importJob,
            total,
            results: [],
            step: null,
          } satisfies UpsertOutcome;
        }
        const leads = input.leads ?? [];
        const notObject = leads.findIndex((row) => !isRow(row));
        if (notObject >= 0) {
          throw new InputError('input.leads', `row ${notObject} is not a JSON object`, {
            extra: { row: notObject },
          });
        }
        const importJob = await importJsonRows(ctx, leads as Record<string, unknown>[], {
          ...importOptions,
          argument: 'input.leads',
          format: 'CSV',
        });
        return {
          mode: 'BULK',
          importJob,
          total,
          results: [],
          step: null,
        } satisfies UpsertOutcome;
      }

      let rows: readonly unknown[] = input.leads ?? [];
      if (input.file) {
        const read = await readRows(input.file, format, { argument, max: MAX_UPSERT_ROWS });
        validateHeader(catalog, read.header, lookupField, argument);
        validateRequest(catalog, read.rows, action, lookupField, argument);
        rows = read.rows;
        total = rows.length;
      }

      const results: RowResult[] = rows.map((row, index) => {
        const reasons = rowProblems(catalog, row, action, lookupField);
        return {
          index,
          lookupValue: lookupText(row, lookupField),
          id: null,
          status: reasons.length > 0 ? 'FAILED' : 'SKIPPED',
          reasons,
        };
      });
      const toSend = results.filter((r) => r.status !== 'FAILED');
      await syncInChunks(ctx, toSend, rows, {
        action: UPSERT_ACTIONS[action],
        lookupField,
        ...(input.partitionName != null && { partitionName: input.partitionName }),
      });

      let step: StepResult | null = null;
      if (input.then?.list) {
        step = await runListStep(
          ctx,
          results,
          input.then.list.id,
          input.then.list.action as ListAction,
        );
      } else if (input.then?.campaign) {
        step = await runCampaignStep(ctx, results, input.then.campaign.id, tokens);
      }
      return {
        mode: 'SYNC',
        importJob: null,
        total: rows.length,
        results,
        step,
      } satisfies UpsertOutcome;
    },
  }),
);
