/**
 * echo23 (issue 7 item 2): an approved held snapshot of a school system's vendor forgets that system's copies, as
 * its snapshot applied at once does (../../integration/school-system-own-delete.test.ts). SMAS's vendor sends a
 * snapshot in SMAS's format leaving out half the school: the guard holds its deletions; a city admin approves and
 * the guard-apply job deletes them (src/jobs/guard-apply.ts, through src/jobs/deletes.ts `sendDeletes` with the
 * batch's format: SMAS's own word, so src/store/system-copies.ts `forgetOwnDeletions`). SMAS later lists one of
 * them again, as it held it: its re-enrolment, restored and sent on to the city — not "SMAS's older copy, no
 * change" (truc.system_copies would still hold the copy truc received from SMAS).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideHold, queueBatch, requestSync } from '../../../src/jobs/contracts.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { smasStudent } from '../../factories/wire.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, useTestContext } from './fixtures.js';

describe("an approved held snapshot of SMAS's vendor, then a student it left out listed by SMAS again", () => {
  const source = fakeSource('smas', ['students']);
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ sources: { smas: source }, targets: { 'hcm-csdl': city } });
  /** The school's 30 students as SMAS holds them (the guard leaves schools under 20 records alone). */
  const students = Array.from({ length: 30 }, (_, i) =>
    smasStudent(`HF${String(i).padStart(2, '0')}`, { MaTruong: S1 }),
  );

  /** An incremental pull of SMAS listing `items`, its deliveries to the city made. */
  let runs = 0;
  async function smasLists(items: unknown[]): Promise<void> {
    await createSyncRunsRepo(ctx.db).saveWatermark('smas', 'students', '', `w${runs}`);
    await ctx.db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: `w${(runs += 1)}` });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.hcm-csdl');
  }
  const live = async () =>
    (
      await ctx.db.rows<{ student_code: string }>(
        'truc.students',
        `student_code LIKE 'HF%' AND deleted_at IS NULL ORDER BY student_code`,
      )
    ).map((r) => r.student_code);
  const sentToCity = () =>
    city.calls.flatMap((c) => (c.records as Array<{ studentCode: string }>).map((r) => r.studentCode));

  it('is restored and sent on to the city', async () => {
    await smasLists(students);
    expect(await live()).toHaveLength(30);
    // SMAS's vendor: a snapshot in SMAS's format without the last 15 (SMAS held them as truc has them): held.
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-smas',
        schoolCode: S1,
        entity: 'students',
        format: 'smas',
        records: students.slice(0, 15),
        mode: 'snapshot',
      }),
    );
    await drain(ctx, 'ingest');
    expect(await live()).toHaveLength(30);
    const [hold] = await ctx.db.rows<{ id: number }>('truc.guard_holds', `batch_id = '${id}'`);
    expect(hold, 'the deletions are held').toBeDefined();
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await drain(ctx, 'ingest')).toEqual([{ deleted: 15, skipped: null }]);
    expect(await live()).toEqual(students.slice(0, 15).map((s) => s.MaHocSinh));
    await drain(ctx, 'push.hcm-csdl');
    expect(city.removals.flatMap((r) => r.keys)).toHaveLength(15);
    // SMAS enrols HF20 again, as it held it: SMAS's newest word.
    city.calls.length = 0;
    await smasLists([students[20]]);
    expect(await live(), 'restored in truc').toContain('HF20');
    expect(sentToCity(), 'sent on to the city').toEqual(['HF20']);
  });
});
