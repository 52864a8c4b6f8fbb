/**
 * Lead reads by id shared between concurrent operations. Each operation keeps its own DataLoaders
 * (nothing is cached across requests); what they send to Marketo with the same field list in the
 * same turn of the event loop, or while the previous such read is still with Marketo, goes out
 * together, 300 ids a call. 100 `lead(id:)` operations arriving together cost one call instead
 * of 100, against Marketo's budget of 100 calls per 20 s.
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
}

export class SharedLeadReads {
  readonly #api: MarketoApi;
  /** The batch still taking ids, by principal and field list. */
  readonly #open = new Map<string, Batch>();
  /** The batch Marketo is answering, by principal and field list. */
  readonly #sent = new Map<string, Promise<unknown>>();

  /** `api`: the process-wide client, without an operation's context. */
  constructor(api: MarketoApi) {
    this.#api = api;
  }

  /** Found leads among (at least) `ids`, asking Marketo for `fields`; any order. */
  read(ids: readonly number[], fields: readonly string[], caller: LeadReadCaller): Promise<Lead[]> {
    const key = `${caller.principal ?? ''}\u0000${fields.join(',')}`;
    let batch = this.#open.get(key);
    if (!batch) {
      batch = this.#gather(key, fields);
      this.#open.set(key, batch);
    }
    for (const id of ids) batch.ids.add(id);
    batch.callers.push(caller);
    return batch.done;
  }

  /**
   * A new batch for `fields`. It leaves after the poll phase (every request that arrived in this
   * turn has had its say), or, while the previous batch for the same fields is still with
   * Marketo, once that one is answered: reads that come in meanwhile ride along instead of each
   * taking a call of their own (one in flight and one gathering per principal and field list).
   */
  #gather(key: string, fields: readonly string[]): Batch {
    const batch: Batch = { fields, ids: new Set(), callers: [], done: Promise.resolve([]) };
    batch.done = new Promise<Lead[]>((resolve, reject) => {
      const leave = () =>
        setImmediate(() => {
          this.#open.delete(key);
          const sent = this.#send(batch);
          this.#sent.set(key, sent);
          sent.then(resolve, reject).finally(() => {
            if (this.#sent.get(key) === sent) this.#sent.delete(key);
          });
        });
      const previous = this.#sent.get(key);
      if (previous) previous.then(leave, leave);
      else leave();
    });
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
