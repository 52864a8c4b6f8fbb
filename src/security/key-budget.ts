/**
 * Per-key shares of the daily Marketo quota (`GATEWAY_API_KEYS` entries with `dailyCalls`): each
 * key's calls are counted per Marketo day (midnight US Central), and a key that has spent its
 * share gets KEY_QUOTA_EXHAUSTED, naming its limit, before its next call is sent, while other
 * keys go on. Counted per gateway instance.
 */
import { type ApiKey, dailyCallLimit } from '../auth/api-keys.js';
import type { CallBudget } from '../cost.js';
import { GatewayError } from '../errors.js';
import { centralDay, nextCentralMidnight } from '../marketo/central-time.js';

class KeyBudget implements CallBudget {
  #day = '';
  #spent = 0;

  constructor(
    readonly name: string,
    readonly limit: number,
    readonly now: () => number,
  ) {}

  admit(): void {
    const now = this.now();
    const day = centralDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#spent = 0;
    }
    if (this.#spent >= this.limit) {
      throw new GatewayError(
        'KEY_QUOTA_EXHAUSTED',
        `API key "${this.name}" has used its daily share of ${this.limit} Marketo calls; it resets at 00:00 US Central`,
        {
          extensions: {
            limit: this.limit,
            resetsAt: new Date(nextCentralMidnight(now)).toISOString(),
          },
        },
      );
    }
    this.#spent += 1;
  }
}

export class KeyBudgets {
  readonly #byName = new Map<string, KeyBudget>();

  constructor(keys: readonly ApiKey[], dailyQuota: number, now: () => number = Date.now) {
    for (const key of keys) {
      const limit = dailyCallLimit(key, dailyQuota);
      if (limit !== undefined) this.#byName.set(key.name, new KeyBudget(key.name, limit, now));
    }
  }

  /** The budget of a key by name; undefined for a key without a share of its own. */
  for(name: string): CallBudget | undefined {
    return this.#byName.get(name);
  }
}
