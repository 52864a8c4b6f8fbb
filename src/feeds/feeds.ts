/**
 * Change feeds: subscriptions that tail Marketo's activities (`leadChanged`, `activityAdded`).
 *
 * One poller per distinct feed (spec) however many subscribers and instances: the feed is a job of
 * the job engine (`feed:<spec key>`), polled by the instance holding the registry's claim; every
 * page it reads is saved into the feed's record, which the registry hands to every watcher, here
 * and on other instances (the registry's pub/sub, as for export jobs). Each page has a sequence
 * number, so a watcher that missed one (a pub/sub message lost while Redis was away, a poller that
 * restarted from "now") notices the gap.
 *
 * A subscriber that starts from a position (`since`, `fromCursor`, or a named feed's stored
 * position) or that noticed a gap reads Marketo itself from its last position up to the end, then
 * carries on with the shared pages. A high-water mark (`order.ts`) drops what it has already been
 * handed, so the two sources never deliver an event twice.
 *
 * Named feeds (`feed: "crm-sync"`) store their position (`feed-pos:<name>`, in the same registry:
 * Redis with REDIS_URL, a JSON file in the data directory otherwise). It moves only when an event
 * is acknowledged — see `FeedAck`.
 */
import { setMaxListeners } from 'node:events';
import {
  createMemoryJobRegistry,
  type JobRegistry,
  RegistryUnavailableError,
} from '../bulk/job-registry.js';
import { GatewayError, InputError, NotFoundError } from '../errors.js';
import { Aborted, JobEngine, type JobRecord, type Runner } from '../jobs/engine.js';
import { type Logger, silentLogger } from '../logger.js';
import { atToken, decodeCursor, encodeCursor, type FeedCursor, resumeIndex } from './cursor.js';
import { HighWaterMark } from './order.js';
import type { FeedPacer } from './pacer.js';
import { type FeedItem, type FeedReader, type FeedSpec, normaliseSpec, specKey } from './spec.js';

/** When a named feed's position moves. */
export type FeedAck =
  /** Only when the consumer acknowledges an event's cursor (`acknowledgeFeed`). */
  | 'EXPLICIT'
  /** When the consumer asks for the next event (the transport took the previous one). */
  | 'ON_NEXT';

/** One event handed to subscribers: the Marketo record and the position right after it. */
export interface FeedEvent {
  cursor: string;
  item: FeedItem;
}

/** A page the poller read, as saved in the feed's record. */
export interface FeedPageRecord {
  seq: number;
  /** The token the page was read from (cursors of its events point into it). */
  token: string;
  items: FeedItem[];
}

export interface FeedRecord extends JobRecord {
  type: 'feed';
  key: string;
  spec: FeedSpec;
  /** Where the poller reads next; none until its first page. */
  head?: string;
  /**
   * When a poller last read at `head` (ISO): a quiet feed's head stays the same, and a restart
   * resumes from it while this is recent. Records saved before it existed use `updatedAt`.
   */
  headAt?: string;
  /** Sequence number of the last page saved (0: none yet). */
  seq: number;
  page?: FeedPageRecord;
}

export interface FeedPositionRecord extends JobRecord {
  type: 'position';
  name: string;
  /** The spec key the name was first used with (a name follows one feed). */
  key: string;
  /** The acknowledged position (the first event not acknowledged comes right after it). */
  cursor: string;
}

/** What the feeds keep in their registry. */
export type FeedStoredRecord = FeedRecord | FeedPositionRecord;
type StoredRecord = FeedStoredRecord;

export interface FeedManagerOptions {
  /** The reads of a feed, bound to its spec (the Marketo client's activity calls). */
  reader: (spec: FeedSpec) => FeedReader;
  pacer: FeedPacer;
  /** Wait between polls once a feed is at its end (real ms). */
  pollIntervalMs: number;
  /** A shared registry (Redis); a memory one persisted to `file` otherwise. */
  registry?: JobRegistry<StoredRecord>;
  /** Where named feeds' positions are kept without a shared registry. */
  file?: string;
  /** How often feeds nobody polls are looked for (real ms). */
  adoptIntervalMs?: number;
  /** A feed whose record is older than this restarts from "now" (its watchers catch up). */
  resumeWindowMs?: number;
  /** Marketo's time now (epoch ms): the embedded sandbox's compressed clock; the wall clock otherwise. */
  now?: () => number;
  /** How long an acknowledgement waits for a registry that is away (real ms). */
  ackTimeoutMs?: number;
  logger?: Logger;
}

export interface SubscribeOptions {
  spec: FeedSpec;
  since?: Date;
  fromCursor?: string;
  /** A named feed (its position stored). */
  feed?: string;
  ack?: FeedAck;
  signal?: AbortSignal;
}

const feedKey = (key: string) => `feed:${key}`;
const positionKey = (name: string) => `feed-pos:${name}`;
const FEED_NAME = /^[\w.:-]{1,100}$/;

export class FeedSpecMismatchError extends GatewayError {
  constructor(name: string) {
    super(
      'FEED_SPEC_MISMATCH',
      `Feed "${name}" follows other arguments; use a new name for a different feed`,
      { extensions: { feed: name } },
    );
    this.name = 'FeedSpecMismatchError';
  }
}

export class FeedManager {
  private readonly engine: JobEngine<StoredRecord>;
  private readonly logger: Logger;
  /** Local subscribers per feed key: the poller runs here only while there are some. */
  private readonly subscribers = new Map<string, number>();
  /** The events of a saved page, built once for every subscriber (shared results). */
  private readonly pageEvents = new WeakMap<FeedPageRecord, FeedEvent[]>();
  private readonly resumeWindowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FeedManagerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'feeds' });
    this.resumeWindowMs = options.resumeWindowMs ?? Math.max(60_000, options.pollIntervalMs * 20);
    this.now = options.now ?? Date.now;
    const injected = options.registry;
    const isActive = (record: StoredRecord) => record.type === 'feed';
    this.engine = new JobEngine<StoredRecord>({
      kind: {
        name: 'feed',
        keyOf: (record) =>
          record.type === 'feed' ? feedKey(record.key) : positionKey(record.name),
        isTerminal: () => false,
        settle: () => {},
        describe: (record) =>
          record.type === 'feed' ? { feed: record.key } : { feedName: record.name },
      },
      openRegistry: async () =>
        injected ??
        createMemoryJobRegistry<StoredRecord>({
          ...(options.file !== undefined && { file: options.file }),
          isActive,
          logger: this.logger,
        }),
      logger: this.logger,
      retryMs: Math.max(10, Math.min(1_000, options.pollIntervalMs)),
      retentionMs: Number.POSITIVE_INFINITY,
      removeFiles: async () => {},
      adopt: (record) => {
        if (record.type === 'feed' && (this.subscribers.get(record.key) ?? 0) > 0) {
          this.follow(record.key);
        }
      },
      adoptIntervalMs: options.adoptIntervalMs ?? Math.max(50, options.pollIntervalMs),
    });
  }

  start(): Promise<unknown> {
    return this.engine.start();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /** The spec a GraphQL field was asked for, checked and normalised. */
  static spec(spec: FeedSpec): FeedSpec {
    return normaliseSpec(spec);
  }

  // ---------------------------------------------------------------- named positions

  /** A named feed's stored position (undefined: never used). */
  async position(name: string): Promise<FeedPositionRecord | undefined> {
    const record = await this.engine.get(positionKey(name));
    return record?.type === 'position' ? record : undefined;
  }

  /**
   * Moves a named feed's position to `cursor` (the consumer has the event it follows). Waits for a
   * registry that is away (up to `ackTimeoutMs`); on disk, resolves once the file is written.
   */
  async acknowledge(name: string, cursor: string): Promise<FeedPositionRecord> {
    decodeCursor(cursor);
    const key = positionKey(name);
    const signal = AbortSignal.timeout(this.options.ackTimeoutMs ?? 30_000);
    const saved = await this.engine.update(
      key,
      (record) => {
        if (record.type === 'position') record.cursor = cursor;
      },
      signal,
    );
    if (saved?.type !== 'position') throw new NotFoundError('Feed', name);
    await this.durable(signal);
    return saved;
  }

  /** A new named feed's record at `cursor` (an existing one is kept: first writer wins). */
  private async createPosition(name: string, key: string, cursor: string, signal: AbortSignal) {
    const now = new Date().toISOString();
    const record: FeedPositionRecord = {
      type: 'position',
      name,
      key,
      cursor,
      version: 1,
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
    };
    const saved = await this.engine.retrying(signal, () => this.engine.saveNew(record));
    await this.durable(signal);
    return saved;
  }

  /** On disk: resolves once what was saved is written (Redis saves are durable when they resolve). */
  private async durable(signal: AbortSignal): Promise<void> {
    const registry = await this.engine.registry();
    if (registry.flush) await this.engine.retrying(signal, () => registry.flush!());
  }

  // ---------------------------------------------------------------- subscribing

  /**
   * Every event of the feed from the asked position (none: from now), in order, each once. Ends
   * when the caller stops iterating or `signal` aborts.
   */
  async *subscribe(options: SubscribeOptions): AsyncGenerator<FeedEvent, void, undefined> {
    const spec = normaliseSpec(options.spec);
    const key = specKey(spec);
    const reader = this.options.reader(spec);
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const onAbort = () => abort.abort(new Aborted('unsubscribed'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = abort.signal;
    const ack = options.ack ?? 'EXPLICIT';
    const name = options.feed;
    if (name !== undefined && !FEED_NAME.test(name)) {
      throw new InputError('feed', 'a feed name is 1 to 100 letters, digits, _ . : or -');
    }
    if (options.since && options.fromCursor) {
      throw new InputError('since', 'give since or fromCursor, not both');
    }
    const asked = options.fromCursor === undefined ? undefined : decodeCursor(options.fromCursor);

    this.subscribers.set(key, (this.subscribers.get(key) ?? 0) + 1);
    let live: AsyncIterableIterator<StoredRecord> | undefined;
    try {
      // Watching starts before anything is read: no page the poller saves from now on is missed.
      const current = await this.ensureFeed(key, spec, signal);
      live = await this.engine.watch(feedKey(key), current);
      const first = (await live.next()).value as FeedRecord | undefined;
      let seq = first?.seq ?? 0;
      this.follow(key);

      // Where this subscriber starts: its named feed's position, else what it asked for.
      let position: FeedCursor | undefined = asked;
      let since = options.since;
      if (name !== undefined) {
        const stored = await this.engine.retrying(signal, () => this.position(name));
        if (stored && stored.key !== key) throw new FeedSpecMismatchError(name);
        if (stored) {
          position = decodeCursor(stored.cursor);
          since = undefined;
        } else {
          position ??= atToken(
            await this.read(signal, () => reader.pagingToken(since ?? new Date(this.now()))),
          );
          since = undefined;
          await this.createPosition(name, key, encodeCursor(position), signal);
        }
      }
      const mark = new HighWaterMark();
      const startedAt = new Date(this.now());
      /** The position after the last event handed out (where a catch-up resumes). */
      let last: string | undefined;
      /** Called after the consumer took an event and asks for the next one. */
      const delivered = async (cursor: string) => {
        last = cursor;
        if (name !== undefined && ack === 'ON_NEXT') await this.acknowledge(name, cursor);
      };

      if (since) position = atToken(await this.read(signal, () => reader.pagingToken(since)));
      if (position) {
        last = encodeCursor(position);
        for await (const event of this.catchUp(reader, position, mark, signal)) {
          yield event;
          await delivered(event.cursor);
        }
      } else if (first?.page) {
        // Live only: what the poller already published is history to this subscriber.
        for (const item of first.page.items) mark.accept(item);
      }

      for (;;) {
        const step = await live.next();
        if (step.done || signal.aborted) return;
        const record = step.value;
        if (record.type !== 'feed' || record.seq === seq || !record.page) {
          seq = Math.max(seq, record.type === 'feed' ? record.seq : seq);
          continue;
        }
        if (record.page.seq > seq + 1) {
          // A page went by unseen (lost message, restarted poller): read from our own position.
          const from =
            last === undefined
              ? atToken(await this.read(signal, () => reader.pagingToken(startedAt)))
              : decodeCursor(last);
          for await (const event of this.catchUp(reader, from, mark, signal)) {
            yield event;
            await delivered(event.cursor);
          }
        }
        seq = record.page.seq;
        for (const event of this.eventsOf(record.page)) {
          if (!mark.accept(event.item)) continue;
          yield event;
          await delivered(event.cursor);
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      abort.abort(new Aborted('unsubscribed'));
      await live?.return?.();
      const left = (this.subscribers.get(key) ?? 1) - 1;
      if (left > 0) this.subscribers.set(key, left);
      else this.subscribers.delete(key);
    }
  }

  /** Pages from `from` to the end of the feed (Marketo's `moreResult` false), read by this caller. */
  private async *catchUp(
    reader: FeedReader,
    from: FeedCursor,
    mark: HighWaterMark,
    signal: AbortSignal,
  ): AsyncGenerator<FeedEvent> {
    let cursor: FeedCursor = from;
    for (;;) {
      const token = cursor.t;
      const page = await this.read(signal, () => reader.page(token));
      const start = resumeIndex(cursor, page.items);
      for (let n = start; n < page.items.length; n++) {
        const item = page.items[n]!;
        if (!mark.accept(item)) continue;
        yield { cursor: encodeCursor({ t: token, n, i: item.id }), item };
      }
      cursor = atToken(page.nextPageToken);
      if (!page.moreResult) return;
    }
  }

  private eventsOf(page: FeedPageRecord): FeedEvent[] {
    let events = this.pageEvents.get(page);
    if (!events) {
      events = page.items.map((item, n) => ({
        cursor: encodeCursor({ t: page.token, n, i: item.id }),
        item,
      }));
      this.pageEvents.set(page, events);
    }
    return events;
  }

  /** One Marketo read within the feeds' share of the budget. */
  private async read<R>(signal: AbortSignal, call: () => Promise<R>): Promise<R> {
    await this.options.pacer.take(signal);
    if (signal.aborted) throw new Aborted('aborted');
    return call();
  }

  /** The feed's record, created (version 1, no page yet) when new. */
  private async ensureFeed(key: string, spec: FeedSpec, signal: AbortSignal): Promise<FeedRecord> {
    const existing = await this.engine.retrying(signal, () => this.engine.get(feedKey(key)));
    if (existing?.type === 'feed') return existing;
    const now = new Date().toISOString();
    const record: FeedRecord = {
      type: 'feed',
      key,
      spec,
      seq: 0,
      version: 1,
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
    };
    const saved = await this.engine.retrying(signal, () => this.engine.saveNew(record));
    if (saved.type !== 'feed') throw new Error(`feed key ${key} holds a position`);
    return saved;
  }

  // ---------------------------------------------------------------- polling

  /** Runs the feed's poller here if no instance does (the registry's claim decides). */
  private follow(key: string): void {
    if (this.engine.running(feedKey(key))) return;
    this.engine.follow(feedKey(key), (runner) => this.poll(key, runner));
  }

  private async poll(key: string, runner: Runner): Promise<void> {
    const { signal } = runner;
    const record = await this.engine.read(runner.key, signal);
    if (record?.type !== 'feed') return;
    const reader = this.options.reader(record.spec);
    const stale = Date.now() - Date.parse(record.headAt ?? record.updatedAt) > this.resumeWindowMs;
    let token = stale ? undefined : record.head;
    // Restarting from now skips a page number: watchers read what they missed themselves.
    let skip = record.head !== undefined && token === undefined ? 1 : 0;
    let savedAt = 0;
    this.logger.info('feed poller started', { feed: key, resumed: token !== undefined });
    while (!signal.aborted && (this.subscribers.get(key) ?? 0) > 0) {
      try {
        if (token === undefined) {
          // From now: pages already in Marketo are history (a clock behind Marketo's would
          // otherwise publish them as new); subscribers with a position read those themselves.
          let at = await this.read(signal, () => reader.pagingToken(new Date(this.now())));
          for (;;) {
            const from = at;
            const page = await this.read(signal, () => reader.page(from));
            at = page.nextPageToken;
            if (!page.moreResult) break;
          }
          token = at;
        }
        const from = token;
        const page = await this.read(signal, () => reader.page(from));
        const head = page.nextPageToken;
        if (page.items.length > 0 || skip > 0 || Date.now() - savedAt > this.resumeWindowMs / 4) {
          const withPage = page.items.length > 0;
          const gap = skip;
          await this.engine.update(
            runner.key,
            (r) => {
              if (r.type !== 'feed') return;
              r.head = head;
              // A change even when the head is not: the heartbeat a restart resumes by.
              r.headAt = new Date().toISOString();
              if (withPage || gap > 0) {
                r.seq += 1 + gap;
                r.page = { seq: r.seq, token: from, items: page.items };
              }
            },
            signal,
          );
          skip = 0;
          savedAt = Date.now();
        }
        token = head;
        if (!page.moreResult) await runner.alarm.sleep(this.options.pollIntervalMs);
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof RegistryUnavailableError)) {
          this.logger.warn('feed poll failed', { feed: key, error });
        }
        await runner.alarm.sleep(this.options.pollIntervalMs);
      }
    }
  }
}
