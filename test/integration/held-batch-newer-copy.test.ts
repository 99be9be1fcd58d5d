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
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSmasClient } from '../../src/adapters/smas/index.js';
import { decideHold, queueBatch } from '../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import { noRolloverRelief } from '../helpers/guard-rollover.js';
import { useSchoolSystemWorld, worldReads } from '../helpers/school-system-world.js';
import { settleOutbox } from '../helpers/settled-sync.js';

const SIZE = { seed: 'held-newer19', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('an approved held SMAS vendor batch and SMAS’s newer copy (review19b, beside R3)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  // After the first pulls a school of 6 is guarded (the default leaves schools under 20 alone).
  const world = useSchoolSystemWorld(SIZE, {
    afterFirstPulls: (config) => {
      config.guard = { ...noRolloverRelief(config).guard, minRecords: 1 };
    },
  });
  beforeAll(() => void ({ env, hcm, smas } = world));
  const { sync, personalIdOf, lastPushSet, keysToCitySince, smasStudents } = worldReads(world);

  it('keeps what SMAS gave after the held batch arrived as its copy, not the batch’s', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // SMAS's staff edit every student of the school (a new personal ID each); its vendor pushes them: held whole.
    const edited = held.map((r, i) => ({ ...r, SoCCCD: `07920900${String(7700 + i)}` }));
    const key = String(held[0]!.MaHocSinh);
    const client = createSmasClient({
      baseURL: smas.url,
      apiKey: env.config.systems.smas.apiKey!,
      timeoutMs: 5000,
    });
    await client.upsert('students', school, edited as never, `n19-edit-${randomUUID()}`);
    const push = async (records: Array<Record<string, unknown>>) => {
      const id = randomUUID();
      await env.deps.db.tx((q) =>
        queueBatch(q, {
          id,
          clientId: 'vendor-smas',
          schoolCode: school,
          entity: 'students',
          format: 'smas',
          records,
        }),
      );
      await settleOutbox(env.deps.db, 'the vendor batch');
      return id;
    };
    const batchId = await push(edited);
    const hold = (
      await env.deps.db.query<{ id: number }>('SELECT id FROM truc.guard_holds WHERE batch_id = $1', [
        batchId,
      ])
    ).rows[0];
    expect(hold, 'the batch is held').toBeDefined();

    // SMAS's staff edit the first student again; the vendor pushes that one alone (applied: one of six).
    const newer = { ...edited[0]!, SoCCCD: '079209008877' };
    await client.upsert('students', school, [newer] as never, `n19-newer-${randomUUID()}`);
    await push([newer]);
    expect(await personalIdOf(key)).toBe('079209008877');

    // A city admin approves the held batch: the first student keeps SMAS's newer copy.
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin', at: env.deps.now() }),
    );
    await settleOutbox(env.deps.db, 'the approved batch');
    expect(await personalIdOf(key), 'the approval keeps the newer copy').toBe('079209008877');

    // The city corrects that student; SMAS refuses the write (it keeps its newer copy).
    const row = (
      await env.deps.db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM truc.students WHERE student_code = $1',
        [key],
      )
    ).rows[0]!;
    smas.faults.merge({ status400Burst: 1, paths: [`/schools/${school}/students/batch`] });
    hcm.received.put(
      'students',
      { ...toWire(row.data), soDinhDanhCaNhan: '079209008899' },
      new Date().toISOString(),
    );
    await sync('hcm-csdl', false);
    smas.faults.clear();
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
