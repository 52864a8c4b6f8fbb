/**
 * Marketo's response envelope and message texts (§2, §3). Handlers return `SandboxResponse` values
 * built with `ok`/`fail`; the HTTP layer turns them into bytes with `writeEnvelope`.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Reason, SandboxResponse } from './types.js';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** Real (or documented) texts of response-level codes. */
export const MESSAGES: Readonly<Record<string, string>> = {
  // No token at all; a token parameter or header that is present but empty says 'Empty access token'.
  '600': 'Access token not specified',
  '601': 'Access token invalid',
  '602': 'Access token expired',
  '603': 'Access denied',
  '604': 'Request timed out',
  '605': 'HTTP Method not supported',
  '606': "Max rate limit '100' exceeded with in '20' secs",
  '607': 'Daily quota reached',
  '608': 'API Temporarily Unavailable',
  '609': 'Invalid JSON',
  '610': 'Requested resource not found',
  '611': 'System error',
  '612': 'Invalid Content Type',
  '613': 'Invalid Multipart Request',
  '614': 'Invalid Subscription',
  '615': "Concurrent access limit '10' reached",
  '1003': 'Invalid data',
  '1004': 'Lead not found',
  '1013': 'Object not found',
  '1016': 'Too many imports',
  '1029': 'Too many jobs in queue',
};

export function reason(code: string, message?: string): Reason {
  return { code, message: message ?? MESSAGES[code] ?? 'Unknown error' };
}

export function ok(result: unknown[] = [], extra?: Record<string, unknown>): SandboxResponse {
  return extra && Object.keys(extra).length > 0
    ? { kind: 'result', result, extra }
    : { kind: 'result', result };
}

export function fail(code: string, message?: string): SandboxResponse {
  return { kind: 'errors', errors: [reason(code, message)] };
}

/** Creates Marketo-shaped request ids: `<1–5 hex digits>#<server epoch ms in hex>`. */
export function createRequestIds(now: () => number): () => string {
  let seq = Math.floor(Math.random() * 0xfffff);
  return () => {
    seq = (seq + 1) % 0xfffff;
    return `${(seq + 1).toString(16)}#${Math.floor(now()).toString(16)}`;
  };
}

/** The JSON body of a `result` or `errors` response, keys in Marketo's order. */
export function envelopeBody(
  requestId: string,
  response: Exclude<SandboxResponse, { kind: 'raw' }>,
): Record<string, unknown> {
  if (response.kind === 'errors') return { requestId, success: false, errors: response.errors };
  return {
    requestId,
    ...(response.result !== undefined && { result: response.result }),
    success: true,
    ...response.extra,
  };
}

/** Writes JSON with Marketo's headers; gzip for ≥ 1 KB bodies when the client accepts it (§2.3). */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  options: { gzip?: boolean; headers?: Record<string, string>; chunked?: boolean } = {},
): void {
  let bytes: Buffer = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {
    'Content-Type': JSON_TYPE,
    Server: 'nginx',
    ...options.headers,
  };
  if (options.gzip && bytes.length >= 1024) {
    bytes = gzipSync(bytes);
    headers['Content-Encoding'] = 'gzip';
    headers.Vary = 'Accept-Encoding';
  }
  if (options.chunked) {
    // Written after the head, without a length: Node sends it chunked, as Marketo's identity does.
    res.writeHead(status, headers);
    res.write(bytes);
    res.end();
    return;
  }
  headers['Content-Length'] = String(bytes.length);
  res.writeHead(status, headers);
  res.end(bytes);
}

/** Short plain-text bodies for 413/414/5xx (Marketo's gateway doesn't send the envelope there). */
export function writeText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain;charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(text)),
    Server: 'nginx',
  });
  res.end(text);
}
