import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql-js for everyone: Vite would resolve our sources' `graphql` to index.mjs while the
  // libraries (Pothos, yoga) load the CommonJS build in Node, giving two realms.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel forks but keep it modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
