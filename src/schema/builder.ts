/**
 * The Pothos builder: plugins, scalars and context type only. Types live one per file next to
 * their queries and mutations (`src/schema/*.ts`); `index.ts` imports them and builds the schema.
 */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { DateResolver, DateTimeResolver, JSONObjectResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLContext } from '../context.js';
import { GatewayError } from '../errors.js';

export interface GatewaySchemaTypes {
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  DefaultFieldNullability: true;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

export const builder = new SchemaBuilder<GatewaySchemaTypes>({
  plugins: [ErrorsPlugin, SimpleObjectsPlugin, RelayPlugin],
  errors: {
    // A project class, not Error: anything unexpected stays masked by yoga.
    defaultTypes: [GatewayError],
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

builder.queryType({ description: 'Read Marketo: leads, fields, lists, campaigns, jobs, limits.' });
builder.mutationType({
  description: 'Write to Marketo: upserts, list membership, campaigns, imports.',
});
builder.subscriptionType({ description: 'Follow long-running Marketo jobs.' });
