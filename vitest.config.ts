import { defineConfig } from 'vitest/config';

// One run, three tiers chosen by folder: unit (no sockets), integration (real Redis and
// PostgreSQL, and PGlite), e2e (spawned processes + simulators). Integration and e2e files run
// one at a time, after the unit files: they share the local Redis and PostgreSQL, and the machine
// has two cores.
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    projects: [
      // Unit files run two at a time, before the integration and e2e tiers (vitest runs a project
      // whose files run one at a time after the others, and its default for the rest is one worker
      // fewer than the cores: on the two-core machine, one). The few that walk the whole defect set
      // need more than vitest's default 5 s when the machine is busy.
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: 2, testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          // Hooks start PGlite (WebAssembly), which can take over 60 s when the machine is loaded.
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
