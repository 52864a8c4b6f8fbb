/**
 * Per-operation DataLoaders over the Marketo client. Every lookup made while one operation runs
 * (aliases, lists of ids, nested fields) is collected into batches of at most 300 keys, Marketo's
 * per-call record limit, and answered in key order with `null` where Marketo has nothing.
 */
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo, OperationDefinitionNode } from 'graphql';
import { InputError } from '../errors.js';
import type {
  Campaign,
  Lead,
  ListMembership,
  MarketoApi,
  Page,
  PageRequest,
  StaticList,
} from '../marketo/api.js';
import { ActivityTypeCatalog, type ActivityTypesSnapshot } from './activity-types.js';
import type { FieldCatalog, FieldCatalogSnapshot } from './field-catalog.js';
import { collectLeadSelection } from './lead-selection.js';

/** Marketo's records-per-call limit. */
export const MARKETO_BATCH_SIZE = 300;

/**
 * Reads leads by id for the loaders (found leads, any order): the operation's own client, or
 * reads shared with concurrent operations (`shared-reads.ts`).
 */
export type LeadReader = (ids: readonly number[], fields: readonly string[]) => Promise<Lead[]>;

export interface LeadFilterKey {
  field: string;
  value: string;
}

export interface LeadLoaders {
  /** REST field names asked of Marketo for every lead this operation reads. */
  fields: readonly string[];
  byId: DataLoader<number, Lead | null>;
  /** Every lead matching `field = value` (a value can match several leads, or none). */
  byFilter: DataLoader<LeadFilterKey, Lead[], string>;
}

/** Told which lead fields an operation asks Marketo for (reported in `extensions.marketo`). */
export interface LeadFieldsObserver {
  noteLeadFields(fields: readonly string[]): void;
}

export class GatewayLoaders {
  readonly #api: MarketoApi;
  readonly #catalog: FieldCatalog;
  readonly #leadLoaders = new WeakMap<OperationDefinitionNode, Promise<LeadLoaders>>();

  readonly #cost: LeadFieldsObserver | undefined;
  readonly #describeApi: MarketoApi;
  readonly #readLeads: LeadReader;
  readonly #activityTypes: ActivityTypeCatalog;

  constructor(
    api: MarketoApi,
    catalog: FieldCatalog,
    cost?: LeadFieldsObserver,
    options: {
      describeApi?: MarketoApi;
      readLeads?: LeadReader;
      /** Process-wide activity types cache (a per-operation one without it). */
      activityTypes?: ActivityTypeCatalog;
    } = {},
  ) {
    this.#api = api;
    this.#catalog = catalog;
    this.#cost = cost;
    this.#describeApi = options.describeApi ?? api;
    this.#readLeads = options.readLeads ?? ((ids, fields) => api.getLeadsByIds(ids, fields));
    this.#activityTypes = options.activityTypes ?? new ActivityTypeCatalog({ ttlMs: 60_000 });
  }

  /** The (TTL-cached) activity types. */
  activityTypes(): Promise<ActivityTypesSnapshot> {
    return this.#activityTypes.get(this.#describeApi);
  }

  /** The (TTL-cached) lead field describe. */
  fieldCatalog(): Promise<FieldCatalogSnapshot> {
    return this.#catalog.get(this.#describeApi);
  }

  /**
   * Lead loaders for the operation `info` belongs to, asking Marketo for the union of the lead
   * fields the operation selects. Throws an InputError for a `field(name:)` Marketo does not have.
   */
  leads(info: GraphQLResolveInfo): Promise<LeadLoaders> {
    let loaders = this.#leadLoaders.get(info.operation);
    if (!loaders) {
      loaders = this.#createLeadLoaders(info);
      this.#leadLoaders.set(info.operation, loaders);
    }
    return loaders;
  }

  async #createLeadLoaders(info: GraphQLResolveInfo): Promise<LeadLoaders> {
    const selection = collectLeadSelection(info);
    const catalog = await this.fieldCatalog();
    const fields = new Set<string>();
    for (const name of selection.standard) {
      // A standard field this instance lacks simply reads as null.
      if (catalog.has(name)) fields.add(name);
    }
    for (const request of selection.named) {
      if (!catalog.has(request.name)) {
        throw new InputError(request.argument, `unknown lead field '${request.name}'`, {
          field: request.name,
        });
      }
      fields.add(request.name);
    }
    const fieldList = fields.size > 0 ? [...fields].sort() : ['id'];
    this.#cost?.noteLeadFields(fieldList);
    const api = this.#api;
    const readLeads = this.#readLeads;

    const byId = new DataLoader<number, Lead | null>(
      async (ids) => {
        const leads = await readLeads(ids, fieldList);
        const found = new Map(leads.map((lead) => [lead.id, lead]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: MARKETO_BATCH_SIZE, name: 'leadById' },
    );

    const byFilter = new DataLoader<LeadFilterKey, Lead[], string>(
      async (keys) => {
        const byField = new Map<string, string[]>();
        for (const key of keys) {
          const values = byField.get(key.field) ?? [];
          values.push(key.value);
          byField.set(key.field, values);
        }
        const matches = new Map<string, Lead[]>();
        await Promise.all(
          [...byField].map(async ([field, values]) => {
            const wanted = fieldList.includes(field) ? fieldList : [...fieldList, field];
            const leads = await api.getLeadsByFilter(field, values, wanted);
            for (const lead of leads) {
              byId.prime(lead.id, lead);
              const key = filterKey({ field, value: String(lead[field] ?? '') });
              const list = matches.get(key) ?? [];
              list.push(lead);
              matches.set(key, list);
            }
          }),
        );
        return keys.map((key) => matches.get(filterKey(key)) ?? []);
      },
      // No cap here: the client cuts the whole set into balanced chunks (1,000 values → 4 × 250),
      // leaving room in each 300-record page for values that match more than one lead. Chunks
      // of exactly 300 would overflow into a second call whenever one value matched twice.
      { cacheKeyFn: filterKey, name: 'leadsByFilter' },
    );

    return { fields: fieldList, byId, byFilter };
  }

  // The loaders below are made on first use: most operations touch none of them.
  #listById: DataLoader<number, StaticList | null> | undefined;
  get listById(): DataLoader<number, StaticList | null> {
    return (this.#listById ??= new DataLoader<number, StaticList | null>(
      async (ids) => {
        const lists = await allPages((page) => this.#api.getLists({ ids: [...ids] }, page));
        const found = new Map(lists.map((list) => [list.id, list]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: MARKETO_BATCH_SIZE, name: 'listById' },
    ));
  }

  #campaignById: DataLoader<number, Campaign | null> | undefined;
  get campaignById(): DataLoader<number, Campaign | null> {
    return (this.#campaignById ??= new DataLoader<number, Campaign | null>(
      async (ids) => {
        const campaigns = await allPages((page) => this.#api.getCampaigns({ ids: [...ids] }, page));
        const found = new Map(campaigns.map((campaign) => [campaign.id, campaign]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: MARKETO_BATCH_SIZE, name: 'campaignById' },
    ));
  }

  /** `listId:leadId` → member or not; one Marketo call per list per 300 leads. */
  get isMember(): DataLoader<{ listId: number; leadId: number }, boolean, string> {
    return (this.#isMember ??= new DataLoader<{ listId: number; leadId: number }, boolean, string>(
      async (keys) => {
        const byList = new Map<number, number[]>();
        for (const { listId, leadId } of keys) {
          const ids = byList.get(listId) ?? [];
          if (!ids.includes(leadId)) ids.push(leadId);
          byList.set(listId, ids);
        }
        const answers = new Map<string, boolean | Error>();
        await Promise.all(
          [...byList].map(async ([listId, leadIds]) => {
            try {
              const results = await this.#api.isMemberOfList(listId, leadIds);
              leadIds.forEach((leadId, index) => {
                answers.set(`${listId}:${leadId}`, results[index]?.status === 'memberof');
              });
            } catch (error) {
              for (const leadId of leadIds) {
                answers.set(`${listId}:${leadId}`, error instanceof Error ? error : new Error());
              }
            }
          }),
        );
        return keys.map((key) => answers.get(memberKey(key)) ?? false);
      },
      { maxBatchSize: MARKETO_BATCH_SIZE, cacheKeyFn: memberKey, name: 'isMember' },
    ));
  }

  #isMember: DataLoader<{ listId: number; leadId: number }, boolean, string> | undefined;

  /** Marketo answers list membership one lead per call; the loader only de-duplicates. */
  get membershipsOfLead(): DataLoader<number, ListMembership[]> {
    return (this.#membershipsOfLead ??= new DataLoader<number, ListMembership[]>(
      (leadIds) => Promise.all(leadIds.map((id) => this.#api.getListMembershipOfLead(id))),
      { name: 'membershipsOfLead' },
    ));
  }

  #membershipsOfLead: DataLoader<number, ListMembership[]> | undefined;
}

function filterKey(key: LeadFilterKey): string {
  // Marketo matches emails case-insensitively.
  const value = key.field === 'email' ? key.value.toLowerCase() : key.value;
  return `${key.field}\u0000${value}`;
}

function memberKey(key: { listId: number; leadId: number }): string {
  return `${key.listId}:${key.leadId}`;
}

async function allPages<T>(fetch: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let nextPageToken: string | undefined;
  do {
    const page = await fetch({
      batchSize: MARKETO_BATCH_SIZE,
      ...(nextPageToken !== undefined && { nextPageToken }),
    });
    items.push(...page.items);
    nextPageToken = page.items.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return items;
}
