/**
 * A school system's own tombstone forgets its copies (issue 7 item 2; the integration test
 * school-system-own-delete.test.ts covers its reconciliation and its vendor's snapshot): SMAS's incremental
 * listing names a student it deleted; the same student listed again later, as SMAS held it, is SMAS's re-enrolment:
 * restored and sent on to the city, not "SMAS's older copy, no change" (truc.system_copies kept the copy truc had
 * received from SMAS). src/jobs/deletes.ts `sendDeletes`, src/store/system-copies.ts `forgetOwnDeletions`.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { smasStudent } from '../../factories/wire.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, useTestContext } from './fixtures.js';

describe("a student SMAS's own tombstone deleted, listed by SMAS again as it was", () => {
  const source = fakeSource('smas', ['students']);
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ sources: { smas: source }, targets: { 'hcm-csdl': city } });

  async function smasRun(items: unknown[], deletedKeys: string[]): Promise<void> {
    await createSyncRunsRepo(ctx.db).saveWatermark('smas', 'students', '', 'w0');
    await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: false,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({ items, deletedKeys, nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.hcm-csdl');
  }
  const deleted = async (key: string) =>
    (await ctx.db.rows<{ deleted_at: Date | null }>('truc.students', `student_code = '${key}'`))[0]!
      .deleted_at !== null;

  it('is restored and sent on to the city', async () => {
    const student = smasStudent('OT1', { MaTruong: S1 });
    await smasRun([student], []);
    expect(city.calls.map((c) => c.records.length)).toEqual([1]);
    await smasRun([], ['OT1']);
    expect(await deleted('OT1')).toBe(true);
    expect(city.removals.map((r) => r.keys)).toEqual([['OT1']]);
    // SMAS enrols the student again, as it held it.
    await smasRun([student], []);
    expect(await deleted('OT1'), 'restored in truc').toBe(false);
    expect(
      city.calls.map((c) => c.records.length),
      'sent on to the city',
    ).toEqual([1, 1]);
  });
});
