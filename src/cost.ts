/**
 * What one GraphQL operation cost in Marketo terms. The client reports every call to the tracker
 * given through `withContext({ tracker })`; yoga puts the summary into `extensions.marketo`.
 */
import type { ExecutionResult } from 'graphql';
import { GatewayError } from './errors.js';
import type { CallRecord, CallTracker } from './marketo/api.js';

/** A key's share of the daily quota: asked before each call, told of each call made. */
export interface CallBudget {
  /**
   * Throws or rejects (KEY_QUOTA_EXHAUSTED) when the key has no calls left today; a promise when
   * the count is the fleet's (Redis), settled before the call is sent.
   */
  admit(): void | Promise<void>;
}

export interface EndpointCost {
  calls: number;
  recordsSent: number;
  recordsRead: number;
  limiterWaitMs: number;
  /** Attempts beyond the first (Marketo 606/615/602… retried by the client). */
  retries: number;
  errors: number;
}

export interface OperationCost {
  calls: number;
  recordsSent: number;
  recordsRead: number;
  /** Time calls spent waiting for the rate/concurrency limiter, summed over calls (ms). */
  limiterWaitMs: number;
  byEndpoint: Record<string, EndpointCost>;
  /** The lead fields asked of Marketo (`fields=`): the union of what the operation selected. */
  leadFields?: string[];
  /** How activity reads selected leads of a static list (Marketo refuses `listId` ≥ 10,000 leads). */
  activityLists?: ActivityListSelection[];
}

export interface ActivityListSelection {
  listId: number;
  /** `LIST_ID`: sent as `listId`; `LEAD_ID_CHUNKS`: the members sent as `leadIds`, 30 a call. */
  strategy: 'LIST_ID' | 'LEAD_ID_CHUNKS';
  /** Members counted (reading stops at 10,000 for `LIST_ID`). */
  members: number;
  /** Lead id chunks (1 for `LIST_ID`). */
  chunks: number;
}

/** What an operation that made no call cost (one object). */
export const NO_COST: OperationCost = Object.freeze({
  calls: 0,
  recordsSent: 0,
  recordsRead: 0,
  limiterWaitMs: 0,
  byEndpoint: Object.freeze({}) as Record<string, EndpointCost>,
});

export class CostTracker implements CallTracker {
  readonly #byEndpoint = new Map<string, EndpointCost>();
  readonly #budget: CallBudget | undefined;
  /** The operation's estimate (`security/marketo-cost.ts`): no call is sent beyond it. */
  #cap = Infinity;
  #admitted = 0;

  constructor(budget?: CallBudget) {
    this.#budget = budget;
  }

  capAt(calls: number): void {
    this.#cap = calls;
  }

  admit(endpoint: string): void | Promise<void> {
    if (this.#admitted >= this.#cap) {
      throw new GatewayError(
        'MARKETO_COST_LIMIT',
        `The operation would exceed its estimate of ${this.#cap} Marketo calls (${endpoint} refused); split it.`,
        { extensions: { marketoCalls: this.#cap } },
      );
    }
    // Counted before the key's budget answers, so concurrent calls never pass the cap together.
    this.#admitted += 1;
    const refused = (error: unknown): never => {
      this.#admitted -= 1;
      throw error;
    };
    let pending: void | Promise<void> = undefined;
    try {
      pending = this.#budget?.admit();
    } catch (error) {
      refused(error);
    }
    return pending?.catch(refused);
  }
  #leadFields: readonly string[] | undefined;
  /** The last summary, until the next call is recorded: a subscription repeats it per event. */
  #summary: OperationCost | undefined;

  noteLeadFields(fields: readonly string[]): void {
    this.#leadFields = fields;
    this.#summary = undefined;
  }

  #activityLists: ActivityListSelection[] = [];

  noteActivityList(selection: ActivityListSelection): void {
    this.#activityLists.push({ ...selection });
    this.#summary = undefined;
  }

  record(call: CallRecord): void {
    this.#summary = undefined;
    let cost = this.#byEndpoint.get(call.endpoint);
    if (!cost) {
      cost = { calls: 0, recordsSent: 0, recordsRead: 0, limiterWaitMs: 0, retries: 0, errors: 0 };
      this.#byEndpoint.set(call.endpoint, cost);
    }
    cost.calls += 1;
    cost.recordsSent += call.recordsSent;
    cost.recordsRead += call.recordsRead;
    cost.limiterWaitMs += call.waitedMs;
    cost.retries += Math.max(0, call.attempts - 1);
    if (call.errorCode !== undefined) cost.errors += 1;
  }

  /**
   * The cost so far; the same (frozen) object while nothing new was recorded, and one object
   * shared by every operation that has cost nothing (subscribers of one event then get one
   * result object, serialised once: `useMarketoCost`).
   */
  summary(): OperationCost {
    this.#summary ??= this.#byEndpoint.size === 0 && !this.#leadFields ? NO_COST : this.#total();
    return this.#summary;
  }

  #total(): OperationCost {
    const total: OperationCost = {
      calls: 0,
      recordsSent: 0,
      recordsRead: 0,
      limiterWaitMs: 0,
      byEndpoint: {},
    };
    for (const [endpoint, cost] of [...this.#byEndpoint].sort(([a], [b]) => a.localeCompare(b))) {
      total.calls += cost.calls;
      total.recordsSent += cost.recordsSent;
      total.recordsRead += cost.recordsRead;
      total.limiterWaitMs += cost.limiterWaitMs;
      total.byEndpoint[endpoint] = { ...cost, limiterWaitMs: Math.round(cost.limiterWaitMs) };
    }
    total.limiterWaitMs = Math.round(total.limiterWaitMs);
    if (this.#leadFields) total.leadFields = [...this.#leadFields];
    if (this.#activityLists.length)
      total.activityLists = this.#activityLists.map((s) => ({ ...s }));
    return Object.freeze(total);
  }
}

/** Per result, per cost summary: that result with the summary as `extensions.marketo`. */
const costedResults = new WeakMap<object, WeakMap<OperationCost, ExecutionResult>>();

/**
 * `result` with `marketo` as its `extensions.marketo`, the same object for every caller with the
 * same two: subscribers that share an event's result (shared-subscriptions.ts) and spent nothing
 * (`summary()` is then one object) share one result, which graphql-ws's frame serialises once.
 */
export function withSharedCost(result: ExecutionResult, marketo: OperationCost): ExecutionResult {
  let bySummary = costedResults.get(result);
  let shared = bySummary?.get(marketo);
  if (!shared) {
    shared = { ...result, extensions: { ...result.extensions, marketo } };
    if (!bySummary) costedResults.set(result, (bySummary = new WeakMap()));
    bySummary.set(marketo, shared);
  }
  return shared;
}
