/**
 * Lead reads by id shared between concurrent operations. Each operation keeps its own DataLoaders
 * (nothing is cached across requests); what they send to Marketo with the same field list goes
 * out together, 300 ids a call. 100 `lead(id:)` operations arriving together cost one call
 * instead of 100, against Marketo's budget of 100 calls per 20 s.
 *
 * A gathering batch leaves once no other reader of its lane (principal and field list) is
 * expected, counted rather than guessed from the clock:
 * - requests of the principal on their way to the loaders (`expect()`, counted from the HTTP
 *   request's start to its execution by `expected-readers.ts`): once executing, a request's reads
 *   join within the same turn, so any still being read, parsed or validated is worth waiting for;
 * - readers whose call is with Marketo: they come back once answered (closed-loop clients), and
 *   waiting for them turns alternating groups into one call per round;
 * - readers whose answer went out and who have not read again (one less per arrival).
 * A lone read (none of these) leaves at the end of its turn: it never waits for a timer.
 *
 * The clock only bounds the wait. Requests on their way are given up once none has got there for
 * twice Marketo's measured latency (at least 100 ms): a loaded gateway brings 100 of them in over
 * seconds, but steadily. Answered readers are given up after twice the longest recent gap between
 * their returns (at least 5 ms, never longer than for requests on their way): readers who stopped
 * reading cost the next batch a few of their gaps, not a flat 100 ms. A call with Marketo is waited for at most twice its latency (at least
 * 20 ms), and no batch waits longer than `maxWaitMs`; a batch of 300 ids leaves at once. A timer's verdict is taken after one more
 * I/O poll: a process paused by a loaded machine reads the requests that queued meanwhile before
 * it sends a batch without them.
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
  /** Distinct operations among `callers` (by tracker, else by signal). */
  operations: Set<unknown>;
  done: Promise<Lead[]>;
  openedAt: number;
  /** The last read to join (ms). */
  joinedAt: number;
  /** A check is scheduled for the end of this turn. */
  checking: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires (ms, performance.now()). */
  timerAt: number;
  leave(): void;
}

/** Requests of one principal between their start and their execution. */
interface Coming {
  /** When each started (ms), oldest first. */
  started: Map<object, number>;
  /** When one was last released (ms). */
  releasedAt: number;
}

/** One principal and field list: the batch still taking ids, its calls with Marketo, its history. */
interface Lane {
  principal: string;
  open: Batch | undefined;
  inFlight: number;
  /** Operations answered that have not read again. */
  returning: number;
  /** The last answer of a call, or return of one of its readers (ms). */
  backAt: number;
  /**
   * The longest recent gap between answered readers' returns (ms), decaying by half each
   * `GAP_HALF_LIFE_MS` from `returnGapAt`; undefined before the first return.
   */
  returnGapMs: number | undefined;
  returnGapAt: number;
  /** The last arrival of a read, or answer of a call (ms). */
  lastEventAt: number;
  /** Moving average of a call's duration (ms); 0 before the first. */
  latencyMs: number;
  /** When each call with Marketo left (ms). */
  sentAt: number[];
}

export interface SharedLeadReadsOptions {
  /**
   * The longest a batch waits for readers to join (1,000 ms): for requests on their way while
   * they keep reaching the loaders; for Marketo's calls and answered readers, `#maxWait` below it.
   */
  maxWaitMs?: number;
}

/** Marketo's ids per call: a batch this full has nothing to wait for. */
const FULL = 300;
/** The shortest bound on a batch's wait for Marketo's calls and answered readers (ms). */
const MIN_WAIT_MS = 20;
/** The shortest wait for the next request on its way to reach the loaders (ms). */
const MIN_STALL_MS = 100;
/** The shortest wait for the next answered reader to come back, once their pace is known (ms). */
const MIN_RETURN_WAIT_MS = 5;
/** How fast the remembered gap between returns fades once returns come quicker (ms). */
const GAP_HALF_LIFE_MS = 1_000;
/** Lanes without activity for this long are forgotten (ms). */
const IDLE_LANE_MS = 30_000;

export class SharedLeadReads {
  readonly #api: MarketoApi;
  readonly #maxWaitMs: number;
  /** By principal and field list. */
  readonly #lanes = new Map<string, Lane>();
  /** Requests on their way to the loaders, by principal (one entry per API key). */
  readonly #coming = new Map<string, Coming>();
  #sweptAt = performance.now();

  /** `api`: the process-wide client, without an operation's context. */
  constructor(api: MarketoApi, options: SharedLeadReadsOptions = {}) {
    this.#api = api;
    this.#maxWaitMs = Math.max(MIN_WAIT_MS, options.maxWaitMs ?? 1_000);
  }

  /**
   * A request of `principal` that may read leads soon: batches of its lanes wait for it (bounded)
   * until the returned release is called, when it executes or is answered without executing.
   */
  expect(principal: string): () => void {
    let coming = this.#coming.get(principal);
    if (!coming) this.#coming.set(principal, (coming = { started: new Map(), releasedAt: 0 }));
    const token = {};
    coming.started.set(token, performance.now());
    const mine = coming;
    return () => {
      if (!mine.started.delete(token)) return;
      mine.releasedAt = performance.now();
      // A batch that waited for this request looks again once its reads (if any) have joined.
      for (const lane of this.#lanes.values()) {
        if (lane.principal === principal && lane.open) this.#checkSoon(lane, lane.open);
      }
    };
  }

  /** Found leads among (at least) `ids`, asking Marketo for `fields`; any order. */
  read(ids: readonly number[], fields: readonly string[], caller: LeadReadCaller): Promise<Lead[]> {
    const now = performance.now();
    if (now - this.#sweptAt > IDLE_LANE_MS) this.#sweep(now);
    const principal = caller.principal ?? '';
    const key = `${principal}\u0000${fields.join(',')}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = {
        principal,
        open: undefined,
        inFlight: 0,
        returning: 0,
        backAt: now,
        returnGapMs: undefined,
        returnGapAt: now,
        lastEventAt: now,
        latencyMs: 0,
        sentAt: [],
      };
      this.#lanes.set(key, lane);
    }
    let batch = lane.open;
    if (!batch) {
      batch = this.#gather(lane, fields, now);
      lane.open = batch;
    }
    lane.lastEventAt = now;
    batch.joinedAt = now;
    for (const id of ids) batch.ids.add(id);
    batch.callers.push(caller);
    // An operation whose loader sent several batches comes back once.
    const operation = caller.tracker ?? caller.signal ?? {};
    if (!batch.operations.has(operation)) {
      batch.operations.add(operation);
      this.#cameBack(lane, now);
    }
    this.#checkSoon(lane, batch);
    return batch.done;
  }

  /** One reader answered earlier is back, if any is still awaited. */
  #cameBack(lane: Lane, now: number): void {
    if (lane.returning === 0) return;
    const gap = now - lane.backAt;
    if (gap >= this.#returnStallMs(lane, now)) {
      lane.returning = 0;
      return;
    }
    // Peak-held: one slow return (a GC pause, a loaded client) keeps the wait long enough for
    // the next few, and fades once returns are quick again.
    lane.returnGapMs = Math.max(gap, this.#recentGap(lane, now) ?? 0);
    lane.returnGapAt = now;
    lane.returning--;
    lane.backAt = now;
  }

  /** The longest recent gap between returns, decayed to `now` (ms). */
  #recentGap(lane: Lane, now: number): number | undefined {
    if (lane.returnGapMs === undefined) return undefined;
    return lane.returnGapMs * 0.5 ** ((now - lane.returnGapAt) / GAP_HALF_LIFE_MS);
  }

  /**
   * How long answered readers may keep the batch waiting without one of them coming back: twice
   * the recent gap between their returns (closed-loop clients come back at their own steady
   * pace), never longer than for requests on their way. Readers who stopped (an open-loop client
   * answered, a burst over) cost a batch a few of their gaps, not a flat floor.
   */
  #returnStallMs(lane: Lane, now: number): number {
    const stallMs = this.#stallMs(lane, now);
    const gap = this.#recentGap(lane, now);
    if (gap === undefined) return stallMs;
    return Math.min(stallMs, Math.max(MIN_RETURN_WAIT_MS, 2 * gap));
  }

  /**
   * How long readers on their way (requests being parsed, readers answered) may keep the batch
   * waiting without one of them getting there: a busy gateway brings them in slowly, but steadily.
   * Past twice Marketo's latency, the batch's readers have waited longer than a call of their own
   * would have taken.
   */
  #stallMs(lane: Lane, now: number): number {
    return Math.min(this.#maxWaitMs, Math.max(MIN_STALL_MS, this.#maxWait(lane, now)));
  }

  /** Marketo's latency as measured, or as the oldest call still out shows it to be now (ms). */
  #latency(lane: Lane, now: number): number {
    const oldest = lane.sentAt.length > 0 ? now - lane.sentAt[0]! : 0;
    return Math.max(lane.latencyMs, oldest);
  }

  /**
   * Requests of `principal` on their way to the loaders, and the last time one got there. One
   * started longer ago than any batch waits is dropped: its release was lost (a request aborted
   * in a way no hook saw), and it must not hold every later batch.
   */
  #comingOf(principal: string, now: number): { count: number; releasedAt: number } {
    const coming = this.#coming.get(principal);
    if (!coming) return { count: 0, releasedAt: 0 };
    for (const [token, startedAt] of coming.started) {
      if (now - startedAt < this.#maxWaitMs) break;
      coming.started.delete(token);
    }
    return { count: coming.started.size, releasedAt: coming.releasedAt };
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
    const latest = batch.openedAt + this.#maxWaitMs;
    if (batch.ids.size >= FULL || now >= latest) {
      batch.leave();
      return;
    }
    // Requests being parsed and validated reach the loader at the gateway's pace, and answered
    // readers come back at the gateway's and their clients' pace, not Marketo's: the batch waits
    // for them while they keep getting there, up to `maxWaitMs` on a busy gateway.
    const stallMs = this.#stallMs(lane, now);
    const coming = this.#comingOf(lane.principal, now);
    const comingUntil = Math.max(batch.joinedAt, coming.releasedAt) + stallMs;
    const waitComing = coming.count > 0 && now < comingUntil;
    const returningUntil = lane.backAt + this.#returnStallMs(lane, now);
    if (lane.returning > 0 && now >= returningUntil) lane.returning = 0;
    // A call with Marketo: its readers come back once answered; it is waited for as long as
    // Marketo's pace says.
    const deadline = batch.openedAt + this.#maxWait(lane, now);
    const waitCall = lane.inFlight > 0 && now < deadline;
    if (!waitComing && lane.returning === 0 && !waitCall) {
      batch.leave();
      return;
    }
    // Arrivals, answers and released requests look again; the timer wakes the batch when a
    // reason to wait may have lapsed.
    let wakeAt = latest;
    if (waitComing) wakeAt = Math.min(wakeAt, comingUntil);
    if (lane.returning > 0) wakeAt = Math.min(wakeAt, returningUntil);
    if (waitCall) wakeAt = Math.min(wakeAt, deadline);
    if (batch.timer && batch.timerAt <= wakeAt) return;
    clearTimeout(batch.timer);
    batch.timerAt = wakeAt;
    batch.timer = setTimeout(
      () => {
        batch.timer = undefined;
        batch.timerAt = Infinity;
        // After one more I/O poll: requests that queued while the process was paused join first.
        this.#checkSoon(lane, batch);
      },
      Math.max(1, Math.ceil(wakeAt - now)),
    );
  }

  /**
   * How long a batch may wait for a call with Marketo: twice Marketo's latency; the whole
   * `maxWaitMs` before any call was answered.
   */
  #maxWait(lane: Lane, now: number): number {
    if (lane.latencyMs === 0 && lane.inFlight > 0) return this.#maxWaitMs;
    return Math.min(this.#maxWaitMs, Math.max(MIN_WAIT_MS, 2 * this.#latency(lane, now)));
  }

  /** A call of the lane was answered: its readers are expected back. */
  #settled(lane: Lane, batch: Batch, startedAt: number): void {
    const now = performance.now();
    lane.inFlight--;
    lane.sentAt.splice(lane.sentAt.indexOf(startedAt), 1);
    const took = now - startedAt;
    lane.latencyMs = lane.latencyMs === 0 ? took : 0.8 * lane.latencyMs + 0.2 * took;
    lane.returning += batch.operations.size;
    lane.backAt = now;
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
      operations: new Set(),
      done,
      openedAt: now,
      joinedAt: now,
      checking: false,
      timer: undefined,
      timerAt: Infinity,
      leave: () => {
        clearTimeout(batch.timer);
        batch.timer = undefined;
        lane.open = undefined;
        const startedAt = performance.now();
        lane.inFlight++;
        lane.sentAt.push(startedAt);
        // The lane is told before the callers resume: a batch waiting for this answer counts
        // these readers as coming back before the first of them does.
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
