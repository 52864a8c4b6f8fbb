/**
 * Bulk export file download (§8.4) as a byte stream that never holds the whole file: each chunk is
 * passed on as it arrives (with backpressure), and a dropped connection is resumed from the byte
 * reached with `Range: bytes=<n>-`, so the consumer sees one seamless stream.
 */
import { Readable } from 'node:stream';
import type { CallContext } from './api.js';
import type { Core, ResponseHandler } from './call.js';
import { MarketoError } from './errors.js';
import { classifyTransportError } from './retry.js';
import { readText, type TransportResponse } from './transport.js';

export interface DownloadOptions {
  /** First byte to deliver (a caller resuming its own download). */
  start?: number;
  /** Total size when known (`fileSize` from the job status): ends the stream exactly there. */
  fileSize?: number;
  /** Resumes allowed without progress before giving up. */
  maxResumes?: number;
  /** Idle timeout per request, ms. */
  timeoutMs?: number;
}

interface Opened {
  response: TransportResponse;
  done: (error?: unknown) => void;
}

/** `bytes a-b/total` → a and total. */
function parseContentRange(value: unknown): { start: number; total?: number } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(String(value ?? '').trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  return m[3] === '*' ? { start } : { start, total: Number(m[3]) };
}

export function downloadFile(
  core: Core,
  ctx: CallContext,
  target: { path: string; endpoint: string },
  options: DownloadOptions = {},
): Readable {
  const maxResumes = options.maxResumes ?? 5;

  const open = (from: number): Promise<Opened> => {
    let done: (error?: unknown) => void = () => {};
    const handler: ResponseHandler<TransportResponse> = async (response) => {
      if (response.status === 200 || response.status === 206) {
        return {
          ok: true,
          value: response,
          recordsRead: 0,
          hold: (finish) => {
            done = finish;
          },
        };
      }
      const text = (await readText(response.body, 300)).trim();
      return {
        ok: false,
        code: `HTTP_${response.status}`,
        message: text || `HTTP ${response.status}`,
        httpStatus: response.status,
      };
    };
    return core
      .execute(
        {
          method: 'GET',
          path: target.path,
          endpoint: target.endpoint,
          idempotent: true,
          compress: false,
          // The body may take long to read; the idle timeout guards it, not the call deadline.
          deadlineMs: Number.POSITIVE_INFINITY,
          ...(from > 0 && { headers: { range: `bytes=${from}-` } }),
          ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
        },
        ctx,
        handler,
      )
      .then((response) => ({ response, done }));
  };

  async function* bytes(): AsyncGenerator<Buffer> {
    let pos = options.start ?? 0;
    let total = options.fileSize;
    let resumesWithoutProgress = 0;
    while (total === undefined || pos < total) {
      const { response, done } = await open(pos);
      let skip = 0;
      if (response.status === 206) {
        const range = parseContentRange(response.headers['content-range']);
        if (range?.total !== undefined) total = range.total;
        if (range && range.start !== pos) {
          done();
          await response.dump();
          throw new MarketoError({
            code: 'BAD_RESPONSE',
            message: `Asked for bytes from ${pos}, Marketo sent from ${range.start}`,
            endpoint: target.endpoint,
          });
        }
      } else {
        // 200: the whole file from byte 0 (no Range, or Range ignored).
        skip = pos;
        const length = Number(response.headers['content-length']);
        if (Number.isFinite(length) && total === undefined) total = length;
      }
      const before = pos;
      let failure: unknown;
      try {
        for await (const chunk of response.body) {
          let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
          if (skip > 0) {
            const cut = Math.min(skip, buf.length);
            skip -= cut;
            buf = buf.subarray(cut);
            if (buf.length === 0) continue;
          }
          if (total !== undefined && pos + buf.length > total) buf = buf.subarray(0, total - pos);
          pos += buf.length;
          yield buf;
        }
      } catch (error) {
        failure = error;
      } finally {
        // Runs on success, on a dropped connection, and when the consumer stops reading early.
        done(failure);
        if (!response.body.readableEnded) await response.dump();
      }
      if (failure === undefined && (total === undefined || pos >= total)) return;
      if (ctx.signal?.aborted) {
        throw new MarketoError(
          {
            code: 'ABORTED',
            message: 'The download was aborted by the caller',
            endpoint: target.endpoint,
          },
          { cause: failure },
        );
      }
      resumesWithoutProgress = pos > before ? 0 : resumesWithoutProgress + 1;
      if (resumesWithoutProgress > maxResumes) {
        const code = failure === undefined ? 'TRUNCATED' : classifyTransportError(failure).code;
        throw new MarketoError(
          {
            code: 'TRANSPORT',
            message: `Download stopped at byte ${pos} (${code}) and could not be resumed`,
            endpoint: target.endpoint,
            causeCode: code,
            retryable: true,
          },
          { cause: failure },
        );
      }
    }
  }

  return Readable.from(bytes(), { objectMode: false, highWaterMark: 64 * 1024 });
}
