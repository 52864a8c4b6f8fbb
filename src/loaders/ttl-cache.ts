/**
 * One value fetched from Marketo and cached process-wide with a TTL (describe, activity types):
 * concurrent callers share one in-flight request; a failed fetch is not cached.
 */
export class SharedTtlValue<T> {
  readonly #ttlMs: number;
  readonly #now: () => number;
  #cached: { value: T; expiresAt: number } | undefined;
  #inFlight: Promise<T> | undefined;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** The cached value, or `load()`'s (shared by concurrent callers) when stale. */
  get(load: () => Promise<T>): Promise<T> {
    if (this.#cached && this.#cached.expiresAt > this.#now()) {
      return Promise.resolve(this.#cached.value);
    }
    if (!this.#inFlight) {
      this.#inFlight = load()
        .then((value) => {
          this.#cached = { value, expiresAt: this.#now() + this.#ttlMs };
          return value;
        })
        .finally(() => {
          this.#inFlight = undefined;
        });
    }
    return this.#inFlight;
  }

  invalidate(): void {
    this.#cached = undefined;
  }
}
