/**
 * Where bulk jobs (exports and imports) live and how their changes travel. The managers talk only
 * to this interface, so a Redis implementation (shared registry, fleet-wide pub/sub, poller
 * leases) can replace the in-memory one without touching the lifecycle code. Records carry a
 * `version` (watchers skip what they already have); `isActive` tells unfinished jobs apart, so the
 * adoption pass reads only those (`listActive`).
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { GatewayError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ExportJobRecord } from './types.js';

/** What every job record has: a version raised by each saved change. */
export interface VersionedRecord {
  version: number;
}

/**
 * A shared registry that cannot be reached right now (Redis away). Transient: runners wait and
 * retry instead of failing the job; clients get the code.
 */
export class RegistryUnavailableError extends GatewayError {
  constructor(cause?: unknown) {
    super('REGISTRY_UNAVAILABLE', 'The shared job registry is unavailable; try again shortly', {
      cause,
    });
    this.name = 'RegistryUnavailableError';
  }
}

export interface JobRegistry<T extends VersionedRecord = ExportJobRecord> {
  get(key: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  /** Unfinished jobs only (an index kept by `save`): what an adoption pass looks at. */
  listActive(): Promise<T[]>;
  /** Stores a new version of the job and publishes it to every subscriber of `key`. */
  save(key: string, job: T): Promise<void>;
  /** Forgets a job (retention). */
  delete(key: string): Promise<void>;
  /** Every version saved from now on; ends when the caller stops iterating. */
  subscribe(key: string): AsyncIterableIterator<T>;
  /**
   * Makes the caller the one poller of `key`; false while another holds it. A shared registry
   * calls `onLost` if the claim lapses while held (the caller must then stop polling).
   */
  claim(key: string, onLost?: () => void): Promise<boolean>;
  release(key: string): Promise<void>;
  /**
   * Whether this instance still holds its claim of `key`, asked of the shared store right before an
   * act two owners must never both do (creating a Marketo job). False tells `onLost` too. Optional:
   * a registry of one process (the in-memory one) cannot lose a claim to another instance.
   */
  holds?(key: string): Promise<boolean>;
  /**
   * Marketo's daily export volume counted so far for `day` (`YYYY-MM-DD`, US Central). Each
   * change below is one atomic step, so instances counting at once never lose one another's bytes.
   */
  getQuota(day: string): Promise<number>;
  /** Adds `bytes` to the day's count; resolves with the new count. */
  addQuota(day: string, bytes: number): Promise<number>;
  /** Raises the day's count to at least `bytes` (never lowers it); resolves with the new count. */
  raiseQuota(day: string, bytes: number): Promise<number>;
  /**
   * Resolves once every change saved so far is on durable storage (rejects when it cannot be
   * written). Optional: a registry whose `save` is durable when it resolves (Redis) has none.
   * Used to record an intent ("submitting part 3") before acting on it.
   */
  flush?(): Promise<void>;
  /** Writes anything pending and stops (a write that fails is logged, not thrown). */
  close(): Promise<void>;
}

/** Days of quota counts kept (today's, and yesterday's for a clock a little behind). */
export const QUOTA_DAYS_KEPT = 2;

/** Hundreds of watchers on one job are expected: no MaxListeners warning for them. */
function unlimitedEventTarget(): PubSubEventTarget<Topics> {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target as PubSubEventTarget<Topics>;
}

/** Records travel as any versioned record; `subscribe` gives them back as the registry's type. */
type Topics = { 'job:changed': [key: string, job: VersionedRecord] };

interface Snapshot<T> {
  version: 1;
  jobs: Array<[string, T]>;
  /** Bytes counted per quota day. */
  quotas?: Record<string, number>;
  /** The single day of earlier files. */
  quota?: { day: string; usedBytes: number };
}

export interface MemoryJobRegistryOptions<T> {
  /** JSON file the registry is persisted to (jobs survive a restart); none = memory only. */
  file?: string;
  /** Debounce of writes to `file`, ms. */
  persistDelayMs?: number;
  /** Inject a pub/sub (e.g. one built on a Redis event target); in-process by default. */
  pubSub?: PubSub<Topics>;
  /** Unfinished jobs (listed by `listActive`); every job by default. */
  isActive?: (job: T) => boolean;
  /** Where a failed write of `file` is logged (once per failure episode) without `onWrite`. */
  logger?: Logger;
  /** Told about every failed and every successful write of `file` (readiness). */
  onWrite?: (error: unknown | undefined) => void;
}

/** One process: a Map, yoga's pub/sub and an optional JSON file written atomically. */
export async function createMemoryJobRegistry<T extends VersionedRecord = ExportJobRecord>(
  options: MemoryJobRegistryOptions<T> = {},
): Promise<JobRegistry<T>> {
  const jobs = new Map<string, T>();
  const claimed = new Set<string>();
  const pubSub = options.pubSub ?? createPubSub<Topics>({ eventTarget: unlimitedEventTarget() });
  const isActive = options.isActive ?? (() => true);
  const quotas = new Map<string, number>();
  const file = options.file;

  if (file) {
    try {
      const snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot<T>;
      for (const [key, job] of snapshot.jobs) jobs.set(key, job);
      for (const [day, bytes] of Object.entries(snapshot.quotas ?? {})) quotas.set(day, bytes);
      if (snapshot.quota) quotas.set(snapshot.quota.day, snapshot.quota.usedBytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  /** The last write; never rejects, so a failed write never stops the later ones. */
  let writing: Promise<void> = Promise.resolve();
  /** The last write's outcome, for `flush`. */
  let lastWrite: Promise<void> = Promise.resolve();
  let dirty = false;
  let failing = false;
  const logger = options.logger ?? silentLogger;
  const write = async (path: string, text: string): Promise<void> => {
    const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, text);
      await rename(tmp, path);
    } catch (error) {
      // Tried again with the next change (or at close): the latest snapshot is what counts.
      dirty = true;
      await rm(tmp, { force: true }).catch(() => undefined);
      // Logged here once per failure episode, unless `onWrite` reports it (readiness logs it).
      if (!failing && !options.onWrite) {
        logger.error('job registry could not be saved', { file: path, error });
      }
      failing = true;
      options.onWrite?.(error);
      throw error;
    }
    if (failing && !options.onWrite) logger.info('job registry saved again', { file: path });
    failing = false;
    options.onWrite?.(undefined);
  };
  const persistNow = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (!file || !dirty) return lastWrite;
    dirty = false;
    const snapshot: Snapshot<T> = {
      version: 1,
      jobs: [...jobs],
      ...(quotas.size > 0 && { quotas: Object.fromEntries(quotas) }),
    };
    const text = JSON.stringify(snapshot);
    lastWrite = writing.then(() => write(file, text));
    writing = lastWrite.catch(() => undefined);
    return lastWrite;
  };
  const schedule = () => {
    dirty = true;
    if (!file || timer) return;
    timer = setTimeout(() => {
      // A failure was logged (once per episode) by `write`.
      persistNow().catch(() => undefined);
    }, options.persistDelayMs ?? 50);
    timer.unref();
  };
  const setQuota = (day: string, bytes: number): number => {
    quotas.set(day, bytes);
    // Only the latest days matter; older counts would only grow the file.
    const days = [...quotas.keys()].sort();
    for (const old of days.slice(0, -QUOTA_DAYS_KEPT)) quotas.delete(old);
    schedule();
    return bytes;
  };

  return {
    get: async (key) => jobs.get(key),
    list: async () => [...jobs.values()],
    listActive: async () => [...jobs.values()].filter(isActive),
    save: async (key, job) => {
      jobs.set(key, job);
      pubSub.publish('job:changed', key, job);
      schedule();
    },
    delete: async (key) => {
      if (jobs.delete(key)) schedule();
    },
    subscribe: (key) => pubSub.subscribe('job:changed', key) as AsyncIterableIterator<T>,
    claim: async (key) => {
      if (claimed.has(key)) return false;
      claimed.add(key);
      return true;
    },
    release: async (key) => {
      claimed.delete(key);
    },
    getQuota: async (day) => quotas.get(day) ?? 0,
    addQuota: async (day, bytes) => setQuota(day, (quotas.get(day) ?? 0) + bytes),
    raiseQuota: async (day, bytes) => setQuota(day, Math.max(quotas.get(day) ?? 0, bytes)),
    flush: () => persistNow(),
    close: async () => {
      // A write that fails here was logged; the jobs' last state is lost only if it keeps failing.
      await persistNow().catch(() => undefined);
    },
  };
}

/** What a fan-out hands each local watcher of a key. */
export interface FanOutListener<T> {
  change(job: T): void;
  /** The registry's stream failed (a shared registry away): no more changes come. */
  fail(error: unknown): void;
}

export interface FanOut<T> {
  /**
   * Hears every change of `key` saved from now on (listening starts before this returns, so a
   * watcher may read the current version afterwards and miss nothing). Returns the unlisten.
   */
  listen(key: string, listener: FanOutListener<T>): () => void;
}

/**
 * One registry subscription per key however many watchers this process has, each watcher a
 * plain callback: a change reaches thousands of subscribers in one loop, without a Repeater,
 * event listener and promise chain of its own per subscriber.
 */
export function createFanOut<T extends VersionedRecord>(
  registry: Pick<JobRegistry<T>, 'subscribe'>,
): FanOut<T> {
  interface Hub {
    listeners: Set<FanOutListener<T>>;
    source: AsyncIterableIterator<T>;
  }
  const hubs = new Map<string, Hub>();
  const close = (key: string, hub: Hub) => {
    if (hubs.get(key) === hub) hubs.delete(key);
  };
  const open = (key: string): Hub => {
    const hub: Hub = { listeners: new Set(), source: registry.subscribe(key) };
    const pull = (): void => {
      hub.source.next().then(
        (result) => {
          if (result.done) return close(key, hub);
          for (const listener of hub.listeners) listener.change(result.value);
          if (hub.listeners.size > 0) pull();
        },
        (error: unknown) => {
          close(key, hub);
          for (const listener of hub.listeners) listener.fail(error);
        },
      );
    };
    pull(); // the first `next` starts the subscription
    hubs.set(key, hub);
    return hub;
  };
  return {
    listen(key, listener) {
      const hub = hubs.get(key) ?? open(key);
      hub.listeners.add(listener);
      return () => {
        if (!hub.listeners.delete(listener) || hub.listeners.size > 0) return;
        // The last watcher left: the registry subscription ends (its pending `next` resolves).
        close(key, hub);
        hub.source.return?.().catch(() => {});
      };
    },
  };
}
