/**
 * review18 BUG R2 (was `it.fails`; fixed by city20 in stop 41: the city's older copy is no change): a full pull
 * of the city database put the city's copy of a
 * student back over a vendor's change that truc has not delivered to the city yet (the city down, its push
 * set waiting behind the circuit, or simply not sent before the Sunday reconciliation's page was read). The
 * city did not change the student: it still holds the state truc had before the vendor's change. But a
 * vendor's write leaves the row no source fingerprint (it was not made from the city's record), so the
 * city's unchanged record is judged, differs from truc's and is written: the vendor's change is gone from
 * truc, and the waiting push set, which reads the records when it is sent, delivers the city's own old copy
 * back to it (and a school's own system serving the school would be sent it as the city's change). This is
 * prec16's "a school system's older copy is no change" (../../integration/school-system-precedence.test.ts),
 * unmet for the city's own older copies. The same for a deletion (2nd case): a vendor snapshot's deletion
 * the city has not applied yet is undone by the full run, which lists the record as before (a deleted record
 * that comes back is restored), and the waiting delete set then finds it live again: superseded, never sent.
 */
import { describe, expect, it } from 'vitest';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { useCity } from './city-fixtures.js';
import { drain, fullStudentsRun, hcmStudent, vendorBatch } from './fixtures.js';

describe('the city’s older copy over a vendor change it has not received (review18 BUG R2)', () => {
  const { city, ctx, source, liveCodes, removedAtCity, vendorLeavesOut } = useCity();
  const names = async () =>
    (
      await ctx.db.rows<{ data: { fullName: string } }>(
        'truc.students',
        `student_code = 'CX1' AND deleted_at IS NULL`,
      )
    ).map((r) => r.data.fullName);
  const cityCopy = () => hcmStudent('CX1', { name: 'Nguyễn Thị Mai', school: S1 });

  it('keeps the vendor’s change, and delivers it to the city', async () => {
    await fullStudentsRun(ctx, source, [[cityCopy()]]);
    await drain(ctx, 'reconcile');
    expect(await names()).toEqual(['Nguyễn Thị Mai']);
    // The school's vendor corrects the student; its push to the city waits (the city is down).
    const corrected = student('CX1', { fullName: 'Nguyễn Thị Mai Anh' });
    expect(await vendorBatch(ctx, [corrected])).toMatchObject({ status: 'done', accepted: 1 });
    // Sunday's full run reads the city's copy, unchanged there since the first run.
    await fullStudentsRun(ctx, source, [[cityCopy()]]);
    await drain(ctx, 'reconcile');
    // truc keeps the vendor's correction …
    expect(await names()).toEqual(['Nguyễn Thị Mai Anh']);
    // … and the city, back up, gets it (the fake target is handed truc's canonical records).
    await drain(ctx, 'push.hcm-csdl');
    const sent = city.calls.flatMap((c) => c.records as Array<{ fullName: string }>).map((r) => r.fullName);
    expect(sent.at(-1)).toBe('Nguyễn Thị Mai Anh');
  });

  it('keeps a vendor snapshot’s deletion, and delivers it to the city', async () => {
    const cityCopies = () => [hcmStudent('CY1', { school: S1 }), hcmStudent('CY2', { school: S1 })];
    await fullStudentsRun(ctx, source, [cityCopies()]);
    await drain(ctx, 'reconcile');
    // The vendor carries the school's students as the city has them (so it holds them: precedence (b) rule
    // (ii)), then its snapshot leaves CY1 out: deleted in truc, its deletion waits for the city (down).
    await vendorLeavesOut(['CY1']);
    expect(await liveCodes('CY')).toEqual(['CY2']);
    // Sunday's full run reads the city's copies, which still hold CY1.
    await fullStudentsRun(ctx, source, [cityCopies()]);
    await drain(ctx, 'reconcile');
    // truc keeps the deletion …
    expect(await liveCodes('CY')).toEqual(['CY2']);
    // … and the city, back up, is asked to delete CY1.
    await drain(ctx, 'push.hcm-csdl');
    expect(removedAtCity()).toContain('CY1');
  });
});
