/**
 * The tabs GraphiQL opens with: a query, an upsert with a list step, an import, and an export
 * followed by its subscription. Every one runs as it is against the embedded sandbox (whose seeded
 * leads, lists 1001…, and development pace they assume); test/gateway/graphiql-examples.test.ts
 * runs them all, so a schema change that breaks one fails the suite.
 */
export interface ExampleTab {
  query: string;
  variables?: string;
}

const DAY = 86_400_000;

/** The tabs, with the export's range set to the week before `now` (recent seeded leads). */
export function exampleTabs(now = Date.now()): ExampleTab[] {
  // To the hour: the page's text (and its compressed form) stays the same for an hour.
  const hour = Math.floor(now / 3_600_000) * 3_600_000;
  const to = new Date(hour).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const from = new Date(hour - 7 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    {
      query: `# Marketo through GraphQL: leads, lists and the budget this instance has left.
query Leads {
  marketoStatus { mode instance callsToday dailyQuotaLeft limiter { callsInWindow rateLimit } }
  leads(ids: [1, 2, 3]) { id email firstName lastName company createdAt }
  lists(first: 5) { edges { node { id name } } }
}
`,
    },
    {
      query: `# Upsert leads by email, then add them to a static list: one result per row.
mutation UpsertThenList {
  upsertLeads(input: {
    leads: [{ email: "ada@example.com", firstName: "Ada" }, { email: "not-an-email" }]
    lookupField: "email"
    then: { list: { id: 1001, action: ADD } }
  }) {
    ... on UpsertLeadsResult {
      total created updated skipped failed
      results { index lookupValue id status reasons { code message field } }
      then { succeeded skipped notAttempted }
    }
    ... on Error {
      code
      message
    }
  }
}
`,
    },
    {
      query: `# A bulk import (CSV, TSV or SSV; a file upload works too): rows that fail come back by number.
mutation Import {
  importLeads(input: {
    data: "email,firstName,integer_field\\ngrace@example.com,Grace,1\\nalan@example.com,Alan,not-a-number"
    format: CSV
  }) { ... on ImportJob { id status } ... on Error { code message } }
}

# Run the mutation, put its id below, then run this one: it follows the job to the end.
subscription FollowImport($id: ID!) {
  importJobStatus(id: $id) {
    id status rowsProcessed rowsFailed
    failures { rowNumber reason }
  }
}
`,
      variables: '{ "id": "paste the import id here" }',
    },
    {
      query: `# A bulk export of the leads created in the last week (at most 31 days per Marketo job;
# longer ranges are split for you). Run it, copy the id into the variables, then run FollowExport.
mutation CreateExport($from: DateTime!, $to: DateTime!) {
  createExportJob(input: {
    entity: LEADS
    fields: ["id", "email", "firstName", "createdAt"]
    filter: { createdAt: { startAt: $from, endAt: $to } }
  }) { ... on ExportJob { id status } ... on Error { code message } }
}

# Every state until the rows are downloaded, parsed and readable: CREATED, QUEUED, PROCESSING,
# COMPLETED, DOWNLOADING, PARSING, READY.
subscription FollowExport($id: ID!) {
  exportJobStatus(id: $id) { id status bytesDownloaded fileSize rowsParsed rowCount error { code message } }
}

# The rows as JSON objects, and the same rows typed (LeadRow: standard fields with their scalars).
query ExportRows($id: ID!) {
  exportJob(id: $id) {
    rows(first: 20) { totalCount edges { node } }
    leadRows(first: 5) { nodes { id email firstName createdAt } }
  }
}
`,
      variables: JSON.stringify({ from, to, id: 'paste the export id here' }, null, 2),
    },
  ];
}
