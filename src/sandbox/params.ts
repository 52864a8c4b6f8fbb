/**
 * Parameter conventions shared by the Lead DB endpoints (§10.9): comma-separated lists, repeated
 * `id=` parameters or a JSON `input`, `batchSize` ≤ the per-call maximum, position paging tokens.
 */
import { fail, ok } from './envelope.js';
import { decodePageToken, fingerprint, pageOf } from './paging.js';
import type { SandboxRequest, SandboxResponse } from './types.js';

/** Every value of `name`, comma lists split, blanks dropped. */
export function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: SandboxResponse };

export const invalid = (response: SandboxResponse): { ok: false; response: SandboxResponse } => ({
  ok: false,
  response,
});

export function overLimit(count: number, max: number): SandboxResponse {
  return fail('1003', `Batch size of ${count} exceeds the maximum of ${max}`);
}

export function batchSizeParam(query: URLSearchParams, max: number): Parsed<number> {
  const raw = query.get('batchSize');
  if (raw === null || raw === '') return { ok: true, value: max };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    return invalid(fail('1001', `Invalid value '${raw}'. Required of type 'Integer'`));
  }
  return n > max ? invalid(overLimit(n, max)) : { ok: true, value: n };
}

/** The id after which to continue (0 without a token). */
export function pageParam(query: URLSearchParams, fp: string): Parsed<number> {
  const token = query.get('nextPageToken');
  if (!token) return { ok: true, value: 0 };
  const after = decodePageToken(token, fp);
  return after === undefined
    ? invalid(fail('1003', 'Invalid nextPageToken'))
    : { ok: true, value: after };
}

/** Lead ids from a JSON `input: [{id}]` or from `id` query/form parameters. */
export function idsParam(req: SandboxRequest): Parsed<number[]> {
  const input = (req.json as { input?: unknown } | undefined)?.input;
  const raw: unknown[] = Array.isArray(input)
    ? input.map((item) =>
        typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : item,
      )
    : listParam(req.query, 'id');
  const ids: number[] = [];
  for (const value of raw) {
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      return invalid(fail('1001', `Invalid value '${String(value)}'. Required of type 'Integer'`));
    }
    ids.push(n);
  }
  if (ids.length === 0)
    return invalid(fail('1002', "Missing value for the required parameter 'id'"));
  return { ok: true, value: ids };
}

/** Path id segment as a positive integer. */
export function pathId(raw: string | undefined): number | undefined {
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether a request body that should be JSON is JSON (612 otherwise, per §2.3). */
export function jsonBody(req: SandboxRequest): Parsed<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.includes('json')) return invalid(fail('612'));
  if (typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) {
    return invalid(fail('609'));
  }
  return { ok: true, value: req.json as Record<string, unknown> };
}

export interface PageSpec<T> {
  maxBatch: number;
  /** What defines the query: a token only continues the query it came from. */
  scope: readonly string[];
  /** Every matching id, ascending. */
  ids: readonly number[];
  load(id: number): T | undefined;
  present(item: T): unknown;
  /** Send `moreResult` (membership and schema endpoints do; Get Leads does not). */
  moreResult?: boolean;
}

/** One page per the request's `batchSize`/`nextPageToken`, as a success response. */
export function pagedResponse<T>(query: URLSearchParams, spec: PageSpec<T>): SandboxResponse {
  const batchSize = batchSizeParam(query, spec.maxBatch);
  if (!batchSize.ok) return batchSize.response;
  const fp = fingerprint(...spec.scope);
  const after = pageParam(query, fp);
  if (!after.ok) return after.response;
  const page = pageOf(spec.ids, after.value, batchSize.value, spec.load, fp);
  const more = page.nextPageToken !== undefined;
  return ok(page.items.map(spec.present), {
    ...(more && { nextPageToken: page.nextPageToken }),
    ...(spec.moreResult && { moreResult: more }),
  });
}

/** Filters rows by comma-separated values of each named parameter (all must hold). */
export function filterRows<T extends object>(
  rows: readonly T[],
  query: URLSearchParams,
  names: readonly (keyof T & string)[],
): T[] {
  let out = [...rows];
  for (const name of names) {
    const wanted = listParam(query, name);
    if (wanted.length) out = out.filter((row) => wanted.includes(String(row[name] ?? '')));
  }
  const ids = listParam(query, 'id').map(Number);
  return ids.length ? out.filter((row) => ids.includes(Number((row as { id?: unknown }).id))) : out;
}

/** Pages id-keyed rows (lists.json, campaigns.json); the filters in the query scope the token. */
export function pagedRows<T extends { id: number }>(
  rows: readonly T[],
  query: URLSearchParams,
  maxBatch: number,
  present: (row: T) => unknown = (row) => row,
): SandboxResponse {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const scope = [...query.entries()]
    .filter(([k]) => !PAGING_KEYS.has(k))
    .map(([k, v]) => `${k}=${v}`);
  return pagedResponse(query, {
    maxBatch,
    scope,
    ids: [...byId.keys()].sort((a, b) => a - b),
    load: (id) => byId.get(id),
    present,
  });
}

const PAGING_KEYS = new Set(['nextPageToken', 'batchSize', 'access_token', '_method']);
