/**
 * Marketo settings from the environment, checked once at start. A mistake names the variable and
 * never echoes the client secret (or a URL that might carry credentials).
 */
import { ConfigError } from './errors.js';

/** Marketo's own limits (§4). */
export const MARKETO_DEFAULTS = {
  concurrency: 10,
  rateLimit: 100,
  rateWindowMs: 20_000,
  dailyQuota: 50_000,
} as const;

export interface MarketoLimitSettings {
  concurrency: number;
  rateLimit: number;
  /** Only present when set explicitly; otherwise the client derives it (20 s / timeScale). */
  rateWindowMs?: number;
  dailyQuota: number;
}

export type MarketoEnvConfig =
  | ({ sandbox: true } & MarketoLimitSettings)
  | ({
      sandbox: false;
      baseUrl: string;
      clientId: string;
      clientSecret: string;
    } & MarketoLimitSettings);

const MUNCHKIN = /^\d{3}-[A-Za-z]{3}-\d{3}$/;

/**
 * `https://123-ABC-456.mktorest.com`, with or without `/rest`, `/identity` or a trailing slash →
 * the origin (plus any extra path prefix, for gateways in front of Marketo). Throws ConfigError.
 */
export function normaliseBaseUrl(value: string, variable = 'MARKETO_BASE_URL'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(
      variable,
      'is not a valid URL (expected https://<munchkin-id>.mktorest.com)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(variable, 'must be an http(s) URL');
  }
  if (url.username || url.password) {
    throw new ConfigError(variable, 'must not contain credentials; use MARKETO_CLIENT_ID/SECRET');
  }
  if (url.search || url.hash) {
    throw new ConfigError(variable, 'must not have a query string or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(rest|identity)$/i, '');
  if (path.includes('//')) throw new ConfigError(variable, 'must not contain "//" in its path');
  return `${url.origin}${path}`;
}

function positiveInt(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(name, `must be a positive integer, got "${raw.slice(0, 20)}"`);
  }
  return Number(raw);
}

/**
 * Reads MARKETO_BASE_URL or MARKETO_MUNCHKIN_ID, MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the
 * limits (MARKETO_CONCURRENCY, MARKETO_RATE_LIMIT, MARKETO_RATE_WINDOW_MS, MARKETO_DAILY_QUOTA).
 * With no Marketo settings at all: `{ sandbox: true }` (the built-in sandbox).
 */
export function parseMarketoEnv(env: Record<string, string | undefined>): MarketoEnvConfig {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const rateWindowMs = positiveInt(env, 'MARKETO_RATE_WINDOW_MS');
  const limits: MarketoLimitSettings = {
    concurrency: positiveInt(env, 'MARKETO_CONCURRENCY') ?? MARKETO_DEFAULTS.concurrency,
    rateLimit: positiveInt(env, 'MARKETO_RATE_LIMIT') ?? MARKETO_DEFAULTS.rateLimit,
    dailyQuota: positiveInt(env, 'MARKETO_DAILY_QUOTA') ?? MARKETO_DEFAULTS.dailyQuota,
    ...(rateWindowMs !== undefined && { rateWindowMs }),
  };

  const baseUrlRaw = get('MARKETO_BASE_URL');
  const munchkin = get('MARKETO_MUNCHKIN_ID');
  const clientId = get('MARKETO_CLIENT_ID');
  const clientSecret = get('MARKETO_CLIENT_SECRET');

  if (!baseUrlRaw && !munchkin && !clientId && !clientSecret) return { sandbox: true, ...limits };

  let baseUrl: string | undefined;
  if (munchkin !== undefined && !MUNCHKIN.test(munchkin)) {
    throw new ConfigError('MARKETO_MUNCHKIN_ID', 'must look like 123-ABC-456');
  }
  if (baseUrlRaw) baseUrl = normaliseBaseUrl(baseUrlRaw);
  else if (munchkin) baseUrl = `https://${munchkin}.mktorest.com`;
  if (baseUrl && munchkin && baseUrlRaw) {
    const host = new URL(baseUrl).hostname.toLowerCase();
    if (host.endsWith('.mktorest.com') && !host.startsWith(`${munchkin.toLowerCase()}.`)) {
      throw new ConfigError('MARKETO_MUNCHKIN_ID', 'does not match the host of MARKETO_BASE_URL');
    }
  }
  if (!baseUrl) {
    throw new ConfigError(
      'MARKETO_BASE_URL',
      'is required with MARKETO_CLIENT_ID/MARKETO_CLIENT_SECRET (or set MARKETO_MUNCHKIN_ID)',
    );
  }
  if (!clientId) throw new ConfigError('MARKETO_CLIENT_ID', 'is required to call Marketo');
  if (!clientSecret) throw new ConfigError('MARKETO_CLIENT_SECRET', 'is required to call Marketo');
  return { sandbox: false, baseUrl, clientId, clientSecret, ...limits };
}
