/**
 * Helpers shared by the benches: child processes that print their URL when listening (the
 * sandbox, a gateway), so the RSS and CPU a bench measures belong to one process alone, and the
 * JSON results file under `bench/results/` (git-ignored).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../scripts/build.js';
import type { Config } from '../src/config.js';
import { createGateway, type Gateway, type GatewayOptions } from '../src/server.js';

/**
 * How measured processes run: `compiled` (default) as `npm run build` ships the gateway, bundled
 * by esbuild and run by plain node; `tsx` (BENCH_RUNTIME=tsx) as `npm start` runs it, compiling
 * TypeScript on load in a loader thread (about 60 MB more RSS, slower start).
 */
export const RUNTIME = process.env.BENCH_RUNTIME === 'tsx' ? 'tsx' : 'compiled';

/**
 * V8 flags of every bench's gateway process (BENCH_GATEWAY_NODE_ARGS; by default those of
 * `start:prod`, as it runs: `--max-semi-space-size=8 --heap-growing-percent=50`). `--max-old-space-size=160` shows how much of a peak is
 * GC slack (50 MB export: 150 MB instead of 260–290 MB); it is not shipped, a 1,000,000-row SYNC
 * JSON body needs far more.
 */
export const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? startProdNodeArgs())
  .split(' ')
  .filter(Boolean);

/** The node flags of package.json's `start:prod` (`node <flags> dist/main.js`). */
function startProdNodeArgs(): string {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts['start:prod'] ?? '').split(' ');
  return words.filter((word, i) => i > 0 && word.startsWith('--')).join(' ');
}

const bundles = new Map<string, Promise<string>>();

/** `script` bundled into bench/results/.build/ (dependencies stay in node_modules), once a run. */
function bundled(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    const outfile = join('bench', 'results', '.build', `${basename(script, '.ts')}.mjs`);
    out = build({ ...NODE_BUNDLE, entryPoints: [script], outfile }).then(() => outfile);
    bundles.set(script, out);
  }
  return out;
}

/**
 * Runs `script` (see RUNTIME) with `nodeArgs` and `env` added, resolving with the first
 * `listening on http://…` URL it prints on stdout. `ipc` opens a message channel to it.
 */
export async function spawnListening(
  script: string,
  options: {
    args?: string[];
    env?: Record<string, string>;
    ipc?: boolean;
    /** Node flags before the script, e.g. `--expose-gc`. */
    nodeArgs?: string[];
  } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const entry =
    RUNTIME === 'tsx'
      ? ['--import', 'tsx', script]
      : ['--enable-source-maps', await bundled(script)];
  const argv = [...(options.nodeArgs ?? []), ...entry, ...(options.args ?? [])];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url, child };
}

/** The Marketo sandbox (`src/sandbox/main.ts`) in a child process; `env` holds SANDBOX_* settings. */
export function startSandboxProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  return spawnListening('src/sandbox/main.ts', { env: { SANDBOX_PORT: '0', ...env } });
}

/** Stops a child process and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Writes `bench/results/<name>.json`; returns its path. */
export async function writeResults(name: string, results: unknown): Promise<string> {
  const dir = join('bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export const MB = 1024 * 1024;
export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** A figure next to its target: `ok`, or `MISSED` so a missed target cannot be overlooked. */
export const pass = (ok: boolean) => (ok ? 'ok' : 'MISSED');

/** A plain-text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `2026-11-23T13-51-02Z`: a file-name-safe UTC timestamp for results files. */
export const stamp = (date = new Date()) =>
  `${date.toISOString().slice(0, 19).replaceAll(':', '-')}Z`;

/**
 * Child role: serves `createGateway(config, options(dataDir))` on an ephemeral port, its export and
 * import files in a temporary `dataDir` removed on SIGTERM, and prints `gateway listening on <url>`
 * for `spawnListening`.
 */
export async function serveGateway(
  config: Config,
  options: (dataDir: string) => GatewayOptions,
): Promise<Gateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-gateway-'));
  const gateway = await createGateway(config, options(dataDir));
  const url = await gateway.start(0, config.host ?? '127.0.0.1');
  process.once('SIGTERM', () => {
    gateway
      .stop()
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
  process.stdout.write(`gateway listening on ${url}\n`);
  return gateway;
}

/** The next IPC message of `child` that `accept` takes; an `{ error }` message rejects. */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (m: unknown) => m is T,
  ms = 120_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no answer from process ${child.pid} within ${ms} ms`));
    }, ms);
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'error' in message) {
        clearTimeout(timer);
        child.off('message', onMessage);
        reject(new Error(String((message as { error: unknown }).error)));
      } else if (accept(message)) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
  });
}

/** A guard for IPC messages that carry `key`. */
export const has =
  <K extends string>(key: K) =>
  <T>(m: unknown): m is T =>
    typeof m === 'object' && m !== null && key in m;
