/**
 * The Pothos builder: plugins, scalars and context type only. Types live one per file next to
 * their queries and mutations (`src/schema/*.ts`); `index.ts` imports them and builds the schema.
 */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { DateResolver, DateTimeResolver, JSONObjectResolver, JSONResolver } from 'graphql-scalars';
import { grantedScopes, type Scope } from '../auth/scopes.js';
import type { GraphQLContext } from '../context.js';
import { GatewayError, InputError } from '../errors.js';
import { MarketoError } from '../marketo/errors.js';
import { RawJson } from '../raw-json.js';

export interface GatewaySchemaTypes {
  Context: GraphQLContext;
  /** An API key's scopes (`src/auth/scopes.ts`); `admin` grants them all. */
  AuthScopes: Record<Scope, boolean>;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    // A RawJson output is an object's JSON text (export rows), spliced into the answer as it is.
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> | RawJson };
    /** Rows of cells as JSON (`[[…],…]`), from its stored text; output only. */
    RowValues: { Input: never; Output: RawJson | unknown[][] };
    /** A multipart upload (GraphQL multipart request spec); input only. */
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: true;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

export const builder = new SchemaBuilder<GatewaySchemaTypes>({
  // scope-auth first: its check runs before the errors plugin could turn a refusal into a value.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, SimpleObjectsPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (ctx) => grantedScopes(ctx.principal),
    // A subscription is refused when it starts, not on its first event.
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, ctx, info) =>
      new GatewayError(
        'FORBIDDEN',
        `API key "${ctx.principal.name}" may not use ${info.parentType.name}.${info.fieldName}`,
      ),
  },
  errors: {
    // Project classes, not Error: anything unexpected stays masked by yoga. Mutations
    // (`errors: {}`) answer `<Payload> | BaseError | InputError | MarketoApiError`.
    defaultTypes: [GatewayError, InputError, MarketoError],
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName[0]?.toUpperCase() ?? ''}${fieldName.slice(1)}Outcome`,
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('Date', DateResolver);
builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.scalarType('RowValues', {
  description:
    'Rows as JSON: an array with one array per row of its cells (any JSON value). Output only; written into the answer as stored, never built cell by cell.',
  serialize: (value) => {
    if (value instanceof RawJson || Array.isArray(value)) return value;
    throw new TypeError('RowValues: not rows');
  },
  parseValue: () => {
    throw new TypeError('RowValues is output only');
  },
});

builder.queryType({
  description: 'Read Marketo: leads, fields, lists, campaigns, jobs, limits.',
  // Every read needs leads:read unless its field says otherwise (export jobs).
  authScopes: { 'leads:read': true },
});
builder.mutationType({
  description: 'Write to Marketo: upserts, list membership, campaigns, imports.',
});
builder.subscriptionType({ description: 'Follow long-running Marketo jobs.' });
