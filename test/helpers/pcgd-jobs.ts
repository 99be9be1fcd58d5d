/**
 * What the PCGD report jobs' integration tests run on (pcgd-jobs, pcgd-gate): PostgreSQL with the hand-computed
 * fixture seeded (./pcgd.ts), a signing key folder of its own, the Ministry's simulator on loopback with its clock
 * at the test's `now`, and a worker context over them whose Ministry client passes the delivery gates.
 */
import { createMoetPcgdClient } from '../../src/adapters/moet-pcgd/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { PcgdDeps } from '../../src/reporting/pcgd/service.js';
import type { MoetPcgdSimulator } from '../../src/simulators/moet-pcgd/simulator.js';
import { B, YEAR } from '../fixtures/pcgd/communes.js';
import { makeTempDir, openTestStore, type TempDir, type TestStore } from './env.js';
import { PCGD_SIM_CLIENT, seedFixture, startPcgdSimulator } from './pcgd.js';

export interface PcgdJobsWorld {
  store: TestStore;
  keys: TempDir;
  sim: MoetPcgdSimulator;
  /** The test profile, commune B difficult in YEAR, signing keys in `keys`. */
  config: Config;
  ctx: WorkerContext;
  deps: PcgdDeps;
  close(): Promise<void>;
}

/** The context `ctx` with delivery gates of its own: a Retry-After an earlier test met not noted. */
export function withNewGates(ctx: WorkerContext): WorkerContext {
  return {
    ...ctx,
    gates: createDeliveryGates({ db: ctx.db, config: ctx.config, logger: ctx.logger, metrics: ctx.metrics }),
  };
}

/** Starts the world; the jobs, the service and the simulator read the time from `now`. */
export async function startPcgdJobsWorld(now: () => Date): Promise<PcgdJobsWorld> {
  const store = await openTestStore('postgres');
  const keys = await makeTempDir('truc-pcgd-keys-');
  const base = loadConfig({ env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: `${YEAR}:${B}` } });
  const config = structuredClone<Config>(base);
  config.pcgd.signing.dir = keys.path;
  const sim = await startPcgdSimulator(now);
  const logger = createLogger('silent');
  const metrics = createMetrics();
  const ctx: WorkerContext = {
    config,
    db: store.db,
    logger,
    metrics,
    now,
    sources: {},
    targets: {},
    routes: () => [],
    gates: createDeliveryGates({ db: store.db, config, logger, metrics }),
    ministry: createMoetPcgdClient({ baseURL: sim.url, ...PCGD_SIM_CLIENT }),
  };
  const deps: PcgdDeps = { db: store.db, pcgd: config.pcgd, dataDir: keys.path, now };
  await seedFixture(store.db);
  return {
    store,
    keys,
    sim,
    config,
    ctx,
    deps,
    async close() {
      await sim.close();
      await store.cleanup();
      await keys.remove();
    },
  };
}
