/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation StatusPageExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }": typeof types.StatusPageExportDocument,
    "mutation StatusPageImport($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }": typeof types.StatusPageImportDocument,
    "\n  mutation FanoutCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n": typeof types.FanoutCreateDocument,
    "\n  subscription FanoutWatch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) { id status rowsParsed }\n  }\n": typeof types.FanoutWatchDocument,
    "\n  mutation Create($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id status entity parts { exportId } } ... on Error { code message } ... on InputError { argument field details } }\n  }\n": typeof types.CreateDocument,
    "\n  subscription Watch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) {\n      id status fileSize bytesDownloaded rowsParsed rowCount numberOfRecords checksum\n      error { code message line }\n      waiting { reason resumesAt }\n    }\n  }\n": typeof types.WatchDocument,
    "\n  query Rows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      status rowCount\n      rows(first: $first, after: $after) {\n        totalCount\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.RowsDocument,
    "\n  query RowPage($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n": typeof types.RowPageDocument,
    "\n        mutation KeyedRowsCreate($input: CreateExportJobInput!) {\n          createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n        }\n      ": typeof types.KeyedRowsCreateDocument,
    "\n        subscription KeyedRowsWatch($id: ID!) {\n          exportJobStatus(id: $id) { status }\n        }\n      ": typeof types.KeyedRowsWatchDocument,
    "\n        query KeyedRowsCompact($id: ID!) {\n          exportJob(id: $id) { rowPage(first: 1000, after: \"cm93OjEw\") { columns values startCursor } }\n        }\n      ": typeof types.KeyedRowsCompactDocument,
    "\n            query KeyedRowsConnection($id: ID!) {\n              exportJob(id: $id) { rows(first: 1000, after: \"cm93OjEw\") { edges { cursor node } nodes } }\n            }\n          ": typeof types.KeyedRowsConnectionDocument,
    "\n      query KeyedRowsBesideError($id: ID!) {\n        exportJob(id: $id) { rows(first: 3) { nodes } }\n        broken: exportJob(id: $id) { rows(first: 1, after: \"not-a-cursor\") { nodes } }\n      }\n    ": typeof types.KeyedRowsBesideErrorDocument,
    "\n        query KeyedRowsPlain($id: ID!) {\n          exportJob(id: $id) { rows(first: 3) { nodes } }\n        }\n      ": typeof types.KeyedRowsPlainDocument,
    "\n  mutation CreateLeadExport($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.CreateLeadExportDocument,
    "\n  query ExportState($id: ID!) {\n    exportJob(id: $id) {\n      status\n      error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ExportStateDocument,
    "\n  query TypedRows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowCount\n      leadRows(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          email\n          createdAt\n          unsubscribed\n          leadScore\n          annualRevenue\n          dateOfBirth\n          acquisitionProgramId\n          city\n          integerField: field(name: \"integer_field\")\n          customString: field(name: \"customString__c\")\n        }\n      }\n      rows(first: $first, after: $after) {\n        nodes\n      }\n    }\n  }\n": typeof types.TypedRowsDocument,
    "\n  mutation ActivityLeadRows($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        entity\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ActivityLeadRowsDocument,
    "\n  mutation RowPageCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n": typeof types.RowPageCreateDocument,
    "\n  subscription RowPageWatch($id: ID!) {\n    exportJobStatus(id: $id) { status rowCount }\n  }\n": typeof types.RowPageWatchDocument,
    "\n  query RowPageAllRows($id: ID!, $after: String) {\n    exportJob(id: $id) {\n      rows(first: 1000, after: $after) {\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.RowPageAllRowsDocument,
    "\n  query RowPageAt($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n": typeof types.RowPageAtDocument,
    "\n  mutation FeedFleetUpsert($input: UpsertLeadsInput!) { upsertLeads(input: $input) { __typename ... on Error { code message } } }\n": typeof types.FeedFleetUpsertDocument,
    "\n  mutation FeedFleetAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) { ... on FeedPosition { cursor } ... on Error { code message } }\n  }\n": typeof types.FeedFleetAckDocument,
    "\n  subscription FeedFleetChanges($since: DateTime!) {\n    leadChanged(fields: [\"firstName\"], since: $since, feed: \"\") { cursor }\n  }\n": typeof types.FeedFleetChangesDocument,
    "\n  mutation FeedUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.FeedUpdateDocument,
    "\n  mutation FeedAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) {\n      ... on FeedPosition {\n        feed\n        cursor\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.FeedAckDocument,
    "\n  mutation FeedSocketUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.FeedSocketUpdateDocument,
    "\n  mutation ActivityUpsert($leads: [JSON!]!, $action: UpsertAction!, $lookupField: String!) {\n    upsertLeads(input: { leads: $leads, action: $action, lookupField: $lookupField, mode: SYNC }) {\n      ... on UpsertLeadsResult {\n        results {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ActivityUpsertDocument,
    "\n  mutation ActivityListChange($listId: Int!, $leadIds: [Int!]!) {\n    add: addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        added\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n    remove: removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ActivityListChangeDocument,
    "\n  mutation ActivityTrigger($campaignId: Int!, $leadIds: [Int!]!) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds) {\n      ... on CampaignRun {\n        campaignId\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ActivityTriggerDocument,
    "\n  query Activities(\n    $types: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $listId: Int\n    $first: Int\n    $after: String\n  ) {\n    activities(\n      types: $types\n      since: $since\n      leadIds: $leadIds\n      listId: $listId\n      first: $first\n      after: $after\n    ) {\n      edges {\n        cursor\n        node {\n          marketoGUID\n          leadId\n          activityTypeId\n          activityType\n          campaignId\n          primaryAttributeValueId\n          primaryAttributeValue\n          attributes {\n            name\n            dataType\n            value\n          }\n          attributesObject\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ActivitiesDocument,
    "\n  query ActivitiesUntil($since: DateTime!, $until: DateTime!, $leadIds: [Int!]) {\n    activities(types: [\"New Lead\"], since: $since, until: $until, leadIds: $leadIds) {\n      edges {\n        node {\n          leadId\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ActivitiesUntilDocument,
    "\n  query LeadActivities($id: Int!, $since: DateTime!) {\n    lead(id: $id) {\n      id\n      activities(types: [\"12\", \"Change Data Value\"], since: $since) {\n        edges {\n          node {\n            activityType\n            attributesObject\n          }\n        }\n      }\n    }\n  }\n": typeof types.LeadActivitiesDocument,
    "\n  query LeadChanges(\n    $fields: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $first: Int\n    $after: String\n  ) {\n    leadChanges(fields: $fields, since: $since, leadIds: $leadIds, first: $first, after: $after) {\n      edges {\n        node {\n          marketoGUID\n          leadId\n          kind\n          fields {\n            name\n            dataType\n            oldValue\n            newValue\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.LeadChangesDocument,
    "\n  query DeletedAndTypes($since: DateTime!) {\n    activityTypes {\n      id\n      name\n      primaryAttribute {\n        name\n        dataType\n      }\n    }\n    deletedLeads(since: $since) {\n      edges {\n        node {\n          leadId\n          name\n        }\n      }\n    }\n  }\n": typeof types.DeletedAndTypesDocument,
    "\n  mutation ImportLeads($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        marketoStatus\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n      }\n    }\n  }\n": typeof types.ImportLeadsDocument,
    "\n  query ImportJob($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      failures {\n        row\n        reason\n      }\n      warnings {\n        row\n        reason\n      }\n    }\n  }\n": typeof types.ImportJobDocument,
    "\n  query ImportedLeads($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n    }\n  }\n": typeof types.ImportedLeadsDocument,
    "\n  query LeadsById($ids: [Int!]!) {\n    leads(ids: $ids) {\n      id\n      email\n    }\n  }\n": typeof types.LeadsByIdDocument,
    "\n  query LeadDetails($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n      firstName\n      lastName\n      company\n      createdAt\n      updatedAt\n      company2: field(name: \"company\")\n      custom: fields(names: [\"integer_field\", \"boolean_field\"])\n    }\n  }\n": typeof types.LeadDetailsDocument,
    "\n  query TwoAliases {\n    a: lead(id: 1) {\n      id\n      firstName\n    }\n    b: lead(id: 2) {\n      id\n      city\n    }\n    c: leads(ids: [3, 4]) {\n      id\n      f: field(name: \"textarea_field\")\n    }\n  }\n": typeof types.TwoAliasesDocument,
    "\n  query LeadsBy($field: String!, $values: [String!]!) {\n    leadsBy(field: $field, values: $values) {\n      id\n      email\n    }\n  }\n": typeof types.LeadsByDocument,
    "\n  query LeadFields {\n    leadFields {\n      name\n      displayName\n      dataType\n      length\n      readOnly\n      searchable\n    }\n  }\n": typeof types.LeadFieldsDocument,
    "\n  query Membership($ids: [Int!]!, $listId: Int!) {\n    leads(ids: $ids) {\n      id\n      isMemberOf(listId: $listId)\n      lists {\n        id\n        name\n      }\n    }\n  }\n": typeof types.MembershipDocument,
    "\n  query UnknownField {\n    lead(id: 1) {\n      id\n      field(name: \"noSuchField\")\n    }\n  }\n": typeof types.UnknownFieldDocument,
    "\n  query ListById($id: Int!, $first: Int, $after: String) {\n    list(id: $id) {\n      id\n      name\n      description\n      programName\n      workspaceId\n      workspaceName\n      createdAt\n      updatedAt\n      leads(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            email\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.ListByIdDocument,
    "\n  query TwoLists {\n    a: list(id: 1001) {\n      id\n    }\n    b: list(id: 1002) {\n      id\n    }\n    missing: list(id: 999999) {\n      id\n    }\n  }\n": typeof types.TwoListsDocument,
    "\n  query Lists($first: Int, $after: String, $names: [String!], $workspaceNames: [String!]) {\n    lists(first: $first, after: $after, names: $names, workspaceNames: $workspaceNames) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          workspaceName\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ListsDocument,
    "\n  mutation AddToList($listId: Int!, $leadIds: [Int!]!) {\n    addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        listId\n        action\n        added\n        skipped\n        results {\n          index\n          leadId\n          status\n          reasons {\n            code\n            message\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": typeof types.AddToListDocument,
    "\n  mutation RemoveFromList($listId: Int!, $leadIds: [Int!]!) {\n    removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n        skipped\n        results(status: [SKIPPED]) {\n          leadId\n          reasons {\n            code\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": typeof types.RemoveFromListDocument,
    "\n  query CampaignById($id: Int!) {\n    campaign(id: $id) {\n      id\n      name\n      description\n      type\n      active\n      programId\n      programName\n      workspaceName\n      createdAt\n      updatedAt\n    }\n  }\n": typeof types.CampaignByIdDocument,
    "\n  query Campaigns($first: Int, $after: String, $isTriggerable: Boolean, $names: [String!]) {\n    campaigns(first: $first, after: $after, isTriggerable: $isTriggerable, names: $names) {\n      edges {\n        node {\n          id\n          name\n          type\n          active\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CampaignsDocument,
    "\n  mutation Trigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) {\n      ... on CampaignRun {\n        campaignId\n        leadCount\n        calls\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": typeof types.TriggerDocument,
    "\n  mutation Schedule($campaignId: Int!, $runAt: DateTime, $tokens: [CampaignTokenInput!], $clone: String) {\n    scheduleCampaign(campaignId: $campaignId, runAt: $runAt, tokens: $tokens, cloneToProgramName: $clone) {\n      ... on CampaignRun {\n        campaignId\n        runAt\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": typeof types.ScheduleDocument,
    "\n  query FirstLead {\n    lead(id: 1) {\n      id\n      email\n    }\n  }\n": typeof types.FirstLeadDocument,
    "\n  subscription StatusTicks {\n    marketoStatus(intervalMs: 100, count: 2) {\n      mode\n      instance\n      dailyQuota\n      limiter {\n        rateLimit\n        maxConcurrency\n      }\n    }\n  }\n": typeof types.StatusTicksDocument,
    "\n  query Status {\n    marketoStatus {\n      mode\n      instance\n      callsToday\n      dailyQuota\n      dailyQuotaLeft\n      limiter {\n        inFlight\n        maxConcurrency\n        callsInWindow\n        rateLimit\n        rateWindowMs\n        queued\n        shared\n      }\n    }\n  }\n": typeof types.StatusDocument,
    "\n  query SharedOneLead($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n    }\n  }\n": typeof types.SharedOneLeadDocument,
    "\n  mutation UpsertLeads($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results {\n          index\n          lookupValue\n          id\n          status\n          reasons {\n            code\n            message\n            field\n          }\n        }\n        then {\n          kind\n          targetId\n          action\n          succeeded\n          skipped\n          failed\n          notAttempted\n          error {\n            code\n            message\n          }\n          results {\n            index\n            id\n            status\n            reasons {\n              code\n            }\n          }\n        }\n      }\n      ... on Error {\n        __typename\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": typeof types.UpsertLeadsDocument,
    "\n  mutation UpsertLeadsProblems($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results(status: [FAILED, SKIPPED]) {\n          index\n          lookupValue\n          status\n          reasons {\n            code\n            field\n          }\n        }\n        then {\n          succeeded\n          skipped\n          failed\n          notAttempted\n          results(status: [NOT_ATTEMPTED, SKIPPED, FAILED]) {\n            index\n            status\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.UpsertLeadsProblemsDocument,
    "\n  query LeadsByEmail($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n      field(name: \"integer_field\")\n    }\n  }\n": typeof types.LeadsByEmailDocument,
    "\n  mutation StartImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        rowsTotal\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": typeof types.StartImportDocument,
    "\n  query ImportJobDetail($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      marketoStatus\n      batchIds\n      rowsTotal\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      error {\n        code\n        message\n      }\n      parts {\n        batchId\n        marketoStatus\n        firstRow\n        rows\n        bytes\n        rowsFailed\n        rowsWithWarning\n      }\n      failures {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n      warnings {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n    }\n  }\n": typeof types.ImportJobDetailDocument,
    "\n  mutation RestartImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n": typeof types.RestartImportLeadsDocument,
    "\n  query RestartImportJob($id: ID!) {\n    importJob(id: $id) {\n      status\n      rowsTotal\n      error { code }\n      parts { batchId marketoStatus }\n      failures { rowNumber row }\n    }\n  }\n": typeof types.RestartImportJobDocument,
    "\n  mutation UploadImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": typeof types.UploadImportDocument,
    "\n  mutation UploadUpsert($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        failed\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": typeof types.UploadUpsertDocument,
    "\n  mutation UpsertWithMode($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": typeof types.UpsertWithModeDocument,
    "\n  mutation ChaosCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }\n": typeof types.ChaosCreateExportDocument,
    "\n  subscription ChaosWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n": typeof types.ChaosWatchExportDocument,
    "\n  mutation ChaosImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n": typeof types.ChaosImportLeadsDocument,
    "\n  subscription ChaosWatchImport($id: ID!) { importJobStatus(id: $id) { status rowsTotal rowsFailed } }\n": typeof types.ChaosWatchImportDocument,
    "\n  mutation FleetUpsertOne($email: String!) {\n    upsertLeads(input: { leads: [{ email: $email }], mode: SYNC }) { ... on UpsertLeadsResult { created updated failed } ... on Error { code message } }\n  }\n": typeof types.FleetUpsertOneDocument,
    "\n  query FleetStatus { marketoStatus { callsToday limiter { shared rateLimit maxConcurrency callsInWindow } } }\n": typeof types.FleetStatusDocument,
    "\n  mutation FleetCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }\n": typeof types.FleetCreateExportDocument,
    "\n  subscription FleetWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n": typeof types.FleetWatchExportDocument,
    "\n  query FleetExportRows($id: ID!) { exportJob(id: $id) { status rowCount rows(first: 5) { totalCount } } }\n": typeof types.FleetExportRowsDocument,
    "\n  mutation FleetImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } } }\n": typeof types.FleetImportLeadsDocument,
    "\n  subscription FleetWatchImport($id: ID!) {\n    importJobStatus(id: $id) {\n      status\n      rowsTotal\n      rowsFailed\n      error { code message }\n      parts { batchId firstRow rows }\n      failures { rowNumber reason row }\n    }\n  }\n": typeof types.FleetWatchImportDocument,
    "\n  query FleetImportJob($id: ID!) {\n    importJob(id: $id) { status parts { batchId firstRow rows waiting } }\n  }\n": typeof types.FleetImportJobDocument,
};
const documents: Documents = {
    "mutation StatusPageExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }": types.StatusPageExportDocument,
    "mutation StatusPageImport($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }": types.StatusPageImportDocument,
    "\n  mutation FanoutCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n": types.FanoutCreateDocument,
    "\n  subscription FanoutWatch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) { id status rowsParsed }\n  }\n": types.FanoutWatchDocument,
    "\n  mutation Create($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id status entity parts { exportId } } ... on Error { code message } ... on InputError { argument field details } }\n  }\n": types.CreateDocument,
    "\n  subscription Watch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) {\n      id status fileSize bytesDownloaded rowsParsed rowCount numberOfRecords checksum\n      error { code message line }\n      waiting { reason resumesAt }\n    }\n  }\n": types.WatchDocument,
    "\n  query Rows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      status rowCount\n      rows(first: $first, after: $after) {\n        totalCount\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.RowsDocument,
    "\n  query RowPage($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n": types.RowPageDocument,
    "\n        mutation KeyedRowsCreate($input: CreateExportJobInput!) {\n          createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n        }\n      ": types.KeyedRowsCreateDocument,
    "\n        subscription KeyedRowsWatch($id: ID!) {\n          exportJobStatus(id: $id) { status }\n        }\n      ": types.KeyedRowsWatchDocument,
    "\n        query KeyedRowsCompact($id: ID!) {\n          exportJob(id: $id) { rowPage(first: 1000, after: \"cm93OjEw\") { columns values startCursor } }\n        }\n      ": types.KeyedRowsCompactDocument,
    "\n            query KeyedRowsConnection($id: ID!) {\n              exportJob(id: $id) { rows(first: 1000, after: \"cm93OjEw\") { edges { cursor node } nodes } }\n            }\n          ": types.KeyedRowsConnectionDocument,
    "\n      query KeyedRowsBesideError($id: ID!) {\n        exportJob(id: $id) { rows(first: 3) { nodes } }\n        broken: exportJob(id: $id) { rows(first: 1, after: \"not-a-cursor\") { nodes } }\n      }\n    ": types.KeyedRowsBesideErrorDocument,
    "\n        query KeyedRowsPlain($id: ID!) {\n          exportJob(id: $id) { rows(first: 3) { nodes } }\n        }\n      ": types.KeyedRowsPlainDocument,
    "\n  mutation CreateLeadExport($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.CreateLeadExportDocument,
    "\n  query ExportState($id: ID!) {\n    exportJob(id: $id) {\n      status\n      error {\n        code\n        message\n      }\n    }\n  }\n": types.ExportStateDocument,
    "\n  query TypedRows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowCount\n      leadRows(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          email\n          createdAt\n          unsubscribed\n          leadScore\n          annualRevenue\n          dateOfBirth\n          acquisitionProgramId\n          city\n          integerField: field(name: \"integer_field\")\n          customString: field(name: \"customString__c\")\n        }\n      }\n      rows(first: $first, after: $after) {\n        nodes\n      }\n    }\n  }\n": types.TypedRowsDocument,
    "\n  mutation ActivityLeadRows($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        entity\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ActivityLeadRowsDocument,
    "\n  mutation RowPageCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n": types.RowPageCreateDocument,
    "\n  subscription RowPageWatch($id: ID!) {\n    exportJobStatus(id: $id) { status rowCount }\n  }\n": types.RowPageWatchDocument,
    "\n  query RowPageAllRows($id: ID!, $after: String) {\n    exportJob(id: $id) {\n      rows(first: 1000, after: $after) {\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.RowPageAllRowsDocument,
    "\n  query RowPageAt($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n": types.RowPageAtDocument,
    "\n  mutation FeedFleetUpsert($input: UpsertLeadsInput!) { upsertLeads(input: $input) { __typename ... on Error { code message } } }\n": types.FeedFleetUpsertDocument,
    "\n  mutation FeedFleetAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) { ... on FeedPosition { cursor } ... on Error { code message } }\n  }\n": types.FeedFleetAckDocument,
    "\n  subscription FeedFleetChanges($since: DateTime!) {\n    leadChanged(fields: [\"firstName\"], since: $since, feed: \"\") { cursor }\n  }\n": types.FeedFleetChangesDocument,
    "\n  mutation FeedUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.FeedUpdateDocument,
    "\n  mutation FeedAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) {\n      ... on FeedPosition {\n        feed\n        cursor\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.FeedAckDocument,
    "\n  mutation FeedSocketUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.FeedSocketUpdateDocument,
    "\n  mutation ActivityUpsert($leads: [JSON!]!, $action: UpsertAction!, $lookupField: String!) {\n    upsertLeads(input: { leads: $leads, action: $action, lookupField: $lookupField, mode: SYNC }) {\n      ... on UpsertLeadsResult {\n        results {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ActivityUpsertDocument,
    "\n  mutation ActivityListChange($listId: Int!, $leadIds: [Int!]!) {\n    add: addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        added\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n    remove: removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ActivityListChangeDocument,
    "\n  mutation ActivityTrigger($campaignId: Int!, $leadIds: [Int!]!) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds) {\n      ... on CampaignRun {\n        campaignId\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ActivityTriggerDocument,
    "\n  query Activities(\n    $types: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $listId: Int\n    $first: Int\n    $after: String\n  ) {\n    activities(\n      types: $types\n      since: $since\n      leadIds: $leadIds\n      listId: $listId\n      first: $first\n      after: $after\n    ) {\n      edges {\n        cursor\n        node {\n          marketoGUID\n          leadId\n          activityTypeId\n          activityType\n          campaignId\n          primaryAttributeValueId\n          primaryAttributeValue\n          attributes {\n            name\n            dataType\n            value\n          }\n          attributesObject\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ActivitiesDocument,
    "\n  query ActivitiesUntil($since: DateTime!, $until: DateTime!, $leadIds: [Int!]) {\n    activities(types: [\"New Lead\"], since: $since, until: $until, leadIds: $leadIds) {\n      edges {\n        node {\n          leadId\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ActivitiesUntilDocument,
    "\n  query LeadActivities($id: Int!, $since: DateTime!) {\n    lead(id: $id) {\n      id\n      activities(types: [\"12\", \"Change Data Value\"], since: $since) {\n        edges {\n          node {\n            activityType\n            attributesObject\n          }\n        }\n      }\n    }\n  }\n": types.LeadActivitiesDocument,
    "\n  query LeadChanges(\n    $fields: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $first: Int\n    $after: String\n  ) {\n    leadChanges(fields: $fields, since: $since, leadIds: $leadIds, first: $first, after: $after) {\n      edges {\n        node {\n          marketoGUID\n          leadId\n          kind\n          fields {\n            name\n            dataType\n            oldValue\n            newValue\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.LeadChangesDocument,
    "\n  query DeletedAndTypes($since: DateTime!) {\n    activityTypes {\n      id\n      name\n      primaryAttribute {\n        name\n        dataType\n      }\n    }\n    deletedLeads(since: $since) {\n      edges {\n        node {\n          leadId\n          name\n        }\n      }\n    }\n  }\n": types.DeletedAndTypesDocument,
    "\n  mutation ImportLeads($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        marketoStatus\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n      }\n    }\n  }\n": types.ImportLeadsDocument,
    "\n  query ImportJob($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      failures {\n        row\n        reason\n      }\n      warnings {\n        row\n        reason\n      }\n    }\n  }\n": types.ImportJobDocument,
    "\n  query ImportedLeads($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n    }\n  }\n": types.ImportedLeadsDocument,
    "\n  query LeadsById($ids: [Int!]!) {\n    leads(ids: $ids) {\n      id\n      email\n    }\n  }\n": types.LeadsByIdDocument,
    "\n  query LeadDetails($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n      firstName\n      lastName\n      company\n      createdAt\n      updatedAt\n      company2: field(name: \"company\")\n      custom: fields(names: [\"integer_field\", \"boolean_field\"])\n    }\n  }\n": types.LeadDetailsDocument,
    "\n  query TwoAliases {\n    a: lead(id: 1) {\n      id\n      firstName\n    }\n    b: lead(id: 2) {\n      id\n      city\n    }\n    c: leads(ids: [3, 4]) {\n      id\n      f: field(name: \"textarea_field\")\n    }\n  }\n": types.TwoAliasesDocument,
    "\n  query LeadsBy($field: String!, $values: [String!]!) {\n    leadsBy(field: $field, values: $values) {\n      id\n      email\n    }\n  }\n": types.LeadsByDocument,
    "\n  query LeadFields {\n    leadFields {\n      name\n      displayName\n      dataType\n      length\n      readOnly\n      searchable\n    }\n  }\n": types.LeadFieldsDocument,
    "\n  query Membership($ids: [Int!]!, $listId: Int!) {\n    leads(ids: $ids) {\n      id\n      isMemberOf(listId: $listId)\n      lists {\n        id\n        name\n      }\n    }\n  }\n": types.MembershipDocument,
    "\n  query UnknownField {\n    lead(id: 1) {\n      id\n      field(name: \"noSuchField\")\n    }\n  }\n": types.UnknownFieldDocument,
    "\n  query ListById($id: Int!, $first: Int, $after: String) {\n    list(id: $id) {\n      id\n      name\n      description\n      programName\n      workspaceId\n      workspaceName\n      createdAt\n      updatedAt\n      leads(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            email\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.ListByIdDocument,
    "\n  query TwoLists {\n    a: list(id: 1001) {\n      id\n    }\n    b: list(id: 1002) {\n      id\n    }\n    missing: list(id: 999999) {\n      id\n    }\n  }\n": types.TwoListsDocument,
    "\n  query Lists($first: Int, $after: String, $names: [String!], $workspaceNames: [String!]) {\n    lists(first: $first, after: $after, names: $names, workspaceNames: $workspaceNames) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          workspaceName\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ListsDocument,
    "\n  mutation AddToList($listId: Int!, $leadIds: [Int!]!) {\n    addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        listId\n        action\n        added\n        skipped\n        results {\n          index\n          leadId\n          status\n          reasons {\n            code\n            message\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": types.AddToListDocument,
    "\n  mutation RemoveFromList($listId: Int!, $leadIds: [Int!]!) {\n    removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n        skipped\n        results(status: [SKIPPED]) {\n          leadId\n          reasons {\n            code\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": types.RemoveFromListDocument,
    "\n  query CampaignById($id: Int!) {\n    campaign(id: $id) {\n      id\n      name\n      description\n      type\n      active\n      programId\n      programName\n      workspaceName\n      createdAt\n      updatedAt\n    }\n  }\n": types.CampaignByIdDocument,
    "\n  query Campaigns($first: Int, $after: String, $isTriggerable: Boolean, $names: [String!]) {\n    campaigns(first: $first, after: $after, isTriggerable: $isTriggerable, names: $names) {\n      edges {\n        node {\n          id\n          name\n          type\n          active\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CampaignsDocument,
    "\n  mutation Trigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) {\n      ... on CampaignRun {\n        campaignId\n        leadCount\n        calls\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": types.TriggerDocument,
    "\n  mutation Schedule($campaignId: Int!, $runAt: DateTime, $tokens: [CampaignTokenInput!], $clone: String) {\n    scheduleCampaign(campaignId: $campaignId, runAt: $runAt, tokens: $tokens, cloneToProgramName: $clone) {\n      ... on CampaignRun {\n        campaignId\n        runAt\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n": types.ScheduleDocument,
    "\n  query FirstLead {\n    lead(id: 1) {\n      id\n      email\n    }\n  }\n": types.FirstLeadDocument,
    "\n  subscription StatusTicks {\n    marketoStatus(intervalMs: 100, count: 2) {\n      mode\n      instance\n      dailyQuota\n      limiter {\n        rateLimit\n        maxConcurrency\n      }\n    }\n  }\n": types.StatusTicksDocument,
    "\n  query Status {\n    marketoStatus {\n      mode\n      instance\n      callsToday\n      dailyQuota\n      dailyQuotaLeft\n      limiter {\n        inFlight\n        maxConcurrency\n        callsInWindow\n        rateLimit\n        rateWindowMs\n        queued\n        shared\n      }\n    }\n  }\n": types.StatusDocument,
    "\n  query SharedOneLead($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n    }\n  }\n": types.SharedOneLeadDocument,
    "\n  mutation UpsertLeads($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results {\n          index\n          lookupValue\n          id\n          status\n          reasons {\n            code\n            message\n            field\n          }\n        }\n        then {\n          kind\n          targetId\n          action\n          succeeded\n          skipped\n          failed\n          notAttempted\n          error {\n            code\n            message\n          }\n          results {\n            index\n            id\n            status\n            reasons {\n              code\n            }\n          }\n        }\n      }\n      ... on Error {\n        __typename\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": types.UpsertLeadsDocument,
    "\n  mutation UpsertLeadsProblems($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results(status: [FAILED, SKIPPED]) {\n          index\n          lookupValue\n          status\n          reasons {\n            code\n            field\n          }\n        }\n        then {\n          succeeded\n          skipped\n          failed\n          notAttempted\n          results(status: [NOT_ATTEMPTED, SKIPPED, FAILED]) {\n            index\n            status\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.UpsertLeadsProblemsDocument,
    "\n  query LeadsByEmail($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n      field(name: \"integer_field\")\n    }\n  }\n": types.LeadsByEmailDocument,
    "\n  mutation StartImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        rowsTotal\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": types.StartImportDocument,
    "\n  query ImportJobDetail($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      marketoStatus\n      batchIds\n      rowsTotal\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      error {\n        code\n        message\n      }\n      parts {\n        batchId\n        marketoStatus\n        firstRow\n        rows\n        bytes\n        rowsFailed\n        rowsWithWarning\n      }\n      failures {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n      warnings {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n    }\n  }\n": types.ImportJobDetailDocument,
    "\n  mutation RestartImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n": types.RestartImportLeadsDocument,
    "\n  query RestartImportJob($id: ID!) {\n    importJob(id: $id) {\n      status\n      rowsTotal\n      error { code }\n      parts { batchId marketoStatus }\n      failures { rowNumber row }\n    }\n  }\n": types.RestartImportJobDocument,
    "\n  mutation UploadImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": types.UploadImportDocument,
    "\n  mutation UploadUpsert($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        failed\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": types.UploadUpsertDocument,
    "\n  mutation UpsertWithMode($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n": types.UpsertWithModeDocument,
    "\n  mutation ChaosCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }\n": types.ChaosCreateExportDocument,
    "\n  subscription ChaosWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n": types.ChaosWatchExportDocument,
    "\n  mutation ChaosImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n": types.ChaosImportLeadsDocument,
    "\n  subscription ChaosWatchImport($id: ID!) { importJobStatus(id: $id) { status rowsTotal rowsFailed } }\n": types.ChaosWatchImportDocument,
    "\n  mutation FleetUpsertOne($email: String!) {\n    upsertLeads(input: { leads: [{ email: $email }], mode: SYNC }) { ... on UpsertLeadsResult { created updated failed } ... on Error { code message } }\n  }\n": types.FleetUpsertOneDocument,
    "\n  query FleetStatus { marketoStatus { callsToday limiter { shared rateLimit maxConcurrency callsInWindow } } }\n": types.FleetStatusDocument,
    "\n  mutation FleetCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }\n": types.FleetCreateExportDocument,
    "\n  subscription FleetWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n": types.FleetWatchExportDocument,
    "\n  query FleetExportRows($id: ID!) { exportJob(id: $id) { status rowCount rows(first: 5) { totalCount } } }\n": types.FleetExportRowsDocument,
    "\n  mutation FleetImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } } }\n": types.FleetImportLeadsDocument,
    "\n  subscription FleetWatchImport($id: ID!) {\n    importJobStatus(id: $id) {\n      status\n      rowsTotal\n      rowsFailed\n      error { code message }\n      parts { batchId firstRow rows }\n      failures { rowNumber reason row }\n    }\n  }\n": types.FleetWatchImportDocument,
    "\n  query FleetImportJob($id: ID!) {\n    importJob(id: $id) { status parts { batchId firstRow rows waiting } }\n  }\n": types.FleetImportJobDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StatusPageExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }"): typeof import('./graphql.js').StatusPageExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StatusPageImport($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }"): typeof import('./graphql.js').StatusPageImportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FanoutCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n"): typeof import('./graphql.js').FanoutCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FanoutWatch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) { id status rowsParsed }\n  }\n"): typeof import('./graphql.js').FanoutWatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Create($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id status entity parts { exportId } } ... on Error { code message } ... on InputError { argument field details } }\n  }\n"): typeof import('./graphql.js').CreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Watch($id: ID!) {\n    exportJobStatus(id: $id, entity: LEADS) {\n      id status fileSize bytesDownloaded rowsParsed rowCount numberOfRecords checksum\n      error { code message line }\n      waiting { reason resumesAt }\n    }\n  }\n"): typeof import('./graphql.js').WatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Rows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      status rowCount\n      rows(first: $first, after: $after) {\n        totalCount\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): typeof import('./graphql.js').RowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RowPage($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n"): typeof import('./graphql.js').RowPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n        mutation KeyedRowsCreate($input: CreateExportJobInput!) {\n          createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n        }\n      "): typeof import('./graphql.js').KeyedRowsCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n        subscription KeyedRowsWatch($id: ID!) {\n          exportJobStatus(id: $id) { status }\n        }\n      "): typeof import('./graphql.js').KeyedRowsWatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n        query KeyedRowsCompact($id: ID!) {\n          exportJob(id: $id) { rowPage(first: 1000, after: \"cm93OjEw\") { columns values startCursor } }\n        }\n      "): typeof import('./graphql.js').KeyedRowsCompactDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n            query KeyedRowsConnection($id: ID!) {\n              exportJob(id: $id) { rows(first: 1000, after: \"cm93OjEw\") { edges { cursor node } nodes } }\n            }\n          "): typeof import('./graphql.js').KeyedRowsConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n      query KeyedRowsBesideError($id: ID!) {\n        exportJob(id: $id) { rows(first: 3) { nodes } }\n        broken: exportJob(id: $id) { rows(first: 1, after: \"not-a-cursor\") { nodes } }\n      }\n    "): typeof import('./graphql.js').KeyedRowsBesideErrorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n        query KeyedRowsPlain($id: ID!) {\n          exportJob(id: $id) { rows(first: 3) { nodes } }\n        }\n      "): typeof import('./graphql.js').KeyedRowsPlainDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateLeadExport($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CreateLeadExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExportState($id: ID!) {\n    exportJob(id: $id) {\n      status\n      error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ExportStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TypedRows($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowCount\n      leadRows(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          email\n          createdAt\n          unsubscribed\n          leadScore\n          annualRevenue\n          dateOfBirth\n          acquisitionProgramId\n          city\n          integerField: field(name: \"integer_field\")\n          customString: field(name: \"customString__c\")\n        }\n      }\n      rows(first: $first, after: $after) {\n        nodes\n      }\n    }\n  }\n"): typeof import('./graphql.js').TypedRowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivityLeadRows($input: CreateExportJobInput!) {\n    createExportJob(input: $input) {\n      ... on ExportJob {\n        id\n        entity\n        leadRows {\n          totalCount\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivityLeadRowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RowPageCreate($input: CreateExportJobInput!) {\n    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }\n  }\n"): typeof import('./graphql.js').RowPageCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RowPageWatch($id: ID!) {\n    exportJobStatus(id: $id) { status rowCount }\n  }\n"): typeof import('./graphql.js').RowPageWatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RowPageAllRows($id: ID!, $after: String) {\n    exportJob(id: $id) {\n      rows(first: 1000, after: $after) {\n        edges { cursor node }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): typeof import('./graphql.js').RowPageAllRowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RowPageAt($id: ID!, $first: Int, $after: String) {\n    exportJob(id: $id) {\n      rowPage(first: $first, after: $after) {\n        columns values totalCount startIndex startCursor endCursor hasNextPage hasPreviousPage\n      }\n    }\n  }\n"): typeof import('./graphql.js').RowPageAtDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FeedFleetUpsert($input: UpsertLeadsInput!) { upsertLeads(input: $input) { __typename ... on Error { code message } } }\n"): typeof import('./graphql.js').FeedFleetUpsertDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FeedFleetAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) { ... on FeedPosition { cursor } ... on Error { code message } }\n  }\n"): typeof import('./graphql.js').FeedFleetAckDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FeedFleetChanges($since: DateTime!) {\n    leadChanged(fields: [\"firstName\"], since: $since, feed: \"\") { cursor }\n  }\n"): typeof import('./graphql.js').FeedFleetChangesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FeedUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').FeedUpdateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FeedAck($feed: String!, $cursor: String!) {\n    acknowledgeFeed(feed: $feed, cursor: $cursor) {\n      ... on FeedPosition {\n        feed\n        cursor\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').FeedAckDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FeedSocketUpdate($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        updated\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').FeedSocketUpdateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivityUpsert($leads: [JSON!]!, $action: UpsertAction!, $lookupField: String!) {\n    upsertLeads(input: { leads: $leads, action: $action, lookupField: $lookupField, mode: SYNC }) {\n      ... on UpsertLeadsResult {\n        results {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivityUpsertDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivityListChange($listId: Int!, $leadIds: [Int!]!) {\n    add: addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        added\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n    remove: removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivityListChangeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivityTrigger($campaignId: Int!, $leadIds: [Int!]!) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds) {\n      ... on CampaignRun {\n        campaignId\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivityTriggerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Activities(\n    $types: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $listId: Int\n    $first: Int\n    $after: String\n  ) {\n    activities(\n      types: $types\n      since: $since\n      leadIds: $leadIds\n      listId: $listId\n      first: $first\n      after: $after\n    ) {\n      edges {\n        cursor\n        node {\n          marketoGUID\n          leadId\n          activityTypeId\n          activityType\n          campaignId\n          primaryAttributeValueId\n          primaryAttributeValue\n          attributes {\n            name\n            dataType\n            value\n          }\n          attributesObject\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivitiesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActivitiesUntil($since: DateTime!, $until: DateTime!, $leadIds: [Int!]) {\n    activities(types: [\"New Lead\"], since: $since, until: $until, leadIds: $leadIds) {\n      edges {\n        node {\n          leadId\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): typeof import('./graphql.js').ActivitiesUntilDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadActivities($id: Int!, $since: DateTime!) {\n    lead(id: $id) {\n      id\n      activities(types: [\"12\", \"Change Data Value\"], since: $since) {\n        edges {\n          node {\n            activityType\n            attributesObject\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').LeadActivitiesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadChanges(\n    $fields: [String!]!\n    $since: DateTime\n    $leadIds: [Int!]\n    $first: Int\n    $after: String\n  ) {\n    leadChanges(fields: $fields, since: $since, leadIds: $leadIds, first: $first, after: $after) {\n      edges {\n        node {\n          marketoGUID\n          leadId\n          kind\n          fields {\n            name\n            dataType\n            oldValue\n            newValue\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql.js').LeadChangesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletedAndTypes($since: DateTime!) {\n    activityTypes {\n      id\n      name\n      primaryAttribute {\n        name\n        dataType\n      }\n    }\n    deletedLeads(since: $since) {\n      edges {\n        node {\n          leadId\n          name\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').DeletedAndTypesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportLeads($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        marketoStatus\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n      }\n    }\n  }\n"): typeof import('./graphql.js').ImportLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImportJob($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      failures {\n        row\n        reason\n      }\n      warnings {\n        row\n        reason\n      }\n    }\n  }\n"): typeof import('./graphql.js').ImportJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImportedLeads($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n    }\n  }\n"): typeof import('./graphql.js').ImportedLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadsById($ids: [Int!]!) {\n    leads(ids: $ids) {\n      id\n      email\n    }\n  }\n"): typeof import('./graphql.js').LeadsByIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadDetails($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n      firstName\n      lastName\n      company\n      createdAt\n      updatedAt\n      company2: field(name: \"company\")\n      custom: fields(names: [\"integer_field\", \"boolean_field\"])\n    }\n  }\n"): typeof import('./graphql.js').LeadDetailsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoAliases {\n    a: lead(id: 1) {\n      id\n      firstName\n    }\n    b: lead(id: 2) {\n      id\n      city\n    }\n    c: leads(ids: [3, 4]) {\n      id\n      f: field(name: \"textarea_field\")\n    }\n  }\n"): typeof import('./graphql.js').TwoAliasesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadsBy($field: String!, $values: [String!]!) {\n    leadsBy(field: $field, values: $values) {\n      id\n      email\n    }\n  }\n"): typeof import('./graphql.js').LeadsByDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadFields {\n    leadFields {\n      name\n      displayName\n      dataType\n      length\n      readOnly\n      searchable\n    }\n  }\n"): typeof import('./graphql.js').LeadFieldsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Membership($ids: [Int!]!, $listId: Int!) {\n    leads(ids: $ids) {\n      id\n      isMemberOf(listId: $listId)\n      lists {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').MembershipDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnknownField {\n    lead(id: 1) {\n      id\n      field(name: \"noSuchField\")\n    }\n  }\n"): typeof import('./graphql.js').UnknownFieldDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListById($id: Int!, $first: Int, $after: String) {\n    list(id: $id) {\n      id\n      name\n      description\n      programName\n      workspaceId\n      workspaceName\n      createdAt\n      updatedAt\n      leads(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            email\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').ListByIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoLists {\n    a: list(id: 1001) {\n      id\n    }\n    b: list(id: 1002) {\n      id\n    }\n    missing: list(id: 999999) {\n      id\n    }\n  }\n"): typeof import('./graphql.js').TwoListsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Lists($first: Int, $after: String, $names: [String!], $workspaceNames: [String!]) {\n    lists(first: $first, after: $after, names: $names, workspaceNames: $workspaceNames) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          workspaceName\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql.js').ListsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddToList($listId: Int!, $leadIds: [Int!]!) {\n    addLeadsToList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        listId\n        action\n        added\n        skipped\n        results {\n          index\n          leadId\n          status\n          reasons {\n            code\n            message\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n"): typeof import('./graphql.js').AddToListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveFromList($listId: Int!, $leadIds: [Int!]!) {\n    removeLeadsFromList(listId: $listId, leadIds: $leadIds) {\n      ... on ListMembershipChange {\n        removed\n        skipped\n        results(status: [SKIPPED]) {\n          leadId\n          reasons {\n            code\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n"): typeof import('./graphql.js').RemoveFromListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CampaignById($id: Int!) {\n    campaign(id: $id) {\n      id\n      name\n      description\n      type\n      active\n      programId\n      programName\n      workspaceName\n      createdAt\n      updatedAt\n    }\n  }\n"): typeof import('./graphql.js').CampaignByIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Campaigns($first: Int, $after: String, $isTriggerable: Boolean, $names: [String!]) {\n    campaigns(first: $first, after: $after, isTriggerable: $isTriggerable, names: $names) {\n      edges {\n        node {\n          id\n          name\n          type\n          active\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql.js').CampaignsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Trigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {\n    triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) {\n      ... on CampaignRun {\n        campaignId\n        leadCount\n        calls\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n"): typeof import('./graphql.js').TriggerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Schedule($campaignId: Int!, $runAt: DateTime, $tokens: [CampaignTokenInput!], $clone: String) {\n    scheduleCampaign(campaignId: $campaignId, runAt: $runAt, tokens: $tokens, cloneToProgramName: $clone) {\n      ... on CampaignRun {\n        campaignId\n        runAt\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n      }\n    }\n  }\n"): typeof import('./graphql.js').ScheduleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FirstLead {\n    lead(id: 1) {\n      id\n      email\n    }\n  }\n"): typeof import('./graphql.js').FirstLeadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StatusTicks {\n    marketoStatus(intervalMs: 100, count: 2) {\n      mode\n      instance\n      dailyQuota\n      limiter {\n        rateLimit\n        maxConcurrency\n      }\n    }\n  }\n"): typeof import('./graphql.js').StatusTicksDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Status {\n    marketoStatus {\n      mode\n      instance\n      callsToday\n      dailyQuota\n      dailyQuotaLeft\n      limiter {\n        inFlight\n        maxConcurrency\n        callsInWindow\n        rateLimit\n        rateWindowMs\n        queued\n        shared\n      }\n    }\n  }\n"): typeof import('./graphql.js').StatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SharedOneLead($id: Int!) {\n    lead(id: $id) {\n      id\n      email\n    }\n  }\n"): typeof import('./graphql.js').SharedOneLeadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpsertLeads($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results {\n          index\n          lookupValue\n          id\n          status\n          reasons {\n            code\n            message\n            field\n          }\n        }\n        then {\n          kind\n          targetId\n          action\n          succeeded\n          skipped\n          failed\n          notAttempted\n          error {\n            code\n            message\n          }\n          results {\n            index\n            id\n            status\n            reasons {\n              code\n            }\n          }\n        }\n      }\n      ... on Error {\n        __typename\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n"): typeof import('./graphql.js').UpsertLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpsertLeadsProblems($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        total\n        created\n        updated\n        skipped\n        failed\n        results(status: [FAILED, SKIPPED]) {\n          index\n          lookupValue\n          status\n          reasons {\n            code\n            field\n          }\n        }\n        then {\n          succeeded\n          skipped\n          failed\n          notAttempted\n          results(status: [NOT_ATTEMPTED, SKIPPED, FAILED]) {\n            index\n            status\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').UpsertLeadsProblemsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadsByEmail($values: [String!]!) {\n    leadsBy(field: \"email\", values: $values) {\n      id\n      email\n      firstName\n      field(name: \"integer_field\")\n    }\n  }\n"): typeof import('./graphql.js').LeadsByEmailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n        rowsTotal\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n"): typeof import('./graphql.js').StartImportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImportJobDetail($id: ID!) {\n    importJob(id: $id) {\n      id\n      status\n      marketoStatus\n      batchIds\n      rowsTotal\n      rowsProcessed\n      rowsFailed\n      rowsWithWarning\n      message\n      error {\n        code\n        message\n      }\n      parts {\n        batchId\n        marketoStatus\n        firstRow\n        rows\n        bytes\n        rowsFailed\n        rowsWithWarning\n      }\n      failures {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n      warnings {\n        rowNumber\n        batchId\n        row\n        reason\n      }\n    }\n  }\n"): typeof import('./graphql.js').ImportJobDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestartImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n"): typeof import('./graphql.js').RestartImportLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RestartImportJob($id: ID!) {\n    importJob(id: $id) {\n      status\n      rowsTotal\n      error { code }\n      parts { batchId marketoStatus }\n      failures { rowNumber row }\n    }\n  }\n"): typeof import('./graphql.js').RestartImportJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadImport($input: ImportLeadsInput!) {\n    importLeads(input: $input) {\n      ... on ImportJob {\n        id\n        status\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n"): typeof import('./graphql.js').UploadImportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadUpsert($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        failed\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n"): typeof import('./graphql.js').UploadUpsertDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpsertWithMode($input: UpsertLeadsInput!) {\n    upsertLeads(input: $input) {\n      ... on UpsertLeadsResult {\n        mode\n        total\n        created\n        results {\n          index\n          status\n        }\n        importJob {\n          id\n          status\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on InputError {\n        argument\n        field\n        details\n      }\n    }\n  }\n"): typeof import('./graphql.js').UpsertWithModeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChaosCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }\n"): typeof import('./graphql.js').ChaosCreateExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ChaosWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n"): typeof import('./graphql.js').ChaosWatchExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChaosImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }\n"): typeof import('./graphql.js').ChaosImportLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ChaosWatchImport($id: ID!) { importJobStatus(id: $id) { status rowsTotal rowsFailed } }\n"): typeof import('./graphql.js').ChaosWatchImportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FleetUpsertOne($email: String!) {\n    upsertLeads(input: { leads: [{ email: $email }], mode: SYNC }) { ... on UpsertLeadsResult { created updated failed } ... on Error { code message } }\n  }\n"): typeof import('./graphql.js').FleetUpsertOneDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FleetStatus { marketoStatus { callsToday limiter { shared rateLimit maxConcurrency callsInWindow } } }\n"): typeof import('./graphql.js').FleetStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FleetCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }\n"): typeof import('./graphql.js').FleetCreateExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FleetWatchExport($id: ID!) { exportJobStatus(id: $id, entity: LEADS) { status rowCount } }\n"): typeof import('./graphql.js').FleetWatchExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FleetExportRows($id: ID!) { exportJob(id: $id) { status rowCount rows(first: 5) { totalCount } } }\n"): typeof import('./graphql.js').FleetExportRowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FleetImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } } }\n"): typeof import('./graphql.js').FleetImportLeadsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FleetWatchImport($id: ID!) {\n    importJobStatus(id: $id) {\n      status\n      rowsTotal\n      rowsFailed\n      error { code message }\n      parts { batchId firstRow rows }\n      failures { rowNumber reason row }\n    }\n  }\n"): typeof import('./graphql.js').FleetWatchImportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FleetImportJob($id: ID!) {\n    importJob(id: $id) { status parts { batchId firstRow rows waiting } }\n  }\n"): typeof import('./graphql.js').FleetImportJobDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
