/**
 * Downloads one export file to disk, verified: resumes from the bytes already on disk (after a
 * drop the client could not recover, or a restart), retries with backoff, checks SHA-256 against
 * Marketo's `fileChecksum` (downloading once more on a mismatch). Memory stays at one buffer.
 * Every byte is handed to `onBytes` once, in file order, as it is written to disk (one pass:
 * the caller parses while the download goes on).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MarketoError } from '../marketo/errors.js';

export type DownloadFailureCode = 'FILE_EXPIRED' | 'DOWNLOAD_FAILED' | 'CHECKSUM_MISMATCH';

export class DownloadFailure extends Error {
  constructor(
    readonly code: DownloadFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadFailure';
  }
}

export interface VerifiedDownloadOptions {
  /** The file from byte `start` (the Marketo client's Range-resuming stream). */
  open(start: number): Readable;
  file: string;
  fileSize?: number;
  /** Marketo's `sha256:<hex>`. */
  checksum?: string;
  /** For messages: `export 3fadb012-…`. */
  what: string;
  attempts: number;
  retryDelayMs: number;
  sleep(realMs: number): Promise<void>;
  signal: AbortSignal;
  onProgress(bytes: number): void;
  /**
   * The file's bytes in order, each once (those already on disk first), hashed and being
   * written; a returned promise holds the download back until the consumer caught up.
   */
  onBytes?(chunk: Buffer): Promise<void> | undefined;
  /** The file is fetched again from byte 0 (checksum mismatch): every byte handed out is void. */
  onRestart?(): Promise<void>;
  onRetry?(info: { bytes: number; attempts: number; error: unknown }): void;
}

const WRITE_BATCH = 1024 * 1024;

/**
 * Real ms of hashing and parsing done in one turn of the event loop before requests waiting
 * behind it are let in: a batch parsed in one go held reads for 150 ms while the parser's code
 * was still cold (a first-row read took 147 ms of a 174 ms first row).
 */
const TURN_MS = 4;

function isNotFound(error: unknown): boolean {
  return error instanceof MarketoError && (error.httpStatus === 404 || error.code === 'HTTP_404');
}

/** Resolves with the file's size once it is complete and verified; throws DownloadFailure. */
export async function downloadVerified(options: VerifiedDownloadOptions): Promise<number> {
  const { file, fileSize, signal } = options;
  const expected = options.checksum?.replace(/^sha256:/i, '').toLowerCase();
  let fetchedAgain = false;
  let attempts = 0;
  // What is on disk is the truth: resume from its size, hashing (and handing out) it again.
  // Within this call hash and size carry over between attempts: the disk has just what was hashed.
  let hash = createHash('sha256');
  let bytes = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (bytes > 0) {
    await pipeline(createReadStream(file, { end: bytes - 1, signal }), async (source) => {
      for await (const chunk of source) {
        hash.update(chunk as Buffer);
        const wait = options.onBytes?.(chunk as Buffer);
        if (wait) await wait;
      }
    });
  }
  for (;;) {
    let failure: unknown;
    const handle = await open(file, 'a');
    try {
      if (fileSize === undefined || bytes < fileSize) {
        const stream = options.open(bytes);
        let buffered: Buffer[] = [];
        let bufferedBytes = 0;
        const flush = async () => {
          if (bufferedBytes === 0) return;
          const chunks = buffered;
          const size = bufferedBytes;
          buffered = [];
          bufferedBytes = 0;
          // One write for the batch (no copy into one buffer); hashed and parsed while it runs
          // on the thread pool. Rows of bytes not yet on disk are dropped with the part on a restart.
          const written = handle.writev(chunks);
          written.catch(() => {}); // observed below, whatever the consumer does
          for (const chunk of chunks) hash.update(chunk);
          try {
            let turn = performance.now();
            for (const chunk of chunks) {
              const wait = options.onBytes?.(chunk);
              if (wait) await wait;
              if (performance.now() - turn >= TURN_MS) {
                await nextTurn();
                turn = performance.now();
              }
            }
          } finally {
            await written;
            bytes += size;
            options.onProgress(bytes);
          }
        };
        try {
          for await (const chunk of stream) {
            buffered.push(chunk as Buffer);
            bufferedBytes += (chunk as Buffer).length;
            // The file's first bytes go on at once: they hold the first rows a reader waits for.
            if (bufferedBytes >= WRITE_BATCH || bytes === 0) await flush();
          }
        } catch (error) {
          failure = error;
        } finally {
          // Bytes received before a drop are good: keep them and resume after them.
          await flush();
          stream.destroy();
        }
        if (!failure && fileSize !== undefined && bytes < fileSize) {
          failure = new Error(`the file ended at ${bytes} of ${fileSize} bytes`);
        }
      }
    } finally {
      await handle.close();
    }
    if (signal.aborted) throw signal.reason;
    if (failure) {
      if (isNotFound(failure)) {
        throw new DownloadFailure(
          'FILE_EXPIRED',
          `Marketo no longer has the file of ${options.what} (HTTP 404: expired or never written)`,
        );
      }
      attempts++;
      options.onRetry?.({ bytes, attempts, error: failure });
      if (attempts >= options.attempts) {
        throw new DownloadFailure(
          'DOWNLOAD_FAILED',
          `Download of ${options.what} failed ${attempts} times (at ${bytes} of ${fileSize ?? '?'} bytes): ${failure instanceof Error ? failure.message : String(failure)}`,
        );
      }
      await options.sleep(options.retryDelayMs * 2 ** (attempts - 1));
      continue;
    }
    const actual = hash.digest('hex');
    if (expected && actual !== expected) {
      await rm(file, { force: true });
      if (!fetchedAgain) {
        fetchedAgain = true;
        options.onRetry?.({ bytes, attempts, error: new Error('checksum mismatch') });
        hash = createHash('sha256');
        bytes = 0;
        await options.onRestart?.();
        continue;
      }
      throw new DownloadFailure(
        'CHECKSUM_MISMATCH',
        `The file of ${options.what} does not match Marketo's fileChecksum (sha256:${expected}, got sha256:${actual})`,
      );
    }
    return bytes;
  }
}
