/**
 * Where the gateway's CPU goes per `lead(id)`: the gateway of bench:overhead (built as
 * `npm run build` ships it, NODE_ENV=production, an API key, every plugin) runs under
 * `node --cpu-prof` while autocannon loads it from another process, then the profile's self time
 * is summed by function and by module and printed as Markdown (bench/PROFILE.md holds a run).
 * Not part of `npm run bench`: it measures where time goes, not how much.
 *
 * The profiler runs only while the measured load does (not during start-up or warm-up): the
 * gateway child starts and stops it when told over IPC.
 *
 *   npx tsx bench/profile.ts                       (10 connections, 20 s)
 *   BENCH_PROFILE_SECONDS=30 BENCH_PROFILE_CONNECTIONS=10 npx tsx bench/profile.ts
 *   npx tsx bench/profile.ts some.cpuprofile       (only summarise an existing profile)
 *   BENCH_PROFILE_HEAP=1 npx tsx bench/profile.ts  (also where the bytes are allocated: V8's
 *                                                   sampling heap profiler, same window)
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startLoadProcess } from './load.js';
import { serveGateway, spawnListening, startSandboxProcess, stopProcess } from './support.js';

const API_KEY = 'bench-profile-key-0123456789';
const QUERY = `query BenchLead($id: Int!) { lead(id: $id) { id email firstName lastName company } }`;
const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 20);
const connections = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 10);
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 15);
/** Also sample allocations (GC is the largest single frame: what feeds it). */
const heap = /^(1|true|yes)$/i.test(process.env.BENCH_PROFILE_HEAP ?? '');

/** A node of V8's sampling heap profile: bytes allocated by this frame itself, still sampled. */
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `graphql`, `graphql-yoga`, `@envelop/core`, … for node_modules; `src/…` for ours; `node:…`. */
function moduleOf(url: string): string {
  if (url === '') return '(native / V8)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith('node:')) return 'node (core)';
  const ours = /\/(src\/.*|bench\/.*)$/.exec(url);
  return ours ? ours[1]! : url;
}

/** The bundle's source maps, so that our frames name `src/…` files, not the bundle. */
const sourceMaps = new Map<string, SourceMap | undefined>();

/** Every node of a heap profile's tree (their call frames are mapped back like the CPU's). */
function heapNodes(head: HeapNode): HeapNode[] {
  const nodes: HeapNode[] = [];
  const walk = (node: HeapNode) => {
    nodes.push(node);
    node.children.forEach(walk);
  };
  walk(head);
  return nodes;
}

async function unbundle(profile: Pick<CpuProfile, 'nodes'> | { nodes: HeapNode[] }): Promise<void> {
  for (const { callFrame } of profile.nodes) {
    if (!callFrame.url.includes('/.build/')) continue;
    if (!sourceMaps.has(callFrame.url)) {
      const path = callFrame.url.startsWith('file:') ? fileURLToPath(callFrame.url) : callFrame.url;
      const map = await readFile(`${path}.map`, 'utf8').then(
        (text) => new SourceMap(JSON.parse(text) as never),
        () => undefined,
      );
      sourceMaps.set(callFrame.url, map);
    }
    const entry = sourceMaps
      .get(callFrame.url)
      ?.findEntry(callFrame.lineNumber, callFrame.columnNumber);
    if (entry && 'originalSource' in entry) {
      callFrame.url = entry.originalSource.replace(/^.*?\/(src|bench)\//, '/$1/');
      callFrame.lineNumber = entry.originalLine;
    }
  }
}

/** Self time per function and per module, and the total sampled. */
export function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let total = 0;
  let idle = 0;
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!;
    total += micros;
    if (callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const module = moduleOf(callFrame.url);
    const name = `${callFrame.functionName || '(anonymous)'} — ${module}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    modules.set(module, (modules.get(module) ?? 0) + micros);
  }
  const busy = total - idle;
  const ranked = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, micros }));
  return { total, idle, busy, functions: ranked(functions), modules: ranked(modules) };
}

/** Bytes allocated per function (self) and per module, from a sampling heap profile. */
function heapMarkdown(head: HeapNode, requests: number): string {
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    const { callFrame } = node;
    if (node.selfSize > 0) {
      const module = moduleOf(callFrame.url);
      const name = `${callFrame.functionName || '(anonymous)'} — ${module}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
      functions.set(name, (functions.get(name) ?? 0) + node.selfSize);
      modules.set(module, (modules.get(module) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(head);
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  const pct = (bytes: number) => `${((100 * bytes) / total).toFixed(1)} %`;
  return [
    `Allocation sampled: ${(total / 1024 / 1024).toFixed(1)} MB over the window (freed or not); ` +
      `${(total / requests / 1024).toFixed(0)} KB per request.`,
    '',
    `| # | function (bytes allocated, self) | % |`,
    `| --- | --- | --- |`,
    ...ranked(functions).map(([name, bytes], i) => `| ${i + 1} | \`${name}\` | ${pct(bytes)} |`),
    '',
    `| module (bytes allocated) | % |`,
    `| --- | --- |`,
    ...ranked(modules).map(([name, bytes]) => `| \`${name}\` | ${pct(bytes)} |`),
  ].join('\n');
}

function markdown(summary: ReturnType<typeof summarise>, requests?: number): string {
  const pct = (micros: number) => `${((100 * micros) / summary.busy).toFixed(1)} %`;
  const ms = (micros: number) => (micros / 1000).toFixed(0);
  const lines = [
    `Sampled ${ms(summary.total)} ms, of which busy (not idle) ${ms(summary.busy)} ms` +
      (requests
        ? `; ${requests.toLocaleString('en-US')} requests, ${(summary.busy / 1000 / requests).toFixed(3)} ms busy per request`
        : '') +
      '. Percentages are of busy time.',
    '',
    `| # | function (self time) | % |`,
    `| --- | --- | --- |`,
    ...summary.functions
      .slice(0, TOP)
      .map((f, i) => `| ${i + 1} | \`${f.name}\` | ${pct(f.micros)} |`),
    '',
    `| module (self time) | % |`,
    `| --- | --- |`,
    ...summary.modules.slice(0, TOP).map((m) => `| \`${m.name}\` | ${pct(m.micros)} |`),
  ];
  return lines.join('\n');
}

/** Tells the gateway child `message` and waits for its answer. */
function ask(child: ChildProcess, message: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

async function profileGateway(): Promise<{ file: string; requests: number }> {
  const file = join(tmpdir(), `gateway-${process.pid}.${heap ? 'heapprofile' : 'cpuprofile'}`);
  // Keep-alive: autocannon times requests on connections the server closes wrongly (p50 ≈ 500 ms
  // at 800 req/s on one connection), so the direct target needs it; all three share the sandbox.
  const sandbox = await startSandboxProcess({
    SANDBOX_ENFORCE_LIMITS: 'false',
    SANDBOX_KEEP_ALIVE: 'true',
  });
  const load = await startLoadProcess();
  let requests = 0;
  try {
    const gateway = await spawnListening('bench/profile.ts', {
      args: ['--gateway'],
      ipc: true,
      env: {
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        GATEWAY_API_KEYS: JSON.stringify([{ name: 'bench', key: API_KEY, scopes: ['leads:read'] }]),
        MARKETO_BASE_URL: sandbox.url,
        MARKETO_CLIENT_ID: 'sandbox',
        MARKETO_CLIENT_SECRET: 'sandbox',
        MARKETO_CONCURRENCY: '128',
        MARKETO_RATE_LIMIT: String(1e9),
        MARKETO_DAILY_QUOTA: String(1e9),
      },
    });
    try {
      const spec = {
        url: `${gateway.url}/graphql`,
        method: 'POST' as const,
        path: '/graphql',
        body: JSON.stringify({ query: QUERY, variables: { id: 0 } }).replace('"id":0', '"id":{id}'),
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${API_KEY}`,
        },
        ids: Array.from({ length: 1000 }, (_, i) => i + 1),
        connections,
      };
      await load.run({ ...spec, seconds: 3 }); // warm-up, not profiled
      await ask(gateway.child, heap ? 'heap-start' : 'start');
      const result = await load.run({ ...spec, seconds });
      const profile = await ask(gateway.child, heap ? 'heap-stop' : 'stop');
      await writeFile(file, JSON.stringify(profile));
      requests = result.ok;
      if (result.non2xx + result.errors > 0) {
        console.warn(`non-2xx ${result.non2xx}, errors ${result.errors}`);
      }
    } finally {
      await stopProcess(gateway.child);
    }
  } finally {
    await load.stop();
    await stopProcess(sandbox.child);
  }
  return { file, requests };
}

/** Child role: the bench gateway, profiling itself between `start` and `stop` messages. */
async function runGateway(): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  process.on('message', (message) => {
    if (message === 'start') {
      void session.post('Profiler.start').then(() => process.send!('started'));
    } else if (message === 'stop') {
      void session.post('Profiler.stop').then(({ profile }) => process.send!(profile));
    } else if (message === 'heap-start') {
      // Every sampled allocation, collected since or not: what the GC has to deal with.
      void session
        .post('HeapProfiler.startSampling', {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        } as never)
        .then(() => process.send!('started'));
    } else if (message === 'heap-stop') {
      void session
        .post('HeapProfiler.stopSampling')
        .then(({ profile }) => process.send!(profile.head));
    }
  });
  await serveGateway(loadConfig(process.env), (dataDir) => ({
    exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
    importJobs: { dataDir: join(dataDir, 'imports') },
  }));
}

if (process.argv.includes('--gateway')) {
  await runGateway();
} else {
  const given = process.argv[2];
  const { file, requests } = given ? { file: given, requests: undefined } : await profileGateway();
  console.log(`profile: ${file}\n`);
  if (file.endsWith('.heapprofile')) {
    const head = JSON.parse(await readFile(file, 'utf8')) as HeapNode;
    await unbundle({ nodes: heapNodes(head) });
    console.log(heapMarkdown(head, requests ?? 1));
  } else {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    await unbundle(profile);
    console.log(markdown(summarise(profile), requests));
  }
}
