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
import { beforeAll, describe, expect, it } from 'vitest';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld, worldActions, worldReads } from '../helpers/school-system-world.js';

const SIZE = { seed: 'vendor-older17', schools: 4, studentsPerSchool: 6, staffPerSchool: 1 };

describe('a school system’s older copy pushed by its vendor (review17b C2)', () => {
  let env: TestEnv;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, smas } = world));
  const { personalIdOf, lastPushSet, keysToCitySince, smasStudents, vendorPushes } = worldReads(world);
  const { cityCorrectsRefused } = worldActions(world);

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
    // The city corrects the student's personal ID; SMAS refuses that write (it keeps its older copy).
    await cityCorrectsRefused(school, s.key, '079209008811');
    expect(await personalIdOf(s.key)).toBe('079209008811');

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
    await cityCorrectsRefused(school, s.key, '079209008833');
    expect(await personalIdOf(s.key)).toBe('079209008833');
    before = await lastPushSet();
    await vendorPushes(school, [edited]);
    expect(await personalIdOf(s.key), 'the city’s correction kept').toBe('079209008833');
    expect(await keysToCitySince(before), 'nothing sent back to the city').not.toContain(s.key);
  });
});
