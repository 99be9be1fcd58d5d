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

const SIZE = { seed: 'held-copies18', schools: 2, studentsPerSchool: 6, staffPerSchool: 1 };

const toWire = (data: Record<string, unknown>) =>
  HCM_CSDL_MAPPINGS.students.fromCanonical!(data as never, { now: () => new Date() });

describe('an approved held SMAS vendor batch and SMAS’s older copy (review18b R3)', () => {
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

  it('keeps the city’s correction when SMAS lists its older copy after the approval', async () => {
    const school = smas.schoolCodes[0]!;
    const held = await smasStudents(school);
    // SMAS's staff edit every student of the school (a new personal ID each); SMAS keeps that copy.
    const edited = held.map((r, i) => ({ ...r, SoCCCD: `07920900${String(7700 + i)}` }));
    const key = String(held[0]!.MaHocSinh);
    const client = createSmasClient({
      baseURL: smas.url,
      apiKey: env.config.systems.smas.apiKey!,
      timeoutMs: 5000,
    });
    await client.upsert('students', school, edited as never, `r3-edit-${randomUUID()}`);
    // Its vendor pushes them (a delta batch in SMAS's format): every student changed, held whole.
    const batchId = randomUUID();
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'vendor-smas',
        schoolCode: school,
        entity: 'students',
        format: 'smas',
        records: edited,
      }),
    );
    await settleOutbox(env.deps.db, 'the vendor batch');
    const hold = (
      await env.deps.db.query<{ id: number }>('SELECT id FROM truc.guard_holds WHERE batch_id = $1', [
        batchId,
      ])
    ).rows[0];
    expect(hold, 'the batch is held').toBeDefined();

    // Meanwhile the city corrects the first student; SMAS refuses that write (it keeps its own copy).
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
