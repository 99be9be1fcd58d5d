/**
 * review17b C2 (stop 37's review note "vendor batches in smas/vnedu format do not use the memory"): a school
 * system's older copy pushed by its vendor through truc's API is no change either. The SMAS vendor pushes its
 * school's students (a delta batch in SMAS's format, as many vendors push every student each night) while SMAS
 * still holds the copy from before a city correction (SMAS refused it, or it waits in SMAS's paced queue):
 * truc keeps the correction and sends nothing back to the city database — whether truc last received that
 * copy from a pull of SMAS or from the vendor's own batch. Before, a vendor's batch was judged without
 * truc.system_copies: the older copy overwrote the correction and went back to the city. Real PostgreSQL and
 * Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, SystemName } from '../../src/config.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'vendor-older17', schools: 4, studentsPerSchool: 6, staffPerSchool: 1 };

/** A canonical student as the city database's wire sends it. */
const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('a school system’s older copy pushed by its vendor (review17b C2)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let worker: Running | undefined;

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);
  const personalIdOf = async (key: string) =>
    (
      await env.deps.db.query<{ id: string | null }>(
        'SELECT personal_id AS id FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]?.id;
  const lastPushSet = async () =>
    (await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets'))
      .rows[0]!.id;
  const keysToCitySince = async (id: number) =>
    (
      await env.deps.db.query<{ keys: string[] }>(
        `SELECT keys FROM truc.push_sets WHERE id > $1 AND system = 'hcm-csdl'`,
        [id],
      )
    ).rows.flatMap((r) => r.keys);
  /** Every student of a school as SMAS holds them, over its HTTP API (SMAS's wire records). */
  const smasStudents = async (school: string) => {
    const res = await fetch(`${smas.url}/schools/${school}/students?pageSize=500`, {
      headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
    });
    return ((await res.json()) as { Data: Array<Record<string, unknown>> }).Data;
  };

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    const c = env.config.systems;
    hcm = await startCitySimulator({ ...SIZE, tombstoneRate: 0 });
    smas = await startSmasSimulator({ ...SIZE, apiKey: c.smas.apiKey! });
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = hcm.url;
    config.systems.smas.baseUrl = smas.url;
    delete config.systems.vnedu.baseUrl;
    worker = startWorkerRole({ ...env.deps, config });
    await sync('hcm-csdl', true);
    await sync('smas', true);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([hcm?.close(), smas?.close()]);
    await env?.cleanup();
  });

  /** The SMAS vendor pushes students of its school as SMAS holds them (a delta batch in SMAS's format). */
  const vendorPushes = async (school: string, records: Array<Record<string, unknown>>) => {
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: randomUUID(),
        clientId: 'vendor-smas',
        schoolCode: school,
        entity: 'students',
        format: 'smas',
        records,
      }),
    );
    await settleOutbox(env.deps.db, 'the vendor batch');
  };
  /** The city corrects a student's personal ID; SMAS refuses that write (it keeps its older copy). */
  const cityCorrectsRefused = async (
    school: string,
    s: { key: string; data: Record<string, unknown> },
    personalId: string,
  ) => {
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
    hcm.received.put(
      'students',
      { ...toWire(s.data), soDinhDanhCaNhan: personalId },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    smas.faults.clear();
    expect(await personalIdOf(s.key)).toBe(personalId);
  };
  const studentOf = async (school: string, n: number) =>
    (
      await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET $2`,
        [school, n],
      )
    ).rows[0]!;

  it('keeps the city’s correction when the SMAS vendor pushes the copy SMAS held before it', async () => {
    const school = smas.schoolCodes[0]!;
    const s = await studentOf(school, 0);
    await cityCorrectsRefused(school, s, '079209008811');

    // The SMAS vendor pushes its school's students as SMAS holds them (its copy as truc last pulled it).
    const records = await smasStudents(school);
    const before = await lastPushSet();
    const since = (await env.deps.db.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    await vendorPushes(school, records);
    expect(await personalIdOf(s.key), 'the city’s correction kept').toBe('079209008811');
    expect(await keysToCitySince(before), 'nothing sent back to the city').not.toContain(s.key);
    // Carried all the same (the vendor holds it at the school): seen, as the batch's unchanged records are.
    const other = await studentOf(school, 1);
    const carried = await env.deps.db.query<{ key: string }>(
      `SELECT key FROM truc.record_seen WHERE entity = 'students' AND key = ANY($1::text[]) AND seen_at >= $2`,
      [[s.key, other.key], since],
    );
    expect(carried.rows.map((r) => r.key).sort()).toEqual([s.key, other.key].sort());
  });

  it('knows the copy the vendor itself pushed before the city’s correction', async () => {
    const school = smas.schoolCodes[1]!;
    const s = await studentOf(school, 0);
    // SMAS's staff change the student; the vendor pushes the change (truc takes it: a change of SMAS's own).
    const own = (await smasStudents(school)).find((r) => r.MaHocSinh === s.key)!;
    const edited = { ...own, SoCCCD: '079209008822' };
    let before = await lastPushSet();
    await vendorPushes(school, [edited]);
    expect(await personalIdOf(s.key)).toBe('079209008822');
    expect(await keysToCitySince(before)).toContain(s.key);

    // The city corrects it; SMAS refuses. The vendor pushes the same copy again: SMAS's older copy.
    await cityCorrectsRefused(school, await studentOf(school, 0), '079209008833');
    before = await lastPushSet();
    await vendorPushes(school, [edited]);
    expect(await personalIdOf(s.key), 'the city’s correction kept').toBe('079209008833');
    expect(await keysToCitySince(before), 'nothing sent back to the city').not.toContain(s.key);
  });
});
