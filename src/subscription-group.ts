/**
 * One running shared subscription and its subscribers (shared-subscriptions.ts). The group pulls
 * its source stream itself, executes each event once and hands the result to every member in
 * turn, in one synchronous loop: no per-subscriber iteration, closure or promise per event.
 *
 * Members are streams. A transport may take a member's results directly (`direct`: graphql-ws
 * writes the frame to the socket) whenever the stream has nothing queued and its reader waits on
 * it, so nothing yielded earlier can still be on its way; otherwise the result is queued and
 * yielded in order (results with errors, a socket with a backlog).
 *
 * A group whose subscription starts with the latest event (`joinable`: the job now, then each
 * change) takes later identical subscribers as light members: a socket, an id and a stream,
 * without their own context, plugins or source. The group ends when its source does (every
 * member completes) or when its last member leaves (the source is returned).
 */
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';

type Step = IteratorResult<ExecutionResult, undefined>;
const DONE: Step = Object.freeze({ done: true, value: undefined });

/** What a member does with the results the group hands it. */
export interface GroupMember {
  /** Its reader waits for a result: what it was handed has been taken. */
  readonly ready: boolean;
  push(result: ExecutionResult): void;
  /** The source ended (`error` undefined) or failed: nothing more will be pushed. */
  end(error?: unknown): void;
}

/**
 * A subscriber's results in order, as an async iterator for its transport. `deliver` takes a
 * result directly (false: it is yielded); `shape` makes what is yielded; `onLeave` runs once when
 * the reader returns (completed by the client, socket closed).
 */
export class MemberStream implements AsyncIterableIterator<ExecutionResult>, GroupMember {
  #queue: ExecutionResult[] | undefined;
  #resolve: ((step: Step | Promise<Step>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #ended = false;
  #error: { error: unknown } | undefined;
  readonly #deliver: ((result: ExecutionResult) => boolean) | undefined;
  readonly #shape: (result: ExecutionResult) => ExecutionResult;
  #onLeave: (() => void) | undefined;
  /** Told when the reader comes back for more (a lazy group pulls its source then). */
  onReady: (() => void) | undefined;

  constructor(options: {
    deliver?: (result: ExecutionResult) => boolean;
    shape?: (result: ExecutionResult) => ExecutionResult;
    onLeave?: () => void;
  }) {
    this.#deliver = options.deliver;
    this.#shape = options.shape ?? ((result) => result);
    this.#onLeave = options.onLeave;
  }

  get ready(): boolean {
    return this.#resolve !== undefined || this.#ended;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  push(result: ExecutionResult): void {
    if (this.#ended) return;
    const resolve = this.#resolve;
    if (resolve && result.errors === undefined && this.#deliver?.(result)) return;
    const value = this.#shape(result);
    if (resolve) {
      this.#resolve = this.#reject = undefined;
      resolve({ done: false, value });
    } else (this.#queue ??= []).push(value);
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#error = { error };
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (!resolve || !reject) return;
    this.#resolve = this.#reject = undefined;
    // Waiting: nothing is queued.
    if (this.#error) reject(this.#error.error);
    else resolve(DONE);
    this.#error = undefined;
  }

  /** Results queued, not yet read. */
  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /**
   * Takes no more results (another stream does from now on); a reader waiting now gets `next`'s
   * step instead. Whatever is queued is still read from this one.
   */
  handOver(next: () => Promise<Step>): void {
    this.#ended = true;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    if (resolve) resolve(next());
  }

  next(): Promise<Step> {
    const value = this.#queue?.shift();
    if (value !== undefined) return Promise.resolve({ done: false, value });
    if (this.#ended) {
      const failed = this.#error;
      this.#error = undefined;
      return failed ? Promise.reject(failed.error) : Promise.resolve(DONE);
    }
    const waiting = new Promise<Step>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.onReady?.();
    return waiting;
  }

  return(): Promise<Step> {
    this.#close();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<Step> {
    this.#close();
    return Promise.reject(error);
  }

  #close(): void {
    this.#ended = true;
    this.#queue = undefined;
    this.#error = undefined;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(DONE);
    this.onReady?.();
    const leave = this.#onLeave;
    this.#onLeave = undefined;
    leave?.();
  }
}

/** What a light member needs of the group to be started by its transport. */
export interface JoinableGroup {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly ended: boolean;
  onEnd(listener: () => void): void;
  join(member: GroupMember): void;
  leave(member: GroupMember): void;
}

export class SubscriptionGroup implements JoinableGroup {
  readonly #events: AsyncIterator<unknown>;
  readonly #run: (event: unknown) => ExecutionResult | Promise<ExecutionResult>;
  readonly #members = new Set<GroupMember>();
  #latest: ExecutionResult | undefined;
  #ended = false;
  #pumping = false;
  readonly #onEnd: Array<() => void> = [];
  /**
   * Eager: the source is pulled as soon as an event was handed out (a job's versions, which
   * every member queues). Lazy: only once every member took the last one, as a subscriber's own
   * stream would be (a feed acknowledges an event when the next is asked for).
   */
  readonly #eager: boolean;
  #wake: (() => void) | undefined;

  constructor(
    readonly schema: GraphQLSchema,
    readonly document: DocumentNode,
    events: AsyncIterator<unknown>,
    run: (event: unknown) => ExecutionResult | Promise<ExecutionResult>,
    options: { eager?: boolean } = {},
  ) {
    this.#events = events;
    this.#run = run;
    this.#eager = options.eager ?? false;
  }

  /** A member's reader came back: a lazy group's pump goes on once all have. */
  memberReady(): void {
    const wake = this.#wake;
    if (wake && this.#allReady()) {
      this.#wake = undefined;
      wake();
    }
  }

  #allReady(): boolean {
    for (const member of this.#members) if (!member.ready) return false;
    return true;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Runs `listener` once the group has ended (no member may join it then). */
  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else this.#onEnd.push(listener);
  }

  /** A member from now on; it gets the latest result first, as a new subscription would. */
  join(member: GroupMember): void {
    if (this.#ended) return member.end();
    this.#members.add(member);
    if (this.#latest) member.push(this.#latest);
    if (!this.#pumping) {
      this.#pumping = true;
      void this.#pump();
    }
  }

  leave(member: GroupMember): void {
    if (!this.#members.delete(member)) return;
    if (this.#members.size > 0 || this.#ended) return this.memberReady();
    this.#finish();
    void this.#events.return?.().catch(() => undefined);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        if (!this.#eager && !this.#allReady()) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          if (this.#ended) break;
        }
        const step = await this.#events.next();
        if (step.done || this.#ended) break;
        const pending = this.#run(step.value);
        const result = pending instanceof Promise ? await pending : pending;
        if (this.#ended) break;
        this.#latest = result;
        for (const member of this.#members) member.push(result);
      }
      this.#finish();
    } catch (error) {
      this.#finish(error);
    }
  }

  #finish(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake?.();
    this.#wake = undefined;
    this.#latest = undefined;
    for (const listener of this.#onEnd.splice(0)) listener();
    const members = [...this.#members];
    this.#members.clear();
    for (const member of members) member.end(error);
  }
}
