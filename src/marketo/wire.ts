/**
 * Tolerant parsing of Marketo's wire format (marketo-api.md §2, §12): codes as strings or numbers,
 * members omitted or null, `reasons` (real) or `reason` (Swagger), `Cancelled` or `Canceled`.
 * Everything the client returns passes through here, so callers only ever see one shape.
 */
import type { Reason, RecordResult } from './api.js';

/** A parsed Marketo JSON envelope. `result`, `errors` and `warnings` are always arrays. */
export interface Envelope {
  requestId?: string;
  success: boolean;
  result: unknown[];
  errors: Reason[];
  warnings: unknown[];
  nextPageToken?: string;
  moreResult?: boolean;
  /** Whether the response carried a `result` member at all (Asset API "not found" omits it). */
  hasResult: boolean;
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `{code, message}` with the code kept as a string whatever Marketo sent. */
export function parseReason(value: unknown): Reason {
  if (isObject(value)) {
    return { code: str(value.code) ?? 'UNKNOWN', message: str(value.message) ?? '' };
  }
  // Asset API warnings are plain strings.
  return { code: 'UNKNOWN', message: str(value) ?? '' };
}

function parseReasons(value: unknown): Reason[] | undefined {
  if (value == null) return undefined;
  if (Array.isArray(value)) return value.map(parseReason);
  return [parseReason(value)];
}

/**
 * Parses a JSON envelope. Returns undefined when the body is not an envelope at all (so the caller
 * reports BAD_RESPONSE rather than guessing).
 */
export function parseEnvelope(body: unknown): Envelope | undefined {
  if (!isObject(body)) return undefined;
  const errors = parseReasons(body.errors) ?? [];
  const hasResult = Array.isArray(body.result);
  const result = hasResult ? (body.result as unknown[]) : body.result == null ? [] : [body.result];
  if (!('success' in body || 'result' in body || 'errors' in body || 'requestId' in body)) {
    return undefined;
  }
  const declared = toBool(body.success);
  const success = (declared ?? true) && errors.length === 0;
  const env: Envelope = {
    success,
    result,
    errors,
    warnings: Array.isArray(body.warnings) ? body.warnings : [],
    hasResult,
  };
  const requestId = str(body.requestId);
  if (requestId !== undefined) env.requestId = requestId;
  const token = str(body.nextPageToken);
  if (token) env.nextPageToken = token;
  if (typeof body.moreResult === 'boolean') env.moreResult = body.moreResult;
  return env;
}

/** A per-record result (`{id?, status, reasons?}`), accepting `reason` for `reasons`. */
export function parseRecordResult(value: unknown): RecordResult {
  if (!isObject(value)) return { status: 'unknown' };
  const out: RecordResult = { status: str(value.status) ?? 'unknown' };
  const id = toInt(value.id);
  if (id !== undefined) out.id = id;
  const reasons = parseReasons(value.reasons ?? value.reason);
  if (reasons && reasons.length > 0) out.reasons = reasons;
  return out;
}

export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

export function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Canonical job status spelling: `Canceled` → `Cancelled`, case normalised to Marketo's. */
export function normaliseJobStatus(value: unknown): string {
  const s = str(value) ?? 'Unknown';
  const lower = s.toLowerCase();
  if (lower === 'canceled' || lower === 'cancelled') return 'Cancelled';
  const known = [
    'Created',
    'Queued',
    'Processing',
    'Completed',
    'Failed',
    'Importing',
    'Complete',
  ].find((k) => k.toLowerCase() === lower);
  return known ?? s;
}

/** Copies the listed members that are present and not null, coercing with `as`. */
export function pick<T extends object>(
  source: JsonObject,
  spec: { [K in keyof T]?: (v: unknown) => T[K] | undefined },
): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(spec) as (keyof T)[]) {
    const raw = source[key as string];
    if (raw == null) continue;
    const coerce = spec[key];
    const value = coerce ? coerce(raw) : undefined;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export const asString = (v: unknown): string | undefined => str(v);

/**
 * Server time from a requestId (`<hex>#<hex epoch ms>`, §2.1), or undefined when it does not parse
 * to a plausible date.
 */
export function serverTimeFromRequestId(requestId: string | undefined): number | undefined {
  if (!requestId) return undefined;
  const hash = requestId.indexOf('#');
  if (hash < 0) return undefined;
  const ms = Number.parseInt(requestId.slice(hash + 1), 16);
  // Between 2001 and 2200: anything else is not an epoch.
  return Number.isFinite(ms) && ms > 1e12 && ms < 7.3e12 ? ms : undefined;
}
