import { defineConfig } from 'vitest/config';

export default defineConfig({
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
