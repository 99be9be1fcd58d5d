/**
 * review19b (next door to review18b R3, held-vendor-batch-copies.test.ts): an approved held batch in SMAS's
 * format leaves the records a later unchanged re-push of the same vendor carried (guard.ts `leaveNewer`,
 * ./repeat-carried.ts) — and SMAS holds what that re-push carried, not the held batch's copy. A re-push judged
 * at once (ingest-repeat.ts) writes nothing, so truc.system_copies hears nothing of it: noting the held batch's
 * own copy for every key left "where truc heard nothing of that system since the batch arrived" forgets the copy
 * SMAS holds. The next batch of SMAS's vendor carrying that copy, after a city correction, is then taken for a
 * change of SMAS's own and put over the correction. The story: the vendor pushes its school (X); a bulk edit in
 * SMAS is pushed (Y: held whole); SMAS's staff undo it and the vendor pushes X again (the same bytes: a repeat);
 * an admin approves Y (nothing of it applies: all left newer).
 * The clock is the real one (the database's `now()` and the batches' arrivals must be comparable).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { schoolYearOf, vietnamDateOf } from '../../../src/canonical/school-year.js';
import type { Config } from '../../../src/config.js';
import { decideHold, queueBatch } from '../../../src/jobs/contracts.js';
import { smasStudent } from '../../factories/wire.js';
import { S1 } from '../../helpers/api.js';
import { noRolloverRelief } from '../../helpers/guard-rollover.js';
import { drain, fullStudentsRun, hcmStudent, useStudentsSource } from './fixtures.js';

describe('an approved held SMAS-format batch and a re-push that carried SMAS’s copy since (review19b, beside R3)', () => {
  const { ctx, source } = useStudentsSource();
  const year = schoolYearOf(vietnamDateOf(new Date()));
  beforeAll(() => {
    (ctx as { now: () => Date }).now = () => new Date();
    // Y is held for its changes on any day of the real clock's year (no rollover relief).
    (ctx as { config: Config }).config = noRolloverRelief(ctx.config);
  });
  const codes = Array.from({ length: 30 }, (_, i) => `HR${String(i).padStart(2, '0')}`);
  const queue = (records: unknown[], bodySha256?: string) =>
    ctx.db.tx((q) =>
      queueBatch(
        q,
        {
          id: randomUUID(),
          clientId: 'vendor-smas',
          schoolCode: S1,
          entity: 'students',
          format: 'smas',
          records,
          mode: 'delta',
          ...(bodySha256 ? { bodySha256 } : {}),
        },
        { repeats: ctx },
      ),
    );
  const every = (name: string) =>
    codes.map((c) => smasStudent(c, { MaTruong: S1, NamHoc: year, HoVaTen: name }));
  const nameOf = async (code: string) =>
    (await ctx.db.rows<{ data: { fullName: string } }>('truc.students', `student_code = '${code}'`))[0]?.data
      .fullName;

  it('keeps the city’s correction when SMAS’s vendor carries the copy its re-push carried', async () => {
    // X: the school as SMAS holds it, judged by the ingest job.
    expect(await queue(every('Trần Thị Mai'), 'hr-x')).toBeUndefined();
    await drain(ctx, 'ingest');
    expect(await nameOf('HR00')).toBe('Trần Thị Mai');
    // Y: a bulk edit of every student, held whole.
    expect(await queue(every('Trần Thị Sai'))).toBeUndefined();
    await drain(ctx, 'ingest');
    const [hold] = await ctx.db.rows<{ id: number }>('truc.guard_holds', `status = 'held'`);
    expect(hold).toBeDefined();
    // SMAS's staff undo the edit; the vendor pushes X again, byte for byte: judged unchanged at once.
    expect(await queue(every('Trần Thị Mai'), 'hr-x')).toEqual({ accepted: 0, rejected: 0, unchanged: 30 });
    // The admin approves Y: every record was carried since it arrived, so nothing of it applies.
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
    expect(await nameOf('HR00')).toBe('Trần Thị Mai');

    // The city corrects HR00 (SMAS has not had the correction).
    await fullStudentsRun(ctx, source, [
      [{ ...hcmStudent('HR00', { name: 'Trần Thị Mai Anh', school: S1 }), namHoc: year }],
    ]);
    await drain(ctx, 'reconcile');
    expect(await nameOf('HR00')).toBe('Trần Thị Mai Anh');
    // SMAS's vendor pushes HR00 as SMAS holds it (X's copy): SMAS's older copy, no change.
    expect(await queue([every('Trần Thị Mai')[0]])).toBeUndefined();
    await drain(ctx, 'ingest');
    expect(await nameOf('HR00')).toBe('Trần Thị Mai Anh');
  });
});
