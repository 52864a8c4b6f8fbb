/**
 * Marketo's lead field describe, cached process-wide with a TTL (describe changes only when an admin
 * adds a field). Concurrent callers share one in-flight request; a failed describe is not cached.
 */
import type { FieldDescription, MarketoApi } from '../marketo/api.js';
import { SharedTtlValue } from './ttl-cache.js';

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
  readonly #value: SharedTtlValue<FieldCatalogSnapshot>;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#value = new SharedTtlValue(options);
  }

  /** The describe, fetched through `api` (so the call is charged to the asking operation) when stale. */
  get(api: MarketoApi): Promise<FieldCatalogSnapshot> {
    return this.#value.get(async () => new FieldCatalogSnapshot(await api.describeLeads()));
  }

  invalidate(): void {
    this.#value.invalidate();
  }
}
