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
import { beforeAll, describe, expect, it } from 'vitest';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld, worldActions, worldReads } from '../helpers/school-system-world.js';

const SIZE = { seed: 'revert17', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

/** A canonical student as the city database's wire sends it. */
const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('a school system’s edit back to a copy truc sent it (review17b C1)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, hcm, smas } = world));
  const { sync, personalIdOf, lastPushSet, keysToCitySince, smasStudents } = worldReads(world);
  const { smasStaffEdit } = worldActions(world);
  const deletedInTruc = async (key: string) =>
    (
      await env.deps.db.query<{ deleted: boolean }>(
        'SELECT deleted_at IS NOT NULL AS deleted FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]?.deleted;

  /** SMAS's own copy of a student, over its HTTP API. */
  const smasCopy = async (school: string, key: string) =>
    (await smasStudents(school)).find((r) => r.MaHocSinh === key);

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
    await smasStaffEdit(school, [{ ...corrected, SoCCCD: '079209007722' }]);
    let before = await lastPushSet();
    await sync('smas', true);
    expect(await personalIdOf(s.key)).toBe('079209007722');
    expect(await keysToCitySince(before)).toContain(s.key);

    // They undo their edit: SMAS holds the city's correction again, its newest state.
    await smasStaffEdit(school, [{ ...corrected, SoCCCD: '079209007711' }]);
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
    await smasStaffEdit(school, [held!]);
    const before = await lastPushSet();
    await sync('smas', true);
    expect(await deletedInTruc(key), 'restored in truc').toBe(false);
    expect(await keysToCitySince(before), 'sent on to the city').toContain(key);
  });
});
