/**
 * ioredis connections for one gateway instance (REDIS_URL): a command client for scripts, keys and
 * PUBLISH, and — created on first use — a subscribe client (a connection in subscribe mode can do
 * nothing else) and a publish client. Every key the gateway writes starts
 * with one prefix, `mgg:{<namespace>}:`, so tests and several deployments can share one Redis; the
 * braces make it a Redis Cluster hash tag, keeping every key of a deployment in one slot so the Lua
 * scripts stay legal on a cluster too.
 *
 * The command client fails fast while Redis is away (no offline queue, a command timeout): callers
 * (the limiter, the token store) must notice at once and fall back, not pile commands up.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type Logger, silentLogger } from '../logger.js';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` — never logged (it may carry a password). */
  url: string;
  /** Separates deployments (and test runs) sharing one Redis. Default `default`. */
  namespace?: string;
  /** A command with no answer after this long fails (ms). Default 1 000. */
  commandTimeoutMs?: number;
  /** Connecting gives up after this long and retries (ms). Default 2 000. */
  connectTimeoutMs?: number;
  /** Upper bound of the delay between reconnection attempts (ms). Default 1 000. */
  maxReconnectDelayMs?: number;
  logger?: Logger;
}

export interface RedisConnections {
  /** `mgg:{namespace}:`, the start of every key of this deployment. */
  readonly prefix: string;
  /** Commands and Lua scripts. */
  readonly command: Redis;
  /** For PUBLISH (created on first use). */
  publisher(): Redis;
  /**
   * For SUBSCRIBE (created on first use). Reconnects do not resubscribe by themselves: ioredis
   * would, without handling its promise (an unhandled rejection when Redis drops again at once),
   * so each user subscribes again on `ready`.
   */
  subscriber(): Redis;
  /** Readiness probe: PING answered within `timeoutMs` (default: the command timeout). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Resolves true once the command client is connected, false after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Closes every connection (QUIT, then disconnect if Redis does not answer). */
  close(): Promise<void>;
}

const NAMESPACE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The key prefix of a deployment; namespaces are restricted so a prefix can never nest another. */
export function redisKeyPrefix(namespace = 'default'): string {
  if (!NAMESPACE.test(namespace)) {
    throw new Error('Redis namespace: use 1-64 letters, digits, "_", ".", ":" or "-"');
  }
  return `mgg:{${namespace}}:`;
}

export function createRedisConnections(options: RedisConnectionOptions): RedisConnections {
  const logger = options.logger ?? silentLogger;
  const prefix = redisKeyPrefix(options.namespace);
  const commandTimeout = options.commandTimeoutMs ?? 1_000;
  const maxDelay = options.maxReconnectDelayMs ?? 1_000;
  const base: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    retryStrategy: (attempt) => Math.min(50 * attempt, maxDelay),
    // Commands sent on a connection that dies are failed after one reconnect attempt, not replayed
    // minutes later.
    maxRetriesPerRequest: 1,
  };

  const open = (role: string, extra: RedisOptions): Redis => {
    const client = new Redis(options.url, { ...base, ...extra, connectionName: `mgg-${role}` });
    let down = false;
    // Without a listener ioredis prints every connection error; log state changes once instead.
    // Only the error's code and name are logged: never the URL or a command's arguments.
    client.on('error', (error: Error & { code?: string }) => {
      if (down) return;
      down = true;
      logger.warn('redis connection error', { role, code: error.code ?? error.name });
    });
    client.on('ready', () => {
      if (down) logger.info('redis connection ready again', { role });
      down = false;
    });
    return client;
  };

  const command = open('command', { enableOfflineQueue: false, commandTimeout });
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;

  const ready = (timeoutMs = commandTimeout): Promise<boolean> => {
    if (command.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        command.off('ready', onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      command.on('ready', onReady);
    });
  };

  return {
    prefix,
    command,
    publisher: () => {
      publisher ??= open('publish', { commandTimeout });
      return publisher;
    },
    subscriber: () => {
      subscriber ??= open('subscribe', { autoResubscribe: false });
      return subscriber;
    },
    async ping(timeoutMs = commandTimeout) {
      if (command.status !== 'ready') return false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = await Promise.race([
          command.ping(),
          new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), timeoutMs);
          }),
        ]);
        return answer === 'PONG';
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    ready,
    async close() {
      const clients = [command, publisher, subscriber].filter((c): c is Redis => c !== undefined);
      await Promise.all(
        clients.map(async (client) => {
          if (client.status === 'end') return;
          const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
          if (client.status === 'ready') {
            await withTimeout(client.quit(), commandTimeout);
          }
          client.disconnect();
          await withTimeout(ended, commandTimeout);
        }),
      );
    },
  };
}

/** Waits for `promise` at most `ms` (its failure ignored): shutdown must not hang on Redis. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
