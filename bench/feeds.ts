/**
 * `npm run bench:feeds`: Marketo calls per 1,000 changes delivered to 1, 100 and 1,000 graphql-ws
 * subscribers of one `leadChanged` feed (BENCH_FEED_SUBSCRIBERS, BENCH_FEED_CHANGES). The sandbox
 * counts the feed's calls (`activities/leadchanges.json` and `pagingtoken.json`); the target is
 * independent of the subscriber count: ⌈changes/300⌉ pages plus the idle polls of the run's
 * duration (one per FEED_POLL_INTERVAL_MS), i.e. one poller whatever the audience.
 *
 * Per run: N sockets subscribe (graphql-ws clients in a child process of their own, as
 * bench:fanout's, so they never share the gateway's event loop); a sentinel change proves every one
 * is live; then the changes are written straight to the sandbox (300 a call, not through the
 * gateway, so the gateway's only calls are the feed's) and the run ends when every subscriber has
 * every change. A subscriber error ends the run at once, naming the subscriber and its close code.
 *
 *   BENCH_FEED_SUBSCRIBERS=1,100 BENCH_FEED_CHANGES=3000 npm run bench:feeds
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { silentLogger } from '../src/logger.js';
import { createGateway } from '../src/server.js';
import { gatewayConfigFor } from '../test/helpers/gateway.js';
import { startTestSandbox } from '../test/helpers/sandbox.js';
import { fmt, has, nextMessage, pass, stamp, stopProcess, table, writeResults } from './support.js';

const quick = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const SUBSCRIBERS = (process.env.BENCH_FEED_SUBSCRIBERS ?? (quick ? '1,100' : '1,100,1000'))
  .split(',')
  .map(Number);
const CHANGES = Number(process.env.BENCH_FEED_CHANGES ?? (quick ? 600 : 1_000));
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 20);
const POLL_MS = Number(process.env.FEED_POLL_INTERVAL_MS ?? 50);
const BATCH = 300;
const LEADS = 2_000;
const FEED_ENDPOINTS = [
  'GET /rest/v1/activities/leadchanges.json',
  'GET /rest/v1/activities/pagingtoken.json',
];
/** Calls beyond the target allowed for timing jitter (a poll more or less at each end). */
const SLACK = 2;

const SUBSCRIPTION = `subscription BenchFeed { leadChanged(fields: ["firstName"]) { cursor change { leadId } } }`;
let round = 0;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;

async function feedCalls(): Promise<number> {
  const stats = await sandbox.stats();
  return FEED_ENDPOINTS.reduce((sum, e) => sum + (stats.calls.byEndpoint[e] ?? 0), 0);
}

/** `count` firstName changes written to the sandbox directly, 300 a call. */
async function write(count: number): Promise<void> {
  round++;
  for (let done = 0; done < count; done += BATCH) {
    const input = [];
    for (let k = done; k < Math.min(count, done + BATCH); k++) {
      input.push({ id: 1 + (k % LEADS), firstName: `bench${round}-${k}` });
    }
    const result = await sandbox.post('/rest/v1/leads.json', {
      action: 'updateOnly',
      lookupField: 'id',
      input,
    });
    if (!result.success) throw new Error(`write failed: ${JSON.stringify(result.errors)}`);
  }
}

/** An Error's message, a CloseEvent's code and reason. */
const describe = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error !== null && 'code' in error
      ? `closed ${String((error as { code: unknown }).code)} ${String((error as { reason?: unknown }).reason ?? '')}`
      : String(error);

// ─── The subscribers process ────────────────────────────────────────────────────────────────

type SubscriberRequest =
  | { cmd: 'connect'; url: string; count: number }
  | { cmd: 'mark' }
  | { cmd: 'status' }
  | { cmd: 'close' };

/** Where the subscribers stand: the fewest events any one has, in all and since the mark. */
interface SubscriberStatus {
  fewest: number;
  fewestSinceMark: number;
  errors: string[];
}

/**
 * Child role: N subscribers, one WebSocket each, in their own process (as bench:fanout's): in the
 * gateway's process, a thousand clients parsing a million frames took much of its CPU. Each speaks
 * graphql-transport-ws on a plain `ws` socket and counts `next` frames without parsing them: a
 * consumer that falls more than 12 s behind its socket misses the gateway's keep-alive ping and is
 * cut (1006), and a million graphql-ws client parses did fall that far behind on a busy machine.
 */
function runSubscribers(): void {
  let sockets: WebSocket[] = [];
  let counts: number[] = [];
  let base: number[] = [];
  const errors: string[] = [];
  const reply = (message: unknown) => process.send!(message);
  const NEXT = Buffer.from('"type":"next"');
  const subscribe = JSON.stringify({
    id: '1',
    type: 'subscribe',
    payload: { query: SUBSCRIPTION },
  });

  /** One subscriber: resolves once the server acknowledged it (the subscription is then sent). */
  const open = (url: string, n: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { skipUTF8Validation: true });
      sockets.push(socket);
      let acked = false;
      socket.on('open', () => socket.send('{"type":"connection_init"}'));
      socket.on('message', (data: Buffer) => {
        if (data.subarray(0, 40).includes(NEXT)) counts[n]!++;
        else if (!acked && data.includes('connection_ack')) {
          acked = true;
          socket.send(subscribe);
          resolve();
        } else if (!data.includes('"pong"') && !data.includes('"ping"')) {
          errors.push(`subscriber ${n}: ${data.toString().slice(0, 200)}`);
        }
      });
      socket.on('error', (error) => errors.push(`subscriber ${n}: ${describe(error)}`));
      socket.on('close', (code, reason) => {
        if (socket !== sockets[n]) return;
        errors.push(`subscriber ${n}: closed ${code} ${reason.toString()}`);
        reject(new Error(`subscriber ${n}: closed ${code}`));
      });
    });

  async function connect(url: string, count: number): Promise<void> {
    counts = new Array<number>(count).fill(0);
    base = counts.slice();
    errors.length = 0;
    sockets = [];
    // In waves, as bench:fanout: the gateway's accept backlog is not what is measured.
    const WAVE = 250;
    for (let i = 0; i < count; i += WAVE) {
      await Promise.all(
        Array.from({ length: Math.min(WAVE, count - i) }, (_, k) => open(url, i + k)),
      );
    }
    reply({ connected: sockets.length });
  }

  process.on('message', (message: SubscriberRequest) => {
    if (message.cmd === 'connect') {
      connect(message.url, message.count).catch((error: unknown) =>
        reply({ error: describe(error) }),
      );
    } else if (message.cmd === 'mark') {
      base = counts.slice();
      reply({ marked: true });
    } else if (message.cmd === 'status') {
      let fewest = Number.POSITIVE_INFINITY;
      let fewestSinceMark = Number.POSITIVE_INFINITY;
      counts.forEach((c, i) => {
        fewest = Math.min(fewest, c);
        fewestSinceMark = Math.min(fewestSinceMark, c - base[i]!);
      });
      reply({ status: { fewest, fewestSinceMark, errors: errors.slice(0, 3) } });
    } else {
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

async function ask<T>(child: ChildProcess, request: SubscriberRequest, key: string): Promise<T> {
  const answer = nextMessage(child, has(key)<T>);
  child.send(request);
  return answer;
}

/** Polls the subscribers until `done`; a subscriber error ends the wait at once. */
async function waitFor(
  child: ChildProcess,
  done: (status: SubscriberStatus) => boolean,
  what: string,
  ms: number,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const { status } = await ask<{ status: SubscriberStatus }>(child, { cmd: 'status' }, 'status');
    if (status.errors.length > 0) throw new Error(`${what}: ${status.errors.join('; ')}`);
    if (done(status)) return;
    if (Date.now() > until) {
      throw new Error(
        `timed out waiting for ${what} (the slowest subscriber has ${status.fewest})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Row {
  subscribers: number;
  changes: number;
  calls: number;
  callsPer1000: number;
  seconds: number;
  target: number;
  ratio: number;
}

async function run(child: ChildProcess, url: string, subscribers: number): Promise<Row> {
  await ask(
    child,
    { cmd: 'connect', url: `${url.replace(/^http/, 'ws')}/graphql`, count: subscribers },
    'connected',
  );
  try {
    // A sentinel change, written until every subscriber heard one: all of them are live.
    for (let tries = 0; ; tries++) {
      const ready = await waitFor(child, (s) => s.fewest > 0, 'subscribers', 2_000).then(
        () => true,
        (error: unknown) => {
          if (tries >= 30 || !String(error).includes('timed out')) throw error;
          return false;
        },
      );
      if (ready) break;
      await write(1);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
    await ask(child, { cmd: 'mark' }, 'marked');
    const before = await feedCalls();
    const started = performance.now();
    await write(CHANGES);
    await waitFor(
      child,
      (s) => s.fewestSinceMark >= CHANGES,
      `${CHANGES} changes at ${subscribers} subscribers`,
      60_000 + (CHANGES * subscribers) / 10,
    );
    const seconds = (performance.now() - started) / 1000;
    const calls = (await feedCalls()) - before;
    const target = Math.ceil(CHANGES / BATCH) + Math.ceil((seconds * 1000) / POLL_MS);
    return {
      subscribers,
      changes: CHANGES,
      calls,
      callsPer1000: (calls * 1000) / CHANGES,
      seconds,
      target,
      ratio: calls / target,
    };
  } finally {
    await ask(child, { cmd: 'close' }, 'closed');
  }
}

async function main(): Promise<void> {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE, leads: LEADS });
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-feeds-'));
  const gateway = await createGateway(gatewayConfigFor(sandbox, TIME_SCALE), {
    logger: silentLogger,
    exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
    importJobs: { dataDir: join(dataDir, 'imports'), deleteDataOnClose: true },
    feeds: { pollIntervalMs: POLL_MS, budgetShare: 0.5, dataDir: join(dataDir, 'feeds') },
  });
  const url = await gateway.start(0, '127.0.0.1');
  const child = fork(new URL(import.meta.url).pathname, ['--subscribers'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const rows: Row[] = [];
  try {
    await nextMessage(child, (m): m is 'ready' => m === 'ready');
    for (const n of SUBSCRIBERS) rows.push(await run(child, url, n));
  } finally {
    await stopProcess(child);
    await gateway.stop();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  const single = rows[0]!;
  console.log(
    `bench:feeds — one leadChanged feed, ${CHANGES} changes, poll every ${POLL_MS} ms (time scale ${TIME_SCALE})\n`,
  );
  console.log(
    table(
      [
        'subscribers',
        'feed calls',
        'calls / 1,000 changes',
        'seconds',
        'target (⌈changes/300⌉ + idle polls)',
        'ratio',
        'vs 1 subscriber',
        '',
      ],
      rows.map((r) => [
        String(r.subscribers),
        String(r.calls),
        fmt(r.callsPer1000),
        fmt(r.seconds, 2),
        String(r.target),
        fmt(r.ratio, 2),
        fmt(r.callsPer1000 / single.callsPer1000, 2),
        pass(r.calls <= r.target + SLACK),
      ]),
    ),
  );
  const file = await writeResults(`feeds-${stamp()}`, { changes: CHANGES, pollMs: POLL_MS, rows });
  console.log(`\nresults: ${file}`);
  process.exit(0);
}

if (process.argv.includes('--subscribers')) runSubscribers();
else await main();
