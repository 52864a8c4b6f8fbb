/**
 * Per-key shares of the daily Marketo quota (`GATEWAY_API_KEYS` entries with `dailyCalls`): each
 * key's calls are counted per Marketo day (midnight US Central), and a key that has spent its
 * share gets KEY_QUOTA_EXHAUSTED, naming its limit, before its next call is sent, while other
 * keys go on. Counted per gateway instance, or fleet-wide when a `SharedKeyBudgets` (Redis,
 * `src/redis/key-budgets.ts`) is given.
 */
import { type ApiKey, dailyCallLimit } from '../auth/api-keys.js';
import type { CallBudget } from '../cost.js';
import { GatewayError } from '../errors.js';
import { centralDay, nextCentralMidnight } from '../marketo/central-time.js';

/** The refusal of a key that has spent its share today. */
export function keyQuotaError(name: string, limit: number, now: number): GatewayError {
  return new GatewayError(
    'KEY_QUOTA_EXHAUSTED',
    `API key "${name}" has used its daily share of ${limit} Marketo calls; it resets at 00:00 US Central`,
    { extensions: { limit, resetsAt: new Date(nextCentralMidnight(now)).toISOString() } },
  );
}

/** One key's count in this process. */
export class LocalKeyBudget implements CallBudget {
  #day = '';
  #spent = 0;

  constructor(
    readonly name: string,
    readonly limit: number,
    readonly now: () => number = Date.now,
  ) {}

  admit(): void {
    const now = this.now();
    const day = centralDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#spent = 0;
    }
    if (this.#spent >= this.limit) throw keyQuotaError(this.name, this.limit, now);
    this.#spent += 1;
  }
}

/** Keys' budgets counted across a fleet (with a local fallback of their own). */
export interface SharedKeyBudgets {
  budget(name: string, limit: number): CallBudget;
}

export class KeyBudgets {
  readonly #byName = new Map<string, CallBudget>();

  constructor(
    keys: readonly ApiKey[],
    dailyQuota: number,
    options: { now?: () => number; shared?: SharedKeyBudgets } = {},
  ) {
    for (const key of keys) {
      const limit = dailyCallLimit(key, dailyQuota);
      if (limit === undefined) continue;
      this.#byName.set(
        key.name,
        options.shared
          ? options.shared.budget(key.name, limit)
          : new LocalKeyBudget(key.name, limit, options.now),
      );
    }
  }

  /** The budget of a key by name; undefined for a key without a share of its own. */
  for(name: string): CallBudget | undefined {
    return this.#byName.get(name);
  }
}
