/**
 * review18b R3: a SMAS vendor's batch (SMAS format) held whole by the mass-change guard, then approved after
 * the city corrected one of its students, keeps the city's correction (guard.ts `leaveNewer`: the newer state
 * stays) — but does not note the batch's own copy of that student as received from SMAS: the left record
 * becomes one of the plan's unchanged keys, noted with the stored (newer) row's fingerprint
 * (ingest-apply.ts `writeRecords`). SMAS holds its own copy (it refused the correction), which truc now does
 * not know: SMAS's next pull lists it, truc takes it for a change of SMAS's own, puts it over the correction
 * and sends it back to the city database. Had the batch not been held, its copy would have been noted and
 * the next pull's copy dropped as older (vendor-batch-older-copy.test.ts, second case). Fixed: the left
 * rows' batch copies are noted as received (system-copies.ts `noteHeldCopies`; where SMAS gave truc a newer
 * copy since, that one stays: held-batch-newer-copy.test.ts). Real PostgreSQL and Redis, the worker role, the
 * hcm-csdl and SMAS simulators over HTTP (the world of ../helpers/school-system-world.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decideHold } from '../../src/jobs/contracts.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import {
  GUARDING_SMALL_SCHOOLS,
  useSchoolSystemWorld,
  worldActions,
  worldReads,
} from '../helpers/school-system-world.js';
import { settleOutbox } from '../helpers/settled-sync.js';

const SIZE = { seed: 'held-copies18', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

describe('an approved held SMAS vendor batch and SMAS’s older copy (review18b R3)', () => {
  let env: TestEnv;
  let smas: SmasSimulator;
  // After the first pulls a school of 6 is guarded (the default leaves schools under 20 alone).
  const world = useSchoolSystemWorld(SIZE, GUARDING_SMALL_SCHOOLS);
  beforeAll(() => void ({ env, smas } = world));
  const { sync, personalIdOf, lastPushSet, keysToCitySince, smasStudents, vendorPushes } = worldReads(world);
  const { smasStaffEdit, holdOf, cityCorrectsRefused } = worldActions(world);

  it('keeps the city’s correction when SMAS lists its older copy after the approval', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // SMAS's staff edit every student of the school (a new personal ID each); SMAS keeps that copy.
    const edited = held.map((r, i) => ({ ...r, SoCCCD: `07920900${String(7700 + i)}` }));
    const key = String(held[0]!.MaHocSinh);
    await smasStaffEdit(school, edited);
    // Its vendor pushes them (a delta batch in SMAS's format): every student changed, held whole.
    const hold = await holdOf(await vendorPushes(school, edited));
    expect(hold, 'the batch is held').toBeDefined();

    // Meanwhile the city corrects the first student; SMAS refuses that write (it keeps its own copy).
    await cityCorrectsRefused(school, key, '079209008899');
    expect(await personalIdOf(key)).toBe('079209008899');

    // A city admin approves the held batch: the correction, newer, stays.
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin', at: env.deps.now() }),
    );
    await settleOutbox(env.deps.db, 'the approved batch');
    expect(await personalIdOf(key), 'the approval keeps the newer correction').toBe('079209008899');

    // SMAS's next pull lists its own (older) copy of the student: no change.
    const before = await lastPushSet();
    await sync('smas', true);
    expect({
      personalId: await personalIdOf(key),
      sentBackToCity: (await keysToCitySince(before)).includes(key),
    }).toEqual({ personalId: '079209008899', sentBackToCity: false });
  });
});
