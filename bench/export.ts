/**
 * `npm run bench:export`: one bulk lead export of ~BENCH_EXPORT_MB (500) through the gateway's
 * export manager — Marketo job on the sandbox (its own process, compressed clock), streamed
 * download with SHA-256 check, csv-parse into the on-disk row store — and the same file through
 * csv-parse alone, the ratio to beat. Prints MB/s, time to first row, peak RSS, page latencies.
 *
 *   BENCH_EXPORT_MB=50 npm run bench:export
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { ExportJobManager } from '../src/bulk/export-jobs.js';
import type { ExportJobRecord } from '../src/bulk/types.js';
import { createMarketoClient } from '../src/marketo/client.js';
import { createClock } from '../src/sandbox/clock.js';
import { Store } from '../src/sandbox/store.js';
import { fmt, MB, startSandboxProcess } from './support.js';

const targetMb = Number(process.env.BENCH_EXPORT_MB ?? 500);
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1000);
const ALL_PEOPLE_SMART_LIST = 2001;

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

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

async function csvParseAlone(file: string): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  await pipeline(
    createReadStream(file, { highWaterMark: MB }),
    parse({ columns: true, bom: true }),
    async (source) => {
      for await (const _row of source) rows++;
    },
  );
  return { seconds: (performance.now() - started) / 1000, rows };
}

async function main(): Promise<void> {
  const { fields, bytesPerRow } = sizeUp();
  const leads = Math.ceil((targetMb * MB) / bytesPerRow);
  console.log(
    `bench:export — target ${targetMb} MB: ${leads.toLocaleString()} leads × ${fields.length} fields (~${Math.round(bytesPerRow)} B/row), sandbox timeScale ${timeScale}`,
  );
  // The sandbox in a child process, so RSS and CPU measured here are the gateway's alone.
  const { url, child } = await startSandboxProcess({
    SANDBOX_LEADS: String(leads),
    SANDBOX_TIME_SCALE: String(timeScale),
    SANDBOX_EXPORT_DAILY_QUOTA_BYTES: String(1e13),
  });
  const client = createMarketoClient({
    baseUrl: url,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    timeScale,
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  const manager = new ExportJobManager({
    client,
    dataDir,
    clock: { now: () => Date.now(), timeScale },
    pollIntervalMs: Math.max(10, 15_000 / timeScale),
    maxPollIntervalMs: Math.max(20, 60_000 / timeScale),
    dailyQuotaBytes: 1e13,
  });
  await manager.start();
  const baselineRss = process.memoryUsage().rss;
  const rssTimer = setInterval(sampleRss, 20);
  try {
    const t0 = performance.now();
    const created = await manager.create({
      entity: 'leads',
      fields,
      filter: { smartListId: ALL_PEOPLE_SMART_LIST },
    });
    const at: Partial<Record<string, number>> = {};
    let firstRowAt: number | undefined;
    let last: ExportJobRecord = created;
    for await (const job of await manager.watch(created.id, 'leads')) {
      const now = performance.now();
      at[job.status] ??= now;
      if (firstRowAt === undefined && job.rowsEnd.rows > 0) {
        // Confirm through the public read path, as a client would.
        const page = await manager.rows(job, { first: 1 });
        if (page.rows.length === 1) firstRowAt = performance.now();
      }
      last = job;
    }
    const tEnd = performance.now();
    clearInterval(rssTimer);
    sampleRss();
    const gatewayPeakRss = peakRss;
    if (last.status !== 'READY') {
      throw new Error(`export ended ${last.status}: ${JSON.stringify(last.error)}`);
    }
    const part = last.parts[0]!;
    const size = part.fileSize!;
    const completedAt = at.COMPLETED ?? at.DOWNLOADING!;
    const downloadS = (at.PARSING! - at.DOWNLOADING!) / 1000;
    const parseS = (tEnd - at.PARSING!) / 1000;
    const pipelineS = (tEnd - completedAt) / 1000;

    // Page latency: the first page vs one deep in the file.
    const timePage = async (after: number | null) => {
      const started = performance.now();
      const cursor = after === null ? null : Buffer.from(`row:${after}`).toString('base64url');
      await manager.rows(last, { first: 100, after: cursor });
      return performance.now() - started;
    };
    await timePage(null);
    const firstPageMs = await timePage(null);
    const deepPageMs = await timePage(last.rowsEnd.rows - 101);

    // The same bytes through csv-parse alone (file fetched once more, untimed).
    const raw = join(dataDir, 'raw.csv');
    await pipeline(
      client.downloadExportFile('leads', created.id, { fileSize: size }),
      createWriteStream(raw),
    );
    const alone = await csvParseAlone(raw);
    const storeBytes = (await stat(join(dataDir, 'exports', `leads-${created.id}`, 'rows.ndjson')))
      .size;

    const mbps = (seconds: number) => size / MB / seconds;
    console.log('');
    console.log(
      `file                 ${fmt(size / MB)} MB, ${part.numberOfRecords!.toLocaleString()} records (rows parsed: ${last.rowsEnd.rows.toLocaleString()})`,
    );
    console.log(
      `Marketo (sandbox)    ${fmt((completedAt - t0) / 1000, 2)} s create → COMPLETED (simulated queue + file generation)`,
    );
    console.log(`download + SHA-256   ${fmt(downloadS, 2)} s  ${fmt(mbps(downloadS))} MB/s`);
    console.log(
      `parse → row store    ${fmt(parseS, 2)} s  ${fmt(mbps(parseS))} MB/s  (store ${fmt(storeBytes / MB)} MB JSON rows + index)`,
    );
    console.log(
      `gateway pipeline     ${fmt(pipelineS, 2)} s  ${fmt(mbps(pipelineS))} MB/s  (COMPLETED → READY)`,
    );
    console.log(
      `time to first row    ${fmt(((firstRowAt ?? tEnd) - completedAt) / 1000, 2)} s after COMPLETED (${fmt(((firstRowAt ?? tEnd) - t0) / 1000, 2)} s after create)`,
    );
    console.log(
      `timeline             ${Object.entries(at)
        .map(([state, ms]) => `${state} +${fmt(((ms ?? 0) - t0) / 1000, 2)}s`)
        .join(', ')}`,
    );
    console.log(
      `peak RSS (gateway)   ${fmt(gatewayPeakRss / MB)} MB (${fmt(baselineRss / MB)} MB before the export: +${fmt((gatewayPeakRss - baselineRss) / MB)} MB)`,
    );
    console.log(
      `rows page of 100     first ${fmt(firstPageMs, 2)} ms, at row ${(last.rowsEnd.rows - 100).toLocaleString()} ${fmt(deepPageMs, 2)} ms`,
    );
    console.log(
      `csv-parse alone      ${fmt(alone.seconds, 2)} s  ${fmt(mbps(alone.seconds))} MB/s  (${alone.rows.toLocaleString()} rows, columns: true)`,
    );
    console.log(
      `ratio to beat        parse phase ${fmt(mbps(parseS) / mbps(alone.seconds), 2)}× csv-parse alone; whole pipeline ${fmt(mbps(pipelineS) / mbps(alone.seconds), 2)}×`,
    );
  } finally {
    clearInterval(rssTimer);
    await manager.close();
    await client.close();
    child.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
