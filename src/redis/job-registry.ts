/**
 * The fleet's job registry (`JobRegistry`, one per kind: exports, imports): job records in one
 * Redis hash, the keys of unfinished ones in a set (the adoption pass reads only those), every
 * saved version published on a prefixed channel per job (yoga pub/sub on
 * @graphql-yoga/redis-event-target, so a subscriber on any instance hears a job polled on another),
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
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import {
  type JobRegistry,
  QUOTA_DAYS_KEPT,
  RegistryUnavailableError,
  type VersionedRecord,
} from '../bulk/job-registry.js';
import type { ExportJobRecord } from '../bulk/types.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RedisConnections } from './connections.js';

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

/**
 * KEYS: lease, jobs, active. ARGV: owner, ttl, job key, last saved record ('' if none), '1' if
 * that record is unfinished. Extends the lease while this instance holds it; takes it back when
 * nobody does, restoring a record Redis lost. 1: held, 0: another instance holds it.
 */
const RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] ~= '' and redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 1 and ARGV[5] == '1' then
  redis.call('SADD', KEYS[3], ARGV[3])
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

/** Records travel as any versioned record; `subscribe` gives them back as the registry's type. */
type Topics = Record<string, [key: string, job: VersionedRecord]>;

export function createRedisJobRegistry<T extends VersionedRecord = ExportJobRecord>(
  connections: RedisConnections,
  options: RedisJobRegistryOptions<T>,
): JobRegistry<T> {
  const redis = connections.command;
  const leaseMs = options.leaseMs ?? 5_000;
  const logger = options.logger ?? silentLogger;
  const isActive = options.isActive ?? (() => true);
  const kind = options.kind ?? 'export';
  const owner = randomBytes(8).toString('hex');
  const keys = {
    jobs: `${options.prefix}jobs`,
    active: `${options.prefix}active`,
    quota: (day: string) => `${options.prefix}quota:${day}`,
    lease: (key: string) => `${options.prefix}lease:${key}`,
  };
  // Channel per job: `<prefix>changed:<key>` (yoga joins topic and id with ':').
  const topic = `${options.prefix}changed`;
  const subscriber = connections.subscriber();
  const pubSub = createPubSub<Topics>({
    eventTarget: createRedisEventTarget({
      publishClient: connections.publisher(),
      subscribeClient: subscriber,
    }),
  });
  /**
   * The event target subscribes without waiting for Redis to confirm. A watcher subscribes, then
   * reads the current version: `get` first waits for the confirmation, so a change saved in
   * between is either read or heard, never lost.
   */
  const confirming = new Map<string, Promise<unknown>>();
  /** Held claims: what to tell their runner when one is lost, and the last version saved here. */
  const held = new Map<string, { onLost: () => void; saved?: string; active?: boolean }>();

  const renewAll = async (): Promise<void> => {
    for (const [key, claim] of held) {
      let renewed: unknown;
      try {
        renewed = await redis.eval(
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
      } catch {
        // Redis away: nobody can take the job meanwhile; the next renewal tells.
        continue;
      }
      if (renewed === 1 || held.get(key) !== claim) continue;
      // Another instance polls it now: this one must stop.
      held.delete(key);
      logger.warn(`${kind} poller lease lost`, { key });
      claim.onLost();
    }
  };
  const timer = setInterval(() => void renewAll(), Math.max(10, leaseMs / 3));
  timer.unref();

  const parse = (text: string | null | undefined): T | undefined =>
    text ? (JSON.parse(text) as T) : undefined;
  /** Runs a Redis step; its failure (never its arguments, which may be large) as a registry error. */
  const guarded = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw new RegistryUnavailableError(error);
    }
  };

  return {
    get: async (key) => {
      const confirmed = confirming.get(key);
      if (confirmed) {
        await confirmed;
        if (confirming.get(key) === confirmed) confirming.delete(key);
      }
      return parse(await guarded(() => redis.hget(keys.jobs, key)));
    },
    list: async () => (await guarded(() => redis.hvals(keys.jobs))).map((text) => parse(text)!),
    listActive: async () => {
      const active = await guarded(() => redis.smembers(keys.active));
      if (active.length === 0) return [];
      const texts = await guarded(() => redis.hmget(keys.jobs, ...active));
      const jobs: T[] = [];
      const stale: string[] = [];
      texts.forEach((text, i) => {
        const job = parse(text);
        if (job && isActive(job)) jobs.push(job);
        else if (!job) stale.push(active[i]!);
      });
      // A key whose record is gone (deleted, or lost in a Redis restart) leaves the index.
      if (stale.length > 0) await redis.srem(keys.active, ...stale).catch(() => {});
      return jobs;
    },
    save: async (key, job) => {
      const text = JSON.stringify(job);
      const active = isActive(job);
      const multi = redis.multi().hset(keys.jobs, key, text);
      if (active) multi.sadd(keys.active, key);
      else multi.srem(keys.active, key);
      await guarded(() => multi.exec());
      const claim = held.get(key);
      if (claim) {
        claim.saved = text;
        claim.active = active;
      }
      pubSub.publish(topic, key, job);
    },
    delete: async (key) => {
      await guarded(() => redis.multi().hdel(keys.jobs, key).srem(keys.active, key).exec());
    },
    subscribe: (key) => {
      confirming.set(
        key,
        subscriber.subscribe(`${topic}:${key}`).catch(() => {}),
      );
      return pubSub.subscribe(topic, key) as AsyncIterableIterator<T>;
    },
    claim: async (key, onLost) => {
      const taken = await guarded(() => redis.set(keys.lease(key), owner, 'PX', leaseMs, 'NX'));
      if (taken !== 'OK') return false;
      held.set(key, { onLost: onLost ?? (() => {}) });
      return true;
    },
    release: async (key) => {
      if (!held.delete(key)) return;
      await redis.eval(RELEASE, 1, keys.lease(key), owner).catch(() => {});
    },
    getQuota: async (day) => Number((await guarded(() => redis.get(keys.quota(day)))) ?? 0),
    addQuota: async (day, bytes) => {
      const results = await guarded(() =>
        redis.multi().incrby(keys.quota(day), bytes).pexpire(keys.quota(day), QUOTA_TTL_MS).exec(),
      );
      const [error, used] = results?.[0] ?? [new Error('transaction discarded')];
      if (error) throw new RegistryUnavailableError(error);
      return Number(used);
    },
    raiseQuota: async (day, bytes) =>
      Number(
        await guarded(() => redis.eval(RAISE, 1, keys.quota(day), String(bytes), QUOTA_TTL_MS)),
      ),
    close: async () => {
      clearInterval(timer);
      const keysHeld = [...held.keys()];
      held.clear();
      await Promise.all(
        keysHeld.map((key) => redis.eval(RELEASE, 1, keys.lease(key), owner).catch(() => {})),
      );
    },
  };
}
