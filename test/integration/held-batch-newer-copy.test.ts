/**
 * review19b (a guard for the R3 fix, review18b R3): an approved held batch in SMAS format must not note its own
 * copy as what SMAS holds of a record SMAS gave truc a newer copy of since the batch arrived. The SMAS vendor's
 * batch (every student edited) is held; the vendor then pushes a newer copy of one student (a small batch,
 * applied: truc notes it as SMAS's copy); the held batch is approved and leaves that newer state (guard.ts
 * `leaveNewer`). SMAS holds the newer copy, not the held batch's: noting the batch's copy for the key left
 * newer (what R3 asks for when the newer state is the city's) would forget it, so that SMAS's next pull, after
 * a city correction SMAS refused, takes SMAS's copy for a change of its own, puts it over the correction and
 * sends it back to the city. Passes on main (a0f4b10: the left key is noted with the stored row, here SMAS's
 * own newer copy). Real PostgreSQL and Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP.
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

const SIZE = { seed: 'held-newer19', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

describe('an approved held SMAS vendor batch and SMAS’s newer copy (review19b, beside R3)', () => {
  let env: TestEnv;
  let smas: SmasSimulator;
  // After the first pulls a school of 6 is guarded (the default leaves schools under 20 alone).
  const world = useSchoolSystemWorld(SIZE, GUARDING_SMALL_SCHOOLS);
  beforeAll(() => void ({ env, smas } = world));
  const { sync, personalIdOf, lastPushSet, keysToCitySince, smasStudents, vendorPushes } = worldReads(world);
  const { smasStaffEdit, holdOf, cityCorrectsRefused } = worldActions(world);

  it('keeps what SMAS gave after the held batch arrived as its copy, not the batch’s', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // SMAS's staff edit every student of the school (a new personal ID each); its vendor pushes them: held whole.
    const edited = held.map((r, i) => ({ ...r, SoCCCD: `07920900${String(7700 + i)}` }));
    const key = String(held[0]!.MaHocSinh);
    await smasStaffEdit(school, edited);
    const hold = await holdOf(await vendorPushes(school, edited));
    expect(hold, 'the batch is held').toBeDefined();

    // SMAS's staff edit the first student again; the vendor pushes that one alone (applied: one of six).
    const newer = { ...edited[0]!, SoCCCD: '079209008877' };
    await smasStaffEdit(school, [newer]);
    await vendorPushes(school, [newer]);
    expect(await personalIdOf(key)).toBe('079209008877');

    // A city admin approves the held batch: the first student keeps SMAS's newer copy.
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin', at: env.deps.now() }),
    );
    await settleOutbox(env.deps.db, 'the approved batch');
    expect(await personalIdOf(key), 'the approval keeps the newer copy').toBe('079209008877');

    // The city corrects that student; SMAS refuses the write (it keeps its newer copy).
    await cityCorrectsRefused(school, key, '079209008899');
    expect(await personalIdOf(key)).toBe('079209008899');

    // SMAS's next pull lists the copy it holds (the one truc had from it before the correction): no change.
    const before = await lastPushSet();
    await sync('smas', true);
    expect({
      personalId: await personalIdOf(key),
      sentBackToCity: (await keysToCitySince(before)).includes(key),
    }).toEqual({ personalId: '079209008899', sentBackToCity: false });
  });
});
