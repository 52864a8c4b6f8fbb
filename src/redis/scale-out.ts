/**
 * What instances sharing REDIS_URL share, built once per instance by the composition root: the
 * rate limiter (the one Marketo budget), the access token, the export and import job registries
 * (fleet-wide events, one poller per job, orphans adopted) and the readiness verdict. `close()`
 * comes after the Marketo client and the job managers have stopped using them.
 */
import { type ImportJobRecord, isImportTerminal } from '../bulk/import-jobs.js';
import type { JobRegistry } from '../bulk/job-registry.js';
import { type ExportJobRecord, isTerminal } from '../bulk/types.js';
import { type RedisSettings, redactUrl } from '../config.js';
import type { FeedStoredRecord } from '../feeds/feeds.js';
import type { Logger } from '../logger.js';
import { createRedisConnections, type RedisConnectionOptions } from './connections.js';
import { createRedisJobRegistry, type RedisJobRegistryOptions } from './job-registry.js';
import {
  createRedisRateLimiter,
  type RedisRateLimiter,
  type RedisRateLimiterOptions,
} from './rate-limiter.js';
import { createRedisKeyBudgets } from './key-budgets.js';
import { createRedisSubscriptionSlots, type SubscriptionSlots } from './subscription-slots.js';
import type { SharedKeyBudgets } from '../security/key-budget.js';
import {
  createRedisTokenStore,
  type RedisTokenStore,
  type RedisTokenStoreOptions,
} from './token-store.js';

/** Timings (tests run them on a compressed clock); production defaults otherwise. */
export interface ScaleOutTuning {
  connection?: Partial<Omit<RedisConnectionOptions, 'url' | 'namespace' | 'logger'>>;
  limiter?: Partial<Omit<RedisRateLimiterOptions, 'prefix' | 'logger'>>;
  tokenStore?: Partial<Omit<RedisTokenStoreOptions, 'prefix' | 'logger'>>;
  /** Export and import poller claim lifetime (ms). Default 5 000. */
  leaseMs?: number;
  /** How often orphaned export and import jobs are looked for (ms). Default 1 000. */
  adoptIntervalMs?: number;
  /** A subscription slot of a killed instance comes back after this long (ms). Default 30 000. */
  subscriptionLeaseMs?: number;
}

export interface ScaleOut {
  limiter: RedisRateLimiter;
  tokenStore: RedisTokenStore;
  /** API keys' daily shares (`dailyCalls`), counted for the fleet. */
  keyBudgets: SharedKeyBudgets;
  /** Subscriptions per API key (GATEWAY_MAX_SUBSCRIPTIONS_PER_KEY), counted for the fleet. */
  subscriptionSlots: SubscriptionSlots;
  /** The export registry of one Marketo instance (jobs are keyed per origin host). */
  exportRegistry(originHost: string): JobRegistry<ExportJobRecord>;
  /** The import registry of one Marketo instance (batch ids are per instance too). */
  importRegistry(originHost: string): JobRegistry<ImportJobRecord>;
  /** Change feeds of one Marketo instance: pollers' pages and named feeds' positions. */
  feedRegistry(originHost: string): JobRegistry<FeedStoredRecord>;
  adoptIntervalMs: number;
  /**
   * Waits for the first connection (the export registry needs Redis to start); closes everything
   * and throws when Redis does not answer within `timeoutMs`.
   */
  connect(timeoutMs?: number): Promise<void>;
  /** Redis answers and the limiter is not on its local fallback share. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export function createScaleOut(
  settings: RedisSettings,
  options: {
    limits: {
      concurrency: number;
      rateLimit: number;
      dailyQuota: number;
      rateWindowMs: number;
      keyShare?: number;
    };
    logger: Logger;
    tuning?: ScaleOutTuning;
  },
): ScaleOut {
  const { logger, tuning = {} } = options;
  const connections = createRedisConnections({
    url: settings.url,
    ...(settings.namespace && { namespace: settings.namespace }),
    logger: logger.child({ component: 'redis' }),
    ...tuning.connection,
  });
  const { prefix } = connections;
  const limiter = createRedisRateLimiter(connections.command, {
    prefix,
    ...options.limits,
    ...(settings.fleetSize !== undefined && { fleetSize: settings.fleetSize }),
    logger: logger.child({ component: 'redis-limiter' }),
    ...tuning.limiter,
  });
  const tokenStore = createRedisTokenStore(connections.command, {
    prefix,
    logger: logger.child({ component: 'redis-token' }),
    ...tuning.tokenStore,
  });
  const keyBudgets = createRedisKeyBudgets(connections.command, {
    prefix,
    fleetSize: () => limiter.fleetSize(),
    logger: logger.child({ component: 'redis-key-budgets' }),
  });
  const subscriptionSlots = createRedisSubscriptionSlots(connections.command, {
    prefix,
    ...(tuning.subscriptionLeaseMs !== undefined && { leaseMs: tuning.subscriptionLeaseMs }),
    logger: logger.child({ component: 'redis-subscription-slots' }),
  });
  return {
    limiter,
    tokenStore,
    keyBudgets,
    subscriptionSlots,
    exportRegistry: (originHost) => {
      const registryOptions: RedisJobRegistryOptions<ExportJobRecord> = {
        prefix: `${prefix}exports:${originHost}:`,
        kind: 'export',
        isActive: (job) => !isTerminal(job.status),
        logger: logger.child({ component: 'redis-export-registry' }),
        ...(tuning.leaseMs !== undefined && { leaseMs: tuning.leaseMs }),
      };
      return createRedisJobRegistry(connections, registryOptions);
    },
    importRegistry: (originHost) => {
      const registryOptions: RedisJobRegistryOptions<ImportJobRecord> = {
        prefix: `${prefix}imports:${originHost}:`,
        kind: 'import',
        isActive: (job) => !isImportTerminal(job.status),
        logger: logger.child({ component: 'redis-import-registry' }),
        ...(tuning.leaseMs !== undefined && { leaseMs: tuning.leaseMs }),
      };
      return createRedisJobRegistry(connections, registryOptions);
    },
    feedRegistry: (originHost) =>
      createRedisJobRegistry<FeedStoredRecord>(connections, {
        prefix: `${prefix}feeds:${originHost}:`,
        kind: 'feed',
        isActive: (record) => record.type === 'feed',
        logger: logger.child({ component: 'redis-feed-registry' }),
        ...(tuning.leaseMs !== undefined && { leaseMs: tuning.leaseMs }),
      }),
    adoptIntervalMs: tuning.adoptIntervalMs ?? 1_000,
    async connect(timeoutMs = 10_000) {
      if (await connections.ready(timeoutMs)) return;
      await connections.close();
      throw new Error(
        `Redis (${redactUrl(settings.url)}) did not answer within ${timeoutMs} ms: check REDIS_URL`,
      );
    },
    ready: async () => (await connections.ping()) && limiter.healthy(),
    close: () => {
      subscriptionSlots.close();
      return connections.close();
    },
  };
}
