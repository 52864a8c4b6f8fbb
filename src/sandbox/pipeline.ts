/**
 * The request pipeline in front of every Marketo endpoint, in the order Marketo's gateway applies
 * it: concurrency at request start (615), URI length (414), body size (413), identity, access token
 * (600/601/602), method (605), rate window and daily quota (606/607), unknown resource (610),
 * malformed JSON (609), injected faults, then the route. Every route (bulk ones included) goes
 * through here, so limits, faults, stats and the envelope apply uniformly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import { envelopeBody, fail, MESSAGES, writeJson, writeText } from './envelope.js';
import type { Faults, PickedFault } from './faults.js';
import { identityReply, type Tokens } from './identity.js';
import type { Limits } from './limits.js';
import {
  accessToken,
  contentTypeOf,
  multipartField,
  parseRequest,
  readBody,
  splitUrl,
} from './request.js';
import type { Router } from './router.js';
import { endpointKey, type Stats } from './stats.js';
import type { Route, SandboxRequest, SandboxResponse } from './types.js';

/** Codes Marketo doesn't count against the rate window or the quota (§3.2, §10.10). */
const UNCOUNTED = new Set(['600', '601', '602', '604', '605', '606', '607', '608', '611', '615']);

/** Body content types Marketo's endpoints take; anything else is 612 Invalid Content Type. */
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

export interface PipelineDeps {
  router: Router;
  tokens: Tokens;
  credentials: ReadonlyMap<string, string>;
  limits: Limits;
  faults: Faults;
  stats: Stats;
  requestId: () => string;
  legacyAccessTokenParam: boolean;
  /**
   * Keep connections open between calls. Marketo answers every call with `Connection: close`
   * (the default here too); tests and benchmarks that want to skip the reconnect may keep them.
   */
  keepAlive: boolean;
  logger: Logger;
  /** Control plane (`/__sandbox/…`): no auth, no limits, never counted. */
  control(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

type Envelope = Exclude<SandboxResponse, { kind: 'raw' }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A token header or parameter that is there but empty (as opposed to none at all). */
function tokenGivenEmpty(req: IncomingMessage, query: URLSearchParams): boolean {
  const auth = req.headers.authorization;
  if (auth !== undefined) return /^(Bearer)?\s*$/i.test(auth.trim());
  return query.has('access_token');
}

export function createPipeline(deps: PipelineDeps) {
  const { limits, stats, faults } = deps;

  const rateMessage = () =>
    `Max rate limit '${limits.settings.rateLimit}' exceeded with in '${limits.settings.rateWindowMs / 1000}' secs`;
  const messageFor = (code: string) => {
    if (code === '606') return rateMessage();
    if (code === '615') return `Concurrent access limit '${limits.settings.concurrency}' reached`;
    return MESSAGES[code];
  };
  const failure = (code: string, message?: string): Envelope =>
    fail(code, message ?? messageFor(code)) as Envelope;

  const gzipOk = (req: IncomingMessage, path: string) =>
    path.startsWith('/rest/') && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

  function sendEnvelope(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    response: Envelope,
  ) {
    if (response.kind === 'errors') for (const e of response.errors) stats.error(e.code);
    writeJson(res, 200, envelopeBody(deps.requestId(), response), { gzip: gzipOk(req, path) });
  }

  function sendRaw(res: ServerResponse, response: Extract<SandboxResponse, { kind: 'raw' }>) {
    if (response.status >= 400) stats.error(String(response.status));
    res.writeHead(response.status, { Server: 'nginx', ...response.headers });
    const { body } = response;
    if (body instanceof Readable) {
      body.on('error', () => res.destroy());
      res.on('close', () => body.destroy());
      body.pipe(res);
    } else res.end(body);
  }

  function sendHttpFault(res: ServerResponse, status: number) {
    stats.error(String(status));
    const text =
      status === 502
        ? 'Bad Gateway'
        : status === 503
          ? 'Service Temporarily Unavailable'
          : 'Internal Server Error';
    writeText(res, status, `<html><body><h1>${status} ${text}</h1></body></html>`);
  }

  /** Applies a fault's outcome; returns true when it answered the call. */
  function applyFault(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    fault: PickedFault,
  ): boolean {
    const action = fault.action;
    if (!action) return false;
    if (action.kind === 'drop') {
      stats.error('drop');
      req.socket.destroy();
    } else if (action.kind === 'http') sendHttpFault(res, action.status);
    else sendEnvelope(req, res, path, failure(action.code, action.message));
    return true;
  }

  async function handleIdentity(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    query: URLSearchParams,
  ) {
    const fault = faults.pick(key, true);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.action && fault.action.kind !== 'error' && applyFault(req, res, '/identity', fault))
      return;
    if (req.method !== 'GET' && req.method !== 'POST') {
      stats.error('405');
      writeJson(res, 405, {
        error: 'method_not_allowed',
        error_description: `Request method '${req.method}' not supported`,
      });
      return;
    }
    const reply = identityReply(query, deps.credentials, deps.tokens);
    if (reply.status === 200) stats.tokenIssued();
    else stats.error(String(reply.status));
    // Recorded identity answers: chunked, no-store, and Spring Security's protective headers.
    writeJson(res, reply.status, reply.body, {
      chunked: true,
      headers: {
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'X-XSS-Protection': '1; mode=block',
        'X-Frame-Options': 'DENY',
      },
    });
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: ReturnType<typeof parseRequest>,
    key: string,
  ) {
    const { path, method, query } = parsed;
    const reply = (response: Envelope) => sendEnvelope(req, res, path, response);

    // Calling the identity service under /rest is a classic mistake; Marketo answers 600.
    if (path.startsWith('/rest/identity/')) return reply(failure('600'));
    const token =
      accessToken(req, query, deps.legacyAccessTokenParam) ??
      (deps.legacyAccessTokenParam
        ? await multipartField(req, parsed.rawBody, 'access_token')
        : undefined);
    if (!token) {
      return reply(failure('600', tokenGivenEmpty(req, query) ? 'Empty access token' : undefined));
    }
    const check = deps.tokens.check(token);
    if (!check.ok) return reply(failure(check.code));

    const resolved = deps.router.resolve(method, path);
    if ('code' in resolved && resolved.code === '605') {
      return reply(failure('605', `Request method '${method}' not supported`));
    }
    const reservation = limits.reserve(check.clientId);
    if ('code' in reservation) return reply(failure(reservation.code));
    const finish = (counted: boolean) => {
      if (counted) stats.windowCount(reservation.windowCount);
      else reservation.release();
    };
    if ('code' in resolved) {
      finish(true);
      return reply(failure('610'));
    }
    await runRoute(req, res, parsed, key, resolved, check.clientId, finish);
  }

  async function runRoute(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: ReturnType<typeof parseRequest>,
    key: string,
    resolved: { route: Route; params: Record<string, string> },
    clientId: string,
    finish: (counted: boolean) => void,
  ) {
    const { path } = parsed;
    const fault = faults.pick(key, false);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.when === 'before' && fault.action) {
      finish(fault.action.kind === 'error' && !UNCOUNTED.has(fault.action.code));
      applyFault(req, res, path, fault);
      return;
    }
    if (parsed.jsonError) {
      finish(true);
      return sendEnvelope(req, res, path, failure('609'));
    }
    if (
      parsed.rawBody &&
      !BODY_TYPES.some((t) => contentTypeOf(req) === t || contentTypeOf(req).endsWith('+json'))
    ) {
      finish(true);
      return sendEnvelope(req, res, path, failure('612'));
    }
    const request: SandboxRequest = {
      method: parsed.method,
      path,
      params: resolved.params,
      query: parsed.query,
      ...(parsed.json !== undefined && { json: parsed.json }),
      ...(parsed.rawBody && { rawBody: parsed.rawBody }),
      headers: req.headers,
      clientId,
    };
    let response: SandboxResponse;
    try {
      response = await resolved.route.handle(request);
    } catch (error) {
      deps.logger.error('sandbox route failed', { endpoint: key, error });
      response = failure('611');
    }
    if (fault.action) {
      // The work is done; the client only sees the fault (unknown outcome).
      finish(false);
      if (response.kind === 'raw' && response.body instanceof Readable) response.body.destroy();
      applyFault(req, res, path, fault);
      return;
    }
    const firstError = response.kind === 'errors' ? response.errors[0]?.code : undefined;
    finish(resolved.route.counted !== false && !(firstError && UNCOUNTED.has(firstError)));
    if (response.kind === 'raw') sendRaw(res, response);
    else sendEnvelope(req, res, path, response);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const { path: rawPath } = splitUrl(rawUrl);
    if (rawPath === '/__sandbox' || rawPath.startsWith('/__sandbox/'))
      return deps.control(req, res);

    if (!deps.keepAlive) res.setHeader('Connection', 'close');
    const identity = rawPath === '/identity/oauth/token';
    const rawKey = endpointKey(req.method ?? 'GET', rawPath);
    const drainThen = (fn: () => void) => {
      req.resume();
      if (req.readableEnded) fn();
      else req.once('end', fn);
    };

    if (!identity) {
      if (!limits.enter()) {
        stats.call(rawKey);
        return drainThen(() => sendEnvelope(req, res, rawPath, failure('615')));
      }
      stats.concurrency(limits.inFlight);
      res.once('close', () => limits.leave());
    }
    if (Buffer.byteLength(rawUrl) > limits.settings.maxUrlBytes) {
      stats.call(rawKey);
      stats.error('414');
      return drainThen(() => writeText(res, 414, 'Request-URI Too Long'));
    }
    if (rawPath.includes('//')) {
      stats.call(rawKey);
      return drainThen(() => sendEnvelope(req, res, rawPath, failure('610')));
    }
    const body = await readBody(
      req,
      deps.router.maxBodyBytes(rawPath, limits.settings.maxBodyBytes),
    );
    if (body === 'too-large') {
      stats.call(rawKey);
      stats.error('413');
      return writeText(res, 413, 'Request Entity Too Large');
    }
    const parsed = parseRequest(req, body);
    const key = endpointKey(parsed.method, parsed.path);
    stats.call(key);
    if (identity) return handleIdentity(req, res, key, parsed.query);
    if (!rawPath.startsWith('/rest/') && !rawPath.startsWith('/bulk/')) {
      return sendEnvelope(req, res, rawPath, failure('610'));
    }
    return handleApi(req, res, parsed, key);
  };
}
