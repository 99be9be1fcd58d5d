/**
 * A per-endpoint outage at the hcm-csdl simulator (fix35f's and gates' set-up, folded): its students:batch refuses
 * writes (503, the simulator's `down` fault on that path alone) while its other endpoints answer; real PostgreSQL and
 * Redis, the worker role in process, its circuits opening after 3 failures in a row for 200 ms to 800 ms.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from './city-sim.js';
import { countRows, makeDeps, type TestEnv } from './env.js';
import { queueSets } from './push-sets.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** hcm-csdl's delivery gate: its circuit, who opened it, and its endpoints' own circuits. */
export interface HcmGate {
  circuit: string;
  openedBy: string[];
  endpoints: Record<string, { circuit: string; openedAt: string }>;
}

export interface StudentsBatchDown {
  env: TestEnv;
  /** Filled by {@link StudentsBatchDown.start}. */
  sim: HcmCsdlSimulator;
  /** The worker's: the test profile's, hcm-csdl at the simulator, the short circuits. */
  config: Config;
  /** Starts the simulator (seeded) with students:batch down, queues `sets` to hcm-csdl, then starts the worker. */
  start(seed: string, sets: Parameters<typeof queueSets>[1], batchId: string): Promise<void>;
  gate: () => Promise<HcmGate | undefined>;
  /** Push sets of `entity` not delivered yet. */
  undelivered: (entity: 'students' | 'staff') => Promise<number>;
}

/** Call at the top of a `describe`: the database and queues made by its `beforeAll`, all closed by its `afterAll`. */
export function useStudentsBatchDown(): StudentsBatchDown {
  let worker: Running | undefined;
  let sim: HcmCsdlSimulator | undefined;
  const w = {
    async start(seed, sets, batchId) {
      sim = w.sim = await startCitySimulator({ seed });
      sim.faults.merge({ down: true, paths: ['/v1/students:batch'] });
      const config = structuredClone(w.env.config) as Mutable<Config>;
      config.systems['hcm-csdl'].baseUrl = sim.url;
      // The test profile's four attempts 50 ms apart would be spent at once without a circuit.
      config.sync.delivery = { ...config.sync.delivery, failureThreshold: 3, openMs: 200, maxOpenMs: 800 };
      w.config = config;
      await queueSets(w.env.deps.db, sets, batchId);
      worker = startWorkerRole({ ...w.env.deps, config });
    },
    gate: async () => {
      const res = await w.env.deps.db.query<HcmGate>(
        `SELECT circuit, opened_by AS "openedBy", endpoint_circuits AS endpoints
           FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      );
      return res.rows[0];
    },
    undelivered: (entity) =>
      countRows(w.env.deps.db, 'truc.push_sets', `entity = '${entity}' AND delivered_at IS NULL`),
  } as StudentsBatchDown;
  beforeAll(async () => {
    w.env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sim?.close();
    await w.env?.cleanup();
  });
  return w;
}
