/**
 * GraphQL metrics through `@graphql-yoga/plugin-prometheus` (parse, validate, context, execute and
 * subscribe durations, operations, errors, HTTP duration) on the gateway's own registry, and the
 * number of open subscriptions (graphql-ws and SSE).
 *
 * Operation names are the caller's choice and arrive before authentication and validation, so
 * they are bounded: only names that are GraphQL names, the first MAX_OPERATION_NAMES of them;
 * later ones count as `other`. The plugin's `url` and `path` labels are left out: a GET URL holds
 * the query and its variables, and a response path holds the caller's aliases.
 */
import {
  createCounter,
  createHistogram,
  type FillLabelsFnParams,
  usePrometheus,
} from '@graphql-yoga/plugin-prometheus';
import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { Gauge, type Registry } from 'prom-client';
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

export function useGraphQLMetrics(registry: Registry): Plugin {
  const operationName = boundedLabel(MAX_OPERATION_NAMES, GRAPHQL_NAME);
  const codes = boundedLabel(100, /^[A-Za-z0-9_.-]{1,60}$/);
  const operation = (params: FillLabelsFnParams) => ({
    operationName: operationName(params.operationName),
    operationType: params.operationType ?? 'unknown',
  });
  const labelNames = ['operationName', 'operationType'] as const;
  const phaseHistogram = <Phase>(name: string, help: string, phases: [Phase, ...Phase[]]) =>
    createHistogram<Phase, (typeof labelNames)[number]>({
      registry,
      histogram: { name, help, labelNames, buckets: DURATION_BUCKETS },
      fillLabelsFn: operation,
      phases,
    });

  return usePrometheus({
    registry,
    // Served by `useMetricsEndpoint`, which checks who asks.
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_request',
          help: 'GraphQL operations executed (queries, mutations, subscriptions)',
          labelNames,
        },
        fillLabelsFn: operation,
        phases: ['execute', 'subscribe'],
      }),
      graphql_envelop_request_duration: phaseHistogram(
        'graphql_envelop_request_duration',
        'Time spent on a GraphQL operation from parse to the end of execution',
        ['execute', 'subscribe'],
      ),
      // The histogram above says the same; summaries cost more and cannot be aggregated.
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: phaseHistogram(
        'graphql_envelop_phase_parse',
        'Time spent parsing GraphQL operations',
        ['parse'],
      ),
      graphql_envelop_phase_validate: phaseHistogram(
        'graphql_envelop_phase_validate',
        'Time spent validating GraphQL operations (operation limits included)',
        ['validate'],
      ),
      // The plugin times nothing there (it always observes 0 in envelop/prometheus 14).
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: phaseHistogram(
        'graphql_envelop_phase_execute',
        'Time spent executing queries and mutations (Marketo calls included)',
        ['execute'],
      ),
      graphql_envelop_phase_subscribe: phaseHistogram(
        'graphql_envelop_phase_subscribe',
        'Time a subscription was open (from subscribe to its end)',
        ['subscribe'],
      ),
      graphql_envelop_error_result: createCounter<
        'parse' | 'validate' | 'context' | 'execute' | 'subscribe',
        'operationName' | 'operationType' | 'phase' | 'code',
        FillLabelsFnParams & { error: unknown; errorPhase: string }
      >({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Errors in GraphQL results by phase and code (extensions.code)',
          labelNames: ['operationName', 'operationType', 'phase', 'code'],
        },
        fillLabelsFn: (params) => ({
          ...operation(params),
          phase: params.errorPhase,
          code: codes(errorCode(params.error)),
        }),
        phases: ['parse', 'validate', 'context', 'execute', 'subscribe'],
      }),
      graphql_envelop_deprecated_field: false,
      graphql_envelop_execute_resolver: false,
      graphql_envelop_schema_change: false,
      graphql_yoga_http_duration: createHistogram<
        'request',
        'operationName' | 'operationType' | 'method' | 'statusCode',
        FillLabelsFnParams & { request: Request; response: Response }
      >({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on GraphQL HTTP requests (until the response starts)',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: (params) => ({
          ...operation(params),
          method: params.request.method,
          statusCode: params.response.status,
        }),
        phases: ['request'],
      }),
    },
  });
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
