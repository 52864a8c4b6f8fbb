/**
 * Load generation in a second process: autocannon runs in a child (`node --import tsx
 * bench/load.ts --child`) that the bench drives over IPC, so the load never shares an event loop
 * with the server it measures. Every response time is kept (autocannon's own histogram has 1 ms
 * resolution; the overhead targets are in single milliseconds), and the percentiles are computed
 * from the exact samples.
 *
 *   const load = await startLoadProcess();
 *   const result = await load.run({ url, connections: 10, seconds: 5, ... });
 *   await load.stop();
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { stopProcess } from './support.js';

export interface LoadSpec {
  /** Origin plus the first request's path, e.g. `http://127.0.0.1:4000/graphql`. */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Path template; `{id}` is replaced by the next id of `ids` on every request. */
  path: string;
  /** Body template (POST); `{id}` as in `path`. */
  body?: string;
  /** Ids cycled through `{id}`, so consecutive requests do not ask for the same record. */
  ids: number[];
  connections: number;
  seconds: number;
  /** Requests/s across all connections (open loop); unset: each connection sends when answered. */
  rate?: number;
}

export interface LoadResult {
  /** Response times of the 2xx responses, ms (sub-millisecond resolution). */
  latencies: number[];
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Measured run time, s. */
  seconds: number;
}

/** In the child: one autocannon run, every response time recorded. */
async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  const fill = (template: string) => {
    const id = spec.ids[next % spec.ids.length]!;
    return template.replaceAll('{id}', String(id));
  };
  const latencies: number[] = [];
  const started = performance.now();
  let done!: (outcome: { error?: unknown; result?: autocannon.Result }) => void;
  const finished = new Promise<{ error?: unknown; result?: autocannon.Result }>((resolve) => {
    done = resolve;
  });
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      duration: spec.seconds,
      method: spec.method,
      headers: spec.headers,
      ...(spec.rate !== undefined && { overallRate: spec.rate }),
      requests: [
        {
          setupRequest: (request) => {
            next++;
            return {
              ...request,
              path: fill(spec.path),
              ...(spec.body !== undefined && { body: fill(spec.body) }),
            };
          },
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => done({ error, result }),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const { error, result } = await finished;
  if (error || !result) throw error instanceof Error ? error : new Error(String(error));
  return {
    latencies,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface LoadProcess {
  run(spec: LoadSpec): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** The load generator child, ready for runs (one at a time). */
export async function startLoadProcess(): Promise<LoadProcess> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load process exited with ${code}`)));
  });
  return {
    run: (spec) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`load process exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (message) => {
          child.off('exit', onExit);
          const reply = message as { result?: LoadResult; error?: string };
          if (reply.result) resolve(reply.result);
          else reject(new Error(`load run failed: ${reply.error}`));
        });
        child.send(spec);
      }),
    stop: () => stopProcess(child),
  };
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  count: number;
}

/** Exact percentiles (nearest rank) of `samples`, ms. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    count: sorted.length,
  };
}

/**
 * CPU time (user + system) a process has used so far, ms, from `/proc/<pid>/stat` (Linux; 10 ms
 * ticks). Undefined where /proc is not available.
 */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux Node supports. */
const CLOCK_TICKS_PER_S = 100;

if (process.argv.includes('--child')) {
  process.on('message', (spec: LoadSpec) => {
    runLoad(spec).then(
      (result) => process.send!({ result }),
      (error: unknown) => process.send!({ error: String(error) }),
    );
  });
  process.once('SIGTERM', () => process.exit(0));
  process.send!('ready');
}
