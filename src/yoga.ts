/**
 * The yoga app: schema, per-request context, error masking that lets expected errors through with
 * their codes, `extensions.marketo` cost reporting, offline GraphiQL and `/health`.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import {
  createYoga,
  handleStreamOrSingleExecutionResult,
  maskError,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { createContext, type GatewayServices, type GraphQLContext } from './context.js';
import { isExpectedError, toGraphQLError } from './errors.js';
import type { Logger } from './logger.js';

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
}): GatewayYoga {
  const { logger } = options;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    context: ({ request }: { request?: Request }) =>
      createContext(options.services, request?.signal ? { signal: request.signal } : {}),
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
    plugins: [useMarketoCost()],
  });
}
