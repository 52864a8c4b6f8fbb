/**
 * `npm run bench:overhead`: what the gateway adds to one lead read. Three targets, each in its own
 * process, loaded by autocannon from a fourth (bench/load.ts) over loopback:
 *
 *   gateway   `lead(id)` through the gateway as `npm start` builds it (bench/gateway.ts):
 *             NODE_ENV=production, an API key sent and checked, graphql-armor, Marketo-cost
 *             limits, error masking, cost extension, metrics; the client's limiter raised out of
 *             the way (overhead, not pacing)
 *   direct    the same REST call (`GET /rest/v1/leads.json?filterType=id…`) straight to the sandbox
 *   bare      a bare yoga + undici pass-through: one `lead(id)` resolver, one Pool, no plugins
 *
 * The sandbox runs with its limits off (counted, never refused). At 1, 10 and 100 connections
 * (closed loop: each connection sends again once answered) and at 10 connections paced at 200
 * requests/s (open loop: latency without queueing), the targets take turns, the order rotating
 * every round, so each ratio compares runs made under the same machine noise. Figures: p50/p99
 * latency, requests/s, and CPU per request of the answering process (from /proc, free of
 * scheduling noise). Targets: gateway − direct ≤ +1 ms at p50 and ≤ +5 ms at p99 at 10
 * connections; gateway ≥ the bare pass-through's requests/s; gateway CPU ≤ 0.5 ms per request.
 *
 * Under closed-loop load, concurrent `lead(id:)` operations share Marketo calls in the gateway
 * (src/loaders/shared-reads.ts), so it may send fewer REST calls than it answers queries; the
 * "CPU/req sandbox" column shows it.
 *
 *   BENCH_QUICK=1 npm run bench:overhead                      (1 round of 2 s per point)
 *   BENCH_OVERHEAD_SECONDS=5 BENCH_OVERHEAD_ROUNDS=3 BENCH_OVERHEAD_CONNECTIONS=10 npm run bench:overhead
 *   BENCH_OVERHEAD_PACED_RATE=0 npm run bench:overhead        (no paced point)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';
import {
  type LatencySummary,
  type LoadSpec,
  processCpuMs,
  startLoadProcess,
  summarize,
} from './load.js';
import {
  fmt,
  GATEWAY_NODE_ARGS,
  pass,
  spawnListening,
  stamp,
  startSandboxProcess,
  stopProcess,
  table,
  writeResults,
} from './support.js';

const API_KEY = 'bench-overhead-key-0123456789';
/** Marketo calls in flight the gateway allows (and the bare pass-through's socket pool): no queue. */
const MARKETO_CONCURRENCY = 128;
const FIELDS = ['company', 'email', 'firstName', 'id', 'lastName'];
const QUERY = `query BenchLead($id: Int!) { lead(id: $id) { id email firstName lastName company } }`;
/** Issue #19: +1 / +5 ms at 10 connections, at least the bare pass-through's requests/s, and at
 * most 0.5 ms of gateway CPU per `lead(id)` (2,000 operations/s per core). */
const TARGETS = {
  p50AddedMs: 1,
  p99AddedMs: 5,
  throughputRatio: 1.0,
  cpuMsPerRequest: 0.5,
  atConnections: 10,
};

// ─── The bare pass-through process ──────────────────────────────────────────────────────────

/** Child role: yoga with one resolver forwarding to the sandbox over an undici Pool. Nothing else. */
async function runBare(): Promise<void> {
  const sandboxUrl = process.env.BENCH_SANDBOX_URL!;
  const pool = new Pool(sandboxUrl, { connections: MARKETO_CONCURRENCY + 2, pipelining: 1 });
  const identity = await pool.request({
    method: 'GET',
    path: '/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox',
  });
  const { access_token: token } = (await identity.body.json()) as { access_token: string };
  const schema = createSchema({
    typeDefs: `type Query { lead(id: Int!): Lead }
      type Lead { id: Int! email: String firstName: String lastName: String company: String }`,
    resolvers: {
      Query: {
        lead: async (_root: unknown, args: { id: number }) => {
          const response = await pool.request({
            method: 'GET',
            path: `/rest/v1/leads.json?filterType=id&filterValues=${args.id}&fields=${FIELDS.join(',')}`,
            headers: { authorization: `Bearer ${token}` },
          });
          const envelope = (await response.body.json()) as { result?: unknown[] };
          return envelope.result?.[0] ?? null;
        },
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => {
      pool.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  });
  process.stdout.write(`bare listening on http://127.0.0.1:${port}\n`);
}

// ─── The driver ─────────────────────────────────────────────────────────────────────────────

const quick = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const seconds = Number(process.env.BENCH_OVERHEAD_SECONDS ?? (quick ? 2 : 5));
const rounds = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? (quick ? 1 : 2));
const connectionCounts = (process.env.BENCH_OVERHEAD_CONNECTIONS ?? '1,10,100')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
/** A fixed request rate (open loop) at 10 connections: latency without queueing. 0: skip. */
const pacedRate = Number(process.env.BENCH_OVERHEAD_PACED_RATE ?? 200);
const warmupSeconds = quick ? 1 : 2;

/** A load setting: connections, closed loop (each sends again once answered) or paced. */
interface Setting {
  label: string;
  connections: number;
  rate?: number;
}

const SETTINGS: Setting[] = [
  ...connectionCounts.map((connections) => ({ label: String(connections), connections })),
  ...(pacedRate > 0 && connectionCounts.includes(TARGETS.atConnections)
    ? [
        {
          label: `${TARGETS.atConnections} @${pacedRate}/s`,
          connections: TARGETS.atConnections,
          rate: pacedRate,
        },
      ]
    : []),
];
/** Lead ids cycled through, so consecutive requests read different leads. */
const IDS = Array.from({ length: 1000 }, (_, i) => i + 1);

type TargetName = 'gateway' | 'direct' | 'bare';
const TARGET_NAMES: TargetName[] = ['gateway', 'direct', 'bare'];

interface Accumulated {
  latencies: number[];
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  serverCpuMs: number;
  sandboxCpuMs: number;
}

const emptyAccumulated = (): Accumulated => ({
  latencies: [],
  ok: 0,
  non2xx: 0,
  errors: 0,
  seconds: 0,
  serverCpuMs: 0,
  sandboxCpuMs: 0,
});

/** CPU ms used so far by a target's server process and by the sandbox (NaN without /proc). */
async function cpu(server: number | undefined, sandbox: number | undefined) {
  return {
    server: server === undefined ? 0 : ((await processCpuMs(server)) ?? Number.NaN),
    sandbox: (await processCpuMs(sandbox)) ?? Number.NaN,
  };
}

interface Point {
  target: TargetName;
  setting: string;
  connections: number;
  /** Requests/s offered (paced settings only). */
  rate?: number;
  latency: LatencySummary;
  requestsPerS: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** CPU of the process answering (gateway, bare pass-through, or the sandbox for direct), ms. */
  serverCpuMsPerRequest: number;
  sandboxCpuMsPerRequest: number;
}

const graphqlBody = JSON.stringify({ query: QUERY, variables: { id: 0 } }).replace(
  '"id":0',
  '"id":{id}',
);

async function sandboxToken(sandboxUrl: string): Promise<string> {
  const response = await fetch(
    `${sandboxUrl}/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox`,
  );
  return ((await response.json()) as { access_token: string }).access_token;
}

function specs(urls: Record<TargetName, string>, token: string) {
  const graphql = (url: string, headers: Record<string, string>) => ({
    url: `${url}/graphql`,
    method: 'POST' as const,
    path: '/graphql',
    body: graphqlBody,
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...headers,
    },
  });
  const restPath = `/rest/v1/leads.json?filterType=id&filterValues={id}&fields=${FIELDS.join(',')}`;
  return {
    gateway: graphql(urls.gateway, { authorization: `Bearer ${API_KEY}` }),
    bare: graphql(urls.bare, {}),
    direct: {
      url: `${urls.direct}/rest/v1/leads.json`,
      method: 'GET' as const,
      path: restPath,
      headers: { authorization: `Bearer ${token}` },
    },
  } satisfies Record<TargetName, Omit<LoadSpec, 'ids' | 'connections' | 'seconds'>>;
}

/** One request to each target: the lead must come back, or the figures would measure errors. */
async function preflight(target: TargetName, spec: ReturnType<typeof specs>[TargetName]) {
  const origin = new URL(spec.url).origin;
  const init: RequestInit = { method: spec.method, headers: spec.headers };
  if ('body' in spec) init.body = spec.body.replace('{id}', '7');
  const response = await fetch(`${origin}${spec.path.replace('{id}', '7')}`, init);
  const json = (await response.json()) as {
    data?: { lead?: { id?: number } };
    result?: { id?: number }[];
    errors?: unknown;
  };
  const id = target === 'direct' ? json.result?.[0]?.id : json.data?.lead?.id;
  if (response.status !== 200 || id !== 7) {
    throw new Error(`${target}: HTTP ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:overhead — lead(id) through the gateway vs the same REST call straight to the sandbox vs a bare yoga+undici pass-through; ${rounds} round(s) of ${seconds} s per target at ${connectionCounts.join(', ')} connections${quick ? ' (quick)' : ''}`,
  );
  // Keep-alive: autocannon times requests on connections the server closes wrongly (p50 ≈ 500 ms
  // at 800 req/s on one connection), so the direct target needs it; all three share the sandbox.
  const sandbox = await startSandboxProcess({
    SANDBOX_ENFORCE_LIMITS: 'false',
    SANDBOX_KEEP_ALIVE: 'true',
  });
  const children = [sandbox.child];
  const load = await startLoadProcess();
  try {
    const gateway = await spawnListening('bench/gateway.ts', {
      nodeArgs: GATEWAY_NODE_ARGS,
      env: {
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        GATEWAY_API_KEYS: JSON.stringify([{ name: 'bench', key: API_KEY, scopes: ['leads:read'] }]),
        MARKETO_BASE_URL: sandbox.url,
        MARKETO_CLIENT_ID: 'sandbox',
        MARKETO_CLIENT_SECRET: 'sandbox',
        // Overhead, not pacing: the client's limiter never makes a call wait.
        MARKETO_CONCURRENCY: String(MARKETO_CONCURRENCY),
        MARKETO_RATE_LIMIT: String(1e9),
        MARKETO_DAILY_QUOTA: String(1e9),
      },
    });
    children.push(gateway.child);
    // The same V8 flags as the gateway: what is compared is the code, not the heap settings.
    const bare = await spawnListening('bench/overhead.ts', {
      nodeArgs: GATEWAY_NODE_ARGS,
      args: ['--bare'],
      env: { BENCH_SANDBOX_URL: sandbox.url, NODE_ENV: 'production' },
    });
    children.push(bare.child);
    const token = await sandboxToken(sandbox.url);
    const all = specs({ gateway: gateway.url, direct: sandbox.url, bare: bare.url }, token);
    for (const target of TARGET_NAMES) await preflight(target, all[target]);
    const pids: Record<TargetName, number | undefined> = {
      gateway: gateway.child.pid,
      bare: bare.child.pid,
      direct: sandbox.child.pid,
    };

    const points: Point[] = [];
    for (const setting of SETTINGS) {
      const { connections, rate } = setting;
      const paced = rate === undefined ? {} : { rate };
      console.log(`  ${setting.label} connection(s) …`);
      for (const target of TARGET_NAMES) {
        await load.run({ ...all[target], ...paced, ids: IDS, connections, seconds: warmupSeconds });
      }
      const samples = new Map<TargetName, Accumulated>();
      for (let round = 0; round < rounds; round++) {
        const order = TARGET_NAMES.map((_, i) => TARGET_NAMES[(i + round) % TARGET_NAMES.length]!);
        for (const target of order) {
          // CPU of the process answering the load, and of the sandbox behind it.
          const server = target === 'direct' ? undefined : pids[target];
          const before = await cpu(server, pids.direct);
          const result = await load.run({
            ...all[target],
            ...paced,
            ids: IDS,
            connections,
            seconds,
          });
          const after = await cpu(server, pids.direct);
          const acc = samples.get(target) ?? emptyAccumulated();
          for (const value of result.latencies) acc.latencies.push(value);
          acc.ok += result.ok;
          acc.non2xx += result.non2xx;
          acc.errors += result.errors + result.timeouts;
          acc.seconds += result.seconds;
          acc.serverCpuMs += after.server - before.server;
          acc.sandboxCpuMs += after.sandbox - before.sandbox;
          samples.set(target, acc);
        }
      }
      for (const target of TARGET_NAMES) {
        const acc = samples.get(target)!;
        points.push({
          target,
          setting: setting.label,
          connections,
          ...paced,
          latency: summarize(acc.latencies),
          requestsPerS: acc.ok / acc.seconds,
          ok: acc.ok,
          non2xx: acc.non2xx,
          errors: acc.errors,
          seconds: acc.seconds,
          // The direct target's server is the sandbox itself.
          serverCpuMsPerRequest:
            (target === 'direct' ? acc.sandboxCpuMs : acc.serverCpuMs) / acc.ok,
          sandboxCpuMsPerRequest: acc.sandboxCpuMs / acc.ok,
        });
      }
    }
    report(points);
    const comparisons = SETTINGS.map((setting) => compare(points, setting.label));
    const file = await writeResults(`overhead-${stamp()}`, {
      bench: 'overhead',
      at: new Date().toISOString(),
      node: process.version,
      quick,
      secondsPerRun: seconds,
      rounds,
      targets: TARGETS,
      points: points.map(({ latency, ...rest }) => ({ ...rest, latencyMs: latency })),
      comparisons,
    });
    console.log(`\nresults: ${file}`);
  } finally {
    await load.stop();
    for (const child of children.reverse()) await stopProcess(child);
  }
}

function compare(points: Point[], setting: string) {
  const at = (target: TargetName) =>
    points.find((p) => p.target === target && p.setting === setting)!;
  const gateway = at('gateway');
  const direct = at('direct');
  const bare = at('bare');
  return {
    setting,
    p50AddedMs: gateway.latency.p50 - direct.latency.p50,
    p99AddedMs: gateway.latency.p99 - direct.latency.p99,
    bareP50AddedMs: bare.latency.p50 - direct.latency.p50,
    throughputRatioToBare: gateway.requestsPerS / bare.requestsPerS,
    throughputRatioToDirect: gateway.requestsPerS / direct.requestsPerS,
    barePerDirect: bare.requestsPerS / direct.requestsPerS,
    /** Process CPU per request, gateway ÷ bare pass-through: the overhead free of scheduling noise. */
    cpuPerRequestRatioToBare: gateway.serverCpuMsPerRequest / bare.serverCpuMsPerRequest,
  };
}

function report(points: Point[]): void {
  const ms = (n: number) => `${fmt(n, 2)} ms`;
  const rps = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('');
  console.log(
    table(
      [
        'connections',
        'target',
        'p50',
        'p99',
        'req/s',
        'requests',
        'non-2xx / errors',
        'CPU/req server',
        'CPU/req sandbox',
      ],
      points.map((p) => [
        p.setting,
        p.target,
        ms(p.latency.p50),
        ms(p.latency.p99),
        rps(p.requestsPerS),
        p.ok.toLocaleString('en-US'),
        `${p.non2xx} / ${p.errors}`,
        ms(p.serverCpuMsPerRequest),
        ms(p.sandboxCpuMsPerRequest),
      ]),
    ),
  );
  const rows: string[][] = [];
  for (const { label, connections, rate } of SETTINGS) {
    const c = compare(points, label);
    const judged = connections === TARGETS.atConnections;
    const closedLoop = rate === undefined;
    rows.push(
      [
        label,
        'p50 added (gateway − direct)',
        ms(c.p50AddedMs),
        judged ? `≤ +${TARGETS.p50AddedMs} ms` : '',
        judged ? pass(c.p50AddedMs <= TARGETS.p50AddedMs) : '',
      ],
      [
        label,
        'p99 added (gateway − direct)',
        ms(c.p99AddedMs),
        judged ? `≤ +${TARGETS.p99AddedMs} ms` : '',
        judged ? pass(c.p99AddedMs <= TARGETS.p99AddedMs) : '',
      ],
      [label, 'p50 added by bare pass-through (info)', ms(c.bareP50AddedMs), '', ''],
    );
    // Paced runs all answer the offered rate: their requests/s compare nothing.
    if (closedLoop) {
      rows.push(
        [
          label,
          'req/s gateway ÷ bare pass-through',
          fmt(c.throughputRatioToBare, 2),
          `≥ ${TARGETS.throughputRatio}`,
          pass(c.throughputRatioToBare >= TARGETS.throughputRatio),
        ],
        [label, 'req/s gateway ÷ direct REST (info)', fmt(c.throughputRatioToDirect, 2), '', ''],
      );
    }
    if (closedLoop) {
      const gateway = points.find((p) => p.target === 'gateway' && p.setting === label)!;
      rows.push([
        label,
        'gateway CPU per request',
        ms(gateway.serverCpuMsPerRequest),
        judged ? `≤ ${TARGETS.cpuMsPerRequest} ms` : '',
        judged ? pass(gateway.serverCpuMsPerRequest <= TARGETS.cpuMsPerRequest) : '',
      ]);
    }
    rows.push([
      label,
      'CPU/request gateway ÷ bare (info)',
      fmt(c.cpuPerRequestRatioToBare, 2),
      '',
      '',
    ]);
  }
  console.log('');
  console.log(table(['connections', 'figure', 'measured', 'target', ''], rows));
  const failures = points.filter((p) => p.non2xx + p.errors > 0);
  if (failures.length > 0) {
    console.log(
      `\nMISSED: non-2xx responses or errors in ${failures.map((p) => `${p.target}@${p.setting}`).join(', ')}`,
    );
  }
}

if (process.argv.includes('--bare')) await runBare();
else await main();
