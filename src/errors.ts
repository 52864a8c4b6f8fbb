/**
 * Expected failures of the gateway, as values with codes. Resolvers throw these (or a MarketoError
 * from the client); yoga's mask function turns them into GraphQLErrors with `extensions.code`
 * through `toGraphQLError`. Anything else stays masked as "Unexpected error.".
 */
import { GraphQLError } from 'graphql';
import { MarketoError } from './marketo/errors.js';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Extra members for `extensions` (JSON-safe, never secrets). */
  extensions?: Record<string, unknown>;
}

/** Base class of every error the gateway means to show a client (also the errors plugin's default type). */
export class GatewayError extends Error {
  readonly code: string;
  readonly extensions: Record<string, unknown>;
  constructor(code: string, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.extensions = options.extensions ?? {};
  }
}

/**
 * The request as a whole is wrong (unknown field, oversized list…). Names the argument path
 * (`input.lookupField`, `leadIds`) and, where one is involved, the Marketo field.
 */
export class InputError extends GatewayError {
  readonly argument: string;
  readonly field: string | undefined;
  constructor(argument: string, message: string, options: { field?: string; extra?: object } = {}) {
    super('BAD_USER_INPUT', `${argument}: ${message}`, {
      extensions: {
        argument,
        ...(options.field !== undefined && { field: options.field }),
        ...options.extra,
      },
    });
    this.name = 'InputError';
    this.argument = argument;
    this.field = options.field;
  }
}

export class NotFoundError extends GatewayError {
  constructor(what: string, id: string | number) {
    super('NOT_FOUND', `${what} ${id} not found`, { extensions: { id } });
    this.name = 'NotFoundError';
  }
}

/** The gateway or Marketo cannot do this right now / at all (limits, Marketo refusals). */
export class UpstreamError extends GatewayError {
  constructor(error: MarketoError) {
    super(error.code, error.message, {
      cause: error,
      extensions: {
        marketo: {
          ...(error.requestId !== undefined && { requestId: error.requestId }),
          ...(error.endpoint !== undefined && { endpoint: error.endpoint }),
          retryable: error.retryable,
          ...(error.resetsAt !== undefined && { resetsAt: error.resetsAt }),
        },
      },
    });
    this.name = 'UpstreamError';
  }
}

/** Whether an error is one we chose to show (others are masked). */
export function isExpectedError(error: unknown): error is GatewayError | MarketoError {
  return error instanceof GatewayError || error instanceof MarketoError;
}

/** The client-facing GraphQLError for an expected error; Marketo's codes kept in `extensions.code`. */
export function toGraphQLError(
  error: GatewayError | MarketoError,
  base?: Pick<GraphQLError, 'nodes' | 'source' | 'positions' | 'path'>,
): GraphQLError {
  const gatewayError = error instanceof MarketoError ? new UpstreamError(error) : error;
  return new GraphQLError(gatewayError.message, {
    ...(base?.nodes && { nodes: base.nodes }),
    ...(base?.source && { source: base.source }),
    ...(base?.positions && { positions: base.positions }),
    ...(base?.path && { path: base.path }),
    extensions: { code: gatewayError.code, ...gatewayError.extensions },
  });
}
