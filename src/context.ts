/**
 * The GraphQL context: process-wide services (built once by server.ts) plus what belongs to one
 * operation — a client view that charges every Marketo call to this operation's cost tracker, and
 * fresh DataLoaders (never shared between requests; only their lead reads by id may share a
 * Marketo call with concurrent operations, `loaders/shared-reads.ts`).
 */
import { randomUUID } from 'node:crypto';
import { ANONYMOUS, type Principal } from './auth/scopes.js';
import type { ExportJobManager } from './bulk/export-jobs.js';
import type { ImportJobManager } from './bulk/import-jobs.js';
import { CostTracker } from './cost.js';
import type { FeedManager } from './feeds/feeds.js';
import type { ActivityTypeCatalog } from './loaders/activity-types.js';
import type { FieldCatalog } from './loaders/field-catalog.js';
import { GatewayLoaders } from './loaders/index.js';
import type { SharedLeadReads } from './loaders/shared-reads.js';
import type { Logger } from './logger.js';
import type { KeyBudgets } from './security/key-budget.js';
import type { MarketoApi } from './marketo/api.js';

/** Which Marketo the gateway talks to (never carries credentials). */
export interface MarketoInstanceInfo {
  mode: 'SANDBOX' | 'MARKETO';
  /** Origin of the REST API, e.g. `https://123-abc-456.mktorest.com` or the sandbox's URL. */
  origin: string;
}

/** Built once per process. */
export interface GatewayServices {
  marketo: MarketoApi;
  fieldCatalog: FieldCatalog;
  /** Activity types (`activities/types.json`), cached like the describe. */
  activityTypes?: ActivityTypeCatalog;
  /** Lead reads by id shared by concurrent operations (one call for many `lead(id:)`). */
  leadReads?: SharedLeadReads;
  instance: MarketoInstanceInfo;
  logger: Logger;
  /** Bulk export jobs: one runner per job, shared by every operation and subscriber. */
  exportJobs: ExportJobManager;
  /** Bulk import jobs: split, queued, polled and mapped back to input rows. */
  importJobs: ImportJobManager;
  /** API keys' shares of the daily quota (`dailyCalls`); none without it. */
  keyBudgets?: KeyBudgets;
  /** Change feeds (`leadChanged`, `activityAdded`): one poller per feed fleet-wide. */
  feeds?: FeedManager;
}

export interface GraphQLContext {
  requestId: string;
  /** The API key calling (scope-auth reads its scopes); `anonymous` in open mode. */
  principal: Principal;
  /** The Marketo client, charged to this operation (`extensions.marketo`). */
  marketo: MarketoApi;
  cost: CostTracker;
  loaders: GatewayLoaders;
  instance: MarketoInstanceInfo;
  logger: Logger;
  exportJobs: ExportJobManager;
  importJobs: ImportJobManager;
  feeds?: FeedManager;
}

export function createContext(
  services: GatewayServices,
  init: { signal?: AbortSignal; principal?: Principal; requestId?: string } = {},
): GraphQLContext {
  // The HTTP request's id (`x-request-id`); a fresh one per graphql-ws operation.
  const requestId = init.requestId ?? randomUUID();
  const principal = init.principal ?? ANONYMOUS;
  const cost = new CostTracker(services.keyBudgets?.for(principal.name));
  const { leadReads } = services;
  const marketo = services.marketo.withContext({
    tracker: cost,
    principal: principal.name,
    ...(init.signal && { signal: init.signal }),
    requestId,
  });
  return {
    requestId,
    principal,
    marketo,
    cost,
    loaders: new GatewayLoaders(marketo, services.fieldCatalog, cost, {
      // The describe is shared by concurrent operations: one client going away must not abort it.
      describeApi: services.marketo.withContext({ tracker: cost, principal: principal.name }),
      ...(services.activityTypes && { activityTypes: services.activityTypes }),
      ...(leadReads && {
        readLeads: (ids, fields) =>
          leadReads.read(ids, fields, {
            tracker: cost,
            principal: principal.name,
            ...(init.signal && { signal: init.signal }),
          }),
      }),
    }),
    instance: services.instance,
    logger: services.logger.child({ requestId, principal: principal.name }),
    exportJobs: services.exportJobs,
    importJobs: services.importJobs,
    ...(services.feeds && { feeds: services.feeds }),
  };
}
