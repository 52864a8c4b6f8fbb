/**
 * GraphQL metrics (parse, validate, execute and subscribe durations, operations, errors, HTTP
 * duration) on the gateway's own registry, and the number of open subscriptions (graphql-ws and
 * SSE). The names, labels and buckets are those of `@graphql-yoga/plugin-prometheus` (the
 * dashboard and the README list them), recorded here with prom-client directly: that plugin is
 * three plugins whose hooks spread the context, filter label params and build closures per phase
 * of every request (about 4 % of the gateway's CPU per `lead(id)`).
 *
 * Operation names are the caller's choice and arrive before authentication and validation, so
 * they are bounded: only names that are GraphQL names, the first MAX_OPERATION_NAMES of them;
 * later ones count as `other`. No `url` or `path` label: a GET URL holds the query and its
 * variables, and a response path holds the caller's aliases.
 */
import { type DocumentNode, type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { isExpectedError } from '../errors.js';

const MAX_OPERATION_NAMES = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A label value from an open-ended set, kept to `max` distinct values. */
function boundedLabel(max: number, valid: RegExp): (value: string | undefined) => string {
  const seen = new Set<string>();
  return (value) => {
    if (value === undefined || value === '') return 'Anonymous';
    if (!valid.test(value)) return 'invalid';
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/** The code a client sees for an error (expected errors are given theirs when masked, later). */
function errorCode(error: unknown): string {
  if (error instanceof GraphQLError) {
    const code = error.extensions['code'];
    if (typeof code === 'string') return code;
    if (isExpectedError(error.originalError)) return error.originalError.code;
    return error.originalError ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_ERROR';
  }
  return isExpectedError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
}

/** The labels every GraphQL metric has. */
type OperationLabels = {
  operationName: string;
  operationType: string;
};

type Phase = 'parse' | 'validate' | 'context' | 'execute' | 'subscribe';

/** What yoga's context holds from the start of a request (before our context factory's part). */
interface RequestContext {
  request?: Request;
  params?: { operationName?: string | null };
}

/** Seconds since `start` (a `performance.now()`). */
const since = (start: number) => (performance.now() - start) / 1000;

export function useGraphQLMetrics(registry: Registry): Plugin {
  const operationName = boundedLabel(MAX_OPERATION_NAMES, GRAPHQL_NAME);
  const codes = boundedLabel(100, /^[A-Za-z0-9_.-]{1,60}$/);
  const labelNames = ['operationName', 'operationType'];
  const histogram = (name: string, help: string, extra: string[] = []) =>
    new Histogram({
      name,
      help,
      labelNames: [...labelNames, ...extra],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  const requests = new Counter({
    name: 'graphql_envelop_request',
    help: 'GraphQL operations executed (queries, mutations, subscriptions)',
    labelNames,
    registers: [registry],
  });
  // `graphql_envelop_request_duration` times what the plugin timed: execution (or the
  // subscription's life), despite its help text's "from parse".
  const requestDuration = histogram(
    'graphql_envelop_request_duration',
    'Time spent on a GraphQL operation from parse to the end of execution',
  );
  const parseDuration = histogram(
    'graphql_envelop_phase_parse',
    'Time spent parsing GraphQL operations',
  );
  const validateDuration = histogram(
    'graphql_envelop_phase_validate',
    'Time spent validating GraphQL operations (operation limits included)',
  );
  const executeDuration = histogram(
    'graphql_envelop_phase_execute',
    'Time spent executing queries and mutations (Marketo calls included)',
  );
  const subscribeDuration = histogram(
    'graphql_envelop_phase_subscribe',
    'Time a subscription was open (from subscribe to its end)',
  );
  const errors = new Counter({
    name: 'graphql_envelop_error_result',
    help: 'Errors in GraphQL results by phase and code (extensions.code)',
    labelNames: ['operationName', 'operationType', 'phase', 'code'],
    registers: [registry],
  });
  const httpDuration = histogram(
    'graphql_yoga_http_duration',
    'Time spent on GraphQL HTTP requests (until the response starts)',
    ['method', 'statusCode'],
  );

  const countCode = (labels: OperationLabels, phase: Phase, code: string) =>
    errors.inc({ ...labels, phase, code: codes(code) });
  const countError = (labels: OperationLabels, phase: Phase, error: unknown) =>
    countCode(labels, phase, errorCode(error));
  const countErrors = (labels: OperationLabels, result: ExecutionResult) => {
    // Subscription events' errors count as `execute`, as the plugin counted them.
    if (result.errors) for (const error of result.errors) countError(labels, 'execute', error);
  };
  /** Labels of a parsed operation, as the plugin gave them (its first definition's type). */
  const labelsOf = (document: DocumentNode, name: string | null | undefined): OperationLabels => {
    const first = document.definitions[0];
    const operation = first?.kind === 'OperationDefinition' ? first : undefined;
    return {
      operationName: operationName(name || operation?.name?.value),
      operationType: operation?.operation ?? 'unknown',
    };
  };
  const unparsed: OperationLabels = { operationName: 'Anonymous', operationType: 'unknown' };
  /** Per operation (its context, the same object from parse to execution). */
  const byContext = new WeakMap<object, OperationLabels>();
  const started = new WeakMap<Request, number>();
  const byRequest = new WeakMap<Request, OperationLabels>();

  /** Counts and times an operation that has ended (or a subscription that closed). */
  const ended = (labels: OperationLabels, seconds: number, phase: Histogram) => {
    requests.inc(labels);
    requestDuration.observe(labels, seconds);
    phase.observe(labels, seconds);
  };
  /** A phase's result: a single one is counted now, a stream as each event comes and when it ends. */
  const phaseResult = (
    labels: OperationLabels,
    start: number,
    phase: Histogram,
    result: ExecutionResult | AsyncIterable<ExecutionResult>,
  ) => {
    if (isAsyncIterable(result)) {
      return {
        onNext: ({ result: next }: { result: ExecutionResult }) => countErrors(labels, next),
        onEnd: () => ended(labels, since(start), phase),
      };
    }
    countErrors(labels, result);
    ended(labels, since(start), phase);
    return undefined;
  };

  return {
    onPluginInit({ registerContextErrorHandler }) {
      registerContextErrorHandler(({ context, error }) => {
        countError(byContext.get(context) ?? unparsed, 'context', error);
      });
    },
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onParse({ context }) {
      const start = performance.now();
      return ({ result, context: parsed }) => {
        const seconds = since(start);
        if (result instanceof Error || result === null) {
          parseDuration.observe(unparsed, seconds);
          countError(unparsed, 'parse', result);
          return;
        }
        const { request, params } = context as RequestContext;
        const labels = labelsOf(result, params?.operationName);
        byContext.set(parsed, labels);
        if (request) byRequest.set(request, labels);
        parseDuration.observe(labels, seconds);
      };
    },
    onValidate({ context }) {
      const labels = byContext.get(context);
      if (!labels) return undefined;
      const start = performance.now();
      return ({ valid, result }) => {
        validateDuration.observe(labels, since(start));
        if (valid) return;
        // The first error's code (graphql-armor's, the cost's), else what yoga answers.
        const code = result[0]?.extensions['code'];
        countCode(
          labels,
          'validate',
          typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED',
        );
      };
    },
    onExecute({ args }) {
      const labels = byContext.get(args.contextValue as object);
      if (!labels) return undefined;
      const start = performance.now();
      return {
        onExecuteDone: ({ result }) => phaseResult(labels, start, executeDuration, result),
      };
    },
    onSubscribe({ args }) {
      const labels = byContext.get(args.contextValue as object);
      if (!labels) return undefined;
      const start = performance.now();
      return {
        onSubscribeResult: ({ result }) => phaseResult(labels, start, subscribeDuration, result),
        onSubscribeError({ error }) {
          countError(labels, 'subscribe', error);
        },
      };
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      const labels = byRequest.get(request);
      // Requests that parsed an operation, as the plugin counted them.
      if (start === undefined || !labels) return;
      httpDuration.observe(
        { ...labels, method: request.method, statusCode: response.status },
        since(start),
      );
    },
  };
}

/** Open subscriptions, counted from their first event until they end, fail or are cancelled. */
export function useSubscriptionGauge(registry: Registry): Plugin {
  const gauge = new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'GraphQL subscriptions open now, by transport (websocket: graphql-ws; http: SSE)',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  for (const transport of ['websocket', 'http']) gauge.set({ transport }, 0);
  return {
    onSubscribe({ args }) {
      // graphql-ws contexts carry the socket; HTTP ones the fetch Request.
      const transport = 'socket' in (args.contextValue as object) ? 'websocket' : 'http';
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          gauge.inc({ transport });
          setResult(
            untilEnd(result, () => {
              gauge.dec({ transport });
            }),
          );
        },
      };
    },
  };
}

/** The same stream, calling `onEnd` once when it completes, fails or is returned early. */
function untilEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    // Plain `then`s, not an async function: this runs per event per subscriber.
    next() {
      return iterator.next().then(
        (step) => {
          if (step.done) end();
          return step;
        },
        (error: unknown) => {
          end();
          throw error;
        },
      );
    },
    async return(value?: unknown) {
      // Counted down at once: a pending `next` may wait long for an event that never comes.
      end();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      end();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}
