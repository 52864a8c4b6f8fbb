/**
 * Without REDIS_URL, import jobs are kept in a JSON file under IMPORT_DATA_DIR with their part
 * files: a gateway restarted on the same directory follows the imports its previous run had
 * submitted to the end, failed rows still numbered as in the input, nothing submitted twice.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { gatewayConfigFor } from '../helpers/gateway.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const timeScale = 100;
const ROWS = 1_500;
/** About 600 rows per Marketo file: three parts. */
const MAX_FILE_BYTES = 24_000;
const fails = (n: number) => n % 89 === 0;

let sandbox: TestSandbox;
let dataDir: string;

beforeAll(async () => {
  // 1 000 rows take 200 s of Marketo time (2 s real): the first run stops mid-import.
  sandbox = await startTestSandbox({
    timeScale,
    leads: 500,
    bulk: { importMsPer1000Rows: 200_000 },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'import-restart-'));
});
afterAll(async () => {
  await sandbox?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startGateway(): Promise<{ gateway: Gateway; url: string }> {
  const gateway = await createGateway(gatewayConfigFor(sandbox, timeScale), {
    logger: silentLogger,
    exportJobs: { dataDir: join(dataDir, 'exports') },
    importJobs: {
      dataDir: join(dataDir, 'imports'),
      maxFileBytes: MAX_FILE_BYTES,
      pollIntervalMs: 40,
      queueRetryMs: 40,
    },
  });
  return { gateway, url: await gateway.start(0, '127.0.0.1') };
}

interface Result<T> {
  data?: T | null;
  errors?: Array<{ message: string }>;
}

async function query<T>(url: string, text: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as Result<T>;
}

const IMPORT = /* GraphQL */ `
  mutation RestartImportLeads($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }
`;
const JOB = /* GraphQL */ `
  query RestartImportJob($id: ID!) {
    importJob(id: $id) {
      status
      rowsTotal
      error { code }
      parts { batchId marketoStatus }
      failures { rowNumber row }
    }
  }
`;

interface JobView {
  importJob: {
    status: string;
    rowsTotal: number;
    error: { code: string } | null;
    parts: Array<{ batchId: string | null; marketoStatus: string }>;
    failures: Array<{ rowNumber: number | null; row: Record<string, string> }>;
  } | null;
}

async function jobUntil(
  url: string,
  id: string,
  check: (job: NonNullable<JobView['importJob']>) => boolean,
): Promise<NonNullable<JobView['importJob']>> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const result = await query<JobView>(url, JOB, { id });
    const job = result.data?.importJob;
    if (job && check(job)) return job;
    if (performance.now() > deadline) throw new Error(`import ${id}: ${JSON.stringify(result)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a gateway restarted on the same IMPORT_DATA_DIR', () => {
  it('follows a split import the previous run submitted to COMPLETE, failed rows numbered', async () => {
    const lines = ['email,firstName,integer_field'];
    for (let n = 1; n <= ROWS; n++) {
      lines.push(`restart-${n}@import.test,Name${n},${fails(n) ? `x${n}` : n}`);
    }
    const first = await startGateway();
    let id: string;
    let parts: number;
    try {
      const created = await query<{ importLeads: { id: string } }>(first.url, IMPORT, {
        input: { data: `${lines.join('\n')}\n` },
      });
      expect(created.errors).toBeUndefined();
      id = created.data!.importLeads.id;
      const submitted = await jobUntil(
        first.url,
        id,
        (job) => job.status !== 'SPLITTING' && job.parts.every((p) => p.batchId !== null),
      );
      expect(submitted.status).not.toBe('COMPLETE');
      expect(submitted.parts.length).toBeGreaterThanOrEqual(2);
      parts = submitted.parts.length;
    } finally {
      await first.gateway.stop();
    }

    const second = await startGateway();
    try {
      const job = await jobUntil(
        second.url,
        id,
        (j) => j.status !== 'IMPORTING' && j.status !== 'QUEUED',
      );
      expect(job.status).toBe('COMPLETE');
      expect(job.error).toBeNull();
      expect(job.rowsTotal).toBe(ROWS);
      expect(job.parts.every((p) => p.marketoStatus === 'Complete')).toBe(true);
      const failed = Array.from({ length: ROWS }, (_, i) => i + 1).filter(fails);
      expect(job.failures.map((f) => f.rowNumber)).toEqual(failed);
      for (const failure of job.failures) {
        expect(failure.row.integer_field).toBe(`x${failure.rowNumber}`);
      }
      // Followed, not started again.
      expect((await sandbox.stats()).importJobsCreated).toBe(parts);
      // Part files go once their import is finished.
      const deadline = performance.now() + 10_000;
      while ((await readdir(join(dataDir, 'imports', 'parts')).catch(() => [])).length > 0) {
        if (performance.now() > deadline) throw new Error('part files left behind');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await second.gateway.stop();
    }
  });
});
