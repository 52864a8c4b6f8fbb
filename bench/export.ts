/**
 * `npm run bench:export`: bulk lead exports of BENCH_EXPORT_MB (50 and 500 MB) through the gateway,
 * as a client runs them: `createExportJob` over GraphQL, the job watched through the
 * `exportJobStatus` subscription (graphql-ws) — Marketo's job on the sandbox (its own process,
 * compressed clock), then the gateway's streamed download with SHA-256 check and csv-parse into
 * its on-disk row store — and its rows read back through `exportJob(id) { rows }` over HTTP.
 * Each size gets a fresh sandbox and a fresh gateway process (answering its RSS high-water mark
 * over IPC), so each run's peak RSS is the gateway's own and the sizes compare.
 *
 * Figures against issue #19's targets, each run:
 * - gateway throughput, DOWNLOADING → READY (download, verify, parse): ≥ 40 MB/s, and READY
 *   within 1.2 × the time the same file takes to download (with SHA-256) alone, measured in this
 *   process in the same run (csv-parse alone and the gateway's reader alone are shown beside it);
 * - the gateway's peak RSS ≤ 200 MB, through READY and after the pages are read back, and each
 *   larger run's within 25 MB of the smallest run's;
 * - first row: from the DOWNLOADING state to the first `rows(first: 1, unverified: true)` poll (every 20 ms) that
 *   returns a row: ≤ 300 ms;
 * - a page of 1,000 rows at BENCH_EXPORT_PAGES (200) random offsets across the whole file, timed
 *   to the last byte of the HTTP response, p99 ≤ 25 ms in the compact form
 *   (`rowPage(first: 1000, after:) { columns values }`); the connection form
 *   (`rows { edges { cursor node } }`, every column name in every row) at the same offsets beside it.
 *   Each form also shows the gateway's CPU time a page (its own process.cpuUsage around each
 *   request), which a loaded machine does not inflate as it does the latencies.
 *
 *   BENCH_EXPORT_MB=50 npm run bench:export
 *   BENCH_EXPORT_LINK_MB_PER_S=50 npm run bench:export    (the sandbox serves files at that speed,
 *                                                          as Marketo's come over the internet;
 *                                                          the download reference too)
 *   npm run bench:export-link                             (the same at 50 MB/s; part of `npm run
 *                                                          bench`)
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { RowEncoder } from '../src/bulk/row-encoder.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { silentLogger } from '../src/logger.js';
import { createMarketoClient } from '../src/marketo/client.js';
import { createClock } from '../src/sandbox/clock.js';
import { Store } from '../src/sandbox/store.js';
import { gatewayConfigFor } from '../test/helpers/gateway.js';
import { summarize } from './load.js';
import {
  fmt,
  GATEWAY_NODE_ARGS,
  MB,
  pass,
  serveGateway,
  spawnListening,
  stamp,
  startSandboxProcess,
  stopProcess,
  table,
  writeResults,
} from './support.js';
import { prng as random } from '../src/sandbox/seed.js';

/** Targets of issue #19 for bench:export. */
const TARGETS = {
  /** Gateway MB/s, DOWNLOADING → READY (download, verify, parse). */
  throughputMbps: 40,
  /** DOWNLOADING → READY over the download (with SHA-256) alone of the same file. */
  readyOverDownload: 1.2,
  peakRssMb: 200,
  /** A larger run's peak RSS over the smallest run's. */
  rssGrowthMb: 25,
  firstRowMs: 300,
  /** `rowPage(first: 1000, after:)`, the compact form. */
  pageP99Ms: 25,
};
const ALL_PEOPLE_SMART_LIST = 2001;
/** Marketo's status step (60 s), which the sandbox applies between export states. */
const MARKETO_STEP_MS = 60_000;
const PAGE_SIZE = 1000;
/** How often the first-row probe asks for `rows(first: 1, unverified: true)` once the download has started. */
const FIRST_ROW_POLL_MS = 20;
/** Unmeasured pages before the timed ones (connection set up, code paths compiled). */
const WARMUP_PAGES = 10;
/** Marketo's daily export quota (500 MB) would refuse the 500 MB run on a day with others. */
const NO_QUOTA_BYTES = 1e13;

// ─── The gateway process ────────────────────────────────────────────────────────────────────

/** Child role: a gateway in front of the sandbox at BENCH_SANDBOX_URL, answering RSS over IPC. */
async function runGateway(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE);
  const sandbox = {
    url: process.env.BENCH_SANDBOX_URL!,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  };
  const step = MARKETO_STEP_MS / timeScale;
  await serveGateway(gatewayConfigFor(sandbox, timeScale), (dataDir) => ({
    logger: silentLogger,
    exportJobs: {
      dataDir: join(dataDir, 'exports'),
      deleteDataOnClose: true,
      // A quarter of Marketo's step, as the embedded sandbox is polled.
      pollIntervalMs: Math.max(10, step / 4),
      maxPollIntervalMs: Math.max(20, step),
      dailyQuotaBytes: NO_QUOTA_BYTES,
    },
    importJobs: { dataDir: join(dataDir, 'imports') },
  }));
  process.on('message', (message) => {
    if (message === 'rss') {
      const cpu = process.cpuUsage();
      // maxRSS: the kernel's high-water mark for this process, in KiB.
      process.send!({
        peakRss: process.resourceUsage().maxRSS * 1024,
        rss: process.memoryUsage().rss,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    }
  });
}

// ─── The driver ─────────────────────────────────────────────────────────────────────────────

/** BENCH_EXPORT_MB: one size or a list (`50,500`); run-all's --quick sets 50. */
const sizes = (process.env.BENCH_EXPORT_MB ?? '50,500')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isFinite(n) && n > 0);
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1000);
const pageCount = Number(process.env.BENCH_EXPORT_PAGES ?? 200);
/**
 * The speed the sandbox serves export files at (0: loopback's): `--link-mb-per-s=N` (what
 * `npm run bench:export-link` passes), else BENCH_EXPORT_LINK_MB_PER_S.
 */
const linkMbPerS = Number(
  process.argv.find((a) => a.startsWith('--link-mb-per-s='))?.split('=')[1] ??
    process.env.BENCH_EXPORT_LINK_MB_PER_S ??
    0,
);

/** From the gateway process: RSS high-water mark and now (bytes), CPU time used (ms). */
interface GatewayUsage {
  peakRss: number;
  rss: number;
  cpuMs: number;
}

/** Exportable lead fields and the average CSV row size of the seeded data with them. */
function sizeUp(): { fields: string[]; bytesPerRow: number } {
  const store = new Store({ seed: 1, leadCount: 2000, clock: createClock() });
  const fields = store.fields.filter((f) => f.dataType !== 'formula').map((f) => f.name);
  let bytes = 0;
  let rows = 0;
  for (const lead of store.leads()) {
    for (const name of fields) {
      const value = lead[name];
      const text =
        value === null || value === undefined
          ? 'null'
          : typeof value === 'string'
            ? value
            : JSON.stringify(value);
      bytes += Buffer.byteLength(text) + 1;
    }
    rows++;
  }
  return { fields, bytesPerRow: bytes / rows };
}

/**
 * A reference: the same file through csv-parse alone (`columns: true`), or the gateway's reader
 * alone (the row encoder, its JSON lines counted and dropped).
 */
async function parseAlone(
  file: string,
  reader: 'csv-parse' | 'gateway',
): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  if (reader === 'csv-parse') {
    await pipeline(
      createReadStream(file, { highWaterMark: MB }),
      parse({ columns: true, bom: true }),
      async (source) => {
        for await (const _row of source) rows++;
      },
    );
  } else {
    const encoder = new RowEncoder(
      { format: 'CSV', onHeader: () => {} },
      {
        lines: (_data, ends) => {
          rows += ends.length;
          return undefined;
        },
        row: () => {
          rows++;
          return undefined;
        },
      },
    );
    for await (const chunk of createReadStream(file, { highWaterMark: MB })) {
      const wait = encoder.write(chunk as Buffer);
      if (wait) await wait;
    }
    await encoder.end();
  }
  return { seconds: (performance.now() - started) / 1000, rows };
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string }[];
}

const post = (url: string, query: string, variables: Record<string, unknown>) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });

function dataOf<T>(status: number, result: GraphQLResponse<T>): T {
  if (result.errors?.length || !result.data) {
    throw new Error(`HTTP ${status}: ${JSON.stringify(result.errors).slice(0, 500)}`);
  }
  return result.data;
}

async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await post(url, query, variables);
  return dataOf(response.status, (await response.json()) as GraphQLResponse<T>);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CREATE = `mutation ExportBenchCreate($input: CreateExportJobInput!) {
  createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } }
}`;
const WATCH = `subscription ExportBenchWatch($id: ID!) {
  exportJobStatus(id: $id) { status error { code message } }
}`;
const FIRST_ROW = `query ExportBenchFirstRow($id: ID!) {
  exportJob(id: $id) { rows(first: 1, unverified: true) { edges { cursor } } }
}`;
const DETAILS = `query ExportBenchDetails($id: ID!) {
  exportJob(id: $id) { status fileSize numberOfRecords rowCount marketoExportIds }
}`;
const PAGE = `query ExportBenchPage($id: ID!, $after: String) {
  exportJob(id: $id) {
    rows(first: ${PAGE_SIZE}, after: $after) {
      edges { cursor node }
      pageInfo { endCursor hasNextPage }
    }
  }
}`;
const COMPACT_PAGE = `query ExportBenchCompactPage($id: ID!, $after: String) {
  exportJob(id: $id) {
    rowPage(first: ${PAGE_SIZE}, after: $after) {
      columns values startCursor endCursor hasNextPage
    }
  }
}`;

interface JobStatus {
  status: string;
  error: { code: string; message: string } | null;
}
interface Details {
  exportJob: {
    status: string;
    fileSize: number;
    numberOfRecords: number;
    rowCount: number;
    marketoExportIds: string[];
  } | null;
}
interface FirstRow {
  exportJob: { rows: { edges: { cursor: string }[] } } | null;
}
interface Page {
  exportJob: {
    rows: {
      edges: { cursor: string; node: Record<string, unknown> }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  } | null;
}
interface CompactPage {
  exportJob: {
    rowPage: {
      columns: string[];
      values: unknown[][];
      startCursor: string | null;
      endCursor: string | null;
      hasNextPage: boolean;
    };
  } | null;
}

interface PageFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Pages whose rows or first cursor were not the ones asked for. */
  wrong: number;
  avgKb: number;
  /** The gateway's CPU time per page (user + system), whatever else loads the machine. */
  cpuMsPerPage: number;
}

/** The gateway's row cursor (src/bulk/export-jobs.ts encodeCursor): `after` row `index`. */
const rowCursor = (index: number) => Buffer.from(`row:${index}`).toString('base64url');

interface SizeResult {
  targetMb: number;
  leads: number;
  fileMb: number;
  records: number;
  rowCount: number;
  status: string;
  /** Seconds after createExportJob was sent at which the subscription saw each state first. */
  timeline: Record<string, number>;
  marketoSeconds: number;
  downloadSeconds: number;
  parseSeconds: number;
  pipelineSeconds: number;
  downloadMbps: number;
  parseMbps: number;
  pipelineMbps: number;
  reference: { seconds: number; mbps: number; rows: number };
  /** The gateway's reader alone on the same file. */
  reader: { seconds: number; mbps: number; rows: number };
  /** The file downloaded again with SHA-256 (to disk), nothing else. */
  downloadAlone: { seconds: number; mbps: number };
  readyOverDownload: number;
  /** DOWNLOADING → first `rows(first: 1, unverified: true)` answer with a row; null: none before READY was seen. */
  firstRowMs: number | null;
  firstRowPolls: number;
  /** `rowPage` (compact) and `rows` (connection) at the same offsets. */
  pages: PageFigures;
  connectionPages: PageFigures;
  idleRssMb: number;
  peakRssAtReadyMb: number;
  peakRssMb: number;
  /** The gateway's CPU time over wall time, DOWNLOADING → READY (2 cores: up to 2). */
  gatewayCpuShare: number;
}

async function exportRun(mb: number, fields: string[], bytesPerRow: number): Promise<SizeResult> {
  const leads = Math.ceil((mb * MB) / bytesPerRow);
  console.log(`  ${mb} MB: ${leads.toLocaleString()} leads …`);
  const sandbox = await startSandboxProcess({
    SANDBOX_LEADS: String(leads),
    SANDBOX_TIME_SCALE: String(timeScale),
    SANDBOX_EXPORT_DAILY_QUOTA_BYTES: String(NO_QUOTA_BYTES),
    SANDBOX_EXPORT_FILE_BYTES_PER_SECOND: String(Math.round(linkMbPerS * MB)),
  });
  let gateway: Awaited<ReturnType<typeof spawnListening>> | undefined;
  let ws: ReturnType<typeof createClient> | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  try {
    gateway = await spawnListening('bench/export.ts', {
      args: ['--gateway'],
      nodeArgs: GATEWAY_NODE_ARGS,
      env: { BENCH_SANDBOX_URL: sandbox.url, BENCH_TIME_SCALE: String(timeScale) },
      ipc: true,
    });
    const child = gateway.child;
    const url = gateway.url;
    const usage = () =>
      new Promise<GatewayUsage>((resolve) => {
        child.once('message', (m) => resolve(m as GatewayUsage));
        child.send('rss');
      });
    ws = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket });

    const idle = await usage();
    const t0 = performance.now();
    const { createExportJob } = await graphql<{ createExportJob: { id: string } }>(url, CREATE, {
      input: {
        entity: 'LEADS',
        fields,
        format: 'CSV',
        filter: { smartListId: ALL_PEOPLE_SMART_LIST },
      },
    });
    const id = createExportJob.id;

    // From DOWNLOADING on, ask for the first row every FIRST_ROW_POLL_MS until one comes back.
    let firstRowPolls = 0;
    let stopProbe = false;
    const probe = async (): Promise<number | null> => {
      while (!stopProbe) {
        firstRowPolls++;
        const data = await graphql<FirstRow>(url, FIRST_ROW, { id });
        if ((data.exportJob?.rows.edges.length ?? 0) > 0) return performance.now();
        await sleep(FIRST_ROW_POLL_MS);
      }
      return null;
    };
    let probeError: unknown;
    let firstRow: Promise<number | null> | undefined;
    let startUsage: Promise<GatewayUsage> | undefined;
    const at: Record<string, number> = {};
    const final = await new Promise<JobStatus>((resolve, reject) => {
      let last: JobStatus | undefined;
      ws!.subscribe<{ exportJobStatus: JobStatus }>(
        { query: WATCH, variables: { id } },
        {
          next: (result) => {
            const now = performance.now();
            const job = result.data?.exportJobStatus;
            if (!job) {
              reject(new Error(`exportJobStatus: ${JSON.stringify(result.errors).slice(0, 500)}`));
              return;
            }
            at[job.status] ??= now;
            last = job;
            if (!firstRow && ['DOWNLOADING', 'PARSING', 'READY'].includes(job.status)) {
              startUsage = usage();
              // Caught here: it may fail before anything awaits it.
              firstRow = probe().catch((error: unknown) => {
                probeError = error;
                return null;
              });
            }
          },
          error: (error) => reject(error instanceof Error ? error : new Error(String(error))),
          complete: () =>
            last ? resolve(last) : reject(new Error('exportJobStatus ended without a value')),
        },
      );
    }).finally(() => {
      stopProbe = at.READY === undefined;
    });
    if (final.status !== 'READY') {
      throw new Error(`export ended ${final.status}: ${JSON.stringify(final.error)}`);
    }
    const tReady = at.READY!;
    // READY's rows are readable: a probe still polling returns at its next poll.
    const firstRowAt = await firstRow!;
    if (probeError) throw probeError;
    const atReady = await usage();
    const details = (await graphql<Details>(url, DETAILS, { id })).exportJob!;
    const started = await startUsage!;

    // Pages of 1,000 rows at random offsets across the whole file, each timed to its last byte.
    // Pages of 1,000 rows at random offsets across the whole file, each timed to its last byte:
    // the compact form and the connection form, alternating at the same offsets.
    const rand = random(mb);
    const total = details.rowCount;
    const timed = { compact: [] as number[], connection: [] as number[] };
    const wrong = { compact: 0, connection: 0 };
    const bytes = { compact: 0, connection: 0 };
    /** The gateway's CPU time per form (from its own process.cpuUsage): steady under load. */
    const cpuMs = { compact: 0, connection: 0 };
    for (let i = 0; i < WARMUP_PAGES + pageCount; i++) {
      const offset = Math.floor(rand() * Math.max(1, total - PAGE_SIZE + 1));
      const after = offset === 0 ? null : rowCursor(offset - 1);
      const expectedRows = Math.min(PAGE_SIZE, total - offset);
      for (const form of ['compact', 'connection'] as const) {
        const before = await usage();
        const sent = performance.now();
        const response = await post(url, form === 'compact' ? COMPACT_PAGE : PAGE, { id, after });
        // Timed to the last byte: decoding the body into a string is the client's work (for
        // 822 KB of non-ASCII JSON, undici's text() alone took ~18 ms of this process's CPU).
        const body = Buffer.from(await response.arrayBuffer());
        const ms = performance.now() - sent;
        const served = await usage();
        const text = body.toString('utf8');
        let ok: boolean;
        if (form === 'compact') {
          const page = dataOf(response.status, JSON.parse(text) as GraphQLResponse<CompactPage>)
            .exportJob?.rowPage;
          ok =
            page?.values.length === expectedRows &&
            page.startCursor === rowCursor(offset) &&
            page.values.every((row) => row.length === page.columns.length);
        } else {
          const edges =
            dataOf(response.status, JSON.parse(text) as GraphQLResponse<Page>).exportJob?.rows
              .edges ?? [];
          ok = edges.length === expectedRows && edges[0]?.cursor === rowCursor(offset);
        }
        if (!ok) wrong[form]++;
        if (i >= WARMUP_PAGES) {
          timed[form].push(ms);
          bytes[form] += body.length;
          cpuMs[form] += served.cpuMs - before.cpuMs;
        }
      }
    }
    const after = await usage();
    await ws.dispose();
    ws = undefined;
    await stopProcess(child);

    // The references: the same file downloaded once more from the sandbox, with SHA-256 as the
    // gateway does (the time READY is held to), then csv-parse alone and the gateway's reader alone.
    const client = createMarketoClient({
      baseUrl: sandbox.url,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      timeScale,
    });
    const raw = join(dir, 'raw.csv');
    const downloadStarted = performance.now();
    try {
      const hash = createHash('sha256');
      const file = client.downloadExportFile('leads', details.marketoExportIds[0]!, {
        fileSize: details.fileSize,
      });
      // Hashed as it passes, as the gateway does (a listener beside the pipe, nothing in between).
      file.on('data', (chunk: Buffer) => hash.update(chunk));
      await pipeline(file, createWriteStream(raw));
      hash.digest();
    } finally {
      await client.close();
    }
    const downloadAloneSeconds = (performance.now() - downloadStarted) / 1000;
    await stopProcess(sandbox.child);
    const alone = await parseAlone(raw, 'csv-parse');
    const reader = await parseAlone(raw, 'gateway');

    const size = details.fileSize;
    const mbps = (seconds: number) => size / MB / seconds;
    const downloadStart = at.DOWNLOADING ?? at.PARSING ?? tReady;
    const parseStart = at.PARSING ?? tReady;
    const pipelineSeconds = (tReady - downloadStart) / 1000;
    const parseSeconds = (tReady - parseStart) / 1000;
    const figures = (form: 'compact' | 'connection'): PageFigures => {
      const latencies = timed[form];
      const summary = summarize(latencies);
      return {
        count: latencies.length,
        p50Ms: summary.p50,
        p99Ms: summary.p99,
        maxMs: latencies.reduce((max, ms) => Math.max(max, ms), 0),
        wrong: wrong[form],
        avgKb: bytes[form] / Math.max(1, latencies.length) / 1024,
        cpuMsPerPage: cpuMs[form] / Math.max(1, latencies.length),
      };
    };
    return {
      targetMb: mb,
      leads,
      fileMb: size / MB,
      records: details.numberOfRecords,
      rowCount: total,
      status: final.status,
      timeline: Object.fromEntries(Object.entries(at).map(([s, ms]) => [s, (ms - t0) / 1000])),
      marketoSeconds: ((at.COMPLETED ?? downloadStart) - t0) / 1000,
      downloadSeconds: (parseStart - downloadStart) / 1000,
      parseSeconds,
      pipelineSeconds,
      downloadMbps: mbps((parseStart - downloadStart) / 1000),
      parseMbps: mbps(parseSeconds),
      pipelineMbps: mbps(pipelineSeconds),
      reference: { seconds: alone.seconds, mbps: mbps(alone.seconds), rows: alone.rows },
      reader: { seconds: reader.seconds, mbps: mbps(reader.seconds), rows: reader.rows },
      downloadAlone: { seconds: downloadAloneSeconds, mbps: mbps(downloadAloneSeconds) },
      readyOverDownload: pipelineSeconds / downloadAloneSeconds,
      firstRowMs: firstRowAt === null ? null : firstRowAt - downloadStart,
      firstRowPolls,
      pages: figures('compact'),
      connectionPages: figures('connection'),
      idleRssMb: idle.rss / MB,
      peakRssAtReadyMb: atReady.peakRss / MB,
      peakRssMb: after.peakRss / MB,
      gatewayCpuShare: (atReady.cpuMs - started.cpuMs) / 1000 / pipelineSeconds,
    };
  } finally {
    await ws?.dispose();
    if (gateway) await stopProcess(gateway.child);
    await stopProcess(sandbox.child);
    await rm(dir, { recursive: true, force: true });
  }
}

function report(results: SizeResult[]): void {
  const smallest = results.reduce((a, b) => (b.targetMb < a.targetMb ? b : a), results[0]!);
  const rows: string[][] = [];
  const failures: string[] = [];
  const judge = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    return pass(ok);
  };
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  for (const r of results) {
    const n = `${r.targetMb} MB`;
    const info = (figure: string, measured: string) => rows.push([n, figure, measured, '', '', '']);
    info('file', `${fmt(r.fileMb)} MB, ${int(r.records)} records`);
    rows.push([
      n,
      'rows readable / csv-parse rows',
      `${int(r.rowCount)} / ${int(r.reference.rows)}`,
      `${int(r.records)} each`,
      '',
      judge(r.rowCount === r.records && r.reference.rows === r.records, `rows@${n}`),
    ]);
    info('Marketo (sandbox): create → COMPLETED', `${fmt(r.marketoSeconds, 2)} s`);
    info(
      'download while parsing (DOWNLOADING → PARSING)',
      `${fmt(r.downloadSeconds, 2)} s, ${fmt(r.downloadMbps)} MB/s`,
    );
    info('last rows after the checksum (PARSING → READY)', `${fmt(r.parseSeconds, 2)} s`);
    rows.push([
      n,
      'download, verify, parse (DOWNLOADING → READY)',
      `${fmt(r.pipelineSeconds, 2)} s, ${fmt(r.pipelineMbps)} MB/s`,
      `≥ ${TARGETS.throughputMbps} MB/s`,
      fmt(r.pipelineMbps / TARGETS.throughputMbps, 2),
      judge(r.pipelineMbps >= TARGETS.throughputMbps, `throughput@${n}`),
    ]);
    rows.push([
      n,
      'DOWNLOADING → READY ÷ download + SHA-256 alone',
      `${fmt(r.pipelineSeconds, 2)} s ÷ ${fmt(r.downloadAlone.seconds, 2)} s (${fmt(r.downloadAlone.mbps)} MB/s)`,
      `≤ ${TARGETS.readyOverDownload}`,
      fmt(r.readyOverDownload / TARGETS.readyOverDownload, 2),
      judge(r.readyOverDownload <= TARGETS.readyOverDownload, `readyOverDownload@${n}`),
    ]);
    info(
      "the gateway's reader alone / csv-parse (columns: true) alone, same file",
      `${fmt(r.reader.mbps)} / ${fmt(r.reference.mbps)} MB/s`,
    );
    info('gateway CPU / wall time (DOWNLOADING → READY)', fmt(r.gatewayCpuShare, 2));
    rows.push([
      n,
      'first row after DOWNLOADING',
      r.firstRowMs === null ? 'none' : `${int(r.firstRowMs)} ms (${r.firstRowPolls} polls)`,
      `≤ ${TARGETS.firstRowMs} ms`,
      r.firstRowMs === null ? '' : fmt(r.firstRowMs / TARGETS.firstRowMs, 2),
      judge(r.firstRowMs !== null && r.firstRowMs <= TARGETS.firstRowMs, `firstRow@${n}`),
    ]);
    rows.push([
      n,
      `rowPage(first: ${PAGE_SIZE}, after:) p99, ${r.pages.count} random offsets`,
      `${fmt(r.pages.p99Ms)} ms`,
      `≤ ${TARGETS.pageP99Ms} ms`,
      fmt(r.pages.p99Ms / TARGETS.pageP99Ms, 2),
      judge(r.pages.p99Ms <= TARGETS.pageP99Ms && r.pages.wrong === 0, `pages@${n}`),
    ]);
    for (const [label, page] of [
      ['rowPage', r.pages],
      ['rows { edges }', r.connectionPages],
    ] as const) {
      rows.push([
        n,
        `${label}: p50 / p99 / max, size, gateway CPU a page; wrong pages`,
        `${fmt(page.p50Ms)} / ${fmt(page.p99Ms)} / ${fmt(page.maxMs)} ms, ${int(page.avgKb)} KB, ${fmt(page.cpuMsPerPage)} ms CPU; ${page.wrong}`,
        '0 wrong',
        '',
        judge(page.wrong === 0, `wrongPages(${label})@${n}`),
      ]);
    }
    // Through READY: the export itself; after the pages: what reading them back adds.
    rows.push([
      n,
      'peak RSS (gateway), create → READY',
      `${fmt(r.peakRssAtReadyMb)} MB (idle before: ${fmt(r.idleRssMb)} MB)`,
      `≤ ${TARGETS.peakRssMb} MB`,
      fmt(r.peakRssAtReadyMb / TARGETS.peakRssMb, 2),
      judge(r.peakRssAtReadyMb <= TARGETS.peakRssMb, `rssExport@${n}`),
    ]);
    rows.push([
      n,
      `peak RSS (gateway), after the ${2 * (r.pages.count + WARMUP_PAGES)} pages`,
      `${fmt(r.peakRssMb)} MB`,
      `≤ ${TARGETS.peakRssMb} MB`,
      fmt(r.peakRssMb / TARGETS.peakRssMb, 2),
      judge(r.peakRssMb <= TARGETS.peakRssMb, `rss@${n}`),
    ]);
    if (r !== smallest) {
      const growth = r.peakRssMb - smallest.peakRssMb;
      rows.push([
        n,
        `peak RSS (whole run) − the ${smallest.targetMb} MB run's`,
        `${growth >= 0 ? '+' : ''}${fmt(growth)} MB`,
        `≤ ${TARGETS.rssGrowthMb} MB`,
        fmt(growth / TARGETS.rssGrowthMb, 2),
        judge(growth <= TARGETS.rssGrowthMb, `rssGrowth@${n}`),
      ]);
    }
  }
  console.log('');
  console.log(table(['size', 'figure', 'measured', 'target', 'ratio', ''], rows));
  console.log('');
  for (const r of results) {
    console.log(
      `${r.targetMb} MB timeline: ${Object.entries(r.timeline)
        .map(([state, s]) => `${state} +${fmt(s, 2)}s`)
        .join(', ')}`,
    );
  }
  if (failures.length > 0) console.log(`\nMISSED: ${failures.join(', ')}`);
  console.log(
    `load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')} on this machine`,
  );
}

async function main(): Promise<void> {
  if (sizes.length === 0) throw new Error('BENCH_EXPORT_MB: give sizes in MB, e.g. 50,500');
  const { fields, bytesPerRow } = sizeUp();
  console.log(
    `bench:export — ${sizes.join(' and ')} MB: ${fields.length} fields (~${Math.round(bytesPerRow)} B/row), sandbox timeScale ${timeScale}${linkMbPerS > 0 ? `, files served at ${linkMbPerS} MB/s` : ''}, a fresh gateway process per size`,
  );
  const results: SizeResult[] = [];
  for (const mb of sizes) results.push(await exportRun(mb, fields, bytesPerRow));
  report(results);
  const file = await writeResults(`export-${stamp()}`, {
    bench: 'export',
    at: new Date().toISOString(),
    node: process.version,
    timeScale,
    fields: fields.length,
    bytesPerRow,
    loadAverage: loadavg(),
    targets: TARGETS,
    results,
  });
  console.log(`\nresults: ${file}`);
}

if (process.argv.includes('--gateway')) await runGateway();
else await main();
