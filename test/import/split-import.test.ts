import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restCalls, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import {
  type ImportJobView,
  StartImport,
  subscribeSse,
  waitForImport,
} from '../helpers/imports.js';
import { payload } from '../helpers/outcome.js';

const ROWS = 100_000;
const MAX_FILE_BYTES = 800_000;
/** Rows the sandbox fails (text in an integer field) and warns about (invalid email, not the lookup). */
const fails = (n: number) => n % 997 === 0;
const warns = (n: number) => n % 1009 === 0;
const email = (n: number) => `bulk-${n}@import.test`;
/** Every 500th name needs quoting: a delimiter, a quote and a line break inside one cell. */
const firstName = (n: number) => (n % 500 === 0 ? `Smith, "J"\nno. ${n}` : `Name${n}`);

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function delimitedInput(): string {
  const lines = ['email,firstName,integer_field,email_field'];
  for (let n = 1; n <= ROWS; n++) {
    lines.push(
      [
        email(n),
        csvCell(firstName(n)),
        fails(n) ? `x${n}` : String(n),
        warns(n) ? 'not-an-email' : '',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    // Two places in Marketo's import queue, and imports slow enough (~3 s real a file) that the
    // gateway always has files ready before a place frees up, however loaded the machine (each
    // upload is preceded by a durable write of its intent): the later files must wait for 1016.
    sandbox: { leads: 1_000, bulk: { importQueue: 2, importMsPer1000Rows: 15_000 } },
    importJobs: { maxFileBytes: MAX_FILE_BYTES, pollIntervalMs: 100, queueRetryMs: 100 },
  });
});

afterAll(async () => {
  await gw?.stop();
});

describe('an import larger than one Marketo file', () => {
  let job: ImportJobView;
  let events: Array<{ data?: { importJobStatus: { status: string } } }>;

  beforeAll(async () => {
    const started = await gw.execute(StartImport, { input: { data: delimitedInput() } });
    expect(started.errors).toBeUndefined();
    const id = payload(started.data?.importLeads).id ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/); // split: the gateway's own id
    events = await subscribeSse(
      gw,
      'subscription ($id: ID!) { importJobStatus(id: $id) { status rowsProcessed } }',
      { id },
    );
    job = await waitForImport(gw, id);
  }, 60_000);

  it('is split on row boundaries into files under the limit, each imported once', () => {
    expect(job.status).toBe('COMPLETE');
    expect(job.parts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(job.batchIds).size).toBe(job.parts.length);
    let next = 1;
    for (const part of job.parts) {
      expect(part.bytes).toBeLessThanOrEqual(MAX_FILE_BYTES);
      expect(part.firstRow).toBe(next);
      expect(part.marketoStatus).toBe('Complete');
      next += part.rows;
    }
    expect(next - 1).toBe(ROWS);
    expect(job.rowsTotal).toBe(ROWS);
  });

  it("waits in the gateway's queue while Marketo's import queue is full", async () => {
    const stats = await gw.stats();
    expect(stats.errors['1016'] ?? 0).toBeGreaterThan(0);
  });

  it('sums the counters of every Marketo job', () => {
    const failed = Array.from({ length: ROWS }, (_, i) => i + 1).filter(fails);
    const warned = Array.from({ length: ROWS }, (_, i) => i + 1).filter(warns);
    expect(job.rowsFailed).toBe(failed.length);
    expect(job.rowsWithWarning).toBe(warned.length);
    expect(job.rowsProcessed).toBe(ROWS - failed.length);
  });

  it('returns every rejected row with its original row number and reason, failures and warnings apart', () => {
    const failed = Array.from({ length: ROWS }, (_, i) => i + 1).filter(fails);
    expect(job.failures.map((f) => f.rowNumber)).toEqual(failed);
    for (const failure of job.failures) {
      const n = failure.rowNumber ?? 0;
      expect(failure.reason).toMatch(/^Invalid data type in field /);
      expect(failure.row).toMatchObject({ email: email(n), integer_field: `x${n}` });
      expect(job.batchIds).toContain(failure.batchId);
    }
    const warned = Array.from({ length: ROWS }, (_, i) => i + 1).filter(warns);
    expect(job.warnings.map((w) => w.rowNumber)).toEqual(warned);
    for (const warning of job.warnings) {
      expect(warning.reason).toBe('Invalid email address');
      expect(warning.row).toMatchObject({ email: email(warning.rowNumber ?? 0) });
    }
  });

  it('leaves every other row in Marketo exactly once, quoted cells intact', () => {
    const emailField = gw.store.field('email');
    expect(emailField).toBeDefined();
    for (let n = 1; n <= ROWS; n++) {
      const ids = gw.store.leadIdsBy(emailField!, email(n));
      expect(ids.length, `row ${n}`).toBe(fails(n) ? 0 : 1);
      if (n % 500 === 0 && !fails(n)) {
        expect(gw.store.lead(ids[0]!)?.firstName).toBe(firstName(n));
      }
    }
  });

  it('publishes its progress to subscribers until it is finished', () => {
    const statuses = events.map((e) => e.data?.importJobStatus.status);
    expect(statuses.at(-1)).toBe('COMPLETE');
    expect(statuses).toContain('IMPORTING');
  });

  it('is found by any of its Marketo batch ids', async () => {
    const byBatch = await waitForImport(gw, job.batchIds[1] ?? '');
    expect(byBatch.id).toBe(job.id);
    expect(restCalls(await gw.stats())).toBeGreaterThan(0);
  });
});
