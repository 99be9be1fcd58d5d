/**
 * review16 BUG 11: a school's own system that has not applied the city's delete yet brings the student back.
 * The city database deletes a student of a SMAS school; truc deletes it and sends the delete to SMAS, which
 * refuses it (dead-lettered; the same happens while the delete waits in SMAS's paced queue or behind an open
 * circuit). The next full pull of SMAS still lists the student at the same school: truc restores it ("a
 * deleted record that comes back is restored") and sends that restore on to the city database, undoing the
 * city's own deletion there. Real PostgreSQL and Redis, the worker role, the hcm-csdl and SMAS simulators.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SystemName } from '../../src/config.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { countRows, type TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld } from '../helpers/school-system-world.js';
import { settledSync } from '../helpers/settled-sync.js';

const SIZE = { seed: 'stale-restore', schools: 2, studentsPerSchool: 10, staffPerSchool: 1 };

describe('a school system that has not applied the city’s delete (review16 BUG 11)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, hcm, smas } = world));

  const sync = (system: SystemName, full: boolean) => settledSync(env.deps, system, full);

  it('a full pull of SMAS before it applied the delete does not undo the city’s deletion', async () => {
    const school = smas.schoolCodes[0]!;
    const { key } = (
      await env.deps.db.query<{ key: string }>(
        `SELECT student_code AS key FROM truc.students
          WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1 LIMIT 1`,
        [school],
      )
    ).rows[0]!;
    const before = (
      await env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM truc.push_sets')
    ).rows[0]!.id;

    // The city deletes the student; SMAS refuses the delete for now (it still lists the student).
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/delete`] });
    hcm.received.remove('students', key, new Date().toISOString());
    await sync('hcm-csdl', false);
    const deleted = async () =>
      (await countRows(
        env.deps.db,
        'truc.students',
        `student_code = '${key}' AND deleted_at IS NOT NULL`,
      )) === 1;
    expect(await deleted()).toBe(true);

    // SMAS's nightly full pull lists it at the same school, as before.
    await sync('smas', true);
    // The city's deletion stands in truc, and nothing writes the student back to the city database.
    const upserts = await env.deps.db.query<{ keys: string[] }>(
      `SELECT keys FROM truc.push_sets WHERE id > $1 AND system = 'hcm-csdl' AND operation = 'upsert'`,
      [before],
    );
    expect({
      deletedInTruc: await deleted(),
      sentBackToCity: upserts.rows.flatMap((r) => r.keys).includes(key),
    }).toEqual({ deletedInTruc: true, sentBackToCity: false });
  });
});
