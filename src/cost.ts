/**
 * What one GraphQL operation cost in Marketo terms. The client reports every call to the tracker
 * given through `withContext({ tracker })`; yoga puts the summary into `extensions.marketo`.
 */
import { GatewayError } from './errors.js';
import type { CallRecord, CallTracker } from './marketo/api.js';

/** A key's share of the daily quota: asked before each call, told of each call made. */
export interface CallBudget {
  /** Throws (KEY_QUOTA_EXHAUSTED) when the key has no calls left today. */
  admit(): void;
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

  admit(endpoint: string): void {
    if (this.#admitted >= this.#cap) {
      throw new GatewayError(
        'MARKETO_COST_LIMIT',
        `The operation would exceed its estimate of ${this.#cap} Marketo calls (${endpoint} refused); split it.`,
        { extensions: { marketoCalls: this.#cap } },
      );
    }
    this.#budget?.admit();
    this.#admitted += 1;
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

  /** The cost so far; the same (frozen) object while nothing new was recorded. */
  summary(): OperationCost {
    this.#summary ??= this.#total();
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
