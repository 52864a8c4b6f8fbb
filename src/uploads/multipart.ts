/**
 * The GraphQL multipart request spec (https://github.com/jaydenseric/graphql-multipart-request-spec),
 * streamed: `operations` and `map` are read as small fields, each file part goes straight to a
 * temp file through @fastify/busboy, and the variables get a `DiskFile` for it. Nothing of a file
 * is held in memory, and every limit is checked as early as the bytes allow: the number of files
 * as soon as `map` is read, a file's size against the declared Content-Length before its bytes
 * come, and while they come.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { GraphQLError } from 'graphql';
import { RowLengthGuard } from './row-guard.js';
import { DiskFile, type UploadStore } from './store.js';

export interface UploadLimits {
  /** Bytes per uploaded file (GATEWAY_MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Files per request (GATEWAY_MAX_UPLOAD_FILES). */
  maxUploadFiles: number;
  /** The `operations` and `map` fields, each (GATEWAY_MAX_BODY_BYTES, the JSON body limit). */
  maxFieldBytes: number;
  /** Bytes per row of a delimited upload (GATEWAY_MAX_ROW_BYTES); unbounded when undefined. */
  maxRowBytes?: number;
}

/**
 * Refuses the operation before any file byte is stored (a key without the scope it needs);
 * called once `operations` and `map` are read.
 */
export type AuthorizeUpload = (operations: unknown) => GraphQLError | undefined;

/** `multipart/form-data` (the first of a list, as yoga reads it). */
export function isMultipart(contentType: string | null | undefined): boolean {
  const type = contentType?.split(',')[0]?.trim().toLowerCase() ?? '';
  return type === 'multipart/form-data' || type.startsWith('multipart/form-data;');
}

/** Room for one part's boundary and headers (busboy's header limit too). */
const PART_OVERHEAD = 4 * 1024;

/**
 * What a multipart request may declare at most: `operations` and `map`, every file at its limit
 * and each part's envelope. Anything longer cannot be within the limits.
 */
export function maxMultipartBytes(limits: UploadLimits): number {
  return (
    2 * limits.maxFieldBytes +
    limits.maxUploadFiles * limits.maxUploadBytes +
    (limits.maxUploadFiles + 4) * PART_OVERHEAD
  );
}

/** A refusal with its HTTP status and a code naming the problem. */
export function uploadError(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      ...extra,
      // A refused upload is not read further: the connection closes after the answer.
      http: {
        status,
        ...((status === 413 || status === 403) && { headers: { connection: 'close' } }),
      },
    },
  });
}

const malformed = (message: string) => uploadError(400, 'MULTIPART_MALFORMED', message);

export interface ParsedUpload {
  /** The operation(s) with each mapped path set to its file. */
  operations: unknown;
  files: DiskFile[];
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container =>
  typeof value === 'object' && value !== null;

/** The object holding the last key of `path` in `operations`, when the path ends on a `null`. */
function placeholder(
  operations: unknown,
  path: string,
): { parent: Container; key: string } | undefined {
  const keys = path.split('.');
  let current: unknown = operations;
  for (const key of keys.slice(0, -1)) {
    if (!isContainer(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  const last = keys.at(-1)!;
  if (['__proto__', 'constructor', 'prototype'].some((k) => keys.includes(k))) return undefined;
  if (!isContainer(current) || !Object.hasOwn(current, last)) return undefined;
  if ((current as Record<string, unknown>)[last] !== null) return undefined;
  return { parent: current, key: last };
}

function parseJsonField(name: 'operations' | 'map', value: string, truncated: boolean): unknown {
  if (truncated) {
    throw uploadError(
      413,
      'PAYLOAD_TOO_LARGE',
      `The multipart field "${name}" is larger than the request body limit (GATEWAY_MAX_BODY_BYTES).`,
    );
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw uploadError(
      400,
      name === 'operations' ? 'MULTIPART_OPERATIONS_INVALID' : 'MULTIPART_MAP_INVALID',
      `The multipart field "${name}" must be JSON.`,
    );
  }
}

/** `map`: file field name → the operation paths it fills, each checked against `operations`. */
function readMap(
  operations: unknown,
  value: unknown,
  limits: UploadLimits,
): Map<string, Array<{ path: string; parent: Container; key: string }>> {
  if (!isContainer(value) || Array.isArray(value)) {
    throw uploadError(
      400,
      'MULTIPART_MAP_INVALID',
      'The multipart field "map" must be a JSON object of file field names to arrays of operation paths.',
    );
  }
  const entries = Object.entries(value);
  if (entries.length > limits.maxUploadFiles) {
    throw uploadError(
      413,
      'TOO_MANY_UPLOADS',
      `The request maps ${entries.length} files; at most ${limits.maxUploadFiles} are allowed (GATEWAY_MAX_UPLOAD_FILES).`,
      { limit: limits.maxUploadFiles },
    );
  }
  const map = new Map<string, Array<{ path: string; parent: Container; key: string }>>();
  for (const [field, paths] of entries) {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
      throw uploadError(
        400,
        'MULTIPART_MAP_INVALID',
        `The multipart field "map" must give file "${field}" a non-empty array of operation paths.`,
      );
    }
    map.set(
      field,
      paths.map((path: string) => {
        const target = placeholder(operations, path);
        if (!target) {
          throw uploadError(
            400,
            'MULTIPART_MAP_UNKNOWN_PATH',
            `The multipart "map" points file "${field}" to "${path}", which is not a null placeholder in "operations".`,
            { path },
          );
        }
        return { path, ...target };
      }),
    );
  }
  return map;
}

const tooLarge = (paths: readonly string[], limit: number) =>
  uploadError(
    413,
    'UPLOAD_TOO_LARGE',
    `The upload at ${paths.join(', ')} is larger than ${limit} bytes (GATEWAY_MAX_UPLOAD_BYTES).`,
    { paths, limit },
  );

const rowTooLong = (paths: readonly string[], row: number, limit: number) =>
  uploadError(
    413,
    'UPLOAD_ROW_TOO_LONG',
    `${row === 0 ? 'The header row' : `Row ${row}`} of the upload at ${paths.join(', ')} is longer than ${limit} bytes (GATEWAY_MAX_ROW_BYTES).`,
    { paths, row, limit },
  );

/**
 * Reads a multipart request: `body` is consumed only as far as needed. On any refusal the temp
 * files written so far are removed and the error (a GraphQLError with its HTTP status) thrown.
 */
export async function parseMultipart(
  body: AsyncIterable<Uint8Array>,
  headers: { contentType: string; contentLength: number | undefined },
  store: UploadStore,
  limits: UploadLimits,
  authorize?: AuthorizeUpload,
): Promise<ParsedUpload> {
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: { 'content-type': headers.contentType },
      limits: {
        fieldSize: limits.maxFieldBytes,
        fields: 16,
        fileSize: limits.maxUploadBytes,
        files: limits.maxUploadFiles,
        parts: limits.maxUploadFiles + 16,
        headerSize: PART_OVERHEAD,
      },
    });
  } catch (error) {
    throw malformed(`Not a multipart body: ${(error as Error).message}.`);
  }

  let operations: unknown;
  let hasOperations = false;
  let map: ReturnType<typeof readMap> | undefined;
  const received = new Set<string>();
  const paths: string[] = [];
  const writes: Array<Promise<void>> = [];
  const outputs: WriteStream[] = [];
  const files: DiskFile[] = [];
  let bytesSeen = 0;

  let failure: unknown;
  const waiting = new Set<(error: unknown) => void>();
  const refuse = (error: unknown) => {
    failure ??= error;
    for (const reject of waiting) reject(failure);
    waiting.clear();
  };
  /**
   * `promise`, or the refusal if one comes first. Not `Promise.race([promise, failed])`: a race
   * against a promise that never settles leaves a reaction on it per call, and each one keeps
   * its result, here a chunk of the upload, alive until the request is over (measured: the
   * whole upload in memory while it arrived).
   */
  const orRefused = <T>(promise: Promise<T>): Promise<T> => {
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      promise.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(reject);
          reject(error);
        },
      );
    });
  };

  const onFile = (field: string, stream: BusboyFileStream, filename: string, mimeType: string) => {
    stream.on('error', () => {}); // reported through the parser's own 'error'
    if (!hasOperations || !map) {
      stream.resume();
      refuse(
        uploadError(
          400,
          hasOperations ? 'MULTIPART_MAP_MISSING' : 'MULTIPART_OPERATIONS_MISSING',
          'The multipart fields "operations" and "map" must come before the files.',
        ),
      );
      return;
    }
    const targets = map.get(field);
    if (!targets || received.has(field)) {
      stream.resume();
      refuse(
        uploadError(
          400,
          'MULTIPART_UNEXPECTED_FILE',
          targets
            ? `The file "${field}" is sent twice.`
            : `The file "${field}" is not in the multipart "map".`,
        ),
      );
      return;
    }
    received.add(field);
    const targetPaths = targets.map((t) => t.path);
    // The last file: what is left of the declared body, less the closing boundary, is at least
    // its size, so an oversized file is refused before its bytes are read.
    const left = headers.contentLength === undefined ? 0 : headers.contentLength - bytesSeen;
    if (received.size === map.size && left > limits.maxUploadBytes + PART_OVERHEAD) {
      stream.resume();
      refuse(tooLarge(targetPaths, limits.maxUploadBytes));
      return;
    }
    // Attached at once: busboy may hit the limit on bytes it buffered before the pipe starts.
    stream.once('limit', () => refuse(tooLarge(targetPaths, limits.maxUploadBytes)));
    writes.push(
      (async () => {
        const path = await store.newPath();
        paths.push(path);
        if (failure) return;
        const out = createWriteStream(path);
        outputs.push(out);
        if (limits.maxRowBytes === undefined) {
          stream.pipe(out);
        } else {
          // A row over the limit stops the upload there: nothing holds a 30 MB line, and the
          // refusal names the row instead of echoing it.
          const guard = new RowLengthGuard(limits.maxRowBytes, (row) =>
            refuse(rowTooLong(targetPaths, row, limits.maxRowBytes!)),
          );
          stream.pipe(guard).pipe(out);
        }
        await orRefused(once(out, 'finish'));
        if (stream.truncated || failure) return;
        const file = await DiskFile.open(path, filename, mimeType);
        files.push(file);
        for (const { parent, key } of targets) (parent as Record<string, unknown>)[key] = file;
      })().catch((error: unknown) => {
        // The disk, not the request, failed (no space, no permission): not the caller's fault.
        const code = (error as { code?: unknown }).code;
        refuse(
          error instanceof GraphQLError
            ? error
            : uploadError(
                500,
                'UPLOAD_NOT_STORED',
                `The upload could not be stored (${String(code)}).`,
              ),
        );
      }),
    );
  };

  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    try {
      if (name === 'operations') {
        if (hasOperations) throw malformed('The multipart field "operations" is sent twice.');
        operations = parseJsonField(name, value, valueTruncated);
        if (!isContainer(operations)) {
          throw uploadError(
            400,
            'MULTIPART_OPERATIONS_INVALID',
            'The multipart field "operations" must be a JSON object (or array of them).',
          );
        }
        hasOperations = true;
      } else if (name === 'map') {
        if (!hasOperations) {
          throw uploadError(
            400,
            'MULTIPART_OPERATIONS_MISSING',
            'The multipart field "operations" must come first, before "map".',
          );
        }
        if (map) throw malformed('The multipart field "map" is sent twice.');
        map = readMap(operations, parseJsonField(name, value, valueTruncated), limits);
        // The scope check comes before the first file part is read, let alone stored.
        const refusal = authorize?.(operations);
        if (refusal) throw refusal;
      }
      // Other text fields carry nothing for GraphQL; they are ignored, as the spec allows.
    } catch (error) {
      refuse(error);
    }
  });
  parser.on('file', onFile);
  parser.on('filesLimit', () =>
    refuse(
      uploadError(
        413,
        'TOO_MANY_UPLOADS',
        `At most ${limits.maxUploadFiles} files are allowed (GATEWAY_MAX_UPLOAD_FILES).`,
        { limit: limits.maxUploadFiles },
      ),
    ),
  );
  parser.on('partsLimit', () => refuse(malformed('The multipart body has too many parts.')));
  parser.on('fieldsLimit', () => refuse(malformed('The multipart body has too many fields.')));
  parser.on('error', (error: unknown) =>
    refuse(malformed(`Malformed multipart body: ${(error as Error).message ?? String(error)}.`)),
  );
  const finished = once(parser, 'finish');
  finished.catch(() => {});

  try {
    // Fed by hand, and never cancelled: a refusal just stops reading (cancelling the body would
    // destroy the socket before the answer is out); a 413 closes the connection after it.
    const chunks = body[Symbol.asyncIterator]();
    const feed = (async () => {
      while (!failure) {
        const next = await orRefused(chunks.next());
        if (next.done) break;
        bytesSeen += next.value.byteLength;
        if (!parser.write(next.value)) {
          await orRefused(once(parser, 'drain'));
        }
      }
      if (!failure) parser.end();
    })();
    await orRefused(feed);
    await orRefused(finished);
    await orRefused(Promise.all(writes));
    if (failure) throw failure;
    if (!hasOperations) {
      throw uploadError(
        400,
        'MULTIPART_OPERATIONS_MISSING',
        'The multipart field "operations" is missing.',
      );
    }
    if (!map) {
      throw uploadError(400, 'MULTIPART_MAP_MISSING', 'The multipart field "map" is missing.');
    }
    const missing = [...map.keys()].filter((field) => !received.has(field));
    if (missing.length > 0) {
      throw uploadError(
        400,
        'MULTIPART_FILE_MISSING',
        `The multipart "map" names file ${missing.map((f) => `"${f}"`).join(', ')}, which the body does not carry.`,
      );
    }
    return { operations, files };
  } catch (error) {
    parser.removeAllListeners('file');
    parser.on('error', () => {});
    parser.destroy();
    // Every write settles at once now (each waits `orRefused`); its file is removed only once
    // closed, or a late open would bring it back.
    await Promise.allSettled(writes);
    await Promise.all(
      outputs.map(async (out) => {
        const closed = out.closed ? Promise.resolve() : once(out, 'close').catch(() => {});
        out.destroy();
        await closed;
      }),
    );
    await store.remove(paths);
    throw error;
  }
}
