/**
 * GraphQL shapes of the gateway's expected errors. Every mutation returns its outcome as data
 * (errors plugin, `directResult`): `<Payload> | BaseError | InputError | MarketoApiError`, so a
 * mutation that failed as a whole is a typed value in its own field and never nulls the results of
 * the fields that ran. Scope refusals, and errors of queries, still reach clients as GraphQL errors
 * with `extensions.code` (see src/yoga.ts).
 */
import { GatewayError, InputError } from '../errors.js';
import { MarketoError } from '../marketo/errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<Error & { code: string }>('Error').implement({
  description:
    'An expected failure of a mutation as a whole: query `... on Error { code message }` on any mutation.',
  fields: (t) => ({
    code: t.exposeString('code', {
      nullable: false,
      description: 'Marketo\'s code where Marketo gave one ("1003", "607"), else the gateway\'s.',
    }),
    message: t.exposeString('message', { nullable: false }),
  }),
});

/** JSON-safe details of a gateway error (limits, reset times), never secrets; null when none. */
const details = (error: GatewayError) =>
  Object.keys(error.extensions).length > 0 ? error.extensions : null;

builder.objectType(GatewayError, {
  name: 'BaseError',
  description:
    'An expected failure with a code (KEY_QUOTA_EXHAUSTED, MARKETO_COST_LIMIT, NOT_FOUND…).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof GatewayError && !(value instanceof InputError),
  fields: (t) => ({
    details: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'What the code says in numbers: a limit, when it resets.',
      resolve: details,
    }),
  }),
});

builder.objectType(InputError, {
  name: 'InputError',
  description:
    'The request is wrong as a whole; names the argument and, where relevant, the field.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InputError,
  fields: (t) => ({
    argument: t.exposeString('argument', { nullable: false }),
    field: t.exposeString('field', { nullable: true }),
    details: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'More about the refusal (a row number, a limit), when there is more.',
      resolve: ({ extensions: { argument: _argument, field: _field, ...rest } }) =>
        Object.keys(rest).length > 0 ? rest : null,
    }),
  }),
});

builder.objectType(MarketoError, {
  name: 'MarketoApiError',
  description:
    "Marketo refused the call, or its outcome is unknown (OUTCOME_UNKNOWN: it may have run). `code` is Marketo's where it gave one.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof MarketoError,
  fields: (t) => ({
    retryable: t.exposeBoolean('retryable', {
      nullable: false,
      description: 'Whether repeating the same mutation later can succeed.',
    }),
    requestId: t.exposeString('requestId', { nullable: true }),
    resetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a quota refusal lifts.',
      resolve: (error) => error.resetsAt ?? null,
    }),
  }),
});
