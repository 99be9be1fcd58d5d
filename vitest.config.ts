import { defineConfig } from 'vitest/config';

// One run, three tiers chosen by folder: unit (no sockets), integration (real Redis and
// PostgreSQL, and PGlite), e2e (spawned processes + simulators). Two groups run in order. The first
// holds the e2e, integration and unit files, two at a time (FIRST_GROUP_WORKERS), handed out project by project (vitest's
// sequencer: by project name, so e2e, integration, integration-isolated, unit, unit-mocked; within a project the larger
// file first, or the longer one by vitest's cache of durations): a worker that ends a tier takes
// the next tier's files at once instead of waiting for the other worker's last file (a group ends
// when its last file does). The second holds the few integration files that time
// something inside their process, one at a time. An e2e file owns its database, Redis key prefix,
// private redis-server, ports and processes, and spends most of its time waiting (outages,
// restarts, polls), so several share the two cores well: one at a time, e2e was ~500 of the suite's
// ~930 s. An integration file owns its database (a copy of the migrated template), its Redis key
// prefix, its PGlite folder and its ports, and looks at PostgreSQL's sessions and locks of its own
// database only, so several run at once, and beside an e2e file or a unit file as well.
/**
 * Files of the first group run at once (vitest requires one number for every project of a group). Two: ci11 tried
 * three (the faults files wait for the outages they hold, so a third would take other files meanwhile); the lead's CI
 * run of it took 832 s of vitest against 841 with two, and went red: the chaos file's token request was answered 503
 * "the database refuses the work, try again in 30 s" (a 53xxx SQLSTATE, most likely 53300, out of connections:
 * max_connections 100 with three files' stacks and pools open at once).
 */
const FIRST_GROUP_WORKERS = 2;
/** Unit files that replace modules with `vi.mock`: each needs a module graph of its own. */
export const MOCKED = ['test/unit/cli/program.test.ts', 'test/unit/cli/program-exit-codes.test.ts'];
/**
 * Integration files that judge a time, an order or a rate inside their own process (a slot kept for a
 * small batch, a close within its deadline, a window of logins, the gate's pacing, a scrape, the
 * Ministry's timeouts): beside another file they would measure the other file's CPU as well, so they
 * run one at a time, after the rest of the tier, in one module graph (none replaces a module).
 */
export const SERIAL_INTEGRATION = [
  'test/integration/ingest-slots.test.ts',
  'test/integration/worker-close.test.ts',
  'test/integration/metrics-token.test.ts',
  'test/integration/token-limit.test.ts',
  'test/integration/delivery-gate.test.ts',
  'test/integration/adapters/moet-pcgd.conformance.test.ts',
];
/**
 * Integration files that need a module graph of their own but judge no time: those that replace a module
 * (`vi.mock`: the shared project's module graph (`isolate: false`) would keep the real module loaded by an earlier
 * file), and drift.test.ts, which builds the OpenAPI document in process (ci7b: in the shared module graph, what
 * earlier files loaded changed the document it made; stop 63's CI read the committed spec as stale though
 * `npm run openapi:check` matched it), and the files that count prepared statements (below). Each file isolated, beside the other files of the first group (ci9: in the
 * serial group they added their whole time to the run's).
 */
export const ISOLATED_INTEGRATION = [
  'test/integration/vendor-batch-list-rule.test.ts',
  'test/integration/drift.test.ts',
  // The files that read which statements a connection prepared: the process prepares at most MAX_PREPARED texts
  // (src/store/db-wire.ts), and in the shared module graph earlier files' texts (db-prepared's 72 among them) used
  // the allowance, so a later file's text ran unprepared (the lead's CI run: new-batch-prepared red after db-prepared).
  'test/integration/db-prepared.test.ts',
  'test/integration/facts-prepared.test.ts',
  'test/integration/new-batch-prepared.test.ts',
  'test/integration/stored-read-prepared.test.ts',
  'test/integration/vendor-write-prepared.test.ts',
];

/**
 * How long `expect.poll` waits when a test names no bound: vitest's own is 1 s, under the time a loaded machine (load
 * 20-30) takes for a click's request, its audit and the page's drawing (flake10: e2e schedui-dashboard's five polls
 * and ui28's had it). Every project takes it (`extends: true`).
 */
export const POLL_WAIT_MS = 30_000;

/** Compiles truc once a run for the processes the tests start; vitest calls it once for each project that lists it. */
const BUILT_TRUC_SETUP = 'test/global-setup.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    expect: { poll: { timeout: POLL_WAIT_MS } },
    projects: [
      // Unit files run three at a time, after the integration and e2e files (vitest's default is one
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
          maxWorkers: FIRST_GROUP_WORKERS,
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: { name: 'unit-mocked', include: MOCKED, maxWorkers: FIRST_GROUP_WORKERS, testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // truc compiled to JavaScript once a run for the `truc` processes the tests start (test/helpers/built-truc.ts):
          // only in the projects that start one (this one and e2e), so a run of unit files alone compiles nothing.
          globalSetup: [BUILT_TRUC_SETUP],
          include: ['test/integration/**/*.test.ts'],
          exclude: [...SERIAL_INTEGRATION, ...ISOLATED_INTEGRATION],
          maxWorkers: FIRST_GROUP_WORKERS,
          // A file's own process imported the source again (~2.5 s of each file's start, ~300 s of the
          // suite): the files of a worker share its module graph, as the unit files do. A file closes
          // what it opens (servers, roles, pools, private redis-servers), restores its spies and its
          // environment, and keeps no state in a module.
          isolate: false,
          testTimeout: 60_000,
          // Hooks start PGlite (WebAssembly), which can take over 60 s when the machine is loaded.
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-isolated',
          include: ISOLATED_INTEGRATION,
          maxWorkers: FIRST_GROUP_WORKERS,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-serial',
          include: SERIAL_INTEGRATION,
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          // One worker, one module graph for the six files (none replaces a module, as in the integration project):
          // each file's import of the source again was ~40 of this tail's 110 s at load ~10 (ci9).
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          globalSetup: [BUILT_TRUC_SETUP],
          include: ['test/e2e/**/*.test.ts'],
          maxWorkers: FIRST_GROUP_WORKERS,
          // As the integration files: a file's own process imported the source again (the API, the store, the
          // CLI: ~46 files). The files of a worker share its module graph; a file closes what it opens (its
          // processes, servers, browser, databases) and restores the environment it stubs.
          isolate: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
