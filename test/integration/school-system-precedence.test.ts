/**
 * Precedence between the city database and the schools' own systems (prec16; review15's known wrongs).
 *
 * (a) The city changes a record in place; before that change reaches the school's system (SMAS), a full
 * SMAS pull brings SMAS's older copy: it must not overwrite the city's change in truc, nor go on to the
 * city database. Likewise a copy SMAS still holds of what truc sent it before the city's latest change,
 * and SMAS's copy of a record the city deleted (the delete not yet at SMAS) does not bring it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SystemName } from '../../src/config.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld } from '../helpers/school-system-world.js';
import { settledSync } from '../helpers/settled-sync.js';

const SIZE = { seed: 'prec16', schools: 4, studentsPerSchool: 6, staffPerSchool: 1 };

/** A canonical student as the city database's wire sends it. */
const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('the city database against a school system’s older copies (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, hcm, smas } = world));

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);

  /** The `n`-th live student (by code) of a school, as truc holds it. */
  const studentOf = async (school: string, n: number) =>
    (
      await env.deps.db.query<{ key: string; data: Record<string, unknown> }>(
        `SELECT student_code AS key, data FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY student_code LIMIT 1 OFFSET $2`,
        [school, n],
      )
    ).rows[0]!;
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
  /** The city corrects a student's personal ID (its change pulled by truc). */
  const cityCorrects = async (s: { data: Record<string, unknown> }, personalId: string) => {
    hcm.received.put(
      'students',
      { ...toWire(s.data), soDinhDanhCaNhan: personalId },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
  };

  it('(a) a full SMAS pull before the city’s change reached SMAS keeps the change, and sends nothing to the city', async () => {
    const [school] = smas.schoolCodes;
    const s = await studentOf(school!, 0);
    // The city corrects the student's personal ID; SMAS refuses that write (it keeps its older copy).
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
    await cityCorrects(s, '079209005511');
    smas.faults.clear();
    expect(await personalIdOf(s.key)).toBe('079209005511');
    const before = await lastPushSet();

    await sync('smas', true);
    expect(await personalIdOf(s.key)).toBe('079209005511');
    expect(await keysToCitySince(before)).not.toContain(s.key);
  });

  it('(a) nor does SMAS’s copy of what truc sent it before the city’s latest change', async () => {
    const [school] = smas.schoolCodes;
    const s = await studentOf(school!, 1);
    // The city corrects the student twice: SMAS gets the first correction, refuses the second.
    await cityCorrects(s, '079209005522');
    const sent = (smas.received.items('students') as Array<Record<string, unknown>>).map((r) => [
      r.MaHocSinh,
      r.SoCCCD,
    ]);
    expect(sent).toContainEqual([s.key, '079209005522']);
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
    await cityCorrects(s, '079209005533');
    smas.faults.clear();
    const before = await lastPushSet();

    await sync('smas', true);
    expect(await personalIdOf(s.key)).toBe('079209005533');
    expect(await keysToCitySince(before)).not.toContain(s.key);
  });

  it('(a) nor does SMAS’s copy of a record the city deleted bring it back', async () => {
    const [school] = smas.schoolCodes;
    const s = await studentOf(school!, 2);
    const deleted = async () =>
      (
        await env.deps.db.query<{ deleted: boolean }>(
          'SELECT deleted_at IS NOT NULL AS deleted FROM truc.students WHERE student_code = $1',
          [s.key],
        )
      ).rows[0]?.deleted;
    // The city deletes the student; SMAS refuses that delete (it still lists the student).
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/delete`] });
    hcm.received.remove('students', s.key, new Date().toISOString());
    await sync('hcm-csdl', false);
    smas.faults.clear();
    expect(await deleted()).toBe(true);
    const before = await lastPushSet();

    await sync('smas', true);
    expect(await deleted()).toBe(true);
    expect(await keysToCitySince(before)).not.toContain(s.key);
  });
});
