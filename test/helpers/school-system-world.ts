/**
 * The city database and the schools' own systems, as the precedence, restore and push-set integration
 * tests start from: the hcm-csdl and SMAS simulators (and vnEdu when asked) over HTTP, truc's worker role
 * on real PostgreSQL and Redis pointed at them, and a first full students pull of each system, settled.
 * Started before the suite's tests, closed after them (see `useForSuite`).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, SystemName } from '../../src/config.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startVneduSimulator, type VneduSimulator } from '../../src/simulators/vnedu/simulator.js';
import { makeDeps, type TestEnv } from './env.js';
import { noRolloverRelief } from './guard-rollover.js';
import { settledSync, settleOutbox } from './settled-sync.js';
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
  /**
   * Changes to truc's configuration once the first pulls are settled: the worker is started again with them
   * (a lower `guard.minRecords`, say, which the first pulls of a small world would otherwise be held by).
   */
  afterFirstPulls?: (config: Mutable<Config>) => void;
}

/**
 * After the first pulls, a school of any size is guarded (the default leaves schools under 20 alone): a small
 * world's vendor batch that changes every student is held whole.
 */
export const GUARDING_SMALL_SCHOOLS: WorldOptions = {
  afterFirstPulls: (config) => {
    config.guard = { ...noRolloverRelief(config).guard, minRecords: 1 };
  },
};

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
  const start = () =>
    startWorkerRole({ ...env.deps, ...(opts.logger ? { logger: opts.logger } : {}), config });
  let worker = start();
  await settledSync(env.deps, 'hcm-csdl', true);
  await settledSync(env.deps, 'smas', true);
  if (vnedu) await settledSync(env.deps, 'vnedu', true);
  if (opts.afterFirstPulls) {
    await worker.stop();
    opts.afterFirstPulls(config);
    worker = start();
  }
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

/** A canonical student as the city database's wire sends it. */
const cityWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

/**
 * What the tests of a world read and do over and over (their bodies name them so): a settled sync run, a
 * student's personal ID as truc holds it, the push sets made since, SMAS's students of a school over its
 * HTTP API, and a batch of SMAS's vendor (in SMAS's format) queued and settled. Each reads `world` when
 * called (it is filled in before the suite's tests).
 */
export function worldReads(world: SchoolSystemWorld) {
  const db = () => world.env.deps.db;
  return {
    sync: (system: SystemName, full: boolean) => settledSync(world.env.deps, system, full),
    personalIdOf: async (key: string) =>
      (
        await db().query<{ id: string | null }>(
          'SELECT personal_id AS id FROM truc.students WHERE student_code = $1',
          [key],
        )
      ).rows[0]?.id,
    /** The last push set made so far (0: none), for {@link keysToCitySince}. */
    lastPushSet: async () =>
      (await db().query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets'))
        .rows[0]!.id,
    /** The keys of the push sets to the city database made after the push set `id`. */
    keysToCitySince: async (id: number) =>
      (
        await db().query<{ keys: string[] }>(
          `SELECT keys FROM truc.push_sets WHERE id > $1 AND system = 'hcm-csdl'`,
          [id],
        )
      ).rows.flatMap((r) => r.keys),
    /** Every student of a school as SMAS holds them, over its HTTP API (SMAS's wire records). */
    smasStudents: async (school: string) => {
      const res = await fetch(`${world.smas.url}/schools/${school}/students?pageSize=500`, {
        headers: { 'X-Api-Key': world.env.config.systems.smas.apiKey! },
      });
      return ((await res.json()) as { Data: Array<Record<string, unknown>> }).Data;
    },
    /**
     * The SMAS vendor pushes students of its school as SMAS holds them (a batch in SMAS's format), settled: the
     * batch's id.
     */
    vendorPushes: async (
      school: string,
      records: Array<Record<string, unknown>>,
      mode: 'delta' | 'snapshot' = 'delta',
    ) => {
      const id = randomUUID();
      await db().tx((q) =>
        queueBatch(q, {
          id,
          clientId: 'vendor-smas',
          schoolCode: school,
          entity: 'students',
          format: 'smas',
          records,
          mode,
        }),
      );
      await settleOutbox(db(), `the vendor's ${mode} batch`);
      return id;
    },
  };
}

/**
 * What the tests of a world do besides ({@link worldReads}): SMAS's staff's edits in SMAS, the guard's hold of a
 * batch, and a city correction SMAS refuses. Each reads `world` when called.
 */
export function worldActions(world: SchoolSystemWorld) {
  const db = () => world.env.deps.db;
  let staffEdits = 0;
  return {
    /** SMAS's staff edit students of a school in SMAS (its batch upsert, as SMAS's own screens would). */
    smasStaffEdit: async (school: string, records: Array<Record<string, unknown>>) => {
      const res = await fetch(`${world.smas.url}/schools/${school}/students/batch`, {
        method: 'POST',
        headers: {
          'X-Api-Key': world.env.config.systems.smas.apiKey!,
          'X-Idempotency-Key': `staff-edit-${(staffEdits += 1)}-${randomUUID()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ DanhSach: records }),
      });
      if (res.status !== 200)
        throw new Error(`SMAS refused its staff's edit: ${res.status} ${await res.text()}`);
    },
    /** The mass-change guard's hold of a batch, if it holds it. */
    holdOf: async (batchId: string) =>
      (await db().query<{ id: number }>('SELECT id FROM truc.guard_holds WHERE batch_id = $1', [batchId]))
        .rows[0],
    /**
     * The city corrects a student's personal ID (from the student as truc holds it now); truc pulls the change and
     * SMAS refuses truc's write of it (it keeps its own copy).
     */
    cityCorrectsRefused: async (school: string, key: string, personalId: string) => {
      const row = (
        await db().query<{ data: Record<string, unknown> }>(
          'SELECT data FROM truc.students WHERE student_code = $1',
          [key],
        )
      ).rows[0]!;
      world.smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
      world.hcm.received.put(
        'students',
        { ...cityWire(row.data), soDinhDanhCaNhan: personalId },
        new Date().toISOString(),
      );
      await settledSync(world.env.deps, 'hcm-csdl', false);
      world.smas.faults.clear();
    },
  };
}
