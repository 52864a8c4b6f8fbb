/**
 * One span per GraphQL operation (`query LeadsByIds`, `mutation …`, `subscription …`), made the
 * active context while it runs so the Marketo calls it makes become its children. Its attributes
 * name the operation and what it cost in Marketo calls; errors set its status.
 */
import {
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type ExecutionArgs, type ExecutionResult, getOperationAST } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';

function startOperationSpan(tracer: Tracer, args: ExecutionArgs): Span {
  const operation = getOperationAST(args.document, args.operationName);
  const type = operation?.operation ?? 'query';
  const name = operation?.name?.value ?? args.operationName ?? 'anonymous';
  const ctx = args.contextValue as GraphQLContext;
  return tracer.startSpan(`${type} ${name}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'graphql.operation.type': type,
      'graphql.operation.name': name,
      'gateway.request_id': ctx.requestId,
    },
  });
}

function finish(span: Span, args: ExecutionArgs, result: ExecutionResult | undefined): void {
  span.setAttribute('marketo.calls', (args.contextValue as GraphQLContext).cost.summary().calls);
  const error = result?.errors?.[0];
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

export function useOperationSpans(tracer: Tracer): Plugin<GraphQLContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const span = startOperationSpan(tracer, args);
      const active = trace.setSpan(context.active(), span);
      setExecuteFn((inner) => context.with(active, () => executeFn(inner)));
      return {
        onExecuteDone: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result }) => {
            finish(span, args, result);
            span.end();
          }),
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const span = startOperationSpan(tracer, args);
      const active = trace.setSpan(context.active(), span);
      setSubscribeFn((inner) => context.with(active, () => subscribeFn(inner)));
      return {
        onSubscribeError: ({ error }) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          span.end();
        },
        onSubscribeResult: () => ({
          onEnd: () => {
            finish(span, args, undefined);
            span.end();
          },
        }),
      };
    },
  };
}
