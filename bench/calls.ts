/**
 * `npm run bench:calls`: how many Marketo calls the gateway makes for a read, counted by the
 * sandbox itself (`/__sandbox/stats`), never by the gateway. For N = 1, 300, 1,000 and 10,000
 * leads:
 *
 *   by id      one operation, `leads(ids: [N ids])`
 *   by email   one operation, `leadsBy(field: "email", values: [N emails])`, emails that match
 *              exactly one lead each (the seeded data repeats every 50th email; those are left out,
 *              and one extra run keeps them to show what a value matching two leads costs)
 *   single     the same N ids as N `lead(id:)` operations, 100 in flight at a time; once as the
 *              sandbox answers (about 1 ms) and once with Marketo's latency (100 ms, a fault)
 *
 * Target: ⌈N/300⌉ lead-read calls (ratio 1.00) and no 413/414. Single-lead operations cannot
 * get there: with 100 clients each waiting for its answer, at most 100 lookups are ever pending,
 * so ⌈N/100⌉ is their floor: target ≤ 1.5 × that floor. Sharing must not slow a lone read: one
 * client asking one lead after another (100 ms Marketo) waits at most 10 ms more at p50 than the
 * same REST call made straight to the sandbox. Then every token is expired in the sandbox and 100
 * `lead(id:)` operations arrive at once: target 1 token call.
 *
 * The sandbox enforces Marketo's limits (100 calls / 20 s, 10 concurrent, 300 per call, 8 KB
 * URLs, 1 MB bodies) on a compressed clock; the gateway runs as `npm start` builds it, in its own
 * process, with the client pacing on the same clock.
 *
 *   BENCH_QUICK=1 npm run bench:calls                 (N = 1, 300, 1,000)
 *   BENCH_CALLS_SIZES=1,300,1000,10000 BENCH_TIME_SCALE=1000 npm run bench:calls
 */
import type { SandboxStats } from '../test/helpers/gateway.js';
import {
  GATEWAY_NODE_ARGS,
  pass,
  spawnListening,
  stamp,
  startSandboxProcess,
  stopProcess,
  table,
  writeResults,
} from './support.js';

const RECORDS_PER_CALL = 300;
const CONCURRENT_QUERIES = 100;
/** Concurrent single-lead operations may cost up to this many times their floor. */
const SINGLE_FLOOR_RATIO = 1.5;
/** A lone `lead(id:)`: p50 added over the direct REST call, ms; and how many are timed. */
const LONE_ADDED_P50_MS = 10;
const API_KEY = 'bench-calls-key-0123456789abc';
const LEAD_READ = 'GET /rest/v1/leads.json';
/** A Marketo answer takes 100–500 ms; the sandbox answers in about 1 ms unless told to wait. */
const MARKETO_LATENCY_MS = Number(process.env.BENCH_CALLS_LATENCY_MS ?? 100);

const quick = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const LONE_QUERIES = quick ? 40 : 100;
const sizes = (process.env.BENCH_CALLS_SIZES ?? (quick ? '1,300,1000' : '1,300,1000,10000'))
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1000);
const maxN = Math.max(...sizes);
/** Enough seeded leads for maxN emails that each match a single lead. */
const seededLeads = Math.max(2_000, Math.ceil(maxN * 1.1) + 100);

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

class Bench {
  constructor(
    readonly gatewayUrl: string,
    readonly sandboxUrl: string,
  ) {}

  async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${this.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${API_KEY}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as GraphQLResponse<T>;
    if (result.errors?.length || !result.data) {
      throw new Error(`HTTP ${response.status}: ${JSON.stringify(result.errors).slice(0, 500)}`);
    }
    return result.data;
  }

  async control<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const response = await fetch(`${this.sandboxUrl}${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  stats = () => this.control<SandboxStats & { tokensIssued: number }>('/__sandbox/stats');
  reset = () => this.control('/__sandbox/reset', 'POST');
}

/** What one case cost, from the sandbox's counters. */
interface Counted {
  leadReads: number;
  /** Every REST call (lead reads, describe…), identity excluded. */
  restCalls: number;
  tokenCalls: number;
  e413: number;
  e414: number;
  /** Other error codes the sandbox answered, e.g. 606/615 (limits), 1003. */
  otherErrors: Record<string, number>;
}

function counted(stats: SandboxStats & { tokensIssued: number }): Counted {
  const entries = Object.entries(stats.calls.byEndpoint);
  const { '413': e413 = 0, '414': e414 = 0, ...otherErrors } = stats.errors;
  return {
    leadReads: stats.calls.byEndpoint[LEAD_READ] ?? 0,
    restCalls: entries
      .filter(([endpoint]) => !endpoint.includes('/identity/'))
      .reduce((sum, [, n]) => sum + n, 0),
    tokenCalls: entries
      .filter(([endpoint]) => endpoint.includes('/identity/'))
      .reduce((sum, [, n]) => sum + n, 0),
    e413,
    e414,
    otherErrors,
  };
}

interface CaseResult extends Counted {
  case: string;
  n: number;
  target: number;
  /**
   * The fewest calls possible: the target, except for single-lead operations, where no more than
   * 100 lookups can be waiting at once (each client waits for its answer), so ⌈N/100⌉.
   */
  floor: number;
  ratio: number;
  /** Leads the gateway returned (by email: leads matched, duplicates included). */
  returned: number;
  seconds: number;
}

async function measure(
  bench: Bench,
  name: string,
  n: number,
  target: number,
  run: () => Promise<number>,
  options: { floor?: number; latencyMs?: number } = {},
): Promise<CaseResult> {
  await bench.reset();
  if (options.latencyMs) {
    await bench.control('/__sandbox/faults', 'POST', {
      latencyMs: options.latencyMs,
      rate: 1,
      endpoint: LEAD_READ,
    });
  }
  const started = performance.now();
  const returned = await run();
  const seconds = (performance.now() - started) / 1000;
  const c = counted(await bench.stats());
  return {
    case: name,
    n,
    target,
    floor: options.floor ?? target,
    ratio: c.leadReads / target,
    returned,
    seconds,
    ...c,
  };
}

const BY_IDS = `query BenchLeadsById($ids: [Int!]!) { leads(ids: $ids) { id email } }`;
const BY_EMAIL = `query BenchLeadsByEmail($values: [String!]!) {
  leadsBy(field: "email", values: $values) { id email }
}`;
const ONE = `query BenchOneLead($id: Int!) { lead(id: $id) { id email } }`;

/** `count` operations, `inFlight` at a time, each asking for one lead. */
async function singleLeadQueries(bench: Bench, ids: number[], inFlight: number): Promise<number> {
  let next = 0;
  let found = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const data = await bench.graphql<{ lead: { id: number } | null }>(ONE, { id });
      if (data.lead?.id === id) found++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, ids.length) }, worker));
  return found;
}

/** p50 of `samples` (ms). */
function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/**
 * One client alone, one `lead(id:)` after another, and the same REST call straight to the
 * sandbox, alternating, with Marketo's latency: what sharing adds to a read nobody shares.
 */
async function loneQueries(bench: Bench, latencyMs: number) {
  await bench.reset();
  await bench.control('/__sandbox/faults', 'POST', { latencyMs, rate: 1, endpoint: LEAD_READ });
  const { access_token: token } = await bench.control<{ access_token: string }>(
    '/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox',
  );
  const gateway: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < LONE_QUERIES; i++) {
    const id = i + 1;
    let started = performance.now();
    const data = await bench.graphql<{ lead: { id: number } | null }>(ONE, { id });
    if (data.lead?.id !== id) throw new Error(`lone query: lead ${id} missing`);
    gateway.push(performance.now() - started);
    started = performance.now();
    const response = await fetch(
      `${bench.sandboxUrl}/rest/v1/leads.json?filterType=id&filterValues=${id}&fields=email,id`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    await response.json();
    direct.push(performance.now() - started);
  }
  const c = counted(await bench.stats());
  return {
    queries: LONE_QUERIES,
    latencyMs,
    gatewayP50Ms: median(gateway),
    directP50Ms: median(direct),
    addedP50Ms: median(gateway) - median(direct),
    // The direct calls are lead reads too.
    gatewayLeadReads: c.leadReads - LONE_QUERIES,
  };
}

/**
 * Lead ids whose email belongs to that lead alone, with the emails, from the sandbox's own rows
 * (uncounted control plane). Emails compare case-insensitively, as in Marketo.
 */
async function uniqueEmails(
  bench: Bench,
  upTo: number,
): Promise<{ unique: { id: number; email: string }[]; all: { id: number; email: string }[] }> {
  const all: { id: number; email: string }[] = [];
  for (let from = 1; from <= upTo; from += 500) {
    const ids = Array.from({ length: Math.min(500, upTo - from + 1) }, (_, i) => from + i);
    const { leads } = await bench.control<{ leads: { id: number; email: string | null }[] }>(
      `/__sandbox/leads?id=${ids.join(',')}`,
    );
    for (const lead of leads) if (lead.email) all.push({ id: lead.id, email: lead.email });
  }
  const uses = new Map<string, number>();
  for (const { email } of all)
    uses.set(email.toLowerCase(), (uses.get(email.toLowerCase()) ?? 0) + 1);
  // The last lead fetched could share its email with the next one: leave it out.
  const unique = all.filter(({ id, email }) => id < upTo && uses.get(email.toLowerCase()) === 1);
  return { unique, all };
}

async function main(): Promise<void> {
  console.log(
    `bench:calls — Marketo calls per read for N = ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')}; sandbox with Marketo's limits at timeScale ${timeScale}, ${seededLeads.toLocaleString('en-US')} seeded leads${quick ? ' (quick)' : ''}`,
  );
  const sandbox = await startSandboxProcess({
    SANDBOX_LEADS: String(seededLeads),
    SANDBOX_TIME_SCALE: String(timeScale),
    SANDBOX_ENFORCE_LIMITS: 'true',
    SANDBOX_RATE_LIMIT: '100',
    SANDBOX_RATE_WINDOW_MS: '20000',
    SANDBOX_CONCURRENCY: '10',
    SANDBOX_MAX_BATCH: String(RECORDS_PER_CALL),
    SANDBOX_MAX_URL_BYTES: '8192',
    SANDBOX_MAX_BODY_BYTES: String(1024 * 1024),
    // An hour of real time: token renewals do not blur the counts; the expiry case forces one.
    SANDBOX_TOKEN_LIFETIME_SEC: String(3600 * timeScale),
  });
  const children = [sandbox.child];
  try {
    const gateway = await spawnListening('bench/gateway.ts', {
      nodeArgs: GATEWAY_NODE_ARGS,
      env: {
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        GATEWAY_API_KEYS: JSON.stringify([{ name: 'bench', key: API_KEY, scopes: ['leads:read'] }]),
        MARKETO_BASE_URL: sandbox.url,
        MARKETO_CLIENT_ID: 'sandbox',
        MARKETO_CLIENT_SECRET: 'sandbox',
        MARKETO_TIME_SCALE: String(timeScale),
      },
    });
    children.push(gateway.child);
    const bench = new Bench(gateway.url, sandbox.url);
    // The field describe is cached for minutes: fetch it before counting.
    await bench.graphql(ONE, { id: 1 });

    const emailsUpTo = Math.ceil(maxN * 1.1) + 50;
    const { unique, all } = await uniqueEmails(bench, emailsUpTo);
    if (unique.length < maxN)
      throw new Error(`only ${unique.length} unique emails for N = ${maxN}`);

    const results: CaseResult[] = [];
    for (const n of sizes) {
      const target = Math.ceil(n / RECORDS_PER_CALL);
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      console.log(`  N = ${n.toLocaleString('en-US')} …`);
      results.push(
        await measure(bench, 'by id', n, target, async () => {
          const data = await bench.graphql<{ leads: ({ id: number } | null)[] }>(BY_IDS, { ids });
          return data.leads.filter((lead) => lead !== null).length;
        }),
      );
      const emails = unique.slice(0, n).map((lead) => lead.email);
      results.push(
        await measure(bench, 'by email', n, target, async () => {
          const data = await bench.graphql<{ leadsBy: { id: number }[] }>(BY_EMAIL, {
            values: emails,
          });
          return data.leadsBy.length;
        }),
      );
      const floor = Math.ceil(n / CONCURRENT_QUERIES);
      results.push(
        await measure(
          bench,
          `single, ${CONCURRENT_QUERIES} in flight`,
          n,
          target,
          () => singleLeadQueries(bench, ids, CONCURRENT_QUERIES),
          { floor },
        ),
        await measure(
          bench,
          `single, ${CONCURRENT_QUERIES} in flight, ${MARKETO_LATENCY_MS} ms Marketo`,
          n,
          target,
          () => singleLeadQueries(bench, ids, CONCURRENT_QUERIES),
          { floor, latencyMs: MARKETO_LATENCY_MS },
        ),
      );
    }
    // Information: the first N emails as seeded, duplicates included (a value may match 2 leads).
    const withDuplicates = sizes.filter((n) => n >= RECORDS_PER_CALL);
    for (const n of withDuplicates) {
      const emails = [...new Set(all.slice(0, n).map((lead) => lead.email.toLowerCase()))];
      // Information only: a refusal (Marketo's 1003 past 1,000 matches a call) is printed.
      const measured = await measure(
        bench,
        'by email, seeded duplicates kept',
        emails.length,
        Math.ceil(emails.length / RECORDS_PER_CALL),
        async () => {
          const data = await bench.graphql<{ leadsBy: { id: number }[] }>(BY_EMAIL, {
            values: emails,
          });
          return data.leadsBy.length;
        },
      ).catch((error: unknown) => {
        console.log(`  by email, duplicates kept, N = ${n}: ${String(error).slice(0, 200)}`);
        return undefined;
      });
      if (measured) results.push(measured);
    }

    console.log('  a lone client …');
    const lone = await loneQueries(bench, MARKETO_LATENCY_MS);

    // Every token expires in the sandbox; 100 operations arrive at once.
    await bench.control('/__sandbox/tokens/expire', 'POST');
    const expiry = await measure(bench, 'expired token, 100 at once', CONCURRENT_QUERIES, 1, () =>
      Promise.all(
        Array.from({ length: CONCURRENT_QUERIES }, (_, i) =>
          bench
            .graphql<{ lead: { id: number } | null }>(ONE, { id: i + 1 })
            .then((data) => (data.lead ? 1 : 0)),
        ),
      ).then((found) => found.reduce<number>((a, b) => a + b, 0)),
    );
    const expiryStats = await bench.stats();

    report(results, expiry, expiryStats.tokensIssued, lone);
    const file = await writeResults(`calls-${stamp()}`, {
      bench: 'calls',
      at: new Date().toISOString(),
      node: process.version,
      quick,
      timeScale,
      sizes,
      results,
      lone,
      expiredToken: { ...expiry, tokensIssued: expiryStats.tokensIssued },
    });
    console.log(`\nresults: ${file}`);
  } finally {
    for (const child of children.reverse()) await stopProcess(child);
  }
}

function report(
  results: CaseResult[],
  expiry: CaseResult,
  tokensIssued: number,
  lone: Awaited<ReturnType<typeof loneQueries>>,
): void {
  const int = (n: number) => n.toLocaleString('en-US');
  const others = (r: Counted) =>
    Object.entries(r.otherErrors)
      .map(([code, count]) => `${code}×${count}`)
      .join(' ') || '–';
  const informational = (r: CaseResult) => r.case.includes('duplicates');
  const single = (r: CaseResult) => r.case.startsWith('single');
  console.log('');
  console.log(
    table(
      [
        'case',
        'N',
        'lead reads',
        'target ⌈N/300⌉',
        'ratio',
        'floor',
        'target',
        '413/414',
        'other errors',
        'leads returned',
        'time',
        '',
      ],
      results.map((r) => [
        r.case,
        int(r.n),
        int(r.leadReads),
        int(r.target),
        r.ratio.toFixed(2),
        int(r.floor),
        single(r) ? `≤ ${int(Math.floor(SINGLE_FLOOR_RATIO * r.floor))}` : int(r.target),
        `${r.e413}/${r.e414}`,
        others(r),
        int(r.returned),
        `${r.seconds.toFixed(2)} s`,
        informational(r)
          ? '(info)'
          : pass(
              (single(r)
                ? r.leadReads <= SINGLE_FLOOR_RATIO * r.floor
                : r.leadReads === r.target) &&
                r.e413 + r.e414 === 0 &&
                r.returned === r.n,
            ),
      ]),
    ),
  );
  console.log('');
  console.log(
    table(
      ['case', 'token calls', 'target', 'tokens issued', 'lead reads', 'leads returned', ''],
      [
        [
          expiry.case,
          int(expiry.tokenCalls),
          '1',
          int(tokensIssued),
          int(expiry.leadReads),
          `${int(expiry.returned)} of ${int(expiry.n)}`,
          pass(expiry.tokenCalls === 1 && expiry.returned === expiry.n),
        ],
      ],
    ),
  );
  console.log('');
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    table(
      ['case', 'gateway p50', 'direct REST p50', 'added p50', 'target', 'lead reads', ''],
      [
        [
          `a lone client, ${lone.queries} lead(id:) one after another, ${lone.latencyMs} ms Marketo`,
          ms(lone.gatewayP50Ms),
          ms(lone.directP50Ms),
          ms(lone.addedP50Ms),
          `≤ +${LONE_ADDED_P50_MS} ms`,
          int(lone.gatewayLeadReads),
          pass(lone.addedP50Ms <= LONE_ADDED_P50_MS),
        ],
      ],
    ),
  );
}

await main();
