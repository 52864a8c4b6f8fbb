/**
 * API keys' daily shares (`dailyCalls`, `src/security/key-budget.ts`) counted once for the whole
 * fleet: one counter per key and Marketo day (`keybudget:<US Central date>:<key name>`), checked
 * and incremented by one atomic script before each call, and expiring an hour after that day ends
 * (Marketo resets its quota at 00:00 US Central), so a new day starts from zero by itself.
 *
 * Redis away: each instance goes on with a local share, as the limiter does: of what the key had
 * left when this instance last saw the fleet's count, 1/fleet size (the limiter's live count). It
 * says so once in the log (outage episode), and on Redis's return adds what it spent meanwhile to
 * the fleet's count, so the day's total stays right.
 */
import type { Redis, Result } from 'ioredis';
import type { CallBudget } from '../cost.js';
import { type Logger, silentLogger } from '../logger.js';
import { centralDay, nextCentralMidnight } from '../marketo/central-time.js';
import { keyQuotaError, type SharedKeyBudgets } from '../security/key-budget.js';
import { createOutageLog } from './outage.js';

/**
 * KEYS: the key's counter for the day. ARGV: limit, calls made while Redis was away (added
 * first), ttlSec. Admits one call when the count is under the limit. Returns [admitted, count].
 */
const ADMIT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[2])
local admitted = 0
if used < tonumber(ARGV[1]) then
  used = used + 1
  admitted = 1
end
if admitted == 1 or tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], used, 'EX', tonumber(ARGV[3]))
end
return {admitted, used}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mggKeyBudgetAdmit(
      counter: string,
      limit: number,
      add: number,
      ttlSec: number,
    ): Result<[number, number], Context>;
  }
}

export interface RedisKeyBudgetsOptions {
  /** Key prefix of the deployment (`RedisConnections.prefix`). */
  prefix: string;
  /** Instances the local share is divided among while Redis is away (the limiter's count). */
  fleetSize: () => number;
  now?: () => number;
  logger?: Logger;
}

export function createRedisKeyBudgets(
  redis: Redis,
  options: RedisKeyBudgetsOptions,
): SharedKeyBudgets {
  const now = options.now ?? Date.now;
  const outage = createOutageLog(options.logger ?? silentLogger, 'per-key daily budgets');
  redis.defineCommand('mggKeyBudgetAdmit', { numberOfKeys: 1, lua: ADMIT });
  const counter = (day: string, name: string) => `${options.prefix}keybudget:${day}:${name}`;

  return {
    budget(name: string, limit: number): CallBudget {
      /** The fleet's count as last read. */
      let seen = { day: '', used: 0 };
      /** Calls this instance admitted on its local share, not yet in Redis. */
      let unsynced = { day: '', calls: 0 };
      /** The local share while Redis is away: of what was left when it went. */
      let share: { day: string; allowance: number; spent: number } | undefined;

      const admitLocally = (day: string, at: number) => {
        if (share?.day !== day) {
          const left = limit - (seen.day === day ? seen.used : 0);
          share = { day, allowance: Math.floor(left / Math.max(1, options.fleetSize())), spent: 0 };
        }
        if (share.spent >= share.allowance) throw keyQuotaError(name, limit, at);
        share.spent += 1;
        unsynced = { day, calls: (unsynced.day === day ? unsynced.calls : 0) + 1 };
      };

      return {
        async admit() {
          const at = now();
          const day = centralDay(at);
          // What was spent locally meanwhile goes with this request (yesterday's is moot).
          const add = unsynced.day === day ? unsynced.calls : 0;
          unsynced = { day, calls: 0 };
          let answer: [number, number];
          try {
            const ttlSec = Math.ceil((nextCentralMidnight(at) - at) / 1000) + 3600;
            answer = await redis.mggKeyBudgetAdmit(counter(day, name), limit, add, ttlSec);
          } catch (error) {
            unsynced = { day, calls: unsynced.calls + add };
            outage.failed('key budget', error, { key: name });
            admitLocally(day, at);
            return;
          }
          outage.recovered();
          share = undefined;
          const [admitted, used] = answer;
          seen = { day, used };
          if (admitted !== 1) throw keyQuotaError(name, limit, at);
        },
      };
    },
  };
}
