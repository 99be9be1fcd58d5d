/**
 * A vendor batch's repeat state is the snapshot of its judgment's first read (the batch's lock), not of its
 * closing statement (review14 B2): a change to the school committed after the batch's reads but before its
 * closing statement is not in that snapshot, so the change feed shows it to a repeat, which is then judged
 * in full. Real PostgreSQL: the other transaction commits on another connection right before the batch's
 * closing statement is sent.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerContext } from '../../src/jobs/context.js';
import { ingestJob } from '../../src/jobs/ingest.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import type { Queryable } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { student, S1 } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';
import { queueVendorBody } from '../helpers/vendor-batch.js';

describe('a change committed while a vendor batch is judged', () => {
  const env = usePostgresEnv();
  let ctx: WorkerContext;
  beforeAll(async () => {
    ctx = createWorkerContext(env().deps);
  });

  /** Queues `records` as vendor-1's body for S1 and runs its ingest; `beforeClosing` runs once, right before the closing statement. */
  async function push(records: unknown[], beforeClosing?: () => Promise<void>) {
    const db = env().deps.db;
    const { batchId } = await queueVendorBody(db, records);
    const outbox = await db.query<{ id: number }>(
      `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL`,
      [batchId],
    );
    let fired = beforeClosing === undefined;
    const hooked = (q: Queryable): Queryable => ({
      async query(sql, params, opts) {
        if (!fired && sql.includes(`UPDATE truc.batches SET status = 'done'`)) {
          fired = true;
          await beforeClosing!();
        }
        return q.query(sql, params, opts);
      },
    });
    const run = {
      ...ctx,
      db: { ...db, tx: <T>(fn: (q: Queryable) => Promise<T>) => db.tx((q) => fn(hooked(q))) },
    };
    const job = {
      id: 'j',
      queue: ingestJob.queue,
      name: ingestJob.name,
      attempt: 1,
      outboxId: outbox.rows[0]!.id,
    };
    const result = (await ingestJob.run(run, { batchId }, job)) as {
      accepted: number;
      rejected: number;
      unchanged: number;
    };
    expect(fired).toBe(true);
    return result;
  }

  it('is judged in full on its repeat, as it would be judged now', async () => {
    const id = '079300000123';
    const x = { ...student('RACE1'), personalId: id };
    // Another source stores a second student of S1 holding the same personal ID while X's batch is judged.
    const other = { ...student('RACE2'), personalId: id };
    const first = await push([x], async () => {
      await createRecordsRepo(env().deps.db).upsert(
        'students',
        [{ key: 'RACE2', scope: S1, personalId: id, data: other, fingerprint: fingerprint(other) }],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      );
    });
    expect(first).toMatchObject({ accepted: 1, rejected: 0 }); // judged without RACE2
    // Judged in full now, X meets RACE2's ID in its school (SACH_DUPLICATE_PERSONAL_ID_STORED, an error).
    const again = await push([x]);
    expect(again.rejected).toBe(1);
  });
});
