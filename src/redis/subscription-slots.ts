/**
 * Subscriptions open per API key, counted once for the fleet (GATEWAY_MAX_SUBSCRIPTIONS_PER_KEY
 * then holds across every instance): one sorted set per key (`subs:<key name>`) whose members are
 * this fleet's open subscriptions, each scored by the expiry of its lease (Redis's clock). A slot
 * is taken by one atomic script (expired leases dropped, count checked, lease added), released
 * when the subscription ends, and renewed by its instance every third of the lease: a killed
 * instance stops renewing and its slots come back one lease later.
 *
 * Redis away: `take` answers `unavailable` and the caller counts on this instance alone (as the
 * limiter falls back to its local share); the outage is logged once. Renewal puts every slot this
 * instance holds back into Redis when it returns (a restarted, empty Redis included).
 */
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { type Logger, silentLogger } from '../logger.js';
import { createOutageLog } from './outage.js';

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** KEYS: the key's slots. ARGV: limit, member, leaseMs. Returns 1 when taken, 0 when all are held. */
const TAKE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
return 1
`;

/** KEYS: the key's slots. ARGV: leaseMs, members. Extends (or restores) this instance's leases. */
const RENEW = `${NOW}
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], now + lease, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], 2 * lease)
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mggSlotTake(
      slots: string,
      limit: number,
      member: string,
      leaseMs: number,
    ): Result<number, Context>;
    mggSlotRenew(slots: string, leaseMs: number, ...members: string[]): Result<number, Context>;
  }
}

export type SlotAnswer = { release(): void } | 'full' | 'unavailable';

export interface SubscriptionSlots {
  /** One of `key`'s slots when fewer than `limit` are held fleet-wide. */
  take(key: string, limit: number): Promise<SlotAnswer>;
  /** Stops renewing (the instance is going: its slots lapse one lease later, if not released). */
  close(): void;
}

export interface RedisSubscriptionSlotsOptions {
  /** Key prefix of the deployment (`RedisConnections.prefix`). */
  prefix: string;
  /** A slot whose instance stops renewing it comes back after this long (ms). Default 30 000. */
  leaseMs?: number;
  logger?: Logger;
}

export function createRedisSubscriptionSlots(
  redis: Redis,
  options: RedisSubscriptionSlotsOptions,
): SubscriptionSlots {
  const leaseMs = Math.max(30, Math.round(options.leaseMs ?? 30_000));
  const outage = createOutageLog(options.logger ?? silentLogger, 'subscription slots');
  redis.defineCommand('mggSlotTake', { numberOfKeys: 1, lua: TAKE });
  redis.defineCommand('mggSlotRenew', { numberOfKeys: 1, lua: RENEW });
  const slotsOf = (key: string) => `${options.prefix}subs:${key}`;
  const instanceId = randomBytes(6).toString('hex');
  let sequence = 0;
  /** The slots this instance holds, by API key name. */
  const held = new Map<string, Set<string>>();

  const renew = async () => {
    for (const [key, members] of held) {
      if (members.size === 0) continue;
      try {
        await redis.mggSlotRenew(slotsOf(key), leaseMs, ...members);
        outage.recovered();
      } catch (error) {
        outage.failed('renew', error);
        return;
      }
    }
  };
  const timer = setInterval(() => void renew(), Math.max(10, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    async take(key, limit) {
      const member = `${instanceId}:${(sequence++).toString(36)}`;
      let taken: number;
      try {
        taken = await redis.mggSlotTake(slotsOf(key), limit, member, leaseMs);
      } catch (error) {
        outage.failed('take', error);
        return 'unavailable';
      }
      outage.recovered();
      if (taken !== 1) return 'full';
      const members = held.get(key) ?? new Set<string>();
      held.set(key, members);
      members.add(member);
      return {
        release() {
          if (!members.delete(member)) return;
          if (members.size === 0) held.delete(key);
          // Unreachable Redis: the lease lapses by itself.
          redis
            .zrem(slotsOf(key), member)
            .catch((error: unknown) => outage.failed('release', error));
        },
      };
    },
    close() {
      clearInterval(timer);
    },
  };
}
