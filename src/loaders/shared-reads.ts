/**
 * Lead reads by id shared between concurrent operations. Each operation keeps its own DataLoaders
 * (nothing is cached across requests); what they send to Marketo with the same field list goes
 * out together, 300 ids a call. 100 `lead(id:)` operations arriving together cost one call
 * instead of 100, against Marketo's budget of 100 calls per 20 s.
 *
 * When a gathering batch leaves adapts to the lane (principal and field list):
 * - a lone read (the lane has had one reader at a time lately) leaves at the end of its turn: it
 *   never waits for a timer or for another read's answer;
 * - otherwise the lane remembers how many readers it had at once (`expected`: the reads gathering
 *   plus those with Marketo when a batch left, halving every `halfLifeMs` without a burst). While
 *   a call is with Marketo, a batch waits for it: the readers it carries come back once answered
 *   and join. With nothing at Marketo, it leaves once `expected` readers have gathered, or once
 *   none has come in for a quiet spell (four times the recent gap between arrivals, up to 25 ms
 *   or half Marketo's latency, restarted by each answer). Closed-loop clients thus converge on one call per round instead of
 *   alternating groups;
 * - no batch waits longer than twice Marketo's measured latency (at least 20 ms, at most
 *   `maxWaitMs`), and a batch of 300 ids leaves at once.
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
  openedAt: number;
  /** A check is scheduled for the end of this turn. */
  checking: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires (ms, performance.now()). */
  timerAt: number;
  leave(): void;
}

/** One principal and field list: the batch still taking ids, its calls with Marketo, its history. */
interface Lane {
  open: Batch | undefined;
  inFlight: number;
  /** Reads those calls carry. */
  reads: number;
  /** Readers seen at once at the last departure (decays from `expectedAt`). */
  expected: number;
  expectedAt: number;
  /** The last arrival of a read, or answer of a call (ms). */
  lastEventAt: number;
  /** Moving average of the gap between arrivals into a gathering batch (ms). */
  gapMs: number;
  /** Moving average of a call's duration (ms); 0 before the first. */
  latencyMs: number;
  /** When each call with Marketo left (ms). */
  sentAt: number[];
}

export interface SharedLeadReadsOptions {
  /** The longest a batch waits for readers to join (250 ms); twice Marketo's latency below it. */
  maxWaitMs?: number;
  /** How fast the memory of a burst fades: `expected` halves every this many ms (1,000). */
  halfLifeMs?: number;
}

/** Marketo's ids per call: a batch this full has nothing to wait for. */
const FULL = 300;
/** The shortest deadline under a burst, and the quiet spell's bounds (ms). */
const MIN_WAIT_MS = 20;
const MIN_QUIET_MS = 2;
const MAX_QUIET_MS = 25;
/** Lanes without activity for this long are forgotten (ms). */
const IDLE_LANE_MS = 30_000;

export class SharedLeadReads {
  readonly #api: MarketoApi;
  readonly #maxWaitMs: number;
  readonly #halfLifeMs: number;
  /** By principal and field list. */
  readonly #lanes = new Map<string, Lane>();
  #sweptAt = performance.now();

  /** `api`: the process-wide client, without an operation's context. */
  constructor(api: MarketoApi, options: SharedLeadReadsOptions = {}) {
    this.#api = api;
    this.#maxWaitMs = Math.max(MIN_WAIT_MS, options.maxWaitMs ?? 250);
    this.#halfLifeMs = Math.max(1, options.halfLifeMs ?? 1_000);
  }

  /** Found leads among (at least) `ids`, asking Marketo for `fields`; any order. */
  read(ids: readonly number[], fields: readonly string[], caller: LeadReadCaller): Promise<Lead[]> {
    const now = performance.now();
    if (now - this.#sweptAt > IDLE_LANE_MS) this.#sweep(now);
    const key = `${caller.principal ?? ''}\u0000${fields.join(',')}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = {
        open: undefined,
        inFlight: 0,
        reads: 0,
        expected: 1,
        expectedAt: now,
        lastEventAt: now,
        gapMs: MIN_QUIET_MS,
        latencyMs: 0,
        sentAt: [],
      };
      this.#lanes.set(key, lane);
    }
    let batch = lane.open;
    if (!batch) {
      batch = this.#gather(lane, fields, now);
      lane.open = batch;
    } else {
      lane.gapMs = 0.8 * lane.gapMs + 0.2 * (now - lane.lastEventAt);
    }
    lane.lastEventAt = now;
    for (const id of ids) batch.ids.add(id);
    batch.callers.push(caller);
    this.#checkSoon(lane, batch);
    return batch.done;
  }

  /** Readers the lane had at once lately: the last burst's, halving every `halfLifeMs`. */
  #expected(lane: Lane, now: number): number {
    return lane.expected * 0.5 ** ((now - lane.expectedAt) / this.#halfLifeMs);
  }

  /** The batch is looked at once every read of this turn has joined. */
  #checkSoon(lane: Lane, batch: Batch): void {
    if (batch.checking) return;
    batch.checking = true;
    setImmediate(() => {
      batch.checking = false;
      this.#check(lane, batch);
    });
  }

  /** Leaves now, or arms the timer for the next moment it may. */
  #check(lane: Lane, batch: Batch): void {
    if (lane.open !== batch) return;
    const now = performance.now();
    const deadline = batch.openedAt + this.#maxWait(lane, now);
    // The quiet spell: a few gaps between arrivals, longer when Marketo is slow (waiting costs
    // little beside its answer then), never past the deadline.
    const quietAt =
      lane.lastEventAt +
      Math.min(Math.max(MAX_QUIET_MS, lane.latencyMs / 2), Math.max(MIN_QUIET_MS, 4 * lane.gapMs));
    const expected = this.#expected(lane, now);
    const leave =
      batch.ids.size >= FULL ||
      now >= deadline ||
      // A lane of one reader at a time: nothing to wait for.
      expected < 1.5 ||
      // Nothing with Marketo: every reader the lane had at once is in, or none came lately.
      (lane.inFlight === 0 && (batch.callers.length >= expected - 0.5 || now >= quietAt));
    if (leave) {
      batch.leave();
      return;
    }
    // While calls are with Marketo their answers wake the batch (#settled); the deadline bounds it.
    const wakeAt = lane.inFlight === 0 ? Math.min(deadline, quietAt) : deadline;
    if (batch.timer && batch.timerAt <= wakeAt) return;
    clearTimeout(batch.timer);
    batch.timerAt = wakeAt;
    batch.timer = setTimeout(
      () => {
        batch.timer = undefined;
        this.#check(lane, batch);
      },
      Math.max(1, Math.ceil(wakeAt - now)),
    );
  }

  /**
   * How long a batch may gather: twice Marketo's latency, as measured or as the oldest call still
   * out shows it to be now (a call out longer than the average says Marketo slowed down); the
   * whole `maxWaitMs` before any call was answered.
   */
  #maxWait(lane: Lane, now: number): number {
    const oldest = lane.sentAt.length > 0 ? now - lane.sentAt[0]! : 0;
    const latency = Math.max(lane.latencyMs, oldest);
    if (lane.latencyMs === 0 && lane.inFlight > 0) return this.#maxWaitMs;
    return Math.min(this.#maxWaitMs, Math.max(MIN_WAIT_MS, 2 * latency));
  }

  /** A call of the lane was answered: its readers come back soon, so the quiet spell restarts. */
  #settled(lane: Lane, batch: Batch, startedAt: number): void {
    const now = performance.now();
    lane.inFlight--;
    lane.reads -= batch.callers.length;
    lane.sentAt.splice(lane.sentAt.indexOf(startedAt), 1);
    const took = now - startedAt;
    lane.latencyMs = lane.latencyMs === 0 ? took : 0.8 * lane.latencyMs + 0.2 * took;
    lane.lastEventAt = now;
    if (lane.open) this.#check(lane, lane.open);
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, lane] of this.#lanes) {
      if (!lane.open && lane.inFlight === 0 && now - lane.lastEventAt > IDLE_LANE_MS) {
        this.#lanes.delete(key);
      }
    }
  }

  /** A new batch for `fields`, gathering until `#check` lets it leave. */
  #gather(lane: Lane, fields: readonly string[], now: number): Batch {
    let settle: { resolve(leads: Lead[]): void; reject(error: unknown): void } | undefined;
    const done = new Promise<Lead[]>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const batch: Batch = {
      fields,
      ids: new Set(),
      callers: [],
      done,
      openedAt: now,
      checking: false,
      timer: undefined,
      timerAt: Infinity,
      leave: () => {
        clearTimeout(batch.timer);
        batch.timer = undefined;
        lane.open = undefined;
        const startedAt = performance.now();
        // Readers at once: this batch's and those still with Marketo.
        const seen = batch.callers.length + lane.reads;
        lane.expected = Math.max(seen, this.#expected(lane, startedAt));
        lane.expectedAt = startedAt;
        lane.inFlight++;
        lane.reads += batch.callers.length;
        lane.sentAt.push(startedAt);
        // The lane is told before the callers resume: a batch waiting for this answer is looked
        // at first, with the quiet spell restarted for the readers coming back.
        this.#send(batch).then(
          (leads) => {
            this.#settled(lane, batch, startedAt);
            settle!.resolve(leads);
          },
          (error: unknown) => {
            this.#settled(lane, batch, startedAt);
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
