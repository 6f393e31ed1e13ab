import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'apps/web/test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB allows one writing process per file; every test makes its own data dir, so files may
    // run in parallel, but two cores is all there is.
    maxWorkers: 2,
  },
});
