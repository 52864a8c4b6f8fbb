/**
 * Lead reads by id shared between concurrent operations. Each operation keeps its own DataLoaders
 * (nothing is cached across requests); what they send to Marketo with the same field list in the
 * same turn of the event loop goes out together, 300 ids a call. 100 `lead(id:)` operations
 * arriving together cost one call instead of 100, against Marketo's budget of 100 calls per 20 s.
 *
 * Reads that arrive while calls are with Marketo: under light load (up to `maxInFlight` calls
 * carrying fewer than `burstReads` reads) they go out at the end of their turn, so a read does not
 * wait for another's answer; under a burst they gather until a call is answered and ride along,
 * one call in flight at a time, so sustained bursts still cost a few calls, not one each.
 *
 * Reads are shared only between operations of the same principal (API key): a shared call runs
 * under that principal's fair share of the budget, so a noisy client's batches never carry, or
 * queue ahead of, a quiet client's read. A shared call is reported whole to every operation that
 * took part (`extensions.marketo`) and is aborted only when every participant has gone away: one
 * client leaving must not fail the others.
 */
import type { CallRecord, CallTracker, Lead, MarketoApi } from '../marketo/api.js';

export interface LeadReadCaller {
  tracker?: CallTracker;
  principal?: string;
  signal?: AbortSignal;
}

interface Batch {
  fields: readonly string[];
  ids: Set<number>;
  callers: LeadReadCaller[];
  done: Promise<Lead[]>;
  leave(): void;
  /** Waiting for one of the calls in flight to be answered before it leaves. */
  waiting: boolean;
}

/** One principal and field list: the batch still taking ids, and its calls with Marketo. */
interface Lane {
  open: Batch | undefined;
  inFlight: number;
  /** Reads those calls carry. */
  reads: number;
}

export interface SharedLeadReadsOptions {
  /** Calls one principal and field list may have with Marketo at once, outside bursts (4). */
  maxInFlight?: number;
  /** Reads with Marketo from which a lane is under a burst: one call at a time (20). */
  burstReads?: number;
}

export class SharedLeadReads {
  readonly #api: MarketoApi;
  readonly #maxInFlight: number;
  readonly #burstReads: number;
  /** By principal and field list; dropped once nothing is gathering or in flight. */
  readonly #lanes = new Map<string, Lane>();

  /** `api`: the process-wide client, without an operation's context. */
  constructor(api: MarketoApi, options: SharedLeadReadsOptions = {}) {
    this.#api = api;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.#burstReads = options.burstReads ?? 20;
  }

  /** Found leads among (at least) `ids`, asking Marketo for `fields`; any order. */
  read(ids: readonly number[], fields: readonly string[], caller: LeadReadCaller): Promise<Lead[]> {
    const key = `${caller.principal ?? ''}\u0000${fields.join(',')}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { open: undefined, inFlight: 0, reads: 0 };
      this.#lanes.set(key, lane);
    }
    let batch = lane.open;
    if (!batch) {
      batch = this.#gather(key, lane, fields);
      lane.open = batch;
      if (this.#hasRoom(lane, 0)) setImmediate(batch.leave);
      else batch.waiting = true;
    }
    for (const id of ids) batch.ids.add(id);
    batch.callers.push(caller);
    return batch.done;
  }

  /**
   * Whether another call may leave now: a lightly loaded lane (a few reads with Marketo) keeps up
   * to `maxInFlight` calls, so a read seldom waits for another's answer; under a burst, one.
   */
  #hasRoom(lane: Lane, joining: number): boolean {
    if (lane.inFlight === 0) return true;
    return lane.inFlight < this.#maxInFlight && lane.reads + joining < this.#burstReads;
  }

  /**
   * A new batch for `fields`. It leaves after the poll phase (every request that arrived in this
   * turn has had its say) when the lane has room for another call; otherwise, once one of the
   * lane's calls is answered: reads that come in meanwhile ride along instead of each taking a
   * call of their own, so a burst costs a few calls, not one each.
   */
  #gather(key: string, lane: Lane, fields: readonly string[]): Batch {
    let settle: { resolve(leads: Lead[]): void; reject(error: unknown): void } | undefined;
    const done = new Promise<Lead[]>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const batch: Batch = {
      fields,
      ids: new Set(),
      callers: [],
      done,
      waiting: false,
      leave: () => {
        // Reads that came in this turn may have made a burst of it: then it waits its turn.
        if (!this.#hasRoom(lane, batch.callers.length)) {
          batch.waiting = true;
          return;
        }
        lane.open = undefined;
        lane.inFlight++;
        lane.reads += batch.callers.length;
        // The lane makes room before the callers resume: a batch waiting for it leaves first.
        const release = () => {
          lane.inFlight--;
          lane.reads -= batch.callers.length;
          const next = lane.open;
          if (next?.waiting && this.#hasRoom(lane, next.callers.length)) {
            next.waiting = false;
            setImmediate(next.leave);
          } else if (!next && lane.inFlight === 0) {
            this.#lanes.delete(key);
          }
        };
        this.#send(batch).then(
          (leads) => {
            release();
            settle!.resolve(leads);
          },
          (error: unknown) => {
            release();
            settle!.reject(error);
          },
        );
      },
    };
    return batch;
  }

  async #send(batch: Batch): Promise<Lead[]> {
    const { callers } = batch;
    // An operation's loader may have put several batches into this one: report to it once.
    const trackers = new Set(callers.flatMap((c) => (c.tracker ? [c.tracker] : [])));
    const tracker: CallTracker = {
      record(call: CallRecord) {
        for (const t of trackers) t.record(call);
      },
      // Charged to every caller; refused only when every caller refuses it (a key out of its
      // share must not fail the call another key shares with it, which costs nothing more).
      async admit(endpoint: string) {
        let refusal: unknown;
        let admitted = trackers.size === 0;
        for (const t of trackers) {
          try {
            await t.admit?.(endpoint);
            admitted = true;
          } catch (error) {
            refusal ??= error;
          }
        }
        if (!admitted) throw refusal;
      },
    };
    const abort = allAborted(callers.map((c) => c.signal));
    const principal = callers.find((c) => c.principal !== undefined)?.principal;
    try {
      return await this.#api
        .withContext({
          tracker,
          ...(principal !== undefined && { principal }),
          ...(abort && { signal: abort.signal }),
        })
        .getLeadsByIds([...batch.ids], batch.fields);
    } finally {
      abort?.dispose();
    }
  }
}

/** A signal that aborts once every one of `signals` has; none when one of them never can. */
function allAborted(
  signals: (AbortSignal | undefined)[],
): { signal: AbortSignal; dispose(): void } | undefined {
  if (signals.some((s) => s === undefined)) return undefined;
  // One operation may appear several times (one entry per loader batch).
  const live = [...new Set(signals as AbortSignal[])];
  if (live.length === 1) return { signal: live[0]!, dispose() {} };
  const controller = new AbortController();
  let remaining = live.length;
  const onAbort = () => {
    remaining--;
    if (remaining === 0) controller.abort();
  };
  for (const signal of live) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const signal of live) signal.removeEventListener('abort', onAbort);
    },
  };
}
