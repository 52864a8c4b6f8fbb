/**
 * Marketo's lead field describe, cached process-wide with a TTL (describe changes only when an admin
 * adds a field). Concurrent callers share one in-flight request; a failed describe is not cached.
 */
import type { FieldDescription, MarketoApi } from '../marketo/api.js';

export class FieldCatalogSnapshot {
  readonly fields: readonly FieldDescription[];
  readonly #byName: ReadonlyMap<string, FieldDescription>;
  constructor(fields: readonly FieldDescription[]) {
    this.fields = fields;
    this.#byName = new Map(fields.map((field) => [field.name, field]));
  }
  get(name: string): FieldDescription | undefined {
    return this.#byName.get(name);
  }
  has(name: string): boolean {
    return this.#byName.has(name);
  }
}

export class FieldCatalog {
  readonly #ttlMs: number;
  readonly #now: () => number;
  #cached: { snapshot: FieldCatalogSnapshot; expiresAt: number } | undefined;
  #inFlight: Promise<FieldCatalogSnapshot> | undefined;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** The describe, fetched through `api` (so the call is charged to the asking operation) when stale. */
  get(api: MarketoApi): Promise<FieldCatalogSnapshot> {
    if (this.#cached && this.#cached.expiresAt > this.#now()) {
      return Promise.resolve(this.#cached.snapshot);
    }
    if (!this.#inFlight) {
      this.#inFlight = api
        .describeLeads()
        .then((fields) => {
          const snapshot = new FieldCatalogSnapshot(fields);
          this.#cached = { snapshot, expiresAt: this.#now() + this.#ttlMs };
          return snapshot;
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
