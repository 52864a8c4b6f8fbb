/**
 * Marketo's activity types (`activities/types.json`), cached process-wide like the describe:
 * they change only when an admin adds a custom activity type.
 */
import type { ActivityType, MarketoApi } from '../marketo/api.js';
import { SharedTtlValue } from './ttl-cache.js';

export class ActivityTypesSnapshot {
  readonly types: readonly ActivityType[];
  readonly #byId: ReadonlyMap<number, ActivityType>;
  readonly #byName: ReadonlyMap<string, ActivityType>;
  constructor(types: readonly ActivityType[]) {
    this.types = types;
    this.#byId = new Map(types.map((t) => [t.id, t]));
    // Names match ignoring case and spacing ("change data value", "Change Data Value").
    this.#byName = new Map(types.map((t) => [normalise(t.name), t]));
  }
  byId(id: number): ActivityType | undefined {
    return this.#byId.get(id);
  }
  byName(name: string): ActivityType | undefined {
    return this.#byName.get(normalise(name));
  }
  /** The dataType of an attribute (or the primary attribute) of a type, when Marketo declares it. */
  dataType(typeId: number, attribute: string): string | undefined {
    const type = this.#byId.get(typeId);
    if (type?.primaryAttribute?.name === attribute) return type.primaryAttribute.dataType;
    return type?.attributes.find((a) => a.name === attribute)?.dataType;
  }
}

const normalise = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

export class ActivityTypeCatalog {
  readonly #value: SharedTtlValue<ActivityTypesSnapshot>;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#value = new SharedTtlValue(options);
  }

  get(api: MarketoApi): Promise<ActivityTypesSnapshot> {
    return this.#value.get(async () => new ActivityTypesSnapshot(await api.getActivityTypes()));
  }
}
