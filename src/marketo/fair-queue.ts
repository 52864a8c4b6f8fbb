/**
 * Fair share of the Marketo budget between callers (API keys), used by both limiters for their
 * local waiters:
 *
 * - order: round-robin across principals, each principal's own waiters FIFO. A principal that
 *   starts waiting joins the end of the rotation, so a key with 10,000 queued calls delays another
 *   key's call by at most one grant per other principal waiting;
 * - share cap (`share` < 1): a principal may hold at most ⌈share × concurrency⌉ calls in flight
 *   and ⌊share × rateLimit⌋ calls in the rolling window (counted as the limiter counts: from the
 *   grant until one window after the release). Only calls through this queue's owner count.
 *
 * The queue decides who goes next; the limiter still decides whether anyone may go at all.
 * Background work (export and import pollers) has no principal and is one principal of its own,
 * distinct from every API key name.
 */

/** How the background principal (no API key) is shown. */
export const BACKGROUND_PRINCIPAL = '(gateway)';

export interface FairQueueOptions {
  /** 0 < share ≤ 1; 1 (default): no cap, work-conserving round-robin only. */
  share?: number;
  concurrency: number;
  rateLimit: number;
  /** How long a completed call keeps counting for its principal (the limiter's window, margin included). */
  windowMs: number;
}

/** A principal's limits under `share` of `concurrency` and `rateLimit`. */
export function shareCaps(
  share: number,
  limits: { concurrency: number; rateLimit: number },
): { inFlight: number; window: number } {
  if (!(share > 0 && share <= 1)) throw new RangeError('share must be in (0, 1]');
  return {
    inFlight: Math.max(1, Math.ceil(share * limits.concurrency)),
    window: Math.max(1, Math.floor(share * limits.rateLimit)),
  };
}

type Key = string | undefined;

interface PrincipalState<T> {
  /** Waiting, in arrival order (a Set: FIFO with O(1) removal on abort). */
  readonly waiters: Set<T>;
  inFlight: number;
  /** Completion times (caller's monotonic ms) of this principal's calls still in the window, ascending. */
  readonly completed: number[];
}

export interface PrincipalUsage {
  principal: string;
  queued: number;
  inFlight: number;
}

export class FairQueue<T> {
  readonly #caps: { inFlight: number; window: number };
  readonly #capped: boolean;
  readonly #windowMs: number;
  readonly #principals = new Map<Key, PrincipalState<T>>();
  /** Principals with waiters, in turn order (a Set keeps insertion order; re-adding moves to the end). */
  readonly #rotation = new Set<Key>();
  readonly #owner = new Map<T, Key>();

  constructor(options: FairQueueOptions) {
    const share = options.share ?? 1;
    this.#caps = shareCaps(share, options);
    this.#capped = share < 1;
    this.#windowMs = options.windowMs;
  }

  /** Waiters of every principal. */
  get size(): number {
    return this.#owner.size;
  }

  push(principal: string | undefined, item: T): void {
    const state = this.#state(principal);
    state.waiters.add(item);
    this.#owner.set(item, principal);
    this.#rotation.add(principal);
  }

  /** Removes a waiter (abort); false when it is not queued here. */
  delete(item: T): boolean {
    if (!this.#owner.has(item)) return false;
    const key = this.#owner.get(item);
    this.#owner.delete(item);
    const state = this.#principals.get(key);
    state?.waiters.delete(item);
    if (state?.waiters.size === 0) this.#rotation.delete(key);
    this.#forgetIfIdle(key);
    return true;
  }

  /**
   * Takes the next waiter in turn whose principal is within its share at monotonic time `t`
   * (undefined when none is), and moves that principal to the end of the rotation.
   */
  next(t: number): { item: T; principal: string | undefined } | undefined {
    return this.#take(t);
  }

  /** How many waiters `next` could hand out now, at most `limit` (the limiter's own room). */
  grantable(limit: number, t: number): number {
    let count = 0;
    for (const key of this.#rotation) {
      const state = this.#principals.get(key);
      if (state) count += Math.min(state.waiters.size, this.#room(state, t));
      if (count >= limit) return limit;
    }
    return count;
  }

  /**
   * The earliest monotonic time at which a waiting principal held back only by its window share
   * gets room again; undefined when none is (a release, which the limiter sees, frees the rest).
   */
  nextRoomAt(t: number): number | undefined {
    if (!this.#capped) return undefined;
    let earliest: number | undefined;
    for (const key of this.#rotation) {
      const state = this.#principals.get(key);
      if (!state || state.inFlight >= this.#caps.inFlight) continue;
      this.#prune(state, t);
      const excess = state.inFlight + state.completed.length - this.#caps.window;
      if (excess < 0) continue;
      const leaves = (state.completed[excess] ?? t) + this.#windowMs;
      earliest = earliest === undefined ? leaves : Math.min(earliest, leaves);
    }
    return earliest;
  }

  /** Every waiter, in turn order, leaving the queue empty (close, quota exhausted, outage). */
  drain(): T[] {
    const items: T[] = [];
    for (let next = this.#take(); next; next = this.#take()) items.push(next.item);
    return items;
  }

  /** A call of `principal` was granted. */
  started(principal: string | undefined): void {
    this.#state(principal).inFlight++;
  }

  /** A call of `principal` ended at monotonic time `t`; it keeps counting for one window. */
  finished(principal: string | undefined, t: number): void {
    const state = this.#principals.get(principal);
    if (!state) return;
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (this.#capped) insertSorted(state.completed, t);
    this.#forgetIfIdle(principal);
  }

  /** What one principal has queued and in flight here. */
  usage(principal: string | undefined): PrincipalUsage {
    const state = this.#principals.get(principal);
    return {
      principal: principal ?? BACKGROUND_PRINCIPAL,
      queued: state?.waiters.size ?? 0,
      inFlight: state?.inFlight ?? 0,
    };
  }

  /** The next waiter in turn; with `t`, only from a principal within its share at `t`. */
  #take(t?: number): { item: T; principal: string | undefined } | undefined {
    for (const key of this.#rotation) {
      const state = this.#principals.get(key);
      if (!state || (t !== undefined && this.#room(state, t) <= 0)) continue;
      const item = state.waiters.values().next().value as T;
      state.waiters.delete(item);
      this.#owner.delete(item);
      this.#rotation.delete(key);
      if (state.waiters.size > 0) this.#rotation.add(key);
      return { item, principal: key };
    }
    return undefined;
  }

  #state(key: Key): PrincipalState<T> {
    let state = this.#principals.get(key);
    if (!state) {
      state = { waiters: new Set(), inFlight: 0, completed: [] };
      this.#principals.set(key, state);
    }
    return state;
  }

  #prune(state: PrincipalState<T>, t: number): void {
    let drop = 0;
    const { completed } = state;
    while (drop < completed.length && (completed[drop] ?? 0) + this.#windowMs <= t) drop++;
    if (drop > 0) completed.splice(0, drop);
  }

  /** Calls this principal may still start now under its share (≥ queued when uncapped). */
  #room(state: PrincipalState<T>, t: number): number {
    if (!this.#capped) return state.waiters.size;
    this.#prune(state, t);
    return Math.min(
      this.#caps.inFlight - state.inFlight,
      this.#caps.window - state.inFlight - state.completed.length,
    );
  }

  /**
   * Drops a principal with nothing queued or in flight, unless its window still counts (then it
   * stays, at most one per configured API key plus the background principal).
   */
  #forgetIfIdle(key: Key): void {
    const state = this.#principals.get(key);
    if (!state || state.waiters.size > 0 || state.inFlight > 0 || state.completed.length > 0) {
      return;
    }
    this.#principals.delete(key);
  }
}

/**
 * Inserts `t` into ascending `times` (calls end in any order once they are counted from their
 * response's start rather than their release).
 */
export function insertSorted(times: number[], t: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i--;
  times.splice(i, 0, t);
}
