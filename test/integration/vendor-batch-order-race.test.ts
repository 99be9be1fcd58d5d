/**
 * review19 R19-7 / R19-8 (V1 under true concurrency; fixed by order20: the arrival comparison is in the write
 * statement itself, src/store/word-arrival.ts): two ingests of one vendor's batches running side by side
 * (two workers, or `jobs.concurrency` > 1). The older batch reads the stored copy, then the newer batch's ingest
 * runs on another connection, then the older batch writes: its older copy goes over the newer one. A rule judged
 * only from what the older batch read cannot see the newer write. R19-8: the same with a re-push of the vendor's
 * earlier body judged at once (it writes nothing) while the older batch's ingest runs. Real PostgreSQL: the other
 * ingest runs right before the older batch's record write is sent — to its end, or (an implementation that
 * serialises a school's ingests) until it waits for the older batch's lock, going on once the older commits.
 * race21: the instant order20 left open (right after the older batch's write statement) is closed by the school's
 * lock (src/store/school-lock.ts), taken by the ingest, the API's re-push judged at once and an approved snapshot
 * hold's deletions.
 * The API's side of the same race (its re-push judged at once): vendor-batch-order-race-api.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideHold, queueBatch } from '../../src/jobs/contracts.js';
import { guardApplyJob } from '../../src/jobs/guard-apply.js';
import type { Queryable } from '../../src/store/db.js';
import { S2, student } from '../helpers/api.js';
import { useIngestRace } from '../helpers/ingest-race.js';
import { queueVendorBody, vendorBody } from '../helpers/vendor-batch.js';

describe('two ingests of one vendor’s batches side by side (review19 R19-7, R19-8)', () => {
  const w = useIngestRace();
  const { ingest, sideBySide, names, withName } = w;

  it('R19-7: keeps the newer batch’s copy when the older one writes after the newer ran', async () => {
    const { batchId: first } = await queueVendorBody(w.env.deps.db, withName('RACEV1', 'Đặng Văn Gốc'));
    await ingest(first);
    // The vendor's correction, then its correction of the correction: stored in that order.
    const { batchId: older } = await queueVendorBody(w.env.deps.db, withName('RACEV1', 'Đặng Văn Cũ'));
    const { batchId: newer } = await queueVendorBody(w.env.deps.db, withName('RACEV1', 'Đặng Văn Mới'));
    // The older batch's ingest has read the stored copy when the newer one's runs on another worker.
    let other: Promise<void> = Promise.resolve();
    await ingest(older, async () => {
      other = (await sideBySide(() => ingest(newer))).end;
    });
    await other;
    expect(await names('RACEV1')).toEqual(['Đặng Văn Mới']);
  });

  it('R19-8: keeps what a re-push of the earlier body carried while an older batch ran', async () => {
    const a = withName('RACEV2', 'Đặng Thị Hoa');
    const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
    await ingest(first);
    // The vendor's change (B), then it takes it back (A again): A's re-push is judged (at once: nothing of the
    // school is committed yet) while B's ingest, which has read but not written, runs.
    const { batchId: older } = await queueVendorBody(w.env.deps.db, withName('RACEV2', 'Đặng Thị Hồng'));
    let other: Promise<void> = Promise.resolve();
    await ingest(older, async () => {
      const { batchId: repush } = await queueVendorBody(w.env.deps.db, a);
      other = (await sideBySide(() => ingest(repush))).end;
    });
    await other;
    expect(await names('RACEV2')).toEqual(['Đặng Thị Hoa']);
  });

  // The instant order20 left open (review20 on order20 df6b35d): the re-push commits after the older batch's
  // write statement ran and before that batch commits. The statement could not see it; the re-push judged the
  // committed (old) state unchanged, and the older copy was written over the vendor's latest word. A school's
  // vendor words are one transaction at a time now (src/store/school-lock.ts): the re-push waits for the older
  // batch's commit, then is judged in full and writes its body.
  it('a re-push started between the older batch’s write and its commit waits, then keeps the vendor’s latest word', async () => {
    const a = withName('RACEV3', 'Đặng Thị Lan');
    const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
    await ingest(first);
    const { batchId: older } = await queueVendorBody(w.env.deps.db, withName('RACEV3', 'Đặng Thị Loan'));
    let other: Promise<void> = Promise.resolve();
    await ingest(
      older,
      async () => {
        const { batchId: repush } = await queueVendorBody(w.env.deps.db, a);
        other = (await sideBySide(() => ingest(repush))).end;
      },
      'after',
    );
    await other;
    expect(await names('RACEV3')).toEqual(['Đặng Thị Lan']);
  });

  // An approved snapshot hold's deletions are the snapshot's word for its school (src/jobs/guard-apply.ts): a
  // re-push of the vendor's every-student body, judged between their statement and their commit, would have
  // judged the committed state (all live) unchanged at once, and the deletions committed after it.
  it('an approved snapshot hold’s deletions: a re-push started before they commit waits, then restores them', async () => {
    const db = w.env.deps.db;
    const codes = Array.from({ length: 30 }, (_, i) => `RACEG${String(i).padStart(2, '0')}`);
    const every = codes.map((c) => student(c, S2));
    const live = async () =>
      (
        await db.query<{ code: string }>(
          `SELECT student_code AS code FROM truc.students
            WHERE school_code = $1 AND student_code LIKE 'RACEG%' AND deleted_at IS NULL ORDER BY 1`,
          [S2],
        )
      ).rows.map((r) => r.code);
    await ingest((await queueVendorBody(db, every, { school: S2 })).batchId);
    expect(await live()).toEqual(codes);
    // The vendor's snapshot omits half the school: its deletions are held; approved.
    const snapshot = randomUUID();
    await db.tx((q) =>
      queueBatch(q, { ...vendorBody(every.slice(0, 15), S2), id: snapshot, mode: 'snapshot' }),
    );
    await ingest(snapshot);
    const [hold] = (
      await db.query<{ id: number }>(`SELECT id FROM truc.guard_holds WHERE batch_id = $1`, [snapshot])
    ).rows;
    await db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: w.env.deps.now() }),
    );
    const outbox = await db.query<{ id: number }>(
      `SELECT id FROM truc.outbox WHERE (payload->>'holdId')::int = $1 AND done_at IS NULL`,
      [hold!.id],
    );
    // Right after the deletions' statement, before the approval's transaction commits: the re-push.
    let fired = false;
    let other: Promise<void> = Promise.resolve();
    const hooked = (q: Queryable): Queryable => ({
      async query<R = Record<string, unknown>>(
        sql: string,
        params?: readonly unknown[],
        opts?: Parameters<Queryable['query']>[2],
      ) {
        const res = await q.query<R>(sql, params, opts);
        if (!fired && /UPDATE truc\.students r SET deleted_at/.test(sql)) {
          fired = true;
          const { batchId: repush } = await queueVendorBody(db, every, { school: S2 });
          other = (await sideBySide(() => ingest(repush))).end;
        }
        return res;
      },
    });
    const run = {
      ...w.ctx,
      db: { ...db, tx: <T>(fn: (q: Queryable) => Promise<T>) => db.tx((q) => fn(hooked(q))) },
    };
    const job = { id: 'g', queue: guardApplyJob.queue, name: guardApplyJob.name, attempt: 1 };
    await guardApplyJob.run(run, { holdId: hold!.id }, { ...job, outboxId: outbox.rows[0]!.id });
    expect(fired).toBe(true);
    await other;
    expect(await live()).toEqual(codes);
  });
});
