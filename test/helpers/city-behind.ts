/**
 * The city database's simulator (hcm-csdl) behind a tampering proxy (./tampering-proxy.ts), and truc (PostgreSQL,
 * queues in it, the worker role in process) pulling from it and pushing to it through the proxy: a source or a
 * target that misbehaves without changing the simulator (test/integration/review27c.test.ts, rel28.test.ts).
 */
import type { Config } from '../../src/config.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from './city-sim.js';
import { makeDeps, type TestEnv } from './env.js';
import { startTamperingProxy, type Tamper, type TamperingProxy } from './tampering-proxy.js';

export interface CityBehind {
  env: TestEnv;
  sim: HcmCsdlSimulator;
  proxy: TamperingProxy;
  worker: Running;
  close(): Promise<void>;
}

/** The city simulator behind a proxy `tamper` drives; `configure`: changes to truc's configuration. */
export async function cityBehind(
  tamper: Tamper,
  sim: { seed: number; studentsPerSchool?: number },
  configure?: (config: Config) => Config,
): Promise<CityBehind> {
  const simulator = await startCitySimulator({ tombstoneRate: 0, ...sim });
  const proxy = await startTamperingProxy(simulator.url, tamper);
  const env = await makeDeps(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: { HCM_CSDL_BASE_URL: proxy.url }, ...(configure ? { configure } : {}) },
  );
  const worker = startWorkerRole(env.deps);
  return {
    env,
    sim: simulator,
    proxy,
    worker,
    async close() {
      await worker.stop().catch(() => undefined);
      await env.cleanup();
      await proxy.close();
      await simulator.close();
    },
  };
}
