/**
 * review23 (it.fails: README Known limits): issue 7 item 3 — "a run whose changes exceed configurable
 * per-school thresholds (… more than half its records changed) is held with its diff". A vendor batch
 * that changes more than `changeRatio` (50%) of a school's live records is held whole; but each batch is
 * weighed alone (src/jobs/guard.ts `guardBatch`), against the school as it is when that batch arrives. So
 * the same mass change sent as two or three batches one after the other (a vendor's nightly push split
 * into pages, or a school of more than 2,000 students, which no one batch of at most 1,000 records can take
 * over 50%) is applied in full, unguarded, and delivered to the city: seen on `npm run demo`, a school of 40
 * renamed by batches of 16, 16 and 8 within ten seconds, every batch `done`, no hold (the same 40 in one
 * batch: held). A sync run's pages are weighed with the run's running counts (./run-guard.ts); a vendor's
 * batches have no such count.
 * Expected: a vendor's changes to a school are weighed together over a window (for instance since the
 * school's last guard decision, or over the day), so the batch that takes the school over a threshold is
 * held as the one batch carrying them all is.
 */
import { describe, expect, it } from 'vitest';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { useTestContext, vendorBatch } from './fixtures.js';

describe('a mass change split over several vendor batches (review23)', () => {
  const ctx = useTestContext();
  const codes = Array.from({ length: 30 }, (_, i) => `SP${String(i).padStart(2, '0')}`);
  const renamed = (cs: readonly string[]) => cs.map((c) => student(c, { fullName: 'Lê Văn Tám' }));
  const renamedCount = async () =>
    (
      await ctx.db.rows<{ data: { fullName: string } }>(
        'truc.students',
        `school_code = '${S1}' AND deleted_at IS NULL`,
      )
    ).filter((r) => r.data.fullName === 'Lê Văn Tám').length;

  it('one batch renaming 24 of 30 students is held (today, as expected)', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    const one = await vendorBatch(ctx, renamed(codes.slice(0, 24)));
    expect(one.status).toBe('held');
    expect(await renamedCount()).toBe(0);
  });

  it.fails('the same 24 renames sent as two batches of 12 (40% each): the second is held', async () => {
    const first = await vendorBatch(ctx, renamed(codes.slice(0, 12)));
    expect(first.status).toBe('done');
    const second = await vendorBatch(ctx, renamed(codes.slice(12, 24)));
    // Fails: 'done' — 24 of the school's 30 students (80%) renamed, no hold, each batch under 50%.
    expect(second.status).toBe('held');
    expect(await renamedCount()).toBe(12);
  });
});
