/**
 * The fleet's export job registry (`JobRegistry`): job records in one Redis hash, every saved
 * version published on a prefixed channel per job (yoga pub/sub on
 * @graphql-yoga/redis-event-target, so a subscriber on any instance hears a job polled on another),
 * and the poller claim as a lease (`SET NX PX`, renewed by its holder). An instance that dies
 * stops renewing; its lease lapses within `leaseMs` and another instance's adoption pass takes the
 * job over. A holder that finds another instance holding its lease is told through `onLost`, so
 * two pollers never keep running side by side. A holder that finds its lease gone while nobody
 * holds it (Redis restarted empty) takes it back and puts back the last version it saved, so the
 * job and its watchers carry on. Redis errors surface as `RegistryUnavailableError` (transient).
 */
import { randomBytes } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import {
  type JobRegistry,
  type QuotaState,
  RegistryUnavailableError,
} from '../bulk/job-registry.js';
import type { ExportJobRecord } from '../bulk/types.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RedisConnections } from './connections.js';

export interface RedisJobRegistryOptions {
  /** Key prefix of the registry, e.g. `<connections.prefix>exports:<marketo host>:`. */
  prefix: string;
  /** A claim whose holder stops renewing lapses after this long (ms). Default 5 000. */
  leaseMs?: number;
  logger?: Logger;
}

/**
 * KEYS: lease, jobs. ARGV: owner, ttl, job key, last saved record ('' if none). Extends the lease
 * while this instance holds it; takes it back when nobody does, restoring a record Redis lost.
 * 1: held, 0: another instance holds it.
 */
const RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) end
return 1`;

/** KEYS: lease. ARGV: owner. Drops the lease only while this instance holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

type Topics = Record<string, [key: string, job: ExportJobRecord]>;

export function createRedisJobRegistry(
  connections: RedisConnections,
  options: RedisJobRegistryOptions,
): JobRegistry {
  const redis = connections.command;
  const leaseMs = options.leaseMs ?? 5_000;
  const logger = options.logger ?? silentLogger;
  const owner = randomBytes(8).toString('hex');
  const keys = {
    jobs: `${options.prefix}jobs`,
    quota: `${options.prefix}quota`,
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
  const held = new Map<string, { onLost: () => void; saved?: string }>();

  const renewAll = async (): Promise<void> => {
    for (const [key, claim] of held) {
      let renewed: unknown;
      try {
        renewed = await redis.eval(
          RENEW,
          2,
          keys.lease(key),
          keys.jobs,
          owner,
          String(leaseMs),
          key,
          claim.saved ?? '',
        );
      } catch {
        // Redis away: nobody can take the job meanwhile; the next renewal tells.
        continue;
      }
      if (renewed === 1 || held.get(key) !== claim) continue;
      // Another instance polls it now: this one must stop.
      held.delete(key);
      logger.warn('export poller lease lost', { key });
      claim.onLost();
    }
  };
  const timer = setInterval(() => void renewAll(), Math.max(10, leaseMs / 3));
  timer.unref();

  const parse = (text: string | null | undefined): ExportJobRecord | undefined =>
    text ? (JSON.parse(text) as ExportJobRecord) : undefined;
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
    save: async (key, job) => {
      const text = JSON.stringify(job);
      await guarded(() => redis.hset(keys.jobs, key, text));
      const claim = held.get(key);
      if (claim) claim.saved = text;
      pubSub.publish(topic, key, job);
    },
    delete: async (key) => {
      await guarded(() => redis.hdel(keys.jobs, key));
    },
    subscribe: (key) => {
      confirming.set(
        key,
        subscriber.subscribe(`${topic}:${key}`).catch(() => {}),
      );
      return pubSub.subscribe(topic, key);
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
    getQuota: async () => {
      const text = await guarded(() => redis.get(keys.quota));
      return text ? (JSON.parse(text) as QuotaState) : undefined;
    },
    saveQuota: async (quota) => {
      await guarded(() => redis.set(keys.quota, JSON.stringify(quota)));
    },
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
