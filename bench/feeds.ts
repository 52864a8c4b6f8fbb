/**
 * `npm run bench:feeds`: Marketo calls per 1,000 changes delivered to 1, 100 and 1,000 graphql-ws
 * subscribers of one `leadChanged` feed (BENCH_FEED_SUBSCRIBERS, BENCH_FEED_CHANGES). The sandbox
 * counts the feed's calls (`activities/leadchanges.json` and `pagingtoken.json`); the target is
 * independent of the subscriber count: ⌈changes/300⌉ pages plus the idle polls of the run's
 * duration (one per FEED_POLL_INTERVAL_MS), i.e. one poller whatever the audience.
 *
 * Per run: N sockets subscribe; a sentinel change proves every one is live; then the changes are
 * written straight to the sandbox (300 a call, not through the gateway, so the gateway's only calls
 * are the feed's) and the run ends when every subscriber has every change.
 *
 *   BENCH_FEED_SUBSCRIBERS=1,100 BENCH_FEED_CHANGES=3000 npm run bench:feeds
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { silentLogger } from '../src/logger.js';
import { createGateway } from '../src/server.js';
import { gatewayConfigFor } from '../test/helpers/gateway.js';
import { startTestSandbox } from '../test/helpers/sandbox.js';
import { fmt, pass, stamp, table, writeResults } from './support.js';

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

const sandbox = await startTestSandbox({ timeScale: TIME_SCALE, leads: LEADS });
const dataDir = await mkdtemp(join(tmpdir(), 'bench-feeds-'));
const gateway = await createGateway(gatewayConfigFor(sandbox, TIME_SCALE), {
  logger: silentLogger,
  exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
  importJobs: { dataDir: join(dataDir, 'imports'), deleteDataOnClose: true },
  feeds: { pollIntervalMs: POLL_MS, budgetShare: 0.5, dataDir: join(dataDir, 'feeds') },
});
const url = await gateway.start(0, '127.0.0.1');

const SUBSCRIPTION = `subscription BenchFeed { leadChanged(fields: ["firstName"]) { cursor change { leadId } } }`;
let round = 0;

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

const waitFor = async (check: () => boolean, what: string, ms = 120_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** An Error's message, a CloseEvent's code and reason. */
const describe = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error !== null && 'code' in error
      ? `closed ${String((error as { code: unknown }).code)} ${String((error as { reason?: unknown }).reason ?? '')}`
      : String(error);

interface Row {
  subscribers: number;
  changes: number;
  calls: number;
  callsPer1000: number;
  seconds: number;
  target: number;
  ratio: number;
}

async function run(subscribers: number): Promise<Row> {
  const counts = new Array<number>(subscribers).fill(0);
  const clients: Client[] = [];
  const errors: unknown[] = [];
  for (let i = 0; i < subscribers; i++) {
    const client = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    // Sockets open 50 at a time: a thousand handshakes at once outlast graphql-ws's init wait.
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    client.subscribe(
      { query: SUBSCRIPTION },
      {
        next: () => {
          counts[i]!++;
        },
        error: (error) => errors.push(error),
        complete: () => {},
      },
    );
    if (i % 50 === 49 || i === subscribers - 1) await connected;
  }
  // A sentinel change, written until every subscriber heard one: all of them are live.
  await waitFor(() => errors.length > 0 || counts.every((c) => c > 0), 'subscribers', 5_000).catch(
    async () => {
      for (let tries = 0; !counts.every((c) => c > 0); tries++) {
        if (errors.length > 0 || tries > 200)
          throw new Error(`subscribers: ${describe(errors[0])}`);
        await write(1);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  );
  await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
  const base = counts.slice();
  const before = await feedCalls();
  const started = performance.now();
  await write(CHANGES);
  await waitFor(
    () => counts.every((c, i) => c - base[i]! >= CHANGES),
    `${CHANGES} changes at ${subscribers} subscribers`,
    // Delivery, not polling, is what takes time here: a few thousand messages a second in all.
    60_000 + (CHANGES * subscribers) / 2,
  );
  const seconds = (performance.now() - started) / 1000;
  const calls = (await feedCalls()) - before;
  await Promise.all(clients.map((c) => c.dispose()));
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
}

const rows: Row[] = [];
try {
  for (const n of SUBSCRIBERS) rows.push(await run(n));
} finally {
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
