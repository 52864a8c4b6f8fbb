/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then every GraphQL
 * operation is a span (graphql.ts) and every Marketo call attempt a child span of it, exported
 * over OTLP/HTTP (JSON) to `<endpoint>/v1/traces` in batches. Off, nothing is created or timed.
 */
import { context, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Env } from '../env-vars.js';
import type { CallEvent } from '../marketo/call.js';
import { ConfigError } from '../marketo/errors.js';

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (`/v1/traces` is added). */
  endpoint: string;
  /** OTEL_SERVICE_NAME (default `marketo-graphql-gateway`). */
  serviceName: string;
}

export function tracingFromEnv(env: Env): TracingSettings | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  try {
    new URL(endpoint);
  } catch {
    throw new ConfigError(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'must be a URL, e.g. http://collector:4318',
    );
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'marketo-graphql-gateway',
  };
}

export interface Tracing {
  /** The gateway's tracer (GraphQL operations). */
  readonly tracer: Tracer;
  /** A finished Marketo call attempt, as a span under the operation that made it. */
  onMarketoCall(event: CallEvent): void;
  /** Exports what is pending, then stops. */
  shutdown(): Promise<void>;
}

let contextManagerSet = false;

export function startTracing(settings: TracingSettings): Tracing {
  // Spans find their parent operation through async context (one manager per process).
  if (!contextManagerSet) {
    contextManagerSet = context.setGlobalContextManager(
      new AsyncLocalStorageContextManager().enable(),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces` })),
    ],
  });
  const tracer = provider.getTracer('marketo-graphql-gateway');
  return {
    tracer,
    onMarketoCall(event) {
      const end = Date.now();
      const span: Span = tracer.startSpan(
        `marketo ${event.method} ${event.endpoint}`,
        {
          kind: SpanKind.CLIENT,
          startTime: end - event.durationMs,
          attributes: {
            'http.request.method': event.method,
            'marketo.endpoint': event.endpoint,
            'marketo.code': event.code,
            'marketo.attempt': event.attempt,
            'marketo.retry': event.attempt > 1,
            'marketo.limiter_wait_ms': event.waitedMs,
          },
        },
        context.active(),
      );
      if (event.code !== 'success') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `Marketo ${event.code}` });
      }
      span.end(end);
    },
    shutdown: () => provider.shutdown(),
  };
}
