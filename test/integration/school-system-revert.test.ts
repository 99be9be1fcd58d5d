/**
 * review17b C1: a school system's own edit back to a state truc once sent it is not an older copy.
 * The city corrects a student; truc sends the correction to SMAS, which acknowledges it. SMAS's staff then
 * edit the student in SMAS (a full pull takes the edit: truc and the city hold it), and undo their edit (the
 * student is back to the city's correction in SMAS). The next full pull of SMAS brings a copy equal to the
 * one truc sent: since SMAS acknowledged that copy and truc has received a newer one from SMAS after it, it
 * is SMAS's newest state, not an older one. truc must take it and send it on to the city, else SMAS holds one
 * thing and truc and the city another, for good. Likewise a student SMAS enrols again after it applied truc's
 * delete is SMAS's newest state, though equal to the copy truc last received from SMAS. Real PostgreSQL and
 * Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, SystemName } from '../../src/config.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { settledSync } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'revert17', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

/** A canonical student as the city database's wire sends it. */
const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('a school system’s edit back to a copy truc sent it (review17b C1)', () => {
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
  const deletedInTruc = async (key: string) =>
    (
      await env.deps.db.query<{ deleted: boolean }>(
        'SELECT deleted_at IS NOT NULL AS deleted FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]?.deleted;
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

  /** SMAS's own copy of a student, over its HTTP API. */
  const smasCopy = async (school: string, key: string) => {
    const res = await fetch(`${smas.url}/schools/${school}/students?pageSize=500`, {
      headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
    });
    const rows = ((await res.json()) as { Data: Array<Record<string, unknown>> }).Data;
    return rows.find((r) => r.MaHocSinh === key);
  };
  /** SMAS's staff edit a student in SMAS (its batch upsert, as SMAS's own screens would). */
  let edits = 0;
  const smasStaffEdit = async (school: string, record: Record<string, unknown>) => {
    const res = await fetch(`${smas.url}/schools/${school}/students/batch`, {
      method: 'POST',
      headers: {
        'X-Api-Key': env.config.systems.smas.apiKey!,
        'X-Idempotency-Key': `staff-edit-${(edits += 1)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ DanhSach: [record] }),
    });
    expect(res.status).toBe(200);
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

  // The undo equals the copy truc sent SMAS (system_copies.sent_fp), but truc took SMAS's edit after SMAS
  // acknowledged that copy: SMAS is known to hold truc's state, so its undo is its own change.
  it('takes SMAS’s undo of its own edit and sends it on to the city', async () => {
    const school = smas.schoolCodes[0]!;
    const s = (
      await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1`,
        [school],
      )
    ).rows[0]!;
    // The city corrects the student's personal ID; truc sends it to SMAS, which takes it.
    hcm.received.put(
      'students',
      { ...toWire(s.data), soDinhDanhCaNhan: '079209007711' },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    const corrected = (await smasCopy(school, s.key))!;
    expect(corrected.SoCCCD).toBe('079209007711');

    // SMAS's staff change it in SMAS: a full pull takes the edit (truc and the city hold it).
    await smasStaffEdit(school, { ...corrected, SoCCCD: '079209007722' });
    let before = await lastPushSet();
    await sync('smas', true);
    expect(await personalIdOf(s.key)).toBe('079209007722');
    expect(await keysToCitySince(before)).toContain(s.key);

    // They undo their edit: SMAS holds the city's correction again, its newest state.
    await smasStaffEdit(school, { ...corrected, SoCCCD: '079209007711' });
    before = await lastPushSet();
    await sync('smas', true);
    expect(await personalIdOf(s.key), 'truc holds SMAS’s newest state').toBe('079209007711');
    expect(await keysToCitySince(before), 'sent on to the city').toContain(s.key);
  });

  // SMAS applied truc's delete, then its staff add the student again as SMAS held it before: the copy equals
  // the one truc received from SMAS (received_fp), but SMAS acknowledged the delete after it: a new enrolment.
  it('takes a student SMAS adds again after it applied the city’s delete', async () => {
    const school = smas.schoolCodes[0]!;
    const key = (
      await env.deps.db.query<{ key: string }>(
        `SELECT student_code AS key FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET 1`,
        [school],
      )
    ).rows[0]!.key;
    const held = await smasCopy(school, key);
    // The city deletes the student; truc's delete reaches SMAS, which applies it.
    hcm.received.remove('students', key, new Date().toISOString());
    await sync('hcm-csdl', false);
    expect(await smasCopy(school, key)).toBeUndefined();

    // SMAS's staff enrol the student again, as SMAS held it.
    await smasStaffEdit(school, held!);
    const before = await lastPushSet();
    await sync('smas', true);
    expect(await deletedInTruc(key), 'restored in truc').toBe(false);
    expect(await keysToCitySince(before), 'sent on to the city').toContain(key);
  });
});
