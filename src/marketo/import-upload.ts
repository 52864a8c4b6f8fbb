/**
 * Bulk lead import upload (§9.1): the file goes out as a streamed `multipart/form-data` body, never
 * buffered by us. Splitting input above Marketo's 10 MB limit is the gateway's job; an oversize
 * upload is stopped locally with HTTP_413 rather than sent.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DelimitedFormat } from './api.js';
import { MarketoError } from './errors.js';

export const IMPORT_MAX_BYTES = 10 * 1024 * 1024;
/**
 * Largest import file the gateway writes: Marketo's 10 MB limit applies to the request body, so
 * the multipart envelope around the file (boundary lines, part headers: ~200 bytes) must fit too.
 */
export const IMPORT_FILE_MAX_BYTES = IMPORT_MAX_BYTES - 4096;

/**
 * The file to upload. A function opens it afresh for each attempt (a file on disk), so the call
 * can be replayed after a rejection at the door (601/602/606/615) like an in-memory body.
 */
export type ImportFile =
  Readable | AsyncIterable<Uint8Array> | Buffer | string | (() => AsyncIterable<Uint8Array>);

const CONTENT_TYPES: Record<DelimitedFormat, string> = {
  CSV: 'text/csv',
  TSV: 'text/tab-separated-values',
  SSV: 'text/plain',
};

export interface MultipartUpload {
  contentType: string;
  /** A fresh body each call when the file is in memory; a stream can only be sent once. */
  body(): Readable;
  replayable: boolean;
  /** Set once the body has passed the size limit. */
  readonly oversize: boolean;
}

export function multipartUpload(
  file: ImportFile,
  format: DelimitedFormat,
  maxBytes = IMPORT_MAX_BYTES,
): MultipartUpload {
  const boundary = `----marketo-gateway-${randomBytes(12).toString('hex')}`;
  const ext = format.toLowerCase();
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="leads.${ext}"\r\n` +
      `Content-Type: ${CONTENT_TYPES[format]}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const inMemory = typeof file === 'string' || Buffer.isBuffer(file);
  const whole = typeof file === 'string' ? Buffer.from(file, 'utf8') : inMemory ? file : undefined;
  const reopen = typeof file === 'function' ? file : undefined;
  if (whole && whole.length > maxBytes) {
    throw new MarketoError({
      code: 'HTTP_413',
      message: `Import file is ${whole.length} bytes; Marketo accepts less than ${maxBytes}`,
      endpoint: 'POST /bulk/v1/leads.json',
    });
  }
  let oversize = false;
  let used = false;

  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    if (whole) {
      yield whole;
    } else {
      let size = 0;
      const source = reopen ? reopen() : (file as AsyncIterable<Uint8Array | string>);
      for await (const chunk of source) {
        // A view, not a copy: copying each chunk of a 10 MB file doubled its garbage.
        const buf =
          typeof chunk === 'string'
            ? Buffer.from(chunk)
            : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        size += buf.length;
        if (size > maxBytes) {
          oversize = true;
          throw new MarketoError({
            code: 'HTTP_413',
            message: `Import file exceeds Marketo's limit of ${maxBytes} bytes`,
            endpoint: 'POST /bulk/v1/leads.json',
          });
        }
        yield buf;
      }
    }
    yield tail;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: () => {
      if (!whole && !reopen && used) throw new Error('an import stream can only be sent once');
      used = true;
      return Readable.from(parts(), { objectMode: false });
    },
    replayable: whole !== undefined || reopen !== undefined,
    get oversize() {
      return oversize;
    },
  };
}
