/**
 * Feed settings from the environment: FEED_POLL_INTERVAL_MS (wait between polls of a feed at its
 * end), FEED_BUDGET_SHARE (the part of the Marketo budget feeds may use on one instance) and
 * FEED_DATA_DIR (named feeds' positions without REDIS_URL, a directory per Marketo origin).
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { originDirName, positiveInt } from '../bulk/export-config.js';
import { ConfigError } from '../marketo/errors.js';

type Env = Record<string, string | undefined>;

export interface FeedSettings {
  pollIntervalMs: number;
  budgetShare: number;
  /** Where `feeds.json` (named positions) is kept. */
  dataDir: string;
  /** The embedded sandbox forgets its activities at exit: so are positions (a temp dir). */
  ephemeral: boolean;
}

/** Marketo time between polls of a feed at its end (divided by the time scale). */
const DEFAULT_POLL_MS = 10_000;
const DEFAULT_SHARE = 0.2;

export function feedSettings(options: {
  env?: Env;
  embeddedSandbox: boolean;
  timeScale: number;
  origin: string;
}): FeedSettings {
  const env = options.env ?? process.env;
  const raw = env.FEED_BUDGET_SHARE?.trim();
  const share = raw ? Number(raw) : DEFAULT_SHARE;
  if (!(share > 0 && share <= 1)) {
    throw new ConfigError(
      'FEED_BUDGET_SHARE',
      `must be a number in (0, 1], got "${raw?.slice(0, 20)}"`,
    );
  }
  const configured = env.FEED_DATA_DIR?.trim();
  const ephemeral = options.embeddedSandbox && !configured;
  return {
    pollIntervalMs:
      positiveInt(env, 'FEED_POLL_INTERVAL_MS') ??
      Math.max(10, Math.round(DEFAULT_POLL_MS / options.timeScale)),
    budgetShare: share,
    dataDir: ephemeral
      ? join(tmpdir(), `marketo-gateway-feeds-${process.pid}-${randomUUID().slice(0, 8)}`)
      : join(configured || join('.data', 'feeds'), originDirName(options.origin)),
    ephemeral,
  };
}
