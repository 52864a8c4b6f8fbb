/**
 * The fleet's access token (`TokenStore` for `createTokenManager`): one identity call for every
 * instance. The token lives in one Redis hash that expires with it (PX); a short lock (`SET NX PX`)
 * elects the one instance that fetches, while the others poll for the result. The manager's own
 * single flight already makes one fetch per instance; the lock makes it one per fleet:
 *
 * - `get()` with no token: takes the lock and answers "none" (this instance fetches; `set()` stores
 *   and unlocks), or, when another instance holds it, polls until the token appears or the lock
 *   lapses (its holder died or failed) and then competes again.
 * - `get()` with a token due for renewal: only the lock holder is told so; the others get the token
 *   with its renewal moved to its expiry and keep using it.
 *
 * Times in Redis are relative (PTTL, the renewal lead) so instance clocks need not agree. The token
 * is a secret: it is never logged, never in a key name, and Redis errors (whose `command.args` would
 * carry it) are never rethrown. Redis away: the store falls back to this process's memory (each
 * instance then fetches its own token, which Marketo allows) and returns to Redis by itself; a
 * Redis that restarted empty gets the token back from the first instance that still holds it
 * (a marker key tells "lost every key" from "token deliberately forgotten").
 */
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { type Logger, silentLogger } from '../logger.js';
import { createMemoryTokenStore, type StoredToken, type TokenStore } from '../marketo/auth.js';

export interface RedisTokenStoreOptions {
  /** Key prefix of the deployment (`RedisConnections.prefix`). */
  prefix: string;
  /** How long one instance may take to fetch before another may try (ms). Default 5 000. */
  lockTtlMs?: number;
  /** Poll interval while another instance fetches (ms, jittered). Default 25. */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

/**
 * KEYS: token, lock. ARGV: owner, lockTtlMs. Reads the token and, when there is none or it is due
 * for renewal, tries to take the fetch lock — in one step, so that no store can slip in between.
 * KEYS[3] is a marker every store writes: its absence means Redis has lost its keys (a restart).
 * Returns [accessToken or '', pttl, renewLeadMs, 1 if the lock was taken now else 0, 1 if the
 * marker exists else 0].
 */
const READ = `
local token = redis.call('HMGET', KEYS[1], 'accessToken', 'renewLeadMs')
local ttl = redis.call('PTTL', KEYS[1])
local lead = tonumber(token[2] or '0')
local taken = 0
if not token[1] or ttl <= lead then
  if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then taken = 1 end
end
return {token[1] or '', ttl, lead, taken, redis.call('EXISTS', KEYS[3])}
`;

/** KEYS: token, lock, marker. ARGV: accessToken, ttlMs, renewLeadMs, owner. Stores and unlocks (if ours). */
const STORE = `
redis.call('SET', KEYS[3], '1', 'EX', 7 * 24 * 3600)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'accessToken', ARGV[1], 'renewLeadMs', ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return 1
`;

/** KEYS: token. ARGV: accessToken. Deletes only that token (a newer one is kept). */
const FORGET = `
if redis.call('HGET', KEYS[1], 'accessToken') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mggTokenRead(
      token: string,
      lock: string,
      marker: string,
      owner: string,
      lockTtlMs: number,
    ): Result<[string, number, number, number, number], Context>;
    mggTokenStore(
      token: string,
      lock: string,
      marker: string,
      accessToken: string,
      ttlMs: number,
      renewLeadMs: number,
      owner: string,
    ): Result<number, Context>;
    mggTokenForget(token: string, accessToken: string): Result<number, Context>;
  }
}

export interface RedisTokenStore extends TokenStore {
  /** False while Redis is away (the in-memory copy is in use). */
  healthy(): boolean;
}

export function createRedisTokenStore(
  redis: Redis,
  options: RedisTokenStoreOptions,
): RedisTokenStore {
  const lockTtlMs = options.lockTtlMs ?? 5_000;
  const pollMs = options.pollMs ?? 25;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const owner = randomBytes(8).toString('hex');
  const keys = {
    token: `${options.prefix}token`,
    lock: `${options.prefix}token:lock`,
    marker: `${options.prefix}token:kept`,
  };
  const memory = createMemoryTokenStore();
  let up = true;

  redis.defineCommand('mggTokenRead', { numberOfKeys: 3, lua: READ });
  redis.defineCommand('mggTokenStore', { numberOfKeys: 3, lua: STORE });
  redis.defineCommand('mggTokenForget', { numberOfKeys: 1, lua: FORGET });

  /** Runs a Redis step; on failure switches to memory and returns `fallback` (never the error). */
  const guarded = async <T>(step: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    try {
      const value = await step();
      if (!up) logger.info('redis token store reachable again');
      up = true;
      return value;
    } catch (error) {
      if (up) {
        const code =
          error instanceof Error ? ((error as { code?: string }).code ?? error.name) : 'unknown';
        logger.warn('redis token store unavailable; using this instance only', { code });
      }
      up = false;
      return fallback();
    }
  };

  const read = async () => {
    const [accessToken, ttl, lead, taken, marked] = await redis.mggTokenRead(
      keys.token,
      keys.lock,
      keys.marker,
      owner,
      lockTtlMs,
    );
    const locked = taken === 1;
    const lostKeys = marked === 0;
    if (!accessToken || ttl <= 0) return { token: undefined, locked, lostKeys };
    const expiresAt = now() + ttl;
    const token: StoredToken = { accessToken, expiresAt, refreshAt: expiresAt - lead };
    await memory.set(token); // kept to survive a Redis outage, and to restore a restarted Redis
    return { token, locked, lostKeys };
  };

  const store = (token: StoredToken) => {
    const ttl = Math.floor(token.expiresAt - now());
    if (ttl <= 0) return Promise.resolve(0);
    const lead = Math.max(0, Math.floor(token.expiresAt - token.refreshAt));
    return redis.mggTokenStore(
      keys.token,
      keys.lock,
      keys.marker,
      token.accessToken,
      ttl,
      lead,
      owner,
    );
  };

  const sleep = () =>
    new Promise((resolve) => setTimeout(resolve, Math.max(1, pollMs * (0.5 + random()))));

  const fromRedis = async (): Promise<StoredToken | undefined> => {
    const waitUntil = now() + lockTtlMs + pollMs;
    for (;;) {
      const { token, locked, lostKeys } = await read();
      if (token && now() < token.refreshAt) return token;
      // No token, or one due for renewal: one instance renews, the rest keep the current one.
      if (locked) {
        // A restarted Redis lost the token this instance still holds: put it back, fetch nothing.
        // (Only then: a token missing from a Redis that kept its keys was forgotten on purpose.)
        const kept = token || !lostKeys ? undefined : await memory.get();
        if (kept && now() < kept.refreshAt) {
          await store(kept);
          return kept;
        }
        return token;
      }
      if (token) return { ...token, refreshAt: token.expiresAt };
      // A fetch is under way (on another instance, or already on this one: the manager's single
      // flight may have ended by the time our caller asks it). A lapsed lock means it failed.
      if (now() >= waitUntil) return undefined;
      await sleep();
    }
  };

  return {
    get: () => guarded(fromRedis, () => memory.get()),
    async set(token) {
      await memory.set(token);
      await guarded(
        () => store(token),
        async () => 0,
      );
    },
    async delete(accessToken) {
      await memory.delete(accessToken);
      await guarded(
        () => redis.mggTokenForget(keys.token, accessToken),
        async () => 0,
      );
    },
    healthy: () => up,
  };
}
