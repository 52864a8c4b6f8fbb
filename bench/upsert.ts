/**
 * `npm run bench:upsert`: BENCH_UPSERT_ROWS (50,000 and 1,000,000) new leads through `upsertLeads`,
 * one GraphQL call per run over real HTTP, once with `mode: SYNC` (JSON rows) and once with
 * `mode: BULK`. BULK uploads the rows as a CSV file (GraphQL multipart request, streamed to the
 * gateway's disk); up to BENCH_UPSERT_JSON_MAX rows (50,000) also as JSON rows, labelled.
 * The sandbox runs with Marketo's real limits (100 calls / 20 s, 10 concurrent, 300 per call, 2
 * imports at once) on a compressed clock (below), in its own process;
 * the gateway runs in another, configured as for a real instance (URL + credentials), so its
 * peak RSS is its own; this process only sends the request and watches.
 *
 * SYNC: rows/s as a ratio of the API ceiling (300 × 100 / 20 s = 1,500 rows/s × timeScale) and
 * the 606/615 the sandbox answered. BULK: wall time until the import is COMPLETE (real and
 * Marketo time), rows imported, files and their fill, and import slot occupancy: the share of
 * the time with a backlog (enough unfinished files to fill both of Marketo's import slots) during
 * which both are busy, from the sandbox's `importTimeline` (sandbox clock). Peak RSS of the gateway for both.
 *
 * SYNC runs on a 5× clock and BULK on a 100× one (BENCH_SYNC_TIME_SCALE, BENCH_BULK_TIME_SCALE;
 * BENCH_TIME_SCALE sets both). At 100× the sync ceiling is 150,000 rows/s (500 calls of 300 rows a
 * second): the sandbox's own CPU, not the rate limit, would then be what holds the sync path back
 * ("peak concurrent" 1 and "max in window" under 100 say so).
 *
 *   BENCH_UPSERT_ROWS=50000,200000 BENCH_BULK_TIME_SCALE=50 npm run bench:upsert
 *   BENCH_UPSERT_MODES=SYNC npm run bench:upsert     (SYNC or BULK only)
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { IMPORT_MAX_BYTES } from '../src/marketo/import-upload.js';
import { silentLogger } from '../src/logger.js';
import { MARKETO_DEFAULTS } from '../src/marketo/config.js';
import { MAX_UPSERT_ROWS } from '../src/schema/lead-upsert.js';
import { DEFAULT_LIMITS } from '../src/security/settings.js';
import { gatewayConfigFor, type SandboxStats } from '../test/helpers/gateway.js';
import {
  fmt,
  GATEWAY_NODE_ARGS,
  MB,
  serveGateway,
  spawnListening,
  startSandboxProcess,
  stopProcess,
  writeResults,
} from './support.js';

const RECORDS_PER_CALL = 300;
/** Marketo's synchronous ceiling at real time: 300 rows × 100 calls / 20 s. */
const CEILING_ROWS_PER_S =
  (RECORDS_PER_CALL * MARKETO_DEFAULTS.rateLimit) / (MARKETO_DEFAULTS.rateWindowMs / 1000);
const TARGETS = {
  /** Issue #19: rows/s ÷ the API ceiling, with 0 × 606/615. */
  syncRatio: 0.97,
  rateErrors: 0,
  peakRssMb: 200,
  fileFill: 0.95,
  slotOccupancy: 0.9,
};
/** Marketo imports this many files at once (the sandbox's importProcessing). */
const IMPORT_SLOTS = 2;

// ─── The gateway process ────────────────────────────────────────────────────────────────────

/** Child role: a gateway in front of the sandbox at BENCH_SANDBOX_URL, answering RSS over IPC. */
async function runGateway(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE);
  const sandbox = {
    url: process.env.BENCH_SANDBOX_URL!,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  };
  // A real instance's settings, with the per-operation limits raised for one 1,000,000-row call.
  const config = gatewayConfigFor(sandbox, timeScale, {
    security: {
      apiKeys: [],
      allowAnonymous: true,
      production: true,
      limits: {
        ...DEFAULT_LIMITS,
        maxMarketoCalls: Math.ceil(MAX_UPSERT_ROWS / RECORDS_PER_CALL) + 10,
        maxBodyBytes: 512 * MB,
      },
    },
  });
  await serveGateway(config, (dataDir) => ({
    logger: silentLogger,
    exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
    importJobs: { dataDir: join(dataDir, 'imports') },
  }));
  if (process.env.BENCH_RSS_TRACE) {
    // Where the peak comes from: RSS and its parts every 250 ms on stderr.
    setInterval(() => {
      const m = process.memoryUsage();
      // The heap's committed size by space: the young generation grows under allocation churn.
      const spaces = getHeapSpaceStatistics()
        .filter((s) => s.space_name === 'new_space' || s.space_name === 'old_space')
        .map((s) => `${s.space_name.replace('_space', '')} ${fmt(s.space_size / MB)}`)
        .join(' ');
      process.stderr.write(
        `rss ${fmt(m.rss / MB)} heap ${fmt(m.heapUsed / MB)}/${fmt(m.heapTotal / MB)} (${spaces}) external ${fmt(m.external / MB)} arrayBuffers ${fmt(m.arrayBuffers / MB)}\n`,
      );
    }, 250).unref();
  }
  process.on('message', (message) => {
    if (message === 'rss') {
      // maxRSS: the kernel's high-water mark for this process, in KiB.
      process.send!({
        peakRss: process.resourceUsage().maxRSS * 1024,
        rss: process.memoryUsage().rss,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      });
    }
  });
}

// ─── The driver ─────────────────────────────────────────────────────────────────────────────

const sizes = (process.env.BENCH_UPSERT_ROWS ?? '50000,1000000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
/**
 * SYNC runs at 5× by default: its ceiling (7,500 rows/s) is well within what the sandbox serves
 * on one core (about 13,000 rows/s here: it answers one call at a time), so the rolling window,
 * not the sandbox's CPU, holds it back, as at Marketo. BULK at 100×: Marketo's imports take
 * minutes. BENCH_TIME_SCALE sets both.
 */
const syncTimeScale = Number(
  process.env.BENCH_SYNC_TIME_SCALE ?? process.env.BENCH_TIME_SCALE ?? 5,
);
const bulkTimeScale = Number(
  process.env.BENCH_BULK_TIME_SCALE ?? process.env.BENCH_TIME_SCALE ?? 100,
);
const modes = (process.env.BENCH_UPSERT_MODES ?? 'SYNC,BULK').toUpperCase().split(',');
/** BULK runs also send JSON rows up to this many rows (a 1,000,000-row JSON body is ~1 GB RSS). */
const jsonMax = Number(process.env.BENCH_UPSERT_JSON_MAX ?? 50_000);

/** From the gateway process: RSS high-water mark and now (bytes), CPU time used (ms). */
interface GatewayUsage {
  peakRss: number;
  rss: number;
  cpuMs: number;
}

interface Processes {
  sandboxUrl: string;
  gatewayUrl: string;
  usage(): Promise<GatewayUsage>;
  stats(): Promise<SandboxStats>;
  stop(): Promise<void>;
}

/** A fresh sandbox (Marketo's limits, enforced) and a fresh gateway, each in its own process. */
async function startProcesses(timeScale: number): Promise<Processes> {
  const sandbox = await startSandboxProcess({
    SANDBOX_TIME_SCALE: String(timeScale),
    SANDBOX_LEADS: '10000',
    // Marketo's own limits, spelled out so an inherited SANDBOX_* variable cannot change them.
    SANDBOX_RATE_LIMIT: String(MARKETO_DEFAULTS.rateLimit),
    SANDBOX_RATE_WINDOW_MS: String(MARKETO_DEFAULTS.rateWindowMs),
    SANDBOX_CONCURRENCY: String(MARKETO_DEFAULTS.concurrency),
    SANDBOX_MAX_BATCH: String(RECORDS_PER_CALL),
    SANDBOX_DAILY_QUOTA: String(MARKETO_DEFAULTS.dailyQuota),
    SANDBOX_IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES),
    SANDBOX_ENFORCE_LIMITS: 'true',
  });
  let gateway: Awaited<ReturnType<typeof spawnListening>>;
  try {
    gateway = await spawnListening('bench/upsert.ts', {
      args: ['--gateway'],
      // e.g. BENCH_GATEWAY_NODE_ARGS=--max-old-space-size=128 to see how much of the peak is GC slack.
      nodeArgs: GATEWAY_NODE_ARGS,
      env: { BENCH_SANDBOX_URL: sandbox.url, BENCH_TIME_SCALE: String(timeScale) },
      ipc: true,
    });
  } catch (error) {
    await stopProcess(sandbox.child);
    throw error;
  }
  const child = gateway.child;
  return {
    sandboxUrl: sandbox.url,
    gatewayUrl: gateway.url,
    usage: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as GatewayUsage));
        child.send('rss');
      }),
    async stats() {
      const response = await fetch(`${sandbox.url}/__sandbox/stats`);
      return (await response.json()) as SandboxStats;
    },
    async stop() {
      await stopProcess(child);
      await stopProcess(sandbox.child);
    },
  };
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function graphql<T>(url: string, body: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body,
  });
  const result = (await response.json()) as GraphQLResponse<T>;
  if (result.errors?.length || !result.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(result.errors).slice(0, 500)}`);
  }
  return result.data;
}

/** New leads (unique emails per run), as a JSON request body built as one string. */
function upsertBody(rows: number, mode: 'SYNC' | 'BULK', tag: string): string {
  const query = `mutation Upsert($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        mode total created updated skipped failed
        importJob { id status rowsTotal }
      }
      ... on Error {
        code
        message
      }
    }
  }`;
  const leads: string[] = new Array<string>(rows);
  for (let i = 0; i < rows; i++) {
    leads[i] =
      `{"email":"bench.${tag}.${i}@example.com","firstName":"Bench${i % 997}","lastName":"Upsert ${tag}","company":"Acme ${i % 101}"}`;
  }
  return `{"query":${JSON.stringify(query)},"variables":{"input":{"mode":"${mode}","leads":[${leads.join(',')}]}}}`;
}

interface UpsertData {
  upsertLeads: {
    mode: string;
    total: number;
    created: number;
    updated: number;
    skipped: number;
    failed: number;
    importJob: { id: string; status: string; rowsTotal: number } | null;
  };
}

interface ImportJobData {
  importJob: {
    status: string;
    rowsTotal: number;
    rowsProcessed: number;
    rowsFailed: number;
    rowsWithWarning: number;
    parts: { bytes: number; rows: number }[];
  } | null;
}

/** Peak RSS, RSS before the request (started, idle) and the gateway's CPU time / wall time. */
const rssFigures = (before: GatewayUsage, after: GatewayUsage, seconds: number) => ({
  peakRssMb: after.peakRss / MB,
  baselineRssMb: before.rss / MB,
  gatewayCpuShare: (after.cpuMs - before.cpuMs) / 1000 / seconds,
});

/**
 * The shortest real time `calls` can take under the rolling window when it starts empty: call
 * k + 100 cannot start before call k has left the window. A short run gets its first 100 calls
 * at once, so its rows/s can exceed the steady ceiling; this is the paced view of the same run.
 */
const fastestSeconds = (calls: number, timeScale: number) =>
  (Math.floor((calls - 1) / MARKETO_DEFAULTS.rateLimit) * MARKETO_DEFAULTS.rateWindowMs) /
  timeScale /
  1000;

const rateErrors = (stats: SandboxStats) => ({
  e606: stats.errors['606'] ?? 0,
  e615: stats.errors['615'] ?? 0,
});

interface SyncResult {
  rows: number;
  seconds: number;
  rowsPerS: number;
  ceilingRowsPerS: number;
  ratio: number;
  /** The shortest time the rolling window allows for these calls / the time taken. */
  pacedRatio: number;
  created: number;
  failed: number;
  skipped: number;
  syncCalls: number;
  maxCallsInWindow: number;
  peakConcurrency: number;
  e606: number;
  e615: number;
  peakRssMb: number;
  baselineRssMb: number;
  gatewayCpuShare: number;
}

async function syncRun(rows: number): Promise<SyncResult> {
  const timeScale = syncTimeScale;
  const p = await startProcesses(timeScale);
  try {
    const body = upsertBody(rows, 'SYNC', `s${rows}`);
    const before = await p.usage();
    const t0 = performance.now();
    const data = await graphql<UpsertData>(p.gatewayUrl, body);
    const seconds = (performance.now() - t0) / 1000;
    const stats = await p.stats();
    const after = await p.usage();
    const result = data.upsertLeads;
    const ceiling = CEILING_ROWS_PER_S * timeScale;
    return {
      rows,
      seconds,
      rowsPerS: rows / seconds,
      ceilingRowsPerS: ceiling,
      ratio: rows / seconds / ceiling,
      pacedRatio: fastestSeconds(Math.ceil(rows / RECORDS_PER_CALL), timeScale) / seconds,
      created: result.created + result.updated,
      failed: result.failed,
      skipped: result.skipped,
      syncCalls: stats.calls.byEndpoint['POST /rest/v1/leads.json'] ?? 0,
      maxCallsInWindow: stats.maxCallsInWindow,
      peakConcurrency: stats.peakConcurrency,
      ...rateErrors(stats),
      ...rssFigures(before, after, seconds),
    };
  } finally {
    await p.stop();
  }
}

interface BulkResult {
  rows: number;
  /** FILE: a CSV upload (multipart); JSON: rows in the JSON body. */
  input: 'FILE' | 'JSON';
  uploadMb: number;
  status: string;
  acceptedSeconds: number;
  seconds: number;
  marketoMinutes: number;
  imported: number;
  failed: number;
  warned: number;
  files: number;
  fileFill: number;
  /** Share of the backlog time with every import slot busy (null: a single job, no backlog). */
  slotOccupancy: number | null;
  backlogMarketoSeconds: number;
  e606: number;
  e615: number;
  peakRssMb: number;
  baselineRssMb: number;
  gatewayCpuShare: number;
}

const DONE = ['COMPLETE', 'PARTIAL', 'FAILED'];

const UPSERT_QUERY = `mutation Upsert($input: UpsertLeadsInput!) {
    upsertLeads(input: $input) {
      ... on UpsertLeadsResult {
        mode total created updated skipped failed
        importJob { id status rowsTotal }
      }
      ... on Error {
        code
        message
      }
    }
  }`;

/** The run's leads as a CSV file, written row by row. */
async function writeCsv(path: string, rows: number, tag: string): Promise<number> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('email,firstName,lastName,company\n');
  for (let i = 0; i < rows; i++) {
    await write(`bench.${tag}.${i}@example.com,Bench${i % 997},Upsert ${tag},Acme ${i % 101}\n`);
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

/** POSTs `file` per the GraphQL multipart request spec, streamed from disk. */
async function uploadCsv<T>(url: string, file: string, mode: 'BULK' | 'SYNC'): Promise<T> {
  const boundary = `----bench-${randomUUID()}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field(
      'operations',
      JSON.stringify({ query: UPSERT_QUERY, variables: { input: { mode, file: null } } }),
    ) +
      field('map', JSON.stringify({ 0: ['variables.input.file'] })) +
      `--${boundary}\r\ncontent-disposition: form-data; name="0"; filename="leads.csv"\r\ncontent-type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = (await stat(file)).size;
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
      accept: 'application/graphql-response+json',
    },
  });
  const answered = once(req, 'response');
  req.write(head);
  for await (const chunk of createReadStream(file)) {
    if (!req.write(chunk)) await once(req, 'drain');
  }
  req.end(tail);
  const [res] = (await answered) as [AsyncIterable<Buffer> & { statusCode?: number }];
  const parts: Buffer[] = [];
  for await (const chunk of res) parts.push(chunk);
  const result = JSON.parse(Buffer.concat(parts).toString('utf8')) as GraphQLResponse<T>;
  if (result.errors?.length || !result.data) {
    throw new Error(`HTTP ${res.statusCode}: ${JSON.stringify(result.errors).slice(0, 500)}`);
  }
  return result.data;
}

interface ImportTiming {
  batchId: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * From the sandbox's import timeline: there is a backlog while the jobs not yet finished (those
 * importing, waiting in Marketo's queue, or still to be sent by the gateway) could fill every
 * slot, i.e. from the first job queued until all but IMPORT_SLOTS - 1 jobs have finished.
 * Occupancy is the share of that time during which all IMPORT_SLOTS slots import.
 */
function slotOccupancy(timeline: readonly ImportTiming[]): {
  occupancy: number | null;
  backlogSeconds: number;
} {
  const jobs = timeline.map((t) => ({
    queued: Date.parse(t.queuedAt),
    started: t.startedAt ? Date.parse(t.startedAt) : Number.POSITIVE_INFINITY,
    finished: t.finishedAt ? Date.parse(t.finishedAt) : Number.POSITIVE_INFINITY,
  }));
  if (jobs.length < IMPORT_SLOTS) return { occupancy: null, backlogSeconds: 0 };
  const from = Math.min(...jobs.map((j) => j.queued));
  const finishes = jobs.map((j) => j.finished).sort((a, b) => a - b);
  const to = finishes[jobs.length - IMPORT_SLOTS]!;
  if (!(to > from) || !Number.isFinite(to)) return { occupancy: null, backlogSeconds: 0 };
  // Sweep the start/finish events, counting the time inside [from, to] with every slot busy.
  const events = jobs
    .flatMap((j) => [
      { at: j.started, delta: 1 },
      { at: j.finished, delta: -1 },
    ])
    .filter((e) => Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let busy = 0;
  let full = 0;
  let last = from;
  for (const event of events) {
    const at = Math.min(Math.max(event.at, from), to);
    if (busy >= IMPORT_SLOTS) full += at - last;
    last = at;
    busy += event.delta;
  }
  return { occupancy: full / (to - from), backlogSeconds: (to - from) / 1000 };
}

async function bulkRun(rows: number, input: 'FILE' | 'JSON'): Promise<BulkResult> {
  const timeScale = bulkTimeScale;
  const p = await startProcesses(timeScale);
  const dir = await mkdtemp(join(tmpdir(), 'bench-upsert-csv-'));
  try {
    const tag = `b${rows}${input === 'JSON' ? 'j' : ''}`;
    let send: () => Promise<UpsertData>;
    let uploadBytes: number;
    if (input === 'FILE') {
      const file = join(dir, 'leads.csv');
      uploadBytes = await writeCsv(file, rows, tag);
      send = () => uploadCsv<UpsertData>(p.gatewayUrl, file, 'BULK');
    } else {
      const body = upsertBody(rows, 'BULK', tag);
      uploadBytes = Buffer.byteLength(body);
      send = () => graphql<UpsertData>(p.gatewayUrl, body);
    }
    const before = await p.usage();
    const t0 = performance.now();
    const data = await send();
    const acceptedSeconds = (performance.now() - t0) / 1000;
    const jobId = data.upsertLeads.importJob?.id;
    if (!jobId) throw new Error(`BULK upsert returned no import job: ${JSON.stringify(data)}`);
    const poll = JSON.stringify({
      query: `query Job($id: ID!) { importJob(id: $id) {
        status rowsTotal rowsProcessed rowsFailed rowsWithWarning parts { bytes rows }
      } }`,
      variables: { id: jobId },
    });
    // As a client would: poll importJob (every 5 s of Marketo time, 10 ms at least).
    const every = Math.max(10, 5_000 / timeScale);
    let job: NonNullable<ImportJobData['importJob']>;
    for (;;) {
      const polled = await graphql<ImportJobData>(p.gatewayUrl, poll);
      if (!polled.importJob) throw new Error(`import job ${jobId} not found`);
      job = polled.importJob;
      if (DONE.includes(job.status)) break;
      await new Promise((resolve) => setTimeout(resolve, every));
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats = await p.stats();
    const after = await p.usage();
    const slots = slotOccupancy((stats.importTimeline ?? []) as ImportTiming[]);
    // Every file but the last is filled as close to the 10 MB limit as row boundaries allow.
    const full = job.parts.slice(0, -1);
    const fileFill =
      full.length === 0
        ? 1
        : full.reduce((sum, part) => sum + part.bytes, 0) / (full.length * IMPORT_MAX_BYTES);
    return {
      rows,
      input,
      uploadMb: uploadBytes / MB,
      status: job.status,
      acceptedSeconds,
      seconds,
      marketoMinutes: (seconds * timeScale) / 60,
      imported: job.rowsProcessed - job.rowsFailed,
      failed: job.rowsFailed,
      warned: job.rowsWithWarning,
      files: job.parts.length,
      fileFill,
      slotOccupancy: slots.occupancy,
      backlogMarketoSeconds: slots.backlogSeconds,
      ...rateErrors(stats),
      ...rssFigures(before, after, seconds),
    };
  } finally {
    await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const pass = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  if (sizes.length === 0) throw new Error('BENCH_UPSERT_ROWS: give row counts, e.g. 50000,1000000');
  const tooMany = sizes.find((n) => n > MAX_UPSERT_ROWS);
  if (tooMany)
    throw new Error(`BENCH_UPSERT_ROWS: ${tooMany} > ${MAX_UPSERT_ROWS} (the gateway's limit)`);
  const ceiling = CEILING_ROWS_PER_S * syncTimeScale;
  console.log(
    `bench:upsert — ${sizes.map(int).join(' and ')} rows, sandbox with Marketo's limits (${MARKETO_DEFAULTS.rateLimit} calls / ${MARKETO_DEFAULTS.rateWindowMs / 1000} s, ${MARKETO_DEFAULTS.concurrency} concurrent, ${RECORDS_PER_CALL} per call); SYNC at timeScale ${syncTimeScale} (ceiling ${int(ceiling)} rows/s), BULK at timeScale ${bulkTimeScale}`,
  );
  const sync: SyncResult[] = [];
  const bulk: BulkResult[] = [];
  for (const rows of sizes) {
    if (modes.includes('SYNC')) {
      console.log(`  SYNC ${int(rows)} rows …`);
      sync.push(await syncRun(rows));
    }
    if (modes.includes('BULK')) {
      console.log(`  BULK ${int(rows)} rows (CSV upload) …`);
      bulk.push(await bulkRun(rows, 'FILE'));
      if (rows <= jsonMax) {
        console.log(`  BULK ${int(rows)} rows (JSON rows) …`);
        bulk.push(await bulkRun(rows, 'JSON'));
      }
    }
  }

  const rowsOut: string[][] = [];
  for (const s of sync) {
    const n = int(s.rows);
    rowsOut.push(
      [
        `SYNC ${n}`,
        'rows/s',
        int(s.rowsPerS),
        `≥ ${int(ceiling * TARGETS.syncRatio)}`,
        pass(s.ratio >= TARGETS.syncRatio),
      ],
      [
        `SYNC ${n}`,
        'ratio to ceiling',
        fmt(s.ratio, 3),
        `≥ ${TARGETS.syncRatio}`,
        pass(s.ratio >= TARGETS.syncRatio),
      ],
      [
        `SYNC ${n}`,
        'fastest the window allows / wall time',
        fmt(s.pacedRatio, 3),
        '(info: first window is a burst)',
        '',
      ],
      [`SYNC ${n}`, 'gateway CPU / wall time', fmt(s.gatewayCpuShare, 2), '', ''],
      [
        `SYNC ${n}`,
        'wall time',
        `${fmt(s.seconds, 2)} s (${fmt((s.seconds * syncTimeScale) / 60, 1)} Marketo min)`,
        '',
        '',
      ],
      [
        `SYNC ${n}`,
        'created / failed / skipped',
        `${int(s.created)} / ${int(s.failed)} / ${int(s.skipped)}`,
        `${n} / 0 / 0`,
        pass(s.created === s.rows),
      ],
      [
        `SYNC ${n}`,
        'sync calls (max in window, peak concurrent)',
        `${int(s.syncCalls)} (${s.maxCallsInWindow}, ${s.peakConcurrency})`,
        `${int(Math.ceil(s.rows / RECORDS_PER_CALL))} (≤ ${MARKETO_DEFAULTS.rateLimit}, ≤ ${MARKETO_DEFAULTS.concurrency})`,
        pass(s.syncCalls === Math.ceil(s.rows / RECORDS_PER_CALL)),
      ],
      [
        `SYNC ${n}`,
        '606 / 615 seen by the sandbox',
        `${s.e606} / ${s.e615}`,
        '0 / 0',
        pass(s.e606 + s.e615 === 0),
      ],
      [
        `SYNC ${n}`,
        'peak RSS (gateway)',
        `${fmt(s.peakRssMb)} MB (idle before: ${fmt(s.baselineRssMb)} MB)`,
        `≤ ${TARGETS.peakRssMb} MB`,
        pass(s.peakRssMb <= TARGETS.peakRssMb),
      ],
    );
  }
  for (const b of bulk) {
    const n = `${int(b.rows)} ${b.input === 'FILE' ? 'CSV file' : 'JSON rows'}`;
    rowsOut.push(
      [`BULK ${n}`, 'status', b.status, 'COMPLETE', pass(b.status === 'COMPLETE')],
      [`BULK ${n}`, 'upload size', `${fmt(b.uploadMb)} MB`, '', ''],
      [`BULK ${n}`, 'request answered', `${fmt(b.acceptedSeconds, 2)} s`, '', ''],
      [
        `BULK ${n}`,
        'wall time to COMPLETE',
        `${fmt(b.seconds, 2)} s (${fmt(b.marketoMinutes, 1)} Marketo min)`,
        '',
        '',
      ],
      [`BULK ${n}`, 'gateway CPU / wall time', fmt(b.gatewayCpuShare, 2), '', ''],
      [
        `BULK ${n}`,
        'rows imported / failed / warned',
        `${int(b.imported)} / ${int(b.failed)} / ${int(b.warned)}`,
        `${int(b.rows)} / 0 / 0`,
        pass(b.imported === b.rows),
      ],
      [
        `BULK ${n}`,
        'files (fill of all but the last)',
        `${b.files} (${fmt(b.fileFill * 100)}%)`,
        `≥ ${TARGETS.fileFill * 100}%`,
        pass(b.fileFill >= TARGETS.fileFill),
      ],
      [
        `BULK ${n}`,
        `both import slots busy while a backlog (${fmt(b.backlogMarketoSeconds / 60, 1)} Marketo min)`,
        b.slotOccupancy === null ? 'n/a (one file)' : `${fmt(b.slotOccupancy * 100)}%`,
        `≥ ${TARGETS.slotOccupancy * 100}%`,
        b.slotOccupancy === null ? '' : pass(b.slotOccupancy >= TARGETS.slotOccupancy),
      ],
      [
        `BULK ${n}`,
        '606 / 615 seen by the sandbox',
        `${b.e606} / ${b.e615}`,
        '0 / 0',
        pass(b.e606 + b.e615 === 0),
      ],
      [
        `BULK ${n}`,
        'peak RSS (gateway)',
        `${fmt(b.peakRssMb)} MB (idle before: ${fmt(b.baselineRssMb)} MB)`,
        `≤ ${TARGETS.peakRssMb} MB`,
        pass(b.peakRssMb <= TARGETS.peakRssMb),
      ],
    );
  }
  console.log('');
  console.log(table(['run', 'figure', 'measured', 'target', ''], rowsOut));
  const file = await writeResults('upsert', {
    bench: 'upsert',
    at: new Date().toISOString(),
    node: process.version,
    timeScale: { sync: syncTimeScale, bulk: bulkTimeScale },
    limits: {
      rateLimit: MARKETO_DEFAULTS.rateLimit,
      rateWindowMs: MARKETO_DEFAULTS.rateWindowMs,
      concurrency: MARKETO_DEFAULTS.concurrency,
      recordsPerCall: RECORDS_PER_CALL,
    },
    ceilingRowsPerS: { realTime: CEILING_ROWS_PER_S, scaled: ceiling },
    targets: TARGETS,
    sync,
    bulk,
  });
  console.log(`\nresults: ${file}`);
}

if (process.argv.includes('--gateway')) await runGateway();
else await main();
