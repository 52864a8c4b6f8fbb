/**
 * `npm run bench:fanout`: BENCH_FANOUT_SUBSCRIBERS (1, 1,000 and 5,000) graphql-ws subscribers on
 * one bulk export job's `exportJobStatus`. Three processes besides this driver: the sandbox
 * (Marketo's limits, compressed clock), the gateway (alone, so its memory is its own; started with
 * --expose-gc and answering `process.memoryUsage()` over IPC after a full GC), and the subscribers
 * (graphql-transport-ws on plain `ws` sockets, one each), so the load never shares an event loop
 * with the server it measures.
 *
 * Per run: the gateway's memory at rest (baseline), N sockets connected, an export job created,
 * N subscriptions started on it; memory once every subscriber has the job's current state; then
 * every later status change (QUEUED → PROCESSING → COMPLETED → DOWNLOADING → PARSING → READY and
 * progress) is timed from the moment the gateway publishes it (its registry's `save`) to each
 * subscriber's receipt (`performance.timeOrigin + performance.now()` on both sides: one machine,
 * one clock); p50/p99/last per change. After READY every socket is closed, and the gateway's
 * memory after GC is compared to the baseline. An unmeasured warm-up run goes first
 * (BENCH_FANOUT_WARMUP subscribers, 0: none): a fresh gateway's first big fan-out compiles and
 * sizes things once for good (about 2 MB of heap that a second run does not add), which is not
 * what the drop-to-baseline figure is after, and a long-running gateway is warm anyway. The
 * sandbox counts the job's status polls, which must not grow with the number of subscribers (one
 * poller per job).
 *
 *   BENCH_FANOUT_SUBSCRIBERS=1,1000 BENCH_TIME_SCALE=10 npm run bench:fanout
 *   BENCH_FANOUT_PROFILE=/tmp/prof npm run bench:fanout     (.cpuprofile of gateway and subscribers)
 *   BENCH_FANOUT_WARMUP=0 npm run bench:fanout              (no warm-up: a cold gateway's figures)
 *   BENCH_FANOUT_CLIENTS=1 npm run bench:fanout             (every subscriber in one client process)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapCodeStatistics, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import WebSocket from 'ws';
import { createMemoryJobRegistry, type JobRegistry } from '../src/bulk/job-registry.js';
import type { ExportJobRecord } from '../src/bulk/types.js';
import { silentLogger } from '../src/logger.js';
import { MARKETO_DEFAULTS } from '../src/marketo/config.js';
import { createGateway } from '../src/server.js';
import { gatewayConfigFor, type SandboxStats } from '../test/helpers/gateway.js';
import { summarize } from './load.js';
import {
  fmt,
  GATEWAY_NODE_ARGS,
  has,
  MB,
  nextMessage,
  pass,
  spawnListening,
  stamp,
  startSandboxProcess,
  stopProcess,
  table,
  writeResults,
} from './support.js';

/** Targets of issue #19: publish → subscriber p99 by subscriber count, memory per subscriber. */
const TARGETS = {
  p99Ms: { 1000: 50, 5000: 150 } as Record<number, number>,
  bytesPerSubscriber: 20 * 1024,
  /**
   * Heap left over after every subscriber dropped, over the baseline (GC'd both times), as a
   * share of what the subscribers took: lazily loaded modules and compiled code stay, nothing else.
   * Compiled code is measured (V8's code statistics: machine code, bytecode and their metadata)
   * and left out: in heap snapshots before and after a warm gateway's run of 1,000, code was
   * 522 of the 569 KB left over.
   */
  retainedShare: 0.05,
  /** Status polls of the job beyond the single-subscriber run's (timing jitter of one poll). */
  extraPolls: 1,
};
/** V8's compiled code in the heap (machine code, bytecode and their metadata), bytes. */
function codeBytes(): number {
  const code = getHeapCodeStatistics();
  return code.code_and_metadata_size + code.bytecode_and_metadata_size;
}

/** Marketo's status step (60 s), which the sandbox applies between export states. */
const MARKETO_STEP_MS = 60_000;
const STATUS_ENDPOINT = 'GET /bulk/v1/leads/export/{id}/status.json';
const FIELDS = ['id', 'email', 'firstName', 'lastName', 'company', 'updatedAt'];
const ALL_PEOPLE_SMART_LIST = 2001;

const now = () => performance.timeOrigin + performance.now();
/** What identifies one published version on both sides: its state and update time. */
const eventKey = (status: string, updatedAt: string) =>
  `${status}@${new Date(updatedAt).getTime()}`;

interface MemoryReading {
  rss: number;
  heapUsed: number;
  /** V8's heap as reserved (used or not); per space in `spaces`, to tell GC slack from data. */
  heapTotal: number;
  spaces: Record<string, number>;
  external: number;
  /** V8's compiled code in the heap: machine code, bytecode and their metadata. */
  code: number;
  /** Open TCP sockets of the gateway (its Marketo connections and the subscribers'). */
  sockets: number;
}

type GatewayRequest = { cmd: 'memory' } | { cmd: 'publishes' } | { cmd: 'snapshot'; file: string };

// ─── The gateway process ────────────────────────────────────────────────────────────────────

/** Child role: the gateway, its export registry timing every publish, memory on demand. */
async function runGateway(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE);
  const sandbox = {
    url: process.env.BENCH_SANDBOX_URL!,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  };
  /**
   * Per publish: its key, when, and the gateway's CPU time (user + system, ms) from the publish
   * to the end of the next event-loop turn, by which every frame of a shared change is written
   * (its sockets uncork at the end of the turn). CPU time, unlike the latencies, hardly depends on
   * what else the machine runs; other work in that window (a poll, parsing) is counted too.
   */
  const publishes: Array<[key: string, at: number, cpuMs: number]> = [];
  const inner = await createMemoryJobRegistry<ExportJobRecord>();
  // The publishing point: the registry's save hands the version to every watcher synchronously.
  const registry: JobRegistry = {
    ...inner,
    save: (key, job) => {
      const publish: (typeof publishes)[number] = [
        eventKey(job.status, job.updatedAt),
        now(),
        Number.NaN,
      ];
      publishes.push(publish);
      const cpu = process.cpuUsage();
      setImmediate(() =>
        setImmediate(() => {
          const used = process.cpuUsage(cpu);
          publish[2] = (used.user + used.system) / 1000;
        }),
      );
      return inner.save(key, job);
    },
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-fanout-'));
  const step = MARKETO_STEP_MS / timeScale;
  const gateway = await createGateway(gatewayConfigFor(sandbox, timeScale), {
    logger: silentLogger,
    exportJobs: {
      dataDir,
      deleteDataOnClose: true,
      registry,
      // A quarter of Marketo's step, as the embedded sandbox is polled.
      pollIntervalMs: step / 4,
      maxPollIntervalMs: step,
    },
    importJobs: { dataDir: join(dataDir, 'imports') },
  });
  const url = await gateway.start(0, '127.0.0.1');
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: GatewayRequest) => {
    if (message.cmd === 'memory') {
      // Twice, with a turn between: sockets closed a moment ago free their buffers on close.
      gc?.();
      setImmediate(() => {
        gc?.();
        const usage = process.memoryUsage();
        const sockets = process
          .getActiveResourcesInfo()
          .filter((type) => type === 'TCPSocketWrap').length;
        process.send!({
          rss: usage.rss,
          heapUsed: usage.heapUsed,
          heapTotal: usage.heapTotal,
          spaces: Object.fromEntries(
            getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]),
          ),
          external: usage.external,
          code: codeBytes(),
          sockets,
        });
      });
    } else if (message.cmd === 'snapshot') {
      gc?.();
      process.send!({ snapshot: writeHeapSnapshot(message.file) });
    } else if (message.cmd === 'publishes') {
      process.send!(publishes.splice(0));
    }
  });
  process.once('SIGTERM', () => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`gateway listening on ${url}\n`);
}

// ─── The subscribers process ────────────────────────────────────────────────────────────────

type SubscriberRequest =
  | { cmd: 'connect'; url: string; count: number }
  | { cmd: 'subscribe'; jobId: string }
  | { cmd: 'close' };

/** Receipts of one run: per event key, the time each subscriber got it. */
interface Receipts {
  /** Subscribers that got the job's current state (their first event; not a publish). */
  started: number;
  completed: number;
  errors: string[];
  byEvent: Record<string, number[]>;
}

const SUBSCRIPTION = `subscription FanoutWatch($id: ID!) {
  exportJobStatus(id: $id, entity: LEADS) { status updatedAt }
}`;

/**
 * Child role: N subscribers, one WebSocket each. Each speaks graphql-transport-ws on a plain `ws`
 * socket (as bench:feeds) and only notes when a `next` frame arrived: the frames are read once the
 * run is over. A graphql-ws client per socket parsed and validated every frame on arrival, so the
 * last of 1,000 receipts of one change waited behind 999 parses, and that queue was timed as the
 * gateway's.
 */
function runSubscribers(): void {
  let sockets: WebSocket[] = [];
  interface Run {
    started: number;
    completed: number;
    errors: string[];
    /** Per socket, its `next` frames as received, with the time of each. */
    frames: Array<Array<[at: number, data: Buffer]>>;
  }
  let run: Run | undefined;
  const reply = (message: unknown) => process.send!(message);
  const NEXT = Buffer.from('"type":"next"');
  const COMPLETE = Buffer.from('"type":"complete"');

  /** One subscriber: resolves once the server acknowledged it. */
  const open = (url: string, n: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { skipUTF8Validation: true });
      sockets.push(socket);
      let acked = false;
      socket.on('open', () => socket.send('{"type":"connection_init"}'));
      socket.on('message', (data: Buffer) => {
        const at = now();
        const head = data.subarray(0, 40);
        if (run && head.includes(NEXT)) {
          const frames = (run.frames[n] ??= []);
          frames.push([at, data]);
          if (frames.length === 1 && ++run.started === sockets.length) {
            reply({ started: run.started });
          }
        } else if (run && head.includes(COMPLETE)) {
          run.completed++;
          finish();
        } else if (!acked && data.includes('connection_ack')) {
          acked = true;
          resolve();
        } else if (!data.includes('"pong"') && !data.includes('"ping"')) {
          run?.errors.push(`subscriber ${n}: ${data.toString().slice(0, 200)}`);
          finish();
        }
      });
      socket.on('error', (error) => run?.errors.push(`subscriber ${n}: ${String(error)}`));
      socket.on('close', (code, reason) => {
        if (socket !== sockets[n]) return;
        run?.errors.push(`subscriber ${n}: closed ${code} ${reason.toString()}`);
        reject(new Error(`subscriber ${n}: closed ${code}`));
        finish();
      });
    });

  async function connect(url: string, count: number): Promise<void> {
    const started = performance.now();
    sockets = [];
    // In waves, so the gateway's accept backlog is never the bottleneck being measured.
    const WAVE = 250;
    for (let i = 0; i < count; i += WAVE) {
      await Promise.all(
        Array.from({ length: Math.min(WAVE, count - i) }, (_, k) => open(url, i + k)),
      );
    }
    reply({ connected: sockets.length, ms: performance.now() - started });
  }

  /** Once every subscriber completed or failed: the receipts, read from the frames kept. */
  function finish(): void {
    if (!run || run.completed + run.errors.length < sockets.length) return;
    const done: Receipts = {
      started: run.started,
      completed: run.completed,
      errors: run.errors,
      byEvent: {},
    };
    for (const frames of run.frames) {
      // The first is the job's current state, not a publish.
      for (const [at, data] of frames?.slice(1) ?? []) {
        const message = JSON.parse(data.toString()) as {
          payload?: { data?: { exportJobStatus?: { status: string; updatedAt: string } } };
        };
        const job = message.payload?.data?.exportJobStatus;
        if (job) (done.byEvent[eventKey(job.status, job.updatedAt)] ??= []).push(at);
        else done.errors.push(data.toString().slice(0, 200));
      }
    }
    run = undefined;
    reply({ done });
  }

  function subscribe(jobId: string): void {
    const current: Run = { started: 0, completed: 0, errors: [], frames: [] };
    run = current;
    // A long run says where it stands, so a stall shows which side it is on.
    const progress = setInterval(() => {
      if (run !== current) return clearInterval(progress);
      const received = current.frames.reduce((sum, frames) => sum + (frames?.length ?? 0), 0);
      console.error(
        `  … ${current.started}/${sockets.length} subscribed, ${received} frames received, ${current.completed} completed, ${current.errors.length} errors${current.errors[0] ? ` (first: ${current.errors[0]})` : ''}`,
      );
    }, 15_000);
    const message = JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: SUBSCRIPTION, variables: { id: jobId } },
    });
    for (const socket of sockets) socket.send(message);
  }

  process.on('message', (message: SubscriberRequest) => {
    if (message.cmd === 'connect') {
      connect(message.url, message.count).catch((error: unknown) =>
        reply({ error: String(error) }),
      );
    } else if (message.cmd === 'subscribe') subscribe(message.jobId);
    else {
      const closing = sockets.map(
        (socket) => new Promise((resolve) => socket.once('close', resolve).close(1000)),
      );
      sockets = [];
      void Promise.all(closing).then(() => reply({ closed: true }));
    }
  });
  process.once('SIGTERM', () => process.exit(0));
  reply('ready');
}

// ─── The driver ─────────────────────────────────────────────────────────────────────────────

const counts = (process.env.BENCH_FANOUT_SUBSCRIBERS ?? '1,1000,5000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 10);
/** Subscribers of the warm-up run: up to 1,000, when a run judges memory (100 and more). */
const large = counts.filter((n) => n >= 100);
const warmup = Number(
  process.env.BENCH_FANOUT_WARMUP ?? (large.length > 0 ? Math.min(1000, ...large) : 0),
);
const sandboxLeads = Number(process.env.BENCH_FANOUT_LEADS ?? 20_000);
/**
 * BENCH_FANOUT_CLIENTS: processes the subscribers are spread over (2 by default). One process
 * reads every socket's frame of a change in turn (a read, ws's parse and an event per socket), so
 * the last receipt of a change waited behind all the others in the client, and the p99 counted
 * that queue as the gateway's.
 */
const clientProcesses = Math.max(1, Number(process.env.BENCH_FANOUT_CLIENTS ?? 2) || 1);
/** BENCH_FANOUT_PROFILE=<dir>: CPU profiles of the gateway and the subscribers, written on exit. */
const profile = process.env.BENCH_FANOUT_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_FANOUT_PROFILE}`]
  : [];

/** The receipts of every client process as one. */
function mergeReceipts(parts: Receipts[]): Receipts {
  const merged: Receipts = { started: 0, completed: 0, errors: [], byEvent: {} };
  for (const part of parts) {
    merged.started += part.started;
    merged.completed += part.completed;
    merged.errors.push(...part.errors);
    for (const [key, times] of Object.entries(part.byEvent)) {
      (merged.byEvent[key] ??= []).push(...times);
    }
  }
  return merged;
}

interface RunResult {
  subscribers: number;
  connectMs: number;
  /** Events timed (every publish after all subscribers had the current state). */
  events: Array<{ event: string; received: number; p50Ms: number; p99Ms: number; lastMs: number }>;
  /** Gateway CPU time per change, from its publish to the end of the next turn (ms). */
  cpuPerChangeMs: { p50: number; max: number };
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Subscriber-event pairs missing (a published change some subscriber never got). */
  missing: number;
  errors: string[];
  baseline: MemoryReading;
  connected: MemoryReading;
  afterDrop: MemoryReading;
  rssPerSubscriber: number;
  /**
   * The same without the growth of V8's young generation (new space): a burst of allocation such
   * as 1,000 subscribes grows it to its maximum (2 → 32 MB), and it shrinks back at a GC once the
   * process has been quiet for some seconds; it follows the allocation rate, not what the
   * subscribers hold.
   */
  rssPerSubscriberSettled: number;
  heapPerSubscriber: number;
  statusPolls: number;
  jobStatus: string;
}

async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: unknown[] };
  if (result.errors?.length || !result.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(result.errors).slice(0, 500)}`);
  }
  return result.data;
}

const CREATE = `mutation FanoutCreate($input: CreateExportJobInput!) {
  createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } }
}`;

async function main(): Promise<void> {
  console.log(
    `bench:fanout — subscribers ${counts.join(', ')} on one export job each, over ${clientProcesses} client process(es); sandbox timeScale ${timeScale} (status step ${fmt(MARKETO_STEP_MS / timeScale / 1000, 1)} s), ${sandboxLeads.toLocaleString()} leads`,
  );
  const sandbox = await startSandboxProcess({
    SANDBOX_TIME_SCALE: String(timeScale),
    SANDBOX_LEADS: String(sandboxLeads),
    SANDBOX_RATE_LIMIT: String(MARKETO_DEFAULTS.rateLimit),
    SANDBOX_RATE_WINDOW_MS: String(MARKETO_DEFAULTS.rateWindowMs),
    SANDBOX_CONCURRENCY: String(MARKETO_DEFAULTS.concurrency),
    SANDBOX_ENFORCE_LIMITS: 'true',
  });
  // The sandbox stands in for Marketo, which runs elsewhere: its CSV generation (20,000 rows while
  // the job is Processing) must not take the cores of the gateway and subscribers it is timing.
  setPriority(sandbox.child.pid!, 19);
  const children: ChildProcess[] = [sandbox.child];
  try {
    const gateway = await spawnListening('bench/fanout.ts', {
      args: ['--gateway'],
      nodeArgs: ['--expose-gc', ...GATEWAY_NODE_ARGS, ...profile],
      env: { BENCH_SANDBOX_URL: sandbox.url, BENCH_TIME_SCALE: String(timeScale) },
      ipc: true,
    });
    children.push(gateway.child);
    const clients = Array.from({ length: clientProcesses }, () =>
      fork(new URL(import.meta.url).pathname, ['--subscribers'], {
        execArgv: [...profile, '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    children.push(...clients);
    await Promise.all(clients.map((c) => nextMessage(c, (m): m is 'ready' => m === 'ready')));

    const memory = async (): Promise<MemoryReading> => {
      const answer = nextMessage(gateway.child, has('rss')<MemoryReading>);
      gateway.child.send({ cmd: 'memory' } satisfies GatewayRequest);
      return answer;
    };
    const publishes = async (): Promise<
      Map<string, { at: number; count: number; cpuMs: number }>
    > => {
      const answer = nextMessage(gateway.child, (m): m is Array<[string, number, number]> =>
        Array.isArray(m),
      );
      gateway.child.send({ cmd: 'publishes' } satisfies GatewayRequest);
      const byKey = new Map<string, { at: number; count: number; cpuMs: number }>();
      // Two versions saved in one millisecond share a key: the first publish is the one timed.
      for (const [key, at, cpuMs] of await answer) {
        const seen = byKey.get(key);
        if (seen) seen.count++;
        else byKey.set(key, { at, count: 1, cpuMs });
      }
      return byKey;
    };
    const statusPolls = async () => {
      const stats = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as SandboxStats;
      return stats.calls.byEndpoint[STATUS_ENDPOINT] ?? 0;
    };
    /**
     * BENCH_FANOUT_HEAPSNAPSHOT=<dir>: what the gateway holds with every subscriber connected,
     * and what it still holds after everyone dropped (the snapshot stalls that run's timings).
     */
    const heapSnapshot = async (name: string): Promise<void> => {
      const dir = process.env.BENCH_FANOUT_HEAPSNAPSHOT;
      if (!dir) return;
      const answer = nextMessage(gateway.child, has('snapshot')<{ snapshot: string }>);
      gateway.child.send({
        cmd: 'snapshot',
        file: join(dir, `${name}.heapsnapshot`),
      } satisfies GatewayRequest);
      console.log(`  heap snapshot: ${(await answer).snapshot}`);
    };
    const wsUrl = `${gateway.url.replace('http', 'ws')}/graphql`;

    const results: RunResult[] = [];
    const runs = [
      ...(Number.isInteger(warmup) && warmup > 0 ? [{ n: warmup, measured: false }] : []),
      ...counts.map((n) => ({ n, measured: true })),
    ];
    for (const { n, measured } of runs) {
      const baseline = await memory();
      const pollsBefore = await statusPolls();
      // The subscribers split evenly over the client processes (those with none sit this run out).
      const active = clients.slice(0, Math.min(n, clients.length));
      const share = (i: number) => Math.floor(n / active.length) + (i < n % active.length ? 1 : 0);
      const connecting = active.map((c) => nextMessage(c, has('connected')<{ ms: number }>));
      active.forEach((c, i) =>
        c.send({ cmd: 'connect', url: wsUrl, count: share(i) } satisfies SubscriberRequest),
      );
      const connectMs = Math.max(...(await Promise.all(connecting)).map((m) => m.ms));
      const { createExportJob } = await graphql<{ createExportJob: { id: string } }>(
        gateway.url,
        CREATE,
        {
          input: {
            entity: 'LEADS',
            fields: FIELDS,
            format: 'CSV',
            filter: { smartListId: ALL_PEOPLE_SMART_LIST },
          },
        },
      );
      await publishes(); // what happened before the subscriptions is not a fan-out
      const started = Promise.all(
        active.map((c) => nextMessage(c, has('started')<{ started: number }>)),
      );
      const done = Promise.all(
        active.map((c) => nextMessage(c, has('done')<{ done: Receipts }>, 300_000)),
      ).then((answers) => ({ done: mergeReceipts(answers.map((a) => a.done)) }));
      for (const c of active) {
        c.send({ cmd: 'subscribe', jobId: createExportJob.id } satisfies SubscriberRequest);
      }
      await Promise.race([started, done]);
      const subscribedAt = now();
      const connected = await memory();
      await heapSnapshot(`connected-${n}`);
      const { done: receipts } = await done;
      const published = await publishes();

      const all: number[] = [];
      const events: RunResult['events'] = [];
      let missing = 0;
      const cpu: number[] = [];
      for (const [key, { at, count, cpuMs }] of [...published].sort((a, b) => a[1].at - b[1].at)) {
        if (at < subscribedAt) continue; // published while subscriptions were still starting
        cpu.push(cpuMs);
        const times = receipts.byEvent[key] ?? [];
        missing += n * count - times.length;
        const latencies = times.map((t) => t - at);
        all.push(...latencies);
        const s = summarize(latencies);
        events.push({
          event: key.replace(/@.*/, ''),
          received: times.length,
          p50Ms: s.p50,
          p99Ms: s.p99,
          lastMs: latencies.reduce((max, ms) => Math.max(max, ms), 0),
        });
      }
      const closed = active.map((c) => nextMessage(c, has('closed')));
      for (const c of active) c.send({ cmd: 'close' } satisfies SubscriberRequest);
      await Promise.all(closed);
      // The gateway tears closed sockets down over its next turns: read once they are gone.
      let afterDrop = await memory();
      for (let i = 0; i < 30 && afterDrop.sockets > baseline.sockets; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        afterDrop = await memory();
      }
      await heapSnapshot(`after-drop-${n}`);
      const polls = (await statusPolls()) - pollsBefore;
      const summary = summarize(all);
      const last = events.at(-1)?.event ?? 'none';
      if (!measured) {
        console.log(
          `  warm-up, ${n.toLocaleString()} subscribers (not measured): p99 ${fmt(summary.p99)} ms, heap after drop − baseline ${fmt((afterDrop.heapUsed - baseline.heapUsed) / MB, 2)} MB`,
        );
        continue;
      }
      results.push({
        subscribers: n,
        connectMs,
        events,
        cpuPerChangeMs: {
          p50: summarize(cpu).p50,
          max: cpu.reduce((max, ms) => Math.max(max, ms), 0),
        },
        p50Ms: summary.p50,
        p99Ms: summary.p99,
        maxMs: all.reduce((max, ms) => Math.max(max, ms), 0),
        missing,
        errors: receipts.errors,
        baseline,
        connected,
        afterDrop,
        rssPerSubscriber: (connected.rss - baseline.rss) / n,
        rssPerSubscriberSettled:
          (connected.rss -
            baseline.rss -
            ((connected.spaces.new_space ?? 0) - (baseline.spaces.new_space ?? 0))) /
          n,
        heapPerSubscriber:
          (connected.heapUsed + connected.external - baseline.heapUsed - baseline.external) / n,
        statusPolls: polls,
        jobStatus: last,
      });
      console.log(
        `  ${n.toLocaleString()} subscribers: connected in ${fmt(connectMs / 1000, 2)} s, ${events.length} changes timed, p99 ${fmt(summary.p99)} ms, ${polls} status polls, job ${last}`,
      );
    }
    report(results);
    const file = await writeResults(`fanout-${stamp()}`, {
      bench: 'fanout',
      at: new Date().toISOString(),
      node: process.version,
      timeScale,
      sandboxLeads,
      clientProcesses,
      warmup,
      loadAverage: loadavg(),
      targets: TARGETS,
      results,
    });
    console.log(`\nresults: ${file}`);
  } finally {
    for (const child of children.reverse()) await stopProcess(child);
  }
}

function report(results: RunResult[]): void {
  const reference = results.find((r) => r.subscribers === 1) ?? results[0]!;
  const rows: string[][] = [];
  const failures: string[] = [];
  const judge = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    return pass(ok);
  };
  for (const r of results) {
    const n = r.subscribers.toLocaleString();
    const p99Target = TARGETS.p99Ms[r.subscribers];
    rows.push([
      n,
      'publish → subscriber p99',
      `${fmt(r.p99Ms)} ms`,
      p99Target ? `≤ ${p99Target} ms` : '',
      p99Target ? fmt(r.p99Ms / p99Target, 2) : '',
      p99Target ? judge(r.p99Ms <= p99Target && r.missing === 0, `p99@${n}`) : '',
    ]);
    rows.push([
      n,
      'publish → subscriber p50 / last',
      `${fmt(r.p50Ms)} / ${fmt(r.maxMs)} ms`,
      '',
      '',
      '',
    ]);
    rows.push([
      n,
      'gateway CPU per change, p50 / max (info)',
      `${fmt(r.cpuPerChangeMs.p50)} / ${fmt(r.cpuPerChangeMs.max)} ms (${fmt((r.cpuPerChangeMs.p50 * 1000) / r.subscribers)} µs a subscriber)`,
      '',
      '',
      '',
    ]);
    rows.push([
      n,
      'changes missed by a subscriber',
      String(r.missing),
      '0',
      '',
      judge(r.missing === 0 && r.errors.length === 0, `missed@${n}`),
    ]);
    if (r.subscribers >= 100) {
      rows.push([
        n,
        'RSS per subscriber (connected − baseline)',
        `${fmt(r.rssPerSubscriber / 1024)} KB`,
        `≤ ${TARGETS.bytesPerSubscriber / 1024} KB`,
        fmt(r.rssPerSubscriber / TARGETS.bytesPerSubscriber, 2),
        judge(r.rssPerSubscriber <= TARGETS.bytesPerSubscriber, `memory@${n}`),
      ]);
      rows.push([
        n,
        'RSS per subscriber, young generation growth excluded (info)',
        `${fmt(r.rssPerSubscriberSettled / 1024)} KB`,
        '',
        '',
        '',
      ]);
      rows.push([
        n,
        'heap+external per subscriber (info)',
        `${fmt(r.heapPerSubscriber / 1024)} KB`,
        '',
        '',
        '',
      ]);
      const code = r.afterDrop.code - r.baseline.code;
      const retained = r.afterDrop.heapUsed - r.baseline.heapUsed - code;
      const taken = r.connected.heapUsed - r.baseline.heapUsed;
      rows.push([
        n,
        'heap after all dropped − baseline, compiled code left out',
        `${fmt(retained / MB, 2)} MB (${fmt(r.baseline.heapUsed / MB)} → ${fmt(r.afterDrop.heapUsed / MB)}, code ${code >= 0 ? '+' : ''}${fmt(code / MB, 2)})`,
        `≤ ${fmt(TARGETS.retainedShare * 100, 0)}% of ${fmt(taken / MB)} MB taken`,
        fmt(retained / taken / TARGETS.retainedShare, 2),
        judge(retained <= TARGETS.retainedShare * taken, `baseline@${n}`),
      ]);
      rows.push([
        n,
        'RSS baseline / connected / after drop (info)',
        `${fmt(r.baseline.rss / MB)} / ${fmt(r.connected.rss / MB)} / ${fmt(r.afterDrop.rss / MB)} MB`,
        '',
        '',
        '',
      ]);
    }
    rows.push([
      n,
      'Marketo status polls of the job',
      String(r.statusPolls),
      `≤ ${reference.statusPolls + TARGETS.extraPolls} (1 subscriber: ${reference.statusPolls})`,
      fmt(r.statusPolls / Math.max(1, reference.statusPolls), 2),
      judge(r.statusPolls <= reference.statusPolls + TARGETS.extraPolls, `polls@${n}`),
    ]);
  }
  console.log('');
  console.log(table(['subscribers', 'figure', 'measured', 'target', 'ratio', ''], rows));
  console.log('');
  for (const r of results) {
    console.log(
      `${r.subscribers.toLocaleString()} subscribers, per change (p50 / p99 / last ms): ${r.events
        .map((e) => `${e.event} ${fmt(e.p50Ms)}/${fmt(e.p99Ms)}/${fmt(e.lastMs)}`)
        .join(', ')}`,
    );
  }
  if (failures.length > 0) console.log(`\nMISSED: ${failures.join(', ')}`);
  // Delivery is CPU- and syscall-bound (one frame per socket per change): a busy machine shows.
  console.log(
    `load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')} on this machine`,
  );
}

if (process.argv.includes('--gateway')) await runGateway();
else if (process.argv.includes('--subscribers')) runSubscribers();
else await main();
