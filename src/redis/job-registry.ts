/**
 * The fleet's job registry (`JobRegistry`, one per kind: exports, imports): job records in one
 * Redis hash, the keys of unfinished ones in a set (the adoption pass reads only those), every
 * saved version published on a prefixed channel per job (ioredis pub/sub, one pattern subscription
 * per registry, so a subscriber on any instance hears a job polled on another),
 * and the poller claim as a lease (`SET NX PX`, renewed by its holder). An instance that dies
 * stops renewing; its lease lapses within `leaseMs` and another instance's adoption pass takes the
 * job over. A holder that finds another instance holding its lease is told through `onLost`, so
 * two pollers never keep running side by side. A holder that finds its lease gone while nobody
 * holds it (Redis restarted empty) takes it back and puts back the last version it saved, so the
 * job and its watchers carry on. The export quota is a counter per Marketo day (INCRBY, or a Lua
 * max), so instances counting at once add up exactly. Redis errors surface as
 * `RegistryUnavailableError` (transient).
 */
import { randomBytes } from 'node:crypto';
import {
  type JobRegistry,
  QUOTA_DAYS_KEPT,
  RegistryUnavailableError,
  type VersionedRecord,
} from '../bulk/job-registry.js';
import type { ExportJobRecord } from '../bulk/types.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RedisConnections } from './connections.js';
import { createOutageLog } from './outage.js';

export interface RedisJobRegistryOptions<T> {
  /** Key prefix of the registry, e.g. `<connections.prefix>exports:<marketo host>:`. */
  prefix: string;
  /** A claim whose holder stops renewing lapses after this long (ms). Default 5 000. */
  leaseMs?: number;
  /** Unfinished jobs (kept in the active index); every job by default. */
  isActive?: (job: T) => boolean;
  /** What the jobs are, for log lines (`export`, `import`). */
  kind?: string;
  logger?: Logger;
}

/** A lease value no instance owns: set when a record is restored, taken over by its owner. */
const RESTORED = 'restored';

/** Ends a stream (the registry closed). */
const END: unique symbol = Symbol('end');

/**
 * KEYS: lease, jobs, active. ARGV: owner, ttl, job key, last saved record ('' if none), '1' if
 * that record is unfinished. Extends the lease while this instance holds it; takes it back when
 * nobody does (or only a restore placeholder does), restoring a record Redis lost. 1: held, 0:
 * another instance holds it.
 */
const RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder and holder ~= '${RESTORED}' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] ~= '' and redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 1 and ARGV[5] == '1' then
  redis.call('SADD', KEYS[3], ARGV[3])
end
return 1`;

/**
 * KEYS: jobs, active, marker, lease. ARGV: job key, record, its version, '1' if unfinished, '1' to
 * restore even where the marker says Redis kept its keys, lease ttl. Puts back a record Redis lost
 * (or holds an older version of). A record missing while the marker exists was deleted on purpose
 * (-1). An unfinished job restored gets a placeholder lease for one lease time, so that no
 * adoption pass takes it before its owner (if alive) renews. 1: written, 0: Redis had as new.
 */
const RESTORE = `local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, job = pcall(cjson.decode, current)
  if ok and type(job) == 'table' and (tonumber(job.version) or 0) >= tonumber(ARGV[3]) then
    return 0
  end
elseif ARGV[5] ~= '1' and redis.call('EXISTS', KEYS[3]) == 1 then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[3], '1')
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('SET', KEYS[4], '${RESTORED}', 'PX', ARGV[6], 'NX')
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 1`;

/** KEYS: lease. ARGV: owner. Drops the lease only while this instance holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** KEYS: counter. ARGV: bytes, ttl. Raises the counter to at least `bytes`; returns it. */
const RAISE = `local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > used then
  redis.call('SET', KEYS[1], ARGV[1])
  used = tonumber(ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return used`;

/** Quota counters outlive their day by a little (real ms; a day of Marketo time is at most this). */
const QUOTA_TTL_MS = (QUOTA_DAYS_KEPT + 1) * 86_400_000;

/** Records this instance remembers (to restore a Redis that lost them), most recent last. */
const KNOWN_MAX = 10_000;

interface Known {
  text: string;
  version: number;
  active: boolean;
}

/** One subscription stream: a queue its consumer pulls, filled by the key's hub. */
interface Stream<T> {
  push(job: T | typeof END): void;
}

/** This process's watchers of one key, and the newest version handed to them. */
interface Hub<T> {
  streams: Set<Stream<T>>;
  version: number;
}

export function createRedisJobRegistry<T extends VersionedRecord = ExportJobRecord>(
  connections: RedisConnections,
  options: RedisJobRegistryOptions<T>,
): JobRegistry<T> {
  const redis = connections.command;
  const leaseMs = options.leaseMs ?? 5_000;
  const logger = options.logger ?? silentLogger;
  const isActive = options.isActive ?? (() => true);
  const kind = options.kind ?? 'export';
  const outage = createOutageLog(logger, `${kind} registry`);
  const owner = randomBytes(8).toString('hex');
  const keys = {
    jobs: `${options.prefix}jobs`,
    active: `${options.prefix}active`,
    /** Written with every record: its absence means Redis lost its keys (restarted empty). */
    marker: `${options.prefix}kept`,
    quota: (day: string) => `${options.prefix}quota:${day}`,
    lease: (key: string) => `${options.prefix}lease:${key}`,
  };
  const channelPrefix = `${options.prefix}changed:`;
  const pattern = `${channelPrefix}*`;

  /** Held claims: what to tell their runner when one is lost, and the last version saved here. */
  const held = new Map<string, { onLost: () => void; saved?: string; active?: boolean }>();
  const known = new Map<string, Known>();
  const hubs = new Map<string, Hub<T>>();
  let closed = false;

  const parse = (text: string | null | undefined): T | undefined =>
    text ? (JSON.parse(text) as T) : undefined;
  /** A fresh copy of a remembered record (callers may change what they are given). */
  const copy = (entry: Known): T => JSON.parse(entry.text) as T;
  const remember = (key: string, text: string, job: T) => {
    const mine = known.get(key);
    if (mine && mine.version > job.version) return;
    known.delete(key);
    known.set(key, { text, version: job.version, active: isActive(job) });
    if (known.size > KNOWN_MAX) known.delete(known.keys().next().value!);
  };

  /** Runs a Redis step; its failure (logged once per outage) as a registry error. */
  const guarded = async <R>(operation: string, step: () => Promise<R>): Promise<R> => {
    try {
      const value = await step();
      outage.recovered();
      return value;
    } catch (error) {
      outage.failed(operation, error);
      throw new RegistryUnavailableError(error);
    }
  };
  /** A step whose failure only needs logging (the next pass or renewal tries again). */
  const attempt = <R>(operation: string, step: () => Promise<R>): Promise<R | undefined> =>
    guarded(operation, step).catch(() => undefined);

  // ---- change events --------------------------------------------------------------------------

  /** Hands `job` to this process's watchers of `key` when it is newer than what they were given. */
  const deliver = (key: string, job: T) => {
    const hub = hubs.get(key);
    if (!hub || job.version <= hub.version) return;
    hub.version = job.version;
    for (const stream of hub.streams) stream.push(job);
  };

  // One pattern subscription per registry, made again by us after every reconnect (ioredis's own
  // resubscription is off: its promise is never handled, see connections.ts).
  const subscriber = connections.subscriber();
  let listening: Promise<void> = Promise.resolve();
  const listen = () => {
    listening = subscriber.psubscribe(pattern).then(
      () => outage.recovered(),
      (error: unknown) => outage.failed('psubscribe', error),
    );
    return listening;
  };
  const onMessage = (from: string, channel: string, message: string) => {
    if (from !== pattern) return;
    const key = channel.slice(channelPrefix.length);
    if (!hubs.has(key)) return;
    const job = parse(message);
    if (job) deliver(key, job);
  };
  subscriber.on('pmessage', onMessage);

  /**
   * After a reconnect, every watched job is read again and its current version handed out if it
   * is newer than the last one: a change published while a connection was down is not missed.
   */
  let resyncTimer: NodeJS.Timeout | undefined;
  const resync = async (): Promise<void> => {
    clearTimeout(resyncTimer);
    let failed = false;
    for (const key of [...hubs.keys()]) {
      try {
        const job = await read(key);
        if (job) deliver(key, job);
      } catch {
        failed = true;
      }
    }
    if (failed && !closed) {
      resyncTimer = setTimeout(() => void resync(), Math.max(50, leaseMs / 10));
      resyncTimer.unref();
    }
  };
  const onSubscriberReady = () => void listen().then(resync);
  subscriber.on('ready', onSubscriberReady);
  if (subscriber.status === 'ready') void listen();

  /**
   * A Redis that restarted (empty, or from an older dump) gets back every record this instance
   * knows, newer versions only, each re-published; held leases are taken back first.
   */
  let runId: string | undefined;
  const onCommandReady = () => {
    void (async () => {
      const info = await attempt('info', () => redis.info('server'));
      const id = info && /run_id:(\w+)/.exec(info)?.[1];
      const restarted = runId !== undefined && id !== undefined && id !== runId;
      if (id) runId = id;
      if (restarted) {
        logger.info(`redis restarted: restoring the ${kind} jobs this instance knows`, {
          jobs: known.size,
        });
        await renewAll();
        for (const [key, entry] of [...known]) await restore(key, entry, true).catch(() => {});
      }
      await resync();
    })();
  };
  redis.on('ready', onCommandReady);
  if (redis.status === 'ready') onCommandReady();

  // ---- records --------------------------------------------------------------------------------

  const restore = async (key: string, entry: Known, force: boolean): Promise<number> => {
    const written = Number(
      await guarded('restore', () =>
        redis.eval(
          RESTORE,
          4,
          keys.jobs,
          keys.active,
          keys.marker,
          keys.lease(key),
          key,
          entry.text,
          String(entry.version),
          entry.active ? '1' : '0',
          force ? '1' : '0',
          String(leaseMs),
        ),
      ),
    );
    if (written === 1) {
      logger.info(`${kind} job restored to redis`, { key, version: entry.version });
      await attempt('publish', () => redis.publish(`${channelPrefix}${key}`, entry.text));
    }
    return written;
  };

  /**
   * The newest version of `key` among Redis and what this instance knows. Redis lost it (or holds
   * an older one): written back. Redis away: what this instance knows, if anything.
   */
  const read = async (key: string): Promise<T | undefined> => {
    let text: string | null;
    try {
      text = await guarded('get', () => redis.hget(keys.jobs, key));
    } catch (error) {
      // Redis away (not merely slow): what this instance knows beats no answer.
      const mine = known.get(key);
      if (mine && redis.status !== 'ready') return copy(mine);
      throw error;
    }
    const mine = known.get(key);
    const job = parse(text);
    if (job && text && (!mine || job.version >= mine.version)) {
      remember(key, text, job);
      return job;
    }
    if (!mine) return undefined;
    if ((await restore(key, mine, false)) === -1) {
      known.delete(key); // deleted on purpose (retention) by another instance
      return undefined;
    }
    return copy(mine);
  };

  /** Renews one held lease (RENEW); 1 held, 0 another instance holds it. */
  const renew = (key: string, claim: { saved?: string; active?: boolean }) =>
    redis.eval(
      RENEW,
      3,
      keys.lease(key),
      keys.jobs,
      keys.active,
      owner,
      String(leaseMs),
      key,
      claim.saved ?? '',
      claim.active === false ? '0' : '1',
    );
  /** Another instance polls `key` now: this one must stop. */
  const lost = (key: string, claim: { onLost: () => void }) => {
    if (held.get(key) !== claim) return;
    held.delete(key);
    logger.warn(`${kind} poller lease lost`, { key });
    claim.onLost();
  };

  const renewAll = async (): Promise<void> => {
    for (const [key, claim] of held) {
      const renewed = await attempt('renew lease', () => renew(key, claim));
      // Redis away (undefined): nobody can take the job meanwhile; the next renewal tells.
      if (renewed === undefined || renewed === 1) continue;
      lost(key, claim);
    }
  };
  const timer = setInterval(() => void renewAll(), Math.max(10, leaseMs / 3));
  timer.unref();

  return {
    get: async (key) => {
      await listening;
      return read(key);
    },
    list: async () =>
      (await guarded('list', () => redis.hvals(keys.jobs))).map((text) => parse(text)!),
    listActive: async () => {
      const active = await guarded('list active', () => redis.smembers(keys.active));
      if (active.length === 0) return [];
      const texts = await guarded('list active', () => redis.hmget(keys.jobs, ...active));
      const jobs: T[] = [];
      const stale: string[] = [];
      texts.forEach((text, i) => {
        const job = parse(text);
        if (job && isActive(job)) jobs.push(job);
        else if (!job) stale.push(active[i]!);
      });
      // A key whose record is gone (deleted, or lost in a Redis restart) leaves the index.
      if (stale.length > 0) await attempt('list active', () => redis.srem(keys.active, ...stale));
      return jobs;
    },
    save: async (key, job) => {
      const text = JSON.stringify(job);
      const active = isActive(job);
      const multi = redis.multi().hset(keys.jobs, key, text).set(keys.marker, '1');
      if (active) multi.sadd(keys.active, key);
      else multi.srem(keys.active, key);
      await guarded('save', () => multi.exec());
      remember(key, text, job);
      const claim = held.get(key);
      if (claim) {
        claim.saved = text;
        claim.active = active;
      }
      // Watchers here hear it at once; other instances through Redis (a lost publish is made up
      // for by their resync after the reconnect).
      deliver(key, job);
      await attempt('publish', () => redis.publish(`${channelPrefix}${key}`, text));
    },
    delete: async (key) => {
      await guarded('delete', () =>
        redis.multi().hdel(keys.jobs, key).srem(keys.active, key).exec(),
      );
      known.delete(key);
    },
    subscribe: (key) => subscribeTo(key),
    claim: async (key, onLost) => {
      const taken = await guarded('claim', () =>
        redis.set(keys.lease(key), owner, 'PX', leaseMs, 'NX'),
      );
      if (taken !== 'OK') return false;
      held.set(key, { onLost: onLost ?? (() => {}) });
      return true;
    },
    holds: async (key) => {
      const claim = held.get(key);
      if (!claim) return false;
      // A renewal: a lease Redis lost (restarted empty) and nobody took is taken back, as the timer
      // would; a Redis away is an error (the caller waits), never a yes.
      if (Number(await guarded('renew lease', () => renew(key, claim))) === 1) return true;
      lost(key, claim);
      return false;
    },
    release: async (key) => {
      if (!held.delete(key)) return;
      await attempt('release lease', () => redis.eval(RELEASE, 1, keys.lease(key), owner));
    },
    getQuota: async (day) =>
      Number((await guarded('quota', () => redis.get(keys.quota(day)))) ?? 0),
    addQuota: async (day, bytes) => {
      const results = await guarded('quota', () =>
        redis.multi().incrby(keys.quota(day), bytes).pexpire(keys.quota(day), QUOTA_TTL_MS).exec(),
      );
      const [error, used] = results?.[0] ?? [new Error('transaction discarded')];
      if (error) throw new RegistryUnavailableError(error);
      return Number(used);
    },
    raiseQuota: async (day, bytes) =>
      Number(
        await guarded('quota', () =>
          redis.eval(RAISE, 1, keys.quota(day), String(bytes), QUOTA_TTL_MS),
        ),
      ),
    close: async () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(resyncTimer);
      subscriber.off('pmessage', onMessage);
      subscriber.off('ready', onSubscriberReady);
      redis.off('ready', onCommandReady);
      for (const hub of hubs.values()) for (const stream of [...hub.streams]) stream.push(END);
      const keysHeld = [...held.keys()];
      held.clear();
      await Promise.all(
        keysHeld.map((key) =>
          attempt('release lease', () => redis.eval(RELEASE, 1, keys.lease(key), owner)),
        ),
      );
    },
  };

  /** A queue-backed stream of the versions of `key` newer than any handed out before. */
  function subscribeTo(key: string): AsyncIterableIterator<T> {
    let hub = hubs.get(key);
    if (!hub) hubs.set(key, (hub = { streams: new Set(), version: -Infinity }));
    const queue: T[] = [];
    let waiting: ((step: IteratorResult<T, undefined>) => void) | undefined;
    let done = false;
    const finish = () => {
      done = true;
      queue.length = 0;
      const mine = hubs.get(key);
      if (mine && mine.streams.delete(stream) && mine.streams.size === 0) hubs.delete(key);
      const wake = waiting;
      waiting = undefined;
      wake?.({ done: true, value: undefined });
    };
    const stream: Stream<T> = {
      push(job) {
        if (done) return;
        if (job === END) return finish();
        if (waiting) {
          const wake = waiting;
          waiting = undefined;
          wake({ done: false, value: job });
        } else queue.push(job);
      },
    };
    hub.streams.add(stream);
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      next: () => {
        const job = queue.shift();
        if (job) return Promise.resolve({ done: false, value: job });
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => {
        finish();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    return iterator;
  }
}
