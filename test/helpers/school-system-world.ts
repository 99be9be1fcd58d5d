/**
 * The city database and the schools' own systems, as the precedence, restore and push-set integration
 * tests start from: the hcm-csdl and SMAS simulators (and vnEdu when asked) over HTTP, truc's worker role
 * on real PostgreSQL and Redis pointed at them, and a first full students pull of each system, settled.
 * Started before the suite's tests, closed after them (see `useForSuite`).
 */
import type { Logger } from 'pino';
import type { Config } from '../../src/config.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startVneduSimulator, type VneduSimulator } from '../../src/simulators/vnedu/simulator.js';
import { makeDeps, type TestEnv } from './env.js';
import { settledSync } from './settled-sync.js';
import { useForSuite } from './suite.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** The population every simulator serves its share of. */
export interface WorldSize {
  seed: string;
  schools: number;
  studentsPerSchool: number;
  staffPerSchool: number;
}

export interface SchoolSystemWorld {
  env: TestEnv;
  hcm: HcmCsdlSimulator;
  smas: SmasSimulator;
  /** Started only with `vnedu: true` (else truc has no vnEdu address). */
  vnedu: VneduSimulator | undefined;
}

/** What a suite may change of the world. */
export interface WorldOptions {
  /** Start the vnEdu simulator too, and pull it first like the others. */
  vnedu?: boolean;
  /** The worker's logger (default: the test environment's). */
  logger?: Logger;
  /** Changes to truc's configuration beyond the systems' addresses. */
  configure?: (config: Mutable<Config>) => void;
}

async function startWorld(
  size: WorldSize,
  opts: WorldOptions,
): Promise<SchoolSystemWorld & { worker: Running }> {
  const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  const c = env.config.systems;
  const hcm = await startHcmCsdlSimulator({
    ...size,
    clientId: c['hcm-csdl'].clientId!,
    clientSecret: c['hcm-csdl'].clientSecret!,
    tombstoneRate: 0,
  });
  const smas = await startSmasSimulator({ ...size, apiKey: c.smas.apiKey! });
  const vnedu = opts.vnedu ? await startVneduSimulator({ ...size, token: c.vnedu.token! }) : undefined;
  const config = structuredClone(env.config) as Mutable<Config>;
  config.systems['hcm-csdl'].baseUrl = hcm.url;
  config.systems.smas.baseUrl = smas.url;
  if (vnedu) config.systems.vnedu.baseUrl = vnedu.url;
  else delete config.systems.vnedu.baseUrl;
  opts.configure?.(config);
  const worker = startWorkerRole({ ...env.deps, ...(opts.logger ? { logger: opts.logger } : {}), config });
  await settledSync(env.deps, 'hcm-csdl', true);
  await settledSync(env.deps, 'smas', true);
  if (vnedu) await settledSync(env.deps, 'vnedu', true);
  return { env, hcm, smas, vnedu, worker };
}

/** The world of the enclosing suite: started before its tests, closed after them. */
export function useSchoolSystemWorld(size: WorldSize, opts: WorldOptions = {}): SchoolSystemWorld {
  return useForSuite(
    () => startWorld(size, opts),
    async (w) => {
      await w.worker.stop();
      await Promise.all([w.hcm.close(), w.smas.close(), w.vnedu?.close()]);
      await w.env.cleanup();
    },
    180_000,
  );
}
