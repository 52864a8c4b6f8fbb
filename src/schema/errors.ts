/**
 * GraphQL shapes of the gateway's expected errors, for fields that return errors as values
 * (errors plugin: `errors: {}` on a field). Thrown errors still reach clients as GraphQL errors
 * with `extensions.code` (see src/yoga.ts).
 */
import { GatewayError, InputError } from '../errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Anything a field can return as an expected failure.',
  fields: (t) => ({
    message: t.exposeString('message', { nullable: false }),
  }),
});

builder.objectType(GatewayError, {
  name: 'BaseError',
  description: 'An expected failure with a code (Marketo codes such as "1003" are kept).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof GatewayError && !(value instanceof InputError),
  fields: (t) => ({
    code: t.exposeString('code', { nullable: false }),
  }),
});

builder.objectType(InputError, {
  name: 'InputError',
  description:
    'The request is wrong as a whole; names the argument and, where relevant, the field.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InputError,
  fields: (t) => ({
    code: t.exposeString('code', { nullable: false }),
    argument: t.exposeString('argument', { nullable: false }),
    field: t.exposeString('field', { nullable: true }),
  }),
});
