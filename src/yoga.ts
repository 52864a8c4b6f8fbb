/**
 * The yoga app: schema, per-request context, error masking that lets expected errors through with
 * their codes, `extensions.marketo` cost reporting, offline GraphiQL, `/health` and `/ready`.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type GraphQLSchema } from 'graphql';
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
import { isExpectedError, toGraphQLError } from './errors.js';
import type { Logger } from './logger.js';
import { useOperationLimits } from './security/operation-limits.js';
import { DEFAULT_LIMITS, type SecuritySettings } from './security/settings.js';

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

const EXAMPLE_QUERY = `# Marketo through GraphQL. Try:
query Example {
  marketoStatus { mode instance callsToday dailyQuotaLeft }
  leads(ids: [1, 2, 3]) { id email firstName lastName company createdAt }
  lists(first: 5) { edges { node { id name } } }
}
`;

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
  return {
    onExecute({ args }) {
      return { onExecuteDone: withCost(args.contextValue) };
    },
    onSubscribe({ args }) {
      return { onSubscribeResult: withCost(args.contextValue) };
    },
  };
}

export function createGatewayYoga(options: {
  schema: GraphQLSchema;
  services: GatewayServices;
  logger: Logger;
  /** `/ready` answers 503 while this is false (Marketo or Redis away); always 200 without it. */
  ready?: () => Promise<boolean>;
  /** Who may call; open (everyone `anonymous`) without it. */
  access?: Access;
  /** Operation limits, CORS, production mode; default limits without it. */
  security?: Omit<SecuritySettings, 'apiKeys' | 'allowAnonymous'>;
}): GatewayYoga {
  const { logger } = options;
  const access = options.access ?? createAccess();
  const security = options.security ?? { limits: DEFAULT_LIMITS, production: false };
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // graphql-ws authenticates at connect and passes `principal`; HTTP and SSE carry the header.
    context: ({ request, principal }: { request?: Request; principal?: Principal }) => {
      const caller = principal ?? access.principalFor(request?.headers.get('authorization'));
      if (!caller) throw unauthenticatedError();
      return createContext(options.services, {
        principal: caller,
        ...(request?.signal && { signal: request.signal }),
      });
    },
    batching: false,
    // The node:http guard (body-limit.ts) enforces GATEWAY_MAX_BODY_BYTES first; yoga's own
    // check (25 MB by default) must not refuse what that limit allows.
    maxRequestBodySize: security.limits.maxBodyBytes,
    ...(security.corsOrigins && {
      cors: {
        origin: [...security.corsOrigins],
        methods: ['GET', 'POST', 'OPTIONS'],
        allowedHeaders: ['authorization', 'content-type', 'accept'],
        credentials: false,
        maxAge: 600,
      },
    }),
    renderGraphiQL,
    graphiql: {
      title: 'Marketo GraphQL gateway',
      subscriptionsProtocol: 'WS',
      defaultQuery: EXAMPLE_QUERY,
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (isExpectedError(original)) {
          return toGraphQLError(original, error instanceof GraphQLError ? error : undefined);
        }
        if (!(error instanceof GraphQLError) || error.originalError) {
          logger.error('unexpected error', { error: original ?? error });
        }
        return maskError(error, message, isDev);
      },
    },
    logging: {
      debug: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
      info: (...args: unknown[]) => logger.info(String(args[0]), { details: args.slice(1) }),
      warn: (...args: unknown[]) => logger.warn(String(args[0]), { details: args.slice(1) }),
      error: (...args: unknown[]) => logger.error(String(args[0]), { details: args.slice(1) }),
    },
    plugins: [
      ...useOperationLimits(security.limits, security.production),
      useMarketoCost(),
      useReadinessCheck({ endpoint: '/ready', check: options.ready ?? (() => true) }),
    ],
  });
}
