/**
 * What the city database's copy tests share (city-copies, city-older-copy, city-tombstone-echo): the city as a
 * fake target that takes and deletes students, hcm-csdl serving them through a fake source, and the steps these
 * tests repeat — a vendor's snapshot leaving students out, an incremental pull listing the city's tombstones.
 */
import { expect } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeTarget, useStudentsSource, vendorBatch } from './fixtures.js';

/** The city database as a target and as the students' source, over the file's one database. */
export function useCity() {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const { ctx, source } = useStudentsSource({ 'hcm-csdl': city });
  const liveOfSchool = () =>
    ctx.db.rows<{ student_code: string; data: unknown }>(
      'truc.students',
      `school_code = '${S1}' AND deleted_at IS NULL ORDER BY student_code`,
    );
  let watermarks = 0;
  return {
    city,
    ctx,
    source,
    /** The live students whose code starts with `prefix`, by code. */
    liveCodes: async (prefix: string) =>
      (
        await ctx.db.rows<{ student_code: string }>(
          'truc.students',
          `student_code LIKE '${prefix}%' AND deleted_at IS NULL ORDER BY student_code`,
        )
      ).map((r) => r.student_code),
    /** The codes of the students written to the city so far. */
    writtenToCity: () =>
      city.calls.flatMap((c) => (c.records as Array<{ studentCode: string }>).map((r) => r.studentCode)),
    /** The keys the city was asked to delete so far. */
    removedAtCity: () => city.removals.flatMap((r) => r.keys),
    /**
     * The school's vendor carries every live student of S1 as truc holds them (so it holds them: precedence (b)),
     * then its snapshot leaves `drop` out: deleted in truc, their deletion queued for the city. Their stored
     * records (before the deletion), to push again.
     */
    vendorLeavesOut: async (drop: readonly string[]): Promise<unknown[]> => {
      const live = await liveOfSchool();
      expect(
        await vendorBatch(
          ctx,
          live.map((r) => r.data),
        ),
      ).toMatchObject({ accepted: 0 });
      const kept = live.filter((r) => !drop.includes(r.student_code)).map((r) => r.data);
      expect(await vendorBatch(ctx, kept, 'snapshot')).toMatchObject({ deleted: drop.length });
      return live.filter((r) => drop.includes(r.student_code)).map((r) => r.data);
    },
    /** An incremental pull of the city whose feed lists the tombstones of `keys`. */
    pullTombstones: async (keys: string[]): Promise<void> => {
      await createSyncRunsRepo(ctx.db).saveWatermark('hcm-csdl', 'students', '', `w${watermarks}`);
      await ctx.db.tx((q) =>
        requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
      );
      source.pages = [
        { items: [], deletedKeys: keys, nextCursor: undefined, watermark: `w${(watermarks += 1)}` },
      ];
      await drain(ctx, 'pull');
    },
  };
}
