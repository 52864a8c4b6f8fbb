/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** A program token for this run, e.g. `{ name: "{{my.message}}", value: "Hello" }`. */
export type CampaignTokenInput = {
  name: string;
  value: string;
};

export type CreateExportJobInput = {
  /** Field name → column header text in the file (and keys of the rows). */
  columnHeaderNames?: Record<string, unknown> | null | undefined;
  entity?: ExportEntity | null | undefined;
  /** REST field names (required for leads; activities default to all columns). */
  fields?: Array<string> | null | undefined;
  filter: ExportFilterInput;
  format?: ExportFormat | null | undefined;
};

/** Inclusive range; longer than 31 days is split into several Marketo jobs. */
export type DateTimeRangeInput = {
  endAt: string;
  startAt: string;
};

/** What a bulk export extracts. */
export type ExportEntity =
  | 'ACTIVITIES'
  | 'LEADS';

/** Leads: exactly one of createdAt, updatedAt, staticListId/Name, smartListId/Name. Activities: createdAt (required), activityTypeIds, primaryAttributeValueIds or primaryAttributeValues. */
export type ExportFilterInput = {
  activityTypeIds?: Array<number> | null | undefined;
  createdAt?: DateTimeRangeInput | null | undefined;
  primaryAttributeValueIds?: Array<number> | null | undefined;
  primaryAttributeValues?: Array<string> | null | undefined;
  smartListId?: number | null | undefined;
  smartListName?: string | null | undefined;
  staticListId?: number | null | undefined;
  staticListName?: string | null | undefined;
  updatedAt?: DateTimeRangeInput | null | undefined;
};

/** CSV (comma), TSV (tab), SSV (semicolon). */
export type ExportFormat =
  | 'CSV'
  | 'SSV'
  | 'TSV';

/** Marketo's states (CREATED, QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED), then the gateway's: DOWNLOADING the file (parsed as it arrives: rows already readable), PARSING the last rows once the file's checksum is verified, READY (all rows readable). WAITING: held in the gateway's queue because Marketo's export queue is full or the daily export quota is spent. */
export type ExportJobState =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'CREATED'
  | 'DOWNLOADING'
  | 'FAILED'
  | 'PARSING'
  | 'PROCESSING'
  | 'QUEUED'
  | 'READY'
  | 'WAITING';

export type ExportWaitReason =
  /** The daily export volume is spent; resumes after midnight US Central. */
  | 'DAILY_QUOTA'
  /** Marketo answered 1029 Too many jobs in queue; retried as slots free up. */
  | 'QUEUE_FULL';

/** CSV (comma), TSV (tab), SSV (semicolon). */
export type ImportFormat =
  | 'CSV'
  | 'SSV'
  | 'TSV';

/** Marketo's states (QUEUED, IMPORTING, COMPLETE, FAILED), plus the gateway's for split imports: SPLITTING while the input is still being cut into Marketo files, PARTIAL when some of its Marketo jobs completed and others failed (or the input broke off after some were sent). */
export type ImportJobState =
  | 'COMPLETE'
  | 'FAILED'
  | 'IMPORTING'
  | 'PARTIAL'
  | 'QUEUED'
  | 'SPLITTING';

/** Exactly one of `file` (an upload), `data` (delimited text) or `rows` (JSON objects). Input larger than IMPORT_MAX_FILE_BYTES (10 MB) is split into several Marketo import jobs on row boundaries. */
export type ImportLeadsInput = {
  /** Delimited text; the header row holds Marketo REST field names. */
  data?: string | null | undefined;
  /** Delimited file in `format`; the header row holds Marketo REST field names. */
  file?: unknown;
  format?: ImportFormat;
  /** Add every imported lead to this static list. */
  listId?: number | null | undefined;
  lookupField?: string;
  partitionName?: string | null | undefined;
  /** Rows keyed by REST field names (written as `format` with csv-stringify). */
  rows?: Array<Record<string, unknown>> | null | undefined;
};

export type LeadChangeKind =
  | 'CHANGE_DATA_VALUE'
  | 'NEW_LEAD';

export type ListAction =
  | 'ADD'
  | 'REMOVE';

export type ListMemberStatus =
  | 'ADDED'
  | 'REMOVED'
  | 'SKIPPED';

/** SANDBOX: the built-in simulator; MARKETO: a configured instance. */
export type MarketoMode =
  | 'MARKETO'
  | 'SANDBOX';

export type UpsertAction =
  | 'CREATE_DUPLICATE'
  | 'CREATE_ONLY'
  | 'CREATE_OR_UPDATE'
  | 'UPDATE_ONLY';

export type UpsertCampaignStepInput = {
  /** An active trigger campaign id. */
  id: number;
  tokens?: Array<CampaignTokenInput> | null | undefined;
};

export type UpsertLeadsInput = {
  action?: UpsertAction;
  /** The rows as a delimited upload in `format` (header of REST field names), streamed to disk: for inputs too large for a JSON body. Exactly one of `leads` and `file`. AUTO counts its rows first. */
  file?: unknown;
  /** Of `file`. */
  format?: ImportFormat;
  /** Rows keyed by Marketo REST field names. Exactly one of `leads` and `file`. */
  leads?: Array<unknown> | null | undefined;
  lookupField?: string;
  mode?: UpsertMode;
  partitionName?: string | null | undefined;
  then?: UpsertThenInput | null | undefined;
};

export type UpsertListStepInput = {
  action?: ListAction;
  /** Static list id. */
  id: number;
};

/** SYNC: Marketo's synchronous API, 300 rows per call, per-row results at once. BULK: a bulk import (split into 10 MB files), per-row failures and warnings in `importJob` when it finishes. AUTO: BULK from UPSERT_BULK_THRESHOLD rows on (10 000) when the request allows it, else SYNC. */
export type UpsertMode =
  | 'AUTO'
  | 'BULK'
  | 'SYNC';

/** CREATED/UPDATED by Marketo; SKIPPED by Marketo (reasons carry Marketo codes); FAILED: not applied because the gateway rejected the row before sending (INVALID_VALUE, MISSING_LOOKUP_VALUE, INVALID_ROW) or the call carrying it failed (its error code, e.g. QUOTA_EXHAUSTED, OUTCOME_UNKNOWN: the row may or may not have been applied). */
export type UpsertStatus =
  | 'CREATED'
  | 'FAILED'
  | 'SKIPPED'
  | 'UPDATED';

/** ADDED/REMOVED/TRIGGERED: done; SKIPPED: Marketo skipped it (reasons); FAILED: the step call failed (reasons); NOT_ATTEMPTED: the row has no lead (it was not created or updated). */
export type UpsertStepStatus =
  | 'ADDED'
  | 'FAILED'
  | 'NOT_ATTEMPTED'
  | 'REMOVED'
  | 'SKIPPED'
  | 'TRIGGERED';

/** One follow-up step for the upserted leads: a list change or a campaign request. */
export type UpsertThenInput = {
  campaign?: UpsertCampaignStepInput | null | undefined;
  list?: UpsertListStepInput | null | undefined;
};

export type StatusPageExportMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type StatusPageExportMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type StatusPageImportMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type StatusPageImportMutation = { importLeads:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FanoutCreateMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type FanoutCreateMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FanoutWatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FanoutWatchSubscription = { exportJobStatus: { id: string, status: ExportJobState, rowsParsed: number } };

export type CreateMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type CreateMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string, status: ExportJobState, entity: ExportEntity, parts: Array<{ exportId: string | null }> }
    | { code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { code: string, message: string }
   | null };

export type WatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type WatchSubscription = { exportJobStatus: { id: string, status: ExportJobState, fileSize: number | null, bytesDownloaded: number, rowsParsed: number, rowCount: number | null, numberOfRecords: number | null, checksum: string | null, error: { code: string, message: string, line: number | null } | null, waiting: { reason: ExportWaitReason, resumesAt: string | null } | null } };

export type RowsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RowsQuery = { exportJob: { status: ExportJobState, rowCount: number | null, rows: { totalCount: number, edges: Array<{ cursor: string, node: Record<string, unknown> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type RowPageQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RowPageQuery = { exportJob: { rowPage: { columns: Array<string>, values: unknown[][], totalCount: number, startIndex: number, startCursor: string | null, endCursor: string | null, hasNextPage: boolean, hasPreviousPage: boolean } } | null };

export type KeyedRowsCreateMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type KeyedRowsCreateMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type KeyedRowsWatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type KeyedRowsWatchSubscription = { exportJobStatus: { status: ExportJobState } };

export type KeyedRowsCompactQueryVariables = Exact<{
  id: string | number;
}>;


export type KeyedRowsCompactQuery = { exportJob: { rowPage: { columns: Array<string>, values: unknown[][], startCursor: string | null } } | null };

export type KeyedRowsConnectionQueryVariables = Exact<{
  id: string | number;
}>;


export type KeyedRowsConnectionQuery = { exportJob: { rows: { nodes: Array<Record<string, unknown>>, edges: Array<{ cursor: string, node: Record<string, unknown> }> } } | null };

export type KeyedRowsBesideErrorQueryVariables = Exact<{
  id: string | number;
}>;


export type KeyedRowsBesideErrorQuery = { exportJob: { rows: { nodes: Array<Record<string, unknown>> } } | null, broken: { rows: { nodes: Array<Record<string, unknown>> } } | null };

export type KeyedRowsPlainQueryVariables = Exact<{
  id: string | number;
}>;


export type KeyedRowsPlainQuery = { exportJob: { rows: { nodes: Array<Record<string, unknown>> } } | null };

export type CreateLeadExportMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type CreateLeadExportMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string, leadRows: { totalCount: number } | null }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type ExportStateQueryVariables = Exact<{
  id: string | number;
}>;


export type ExportStateQuery = { exportJob: { status: ExportJobState, error: { code: string, message: string } | null } | null };

export type TypedRowsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type TypedRowsQuery = { exportJob: { rowCount: number | null, leadRows: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: number | null, email: string | null, createdAt: string | null, unsubscribed: boolean | null, leadScore: number | null, annualRevenue: number | null, dateOfBirth: string | null, acquisitionProgramId: number | null, city: string | null, integerField: unknown, customString: unknown }> } | null, rows: { nodes: Array<Record<string, unknown>> } } | null };

export type ActivityLeadRowsMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type ActivityLeadRowsMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string, entity: ExportEntity, leadRows: { totalCount: number } | null }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type RowPageCreateMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type RowPageCreateMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type RowPageWatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type RowPageWatchSubscription = { exportJobStatus: { status: ExportJobState, rowCount: number | null } };

export type RowPageAllRowsQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type RowPageAllRowsQuery = { exportJob: { rows: { edges: Array<{ cursor: string, node: Record<string, unknown> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type RowPageAtQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RowPageAtQuery = { exportJob: { rowPage: { columns: Array<string>, values: unknown[][], totalCount: number, startIndex: number, startCursor: string | null, endCursor: string | null, hasNextPage: boolean, hasPreviousPage: boolean } } | null };

export type FeedFleetUpsertMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type FeedFleetUpsertMutation = { upsertLeads:
    | { __typename: 'BaseError', code: string, message: string }
    | { __typename: 'InputError', code: string, message: string }
    | { __typename: 'MarketoApiError', code: string, message: string }
    | { __typename: 'UpsertLeadsResult' }
   | null };

export type FeedFleetAckMutationVariables = Exact<{
  feed: string;
  cursor: string;
}>;


export type FeedFleetAckMutation = { acknowledgeFeed:
    | { code: string, message: string }
    | { cursor: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FeedFleetChangesSubscriptionVariables = Exact<{
  since: string;
}>;


export type FeedFleetChangesSubscription = { leadChanged: { cursor: string } };

export type FeedUpdateMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type FeedUpdateMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string }
    | { code: string, message: string }
    | { updated: number }
   | null };

export type FeedAckMutationVariables = Exact<{
  feed: string;
  cursor: string;
}>;


export type FeedAckMutation = { acknowledgeFeed:
    | { code: string, message: string }
    | { feed: string, cursor: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FeedSocketUpdateMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type FeedSocketUpdateMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string }
    | { code: string, message: string }
    | { updated: number }
   | null };

export type ActivityUpsertMutationVariables = Exact<{
  leads: Array<unknown> | unknown;
  action: UpsertAction;
  lookupField: string;
}>;


export type ActivityUpsertMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string }
    | { code: string, message: string }
    | { results: Array<{ id: number | null, status: UpsertStatus }> }
   | null };

export type ActivityListChangeMutationVariables = Exact<{
  listId: number;
  leadIds: Array<number> | number;
}>;


export type ActivityListChangeMutation = { add:
    | { code: string, message: string }
    | { code: string, message: string }
    | { added: number }
    | { code: string, message: string }
   | null, remove:
    | { code: string, message: string }
    | { code: string, message: string }
    | { removed: number }
    | { code: string, message: string }
   | null };

export type ActivityTriggerMutationVariables = Exact<{
  campaignId: number;
  leadIds: Array<number> | number;
}>;


export type ActivityTriggerMutation = { triggerCampaign:
    | { code: string, message: string }
    | { campaignId: number }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type ActivitiesQueryVariables = Exact<{
  types: Array<string> | string;
  since?: string | null | undefined;
  leadIds?: Array<number> | number | null | undefined;
  listId?: number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ActivitiesQuery = { activities: { edges: Array<{ cursor: string, node: { marketoGUID: string, leadId: number, activityTypeId: number, activityType: string | null, campaignId: number | null, primaryAttributeValueId: number | null, primaryAttributeValue: string | null, attributesObject: Record<string, unknown>, attributes: Array<{ name: string, dataType: string | null, value: unknown }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ActivitiesUntilQueryVariables = Exact<{
  since: string;
  until: string;
  leadIds?: Array<number> | number | null | undefined;
}>;


export type ActivitiesUntilQuery = { activities: { edges: Array<{ node: { leadId: number } }>, pageInfo: { hasNextPage: boolean } } };

export type LeadActivitiesQueryVariables = Exact<{
  id: number;
  since: string;
}>;


export type LeadActivitiesQuery = { lead: { id: number, activities: { edges: Array<{ node: { activityType: string | null, attributesObject: Record<string, unknown> } }> } } | null };

export type LeadChangesQueryVariables = Exact<{
  fields: Array<string> | string;
  since?: string | null | undefined;
  leadIds?: Array<number> | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type LeadChangesQuery = { leadChanges: { edges: Array<{ node: { marketoGUID: string, leadId: number, kind: LeadChangeKind, fields: Array<{ name: string, dataType: string | null, oldValue: unknown, newValue: unknown }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DeletedAndTypesQueryVariables = Exact<{
  since: string;
}>;


export type DeletedAndTypesQuery = { activityTypes: Array<{ id: number, name: string, primaryAttribute: { name: string, dataType: string } | null }>, deletedLeads: { edges: Array<{ node: { leadId: number, name: string | null } }> } };

export type ImportLeadsMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type ImportLeadsMutation = { importLeads:
    | { code: string, message: string }
    | { id: string, status: ImportJobState, marketoStatus: string }
    | { code: string, message: string, argument: string, field: string | null }
    | { code: string, message: string }
   | null };

export type ImportJobQueryVariables = Exact<{
  id: string | number;
}>;


export type ImportJobQuery = { importJob: { id: string, status: ImportJobState, rowsProcessed: number, rowsFailed: number, rowsWithWarning: number, message: string | null, failures: Array<{ row: Record<string, unknown>, reason: string }>, warnings: Array<{ row: Record<string, unknown>, reason: string }> } | null };

export type ImportedLeadsQueryVariables = Exact<{
  values: Array<string> | string;
}>;


export type ImportedLeadsQuery = { leadsBy: Array<{ id: number, email: string | null, firstName: string | null }> };

export type LeadsByIdQueryVariables = Exact<{
  ids: Array<number> | number;
}>;


export type LeadsByIdQuery = { leads: Array<{ id: number, email: string | null } | null> };

export type LeadDetailsQueryVariables = Exact<{
  id: number;
}>;


export type LeadDetailsQuery = { lead: { id: number, email: string | null, firstName: string | null, lastName: string | null, company: string | null, createdAt: string | null, updatedAt: string | null, company2: unknown, custom: Record<string, unknown> } | null };

export type TwoAliasesQueryVariables = Exact<{ [key: string]: never; }>;


export type TwoAliasesQuery = { a: { id: number, firstName: string | null } | null, b: { id: number, city: string | null } | null, c: Array<{ id: number, f: unknown } | null> };

export type LeadsByQueryVariables = Exact<{
  field: string;
  values: Array<string> | string;
}>;


export type LeadsByQuery = { leadsBy: Array<{ id: number, email: string | null }> };

export type LeadFieldsQueryVariables = Exact<{ [key: string]: never; }>;


export type LeadFieldsQuery = { leadFields: Array<{ name: string, displayName: string, dataType: string, length: number | null, readOnly: boolean, searchable: boolean }> };

export type MembershipQueryVariables = Exact<{
  ids: Array<number> | number;
  listId: number;
}>;


export type MembershipQuery = { leads: Array<{ id: number, isMemberOf: boolean, lists: Array<{ id: number, name: string }> } | null> };

export type UnknownFieldQueryVariables = Exact<{ [key: string]: never; }>;


export type UnknownFieldQuery = { lead: { id: number, field: unknown } | null };

export type ListByIdQueryVariables = Exact<{
  id: number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ListByIdQuery = { list: { id: number, name: string, description: string | null, programName: string | null, workspaceId: number | null, workspaceName: string | null, createdAt: string | null, updatedAt: string | null, leads: { edges: Array<{ cursor: string, node: { id: number, email: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type TwoListsQueryVariables = Exact<{ [key: string]: never; }>;


export type TwoListsQuery = { a: { id: number } | null, b: { id: number } | null, missing: { id: number } | null };

export type ListsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  names?: Array<string> | string | null | undefined;
  workspaceNames?: Array<string> | string | null | undefined;
}>;


export type ListsQuery = { lists: { edges: Array<{ cursor: string, node: { id: number, name: string, workspaceName: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AddToListMutationVariables = Exact<{
  listId: number;
  leadIds: Array<number> | number;
}>;


export type AddToListMutation = { addLeadsToList:
    | { code: string, message: string }
    | { code: string, message: string, argument: string }
    | { listId: number, action: ListAction, added: number, skipped: number, results: Array<{ index: number, leadId: number, status: ListMemberStatus, reasons: Array<{ code: string, message: string }> }> }
    | { code: string, message: string }
   | null };

export type RemoveFromListMutationVariables = Exact<{
  listId: number;
  leadIds: Array<number> | number;
}>;


export type RemoveFromListMutation = { removeLeadsFromList:
    | { code: string, message: string }
    | { code: string, message: string, argument: string }
    | { removed: number, skipped: number, results: Array<{ leadId: number, reasons: Array<{ code: string }> }> }
    | { code: string, message: string }
   | null };

export type CampaignByIdQueryVariables = Exact<{
  id: number;
}>;


export type CampaignByIdQuery = { campaign: { id: number, name: string, description: string | null, type: string, active: boolean, programId: number | null, programName: string | null, workspaceName: string | null, createdAt: string | null, updatedAt: string | null } | null };

export type CampaignsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  isTriggerable?: boolean | null | undefined;
  names?: Array<string> | string | null | undefined;
}>;


export type CampaignsQuery = { campaigns: { edges: Array<{ node: { id: number, name: string, type: string, active: boolean } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type TriggerMutationVariables = Exact<{
  campaignId: number;
  leadIds: Array<number> | number;
  tokens?: Array<CampaignTokenInput> | CampaignTokenInput | null | undefined;
}>;


export type TriggerMutation = { triggerCampaign:
    | { code: string, message: string }
    | { campaignId: number, leadCount: number, calls: number }
    | { code: string, message: string, argument: string }
    | { code: string, message: string }
   | null };

export type ScheduleMutationVariables = Exact<{
  campaignId: number;
  runAt?: string | null | undefined;
  tokens?: Array<CampaignTokenInput> | CampaignTokenInput | null | undefined;
  clone?: string | null | undefined;
}>;


export type ScheduleMutation = { scheduleCampaign:
    | { code: string, message: string }
    | { campaignId: number, runAt: string | null }
    | { code: string, message: string, argument: string }
    | { code: string, message: string }
   | null };

export type FirstLeadQueryVariables = Exact<{ [key: string]: never; }>;


export type FirstLeadQuery = { lead: { id: number, email: string | null } | null };

export type StatusTicksSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StatusTicksSubscription = { marketoStatus: { mode: MarketoMode, instance: string, dailyQuota: number, limiter: { rateLimit: number, maxConcurrency: number } } };

export type StatusQueryVariables = Exact<{ [key: string]: never; }>;


export type StatusQuery = { marketoStatus: { mode: MarketoMode, instance: string, callsToday: number, dailyQuota: number, dailyQuotaLeft: number, limiter: { inFlight: number, maxConcurrency: number, callsInWindow: number, rateLimit: number, rateWindowMs: number, queued: number, shared: boolean } } };

export type SharedOneLeadQueryVariables = Exact<{
  id: number;
}>;


export type SharedOneLeadQuery = { lead: { id: number, email: string | null } | null };

export type UpsertLeadsMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type UpsertLeadsMutation = { upsertLeads:
    | { __typename: 'BaseError', code: string, message: string }
    | { __typename: 'InputError', code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { __typename: 'MarketoApiError', code: string, message: string }
    | { total: number, created: number, updated: number, skipped: number, failed: number, results: Array<{ index: number, lookupValue: string | null, id: number | null, status: UpsertStatus, reasons: Array<{ code: string, message: string, field: string | null }> }>, then: { kind: string, targetId: number, action: string, succeeded: number, skipped: number, failed: number, notAttempted: number, error: { code: string, message: string } | null, results: Array<{ index: number, id: number | null, status: UpsertStepStatus, reasons: Array<{ code: string }> }> } | null }
   | null };

export type UpsertLeadsProblemsMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type UpsertLeadsProblemsMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string }
    | { code: string, message: string }
    | { total: number, created: number, updated: number, skipped: number, failed: number, results: Array<{ index: number, lookupValue: string | null, status: UpsertStatus, reasons: Array<{ code: string, field: string | null }> }>, then: { succeeded: number, skipped: number, failed: number, notAttempted: number, results: Array<{ index: number, status: UpsertStepStatus }> } | null }
   | null };

export type LeadsByEmailQueryVariables = Exact<{
  values: Array<string> | string;
}>;


export type LeadsByEmailQuery = { leadsBy: Array<{ id: number, email: string | null, firstName: string | null, field: unknown }> };

export type StartImportMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type StartImportMutation = { importLeads:
    | { code: string, message: string }
    | { id: string, status: ImportJobState, rowsTotal: number }
    | { code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { code: string, message: string }
   | null };

export type ImportJobDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type ImportJobDetailQuery = { importJob: { id: string, status: ImportJobState, marketoStatus: string, batchIds: Array<string>, rowsTotal: number, rowsProcessed: number, rowsFailed: number, rowsWithWarning: number, message: string | null, error: { code: string, message: string } | null, parts: Array<{ batchId: string | null, marketoStatus: string, firstRow: number, rows: number, bytes: number, rowsFailed: number, rowsWithWarning: number }>, failures: Array<{ rowNumber: number | null, batchId: string, row: Record<string, unknown>, reason: string }>, warnings: Array<{ rowNumber: number | null, batchId: string, row: Record<string, unknown>, reason: string }> } | null };

export type RestartImportLeadsMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type RestartImportLeadsMutation = { importLeads:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type RestartImportJobQueryVariables = Exact<{
  id: string | number;
}>;


export type RestartImportJobQuery = { importJob: { status: ImportJobState, rowsTotal: number, error: { code: string } | null, parts: Array<{ batchId: string | null, marketoStatus: string }>, failures: Array<{ rowNumber: number | null, row: Record<string, unknown> }> } | null };

export type UploadImportMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type UploadImportMutation = { importLeads:
    | { code: string, message: string }
    | { id: string, status: ImportJobState }
    | { code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { code: string, message: string }
   | null };

export type UploadUpsertMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type UploadUpsertMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { code: string, message: string }
    | { mode: UpsertMode, total: number, created: number, failed: number, results: Array<{ index: number, status: UpsertStatus }>, importJob: { id: string } | null }
   | null };

export type UpsertWithModeMutationVariables = Exact<{
  input: UpsertLeadsInput;
}>;


export type UpsertWithModeMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string, argument: string, field: string | null, details: Record<string, unknown> | null }
    | { code: string, message: string }
    | { mode: UpsertMode, total: number, created: number, results: Array<{ index: number, status: UpsertStatus }>, importJob: { id: string, status: ImportJobState } | null }
   | null };

export type ChaosCreateExportMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type ChaosCreateExportMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type ChaosWatchExportSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ChaosWatchExportSubscription = { exportJobStatus: { status: ExportJobState, rowCount: number | null } };

export type ChaosImportLeadsMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type ChaosImportLeadsMutation = { importLeads:
    | { code: string, message: string }
    | { id: string }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type ChaosWatchImportSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ChaosWatchImportSubscription = { importJobStatus: { status: ImportJobState, rowsTotal: number, rowsFailed: number } };

export type FleetUpsertOneMutationVariables = Exact<{
  email: string;
}>;


export type FleetUpsertOneMutation = { upsertLeads:
    | { code: string, message: string }
    | { code: string, message: string }
    | { code: string, message: string }
    | { created: number, updated: number, failed: number }
   | null };

export type FleetStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type FleetStatusQuery = { marketoStatus: { callsToday: number, limiter: { shared: boolean, rateLimit: number, maxConcurrency: number, callsInWindow: number } } };

export type FleetCreateExportMutationVariables = Exact<{
  input: CreateExportJobInput;
}>;


export type FleetCreateExportMutation = { createExportJob:
    | { code: string, message: string }
    | { id: string, status: ExportJobState }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FleetWatchExportSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FleetWatchExportSubscription = { exportJobStatus: { status: ExportJobState, rowCount: number | null } };

export type FleetExportRowsQueryVariables = Exact<{
  id: string | number;
}>;


export type FleetExportRowsQuery = { exportJob: { status: ExportJobState, rowCount: number | null, rows: { totalCount: number } } | null };

export type FleetImportLeadsMutationVariables = Exact<{
  input: ImportLeadsInput;
}>;


export type FleetImportLeadsMutation = { importLeads:
    | { code: string, message: string }
    | { id: string, status: ImportJobState }
    | { code: string, message: string }
    | { code: string, message: string }
   | null };

export type FleetWatchImportSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FleetWatchImportSubscription = { importJobStatus: { status: ImportJobState, rowsTotal: number, rowsFailed: number, error: { code: string, message: string } | null, parts: Array<{ batchId: string | null, firstRow: number, rows: number }>, failures: Array<{ rowNumber: number | null, reason: string, row: Record<string, unknown> }> } };

export type FleetImportJobQueryVariables = Exact<{
  id: string | number;
}>;


export type FleetImportJobQuery = { importJob: { status: ImportJobState, parts: Array<{ batchId: string | null, firstRow: number, rows: number, waiting: string | null }> } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const StatusPageExportDocument = new TypedDocumentString(`
    mutation StatusPageExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<StatusPageExportMutation, StatusPageExportMutationVariables>;
export const StatusPageImportDocument = new TypedDocumentString(`
    mutation StatusPageImport($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<StatusPageImportMutation, StatusPageImportMutationVariables>;
export const FanoutCreateDocument = new TypedDocumentString(`
    mutation FanoutCreate($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FanoutCreateMutation, FanoutCreateMutationVariables>;
export const FanoutWatchDocument = new TypedDocumentString(`
    subscription FanoutWatch($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) {
    id
    status
    rowsParsed
  }
}
    `) as unknown as TypedDocumentString<FanoutWatchSubscription, FanoutWatchSubscriptionVariables>;
export const CreateDocument = new TypedDocumentString(`
    mutation Create($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
      status
      entity
      parts {
        exportId
      }
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<CreateMutation, CreateMutationVariables>;
export const WatchDocument = new TypedDocumentString(`
    subscription Watch($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) {
    id
    status
    fileSize
    bytesDownloaded
    rowsParsed
    rowCount
    numberOfRecords
    checksum
    error {
      code
      message
      line
    }
    waiting {
      reason
      resumesAt
    }
  }
}
    `) as unknown as TypedDocumentString<WatchSubscription, WatchSubscriptionVariables>;
export const RowsDocument = new TypedDocumentString(`
    query Rows($id: ID!, $first: Int, $after: String) {
  exportJob(id: $id) {
    status
    rowCount
    rows(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RowsQuery, RowsQueryVariables>;
export const RowPageDocument = new TypedDocumentString(`
    query RowPage($id: ID!, $first: Int, $after: String) {
  exportJob(id: $id) {
    rowPage(first: $first, after: $after) {
      columns
      values
      totalCount
      startIndex
      startCursor
      endCursor
      hasNextPage
      hasPreviousPage
    }
  }
}
    `) as unknown as TypedDocumentString<RowPageQuery, RowPageQueryVariables>;
export const KeyedRowsCreateDocument = new TypedDocumentString(`
    mutation KeyedRowsCreate($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsCreateMutation, KeyedRowsCreateMutationVariables>;
export const KeyedRowsWatchDocument = new TypedDocumentString(`
    subscription KeyedRowsWatch($id: ID!) {
  exportJobStatus(id: $id) {
    status
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsWatchSubscription, KeyedRowsWatchSubscriptionVariables>;
export const KeyedRowsCompactDocument = new TypedDocumentString(`
    query KeyedRowsCompact($id: ID!) {
  exportJob(id: $id) {
    rowPage(first: 1000, after: "cm93OjEw") {
      columns
      values
      startCursor
    }
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsCompactQuery, KeyedRowsCompactQueryVariables>;
export const KeyedRowsConnectionDocument = new TypedDocumentString(`
    query KeyedRowsConnection($id: ID!) {
  exportJob(id: $id) {
    rows(first: 1000, after: "cm93OjEw") {
      edges {
        cursor
        node
      }
      nodes
    }
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsConnectionQuery, KeyedRowsConnectionQueryVariables>;
export const KeyedRowsBesideErrorDocument = new TypedDocumentString(`
    query KeyedRowsBesideError($id: ID!) {
  exportJob(id: $id) {
    rows(first: 3) {
      nodes
    }
  }
  broken: exportJob(id: $id) {
    rows(first: 1, after: "not-a-cursor") {
      nodes
    }
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsBesideErrorQuery, KeyedRowsBesideErrorQueryVariables>;
export const KeyedRowsPlainDocument = new TypedDocumentString(`
    query KeyedRowsPlain($id: ID!) {
  exportJob(id: $id) {
    rows(first: 3) {
      nodes
    }
  }
}
    `) as unknown as TypedDocumentString<KeyedRowsPlainQuery, KeyedRowsPlainQueryVariables>;
export const CreateLeadExportDocument = new TypedDocumentString(`
    mutation CreateLeadExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
      leadRows {
        totalCount
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CreateLeadExportMutation, CreateLeadExportMutationVariables>;
export const ExportStateDocument = new TypedDocumentString(`
    query ExportState($id: ID!) {
  exportJob(id: $id) {
    status
    error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ExportStateQuery, ExportStateQueryVariables>;
export const TypedRowsDocument = new TypedDocumentString(`
    query TypedRows($id: ID!, $first: Int, $after: String) {
  exportJob(id: $id) {
    rowCount
    leadRows(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        email
        createdAt
        unsubscribed
        leadScore
        annualRevenue
        dateOfBirth
        acquisitionProgramId
        city
        integerField: field(name: "integer_field")
        customString: field(name: "customString__c")
      }
    }
    rows(first: $first, after: $after) {
      nodes
    }
  }
}
    `) as unknown as TypedDocumentString<TypedRowsQuery, TypedRowsQueryVariables>;
export const ActivityLeadRowsDocument = new TypedDocumentString(`
    mutation ActivityLeadRows($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
      entity
      leadRows {
        totalCount
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ActivityLeadRowsMutation, ActivityLeadRowsMutationVariables>;
export const RowPageCreateDocument = new TypedDocumentString(`
    mutation RowPageCreate($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RowPageCreateMutation, RowPageCreateMutationVariables>;
export const RowPageWatchDocument = new TypedDocumentString(`
    subscription RowPageWatch($id: ID!) {
  exportJobStatus(id: $id) {
    status
    rowCount
  }
}
    `) as unknown as TypedDocumentString<RowPageWatchSubscription, RowPageWatchSubscriptionVariables>;
export const RowPageAllRowsDocument = new TypedDocumentString(`
    query RowPageAllRows($id: ID!, $after: String) {
  exportJob(id: $id) {
    rows(first: 1000, after: $after) {
      edges {
        cursor
        node
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RowPageAllRowsQuery, RowPageAllRowsQueryVariables>;
export const RowPageAtDocument = new TypedDocumentString(`
    query RowPageAt($id: ID!, $first: Int, $after: String) {
  exportJob(id: $id) {
    rowPage(first: $first, after: $after) {
      columns
      values
      totalCount
      startIndex
      startCursor
      endCursor
      hasNextPage
      hasPreviousPage
    }
  }
}
    `) as unknown as TypedDocumentString<RowPageAtQuery, RowPageAtQueryVariables>;
export const FeedFleetUpsertDocument = new TypedDocumentString(`
    mutation FeedFleetUpsert($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    __typename
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FeedFleetUpsertMutation, FeedFleetUpsertMutationVariables>;
export const FeedFleetAckDocument = new TypedDocumentString(`
    mutation FeedFleetAck($feed: String!, $cursor: String!) {
  acknowledgeFeed(feed: $feed, cursor: $cursor) {
    ... on FeedPosition {
      cursor
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FeedFleetAckMutation, FeedFleetAckMutationVariables>;
export const FeedFleetChangesDocument = new TypedDocumentString(`
    subscription FeedFleetChanges($since: DateTime!) {
  leadChanged(fields: ["firstName"], since: $since, feed: "") {
    cursor
  }
}
    `) as unknown as TypedDocumentString<FeedFleetChangesSubscription, FeedFleetChangesSubscriptionVariables>;
export const FeedUpdateDocument = new TypedDocumentString(`
    mutation FeedUpdate($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      updated
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FeedUpdateMutation, FeedUpdateMutationVariables>;
export const FeedAckDocument = new TypedDocumentString(`
    mutation FeedAck($feed: String!, $cursor: String!) {
  acknowledgeFeed(feed: $feed, cursor: $cursor) {
    ... on FeedPosition {
      feed
      cursor
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FeedAckMutation, FeedAckMutationVariables>;
export const FeedSocketUpdateDocument = new TypedDocumentString(`
    mutation FeedSocketUpdate($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      updated
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FeedSocketUpdateMutation, FeedSocketUpdateMutationVariables>;
export const ActivityUpsertDocument = new TypedDocumentString(`
    mutation ActivityUpsert($leads: [JSON!]!, $action: UpsertAction!, $lookupField: String!) {
  upsertLeads(
    input: {leads: $leads, action: $action, lookupField: $lookupField, mode: SYNC}
  ) {
    ... on UpsertLeadsResult {
      results {
        id
        status
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ActivityUpsertMutation, ActivityUpsertMutationVariables>;
export const ActivityListChangeDocument = new TypedDocumentString(`
    mutation ActivityListChange($listId: Int!, $leadIds: [Int!]!) {
  add: addLeadsToList(listId: $listId, leadIds: $leadIds) {
    ... on ListMembershipChange {
      added
    }
    ... on Error {
      code
      message
    }
  }
  remove: removeLeadsFromList(listId: $listId, leadIds: $leadIds) {
    ... on ListMembershipChange {
      removed
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ActivityListChangeMutation, ActivityListChangeMutationVariables>;
export const ActivityTriggerDocument = new TypedDocumentString(`
    mutation ActivityTrigger($campaignId: Int!, $leadIds: [Int!]!) {
  triggerCampaign(campaignId: $campaignId, leadIds: $leadIds) {
    ... on CampaignRun {
      campaignId
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ActivityTriggerMutation, ActivityTriggerMutationVariables>;
export const ActivitiesDocument = new TypedDocumentString(`
    query Activities($types: [String!]!, $since: DateTime, $leadIds: [Int!], $listId: Int, $first: Int, $after: String) {
  activities(
    types: $types
    since: $since
    leadIds: $leadIds
    listId: $listId
    first: $first
    after: $after
  ) {
    edges {
      cursor
      node {
        marketoGUID
        leadId
        activityTypeId
        activityType
        campaignId
        primaryAttributeValueId
        primaryAttributeValue
        attributes {
          name
          dataType
          value
        }
        attributesObject
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ActivitiesQuery, ActivitiesQueryVariables>;
export const ActivitiesUntilDocument = new TypedDocumentString(`
    query ActivitiesUntil($since: DateTime!, $until: DateTime!, $leadIds: [Int!]) {
  activities(types: ["New Lead"], since: $since, until: $until, leadIds: $leadIds) {
    edges {
      node {
        leadId
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}
    `) as unknown as TypedDocumentString<ActivitiesUntilQuery, ActivitiesUntilQueryVariables>;
export const LeadActivitiesDocument = new TypedDocumentString(`
    query LeadActivities($id: Int!, $since: DateTime!) {
  lead(id: $id) {
    id
    activities(types: ["12", "Change Data Value"], since: $since) {
      edges {
        node {
          activityType
          attributesObject
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<LeadActivitiesQuery, LeadActivitiesQueryVariables>;
export const LeadChangesDocument = new TypedDocumentString(`
    query LeadChanges($fields: [String!]!, $since: DateTime, $leadIds: [Int!], $first: Int, $after: String) {
  leadChanges(
    fields: $fields
    since: $since
    leadIds: $leadIds
    first: $first
    after: $after
  ) {
    edges {
      node {
        marketoGUID
        leadId
        kind
        fields {
          name
          dataType
          oldValue
          newValue
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<LeadChangesQuery, LeadChangesQueryVariables>;
export const DeletedAndTypesDocument = new TypedDocumentString(`
    query DeletedAndTypes($since: DateTime!) {
  activityTypes {
    id
    name
    primaryAttribute {
      name
      dataType
    }
  }
  deletedLeads(since: $since) {
    edges {
      node {
        leadId
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DeletedAndTypesQuery, DeletedAndTypesQueryVariables>;
export const ImportLeadsDocument = new TypedDocumentString(`
    mutation ImportLeads($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
      status
      marketoStatus
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
    }
  }
}
    `) as unknown as TypedDocumentString<ImportLeadsMutation, ImportLeadsMutationVariables>;
export const ImportJobDocument = new TypedDocumentString(`
    query ImportJob($id: ID!) {
  importJob(id: $id) {
    id
    status
    rowsProcessed
    rowsFailed
    rowsWithWarning
    message
    failures {
      row
      reason
    }
    warnings {
      row
      reason
    }
  }
}
    `) as unknown as TypedDocumentString<ImportJobQuery, ImportJobQueryVariables>;
export const ImportedLeadsDocument = new TypedDocumentString(`
    query ImportedLeads($values: [String!]!) {
  leadsBy(field: "email", values: $values) {
    id
    email
    firstName
  }
}
    `) as unknown as TypedDocumentString<ImportedLeadsQuery, ImportedLeadsQueryVariables>;
export const LeadsByIdDocument = new TypedDocumentString(`
    query LeadsById($ids: [Int!]!) {
  leads(ids: $ids) {
    id
    email
  }
}
    `) as unknown as TypedDocumentString<LeadsByIdQuery, LeadsByIdQueryVariables>;
export const LeadDetailsDocument = new TypedDocumentString(`
    query LeadDetails($id: Int!) {
  lead(id: $id) {
    id
    email
    firstName
    lastName
    company
    createdAt
    updatedAt
    company2: field(name: "company")
    custom: fields(names: ["integer_field", "boolean_field"])
  }
}
    `) as unknown as TypedDocumentString<LeadDetailsQuery, LeadDetailsQueryVariables>;
export const TwoAliasesDocument = new TypedDocumentString(`
    query TwoAliases {
  a: lead(id: 1) {
    id
    firstName
  }
  b: lead(id: 2) {
    id
    city
  }
  c: leads(ids: [3, 4]) {
    id
    f: field(name: "textarea_field")
  }
}
    `) as unknown as TypedDocumentString<TwoAliasesQuery, TwoAliasesQueryVariables>;
export const LeadsByDocument = new TypedDocumentString(`
    query LeadsBy($field: String!, $values: [String!]!) {
  leadsBy(field: $field, values: $values) {
    id
    email
  }
}
    `) as unknown as TypedDocumentString<LeadsByQuery, LeadsByQueryVariables>;
export const LeadFieldsDocument = new TypedDocumentString(`
    query LeadFields {
  leadFields {
    name
    displayName
    dataType
    length
    readOnly
    searchable
  }
}
    `) as unknown as TypedDocumentString<LeadFieldsQuery, LeadFieldsQueryVariables>;
export const MembershipDocument = new TypedDocumentString(`
    query Membership($ids: [Int!]!, $listId: Int!) {
  leads(ids: $ids) {
    id
    isMemberOf(listId: $listId)
    lists {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<MembershipQuery, MembershipQueryVariables>;
export const UnknownFieldDocument = new TypedDocumentString(`
    query UnknownField {
  lead(id: 1) {
    id
    field(name: "noSuchField")
  }
}
    `) as unknown as TypedDocumentString<UnknownFieldQuery, UnknownFieldQueryVariables>;
export const ListByIdDocument = new TypedDocumentString(`
    query ListById($id: Int!, $first: Int, $after: String) {
  list(id: $id) {
    id
    name
    description
    programName
    workspaceId
    workspaceName
    createdAt
    updatedAt
    leads(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ListByIdQuery, ListByIdQueryVariables>;
export const TwoListsDocument = new TypedDocumentString(`
    query TwoLists {
  a: list(id: 1001) {
    id
  }
  b: list(id: 1002) {
    id
  }
  missing: list(id: 999999) {
    id
  }
}
    `) as unknown as TypedDocumentString<TwoListsQuery, TwoListsQueryVariables>;
export const ListsDocument = new TypedDocumentString(`
    query Lists($first: Int, $after: String, $names: [String!], $workspaceNames: [String!]) {
  lists(
    first: $first
    after: $after
    names: $names
    workspaceNames: $workspaceNames
  ) {
    edges {
      cursor
      node {
        id
        name
        workspaceName
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ListsQuery, ListsQueryVariables>;
export const AddToListDocument = new TypedDocumentString(`
    mutation AddToList($listId: Int!, $leadIds: [Int!]!) {
  addLeadsToList(listId: $listId, leadIds: $leadIds) {
    ... on ListMembershipChange {
      listId
      action
      added
      skipped
      results {
        index
        leadId
        status
        reasons {
          code
          message
        }
      }
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
    }
  }
}
    `) as unknown as TypedDocumentString<AddToListMutation, AddToListMutationVariables>;
export const RemoveFromListDocument = new TypedDocumentString(`
    mutation RemoveFromList($listId: Int!, $leadIds: [Int!]!) {
  removeLeadsFromList(listId: $listId, leadIds: $leadIds) {
    ... on ListMembershipChange {
      removed
      skipped
      results(status: [SKIPPED]) {
        leadId
        reasons {
          code
        }
      }
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
    }
  }
}
    `) as unknown as TypedDocumentString<RemoveFromListMutation, RemoveFromListMutationVariables>;
export const CampaignByIdDocument = new TypedDocumentString(`
    query CampaignById($id: Int!) {
  campaign(id: $id) {
    id
    name
    description
    type
    active
    programId
    programName
    workspaceName
    createdAt
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<CampaignByIdQuery, CampaignByIdQueryVariables>;
export const CampaignsDocument = new TypedDocumentString(`
    query Campaigns($first: Int, $after: String, $isTriggerable: Boolean, $names: [String!]) {
  campaigns(
    first: $first
    after: $after
    isTriggerable: $isTriggerable
    names: $names
  ) {
    edges {
      node {
        id
        name
        type
        active
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<CampaignsQuery, CampaignsQueryVariables>;
export const TriggerDocument = new TypedDocumentString(`
    mutation Trigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {
  triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) {
    ... on CampaignRun {
      campaignId
      leadCount
      calls
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
    }
  }
}
    `) as unknown as TypedDocumentString<TriggerMutation, TriggerMutationVariables>;
export const ScheduleDocument = new TypedDocumentString(`
    mutation Schedule($campaignId: Int!, $runAt: DateTime, $tokens: [CampaignTokenInput!], $clone: String) {
  scheduleCampaign(
    campaignId: $campaignId
    runAt: $runAt
    tokens: $tokens
    cloneToProgramName: $clone
  ) {
    ... on CampaignRun {
      campaignId
      runAt
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
    }
  }
}
    `) as unknown as TypedDocumentString<ScheduleMutation, ScheduleMutationVariables>;
export const FirstLeadDocument = new TypedDocumentString(`
    query FirstLead {
  lead(id: 1) {
    id
    email
  }
}
    `) as unknown as TypedDocumentString<FirstLeadQuery, FirstLeadQueryVariables>;
export const StatusTicksDocument = new TypedDocumentString(`
    subscription StatusTicks {
  marketoStatus(intervalMs: 100, count: 2) {
    mode
    instance
    dailyQuota
    limiter {
      rateLimit
      maxConcurrency
    }
  }
}
    `) as unknown as TypedDocumentString<StatusTicksSubscription, StatusTicksSubscriptionVariables>;
export const StatusDocument = new TypedDocumentString(`
    query Status {
  marketoStatus {
    mode
    instance
    callsToday
    dailyQuota
    dailyQuotaLeft
    limiter {
      inFlight
      maxConcurrency
      callsInWindow
      rateLimit
      rateWindowMs
      queued
      shared
    }
  }
}
    `) as unknown as TypedDocumentString<StatusQuery, StatusQueryVariables>;
export const SharedOneLeadDocument = new TypedDocumentString(`
    query SharedOneLead($id: Int!) {
  lead(id: $id) {
    id
    email
  }
}
    `) as unknown as TypedDocumentString<SharedOneLeadQuery, SharedOneLeadQueryVariables>;
export const UpsertLeadsDocument = new TypedDocumentString(`
    mutation UpsertLeads($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      total
      created
      updated
      skipped
      failed
      results {
        index
        lookupValue
        id
        status
        reasons {
          code
          message
          field
        }
      }
      then {
        kind
        targetId
        action
        succeeded
        skipped
        failed
        notAttempted
        error {
          code
          message
        }
        results {
          index
          id
          status
          reasons {
            code
          }
        }
      }
    }
    ... on Error {
      __typename
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<UpsertLeadsMutation, UpsertLeadsMutationVariables>;
export const UpsertLeadsProblemsDocument = new TypedDocumentString(`
    mutation UpsertLeadsProblems($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      total
      created
      updated
      skipped
      failed
      results(status: [FAILED, SKIPPED]) {
        index
        lookupValue
        status
        reasons {
          code
          field
        }
      }
      then {
        succeeded
        skipped
        failed
        notAttempted
        results(status: [NOT_ATTEMPTED, SKIPPED, FAILED]) {
          index
          status
        }
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<UpsertLeadsProblemsMutation, UpsertLeadsProblemsMutationVariables>;
export const LeadsByEmailDocument = new TypedDocumentString(`
    query LeadsByEmail($values: [String!]!) {
  leadsBy(field: "email", values: $values) {
    id
    email
    firstName
    field(name: "integer_field")
  }
}
    `) as unknown as TypedDocumentString<LeadsByEmailQuery, LeadsByEmailQueryVariables>;
export const StartImportDocument = new TypedDocumentString(`
    mutation StartImport($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
      status
      rowsTotal
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<StartImportMutation, StartImportMutationVariables>;
export const ImportJobDetailDocument = new TypedDocumentString(`
    query ImportJobDetail($id: ID!) {
  importJob(id: $id) {
    id
    status
    marketoStatus
    batchIds
    rowsTotal
    rowsProcessed
    rowsFailed
    rowsWithWarning
    message
    error {
      code
      message
    }
    parts {
      batchId
      marketoStatus
      firstRow
      rows
      bytes
      rowsFailed
      rowsWithWarning
    }
    failures {
      rowNumber
      batchId
      row
      reason
    }
    warnings {
      rowNumber
      batchId
      row
      reason
    }
  }
}
    `) as unknown as TypedDocumentString<ImportJobDetailQuery, ImportJobDetailQueryVariables>;
export const RestartImportLeadsDocument = new TypedDocumentString(`
    mutation RestartImportLeads($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RestartImportLeadsMutation, RestartImportLeadsMutationVariables>;
export const RestartImportJobDocument = new TypedDocumentString(`
    query RestartImportJob($id: ID!) {
  importJob(id: $id) {
    status
    rowsTotal
    error {
      code
    }
    parts {
      batchId
      marketoStatus
    }
    failures {
      rowNumber
      row
    }
  }
}
    `) as unknown as TypedDocumentString<RestartImportJobQuery, RestartImportJobQueryVariables>;
export const UploadImportDocument = new TypedDocumentString(`
    mutation UploadImport($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
      status
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<UploadImportMutation, UploadImportMutationVariables>;
export const UploadUpsertDocument = new TypedDocumentString(`
    mutation UploadUpsert($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      mode
      total
      created
      failed
      results {
        index
        status
      }
      importJob {
        id
      }
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<UploadUpsertMutation, UploadUpsertMutationVariables>;
export const UpsertWithModeDocument = new TypedDocumentString(`
    mutation UpsertWithMode($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) {
    ... on UpsertLeadsResult {
      mode
      total
      created
      results {
        index
        status
      }
      importJob {
        id
        status
      }
    }
    ... on Error {
      code
      message
    }
    ... on InputError {
      argument
      field
      details
    }
  }
}
    `) as unknown as TypedDocumentString<UpsertWithModeMutation, UpsertWithModeMutationVariables>;
export const ChaosCreateExportDocument = new TypedDocumentString(`
    mutation ChaosCreateExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ChaosCreateExportMutation, ChaosCreateExportMutationVariables>;
export const ChaosWatchExportDocument = new TypedDocumentString(`
    subscription ChaosWatchExport($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) {
    status
    rowCount
  }
}
    `) as unknown as TypedDocumentString<ChaosWatchExportSubscription, ChaosWatchExportSubscriptionVariables>;
export const ChaosImportLeadsDocument = new TypedDocumentString(`
    mutation ChaosImportLeads($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ChaosImportLeadsMutation, ChaosImportLeadsMutationVariables>;
export const ChaosWatchImportDocument = new TypedDocumentString(`
    subscription ChaosWatchImport($id: ID!) {
  importJobStatus(id: $id) {
    status
    rowsTotal
    rowsFailed
  }
}
    `) as unknown as TypedDocumentString<ChaosWatchImportSubscription, ChaosWatchImportSubscriptionVariables>;
export const FleetUpsertOneDocument = new TypedDocumentString(`
    mutation FleetUpsertOne($email: String!) {
  upsertLeads(input: {leads: [{email: $email}], mode: SYNC}) {
    ... on UpsertLeadsResult {
      created
      updated
      failed
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FleetUpsertOneMutation, FleetUpsertOneMutationVariables>;
export const FleetStatusDocument = new TypedDocumentString(`
    query FleetStatus {
  marketoStatus {
    callsToday
    limiter {
      shared
      rateLimit
      maxConcurrency
      callsInWindow
    }
  }
}
    `) as unknown as TypedDocumentString<FleetStatusQuery, FleetStatusQueryVariables>;
export const FleetCreateExportDocument = new TypedDocumentString(`
    mutation FleetCreateExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) {
    ... on ExportJob {
      id
      status
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FleetCreateExportMutation, FleetCreateExportMutationVariables>;
export const FleetWatchExportDocument = new TypedDocumentString(`
    subscription FleetWatchExport($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) {
    status
    rowCount
  }
}
    `) as unknown as TypedDocumentString<FleetWatchExportSubscription, FleetWatchExportSubscriptionVariables>;
export const FleetExportRowsDocument = new TypedDocumentString(`
    query FleetExportRows($id: ID!) {
  exportJob(id: $id) {
    status
    rowCount
    rows(first: 5) {
      totalCount
    }
  }
}
    `) as unknown as TypedDocumentString<FleetExportRowsQuery, FleetExportRowsQueryVariables>;
export const FleetImportLeadsDocument = new TypedDocumentString(`
    mutation FleetImportLeads($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    ... on ImportJob {
      id
      status
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FleetImportLeadsMutation, FleetImportLeadsMutationVariables>;
export const FleetWatchImportDocument = new TypedDocumentString(`
    subscription FleetWatchImport($id: ID!) {
  importJobStatus(id: $id) {
    status
    rowsTotal
    rowsFailed
    error {
      code
      message
    }
    parts {
      batchId
      firstRow
      rows
    }
    failures {
      rowNumber
      reason
      row
    }
  }
}
    `) as unknown as TypedDocumentString<FleetWatchImportSubscription, FleetWatchImportSubscriptionVariables>;
export const FleetImportJobDocument = new TypedDocumentString(`
    query FleetImportJob($id: ID!) {
  importJob(id: $id) {
    status
    parts {
      batchId
      firstRow
      rows
      waiting
    }
  }
}
    `) as unknown as TypedDocumentString<FleetImportJobQuery, FleetImportJobQueryVariables>;