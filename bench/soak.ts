/**
 * `npm run soak` (SOAK_SECONDS, default 180; not in CI): mixed traffic through the gateway while
 * the sandbox injects every fault it knows, then proof from the sandbox's own records.
 *
 * The sandbox runs here (Marketo's real limits, compressed clock SOAK_TIME_SCALE, default 20); the
 * gateway in a child process, configured as for a real instance; the traffic from this process on
 * loopback: lead reads, upserts (unique emails), list adds/removes, campaign triggers and schedules
 * (a unique token value each), imports (unique emails) and exports followed by graphql-ws
 * subscribers to READY and read back. Faults, ~8 % of Marketo calls in all: 601, 602, 604 (before
 * and after the work), 606, 608, 611, 615, HTTP 500/503 before and 502 after the work, dropped
 * connections before and after, 1029 on export enqueues and 1016 on import creates, 250 ms latency, and 503s/drops on identity.
 * 607 is left out: it means the day's quota is spent, which the gateway rightly reports as such.
 *
 * Then, faults off, checks (each a violation when broken; exit 1 on any):
 * - every upserted / imported row present in the sandbox exactly once (rows the gateway could not
 *   confirm are upserted again, as a client would);
 * - no campaign triggered or scheduled twice (token values in `/__sandbox/campaigns/runs`); every
 *   run the gateway confirmed present, none it reported failed before the work;
 * - no import or export created twice at Marketo (its batch and export ids against the gateway's);
 * - every export READY with exactly the rows of its static list;
 * - no 606/615/607 seen by a client, nor by the sandbox beyond the injected ones;
 * - OUTCOME_UNKNOWN only on non-idempotent calls, no more of them than faults that left an
 *   outcome unknown (5xx, drops, 604/608/611) on those endpoints (`/__sandbox/faults/fired`);
 * - list memberships as the confirmed adds/removes left them.
 *
 *   SOAK_SECONDS=120 npm run soak
 */
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { silentLogger } from '../src/logger.js';
import type { FiredFault } from '../src/sandbox/faults.js';
import { startSandbox } from '../src/sandbox/server.js';
import { gatewayConfigFor, type SandboxStats } from '../test/helpers/gateway.js';
import {
  fmt,
  serveGateway,
  spawnListening,
  stamp,
  stopProcess,
  table,
  writeResults,
} from './support.js';

const MARKETO_STEP_MS = 60_000;

// ─── The gateway process ────────────────────────────────────────────────────────────────────

async function runGateway(): Promise<void> {
  const timeScale = Number(process.env.SOAK_TIME_SCALE);
  const sandbox = {
    url: process.env.SOAK_SANDBOX_URL!,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  };
  await serveGateway(gatewayConfigFor(sandbox, timeScale), (dataDir) => ({
    logger: silentLogger,
    exportJobs: {
      dataDir: join(dataDir, 'exports'),
      deleteDataOnClose: true,
      pollIntervalMs: MARKETO_STEP_MS / 4 / timeScale,
      maxPollIntervalMs: MARKETO_STEP_MS / timeScale,
    },
    importJobs: { dataDir: join(dataDir, 'imports') },
  }));
}

// ─── Faults ─────────────────────────────────────────────────────────────────────────────────

/** Endpoints whose calls are not idempotent: an unknown outcome there is legitimate. */
const NON_IDEMPOTENT = {
  trigger: 'POST /rest/v1/campaigns/{id}/trigger.json',
  schedule: 'POST /rest/v1/campaigns/{id}/schedule.json',
  import: 'POST /bulk/v1/leads.json',
  export: 'POST /bulk/v1/leads/export/create.json',
} as const;
type UnknownOp = keyof typeof NON_IDEMPOTENT;

/** Per kind of fault; together about 8 % of the Marketo calls. */
const EACH = 0.006;
const FAULTS = [
  { error: '601', rate: EACH },
  { error: '602', rate: EACH },
  { error: '604', rate: EACH },
  { error: '604', when: 'after', rate: EACH },
  { error: '606', rate: EACH },
  { error: '608', rate: EACH },
  { error: '611', rate: EACH },
  { error: '615', rate: EACH },
  { http: 500, rate: EACH },
  { http: 503, rate: EACH },
  { http: 502, when: 'after', rate: EACH },
  { drop: true, rate: EACH },
  { drop: true, when: 'after', rate: EACH },
  // Queue full: 1029 for exports, 1016 for imports (the managers wait and try again).
  {
    error: '1029',
    message: 'Too many jobs in queue',
    rate: 0.05,
    endpoint: 'POST /bulk/v1/leads/export/{id}/enqueue.json',
  },
  { error: '1016', message: 'Too many imports', rate: 0.05, endpoint: 'POST /bulk/v1/leads.json' },
  { latencyMs: 250, rate: 0.03 },
  { http: 503, rate: 0.05, endpoint: 'GET /identity/oauth/token' },
  { drop: true, rate: 0.05, endpoint: 'GET /identity/oauth/token' },
];

/** A fault after which the caller cannot know whether the work was done. */
const leavesOutcomeUnknown = (f: FiredFault) =>
  f.kind === 'http' ||
  f.kind === 'drop' ||
  (f.kind === 'error' && ['604', '608', '611'].includes(f.code!));

// ─── GraphQL over HTTP and WebSocket ────────────────────────────────────────────────────────

interface GqlError {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}
interface Gql<T> {
  data?: T | null;
  errors?: GqlError[];
}

/** Error codes met by clients, all operations together (for the 606/615/607 check). */
const clientCodes = new Map<string, number>();
const noteCode = (code: string | undefined) => {
  if (code) clientCodes.set(code, (clientCodes.get(code) ?? 0) + 1);
};

async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Gql<T>> {
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as Gql<T>;
    // A mutation's failure as data (its outcome union's Error member) is an error with its code,
    // as every worker reads it.
    for (const value of Object.values(result.data ?? {})) {
      if (typeof value === 'object' && value !== null && 'code' in value && 'message' in value) {
        const { code, message } = value as { code: string; message: string };
        result.errors = [...(result.errors ?? []), { message, extensions: { code } }];
        result.data = null;
      }
    }
    for (const e of result.errors ?? []) noteCode(e.extensions?.code ?? 'NO_CODE');
    return result;
  } catch (error) {
    noteCode('CLIENT_TRANSPORT');
    return { errors: [{ message: String(error), extensions: { code: 'CLIENT_TRANSPORT' } }] };
  }
}

const codeOf = (result: Gql<unknown>) => result.errors?.[0]?.extensions?.code ?? 'NO_CODE';

// ─── Totals and records ─────────────────────────────────────────────────────────────────────

const totals = new Map<string, number>();
const count = (key: string, by = 1) => totals.set(key, (totals.get(key) ?? 0) + by);
const violations: string[] = [];
const violate = (message: string) => {
  violations.push(message);
};
const unknownSeen: Record<UnknownOp, number> = { trigger: 0, schedule: 0, import: 0, export: 0 };

/** Email → what the gateway last said about that row (`CONFIRMED` once created/updated). */
const upserted = new Map<string, 'CONFIRMED' | 'PENDING'>();
/** Campaign token value → what the gateway said. */
const campaignRuns = new Map<
  string,
  { kind: 'trigger' | 'schedule'; outcome: 'OK' | 'UNKNOWN' | 'FAILED'; code?: string }
>();
const importJobs: Array<{ id: string; batchIds: string[]; emails: string[]; status: string }> = [];
const exportJobs: Array<{ id: string; exportIds: string[]; status: string; listId: number }> = [];
/** `${listId}:${leadId}` → expected membership; deleted when a change failed (unknown). */
const membership = new Map<string, boolean>();

const rand = (() => {
  let state = 0x5eed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
})();
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ─── Workers ────────────────────────────────────────────────────────────────────────────────

const READ = `query SoakRead($ids: [Int!]!, $one: Int!) {
  leads(ids: $ids) { id email }
  lead(id: $one) { id firstName }
}`;
const UPSERT = `mutation SoakUpsert($input: UpsertLeadsInput!) {
  upsertLeads(input: $input) { ... on UpsertLeadsResult { total created updated failed skipped results { index status reasons { code } } } ... on Error { code message } }
}`;
const ADD = `mutation SoakAdd($listId: Int!, $leadIds: [Int!]!) {
  addLeadsToList(listId: $listId, leadIds: $leadIds) { ... on ListMembershipChange { added skipped results { leadId status reasons { code } } } ... on Error { code message } }
}`;
const REMOVE = `mutation SoakRemove($listId: Int!, $leadIds: [Int!]!) {
  removeLeadsFromList(listId: $listId, leadIds: $leadIds) { ... on ListMembershipChange { removed skipped results { leadId status reasons { code } } } ... on Error { code message } }
}`;
const TRIGGER = `mutation SoakTrigger($campaignId: Int!, $leadIds: [Int!]!, $tokens: [CampaignTokenInput!]) {
  triggerCampaign(campaignId: $campaignId, leadIds: $leadIds, tokens: $tokens) { ... on CampaignRun { calls leadCount } ... on Error { code message } }
}`;
const SCHEDULE = `mutation SoakSchedule($campaignId: Int!, $tokens: [CampaignTokenInput!]) {
  scheduleCampaign(campaignId: $campaignId, tokens: $tokens) { ... on CampaignRun { calls runAt } ... on Error { code message } }
}`;
const IMPORT = `mutation SoakImport($input: ImportLeadsInput!) {
  importLeads(input: $input) { ... on ImportJob { id status batchIds } ... on Error { code message } }
}`;
const IMPORT_STATUS = `query SoakImportStatus($id: ID!) {
  importJob(id: $id) { id status batchIds rowsProcessed rowsFailed error { code message } parts { batchId error { code } } }
}`;
const EXPORT = `mutation SoakExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } }
}`;
const EXPORT_WATCH = `subscription SoakExportWatch($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) { status marketoExportIds error { code message } }
}`;
const EXPORT_ROWS = `query SoakExportRows($id: ID!, $after: String) {
  exportJob(id: $id) { status marketoExportIds rows(first: 1000, after: $after) { totalCount nodes pageInfo { hasNextPage endCursor } } }
}`;

interface Ctx {
  url: string;
  sandboxUrl: string;
  until: number;
  run: string;
}

async function readWorker(ctx: Ctx): Promise<void> {
  while (Date.now() < ctx.until) {
    const ids = Array.from({ length: 5 }, () => 1 + Math.floor(rand() * 2000));
    const result = await gql(ctx.url, READ, { ids, one: ids[0] });
    count(result.errors ? 'reads failed' : 'reads ok');
  }
}

async function upsertRows(ctx: Ctx, emails: string[]): Promise<void> {
  const leads = emails.map((email) => ({ email, firstName: 'Soak', lastName: ctx.run }));
  const result = await gql<{
    upsertLeads: { results: { index: number; status: string; reasons: { code: string }[] }[] };
  }>(ctx.url, UPSERT, { input: { mode: 'SYNC', leads } });
  if (!result.data) {
    count('upserts failed');
    return;
  }
  count('upserts ok');
  for (const row of result.data.upsertLeads.results) {
    const email = emails[row.index]!;
    const code = row.reasons[0]?.code;
    noteCode(code);
    if (row.status === 'CREATED' || row.status === 'UPDATED') {
      upserted.set(email, 'CONFIRMED');
      count(`upsert rows ${row.status.toLowerCase()}`);
    } else {
      count(`upsert rows ${row.status.toLowerCase()} ${code ?? ''}`.trim());
      // createOrUpdate is idempotent: the gateway replays it, so it never leaves it unknown.
      if (code === 'OUTCOME_UNKNOWN')
        violate(`upsert row ${email}: OUTCOME_UNKNOWN on an idempotent call`);
    }
  }
}

async function upsertWorker(ctx: Ctx, worker: number): Promise<void> {
  let batch = 0;
  while (Date.now() < ctx.until) {
    // New rows, and the rows an earlier call could not confirm (as a client would resend them).
    const retry = [...upserted]
      .filter(([, s]) => s === 'PENDING')
      .map(([e]) => e)
      .slice(0, 20);
    const fresh = Array.from(
      { length: 10 + Math.floor(rand() * 40) },
      (_, i) => `soak.${ctx.run}.u${worker}.${batch}.${i}@soak.example.com`,
    );
    batch++;
    for (const email of fresh) upserted.set(email, 'PENDING');
    await upsertRows(ctx, [...fresh, ...retry.filter((e) => !fresh.includes(e))]);
  }
}

async function listWorker(ctx: Ctx): Promise<void> {
  const lists = [1010, 1011, 1012];
  while (Date.now() < ctx.until) {
    const listId = pick(lists);
    const leadIds = [
      ...new Set(
        Array.from({ length: 1 + Math.floor(rand() * 5) }, () => 100 + Math.floor(rand() * 50)),
      ),
    ];
    const add = rand() < 0.6;
    const result = await gql<
      Record<string, { results: { leadId: number; status: string; reasons: { code: string }[] }[] }>
    >(ctx.url, add ? ADD : REMOVE, { listId, leadIds });
    const change = result.data?.[add ? 'addLeadsToList' : 'removeLeadsFromList'];
    if (!change) {
      count(`list ${add ? 'adds' : 'removes'} failed ${codeOf(result)}`);
      if (codeOf(result) === 'OUTCOME_UNKNOWN')
        violate(`list change: OUTCOME_UNKNOWN on an idempotent call`);
      for (const id of leadIds) membership.delete(`${listId}:${id}`);
      continue;
    }
    count(`list ${add ? 'adds' : 'removes'} ok`);
    for (const r of change.results) {
      noteCode(r.reasons[0]?.code);
      const key = `${listId}:${r.leadId}`;
      if (r.status === 'ADDED' || r.status === 'REMOVED' || r.status === 'SKIPPED') {
        // SKIPPED: already a member / not a member; the end state is the same.
        membership.set(key, add);
      } else membership.delete(key);
    }
  }
}

async function campaignWorker(ctx: Ctx): Promise<void> {
  let n = 0;
  while (Date.now() < ctx.until) {
    const value = `${ctx.run}-${n++}`;
    const tokens = [{ name: '{{my.soakRun}}', value }];
    const trigger = rand() < 0.6;
    const result = trigger
      ? await gql(ctx.url, TRIGGER, {
          campaignId: pick([1102, 1103, 1110]),
          leadIds: [1 + Math.floor(rand() * 50)],
          tokens,
        })
      : await gql(ctx.url, SCHEDULE, { campaignId: pick([1101, 1106, 1107, 1108, 1109]), tokens });
    const kind = trigger ? 'trigger' : 'schedule';
    if (result.data) {
      campaignRuns.set(value, { kind, outcome: 'OK' });
      count(`${kind}s ok`);
    } else {
      const code = codeOf(result);
      if (code === 'OUTCOME_UNKNOWN') unknownSeen[kind]++;
      campaignRuns.set(value, {
        kind,
        outcome: code === 'OUTCOME_UNKNOWN' ? 'UNKNOWN' : 'FAILED',
        code,
      });
      count(`${kind}s failed ${code}`);
    }
  }
}

async function importWorker(ctx: Ctx): Promise<void> {
  let n = 0;
  const pending: Array<Promise<void>> = [];
  while (Date.now() < ctx.until) {
    const emails = Array.from(
      { length: 10 + Math.floor(rand() * 40) },
      (_, i) => `soak.${ctx.run}.i${n}.${i}@soak.example.com`,
    );
    n++;
    const rows = emails.map((email) => ({ email, firstName: 'Import', lastName: ctx.run }));
    const created = await gql<{ importLeads: { id: string; batchIds: string[] } }>(
      ctx.url,
      IMPORT,
      {
        input: { rows, format: 'CSV' },
      },
    );
    if (!created.data) {
      const code = codeOf(created);
      if (code === 'OUTCOME_UNKNOWN') unknownSeen.import++;
      count(`imports failed ${code}`);
      // The client resends the same rows (by email: no duplicate leads either way).
      for (const email of emails) upserted.set(email, 'PENDING');
      continue;
    }
    count('imports created');
    const job = {
      id: created.data.importLeads.id,
      batchIds: created.data.importLeads.batchIds,
      emails,
      status: 'QUEUED',
    };
    importJobs.push(job);
    pending.push(followImport(ctx, job));
    await sleep(200);
  }
  await Promise.all(pending);
}

async function followImport(ctx: Ctx, job: (typeof importJobs)[number]): Promise<void> {
  const deadline = ctx.until + 120_000;
  while (Date.now() < deadline) {
    await sleep(300);
    const result = await gql<{
      importJob: { status: string; batchIds: string[]; rowsFailed: number } | null;
    }>(ctx.url, IMPORT_STATUS, { id: job.id });
    const current = result.data?.importJob;
    if (!current) continue;
    job.status = current.status;
    job.batchIds = current.batchIds;
    if (['COMPLETE', 'FAILED', 'PARTIAL'].includes(current.status)) {
      count(`imports ${current.status.toLowerCase()}`);
      if (current.status === 'COMPLETE')
        for (const email of job.emails) upserted.set(email, 'CONFIRMED');
      else for (const email of job.emails) if (!upserted.has(email)) upserted.set(email, 'PENDING');
      return;
    }
  }
  violate(
    `import ${job.id} not finished within 2 minutes after the traffic stopped (${job.status})`,
  );
}

async function exportWorker(ctx: Ctx): Promise<void> {
  const wsUrl = `${ctx.url.replace('http', 'ws')}/graphql`;
  while (Date.now() < ctx.until) {
    const listId = pick([1002, 1003, 1004]);
    const created = await gql<{ createExportJob: { id: string } }>(ctx.url, EXPORT, {
      input: {
        entity: 'LEADS',
        fields: ['id', 'email'],
        format: 'CSV',
        filter: { staticListId: listId },
      },
    });
    if (!created.data) {
      const code = codeOf(created);
      if (code === 'OUTCOME_UNKNOWN') unknownSeen.export++;
      count(`exports failed ${code}`);
      await sleep(500);
      continue;
    }
    count('exports created');
    const job = {
      id: created.data.createExportJob.id,
      exportIds: [] as string[],
      status: 'CREATED',
      listId,
    };
    exportJobs.push(job);
    // Two subscribers follow it to the end, as dashboards would.
    const watchers = [0, 1].map(
      () =>
        new Promise<string>((resolve) => {
          const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
          let last = 'NONE';
          client.subscribe<{ exportJobStatus: { status: string } }>(
            { query: EXPORT_WATCH, variables: { id: job.id } },
            {
              next: (r) => {
                last = r.data?.exportJobStatus.status ?? `ERROR ${r.errors?.[0]?.message ?? ''}`;
              },
              error: (e) => {
                last = `ERROR ${String(e)}`;
                void client.dispose();
                resolve(last);
              },
              complete: () => {
                void client.dispose();
                resolve(last);
              },
            },
          );
        }),
    );
    const seen = await Promise.race([
      Promise.all(watchers),
      sleep(180_000).then(() => ['TIMEOUT', 'TIMEOUT']),
    ]);
    for (const status of seen) count(`export subscribers ended ${status}`);
    await readExport(ctx, job);
    if (seen.some((s) => s !== job.status)) {
      violate(`export ${job.id}: subscribers ended ${seen.join('/')} but the job is ${job.status}`);
    }
  }
}

async function readExport(ctx: Ctx, job: (typeof exportJobs)[number]): Promise<void> {
  const ids: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Gql<{
      exportJob: {
        status: string;
        marketoExportIds: string[];
        rows: {
          totalCount: number;
          nodes: { id: number }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } | null;
    }> = await gql(ctx.url, EXPORT_ROWS, { id: job.id, after });
    const found = page.data?.exportJob;
    if (!found) {
      violate(
        `export ${job.id}: rows could not be read (${codeOf(page)} ${page.errors?.[0]?.message ?? ''})`,
      );
      return;
    }
    job.status = found.status;
    job.exportIds = found.marketoExportIds;
    ids.push(...found.rows.nodes.map((row) => Number(row.id)));
    if (!found.rows.pageInfo.hasNextPage) break;
    after = found.rows.pageInfo.endCursor;
  }
  count(`exports ${job.status.toLowerCase()}`);
  if (job.status !== 'READY') {
    violate(`export ${job.id} ended ${job.status}`);
    return;
  }
  // The export lists are never changed by the traffic: the file must hold exactly their members.
  const members = (
    await control<{ leadIds: number[] }>(ctx.sandboxUrl, `/__sandbox/lists/${job.listId}/members`)
  ).leadIds;
  const got = [...ids].sort((a, b) => a - b);
  if (got.join(',') !== members.join(',')) {
    violate(
      `export ${job.id} of list ${job.listId}: ${got.length} rows, the list has ${members.length} members`,
    );
  }
}

// ─── Verification ───────────────────────────────────────────────────────────────────────────

async function control<T>(sandboxUrl: string, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${sandboxUrl}${path}`, init);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function verify(ctx: Ctx, fired: FiredFault[]): Promise<void> {
  // Rows the gateway never confirmed are sent once more, faults off, as a client would.
  const pending = [...upserted].filter(([, s]) => s === 'PENDING').map(([e]) => e);
  for (let i = 0; i < pending.length; i += 200) await upsertRows(ctx, pending.slice(i, i + 200));
  count('rows resent after the soak', pending.length);

  // Every row present exactly once.
  const emails = [...upserted.keys()];
  const found = new Map<string, number>();
  for (let i = 0; i < emails.length; i += 150) {
    const chunk = emails.slice(i, i + 150);
    const { leads } = await control<{ leads: { email?: string }[] }>(
      ctx.sandboxUrl,
      `/__sandbox/leads?email=${chunk.map(encodeURIComponent).join(',')}`,
    );
    for (const lead of leads) {
      const email = String(lead.email).toLowerCase();
      found.set(email, (found.get(email) ?? 0) + 1);
    }
  }
  let missing = 0;
  let twice = 0;
  for (const email of emails) {
    const n = found.get(email.toLowerCase()) ?? 0;
    if (n === 0) missing++;
    if (n > 1) twice++;
  }
  count('rows checked', emails.length);
  if (missing) violate(`${missing} upserted/imported rows missing from the sandbox`);
  if (twice) violate(`${twice} upserted/imported rows present more than once`);

  // Campaigns: each token value at most once; confirmed ones exactly once; refused ones never.
  const runs = await control<{
    triggers: { tokens: { value: string }[] }[];
    schedules: { tokens: { value: string }[] }[];
  }>(ctx.sandboxUrl, '/__sandbox/campaigns/runs');
  const seen = new Map<string, number>();
  for (const run of [...runs.triggers, ...runs.schedules]) {
    for (const token of run.tokens)
      if (token.value.startsWith(ctx.run)) seen.set(token.value, (seen.get(token.value) ?? 0) + 1);
  }
  for (const [value, n] of seen) if (n > 1) violate(`campaign run ${value} happened ${n} times`);
  for (const [value, run] of campaignRuns) {
    const n = seen.get(value) ?? 0;
    if (run.outcome === 'OK' && n !== 1)
      violate(`${run.kind} ${value} confirmed but ran ${n} times`);
    if (run.outcome === 'FAILED' && n !== 0)
      violate(`${run.kind} ${value} reported ${run.code} but ran ${n} times`);
    if (run.outcome === 'UNKNOWN') count(`${run.kind}s unknown that ran`, n);
  }

  // Imports: every Marketo batch belongs to exactly one gateway import; the rest ≤ unknown creates.
  const stats = await control<SandboxStats & { importTimeline?: { batchId: number }[] }>(
    ctx.sandboxUrl,
    '/__sandbox/stats',
  );
  const claimed = new Map<string, number>();
  for (const job of importJobs)
    for (const id of job.batchIds) claimed.set(id, (claimed.get(id) ?? 0) + 1);
  for (const [id, n] of claimed)
    if (n > 1) violate(`import batch ${id} claimed by ${n} gateway jobs`);
  const batches = Number(stats.importJobsCreated ?? 0);
  const orphanBatches = batches - claimed.size;
  count('import batches at Marketo', batches);
  if (orphanBatches > unknownSeen.import) {
    violate(
      `${orphanBatches} Marketo imports no gateway job owns, but only ${unknownSeen.import} creates were OUTCOME_UNKNOWN`,
    );
  }

  // Exports: likewise, from the sandbox's job list.
  const token = await identity(ctx.sandboxUrl);
  const listed = await control<{ result?: { exportId: string; status: string }[] }>(
    ctx.sandboxUrl,
    `/bulk/v1/leads/export.json?batchSize=300`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  const marketoExports = listed.result ?? [];
  const owned = new Map<string, number>();
  for (const job of exportJobs)
    for (const id of job.exportIds) owned.set(id, (owned.get(id) ?? 0) + 1);
  for (const [id, n] of owned)
    if (n > 1) violate(`Marketo export ${id} claimed by ${n} gateway jobs`);
  const orphanExports = marketoExports.filter((e) => !owned.has(e.exportId)).length;
  count('export jobs at Marketo', marketoExports.length);
  if (orphanExports > unknownSeen.export) {
    violate(
      `${orphanExports} Marketo exports no gateway job owns, but only ${unknownSeen.export} creates were OUTCOME_UNKNOWN`,
    );
  }

  // Lists: the confirmed end state of every (list, lead) pair.
  for (const listId of [1010, 1011, 1012]) {
    const members = new Set(
      (await control<{ leadIds: number[] }>(ctx.sandboxUrl, `/__sandbox/lists/${listId}/members`))
        .leadIds,
    );
    for (const [key, member] of membership) {
      const [list, lead] = key.split(':').map(Number);
      if (list !== listId) continue;
      if (members.has(lead!) !== member)
        violate(`list ${listId}: lead ${lead} ${member ? 'missing' : 'still a member'}`);
    }
  }

  // 606/615/607: never shown to a client; at the sandbox only those injected.
  const injected = (code: string) =>
    fired.filter((f) => f.kind === 'error' && f.code === code).length;
  for (const code of ['606', '615', '607']) {
    if (clientCodes.get(code)) violate(`clients saw ${code} ${clientCodes.get(code)} times`);
    const real = (stats.errors[code] ?? 0) - injected(code);
    count(`sandbox ${code} beyond injected`, real);
    if (real > 0) violate(`the sandbox answered ${code} ${real} times beyond the injected ones`);
  }

  // OUTCOME_UNKNOWN only where a fault left the outcome unknown, on that endpoint.
  for (const op of Object.keys(NON_IDEMPOTENT) as UnknownOp[]) {
    const endpoint = NON_IDEMPOTENT[op];
    const ambiguous = fired.filter(
      (f) => f.endpoint === endpoint && leavesOutcomeUnknown(f),
    ).length;
    summaries.push([
      `${op}: OUTCOME_UNKNOWN seen / faults that left it unknown`,
      `${unknownSeen[op]} / ${ambiguous}`,
    ]);
    if (unknownSeen[op] > ambiguous)
      violate(`${op}: ${unknownSeen[op]} OUTCOME_UNKNOWN but only ${ambiguous} ambiguous faults`);
  }
  const unknownElsewhere =
    (clientCodes.get('OUTCOME_UNKNOWN') ?? 0) -
    Object.values(unknownSeen).reduce((a, b) => a + b, 0);
  if (unknownElsewhere > 0)
    violate(`${unknownElsewhere} OUTCOME_UNKNOWN outside non-idempotent calls`);
}

const summaries: Array<[string, string]> = [];

async function identity(sandboxUrl: string): Promise<string> {
  const response = await fetch(
    `${sandboxUrl}/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox`,
  );
  return ((await response.json()) as { access_token: string }).access_token;
}

// ─── The driver ─────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const timeScale = Number(process.env.SOAK_TIME_SCALE ?? 20);
  const run = `r${Date.now().toString(36)}`;
  console.log(`soak — ${seconds} s of mixed traffic, sandbox timeScale ${timeScale}, run ${run}`);
  // Marketo's limits (the defaults), enforced.
  const sandbox = await startSandbox({ leads: 5_000, timeScale });
  let gateway: Awaited<ReturnType<typeof spawnListening>> | undefined;
  try {
    gateway = await spawnListening('bench/soak.ts', {
      args: ['--gateway'],
      env: { SOAK_SANDBOX_URL: sandbox.url, SOAK_TIME_SCALE: String(timeScale) },
    });
    await control(sandbox.url, '/__sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(FAULTS),
    });
    const ctx: Ctx = {
      url: gateway.url,
      sandboxUrl: sandbox.url,
      until: Date.now() + seconds * 1000,
      run,
    };
    const started = Date.now();
    const ticker = setInterval(() => {
      const ok = [...totals]
        .filter(([k]) => k.endsWith(' ok') || k.endsWith('created'))
        .map(([k, v]) => `${k} ${v}`);
      console.log(`  +${Math.round((Date.now() - started) / 1000)} s: ${ok.join(', ')}`);
    }, 20_000);
    await Promise.all([
      readWorker(ctx),
      readWorker(ctx),
      upsertWorker(ctx, 0),
      upsertWorker(ctx, 1),
      listWorker(ctx),
      campaignWorker(ctx),
      importWorker(ctx),
      exportWorker(ctx),
    ]);
    clearInterval(ticker);
    await control(sandbox.url, '/__sandbox/faults', { method: 'DELETE' });
    const { fired } = await control<{ fired: FiredFault[] }>(
      sandbox.url,
      '/__sandbox/faults/fired',
    );
    await verify(ctx, fired);
    const stats = await control<SandboxStats>(sandbox.url, '/__sandbox/stats');

    const byKind = new Map<string, number>();
    for (const f of fired) {
      const key = `${f.kind}${f.code ? ` ${f.code}` : ''}${f.status ? ` ${f.status}` : ''}${f.kind === 'latency' ? '' : ` ${f.when}`}`;
      byKind.set(key, (byKind.get(key) ?? 0) + 1);
    }
    console.log('');
    console.log(
      table(
        ['operation / outcome', 'count'],
        [...totals].sort().map(([k, v]) => [k, String(v)]),
      ),
    );
    console.log('');
    console.log(
      table(
        ['faults fired', 'count'],
        [...byKind].sort().map(([k, v]) => [k, String(v)]),
      ),
    );
    const share = (n: number) => `${fmt((n / Math.max(1, stats.calls.total)) * 100)} %`;
    console.log(
      `\nMarketo calls ${stats.calls.total} (${share(fired.filter((f) => f.kind !== 'latency').length)} failed by an injected fault, ${share(fired.filter((f) => f.kind === 'latency').length)} delayed), peak concurrency ${stats.peakConcurrency}, max calls in a window ${stats.maxCallsInWindow}`,
    );
    for (const [what, value] of summaries) console.log(`${what}: ${value}`);
    console.log(
      `client error codes: ${[...clientCodes].map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`,
    );
    const file = await writeResults(`soak-${stamp()}`, {
      bench: 'soak',
      at: new Date().toISOString(),
      seconds,
      timeScale,
      totals: Object.fromEntries(totals),
      faults: Object.fromEntries(byKind),
      clientCodes: Object.fromEntries(clientCodes),
      sandbox: stats,
      violations,
    });
    console.log(`results: ${file}`);
    if (violations.length > 0) {
      console.log(`\n${violations.length} VIOLATIONS:`);
      for (const v of violations.slice(0, 50)) console.log(`  - ${v}`);
      process.exitCode = 1;
    } else console.log('\nno violations');
  } finally {
    if (gateway) await stopProcess(gateway.child);
    await sandbox.close();
  }
}

if (process.argv.includes('--gateway')) await runGateway();
else await main();
