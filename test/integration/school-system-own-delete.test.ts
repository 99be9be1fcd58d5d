/**
 * A school system's own deletion forgets its copies (issue 7 item 2: "a record that comes back is restored").
 * truc keeps what a school's own system last held of each record (truc.system_copies: the copy received from it,
 * the copy sent there), so that the system's older copy of a record truc changed since is no change (prec16).
 * When that system deletes the record itself (a full pull of it no longer lists the record: its reconciliation;
 * its vendor's snapshot in its format leaves it out), those copies are its past: a later re-enrolment of the
 * record with the very body it held is its newest word, to be restored and sent on to the city, not judged "the
 * system's older copy, no change" (the record then stayed deleted in truc and at the city for good). The city's
 * own deletions forget its copies the same way (city-copies.test.ts): one store method, called where deletions
 * are sent (src/jobs/deletes.ts `sendDeletes`). Real PostgreSQL and Redis, the worker role, the hcm-csdl and SMAS
 * simulators over HTTP (../helpers/school-system-world.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld, worldReads } from '../helpers/school-system-world.js';

const SIZE = { seed: 'own-delete21', schools: 2, studentsPerSchool: 8, staffPerSchool: 1 };

describe('a record a school system deleted itself, enrolled there again as it was', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, hcm, smas } = world));
  const { sync, lastPushSet, smasStudents, vendorPushes } = worldReads(world);

  /** SMAS's staff write students in SMAS (its batch upsert, as its own screens would), or delete them. */
  let calls = 0;
  async function smasStaff(school: string, what: 'batch' | 'delete', body: Record<string, unknown>) {
    const res = await fetch(`${smas.url}/schools/${school}/students/${what}`, {
      method: 'POST',
      headers: {
        'X-Api-Key': env.config.systems.smas.apiKey!,
        'X-Idempotency-Key': `own-delete-${(calls += 1)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  }
  const stateOf = async (key: string) =>
    (
      await env.deps.db.query<{ deleted: boolean; id: string | null }>(
        'SELECT deleted_at IS NOT NULL AS deleted, personal_id AS id FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0];
  /** The push sets to the city made after push set `id`: the keys of each, whether delivered, its operation. */
  const citySetsSince = async (id: number) =>
    (
      await env.deps.db.query<{ keys: string[]; delivered: boolean; operation: string }>(
        `SELECT keys, delivered_at IS NOT NULL AS delivered, operation FROM truc.push_sets
          WHERE id > $1 AND system = 'hcm-csdl' ORDER BY id`,
        [id],
      )
    ).rows;

  it('deleted by a full pull of SMAS that no longer lists it: restored and delivered to the city', async () => {
    const school = smas.schoolCodes[0]!;
    const held = (await smasStudents(school))[0]!;
    const key = String(held.MaHocSinh);
    // SMAS's staff correct the student in SMAS; a full pull takes it (SMAS wrote it last) and sends it on.
    const edited = { ...held, SoCCCD: '079209006611' };
    await smasStaff(school, 'batch', { DanhSach: [edited] });
    await sync('smas', true);
    expect(await stateOf(key)).toEqual({ deleted: false, id: '079209006611' });
    // The student leaves the school in SMAS: the next full pull no longer lists it; its reconciliation deletes it.
    await smasStaff(school, 'delete', { DanhSachMa: [key] });
    let before = await lastPushSet();
    await sync('smas', true);
    expect(await stateOf(key)).toEqual({ deleted: true, id: '079209006611' });
    expect(await citySetsSince(before)).toEqual([{ keys: [key], delivered: true, operation: 'delete' }]);
    // The student is enrolled there again, as SMAS held it: SMAS's newest word.
    await smasStaff(school, 'batch', { DanhSach: [edited] });
    before = await lastPushSet();
    await sync('smas', true);
    expect(await stateOf(key), 'restored in truc').toEqual({ deleted: false, id: '079209006611' });
    expect(await citySetsSince(before), 'sent on to the city').toEqual([
      { keys: [key], delivered: true, operation: 'upsert' },
    ]);
    expect(hcm.received.get('students', key)?.soDinhDanhCaNhan).toBe('079209006611');
  });

  it("left out by its vendor's snapshot in SMAS's format: pushed again as it was, restored and delivered", async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // Not the first test's student (the file shares one world).
    const student = held.find((r) => r.SoCCCD !== '079209006611')!;
    const key = String(student.MaHocSinh);
    const others = held.filter((r) => r.MaHocSinh !== key);
    // The SMAS vendor's snapshot leaves the student out: SMAS held it as truc has it, so it is deleted.
    let before = await lastPushSet();
    await vendorPushes(school, others, 'snapshot');
    expect((await stateOf(key))?.deleted).toBe(true);
    expect(await citySetsSince(before)).toEqual([{ keys: [key], delivered: true, operation: 'delete' }]);
    // The vendor's next delta carries the student again, as SMAS held it before.
    before = await lastPushSet();
    await vendorPushes(school, [student], 'delta');
    expect((await stateOf(key))?.deleted, 'restored in truc').toBe(false);
    expect(await citySetsSince(before), 'sent on to the city').toEqual([
      { keys: [key], delivered: true, operation: 'upsert' },
    ]);
    expect(hcm.received.get('students', key)).toBeDefined();
  });
});
