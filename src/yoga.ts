/**
 * The yoga app: schema, per-request context, error masking that lets expected errors through with
 * their codes, `extensions.marketo` cost reporting, offline GraphiQL, `/health` and `/ready`,
 * request ids (`x-request-id`) and, given metrics, `/metrics`.
 */
import { GraphQLError, type GraphQLSchema, Kind } from 'graphql';
import {
  createYoga,
  handleStreamOrSingleExecutionResult,
  maskError,
  type Plugin,
  useReadinessCheck,
  type YogaServerInstance,
} from 'graphql-yoga';
import { type Access, createAccess, unauthenticatedError } from './auth/access.js';
import type { Principal } from './auth/scopes.js';
import { createContext, type GatewayServices, type GraphQLContext } from './context.js';
import { withSharedCost } from './cost.js';
import { isExpectedError, toGraphQLError } from './errors.js';
import { mayAddress } from './http-paths.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics/index.js';
import {
  isUnexpected,
  maskedError,
  REQUEST_ID_HEADER,
  requestIdOf,
  useRequestId,
  useUnexpectedErrors,
} from './request-id.js';
import { useCodedRefusals } from './security/coded-refusals.js';
import { authenticatedPrincipal } from './security/early-auth.js';
import { boundedError } from './security/excerpt.js';
import { useJsonDepthLimit } from './security/json-depth.js';
import { useOperationLimits } from './security/operation-limits.js';
import { scopeRefusal } from './security/operation-scopes.js';
import {
  createSubscriptionCounts,
  type SubscriptionCounts,
  useSubscriptionLimits,
} from './security/subscription-limits.js';
import type { SubscriptionSlots } from './redis/subscription-slots.js';
import { DEFAULT_LIMITS, type SecuritySettings } from './security/settings.js';
import { useSharedSubscriptionResults } from './shared-subscriptions.js';
import { uploadError } from './uploads/multipart.js';
import type { Tracer } from '@opentelemetry/api';
import { useCompressedPages } from './compressed-pages.js';
import { useExpectedLeadReaders } from './loaders/expected-readers.js';
import { useRawJsonResults } from './raw-json.js';
import { useOperationSpans } from './tracing/graphql.js';
import { exampleTabs } from './graphiql-examples.js';
import { withFusedHooks } from './fused-hooks.js';
import { useStreamedUploads } from './uploads/plugin.js';
import { UploadStore, type UploadStoreOptions } from './uploads/store.js';

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** Per yoga made here, the subscription counts its limits plugin keeps. */
const subscriptionCounts = new WeakMap<object, SubscriptionCounts>();

/**
 * The subscription counts of `yoga`, for subscriptions started without it (ws.ts's light
 * subscribers), so the limits hold for all; undefined for a yoga made elsewhere.
 */
export function subscriptionCountsOf(yoga: GatewayYoga): SubscriptionCounts | undefined {
  return subscriptionCounts.get(yoga);
}

/**
 * Adds what the operation cost in Marketo calls to every result (`extensions.marketo`); for a
 * subscription, each event carries the cost so far.
 */
export function useMarketoCost(): Plugin<GraphQLContext> {
  const withCost =
    (context: GraphQLContext) =>
    (payload: Parameters<typeof handleStreamOrSingleExecutionResult>[0]) =>
      handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
        setResult({
          ...result,
          extensions: { ...result.extensions, marketo: context.cost.summary() },
        });
      });
  // Subscribers sharing an event's result whose costs are the same object (nothing spent) get
  // the same object, so whatever comes after (graphql-ws's frame) sees one result, not thousands.
  const withCostShared =
    (context: GraphQLContext) =>
    (payload: Parameters<typeof handleStreamOrSingleExecutionResult>[0]) =>
      handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
        setResult(withSharedCost(result, context.cost.summary()));
      });
  return {
    onExecute({ args }) {
      return { onExecuteDone: withCost(args.contextValue) };
    },
    onSubscribe({ args }) {
      return { onSubscribeResult: withCostShared(args.contextValue) };
    },
  };
}

/**
 * Yoga's `/ready` plugin, looking at a request only when its URL may address `/ready`: yoga's
 * parses every request's URL and runs a URLPattern on it (http-paths.ts).
 */
function readinessCheck(check: NonNullable<Parameters<typeof useReadinessCheck>[0]>['check']) {
  const endpoint = '/ready';
  const plugin: Plugin = useReadinessCheck({ endpoint, check });
  const { onRequest } = plugin;
  return {
    ...plugin,
    ...(onRequest && {
      onRequest: (payload) =>
        mayAddress(payload.request, endpoint) ? onRequest(payload) : undefined,
    }),
  } satisfies Plugin;
}

/** Yoga's own log lines: its extra arguments (yoga does not say which request they are of). */
function yogaDetails(args: unknown[]): Record<string, unknown> {
  return { details: args.slice(1) };
}

export function createGatewayYoga(options: {
  schema: GraphQLSchema;
  services: GatewayServices;
  logger: Logger;
  /**
   * `/ready` answers 503 while this is false (Marketo or Redis away), or with the Response it
   * gives (a failing data directory); always 200 without it.
   */
  ready?: () => Promise<boolean | Response>;
  /** Who may call; open (everyone `anonymous`) without it. */
  access?: Access;
  /** Operation limits, CORS, production mode; default limits without it. */
  security?: Omit<SecuritySettings, 'apiKeys' | 'allowAnonymous'>;
  /** Where multipart uploads are streamed to (GATEWAY_UPLOAD_DIR); the OS temp dir without it. */
  uploads?: UploadStoreOptions;
  /** Prometheus metrics and `/metrics` (access: `security.metrics`); none without it. */
  metrics?: GatewayMetrics;
  /** The `/status` page and its feed (same access as `/metrics`); none without it. */
  status?: Plugin;
  /** OpenTelemetry: a span per operation (OTEL_EXPORTER_OTLP_ENDPOINT); none without it. */
  tracer?: Tracer;
  /** Persisted operations (GATEWAY_PERSISTED_OPERATIONS_FILE); queries as sent without it. */
  persistedOperations?: Plugin;
  /** Per-key subscription slots held fleet-wide (REDIS_URL); counted per instance without it. */
  subscriptionSlots?: SubscriptionSlots;
}): GatewayYoga {
  const { logger } = options;
  const access = options.access ?? createAccess();
  const security = options.security ?? { limits: DEFAULT_LIMITS, production: false };
  const uploadLimits = {
    maxUploadBytes: security.limits.maxUploadBytes,
    maxUploadFiles: security.limits.maxUploadFiles,
    maxFieldBytes: security.limits.maxBodyBytes,
    maxRowBytes: security.limits.maxRowBytes,
  };
  /** Errors `maskError` has seen (and, when unexpected, logged). */
  const masked = new WeakSet<object>();
  function maskGatewayError(error: unknown, message: string, isDev?: boolean): Error {
    masked.add(error as object);
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isExpectedError(original)) {
      return toGraphQLError(original, error instanceof GraphQLError ? error : undefined);
    }
    if (
      error instanceof GraphQLError &&
      error.path === undefined &&
      (original === undefined ||
        original instanceof GraphQLError ||
        error.nodes?.[0]?.kind === Kind.VARIABLE_DEFINITION)
    ) {
      // A request error of graphql-js (a variable of the wrong type, a missing one, a value a
      // scalar refused) comes without a code; it is the caller's to fix, so it says so.
      if (error.extensions.code !== undefined) return error;
      return new GraphQLError(error.message, {
        ...(error.nodes && { nodes: error.nodes }),
        ...(error.source && { source: error.source }),
        ...(error.positions && { positions: error.positions }),
        extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
      });
    }
    if (!(error instanceof GraphQLError) || error.originalError) {
      // Outside execution and the context factory (which report theirs with the request id):
      // no request is known here.
      logger.error('unexpected error', { error: original ?? error });
      return maskedError(error instanceof GraphQLError ? error : undefined);
    }
    return maskError(error, message, isDev);
  }
  const counts = createSubscriptionCounts(security.limits, options.subscriptionSlots);
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // graphql-ws authenticates at connect and passes `principal`; HTTP and SSE carry the header.
    context: ({
      request,
      req,
      principal,
    }: {
      request?: Request;
      req?: unknown;
      principal?: Principal;
    }) => {
      // graphql-ws and early-auth.ts have checked the key already; SSE/GET paths may not have.
      const caller =
        principal ??
        authenticatedPrincipal(req) ??
        access.principalFor(request?.headers.get('authorization'));
      if (!caller) throw unauthenticatedError();
      const requestId = request && requestIdOf(request);
      try {
        return createContext(options.services, {
          principal: caller,
          ...(request?.signal && { signal: request.signal }),
          ...(requestId !== undefined && { requestId }),
        });
      } catch (error) {
        if (!isUnexpected(error)) throw error;
        // Masked here, where the request's id is known (yoga's mask function has no request).
        logger.error('unexpected error', { error, ...(requestId !== undefined && { requestId }) });
        throw maskedError(undefined, requestId);
      }
    },
    batching: false,
    // Off: the node:http guard (body-limit.ts) bounds every body before yoga sees it (a declared
    // length within GATEWAY_MAX_BODY_BYTES, or the upload limits for multipart; no chunked
    // bodies), and the streamed multipart parser checks each file. Yoga's check would open the
    // request's body stream beside the multipart parser's read of the socket, and that stream
    // would queue the whole upload in memory for as long as the import holds the request.
    maxRequestBodySize: false,
    ...(security.corsOrigins && {
      cors: {
        origin: [...security.corsOrigins],
        methods: ['GET', 'POST', 'OPTIONS'],
        allowedHeaders: ['authorization', 'content-type', 'accept', REQUEST_ID_HEADER],
        exposedHeaders: [REQUEST_ID_HEADER],
        credentials: false,
        maxAge: 600,
      },
    }),
    // Loaded on the first GraphiQL page: its bundle costs ~50-80 MB of RSS once imported.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    // Example tabs made per page load: the export's date range ends today.
    graphiql: () => ({
      title: 'Marketo GraphQL gateway',
      subscriptionsProtocol: 'WS',
      defaultTabs: exampleTabs(),
    }),
    maskedErrors: {
      // Whatever the error, a bounded excerpt of caller input (security/excerpt.ts).
      maskError: (error, message, isDev) => {
        const result = maskGatewayError(error, message, isDev);
        return result instanceof GraphQLError ? boundedError(result) : result;
      },
    },
    logging: {
      debug: (...args: unknown[]) => logger.debug(String(args[0]), yogaDetails(args)),
      info: (...args: unknown[]) => logger.info(String(args[0]), yogaDetails(args)),
      warn: (...args: unknown[]) => logger.warn(String(args[0]), yogaDetails(args)),
      // Yoga logs every error `maskError` replaced: expected ones are the caller's business, and
      // unexpected ones were logged there already, with the request id.
      error: (...args: unknown[]) =>
        typeof args[0] === 'object' && args[0] !== null && masked.has(args[0])
          ? logger.debug(String(args[0]), yogaDetails(args))
          : logger.error(String(args[0]), yogaDetails(args)),
    },
    // Our hooks of each kind run as one step of yoga's pipeline (fused-hooks.ts).
    plugins: withFusedHooks([
      useRequestId(),
      useCodedRefusals(),
      ...(options.persistedOperations ? [options.persistedOperations] : []),
      useJsonDepthLimit(),
      useUnexpectedErrors(),
      ...useOperationLimits(security.limits, security.production),
      useMarketoCost(),
      useExpectedLeadReaders(options.services.leadReads, access),
      useSubscriptionLimits(security.limits, options.subscriptionSlots, counts),
      useSharedSubscriptionResults(),
      readinessCheck(options.ready ?? (() => true)),
      // Replaces yoga's multipart parser, which holds every uploaded file in memory.
      useStreamedUploads({
        store: new UploadStore(options.uploads),
        limits: uploadLimits,
        logger,
        authorize: (request) => {
          const principal = access.principalFor(request.headers.get('authorization'));
          if (!principal) return undefined; // refused before the body (early-auth.ts)
          return (operations) => {
            const refusal = scopeRefusal(
              options.schema,
              principal,
              operations,
              security.limits.maxTokens,
            );
            return refusal && uploadError(403, refusal.code, refusal.message);
          };
        },
      }),
      ...(options.metrics?.plugins({ access, mode: security.metrics ?? 'admin' }) ?? []),
      ...(options.status ? [options.status] : []),
      ...(options.tracer ? [useOperationSpans(options.tracer)] : []),
      useCompressedPages(),
      // Pages of export rows: their stored JSON text written into the answer, unparsed.
      useRawJsonResults(),
    ]),
  });
  subscriptionCounts.set(yoga, counts);
  return yoga;
}
