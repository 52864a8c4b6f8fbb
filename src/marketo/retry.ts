/**
 * What a failure means, and therefore whether the same call may be sent again (marketo-api.md §3.4).
 * The one question that matters for non-idempotent calls is whether Marketo certainly did NOT do
 * the work: only rejections at the door (auth, rate, concurrency, quota) guarantee that.
 */

export type FailureKind =
  /** Token missing/invalid/expired: renew the token and replay once. */
  | 'reauth'
  /** Transient: back off and retry (bounded). */
  | 'transient'
  /** A quota that lifts at a known time (607, 1029 export quota, 1020): never retried here. */
  | 'quota'
  /** Transient for the caller but not retried by the client (1029 queue full, 1016, 1019: the
   * bulk job managers queue and try later). */
  | 'retry-later'
  /** Fix the request. */
  | 'terminal';

export interface Classification {
  kind: FailureKind;
  /** Marketo rejected the call before doing any work, so replaying cannot duplicate it. */
  rejectedBeforeWork: boolean;
}

const REAUTH = new Set(['600', '601', '602']);
/** Rejected at the door: nothing was executed. */
const BEFORE_WORK = new Set(['600', '601', '602', '606', '607', '615']);
/** Backoff/retry set from §3.4 (1029/1016/1019 handled separately). */
const TRANSIENT = new Set(['604', '606', '608', '611', '614', '615', '713', '719', '1014']);

export function isExportQuotaMessage(message: string): boolean {
  return /daily quota/i.test(message);
}

/** Classifies a Marketo error code (response-level, 6xx/7xx/1xxx) or an `HTTP_<status>` code. */
export function classifyCode(code: string, message = ''): Classification {
  const rejectedBeforeWork = BEFORE_WORK.has(code);
  if (REAUTH.has(code)) return { kind: 'reauth', rejectedBeforeWork };
  if (code === '607' || code === '1020') return { kind: 'quota', rejectedBeforeWork };
  if (code === '1029') {
    if (isExportQuotaMessage(message)) return { kind: 'quota', rejectedBeforeWork: true };
    if (/already queued/i.test(message)) return { kind: 'terminal', rejectedBeforeWork: true };
    return { kind: 'retry-later', rejectedBeforeWork: true };
  }
  if (code === '1016' || code === '1019') return { kind: 'retry-later', rejectedBeforeWork: true };
  if (TRANSIENT.has(code)) return { kind: 'transient', rejectedBeforeWork };
  const http = /^HTTP_(\d{3})$/.exec(code);
  if (http) {
    const status = Number(http[1]);
    if (status >= 500 || status === 429) return { kind: 'transient', rejectedBeforeWork: false };
  }
  return { kind: 'terminal', rejectedBeforeWork: false };
}

/**
 * Whether the caller may usefully repeat the call soon (MarketoError.retryable). Quota errors are
 * not: they carry `resetsAt` instead.
 */
export function isRetryableForCaller(c: Classification): boolean {
  return c.kind !== 'terminal' && c.kind !== 'quota';
}

/**
 * Transport failures. `notSent` means the request never reached the server (connection refused,
 * DNS, connect timeout, aborted while queued), so even a non-idempotent call may be replayed.
 */
export interface TransportFailure {
  code: string;
  notSent: boolean;
  timeout: boolean;
}

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function classifyTransportError(error: unknown): TransportFailure {
  const code = errorCode(error) ?? 'TRANSPORT';
  return { code, notSent: NOT_SENT.has(code), timeout: TIMEOUTS.has(code) };
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface BackoffOptions {
  /** First backoff ceiling, ms. */
  baseMs: number;
  /** Largest backoff ceiling, ms. */
  maxMs: number;
  random?: () => number;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(n-1))]. */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * Marketo's server-side timeouts (§4): 30 s default, longer for the slow endpoints. The client
 * waits a little longer than Marketo so that Marketo's own 604 arrives first when it can.
 */
export function endpointTimeoutMs(method: string, endpoint: string): number {
  const path = endpoint.replace(/^[A-Z]+ /, '');
  let marketoMs = 30_000;
  if (path === '/rest/v1/leads.json' && method === 'POST') marketoMs = 90_000;
  else if (path === '/rest/v1/leads.json') marketoMs = 60_000;
  else if (/^\/rest\/v1\/lists?\/\{id\}\/leads\.json$/.test(path)) marketoMs = 60_000;
  else if (path.startsWith('/rest/v1/leads/') && path.endsWith('/merge.json')) marketoMs = 180_000;
  else if (path === '/rest/v1/leads/push.json') marketoMs = 90_000;
  return marketoMs + 5_000;
}
