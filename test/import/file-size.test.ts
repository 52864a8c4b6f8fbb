import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_MAX_BYTES } from '../../src/marketo/import-upload.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { StartImport, waitForImport } from '../helpers/imports.js';
import { payload } from '../helpers/outcome.js';

const HEADER = 'email,textarea_field\n';
const LINE = 1_000;
/** Rows of exactly LINE bytes, except the one that makes header + rows fill 10 MiB to the byte. */
const FILLING_ROW = Math.ceil((IMPORT_MAX_BYTES - HEADER.length) / LINE);
const ROWS = FILLING_ROW + 300;

function line(n: number): string {
  const email = `size-${n}@import.test`;
  const length =
    n === FILLING_ROW ? IMPORT_MAX_BYTES - HEADER.length - (FILLING_ROW - 1) * LINE : LINE;
  return `${email},${'x'.repeat(length - email.length - 2)}\n`;
}

let gw: TestGateway;

beforeAll(async () => {
  // Default file size: the split must leave room for the multipart envelope around each file.
  gw = await startTestGateway({
    sandbox: { leads: 100, bulk: { importMsPer1000Rows: 100 } },
    importJobs: { pollIntervalMs: 100, queueRetryMs: 100 },
  });
});

afterAll(async () => {
  await gw?.stop();
});

describe("files at Marketo's 10 MB limit", () => {
  it('never fills a file to 10 MiB: the multipart envelope must fit under the limit too', async () => {
    const lines = [HEADER];
    for (let n = 1; n <= ROWS; n++) lines.push(line(n));
    const data = lines.join('');
    // The first FILLING_ROW rows are exactly a 10 MiB file: one that, wrapped in multipart, would
    // be over Marketo's limit.
    expect(Buffer.byteLength(lines.slice(0, FILLING_ROW + 1).join(''))).toBe(IMPORT_MAX_BYTES);

    const started = await gw.execute(StartImport, { input: { data } });
    expect(started.errors).toBeUndefined();
    const job = await waitForImport(gw, payload(started.data?.importLeads).id ?? '');

    expect(job.error).toBeNull();
    expect(job.status).toBe('COMPLETE');
    expect(job.parts).toHaveLength(2);
    expect(job.rowsProcessed).toBe(ROWS);
    expect(job.rowsFailed).toBe(0);
    for (const part of job.parts) expect(part.bytes).toBeLessThan(IMPORT_MAX_BYTES);
  });
});
