import { defineConfig } from 'vitest/config';

// One run, three tiers chosen by folder: unit (no sockets), integration (real Redis and
// PostgreSQL, and PGlite), e2e (spawned processes + simulators). Integration and e2e files run
// one at a time, after the unit files: they share the local Redis and PostgreSQL, and the machine
// has two cores.
/** Unit files that replace modules with `vi.mock`: each needs a module graph of its own. */
export const MOCKED = ['test/unit/cli/program.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    projects: [
      // Unit files run two at a time, before the integration and e2e tiers (vitest runs a project
      // whose files run one at a time after the others, and its default for the rest is one worker
      // fewer than the cores: on the two-core machine, one). The few that walk the whole defect set
      // need more than vitest's default 5 s when the machine is busy.
      // They share their worker's process and module graph (`isolate: false`): importing the source
      // once per worker instead of once per file is most of the unit tier's time. A unit file leaves
      // nothing behind (its databases closed, its spies restored, no module state of its own) and
      // passes in any order (`--sequence.shuffle`); a file that must replace a module (`vi.mock`)
      // runs in a module graph of its own, in `unit-mocked`.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: MOCKED,
          isolate: false,
          maxWorkers: 2,
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: { name: 'unit-mocked', include: MOCKED, maxWorkers: 2, testTimeout: 30_000 },
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
