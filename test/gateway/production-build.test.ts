/**
 * `npm run build` then `npm run start:prod`: the bundled gateway starts on plain node (no tsx),
 * with the embedded sandbox, and answers a query and its health checks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../scripts/build.js';

let outdir: string;
let child: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  // Inside the project, so the bundle finds its packages in node_modules as dist/ does.
  const cache = join('node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  outdir = await mkdtemp(join(cache, 'gateway-build-'));
  await buildGateway(outdir);
  const started = spawn(process.execPath, ['--enable-source-maps', join(outdir, 'main.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = started;
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: started.stdout! }).on('line', (text) => {
      const line = /^\{/.test(text) ? (JSON.parse(text) as { msg?: string; url?: string }) : {};
      if (line.msg === 'gateway listening') resolve(String(line.url).replace(/\/graphql$/, ''));
    });
    started.once('exit', (code) => reject(new Error(`the built gateway exited (${code})`)));
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('starts on plain node with the embedded sandbox and answers queries and health checks', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ lead(id: 1) { id } }' }),
    });
    expect(await response.json()).toMatchObject({ data: { lead: { id: 1 } } });
  });
});
