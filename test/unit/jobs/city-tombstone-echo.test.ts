/**
 * review21 (was it.fails: README Known limits; fixed by echo22): the city database's tombstone of a record is applied even when it is
 * only the echo of truc's own delete, sent there before the record came back. A vendor's snapshot leaves a
 * student out: truc deletes it and sends the city the delete (acknowledged: truc.system_copies knows the city
 * holds truc's deletion). The vendor then pushes the student again (a snapshot that left it out by mistake, a
 * re-enrolment): truc restores it, and its upsert to the city waits in the push queue (the city slow, the queue
 * behind). The night's incremental pull of the city lists the student's tombstone — the deletion truc itself sent
 * — and src/jobs/pull-store.ts `sendTombstones` marks it deleted again (src/store/record-deletions.ts
 * `markDeleted`: no look at what truc sent the city), undoing the vendor's newer word; that deletion is then sent
 * on as the city's (to the school's own system serving the school), and the waiting upsert finds the record
 * deleted and sends nothing. The city's older copy of a record is no change (README, review18 R2) — for a copy it
 * lists, not for a deletion it lists.
 * Expected: a city tombstone of a record whose deletion truc sent the city, restored in truc since, is the city's
 * older state: no change (the waiting upsert delivers the restore). The fix: src/store/record-deletions.ts
 * `echoOfOwnDelete`, the city's tombstones (pull-store `sendTombstones`) skip such records. Once the restore's
 * upsert is acknowledged by the city, its tombstone of the record is its own deletion again: applied.
 * echo23: the same where the city never answered truc's delete (a timeout: it applied it, truc cannot know), and
 * where the restore's upsert is sent and unanswered too; until the city acknowledges a copy sent after the
 * delete (truc.system_copies `deletion_noted_at`, migration 780), its tombstone is truc's own delete's echo.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { S1 } from '../../helpers/api.js';
import { useCity } from './city-fixtures.js';
import { byQueue, drain, fullStudentsRun, hcmStudent, nextRow, runRow, vendorBatch } from './fixtures.js';

describe('the echo of a delete truc sent the city, pulled after the record came back (review21)', () => {
  const { city, ctx, source, ...world } = useCity();
  const liveCodes = () => world.liveCodes('TE');
  const { writtenToCity, removedAtCity } = world;

  /**
   * TE1 deleted by a vendor snapshot, the delete sent to the city (acknowledged; `unanswered`: the city applies
   * it but its answer never comes, a timeout, and the delete set waits for its retry), then pushed again: restored.
   */
  async function deletedThenRestored(unanswered = false): Promise<void> {
    await drain(ctx, 'push.hcm-csdl'); // whatever an earlier case left waiting
    city.calls.length = 0;
    city.removals.length = 0;
    await fullStudentsRun(ctx, source, [
      [hcmStudent('TE1', { school: S1 }), hcmStudent('TE2', { school: S1 })],
    ]);
    await drain(ctx, 'reconcile');
    // The vendor carries both as truc has them, then its snapshot leaves TE1 out: deleted, the delete sent.
    const [te1] = await world.vendorLeavesOut(['TE1']);
    if (unanswered) await deleteTimesOut();
    else await drain(ctx, 'push.hcm-csdl');
    expect(removedAtCity()).toEqual(['TE1']);
    // The vendor pushes TE1 again: restored; its upsert to the city is queued.
    expect(await vendorBatch(ctx, [te1])).toMatchObject({ status: 'done', accepted: 1 });
    expect(await liveCodes()).toEqual(['TE1', 'TE2']);
  }

  /** The city applies the waiting delete set but its answer times out: the set stays open, unacknowledged. */
  async function deleteTimesOut(): Promise<void> {
    const remove = city.remove!.bind(city);
    city.remove = async (...args) => {
      await remove(...args);
      throw new AppError('ERR_ADAPTER_TIMEOUT');
    };
    try {
      await expect(runRow(ctx, (await nextRow(ctx.db, byQueue('push.hcm-csdl')))!)).rejects.toThrow();
    } finally {
      city.remove = remove;
    }
  }

  /** The night's incremental pull: the city's feed lists TE1's tombstone. */
  const pullTombstoneOfTE1 = () => world.pullTombstones(['TE1']);

  it('keeps the restored student (the city only lists the deletion truc sent it)', async () => {
    await deletedThenRestored();
    // The upsert still waits: the tombstone the city lists is the deletion truc sent it.
    expect(writtenToCity()).not.toContain('TE1');
    await pullTombstoneOfTE1();
    // Without the fix: ['TE2'] — the echo deleted the restored student again.
    expect(await liveCodes()).toEqual(['TE1', 'TE2']);
    // The waiting upsert delivers the restore to the city; no deletion goes out again.
    await drain(ctx, 'push.hcm-csdl');
    expect(writtenToCity()).toContain('TE1');
    expect(removedAtCity()).toEqual(['TE1']);
  });

  it("deletes it once the city acknowledged the restore (its tombstone is then the city's own)", async () => {
    await deletedThenRestored();
    // The restore's upsert is delivered and acknowledged before the city lists a tombstone of TE1.
    await drain(ctx, 'push.hcm-csdl');
    expect(writtenToCity()).toContain('TE1');
    await pullTombstoneOfTE1();
    expect(await liveCodes()).toEqual(['TE2']);
  });

  it('keeps it too when the city never answered the delete (a timeout: truc sent it, the city applied it)', async () => {
    await deletedThenRestored(true);
    await pullTombstoneOfTE1();
    // Without the fix: ['TE2'] — an unacknowledged delete was taken for none sent.
    expect(await liveCodes()).toEqual(['TE1', 'TE2']);
    // The delete set's retry finds TE1 live (superseded, no call); the upsert delivers the restore.
    await drain(ctx, 'push.hcm-csdl');
    expect(writtenToCity()).toContain('TE1');
    expect(removedAtCity()).toEqual(['TE1']);
  });

  it('keeps it while the restore sent after an unanswered delete is unanswered too', async () => {
    await deletedThenRestored(true);
    // The upsert goes out and times out as well: the city may hold truc's deletion still.
    city.next = () => {
      throw new AppError('ERR_ADAPTER_TIMEOUT');
    };
    try {
      await drain(ctx, 'push.hcm-csdl').catch(() => undefined);
    } finally {
      delete city.next;
    }
    expect(writtenToCity()).toContain('TE1');
    await pullTombstoneOfTE1();
    expect(await liveCodes()).toEqual(['TE1', 'TE2']);
    await drain(ctx, 'push.hcm-csdl'); // the city answers at last
  });

  it('deletes it once the city acknowledged the restore sent after an unanswered delete', async () => {
    await deletedThenRestored(true);
    await drain(ctx, 'push.hcm-csdl');
    expect(writtenToCity()).toContain('TE1');
    await pullTombstoneOfTE1();
    expect(await liveCodes()).toEqual(['TE2']);
  });
});
