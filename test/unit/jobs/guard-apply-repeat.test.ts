/**
 * review17 B2: a vendor's unchanged re-push of a body it pushed before is judged at once and writes no
 * record (src/jobs/ingest-repeat.ts: issue 7's fast path), so it does not mark the records it carries as
 * seen (`truc.record_seen`, migration 550; `last_seen_at` before). The guard's "a record carried unchanged by
 * a batch since the held change arrived is left alone" (hunt16 H2) then misses it:
 * - approving a held snapshot (src/jobs/guard-apply.ts `liveUnwrittenSince`) deletes students the vendor's
 *   later re-push said the school still has, and the deletions travel to the school's system (1st case);
 * - approving a held batch (src/jobs/guard.ts `leaveNewer`, `touchedSince`) overwrites students a later
 *   re-push carried with the held batch's older copies (2nd case).
 * - a snapshot queued before such a re-push, ingested after it, deletes what the re-push carried (3rd case).
 * The same re-push as a body never pushed before (judged by the ingest job, which touches them) keeps them.
 * Fixed: a re-push's batch row says it carried its holder's body at its school when judged; the keys of
 * that body count as carried (src/jobs/repeat-carried.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideHold, queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { student as aStudent } from '../../factories/records.js';
import { S1, S2 } from '../../helpers/api.js';
import { drain, fakeTarget, holdOf, liveStudents, useTestContext } from './fixtures.js';

describe("an approved hold and a vendor's unchanged re-push after it (review17 B2)", () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const ctx = useTestContext({ targets: { vnedu: school } });

  const live = (schoolCode: string) => liveStudents(ctx, schoolCode);
  const codesOf = (prefix: string) =>
    Array.from({ length: 30 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
  /** A vendor batch of a school as the API stores it (its body's digest kept when given), queued for ingest. */
  const queue = (
    schoolCode: string,
    records: unknown[],
    opts: { mode?: 'delta' | 'snapshot'; bodySha256?: string } = {},
  ) => {
    const id = randomUUID();
    const counts = ctx.db.tx((q) =>
      queueBatch(
        q,
        {
          id,
          clientId: 'vendor-1',
          schoolCode,
          entity: 'students',
          format: 'canonical',
          records,
          mode: opts.mode ?? 'delta',
          ...(opts.bodySha256 ? { bodySha256: opts.bodySha256 } : {}),
        },
        { repeats: ctx },
      ),
    );
    return { id, counts };
  };
  const every = (schoolCode: string, codes: readonly string[]) =>
    codes.map((c) => aStudent(c, { schoolCode }));
  /** The vendor's delta of every student of the school, always the same bytes. */
  const pushEvery = (schoolCode: string, codes: readonly string[]) =>
    queue(schoolCode, every(schoolCode, codes), { bodySha256: `b2-every-${schoolCode}` }).counts;
  /** A batch ingested; its hold's id. */
  async function heldBatch(schoolCode: string, records: unknown[], mode: 'delta' | 'snapshot') {
    const { id, counts } = queue(schoolCode, records, { mode });
    expect(await counts).toBeUndefined();
    await drain(ctx, 'ingest');
    expect((await createBatchesRepo(ctx.db).get(id))?.status).toBeDefined();
    const hold = await holdOf(ctx, id);
    expect(hold).toBeDefined();
    return hold!.id;
  }
  const approve = async (holdId: number) => {
    await ctx.db.tx((q) =>
      decideHold(q, { holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
  };

  it('approving a held snapshot does not delete students a later unchanged re-push carried', async () => {
    const codes = codesOf('RP');
    expect(await pushEvery(S1, codes)).toBeUndefined(); // judged by the ingest job
    await drain(ctx, 'ingest');
    expect(await live(S1)).toEqual(codes);
    // The vendor's snapshot omits half the school (a bug on its side): its deletions are held.
    const holdId = await heldBatch(S1, every(S1, codes.slice(0, 15)), 'snapshot');
    // Later the vendor pushes its every-student delta again, byte for byte: judged unchanged at once.
    expect(await pushEvery(S1, codes)).toEqual({ accepted: 0, rejected: 0, unchanged: 30 });

    await approve(holdId);
    // Without the fix: the 15 the re-push carried are deleted, and the deletions go to vnEdu.
    expect(await live(S1)).toEqual(codes);
    await drain(ctx, 'push.vnedu');
    expect(school.removals).toEqual([]);
  });

  it('approving a held batch does not overwrite students a later unchanged re-push carried', async () => {
    const codes = codesOf('RQ');
    expect(await pushEvery(S2, codes)).toBeUndefined();
    await drain(ctx, 'ingest');
    expect(await live(S2)).toEqual(codes);
    const renamedNow = async () =>
      (
        await ctx.db.rows<{ student_code: string }>(
          'truc.students',
          `school_code = '${S2}' AND data->>'fullName' = 'Trần Thị Sai'`,
        )
      ).length;
    // A batch renaming 20 of the school's 30 students (67%, over the 50% threshold): held whole.
    const renamed = codes.slice(0, 20).map((c) => aStudent(c, { schoolCode: S2, fullName: 'Trần Thị Sai' }));
    const holdId = await heldBatch(S2, renamed, 'delta');
    // Later the vendor pushes its every-student delta again, byte for byte: judged unchanged at once.
    expect(await pushEvery(S2, codes)).toEqual({ accepted: 0, rejected: 0, unchanged: 30 });

    await approve(holdId);
    // Without the fix: the 20 get the held batch's older names.
    expect(await renamedNow()).toBe(0);
  });

  it('a snapshot ingested after an unchanged re-push does not delete what the re-push carried', async () => {
    const S3 = '79000003';
    const codes = codesOf('RS');
    expect(await pushEvery(S3, codes)).toBeUndefined();
    await drain(ctx, 'ingest');
    // A snapshot omitting 5 of the 30 (17%: under the guard's threshold) is queued …
    const snapshot = queue(S3, every(S3, codes.slice(5)), { mode: 'snapshot' });
    expect(await snapshot.counts).toBeUndefined();
    // … and before it is ingested the vendor pushes its every-student delta again: judged unchanged at once.
    expect(await pushEvery(S3, codes)).toEqual({ accepted: 0, rejected: 0, unchanged: 30 });
    await drain(ctx, 'ingest');
    expect((await createBatchesRepo(ctx.db).get(snapshot.id))?.deleted).toBe(0);
    expect(await live(S3)).toEqual(codes);
  });
});
