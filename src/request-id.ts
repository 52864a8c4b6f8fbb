/**
 * Request ids: every HTTP request gets one (a caller's sane `x-request-id`, else a fresh UUID),
 * answered as the `x-request-id` header, used as the operation's `requestId` (every log line of
 * the operation carries it) and attached to masked errors (`extensions.requestId`) so that a user
 * can quote it to support and it finds the `unexpected error` log line.
 *
 * The id travels with the request (a WeakMap) and the operation's context, not in an
 * AsyncLocalStorage: that one's promise hooks ran on every promise of every request.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { isExpectedError } from './errors.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it is a short token that is safe to log and echo back. */
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

const byRequest = new WeakMap<Request, string>();

/** The caller's `x-request-id` when sane, else a new UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE_ID.test(header) ? header : randomUUID();
}

/** The id of an HTTP request: given on first ask, the same from then on. */
export function requestIdOf(request: Request): string {
  let id = byRequest.get(request);
  if (id === undefined) {
    id = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
    byRequest.set(request, id);
  }
  return id;
}

/** Gives each HTTP request its id and answers it in the `x-request-id` header. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response, setResponse }) {
      const id = requestIdOf(request);
      try {
        response.headers.set(REQUEST_ID_HEADER, id);
      } catch {
        // Immutable headers (a proxied response): answer a copy.
        const headers = new Headers(response.headers);
        headers.set(REQUEST_ID_HEADER, id);
        setResponse(new Response(response.body, { status: response.status, headers }));
      }
    },
  };
}

/** The error a client sees for anything unexpected: yoga's generic message, plus the request id. */
export function maskedError(error: GraphQLError | undefined, requestId?: string): GraphQLError {
  return new GraphQLError('Unexpected error.', {
    ...(error?.nodes && { nodes: error.nodes }),
    ...(error?.source && { source: error.source }),
    ...(error?.positions && { positions: error.positions }),
    ...(error?.path && { path: error.path }),
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...(requestId !== undefined && { requestId }),
      // Yoga's mark (never sent over HTTP): a failed request without data answers 500.
      unexpected: true,
    },
  });
}

/**
 * Whether yoga would mask this error: a resolver threw something that is neither a GraphQLError
 * nor one of the gateway's expected errors (GatewayError, MarketoError).
 */
export function isUnexpected(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return !isExpectedError(error);
  const original: unknown = error.originalError;
  if (original == null) return false;
  return isUnexpected(original);
}

/**
 * Logs every unexpected error of an operation through the operation's logger (requestId and
 * principal included) and masks it with `extensions.requestId`, for queries, mutations and each
 * event of a subscription, over HTTP, SSE and graphql-ws alike. Yoga's own masking (which has no
 * context) then lets these through unchanged.
 */
export function useUnexpectedErrors(): Plugin<GraphQLContext> {
  const report = (context: GraphQLContext, error: unknown): GraphQLError => {
    const located = error instanceof GraphQLError ? error : undefined;
    context.logger.error('unexpected error', {
      error: located?.originalError ?? error,
      ...(located?.path && { path: located.path.join('.') }),
    });
    return maskedError(located, context.requestId);
  };
  const onResult =
    (context: GraphQLContext) =>
    (payload: Parameters<typeof handleStreamOrSingleExecutionResult>[0]) =>
      handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
        if (!result.errors?.some(isUnexpected)) return;
        setResult({
          ...result,
          errors: result.errors.map((e) => (isUnexpected(e) ? report(context, e) : e)),
        });
      });
  return {
    onExecute({ args }) {
      return { onExecuteDone: onResult(args.contextValue) };
    },
    onSubscribe({ args }) {
      const context = args.contextValue;
      return {
        onSubscribeResult: onResult(context),
        onSubscribeError({ error, setError }) {
          if (isUnexpected(error) && !isAbort(error)) setError(report(context, error));
        },
      };
    },
  };
}

/** Aborts (a client going away) are never reported: yoga drops them itself. */
function isAbort(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'AbortError' || name === 'TimeoutError';
}
