/**
 * vendor-delivery's world: real PostgreSQL and Redis, the worker role and the hcm-csdl, SMAS and vnEdu simulators
 * over HTTP, after the first pulls of each system (once, before the tests), with the reads and waits its tests share.
 */
import { expect } from 'vitest';
import type { Config, EntityName, SystemName } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startVneduSimulator, type VneduSimulator } from '../../src/simulators/vnedu/simulator.js';
import { createSchoolSystemsRepo, type SchoolSystemRow } from '../../src/store/school-systems.js';
import { startCitySimulator } from './city-sim.js';
import { countRows, makeDeps, waitFor, type TestEnv } from './env.js';
import { useForSuite } from './suite.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'vendor-delivery', schools: 4, studentsPerSchool: 12, staffPerSchool: 2 };

interface Started {
  env: TestEnv;
  hcm: HcmCsdlSimulator;
  smas: SmasSimulator;
  vnedu: VneduSimulator;
  worker: Running;
  /** What the first pulls (before the tests) left: which system serves each school, what went to vendors. */
  firstPulls: { served: SchoolSystemRow[]; vendorSets: unknown[]; vendorStudents: number };
}

/** The push sets `where` selects, in order. */
async function pushSetsIn(env: TestEnv, where: string) {
  const res = await env.deps.db.query<{ system: string; keys: string[]; delivered: boolean }>(
    `SELECT system, keys, delivered_at IS NOT NULL AS delivered FROM truc.push_sets WHERE ${where} ORDER BY id`,
  );
  return res.rows;
}

/** Waits until every outbox row is done or dead. */
const settleIn = (env: TestEnv, what: string) =>
  waitFor(
    async () => (await countRows(env.deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0,
    { timeoutMs: 60_000, intervalMs: 100, what: `${what} to finish` },
  );

/** Requests a sync run and waits until it is done and every job it caused has finished. */
async function syncIn(env: TestEnv, system: SystemName, full: boolean, entity: EntityName): Promise<number> {
  const id = await env.deps.db.tx((q) =>
    requestSync(q, { system, entity, full, requestedBy: 'test', at: env.deps.now() }),
  );
  await settleIn(env, `the ${system} run`);
  const run = await env.deps.db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [
    id,
  ]);
  expect(run.rows[0]?.status).toBe('done');
  return id;
}

/** Starts the simulators and the worker on them, then pulls each system once. */
async function start(): Promise<Started> {
  const env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  const c = env.config.systems;
  const hcm = await startCitySimulator({ ...SIZE, tombstoneRate: 0 });
  const smas = await startSmasSimulator({ ...SIZE, apiKey: c.smas.apiKey! });
  const vnedu = await startVneduSimulator({ ...SIZE, token: c.vnedu.token! });
  const config = structuredClone(env.config) as Mutable<Config>;
  config.systems['hcm-csdl'].baseUrl = hcm.url;
  config.systems.smas.baseUrl = smas.url;
  config.systems.vnedu.baseUrl = vnedu.url;
  config.systems.smas.rateLimit = { max: 5, durationMs: 1000 };
  const worker = startWorkerRole({ ...env.deps, config: config });
  await syncIn(env, 'hcm-csdl', true, 'students');
  await syncIn(env, 'smas', true, 'students');
  await syncIn(env, 'vnedu', true, 'students');
  const firstPulls = {
    served: (await createSchoolSystemsRepo(env.deps.db).list()).items,
    vendorSets: await pushSetsIn(env, `system IN ('smas', 'vnedu')`),
    vendorStudents: smas.received.count('students') + vnedu.received.count('students'),
  };
  return { env, hcm, smas, vnedu, worker, firstPulls };
}

/** The world for the enclosing suite: started before its tests, stopped after them. */
export function useVendorDeliveryWorld() {
  const w = useForSuite(
    start,
    async (s) => {
      await s.worker.stop();
      await Promise.all([s.hcm.close(), s.smas.close(), s.vnedu.close()]);
      await s.env.cleanup();
    },
    180_000,
  );
  return {
    w,
    pushSetsOf: (where: string) => pushSetsIn(w.env, where),
    sync: (system: SystemName, full: boolean, entity: EntityName = 'students') =>
      syncIn(w.env, system, full, entity),
    /** The student codes a SMAS school's system lists, over its HTTP API. */
    smasStudents: async (school: string) => {
      const res = await fetch(`${w.smas.url}/schools/${school}/students?pageSize=500`, {
        headers: { 'X-Api-Key': w.env.config.systems.smas.apiKey! },
      });
      return ((await res.json()) as { Data: Array<{ MaHocSinh: string }> }).Data.map((r) => r.MaHocSinh);
    },
    /** The highest id of a table so far: a test reads only the rows made after it. */
    maxId: async (table: 'truc.push_sets' | 'truc.dead_letters') =>
      (await w.env.deps.db.query<{ id: number }>(`SELECT coalesce(max(id), 0)::int AS id FROM ${table}`))
        .rows[0]!.id,
    settle: (what: string) => settleIn(w.env, what),
  };
}
