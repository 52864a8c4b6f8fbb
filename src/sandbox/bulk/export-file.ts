/**
 * Streams an export file to disk, hashing as it writes, so files of hundreds of MB never sit in
 * memory. Rows are encoded into ~1 MB buffers (one write + one hash update per batch); the writer
 * awaits `drain` or yields to the event loop after each batch, so the sandbox stays responsive.
 * The file appears under its final name only when complete: Marketo never exposes partial files.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Dialect } from './delimited.js';

export interface ExportFileStats {
  numberOfRecords: number;
  fileSize: number;
  /** `sha256:` + lowercase hex of the exact bytes. */
  fileChecksum: string;
}

const BATCH_BYTES = 1 << 20;

/**
 * One export record with its LF, in Marketo's convention: empty → `null`, booleans `true/false`,
 * objects (activity `attributes`) as JSON, RFC-4180 quoting. Inlined type dispatch: this runs
 * once per cell of files with tens of millions of cells.
 */
export function exportLine(values: readonly unknown[], dialect: Dialect): string {
  const { delimiter, cell } = dialect;
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += delimiter;
    const value = values[i];
    if (typeof value === 'string') line += value === '' ? 'null' : cell(value);
    else if (typeof value === 'number') line += Number.isFinite(value) ? value : 'null';
    else if (typeof value === 'boolean') line += value ? 'true' : 'false';
    else if (value === null || value === undefined) line += 'null';
    else line += cell(typeof value === 'bigint' ? String(value) : JSON.stringify(value));
  }
  return `${line}\n`;
}

export async function writeExportFile(options: {
  path: string;
  dialect: Dialect;
  header: readonly string[];
  /** Rows of raw values in column order; pulled lazily while writing. */
  rows: Iterable<readonly unknown[]>;
  signal?: AbortSignal;
}): Promise<ExportFileStats> {
  const { path, dialect, header, rows, signal } = options;
  const partPath = `${path}.part`;
  const out = createWriteStream(partPath, { highWaterMark: 8 * BATCH_BYTES });
  const hash = createHash('sha256');
  let fileSize = 0;
  let numberOfRecords = 0;
  const failure = new Promise<never>((_, reject) => {
    out.once('error', reject);
  });
  failure.catch(() => {});

  // Lines are encoded straight into a fresh 1 MB buffer (no giant string ropes to flatten).
  let batch = Buffer.allocUnsafe(BATCH_BYTES);
  let used = 0;
  const flush = async () => {
    if (used === 0) return;
    const bytes = batch.subarray(0, used);
    batch = Buffer.allocUnsafe(BATCH_BYTES);
    used = 0;
    hash.update(bytes);
    fileSize += bytes.length;
    if (!out.write(bytes)) await Promise.race([once(out, 'drain'), failure]);
    // Yield once per batch even when the disk keeps up, so other requests are served meanwhile.
    else await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
  const append = async (line: string) => {
    const maxBytes = line.length * 3;
    if (used + maxBytes > batch.length) {
      await flush();
      if (maxBytes > batch.length) batch = Buffer.allocUnsafe(maxBytes);
    }
    used += batch.write(line, used);
  };

  try {
    await Promise.race([once(out, 'open'), failure]);
    signal?.throwIfAborted();
    await append(dialect.row(header));
    for (const values of rows) {
      const line = exportLine(values, dialect);
      numberOfRecords++;
      // Only await when a batch is full: an `await` per row would cost more than the formatting.
      if (used + line.length * 3 > batch.length) await append(line);
      else used += batch.write(line, used);
    }
    await flush();
    out.end();
    await Promise.race([once(out, 'finish'), failure]);
    await rename(partPath, path);
  } catch (error) {
    out.destroy();
    await rm(partPath, { force: true });
    throw error;
  }
  return { numberOfRecords, fileSize, fileChecksum: `sha256:${hash.digest('hex')}` };
}
