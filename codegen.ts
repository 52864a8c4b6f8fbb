/**
 * `npm run codegen`: prints the Pothos schema to `schema.graphql` (schema-ast) and generates typed
 * documents for the tests' `graphql(...)` operations into `test/gql/` (client preset, string mode).
 * `npm run codegen:check` fails when either is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

const config: CodegenConfig = {
  schema: printSchema(schema),
  documents: ['test/**/*.test.ts', 'test/helpers/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  importExtension: '.js',
  generates: {
    'schema.graphql': { plugins: ['schema-ast'] },
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          DateTime: 'string',
          Date: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
          RowValues: 'unknown[][]',
        },
      },
    },
  },
};

export default config;
