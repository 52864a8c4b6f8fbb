/**
 * The shared limiter's state lives in three keys and changes only inside these Lua scripts, each
 * atomic and each on Redis's own clock (`TIME`), so instance clock skew never matters:
 *
 * - `window` (sorted set): calls that have completed, scored by the instant they leave the rolling
 *   window (response start + window), exactly as the in-process limiter places them;
 * - `leases` (sorted set): calls in flight, scored by lease expiry; holders renew, and a lease whose
 *   holder died expires and moves into the window as if the call had ended then;
 * - `quota:<US Central date>` (string): calls counted today.
 *
 * Times are integer ms (a Lua number prints with 14 significant digits, so fractions would be lost).
 */
import type { Redis, Result } from 'ioredis';

/** Shared opening of every script: Redis's clock, dead leases moved out, expired window entries dropped. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function prune(windowKey, leasesKey, windowMs)
  local dead = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', now, 'WITHSCORES')
  for i = 1, #dead, 2 do
    redis.call('ZADD', windowKey, tonumber(dead[i + 1]) + windowMs, dead[i])
    redis.call('ZREM', leasesKey, dead[i])
  end
  redis.call('ZREMRANGEBYSCORE', windowKey, '-inf', now)
end
local function keep(windowKey, leasesKey, windowMs, ttl)
  redis.call('PEXPIRE', windowKey, 2 * windowMs + 2 * ttl)
  redis.call('PEXPIRE', leasesKey, 4 * ttl)
end
`;

/**
 * KEYS: window, leases, quota. ARGV: concurrency, rateLimit, windowMs, dailyQuota, leaseTtlMs,
 * quotaTtlSec, then one lease id per wanted slot. Grants as many as every limit allows.
 * Returns [now, granted, waitMs (-1: unknown, poll), inFlight, inWindow, usedToday].
 */
const ACQUIRE = `${PRELUDE}
local concurrency = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local quota = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
prune(KEYS[1], KEYS[2], windowMs)
local inflight = redis.call('ZCARD', KEYS[2])
local inwindow = redis.call('ZCARD', KEYS[1])
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local want = #ARGV - 6
local grant = math.min(want, concurrency - inflight, rate - inflight - inwindow, quota - used)
if grant < 0 then grant = 0 end
for i = 1, grant do
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[6 + i])
end
if grant > 0 then
  redis.call('INCRBY', KEYS[3], grant)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[6]))
  keep(KEYS[1], KEYS[2], windowMs, ttl)
end
inflight = inflight + grant
used = used + grant
local wait = -1
if grant < want and inflight + inwindow >= rate and inwindow > 0 then
  -- Only completed calls leave the window: nothing can be granted before the oldest one does.
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) - now + 1
end
return {now, grant, wait, inflight, inwindow, used}
`;

/**
 * KEYS: window, leases, quota. ARGV: windowMs, leaseTtlMs, how ('counted' | 'uncounted' | 'unused'),
 * lease id, ms since the call's response began (0: count from now). Ends a call: it leaves the
 * leases and enters the window from its response's start (see the in-process limiter for why
 * that bounds Marketo's arrivals), unless it was never used; 'uncounted' and 'unused' give its
 * quota unit back. Returns now.
 */
const RELEASE = `${PRELUDE}
local windowMs = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local since = math.max(0, tonumber(ARGV[5] or '0'))
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[3] ~= 'unused' then
  redis.call('ZADD', KEYS[1], now - since + windowMs, ARGV[4])
  keep(KEYS[1], KEYS[2], windowMs, ttl)
end
if ARGV[3] ~= 'counted' then
  local used = tonumber(redis.call('GET', KEYS[3]) or '0')
  if used > 0 then redis.call('DECR', KEYS[3]) end
end
return now
`;

/**
 * KEYS: leases. ARGV: leaseTtlMs, lease ids. Extends the leases of calls still running,
 * restoring any that expired while the holder was alive but slow (the call is still in flight).
 */
const RENEW = `${PRELUDE}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], 4 * ttl)
return now
`;

/**
 * KEYS: window, leases, quota. ARGV: windowMs, leaseTtlMs, quotaTtlSec, quotaFloor, quotaAdd,
 * count of in-flight ids, the in-flight ids, then (id, ms left in the window) pairs.
 * After an outage an instance hands Redis what it did meanwhile (and, after a restart that lost
 * the keys, what it did before): calls still running become leases, recent completions re-enter
 * the window, and the day's count becomes max(count, last count seen) + calls made locally.
 */
const IMPORT = `${PRELUDE}
local windowMs = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[6])
prune(KEYS[1], KEYS[2], windowMs)
for i = 7, 6 + n do
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[i])
end
for i = 7 + n, #ARGV, 2 do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[i + 1]), ARGV[i])
end
keep(KEYS[1], KEYS[2], windowMs, ttl)
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local restored = math.max(used, tonumber(ARGV[4])) + tonumber(ARGV[5])
if restored ~= used then
  redis.call('SET', KEYS[3], restored, 'EX', tonumber(ARGV[3]))
end
return now
`;

/** KEYS: window, leases, quota. ARGV: windowMs. Returns [now, inFlight, inWindow, usedToday]. */
const SNAPSHOT = `${PRELUDE}
prune(KEYS[1], KEYS[2], tonumber(ARGV[1]))
return {now, redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0')}
`;

/**
 * KEYS: fleet. ARGV: instance id, ttlMs. This instance is alive for `ttl` more (Redis's clock);
 * members whose heartbeat lapsed leave. Returns the live instance count.
 */
const HEARTBEAT = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
return redis.call('ZCARD', KEYS[1])
`;

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mggLimiterAcquire(
      window: string,
      leases: string,
      quota: string,
      ...args: Arg[]
    ): Result<number[], Context>;
    mggLimiterRelease(
      window: string,
      leases: string,
      quota: string,
      ...args: Arg[]
    ): Result<number, Context>;
    mggLimiterRenew(leases: string, ...args: Arg[]): Result<number, Context>;
    mggLimiterImport(
      window: string,
      leases: string,
      quota: string,
      ...args: Arg[]
    ): Result<number, Context>;
    mggFleetHeartbeat(fleet: string, id: string, ttlMs: number): Result<number, Context>;
    mggLimiterSnapshot(
      window: string,
      leases: string,
      quota: string,
      windowMs: number,
    ): Result<number[], Context>;
  }
}

/** Registers the scripts on a client (idempotent; ioredis sends EVALSHA and reloads after a restart). */
export function defineLimiterScripts(redis: Redis): void {
  redis.defineCommand('mggLimiterAcquire', { numberOfKeys: 3, lua: ACQUIRE });
  redis.defineCommand('mggLimiterRelease', { numberOfKeys: 3, lua: RELEASE });
  redis.defineCommand('mggLimiterRenew', { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand('mggLimiterImport', { numberOfKeys: 3, lua: IMPORT });
  redis.defineCommand('mggLimiterSnapshot', { numberOfKeys: 3, lua: SNAPSHOT });
  redis.defineCommand('mggFleetHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
}
