/**
 * graphql-ws subscribers that join a running shared subscription instead of starting their own.
 * The first subscriber of a joinable subscription (shared-subscriptions.ts) goes through yoga and
 * opens a group; a later one with the same API key and the same message payload (query,
 * operation, variables, extensions) gets a slot within the subscription limits and becomes a
 * member of that group: its socket, id and stream, without a GraphQL context, the plugins'
 * per-operation state or a source of its own. What it would have got is the same: the same key
 * passes the same scope checks and limits on the same document, the group's latest result is the
 * state a new subscription would start with, and a subscriber that spends nothing carries the
 * empty cost.
 *
 * Only results without errors are taken this way. A member's first result with errors sends it
 * the long way for good: its own pass through yoga, fed by its place in the group, so errors are
 * masked, logged and counted as for any subscriber. Subscribers arriving while the first one is
 * still starting wait for its group; if it opens none (refused, failed, not joinable), each goes
 * through yoga itself.
 */
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Principal } from './auth/scopes.js';
import { NO_COST, withSharedCost } from './cost.js';
import type { SubscriptionCounts, SubscriptionSlot } from './security/subscription-limits.js';
import { type GroupMember, type JoinableGroup, MemberStream } from './subscription-group.js';

type Step = IteratorResult<ExecutionResult, undefined>;

/** A group being opened, or open. */
interface Entry {
  group: JoinableGroup | undefined;
  ready: Promise<JoinableGroup | undefined>;
}

/** The first subscriber's side of an entry. */
export interface Opening {
  /** Its group is open: later identical subscribers may join it. */
  opened(group: JoinableGroup): void;
  /** Its start is over (a group opened or not): whoever waits goes on. */
  started(): void;
}

/** What a light member needs from its transport. */
export interface MemberTransport {
  /** Writes a final result (no errors, cost set) now; false when it cannot (a backlog). */
  deliver(result: ExecutionResult): boolean;
  /**
   * Starts the long way fed by `member` (yoga's subscribe with `sharedMember`): the iterator its
   * transport reads from then on.
   */
  longWay(member: MemberStream, group: JoinableGroup): Promise<AsyncIterator<ExecutionResult>>;
}

const costed = (result: ExecutionResult) => withSharedCost(result, NO_COST);

export class LightSubscribers {
  readonly #counts: SubscriptionCounts;
  readonly #entries = new WeakMap<Principal, Map<string, Entry>>();

  constructor(counts: SubscriptionCounts) {
    this.#counts = counts;
  }

  /** The key of a subscribe message's payload. */
  static keyOf(payload: unknown): string {
    return JSON.stringify(payload);
  }

  #byKey(principal: Principal): Map<string, Entry> {
    let byKey = this.#entries.get(principal);
    if (!byKey) this.#entries.set(principal, (byKey = new Map()));
    return byKey;
  }

  /** Whether an identical subscription is open or opening (synchronous: before any wait). */
  has(principal: Principal, key: string): boolean {
    return this.#entries.get(principal)?.has(key) ?? false;
  }

  /**
   * Registers the first of its kind, before it starts (synchronously, so that subscribers arriving
   * in the same burst wait for it rather than each starting their own); undefined when one is
   * open or opening already.
   */
  open(principal: Principal, key: string): Opening | undefined {
    const byKey = this.#byKey(principal);
    if (byKey.has(key)) return undefined;
    let settle!: (group: JoinableGroup | undefined) => void;
    const entry: Entry = {
      group: undefined,
      ready: new Promise((resolve) => (settle = resolve)),
    };
    byKey.set(key, entry);
    const forget = () => {
      if (byKey.get(key) === entry) byKey.delete(key);
    };
    return {
      opened(group) {
        if (entry.group || group.ended) return;
        entry.group = group;
        group.onEnd(forget);
        settle(group);
      },
      started() {
        if (entry.group) return;
        forget();
        settle(undefined);
      },
    };
  }

  /**
   * Joins the open (or opening) identical subscription, within the limits: the stream for
   * graphql-ws, or undefined to go through yoga (none open, a limit refused it, or it ended).
   */
  async join(
    principal: Principal,
    key: string,
    socket: object,
    transport: MemberTransport,
  ): Promise<{ stream: AsyncIterableIterator<ExecutionResult>; group: JoinableGroup } | undefined> {
    const entry = this.#entries.get(principal)?.get(key);
    if (!entry) return undefined;
    const group = entry.group ?? (await entry.ready);
    if (!group || group.ended) return undefined;
    // A refusal goes through yoga, which refuses it with the same error, the same way.
    const slot = await this.#counts.take(principal, socket);
    if (slot instanceof GraphQLError) return undefined;
    if (group.ended) {
      slot.release();
      return undefined;
    }
    const member = new LightMember(group, slot, transport);
    group.join(member);
    return { stream: member, group };
  }
}

/** A member of a group as graphql-ws reads it: light until a result with errors. */
class LightMember implements GroupMember, AsyncIterableIterator<ExecutionResult> {
  readonly #group: JoinableGroup;
  #slot: SubscriptionSlot | undefined;
  readonly #transport: MemberTransport;
  readonly #light: MemberStream;
  /** The long way, once taken: its source, and the iterator graphql-ws reads after the light one. */
  #inner: MemberStream | undefined;
  #longWay: Promise<AsyncIterator<ExecutionResult>> | undefined;

  constructor(group: JoinableGroup, slot: SubscriptionSlot, transport: MemberTransport) {
    this.#group = group;
    this.#slot = slot;
    this.#transport = transport;
    this.#light = new MemberStream({
      deliver: (result) => transport.deliver(costed(result)),
      // Yielded straight to graphql-ws: as the plugins would have made it (no errors here).
      shape: costed,
      onLeave: () => this.#leave(),
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  get ready(): boolean {
    return (this.#inner ?? this.#light).ready;
  }

  push(result: ExecutionResult): void {
    if (this.#inner) return this.#inner.push(result);
    if (result.errors === undefined) return this.#light.push(result);
    const inner = new MemberStream({
      deliver: (final) => this.#transport.deliver(costed(final)),
      onLeave: () => this.#leave(),
    });
    this.#inner = inner;
    inner.push(result);
    const longWay = this.#transport.longWay(inner, this.#group);
    this.#longWay = longWay;
    // What the light stream queued goes first; a reader waiting on it now reads the long way.
    this.#light.handOver(() => longWay.then((iterator) => iterator.next()));
  }

  end(error?: unknown): void {
    if (this.#inner) this.#inner.end(error);
    else this.#light.end(error);
  }

  next(): Promise<Step> {
    const longWay = this.#longWay;
    if (!longWay || this.#light.queued > 0) return this.#light.next();
    return longWay.then((iterator) => iterator.next() as Promise<Step>);
  }

  async return(): Promise<Step> {
    const longWay = this.#longWay;
    if (!longWay) return this.#light.return();
    this.#inner?.end();
    const iterator = await longWay.catch(() => undefined);
    await iterator?.return?.();
    this.#leave();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<Step> {
    await this.return();
    throw error;
  }

  #leave(): void {
    const slot = this.#slot;
    if (!slot) return;
    this.#slot = undefined;
    this.#group.leave(this);
    slot.release();
  }
}
