/**
 * Reading and parsing a request the way Marketo does: query string merged with a form body (body
 * wins), `_method=GET|DELETE` from either, JSON bodies parsed (609 when malformed).
 */
import type { IncomingMessage } from 'node:http';

export interface ParsedRequest {
  /** Path without the query string, exactly as sent. */
  path: string;
  /** Effective method (`_method` applied to POSTs). */
  method: string;
  query: URLSearchParams;
  json?: unknown;
  jsonError: boolean;
  rawBody?: Buffer;
}

/** Reads the whole body, or returns 'too-large' (after draining it) when it exceeds `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function splitUrl(url: string): { path: string; search: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q + 1) };
}

export function contentTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function parseRequest(req: IncomingMessage, body: Buffer): ParsedRequest {
  const { path, search } = splitUrl(req.url ?? '/');
  const query = new URLSearchParams(search);
  const type = contentTypeOf(req);
  let json: unknown;
  let jsonError = false;
  if (body.length > 0 && type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body.toString('utf8'));
    for (const key of new Set(form.keys())) {
      query.delete(key);
      for (const value of form.getAll(key)) query.append(key, value);
    }
  } else if (body.length > 0 && (type === 'application/json' || type.endsWith('+json'))) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      jsonError = true;
    }
  }
  const override = query.get('_method')?.toUpperCase();
  const method =
    req.method === 'POST' && (override === 'GET' || override === 'DELETE')
      ? override
      : (req.method ?? 'GET');
  return {
    path,
    method,
    query,
    ...(json !== undefined && { json }),
    jsonError,
    ...(body.length > 0 && { rawBody: body }),
  };
}

/** The bearer token, or the legacy `access_token` parameter when allowed. */
export function accessToken(
  req: IncomingMessage,
  query: URLSearchParams,
  legacyParam: boolean,
): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.*)$/i.exec(auth.trim());
    if (m?.[1]) return m[1].trim();
  }
  if (legacyParam) {
    const token = query.get('access_token');
    if (token) return token;
  }
  return undefined;
}

/**
 * A text field of a multipart/form-data body (the legacy `access_token` on bulk import uploads),
 * parsed with the WHATWG `formData()` built into Node; undefined when absent or malformed.
 */
export async function multipartField(
  req: IncomingMessage,
  body: Buffer | undefined,
  name: string,
): Promise<string | undefined> {
  const type = req.headers['content-type'];
  if (!body?.length || !type || contentTypeOf(req) !== 'multipart/form-data') return undefined;
  try {
    const form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': type },
    }).formData();
    const value = form.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}
