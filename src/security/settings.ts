/**
 * Who may call the gateway and what it accepts, from the environment: API keys, anonymous
 * access, CORS origins, production mode and the limits that stop hostile operations before they
 * execute. Keys are never part of `describeSecurity` (the loggable form).
 */
import { readFileSync } from 'node:fs';
import { type ApiKey, parseApiKeys } from '../auth/api-keys.js';
import { type Env, intVar } from '../env-vars.js';
import type { Logger } from '../logger.js';
import { ConfigError } from '../marketo/errors.js';

export interface OperationLimits {
  /** Selection depth (graphql-armor). */
  maxDepth: number;
  maxAliases: number;
  /** Tokens in the query text (variables are not counted). */
  maxTokens: number;
  maxDirectives: number;
  /** graphql-armor's structural cost (objects, scalars, depth). */
  maxCost: number;
  /** Estimated Marketo calls: each list argument of n items costs ⌈n/300⌉ (`marketo-cost.ts`). */
  maxMarketoCalls: number;
  /** HTTP request body (JSON and the like; multipart bodies are bounded by the two below). */
  maxBodyBytes: number;
  /** Bytes per uploaded file of a multipart request (`src/uploads/`). */
  maxUploadBytes: number;
  /** Files per multipart request. */
  maxUploadFiles: number;
  /** Bytes per row (record) of an uploaded or inline delimited file. */
  maxRowBytes: number;
  /** Time to receive a request's headers (node:http `headersTimeout`). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (node:http `requestTimeout`). */
  requestTimeoutMs: number;
  /** Subscriptions open at once on one graphql-ws socket. */
  maxSubscriptionsPerSocket: number;
  /** Subscriptions open at once per API key (WebSocket and SSE, this instance). */
  maxSubscriptionsPerKey: number;
}

export const DEFAULT_LIMITS: OperationLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 2_000,
  maxDirectives: 20,
  // Armor multiplies a selection by its literal `first`: one full page of 1,000 rows or leads
  // costs 20,000-35,000, which must pass; pages nested in pages (1,000 × 1,000) must not.
  maxCost: 50_000,
  // A 50,000-row upsert with a list step is 340 calls (167 + 168 + 5); a lookup of 150,000 ids
  // (500 and the describe) is refused.
  maxMarketoCalls: 400,
  maxBodyBytes: 16 * 1024 * 1024,
  // Uploads are streamed to disk and imported in 10 MB Marketo files, so size costs disk, not
  // memory: 1 GiB holds a 1,000,000-row upsert (MAX_UPSERT_ROWS) of wide rows (~1 KB each).
  maxUploadBytes: 1024 * 1024 * 1024,
  maxUploadFiles: 5,
  // Marketo's widest rows (100 fields, a few long text areas) are well under this.
  maxRowBytes: 1024 * 1024,
  // Node's default: a loaded event loop must not turn slow-to-be-read headers into 408s.
  headersTimeoutMs: 60_000,
  // A 1 GiB upload at 10 MB/s fits; a body shorter than its Content-Length is cut at this.
  requestTimeoutMs: 120_000,
  maxSubscriptionsPerSocket: 20,
  maxSubscriptionsPerKey: 100,
};

export type MetricsAccess = 'public' | 'admin';

export interface SecuritySettings {
  /** Empty: no authentication (only with the sandbox or GATEWAY_ALLOW_ANONYMOUS=true). */
  apiKeys: readonly ApiKey[];
  allowAnonymous: boolean;
  /** Browser origins allowed by CORS and on WebSocket upgrades; undefined: any origin. */
  corsOrigins?: readonly string[];
  /** NODE_ENV=production: no introspection, no field suggestions. */
  production: boolean;
  /**
   * GATEWAY_METRICS: who may read `/metrics`; `admin` (an API key with the admin scope) unless
   * set. Without API keys everyone has every scope, so `admin` is then as open as `public`.
   */
  metrics?: MetricsAccess;
  limits: OperationLimits;
}

function apiKeysFromEnv(env: Env): ApiKey[] {
  const inline = env.GATEWAY_API_KEYS?.trim();
  const file = env.GATEWAY_API_KEYS_FILE?.trim();
  if (inline && file) {
    throw new ConfigError(
      'GATEWAY_API_KEYS',
      'set either GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE',
    );
  }
  if (inline) return parseApiKeys(inline, 'GATEWAY_API_KEYS');
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError('GATEWAY_API_KEYS_FILE', `cannot read the file (${String(code)})`);
  }
  return parseApiKeys(text, 'GATEWAY_API_KEYS_FILE');
}

function booleanVar(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, 'must be true or false');
}

function originsVar(env: Env, name: string): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    if (origin === '*') return origin;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(
        name,
        `"${origin.slice(0, 60)}" is not an origin (https://host[:port])`,
      );
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(
        name,
        `"${origin.slice(0, 60)}" is not an origin; use ${parsed.origin}`,
      );
    }
    return origin;
  });
}

function metricsVar(env: Env): { metrics?: MetricsAccess } {
  const raw = env.GATEWAY_METRICS?.trim().toLowerCase();
  if (!raw) return {};
  if (raw !== 'public' && raw !== 'admin') {
    throw new ConfigError('GATEWAY_METRICS', 'must be public or admin');
  }
  return { metrics: raw };
}

export function securityFromEnv(env: Env): SecuritySettings {
  const d = DEFAULT_LIMITS;
  const corsOrigins = originsVar(env, 'GATEWAY_CORS_ORIGINS');
  return {
    apiKeys: apiKeysFromEnv(env),
    allowAnonymous: booleanVar(env, 'GATEWAY_ALLOW_ANONYMOUS'),
    ...(corsOrigins && { corsOrigins }),
    production: env.NODE_ENV?.trim() === 'production',
    ...metricsVar(env),
    limits: {
      maxDepth: intVar(env, 'GATEWAY_MAX_DEPTH', d.maxDepth, 1),
      maxAliases: intVar(env, 'GATEWAY_MAX_ALIASES', d.maxAliases, 0),
      maxTokens: intVar(env, 'GATEWAY_MAX_TOKENS', d.maxTokens, 1),
      maxDirectives: intVar(env, 'GATEWAY_MAX_DIRECTIVES', d.maxDirectives, 0),
      maxCost: intVar(env, 'GATEWAY_MAX_COST', d.maxCost, 1),
      maxMarketoCalls: intVar(env, 'GATEWAY_MAX_MARKETO_CALLS', d.maxMarketoCalls, 1),
      maxBodyBytes: intVar(env, 'GATEWAY_MAX_BODY_BYTES', d.maxBodyBytes, 1),
      maxUploadBytes: intVar(env, 'GATEWAY_MAX_UPLOAD_BYTES', d.maxUploadBytes, 1),
      maxUploadFiles: intVar(env, 'GATEWAY_MAX_UPLOAD_FILES', d.maxUploadFiles, 0),
      maxRowBytes: intVar(env, 'GATEWAY_MAX_ROW_BYTES', d.maxRowBytes, 1),
      headersTimeoutMs: intVar(env, 'GATEWAY_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1),
      requestTimeoutMs: intVar(env, 'GATEWAY_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 1),
      maxSubscriptionsPerSocket: intVar(
        env,
        'GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET',
        d.maxSubscriptionsPerSocket,
        1,
      ),
      maxSubscriptionsPerKey: intVar(
        env,
        'GATEWAY_MAX_SUBSCRIPTIONS_PER_KEY',
        d.maxSubscriptionsPerKey,
        1,
      ),
    },
  };
}

/** The loggable form: key names and scopes, never keys. */
export function describeSecurity(settings: SecuritySettings): Record<string, unknown> {
  return {
    apiKeys: settings.apiKeys.map((k) => ({ name: k.name, scopes: k.scopes })),
    allowAnonymous: settings.allowAnonymous,
    corsOrigins: settings.corsOrigins ?? '*',
    metrics: settings.metrics ?? 'admin',
    production: settings.production,
    limits: settings.limits,
  };
}

/**
 * The keys the gateway will accept. Refuses to start an open gateway in front of a real Marketo
 * unless GATEWAY_ALLOW_ANONYMOUS=true; warns whenever it runs open. No settings at all
 * (embedding, tests) means open.
 */
export function acceptedApiKeys(
  security: SecuritySettings | undefined,
  marketo: { sandbox: boolean },
  logger: Logger,
): readonly ApiKey[] {
  const keys = security?.apiKeys ?? [];
  if (keys.length > 0) return keys;
  if (security && !marketo.sandbox && !security.allowAnonymous) {
    throw new ConfigError(
      'GATEWAY_API_KEYS',
      'required in front of a real Marketo instance (or GATEWAY_API_KEYS_FILE; GATEWAY_ALLOW_ANONYMOUS=true to run open)',
    );
  }
  logger.warn(
    'no API keys configured: anyone who can reach the gateway can use it with every scope',
  );
  return [];
}
