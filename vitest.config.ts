import { defineConfig } from 'vitest/config';

// Two projects: the in-process suites (unit tests of the cores, the deterministic simulations)
// run in parallel; the suites that start real node processes run one file at a time, since a
// two-core machine cannot host several clusters at once without starving their heartbeats.
const spawnsProcesses = ['test/integration/**/*.test.ts', 'test/interop/**/*.test.ts', 'test/unit/cli/**/*.test.ts', 'test/unit/cluster/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'cores', include: ['test/**/*.test.ts'], exclude: spawnsProcesses },
      },
      {
        extends: true,
        test: { name: 'processes', include: spawnsProcesses },
      },
    ],
  },
});
