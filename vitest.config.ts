import { defineConfig } from 'vitest/config';

// One run, three tiers chosen by folder: unit (no sockets), integration (real Redis and
// PostgreSQL, and PGlite), e2e (spawned processes + simulators). Groups run in order: unit files
// two at a time (group 0), e2e files two at a time (group 1), integration files one at a time
// (group 2). An e2e file owns its database, Redis key prefix, private redis-server, ports and
// processes, and spends most of its time waiting (outages, restarts, polls), so two share the two
// cores well: one at a time, e2e was ~500 of the suite's ~930 s. Integration files stay one at a
// time: several time a job or a scrape inside one process and are the first to feel a busy machine.
/** Unit files that replace modules with `vi.mock`: each needs a module graph of its own. */
export const MOCKED = ['test/unit/cli/program.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    projects: [
      // Unit files run two at a time, before the integration and e2e tiers (vitest's default is one
      // worker fewer than the cores: on the two-core machine, one). The few that walk the whole defect set
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
          sequence: { groupOrder: 2 },
          maxWorkers: 1,
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
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
