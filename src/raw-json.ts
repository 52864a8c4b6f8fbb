/**
 * JSON text spliced into a GraphQL answer as it is, never parsed: a page of export rows is read
 * from disk as the UTF-8 text of its JSON array, and turning it into JS values only for
 * JSON.stringify to turn them back (then encoding the two-byte string to UTF-8 twice: yoga's
 * byteLength, then the socket write) cost far more than reading it. A resolver returns a
 * `RawJson`; `useRawJsonResults` writes single results as bytes with each `RawJson`'s text in
 * place. Anywhere else (SSE, graphql-ws, an answer with errors) it serialises as its parsed value.
 */
import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin, processRegularResult } from 'graphql-yoga';

/** Placeholders stand for RawJson values while a result is stringified; never seen outside. */
const TAG = `raw-json-${randomBytes(16).toString('hex')}-`;
const QUOTED_TAG = `"${TAG}`;

/** Set only for the duration of one (synchronous) JSON.stringify in `stringifyWithRawJson`. */
let collecting: Buffer[] | undefined;

export class RawJson {
  /** `text`: UTF-8 JSON text (trusted: it is written into answers unchecked). */
  constructor(readonly text: Buffer) {}

  toJSON(): unknown {
    if (collecting) return `${TAG}${collecting.push(this.text) - 1}`;
    return JSON.parse(this.text.toString('utf8'));
  }
}

/**
 * `value` as UTF-8 JSON bytes, each RawJson's text in place; a plain string when it holds none
 * (the caller sends it as any other answer).
 */
export function stringifyWithRawJson(value: unknown): Buffer<ArrayBuffer> | string {
  const parts: Buffer[] = [];
  let text: string;
  collecting = parts;
  try {
    text = JSON.stringify(value);
  } finally {
    collecting = undefined;
  }
  if (parts.length === 0) return text;
  // Where each placeholder is, then one buffer of the exact size: no intermediate chunk per
  // placeholder (a page of 1,000 rows has 2,000 of them with `edges { node }` and `nodes`).
  const found = new Array<number>(parts.length);
  let size = Buffer.byteLength(text);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const placeholder = `${QUOTED_TAG}${i}"`;
    found[i] = text.indexOf(placeholder, at);
    if (found[i]! < 0) throw new Error('RawJson placeholder missing from the stringified result');
    at = found[i]! + placeholder.length;
    size += parts[i]!.length - placeholder.length;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  at = 0;
  for (let i = 0; i < parts.length; i++) {
    o += out.write(text.slice(at, found[i]), o);
    // TypedArray set: Buffer#copy costs a view and checks per call (2,000 calls a page).
    out.set(parts[i]!, o);
    o += parts[i]!.length;
    at = found[i]! + QUOTED_TAG.length + String(i).length + 1;
  }
  o += out.write(text.slice(at), o);
  if (o !== size) throw new Error('RawJson result is not the size it was measured to be');
  return out as Buffer<ArrayBuffer>;
}

/** The media types of yoga's processor for single results, in its order of preference. */
const REGULAR_TYPES = ['application/graphql-response+json', 'application/json'] as const;

/**
 * The media type yoga's result processors pick for a single result (graphql-yoga's
 * use-result-processor.js + accept.js): the earliest UTF-8 type in `accept` that matches, the
 * later of the two on a tie.
 */
function regularMediaType(request: Request): string | undefined {
  const accepted = (request.headers.get('accept') || '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',');
  for (const entry of accepted) {
    const [type, ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (!type || charset !== 'charset=utf-8') continue;
    const [pre, suf] = type.split('/');
    const matching = REGULAR_TYPES.filter((candidate) => {
      const [cPre, cSuf] = candidate.split('/');
      return (pre === '*' || pre === cPre) && (suf === '*' || suf === cSuf);
    });
    if (matching.length > 0) return matching.at(-1);
  }
  return undefined;
}

/**
 * Single results with neither errors nor `extensions.http` (whose answer is then 200 with just
 * the content type, as yoga's own processor makes it) go out as bytes with RawJson text spliced
 * in; the rest stay with yoga's processor.
 */
export function useRawJsonResults(): Plugin {
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      if (resultProcessor !== processRegularResult) return;
      if (isAsyncIterable(result) || Array.isArray(result)) return;
      const single = result as ExecutionResult & { stringify?: unknown };
      if (single.errors?.length || single.extensions?.['http'] || single.stringify) return;
      const mediaType = regularMediaType(request);
      if (!mediaType) return;
      setResultProcessor(
        (processed, fetchAPI, accepted) =>
          new fetchAPI.Response(stringifyWithRawJson(processed), {
            status: 200,
            headers: { 'Content-Type': `${accepted}; charset=utf-8` },
          }),
        mediaType,
      );
    },
  };
}
