/**
 * review18b R6 (fixed by order20: arrivals compared, migration 600): a vendor's snapshot queued behind the school's previous snapshot (an ingest backlog) does not
 * delete what it omits. The older snapshot's ingest touches every record it carries (`last_seen_at`, at its
 * ingest time, after the newer one arrived); the newer snapshot leaves alone what was "written or carried
 * since it arrived" (record-deletions.ts `missingFromSnapshot`: `last_seen_at < arrival`), so the student the
 * vendor removed in between stays live and its deletion never travels. Times of writes are compared with a
 * batch's arrival, where the arrival of the batch that wrote (carried) them is what orders them (the same flaw
 * as in left18's 9f2842d, here on main).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { liveStudents, nextRow, ofBatch, runRow, useTestContext } from './fixtures.js';

describe('a vendor snapshot queued behind the previous one (review18b R6)', () => {
  const ctx = useTestContext();
  const queue = (id: string, codes: string[]) =>
    ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: codes.map((c) => student(c, { schoolCode: S1 })),
        mode: 'snapshot',
      }),
    );
  const ingest = async (id: string) => runRow(ctx, (await nextRow(ctx.db, ofBatch(id)))!);
  const live = () => liveStudents(ctx);

  it('deletes what the newer snapshot omits though the older one was ingested after it arrived', async () => {
    const first = randomUUID();
    await queue(first, ['SB1', 'SB2', 'SB3']);
    await ingest(first);
    // Night 1's snapshot (all three) and night 2's (SB3 left the school) wait in the queue, then run in order.
    const [older, newer] = [randomUUID(), randomUUID()];
    await queue(older, ['SB1', 'SB2', 'SB3']);
    // Nights apart, at least a clock tick: the embedded database's now() ticks in milliseconds, and two arrivals in
    // the same one are equal (then neither is older; red once in .ci/run of stop 52 when both fell in one tick).
    await new Promise((r) => setTimeout(r, 3));
    await queue(newer, ['SB1', 'SB2']);
    await ingest(older);
    await ingest(newer);
    expect(await live()).toEqual(['SB1', 'SB2']);
    expect(await createBatchesRepo(ctx.db).get(newer)).toMatchObject({ deleted: 1 });
  });
});
