/**
 * GraphQL Code Generator for an app that calls the gateway: typed operations from your own
 * `graphql(...)` calls, against the gateway's committed schema, plus a manifest of persisted
 * operations (sha256 → document) that the gateway can be told to accept exclusively
 * (GATEWAY_PERSISTED_OPERATIONS_FILE, GATEWAY_PERSISTED_ONLY=true).
 *
 *   npm i -D @graphql-codegen/cli @graphql-codegen/client-preset
 *   npx graphql-codegen --config codegen.ts
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // A copy of the gateway's schema.graphql, or its URL with an introspection-allowed key.
  schema: process.env.GATEWAY_SCHEMA ?? 'schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  generates: {
    'src/gql/': {
      preset: 'client',
      // For a bundler (Vite, webpack, Next.js…): imports without extensions. A Node project on
      // "moduleResolution": "NodeNext" adds `importExtension: '.js'` beside `preset`.
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // The gateway's scalars as they travel in JSON.
        scalars: {
          DateTime: 'string',
          Date: 'string',
          EmailAddress: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
          File: 'File',
        },
      },
    },
  },
};

export default config;
