import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadVerified } from '../../src/bulk/download.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Busy for `ms` of real time, as a parse of a chunk is (nothing else runs meanwhile). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('a download feeding the parse', () => {
  it('lets other work of the process run between the chunks of a batch being parsed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'download-'));
    dirs.push(dir);
    // 2 MB in 64 KB chunks: batches of 1 MB (16 chunks) handed to the parse in one go.
    const chunks = Array.from({ length: 32 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const whole = Buffer.concat(chunks);
    let parsed = 0;
    /** How many chunks were parsed when a timer set as the first one came in got to run. */
    let parsedWhenOthersRan: number | undefined;
    const size = await downloadVerified({
      open: () => Readable.from(chunks),
      file: join(dir, 'part.download'),
      fileSize: whole.length,
      checksum: `sha256:${createHash('sha256').update(whole).digest('hex')}`,
      what: 'export test',
      attempts: 1,
      retryDelayMs: 0,
      sleep: async () => {},
      signal: new AbortController().signal,
      onProgress: () => {},
      onBytes: () => {
        if (parsed === 1) {
          setImmediate(() => {
            parsedWhenOthersRan ??= parsed;
          });
        }
        busy(2);
        parsed++;
        return undefined;
      },
    });
    expect(size).toBe(whole.length);
    expect(parsed).toBe(32);
    // Without turns the timer waits for the whole 1 MB batch (16 chunks, 32 ms of parsing).
    expect(parsedWhenOthersRan).toBeDefined();
    expect(parsedWhenOthersRan!).toBeLessThan(16);
  });
});
