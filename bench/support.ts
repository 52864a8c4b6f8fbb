/**
 * Helpers shared by the benches: child processes that print their URL when listening (the
 * sandbox, a gateway), so the RSS and CPU a bench measures belong to one process alone, and the
 * JSON results file under `bench/results/` (git-ignored).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Runs `node --import tsx <script> ...args` with `env` added, resolving with the first
 * `listening on http://…` URL it prints on stdout. `ipc` opens a message channel to it.
 */
export async function spawnListening(
  script: string,
  options: { args?: string[]; env?: Record<string, string>; ipc?: boolean } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
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
