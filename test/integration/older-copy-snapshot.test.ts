/**
 * review18b R4: README (Deletes and reconciliation) promises that a vendor's snapshot does not delete a record
 * the city changed since that vendor last carried it, "until the vendor or its system has had the change".
 * The city corrects a student of a SMAS school; SMAS refuses the correction (it keeps its own copy). The SMAS
 * vendor's nightly delta batch carries SMAS's copy: an older copy, rightly no change — but it was noted as the
 * vendor's carry of the record (truc.record_seen, `seen_by` the vendor), which precedence (b)'s rule (ii)
 * reads as "its sender carried the record as it is now" (record-seen.ts `carriedAfterWrite`). The vendor's
 * next snapshot leaves the student out: it was deleted (and the deletion sent to the city) though neither the
 * vendor nor SMAS ever had the correction. Fixed: a carry of another state than truc's is noted seen
 * (liveness: vendor-batch-older-copy.test.ts) but as no sender's carry (`seen_by` NULL). Real PostgreSQL and
 * Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP (../helpers/school-system-world.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { useSchoolSystemWorld, worldActions, worldReads } from '../helpers/school-system-world.js';

const SIZE = { seed: 'older-copy-snap18', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

describe('a vendor snapshot after its delta carried an older copy (review18b R4)', () => {
  let env: TestEnv;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE);
  beforeAll(() => void ({ env, smas } = world));
  const { smasStudents, vendorPushes } = worldReads(world);
  const { cityCorrectsRefused } = worldActions(world);

  it('keeps a student the city corrected when the vendor only ever carried its older copy', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    const key = String(held[0]!.MaHocSinh);
    // The city corrects the student; SMAS refuses that write (it keeps its copy).
    await cityCorrectsRefused(school, key, '079209008866');

    // The SMAS vendor's nightly delta carries every student as SMAS holds them: the corrected one is an older copy.
    await vendorPushes(school, held, 'delta');
    // The next night its snapshot leaves that student out.
    await vendorPushes(school, held.slice(1), 'snapshot');
    const state = (
      await env.deps.db.query<{ deleted: boolean; id: string }>(
        'SELECT deleted_at IS NOT NULL AS deleted, personal_id AS id FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]!;
    // Neither the vendor nor SMAS ever had the correction: the omission is kept (and audited), not a deletion.
    expect(state).toEqual({ deleted: false, id: '079209008866' });
  });
});
