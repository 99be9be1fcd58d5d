import { defineConfig } from 'vitest/config';

// One run, three tiers chosen by folder: unit (no sockets), integration (real Redis and
// PostgreSQL, and PGlite), e2e (spawned processes + simulators). Integration and e2e files run
// one at a time: they share the local Redis and PostgreSQL, and the machine has two cores.
// Long files that spend their time waiting, not computing: their own project, so they run at the
// same time as the sequential e2e files instead of adding their minutes after them.
const SLOW_AND_IDLE = ['test/e2e/target-outage.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [...SLOW_AND_IDLE],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      // Files that mostly wait (a target down for five minutes): beside the others, not after them.
      {
        extends: true,
        test: {
          name: 'e2e-idle',
          include: [...SLOW_AND_IDLE],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
