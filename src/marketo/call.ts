/**
 * One Marketo call, end to end: limiter slot → token → HTTP → meaning of the answer → retry,
 * re-auth or a typed error. Every operation of the client goes through `execute`, so the rules
 * (limits, idempotency, deadline, tracking, redaction) live in one place.
 */

import type { Logger } from '../logger.js';
import type { CallContext } from './api.js';
import type { TokenManager } from './auth.js';
import { callSignal } from './call-signal.js';
import { nextCentralMidnight } from './central-time.js';
import { MarketoError } from './errors.js';
import type { RateLimiter } from './rate-limiter.js';
import {
  backoffDelay,
  type Classification,
  classifyCode,
  classifyTransportError,
  endpointTimeoutMs,
  isRetryableForCaller,
} from './retry.js';
import type { HttpMethod, RequestBody, Transport, TransportResponse } from './transport.js';
import { readAll } from './transport.js';
import { type Envelope, parseEnvelope, serverTimeFromRequestId } from './wire.js';

export interface CallSpec {
  method: HttpMethod;
  /** Real path, ids filled in. */
  path: string;
  /** `METHOD /path/{id}` for tracking, logs and errors (never a query string). */
  endpoint: string;
  query?: ReadonlyArray<readonly [string, string]>;
  /** A factory so that a replay gets a fresh body (streams are single-use). */
  body?: () => RequestBody;
  /** Safe to send twice (reads, upserts by lookup field, list add/remove, deletes). */
  idempotent: boolean;
  /** False when the body cannot be sent again (a caller's stream): one attempt only. */
  replayable?: boolean;
  recordsSent?: number;
  compress?: boolean;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Overrides the client's per-call deadline (Infinity: none, e.g. a long download whose body
   * is guarded by the idle timeout instead). */
  deadlineMs?: number;
}

export type Outcome<T> =
  | {
      ok: true;
      value: T;
      recordsRead: number;
      /** Keep the limiter slot until `done` is called (streamed bodies). */
      hold?: (done: (error?: unknown) => void) => void;
    }
  | { ok: false; code: string; message: string; requestId?: string; httpStatus?: number };

export type ResponseHandler<T> = (response: TransportResponse) => Promise<Outcome<T>>;

/**
 * One HTTP attempt of a Marketo call (a retry or a re-auth replay is another attempt), for
 * metrics. Calls refused before anything is sent (local quota, abort while queued) are not
 * attempts. Never carries ids, query strings or bodies.
 */
export interface CallEvent {
  method: string;
  /** Route template, ids never filled in: `/rest/v1/lists/{id}/leads.json`. */
  endpoint: string;
  /**
   * `success`; Marketo's code (`606`, `1003`); `HTTP_<status>`; `BAD_RESPONSE`; or the transport
   * failure (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`…).
   */
  code: string;
  /** 1, then 2, 3… for retries and replays of the same call. */
  attempt: number;
  /** Waiting for this attempt's limiter slot, ms. */
  waitedMs: number;
  /** From sending to the answer (to the end of the body for streamed downloads), ms. */
  durationMs: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt for transient failures (re-auth replay not counted). */
  maxRetries: number;
  /** Backoff for 5xx/604/608/611/transport: full jitter between 0 and base·2^n, capped. */
  baseMs: number;
  maxMs: number;
  /** Backoff for 606 (rate window): Marketo time, divided by timeScale. */
  rateBaseMs: number;
  rateMaxMs: number;
  /**
   * Backoff for 615 (10 calls already in flight on the instance, some of them not ours): a slot
   * frees as soon as any call completes, so a short wait in real time, not the rate window's.
   */
  concurrencyBaseMs: number;
  concurrencyMaxMs: number;
}

/** The backoff ceilings for a retry after `code`. */
function backoffFor(code: string, retry: RetryPolicy): { baseMs: number; maxMs: number } {
  if (code === '606') return { baseMs: retry.rateBaseMs, maxMs: retry.rateMaxMs };
  if (code === '615') return { baseMs: retry.concurrencyBaseMs, maxMs: retry.concurrencyMaxMs };
  return { baseMs: retry.baseMs, maxMs: retry.maxMs };
}

export interface CoreOptions {
  transport: Transport;
  limiter: RateLimiter;
  tokens: TokenManager;
  logger: Logger;
  retry: RetryPolicy;
  /** Per-call deadline, ms (limiter wait, attempts and backoffs included). */
  deadlineMs: number;
  /** Strings that must never leave the client (secret, tokens). */
  secrets: () => Iterable<string>;
  random?: () => number;
  /** Called once per HTTP attempt; must not throw (errors are ignored). */
  onCall?: (event: CallEvent) => void;
}

/** Codes Marketo does not count against the daily quota (§3.2 starred, plus limiter rejections). */
const UNCOUNTED = new Set(['600', '601', '602', '604', '605', '608', '611', '606', '607', '615']);

/** Replaces every secret (client secret, tokens) found in a text. */
export function createRedactor(secrets: () => Iterable<string>): (text: string) => string {
  return (text) => {
    let out = text;
    for (const secret of secrets()) {
      if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  };
}

export interface Core {
  execute<T>(spec: CallSpec, ctx: CallContext, handle: ResponseHandler<T>): Promise<T>;
  /** A JSON call: the envelope of a successful response, or a MarketoError. */
  json(spec: CallSpec, ctx: CallContext): Promise<Envelope>;
  redact(text: string): string;
}

export function createCore(options: CoreOptions): Core {
  const { transport, limiter, tokens, logger, retry } = options;
  const random = options.random ?? Math.random;

  const redact = createRedactor(options.secrets);

  const observe = (
    spec: CallSpec,
    event: Pick<CallEvent, 'code' | 'attempt' | 'waitedMs'>,
    sentAt: number,
  ) => {
    if (!options.onCall) return;
    // `endpoint` is `METHOD /path/{id}`: the template, never the filled-in path.
    const space = spec.endpoint.indexOf(' ');
    const route = space > 0 ? spec.endpoint.slice(space + 1) : spec.endpoint;
    try {
      options.onCall({
        method: spec.method,
        endpoint: route.split('?')[0] ?? route,
        ...event,
        durationMs: performance.now() - sentAt,
      });
    } catch {
      // Metrics never break a call.
    }
  };

  const sleep = (ms: number, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  async function execute<T>(
    spec: CallSpec,
    ctx: CallContext,
    handle: ResponseHandler<T>,
  ): Promise<T> {
    // Refused before anything is sent when the operation or its key has no calls left.
    await ctx.tracker?.admit?.(spec.endpoint);
    const started = performance.now();
    // The operation's request id on every line about its calls (as a child logger would put it,
    // without making one per call: most calls write no line at the usual level).
    const log = (
      level: 'debug' | 'info' | 'warn',
      message: string,
      data: Record<string, unknown>,
    ) =>
      logger[level](
        message,
        ctx.requestId === undefined ? data : { requestId: ctx.requestId, ...data },
      );
    const deadlineMs = spec.deadlineMs ?? options.deadlineMs;
    const deadlineAt = started + deadlineMs;
    const call = callSignal(ctx.signal, deadlineMs);
    const { signal } = call;
    let attempts = 0;
    let retries = 0;
    let reauthed = false;
    let waitedMs = 0;
    let durationMs = 0;
    let recordsRead = 0;

    const track = (errorCode?: string) => {
      ctx.tracker?.record({
        endpoint: spec.endpoint,
        recordsSent: spec.recordsSent ?? 0,
        recordsRead,
        waitedMs: Math.round(waitedMs),
        durationMs: Math.round(durationMs),
        ...(errorCode !== undefined && { errorCode }),
        attempts,
      });
    };

    const fail = (details: ConstructorParameters<typeof MarketoError>[0], cause?: unknown) => {
      const error = new MarketoError(
        { ...details, message: redact(details.message), endpoint: spec.endpoint },
        cause === undefined ? undefined : { cause },
      );
      track(error.code);
      log('debug', 'marketo call failed', { ...error.toJSON(), attempts });
      return error;
    };

    /** Why we stopped when the signal fired: the caller, or our own deadline. */
    const stopped = (sent: boolean, causeCode?: string) => {
      const byCaller = ctx.signal?.aborted === true;
      if (sent && !spec.idempotent) {
        return fail({
          code: 'OUTCOME_UNKNOWN',
          message: `The call was interrupted after it was sent; Marketo may or may not have applied it`,
          causeCode: causeCode ?? (byCaller ? 'ABORTED' : 'DEADLINE_EXCEEDED'),
        });
      }
      return byCaller
        ? fail({ code: 'ABORTED', message: 'The call was aborted by the caller' })
        : fail({
            code: 'DEADLINE_EXCEEDED',
            message: `No answer within the ${deadlineMs} ms call deadline`,
            retryable: true,
            ...(causeCode !== undefined && { causeCode }),
          });
    };

    /** Whether to try again after a failure; sleeps the backoff when so. */
    const again = async (c: Classification, code: string): Promise<boolean> => {
      if (c.kind !== 'transient') return false;
      if (!spec.idempotent && !c.rejectedBeforeWork) return false;
      if (spec.replayable === false || retries >= retry.maxRetries) return false;
      retries++;
      const delay = backoffDelay(retries, { ...backoffFor(code, retry), random });
      if (performance.now() + delay >= deadlineAt) return false;
      log('warn', 'marketo call retrying', {
        endpoint: spec.endpoint,
        code,
        retry: retries,
        delay,
      });
      await sleep(delay, signal);
      return true;
    };

    try {
      for (;;) {
        if (signal.aborted) throw stopped(false);
        const waitStart = performance.now();
        let lease: Awaited<ReturnType<RateLimiter['acquire']>>;
        try {
          lease = await limiter.acquire({
            ...(ctx.principal !== undefined && { principal: ctx.principal }),
            signal,
          });
        } catch (error) {
          waitedMs += performance.now() - waitStart;
          if (signal.aborted) throw stopped(false);
          if (error instanceof MarketoError) throw fail(error.toJSON());
          throw fail({ code: 'ABORTED', message: 'The Marketo client is closed' }, error);
        }
        const attemptWaitedMs = performance.now() - waitStart;
        waitedMs += attemptWaitedMs;

        let token: string;
        try {
          token = await tokens.getToken();
        } catch (error) {
          await lease.release({ counted: false });
          if (error instanceof MarketoError) throw fail(error.toJSON(), error);
          throw fail({ code: 'AUTH_FAILED', message: 'Could not obtain an access token' }, error);
        }

        attempts++;
        const attempt = attempts;
        const sentAt = performance.now();
        let outcome: Outcome<T>;
        let response: TransportResponse | undefined;
        try {
          response = await transport.send({
            method: spec.method,
            path: spec.path,
            ...(spec.query && { query: spec.query }),
            headers: { ...spec.headers, authorization: `Bearer ${token}` },
            ...(spec.body && { body: spec.body() }),
            signal,
            timeoutMs: Math.max(
              1,
              Math.min(
                spec.timeoutMs ?? endpointTimeoutMs(spec.method, spec.endpoint),
                deadlineAt - sentAt,
              ),
            ),
            ...(spec.compress !== undefined && { compress: spec.compress }),
          });
          // Marketo had the call by the time its answer began: its window counts from now.
          lease.responded?.();
          outcome = await handle(response);
        } catch (error) {
          durationMs += performance.now() - sentAt;
          await response?.dump();
          const failure = classifyTransportError(error);
          observe(spec, { code: failure.code, attempt, waitedMs: attemptWaitedMs }, sentAt);
          await lease.release({ counted: !failure.notSent });
          if (signal.aborted) throw stopped(!failure.notSent);
          const c: Classification = {
            kind: 'transient',
            rejectedBeforeWork: failure.notSent,
          };
          log('debug', 'marketo transport error', { endpoint: spec.endpoint, code: failure.code });
          if (await again(c, failure.code).catch(() => false)) continue;
          if (signal.aborted) throw stopped(!failure.notSent, failure.code);
          if (!spec.idempotent && !failure.notSent) {
            throw fail(
              {
                code: 'OUTCOME_UNKNOWN',
                message: `Connection failed (${failure.code}) after the call was sent; Marketo may or may not have applied it`,
                causeCode: failure.code,
              },
              error,
            );
          }
          throw fail(
            {
              code: 'TRANSPORT',
              message: `Connection to Marketo failed (${failure.code})`,
              causeCode: failure.code,
              retryable: true,
            },
            error,
          );
        }

        if (outcome.ok) {
          recordsRead += outcome.recordsRead;
          const finish = (error?: unknown) => {
            call.done();
            durationMs += performance.now() - sentAt;
            const code =
              error === undefined
                ? 'success'
                : error instanceof MarketoError
                  ? error.code
                  : classifyTransportError(error).code;
            observe(spec, { code, attempt, waitedMs: attemptWaitedMs }, sentAt);
            void lease.release({ counted: true });
            if (error === undefined) {
              track();
              log('debug', 'marketo call', {
                endpoint: spec.endpoint,
                attempts,
                waitedMs: Math.round(waitedMs),
                durationMs: Math.round(durationMs),
              });
            } else {
              track(error instanceof MarketoError ? error.code : 'TRANSPORT');
            }
          };
          // A body handed on still streaming ends the call (`finish`) when it ends.
          if (outcome.hold) outcome.hold(finish);
          else finish();
          return outcome.value;
        }

        durationMs += performance.now() - sentAt;
        observe(spec, { code: outcome.code, attempt, waitedMs: attemptWaitedMs }, sentAt);
        const c = classifyCode(outcome.code, outcome.message);
        // Forget a rejected token before freeing the slot, so that the next caller to get the slot
        // does not send the same dead token.
        if (c.kind === 'reauth') await tokens.invalidate(token);
        await lease.release({ counted: !UNCOUNTED.has(outcome.code) });

        if (c.kind === 'reauth' && !reauthed && spec.replayable !== false) {
          // 600 only means "renew" when a token was actually sent, which is always the case here.
          reauthed = true;
          log('info', 'marketo token rejected; renewing and replaying once', {
            endpoint: spec.endpoint,
            code: outcome.code,
          });
          continue;
        }
        if (await again(c, outcome.code).catch(() => false)) continue;
        if (signal.aborted && c.kind === 'transient')
          throw stopped(!c.rejectedBeforeWork, outcome.code);

        const base = {
          message: outcome.message,
          ...(outcome.requestId !== undefined && { requestId: outcome.requestId }),
          ...(outcome.httpStatus !== undefined && { httpStatus: outcome.httpStatus }),
        };
        if (c.kind === 'transient' && !spec.idempotent && !c.rejectedBeforeWork) {
          throw fail({
            ...base,
            code: 'OUTCOME_UNKNOWN',
            message: `Marketo answered ${outcome.code} (${outcome.message}) to a call that is not safe to repeat; it may or may not have been applied`,
            causeCode: outcome.code,
          });
        }
        const resetsAt =
          c.kind === 'quota'
            ? new Date(
                nextCentralMidnight(serverTimeFromRequestId(outcome.requestId) ?? Date.now()),
              ).toISOString()
            : undefined;
        throw fail({
          ...base,
          code: outcome.code,
          retryable: isRetryableForCaller(c),
          ...(resetsAt !== undefined && { resetsAt }),
        });
      }
    } catch (error) {
      call.done();
      throw error;
    }
  }

  const jsonHandler: ResponseHandler<Envelope> = async (response) => {
    const buf = await readAll(response.body);
    const contentType = String(response.headers['content-type'] ?? '');
    if (response.status !== 200) {
      const text = buf.toString('utf8', 0, Math.min(buf.length, 300)).trim();
      return {
        ok: false,
        code: `HTTP_${response.status}`,
        message: text && !contentType.includes('html') ? text : `HTTP ${response.status}`,
        httpStatus: response.status,
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(buf.toString('utf8'));
    } catch {
      return {
        ok: false,
        code: 'BAD_RESPONSE',
        message: 'Marketo returned a body that is not JSON',
        httpStatus: 200,
      };
    }
    const envelope = parseEnvelope(body);
    if (!envelope) {
      return {
        ok: false,
        code: 'BAD_RESPONSE',
        message: 'Not a Marketo envelope',
        httpStatus: 200,
      };
    }
    if (!envelope.success) {
      const first = envelope.errors[0];
      return {
        ok: false,
        code: first?.code ?? 'BAD_RESPONSE',
        message:
          envelope.errors.map((e) => e.message).join('; ') ||
          'Marketo reported failure without errors',
        ...(envelope.requestId !== undefined && { requestId: envelope.requestId }),
      };
    }
    return { ok: true, value: envelope, recordsRead: envelope.result.length };
  };

  return {
    execute,
    json: (spec, ctx) => execute(spec, ctx, jsonHandler),
    redact,
  };
}
