/**
 * API keys: parsed from `GATEWAY_API_KEYS` (JSON) or `GATEWAY_API_KEYS_FILE`, and checked in
 * constant time. Presented and stored keys are both hashed (SHA-256, fixed length) and every
 * stored hash is compared with `timingSafeEqual`, so neither the key's length nor which key
 * matched shows in the timing, and a failure never says whether a key exists.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../marketo/errors.js';
import { isScope, type Principal, SCOPES, type Scope } from './scopes.js';

export interface ApiKey {
  readonly name: string;
  readonly key: string;
  readonly scopes: readonly Scope[];
  /**
   * The key's share of the daily Marketo quota: calls per day, or a percentage of
   * MARKETO_DAILY_QUOTA (`"10%"`); unlimited (only the quota itself) when absent.
   */
  readonly dailyCalls?: number | `${number}%`;
}

const PERCENT = /^(\d+(?:\.\d+)?)%$/;

function dailyCallsOf(value: unknown, at: string): ApiKey['dailyCalls'] {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const percent = typeof value === 'string' ? PERCENT.exec(value.trim()) : null;
  if (percent && Number(percent[1]) <= 100) return `${Number(percent[1])}%`;
  throw new ConfigError(
    `${at}.dailyCalls`,
    'must be a whole number of calls per day (5000) or a share of MARKETO_DAILY_QUOTA ("10%")',
  );
}

/** A key's daily call limit given the instance's daily quota; undefined: no limit of its own. */
export function dailyCallLimit(key: ApiKey, dailyQuota: number): number | undefined {
  if (key.dailyCalls === undefined) return undefined;
  if (typeof key.dailyCalls === 'number') return key.dailyCalls;
  return Math.floor((dailyQuota * Number(key.dailyCalls.slice(0, -1))) / 100);
}

/** Keys shorter than this are refused at start: they could be guessed. */
const MIN_KEY_LENGTH = 16;

/** Validates the JSON array of `{ name, key, scopes }`; `variable` names the source in errors. */
export function parseApiKeys(json: string, variable: string): ApiKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(variable, 'must be a JSON array of { "name", "key", "scopes" }');
  }
  if (!Array.isArray(parsed)) {
    throw new ConfigError(variable, 'must be a JSON array of { "name", "key", "scopes" }');
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  return parsed.map((entry: unknown, index): ApiKey => {
    const at = `${variable}[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      throw new ConfigError(at, 'must be an object { "name", "key", "scopes" }');
    }
    const { name, key, scopes, dailyCalls } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new ConfigError(`${at}.name`, 'must be a non-empty string');
    }
    if (names.has(name)) throw new ConfigError(`${at}.name`, `"${name}" is used twice`);
    // The key itself is never echoed back, only what is wrong with it.
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
      throw new ConfigError(
        `${at}.key`,
        `must be a string of at least ${MIN_KEY_LENGTH} characters`,
      );
    }
    if (keys.has(key)) throw new ConfigError(`${at}.key`, 'is the same as another key');
    if (!Array.isArray(scopes) || scopes.length === 0) {
      throw new ConfigError(`${at}.scopes`, `must be a non-empty array of ${SCOPES.join(', ')}`);
    }
    const unknown = scopes.find((scope) => !isScope(scope));
    if (unknown !== undefined) {
      throw new ConfigError(
        `${at}.scopes`,
        `unknown scope ${JSON.stringify(unknown)}; use ${SCOPES.join(', ')}`,
      );
    }
    const limit = dailyCallsOf(dailyCalls, at);
    names.add(name);
    keys.add(key);
    return {
      name,
      key,
      scopes: scopes as Scope[],
      ...(limit !== undefined && { dailyCalls: limit }),
    };
  });
}

/** One-shot SHA-256 (no Hash object per request). */
const digest = (value: string): Buffer => hash('sha256', value, 'buffer');

export class ApiKeyAuthenticator {
  readonly #entries: ReadonlyArray<{ hash: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKey[]) {
    this.#entries = keys.map((k) => ({
      hash: digest(k.key),
      principal: { name: k.name, scopes: new Set(k.scopes) },
    }));
  }

  /** The key's principal, or undefined for a missing or wrong key. */
  authenticate(presented: string): Principal | undefined {
    const hash = digest(presented);
    let match: Principal | undefined;
    // No early exit: every stored hash is compared whichever matches.
    for (const entry of this.#entries) {
      if (timingSafeEqual(hash, entry.hash)) match ??= entry.principal;
    }
    return match;
  }

  /**
   * Exactly `Bearer <key>` (the scheme in any case), on HTTP and in graphql-ws connectionParams
   * alike: a bare key is refused, so there is one documented form and nothing to guess.
   */
  authenticateHeader(value: unknown): Principal | undefined {
    if (typeof value !== 'string') return undefined;
    const match = /^Bearer (\S+)$/i.exec(value.trim());
    return match ? this.authenticate(match[1]!) : undefined;
  }
}
