/**
 * `npm run bench:hostile`: what hostile callers cost the gateway (issue #15), measured on a
 * gateway in its own process (`bench/gateway.ts`, embedded sandbox, API keys):
 *
 * - a one-line 30 MB CSV upload: the answer's size and the gateway's RSS above idle (target:
 *   within 50 MB), sampled from /proc while the upload is refused;
 * - a subscription flood from one key (SUB_SOCKETS sockets × SUB_PER_SOCKET attempts) while
 *   another key runs queries one after the other, paced under Marketo's rate limit: how many were
 *   refused, and the other key's query latency p50/p99 (target: p99 under 100 ms).
 *
 * Results in bench/results/hostile.json.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  fmt,
  GATEWAY_NODE_ARGS,
  MB,
  pass,
  spawnListening,
  stopProcess,
  table,
  writeResults,
} from './support.js';

const FLOOD_KEY = 'bench-flood-key-0123456789abcdef';
const OTHER_KEY = 'bench-other-key-0123456789abcdef';
const SOCKETS = Number(process.env.SUB_SOCKETS ?? 50);
const PER_SOCKET = Number(process.env.SUB_PER_SOCKET ?? 100);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
/** The sandbox's clock: Marketo's window of 100 calls in 20 s lasts 20 s / TIME_SCALE. */
const TIME_SCALE = 10;
/** The other key's queries at 80 % of the calls a second that window allows (40 at 10×). */
const PACE_MS = 20_000 / TIME_SCALE / 100 / 0.8;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Sends a one-line CSV of `bytes` as an importLeads upload; resolves with the answer's size. */
function oneLineUpload(url: string, bytes: number): Promise<number> {
  const boundary = '----bench-hostile';
  const part = (name: string, value: string) =>
    `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const operations = JSON.stringify({
    query:
      'mutation ($f: File!) { importLeads(input: { file: $f, format: CSV }) { ... on ImportJob { id } ... on Error { code message } } }',
    variables: { f: null },
  });
  const head =
    part('operations', operations) +
    part('map', '{"0":["variables.f"]}') +
    `--${boundary}\r\ncontent-disposition: form-data; name="0"; filename="a.csv"\r\ncontent-type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = 0;
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      received += chunk.length;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.once('connect', () => {
      socket.write(
        [
          'POST /graphql HTTP/1.1',
          'host: bench',
          `authorization: Bearer ${FLOOD_KEY}`,
          `content-type: multipart/form-data; boundary=${boundary}`,
          `content-length: ${head.length + bytes + tail.length}`,
          '',
          head,
        ].join('\r\n'),
      );
      const chunk = Buffer.alloc(MB, 'x');
      let sent = 0;
      const pump = () => {
        while (!answered && sent < bytes) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        if (!answered) socket.write(tail);
      };
      pump();
    });
  });
}

async function flood(url: string): Promise<{ opened: number; refused: number; clients: Client[] }> {
  let opened = 0;
  let refused = 0;
  const clients: Client[] = [];
  const attempts: Promise<void>[] = [];
  for (let s = 0; s < SOCKETS; s++) {
    const client = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${FLOOD_KEY}` },
    });
    clients.push(client);
    for (let i = 0; i < PER_SOCKET; i++) {
      attempts.push(
        new Promise<void>((resolve) => {
          let settled = false;
          client.subscribe(
            { query: 'subscription { marketoStatus(intervalMs: 100) { callsToday } }' },
            {
              next: (result) => {
                if (settled) return; // an open subscription's later events
                settled = true;
                const code = result.errors?.[0]?.extensions?.code;
                if (code === 'SUBSCRIPTION_LIMIT') refused += 1;
                else if (!result.errors) opened += 1;
                resolve();
              },
              error: () => {
                refused += 1;
                resolve();
              },
              complete: () => resolve(),
            },
          );
        }),
      );
    }
  }
  await Promise.all(attempts);
  return { opened, refused, clients };
}

/**
 * The other key's queries, one after the other, started at most every PACE_MS: each costs a
 * Marketo call, and back to back (3 ms apiece) they passed Marketo's 100 calls a window on their
 * own, so that their p99 was the rate limiter's wait for the next window (0.4–0.9 s), whatever
 * the flood did. Paced under the limit, what is left is what the flood costs them.
 */
async function latencies(url: string, count = QUERIES): Promise<number[]> {
  const times: number[] = [];
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const due = began + i * PACE_MS;
    if (performance.now() < due) await sleep(due - performance.now());
    const start = performance.now();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OTHER_KEY}` },
      body: JSON.stringify({ query: '{ leads(ids: [1, 2, 3]) { id email } }' }),
    });
    await response.text();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const { url, child } = await spawnListening('bench/gateway.ts', {
  nodeArgs: GATEWAY_NODE_ARGS,
  env: {
    LOG_LEVEL: 'error',
    SANDBOX_TIME_SCALE: String(TIME_SCALE),
    GATEWAY_API_KEYS: JSON.stringify([
      { name: 'flood', key: FLOOD_KEY, scopes: ['admin'] },
      { name: 'other', key: OTHER_KEY, scopes: ['leads:read'] },
    ]),
  },
});
try {
  const pid = child.pid!;
  await latencies(url, 40); // warm: describe cached, code paths compiled
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  const started = performance.now();
  const answerBytes = await oneLineUpload(url, 30 * MB);
  const uploadMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));

  // The other key's queries run while the flood's open subscriptions emit every 100 ms.
  const { opened, refused, clients } = await flood(url);
  const sorted = await latencies(url);
  for (const client of clients) await client.dispose();

  const results = {
    upload: {
      bytes: 30 * MB,
      answerBytes,
      ms: Math.round(uploadMs),
      idleRssMb: idle,
      peakRssMb: peak,
    },
    flood: { attempts: SOCKETS * PER_SOCKET, opened, refused },
    otherKey: { queries: QUERIES, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) },
  };
  console.log(
    table(
      ['measure', 'value', 'target', ''],
      [
        [
          '30 MB one-line upload: answer',
          `${answerBytes} B in ${fmt(uploadMs, 0)} ms`,
          '< 2 KB',
          pass(answerBytes < 2048),
        ],
        [
          '  RSS above idle',
          `${fmt(peak - idle)} MB (idle ${fmt(idle)} MB)`,
          '≤ 50 MB',
          pass(peak - idle <= 50),
        ],
        [
          'flood: subscriptions opened / refused',
          `${opened} / ${refused}`,
          'refused past limits',
          pass(refused > 0),
        ],
        [
          'other key: query p50 / p99',
          `${fmt(results.otherKey.p50Ms)} / ${fmt(results.otherKey.p99Ms)} ms`,
          'p99 < 100 ms',
          pass(results.otherKey.p99Ms < 100),
        ],
      ],
    ),
  );
  console.log(`results: ${await writeResults('hostile', results)}`);
} finally {
  await stopProcess(child);
}
