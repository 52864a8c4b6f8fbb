/**
 * Where export jobs live and how their changes travel. The manager talks only to this interface,
 * so a Redis implementation (shared registry, fleet-wide pub/sub, poller leases) can replace the
 * in-memory one without touching the lifecycle code.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { GatewayError } from '../errors.js';
import type { ExportJobRecord } from './types.js';

/** Bytes of export files Marketo produced today (its day, US Central). */
export interface QuotaState {
  /** `YYYY-MM-DD` in America/Chicago. */
  day: string;
  usedBytes: number;
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

export interface JobRegistry {
  get(key: string): Promise<ExportJobRecord | undefined>;
  list(): Promise<ExportJobRecord[]>;
  /** Stores a new version of the job and publishes it to every subscriber of `key`. */
  save(key: string, job: ExportJobRecord): Promise<void>;
  /** Forgets a job (retention). */
  delete(key: string): Promise<void>;
  /** Every version saved from now on; ends when the caller stops iterating. */
  subscribe(key: string): AsyncIterableIterator<ExportJobRecord>;
  /**
   * Makes the caller the one poller of `key`; false while another holds it. A shared registry
   * calls `onLost` if the claim lapses while held (the caller must then stop polling).
   */
  claim(key: string, onLost?: () => void): Promise<boolean>;
  release(key: string): Promise<void>;
  getQuota(): Promise<QuotaState | undefined>;
  saveQuota(quota: QuotaState): Promise<void>;
  /** Writes anything pending and stops. */
  close(): Promise<void>;
}

/** Hundreds of watchers on one job are expected: no MaxListeners warning for them. */
function unlimitedEventTarget(): PubSubEventTarget<Topics> {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target as PubSubEventTarget<Topics>;
}

type Topics = { 'exportJob:changed': [key: string, job: ExportJobRecord] };

interface Snapshot {
  version: 1;
  jobs: Array<[string, ExportJobRecord]>;
  quota?: QuotaState;
}

export interface MemoryJobRegistryOptions {
  /** JSON file the registry is persisted to (jobs survive a restart); none = memory only. */
  file?: string;
  /** Debounce of writes to `file`, ms. */
  persistDelayMs?: number;
  /** Inject a pub/sub (e.g. one built on a Redis event target); in-process by default. */
  pubSub?: PubSub<Topics>;
}

/** One process: a Map, yoga's pub/sub and an optional JSON file written atomically. */
export async function createMemoryJobRegistry(
  options: MemoryJobRegistryOptions = {},
): Promise<JobRegistry> {
  const jobs = new Map<string, ExportJobRecord>();
  const claimed = new Set<string>();
  const pubSub = options.pubSub ?? createPubSub<Topics>({ eventTarget: unlimitedEventTarget() });
  let quota: QuotaState | undefined;
  const file = options.file;

  if (file) {
    try {
      const snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
      for (const [key, job] of snapshot.jobs) jobs.set(key, job);
      quota = snapshot.quota;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  const persistNow = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (!file || !dirty) return writing;
    dirty = false;
    const snapshot: Snapshot = { version: 1, jobs: [...jobs], ...(quota && { quota }) };
    const text = JSON.stringify(snapshot);
    writing = writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    });
    return writing;
  };
  const schedule = () => {
    dirty = true;
    if (!file || timer) return;
    timer = setTimeout(() => {
      persistNow().catch(() => {});
    }, options.persistDelayMs ?? 50);
    timer.unref();
  };

  return {
    get: async (key) => jobs.get(key),
    list: async () => [...jobs.values()],
    save: async (key, job) => {
      jobs.set(key, job);
      pubSub.publish('exportJob:changed', key, job);
      schedule();
    },
    delete: async (key) => {
      if (jobs.delete(key)) schedule();
    },
    subscribe: (key) => pubSub.subscribe('exportJob:changed', key),
    claim: async (key) => {
      if (claimed.has(key)) return false;
      claimed.add(key);
      return true;
    },
    release: async (key) => {
      claimed.delete(key);
    },
    getQuota: async () => quota,
    saveQuota: async (next) => {
      quota = next;
      schedule();
    },
    close: async () => {
      await persistNow();
    },
  };
}
