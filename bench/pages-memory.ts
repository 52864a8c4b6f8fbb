/**
 * What a gateway holds after reading export pages (issue #19, peak RSS after the pages of
 * `bench:export`). A READY lead export of BENCH_PAGES_LEADS leads (106 fields) in the bench
 * gateway (bundled, its own process, as bench:export runs it), then BENCH_PAGES_COUNT pages of
 * 1,000 rows at random offsets in BENCH_PAGES_FORM (`connection`: `rows { edges { cursor node } }`,
 * `compact`: `rowPage { columns values }`). Prints the gateway's memory (RSS, its high-water
 * mark, V8's spaces, external and ArrayBuffer bytes) at READY and after the pages, the bytes
 * allocated while serving them by function (V8's sampling heap profiler, collected objects
 * included), and what a heap snapshot after the pages holds, by constructor.
 *
 *   BENCH_PAGES_FORM=connection npx tsx bench/pages-memory.ts
 */
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { silentLogger } from '../src/logger.js';
import { createClock } from '../src/sandbox/clock.js';
import { prng } from '../src/sandbox/seed.js';
import { Store } from '../src/sandbox/store.js';
import { gatewayConfigFor } from '../test/helpers/gateway.js';
import {
  GATEWAY_NODE_ARGS,
  MB,
  serveGateway,
  spawnListening,
  startSandboxProcess,
  stopProcess,
} from './support.js';

const TIME_SCALE = 1000;
const PAGE = 1000;

interface Usage {
  rss: number;
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, number>;
  /** /proc/self/status: anonymous (heap, malloc, stacks) and file-backed (code) resident bytes. */
  rssAnon: number;
  rssFile: number;
}

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}

function usageNow(): Usage {
  const m = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_size;
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return {
    rssAnon: kb('RssAnon'),
    rssFile: kb('RssFile'),
    rss: m.rss,
    peakRss: process.resourceUsage().maxRSS * 1024,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    spaces,
  };
}

/** Child role: the bench gateway, answering `usage`, `gc`, `snapshot`, `sample-*` over IPC. */
async function runGateway(): Promise<void> {
  const session = new Session();
  session.connect();
  process.on('message', (message: { op: string; path?: string }) => {
    const reply = (value: unknown) => process.send!(value);
    if (message.op === 'usage') reply(usageNow());
    else if (message.op === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      reply(usageNow());
    } else if (message.op === 'snapshot') reply(writeHeapSnapshot(message.path));
    else if (message.op === 'sample-start') {
      void session
        .post('HeapProfiler.startSampling', {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        } as never)
        .then(() => reply('started'));
    } else if (message.op === 'sample-stop') {
      void session.post('HeapProfiler.stopSampling').then(({ profile }) => reply(profile.head));
    }
  });
  const sandbox = {
    url: process.env.BENCH_SANDBOX_URL!,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  };
  await serveGateway(gatewayConfigFor(sandbox, TIME_SCALE), (dataDir) => ({
    logger: silentLogger,
    exportJobs: {
      dataDir: join(dataDir, 'exports'),
      deleteDataOnClose: true,
      pollIntervalMs: 15,
      maxPollIntervalMs: 60,
      dailyQuotaBytes: 1e13,
    },
    importJobs: { dataDir: join(dataDir, 'imports') },
  }));
}

/** Self bytes by function (and module) in a sampling profile. */
function bySelf(head: SampleNode, top: number): string[] {
  const sums = new Map<string, number>();
  let total = 0;
  const walk = (node: SampleNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.includes('node_modules')
      ? url
          .replace(/.*node_modules\//, '')
          .split('/')
          .slice(0, 2)
          .join('/')
      : url.replace(/.*\//, '');
    const key = `${functionName || '(anonymous)'} — ${where || '(native)'}:${lineNumber + 1}`;
    sums.set(key, (sums.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(head);
  return [
    `  sampled ${(total / MB).toFixed(1)} MB`,
    ...[...sums]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`),
  ];
}

/** Self size by constructor name in a .heapsnapshot. */
async function snapshotSummary(path: string, top: number): Promise<string[]> {
  const snap = JSON.parse(await readFile(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const sums = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + T!]!]!;
    const name =
      type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + N!]!]! : `(${type})`;
    const size = snap.nodes[i + S!]!;
    const entry = sums.get(name) ?? { bytes: 0, count: 0 };
    entry.bytes += size;
    entry.count++;
    sums.set(name, entry);
    total += size;
  }
  return [
    `  heap snapshot: ${(total / MB).toFixed(1)} MB`,
    ...[...sums]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(
        ([k, v]) =>
          `  ${(v.bytes / MB).toFixed(2).padStart(7)} MB ${String(v.count).padStart(8)} × ${k.slice(0, 60)}`,
      ),
  ];
}

const fmtUsage = (label: string, u: Usage): string =>
  `${label}: rss ${(u.rss / MB).toFixed(0)} MB (peak ${(u.peakRss / MB).toFixed(0)}; anon ${(
    u.rssAnon / MB
  ).toFixed(0)}, file ${(u.rssFile / MB).toFixed(0)}), heap ${(u.heapUsed / MB).toFixed(
    1,
  )}/${(u.heapTotal / MB).toFixed(1)} MB, external ${(u.external / MB).toFixed(
    1,
  )} MB (ArrayBuffers ${(u.arrayBuffers / MB).toFixed(1)}), spaces ${Object.entries(u.spaces)
    .filter(([, v]) => v > MB)
    .map(([k, v]) => `${k.replace('_space', '')} ${(v / MB).toFixed(1)}`)
    .join(', ')}`;

async function main(): Promise<void> {
  const leads = Number(process.env.BENCH_PAGES_LEADS ?? 20000);
  const pages = Number(process.env.BENCH_PAGES_COUNT ?? 100);
  const form = process.env.BENCH_PAGES_FORM === 'compact' ? 'compact' : 'connection';
  const store = new Store({ seed: 1, leadCount: 10, clock: createClock() });
  const fields = store.fields.filter((f) => f.dataType !== 'formula').map((f) => f.name);
  const sandbox = await startSandboxProcess({
    SANDBOX_LEADS: String(leads),
    SANDBOX_TIME_SCALE: String(TIME_SCALE),
    SANDBOX_EXPORT_DAILY_QUOTA_BYTES: '1e13',
  });
  const gateway = await spawnListening('bench/pages-memory.ts', {
    args: ['--gateway'],
    nodeArgs: ['--expose-gc', ...GATEWAY_NODE_ARGS],
    env: { BENCH_SANDBOX_URL: sandbox.url },
    ipc: true,
  });
  const ask = <T>(message: { op: string; path?: string }) =>
    new Promise<T>((resolve) => {
      gateway.child.once('message', (m) => resolve(m as T));
      gateway.child.send(message);
    });
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: T; errors?: unknown };
    if (!result.data) throw new Error(JSON.stringify(result.errors).slice(0, 400));
    return result.data;
  };
  const snapDir = process.env.BENCH_PAGES_SNAPSHOTS ?? tmpdir();
  try {
    console.log(fmtUsage('idle', await ask<Usage>({ op: 'usage' })));
    const { createExportJob } = await gql<{ createExportJob: { id?: string; message?: string } }>(
      `mutation PagesMemoryCreate($input: CreateExportJobInput!) {
        createExportJob(input: $input) { ... on ExportJob { id } ... on Error { message } }
      }`,
      { input: { entity: 'LEADS', fields, format: 'CSV', filter: { smartListId: 2001 } } },
    );
    const id = createExportJob.id;
    if (!id) throw new Error(`createExportJob: ${createExportJob.message}`);
    let total = 0;
    for (;;) {
      const { exportJob } = await gql<{ exportJob: { status: string; rowCount: number | null } }>(
        `query PagesMemoryStatus($id: ID!) { exportJob(id: $id) { status rowCount } }`,
        { id },
      );
      if (exportJob.status === 'READY') {
        total = exportJob.rowCount ?? 0;
        break;
      }
      if (['FAILED', 'CANCELLED'].includes(exportJob.status)) throw new Error(exportJob.status);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`READY: ${total} rows of ${fields.length} fields; ${pages} ${form} pages`);
    console.log(fmtUsage('at READY', await ask<Usage>({ op: 'usage' })));
    console.log(fmtUsage('at READY, after a full GC', await ask<Usage>({ op: 'gc' })));
    const query =
      form === 'compact'
        ? `query PagesMemoryCompact($id: ID!, $after: String) {
            exportJob(id: $id) { rowPage(first: ${PAGE}, after: $after) { columns values } } }`
        : `query PagesMemoryConnection($id: ID!, $after: String) {
            exportJob(id: $id) { rows(first: ${PAGE}, after: $after) { edges { cursor node } } } }`;
    const rand = prng(7);
    await ask({ op: 'sample-start' });
    let bytes = 0;
    for (let i = 0; i < pages; i++) {
      const offset = Math.floor(rand() * Math.max(1, total - PAGE));
      const after = offset === 0 ? null : Buffer.from(`row:${offset - 1}`).toString('base64url');
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query, variables: { id, after } }),
      });
      bytes += (await response.arrayBuffer()).byteLength;
    }
    const profile = await ask<SampleNode>({ op: 'sample-stop' });
    console.log(`${pages} pages, ${(bytes / pages / 1024).toFixed(0)} KB each`);
    console.log(fmtUsage('after the pages', await ask<Usage>({ op: 'usage' })));
    console.log('allocated while serving the pages, by function (self):');
    console.log(bySelf(profile, 14).join('\n'));
    const path = join(snapDir, `pages-${form}-${process.pid}.heapsnapshot`);
    await ask({ op: 'snapshot', path });
    console.log(
      fmtUsage('after the pages and a heap snapshot (full GC)', await ask<Usage>({ op: 'usage' })),
    );
    console.log((await snapshotSummary(path, 14)).join('\n'));
    if (!process.env.BENCH_PAGES_SNAPSHOTS) await rm(path, { force: true });
  } finally {
    await stopProcess(gateway.child);
    await stopProcess(sandbox.child);
  }
}

if (process.argv.includes('--gateway')) await runGateway();
else await main();
