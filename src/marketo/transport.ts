/**
 * HTTP to one Marketo origin over an undici Pool (keep-alive). Knows nothing of Marketo's codes:
 * it builds requests (JSON, form, streamed bodies; `_method=GET` when a URL would pass 8 KB, §2.4),
 * asks for gzip and decodes it, and guarantees every response body is consumed or dumped.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Pool } from 'undici';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export type RequestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; params: ReadonlyArray<readonly [string, string]> }
  | { kind: 'stream'; contentType: string; stream: Readable };

export interface TransportRequest {
  method: HttpMethod;
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
  /** Headers and idle-body timeout, ms. */
  timeoutMs: number;
  /** Ask for gzip (JSON calls); false for byte-exact downloads resumed with Range. */
  compress?: boolean;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The decoded body; the caller must read it to the end or call `dump()`. */
  body: Readable;
  dump(): Promise<void>;
}

export interface Transport {
  readonly origin: string;
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

/** Marketo rejects request URIs over 8 KB with 414; stay clear of it. */
export const MAX_URI_BYTES = 8 * 1024;

export function encodeParams(params: ReadonlyArray<readonly [string, string]>): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/**
 * The request to send: GETs whose URI would exceed 8 KB become `POST path?_method=GET` with the
 * parameters in a form body (Marketo's documented override).
 */
export function planRequest(
  origin: string,
  request: Pick<TransportRequest, 'method' | 'path' | 'query' | 'body'>,
): { method: HttpMethod; path: string; body?: RequestBody } {
  const qs = request.query && request.query.length > 0 ? encodeParams(request.query) : '';
  const path = qs ? `${request.path}?${qs}` : request.path;
  if (
    request.method === 'GET' &&
    !request.body &&
    Buffer.byteLength(origin) + Buffer.byteLength(path) > MAX_URI_BYTES
  ) {
    return {
      method: 'POST',
      path: `${request.path}?_method=GET`,
      body: { kind: 'form', params: request.query ?? [] },
    };
  }
  return request.body
    ? { method: request.method, path, body: request.body }
    : { method: request.method, path };
}

export interface TransportOptions {
  /** `https://123-ABC-456.mktorest.com` (no path). */
  origin: string;
  /** Socket cap; the limiter is the real concurrency control, this is a backstop. */
  connections: number;
  /** Tests pass short keep-alive values so runs do not linger on idle sockets. */
  keepAliveTimeoutMs?: number;
}

export function createTransport(options: TransportOptions): Transport {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs ?? 4_000, 10_000),
  });

  return {
    origin: options.origin,
    async send(request) {
      const plan = planRequest(options.origin, request);
      const headers: Record<string, string> = {
        accept: 'application/json, text/csv;q=0.9, */*;q=0.8',
        'accept-encoding': request.compress === false ? 'identity' : 'gzip',
        ...request.headers,
      };
      let body: string | Readable | undefined;
      if (plan.body?.kind === 'json') {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(plan.body.value);
      } else if (plan.body?.kind === 'form') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = encodeParams(plan.body.params);
      } else if (plan.body?.kind === 'stream') {
        headers['content-type'] = plan.body.contentType;
        body = plan.body.stream;
      }
      const response = await pool.request({
        method: plan.method,
        path: plan.path,
        headers,
        ...(body !== undefined && { body }),
        ...(request.signal && { signal: request.signal }),
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const raw = response.body;
      const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
      const decoded: Readable = encoding === 'gzip' ? raw.pipe(createGunzip()) : raw;
      if (decoded !== raw) {
        raw.on('error', (error) => decoded.destroy(error));
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: decoded,
        dump: async () => {
          if (decoded !== raw) decoded.destroy();
          await raw.dump().catch(() => {});
        },
      };
    },
    async close() {
      await pool.close();
    },
  };
}

/** Reads a whole (small) body: JSON envelopes and error texts. Capped to protect memory. */
export async function readAll(body: Readable, limitBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > limitBytes) {
      body.destroy();
      throw new Error(`response body larger than ${limitBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Reads at most `maxBytes` of a body as text and discards the rest (error bodies). */
export async function readText(body: Readable, maxBytes = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size >= maxBytes) continue;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buf);
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, maxBytes));
}
