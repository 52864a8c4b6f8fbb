/**
 * Disk faults are errors, not hangs, in the real process: a data directory that cannot be written
 * stops the start at once (exit 1, the variable named); a directory that becomes unusable while
 * an import runs fails that import with DISK_WRITE_FAILED while an export goes on, `/ready` names
 * the directory until a write there succeeds again, and SIGTERM still ends the process (exit 0).
 * As root, chmod stops nothing: the directory is replaced by a regular file (ENOTDIR).
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type GatewayProcess,
  killLeftovers,
  launchGateway,
  spawnGateway,
} from '../helpers/gateway-process.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const DAY = 86_400_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-disk-faults-'));
});
afterEach(() => killLeftovers());
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('an unusable data directory at start', () => {
  it('stops the process with exit code 1 and a message naming the variable', async () => {
    const file = join(root, 'not-a-directory');
    await writeFile(file, '');
    const outcome = async (env: Record<string, string>) => {
      const gateway = launchGateway(env);
      return { exit: await gateway.exited, output: gateway.output() };
    };
    const [exportDir, importDir] = await Promise.all([
      outcome({ EXPORT_DATA_DIR: join(file, 'exports') }),
      outcome({ IMPORT_DATA_DIR: join(file, 'imports') }),
    ]);
    expect(exportDir.exit).toEqual({ code: 1, signal: null });
    expect(exportDir.output).toMatch(
      /configuration error: EXPORT_DATA_DIR: .* is not a writable directory \(ENOTDIR\)/,
    );
    expect(importDir.exit).toEqual({ code: 1, signal: null });
    expect(importDir.output).toMatch(
      /configuration error: IMPORT_DATA_DIR: .* is not a writable directory \(ENOTDIR\)/,
    );
  }, 120_000);
});

interface Job {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  parts: Array<{ batchId: string | null; waiting: string | null; error: { code: string } | null }>;
}

const IMPORT = `mutation ($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id status } ... on Error { code message } } }`;
const IMPORT_JOB = `query ($id: ID!) {
  importJob(id: $id) { id status error { code message } parts { batchId waiting error { code } } }
}`;
const EXPORT = `mutation ($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }`;
const EXPORT_JOB = `query ($id: ID!) { exportJob(id: $id) { id status rowCount error { code } } }`;

/** Asks again (every 50 ms) until `check` gives a value; the test's timeout bounds it. */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function csv(prefix: string, rows: number): string {
  const lines = ['email,firstName'];
  for (let n = 1; n <= rows; n++)
    lines.push(`${prefix}-${String(n).padStart(6, '0')}@example.com,N${n}`);
  return `${lines.join('\n')}\n`;
}

describe('a data directory that fails while an import runs', () => {
  let sandbox: TestSandbox;
  let gateway: GatewayProcess;
  let importDir: string;
  const timeScale = 20;

  beforeAll(async () => {
    // One import at a time, each file of ~1,000 rows taking ~4 s real: the second part waits
    // (1016) in the gateway's queue long after the first was accepted.
    sandbox = await startTestSandbox({
      timeScale,
      leads: 200,
      bulk: { importQueue: 1, importProcessing: 1, importMsPer1000Rows: 4_000 * timeScale },
    });
    importDir = join(root, 'imports');
    gateway = await spawnGateway({
      MARKETO_BASE_URL: sandbox.url,
      MARKETO_CLIENT_ID: sandbox.clientId,
      MARKETO_CLIENT_SECRET: sandbox.clientSecret,
      MARKETO_TIME_SCALE: String(timeScale),
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      IMPORT_DATA_DIR: importDir,
      EXPORT_DATA_DIR: join(root, 'exports'),
      IMPORT_MAX_FILE_BYTES: '32768',
      IMPORT_POLL_INTERVAL_MS: '50',
      EXPORT_POLL_INTERVAL_MS: '50',
      GATEWAY_SHUTDOWN_GRACE_MS: '3000',
    });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
  });

  it('fails that import with DISK_WRITE_FAILED, lets an export finish, reports it on /ready, and stops on SIGTERM', async () => {
    const started = await gateway.graphql<{ importLeads: { id: string } }>(IMPORT, {
      input: { data: csv('disk', 4_000) },
    });
    expect(started.errors).toBeUndefined();
    const id = started.data?.importLeads.id ?? '';
    const readJob = async () =>
      (await gateway.graphql<{ importJob: Job }>(IMPORT_JOB, { id })).data?.importJob;
    await until(async () => {
      const job = await readJob();
      return job?.parts.some((p) => p.waiting !== null) ? job : undefined;
    });

    // The directory becomes unusable: every later write under it fails with ENOTDIR.
    await rename(importDir, `${importDir}.moved`);
    // The gateway may recreate the directory at once (a job file save): until a file holds the
    // name, what it recreated goes too.
    await until(async () => {
      // The gateway writing into it while it goes (ENOTEMPTY) only means: once more.
      await rm(importDir, { recursive: true, force: true }).catch(() => undefined);
      return writeFile(importDir, '', { flag: 'wx' }).then(
        () => true,
        () => undefined,
      );
    });

    const now = sandbox.clock.now();
    const exported = await gateway.graphql<{ createExportJob: { id: string } }>(EXPORT, {
      input: {
        fields: ['id', 'email'],
        filter: {
          createdAt: {
            startAt: new Date(now - 20 * DAY).toISOString(),
            endAt: new Date(now).toISOString(),
          },
        },
      },
    });
    expect(exported.errors).toBeUndefined();
    const exportId = exported.data?.createExportJob.id ?? '';

    const ended = await until(async () => {
      const job = await readJob();
      return job && ['COMPLETE', 'PARTIAL', 'FAILED'].includes(job.status) ? job : undefined;
    });
    expect(['PARTIAL', 'FAILED']).toContain(ended.status);
    const codes = [ended.error?.code, ...ended.parts.map((p) => p.error?.code)];
    expect(codes).toContain('DISK_WRITE_FAILED');

    // The export's directory is fine: it finishes.
    const ready = await until(async () => {
      const job = (
        await gateway.graphql<{ exportJob: { status: string } }>(EXPORT_JOB, { id: exportId })
      ).data?.exportJob;
      return job && ['READY', 'FAILED', 'CANCELLED'].includes(job.status) ? job : undefined;
    });
    expect(ready.status).toBe('READY');

    const notReady = await fetch(`${gateway.url}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain(importDir);
    // One line per failure episode: never two failures without a recovery between them (the
    // gateway may have written once more while the test swapped the directory for a file).
    const episodes = gateway.lines
      .filter((l) => l.msg === 'disk write failed' || l.msg === 'disk writes work again')
      .map((l) => (l.msg === 'disk write failed' ? 'failed' : 'works'));
    expect(episodes.at(-1)).toBe('failed');
    expect(episodes.join(',')).not.toContain('failed,failed');

    // Usable again: the next write there (a new import's) succeeds and /ready says 200.
    await rm(importDir);
    await rename(`${importDir}.moved`, importDir);
    const small = await gateway.graphql<{ importLeads: { id: string } }>(IMPORT, {
      input: { data: csv('again', 3) },
    });
    expect(small.errors).toBeUndefined();
    await until(async () =>
      (await fetch(`${gateway.url}/ready`)).status === 200 ? true : undefined,
    );
    expect(gateway.lines.some((l) => l.msg === 'disk writes work again')).toBe(true);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
