/**
 * polish6: what a sync run keeps while it runs goes with the nightly purge once the run finished for good
 * (src/store/run-purge.ts). truc.sync_run_guard (its counts per school) was never purged, nor truc.weigh_seen rows a
 * failed drop left; truc.sync_run_deleted was purged for a failed run a dead-letter replay may still reopen. Kept: a
 * run running or held, one done whose reconciliation is queued or held (weighed with the run's counts) or may still
 * be claimed (a batch of its pages in progress), one finished less than an hour ago, one failed with an open dead
 * letter (its pull's or a batch's); dropped: one done and reconciled (or never due), one failed with no open letter.
 * fix7: the keys its pages saw (truc.sync_run_seen) too; review6 R6-4: the runs finished for good are read once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { purgeFinishedRuns } from '../../../src/jobs/change-purge.js';
import { useTestContext } from './fixtures.js';

describe('the nightly purge of what finished sync runs kept (polish6)', () => {
  const ctx = useTestContext();
  const sql = (text: string, params: unknown[] = []) => ctx.db.query<{ id: number; n: number }>(text, params);

  /** A run in `status` (and `reconcile`), finished `minutesAgo`, with a count row, a deleted code and a held page's weighed row. */
  async function run(status: string, reconcile: string | null = null, minutesAgo = 90): Promise<number> {
    const id = Number(
      (
        await sql(
          `INSERT INTO truc.sync_runs (system, entity, status, reconcile, requested_by, finished_at)
           VALUES ('hcm-csdl', 'students', $1, $2, 'test', now() - make_interval(mins => $3)) RETURNING id`,
          [status, reconcile, minutesAgo],
        )
      ).rows[0]!.id,
    );
    await sql(
      `INSERT INTO truc.sync_run_guard (sync_run_id, school_code, live, deleted) VALUES ($1, '79000001', 40, 4)`,
      [id],
    );
    await sql(
      `INSERT INTO truc.sync_run_deleted (sync_run_id, record_key, school_code) VALUES ($1, 'HS01', '79000001')`,
      [id],
    );
    const hold = (
      await sql(
        `INSERT INTO truc.guard_holds (kind, sync_run_id, entity, status, diff, reasons)
         VALUES ('run', $1, 'students', 'approved', '[]', '[]') RETURNING id`,
        [id],
      )
    ).rows[0]!.id;
    await sql(`INSERT INTO truc.weigh_seen (hold_id, page_no, keys) VALUES ($1, 1, '{HS02}')`, [hold]);
    await sql(`INSERT INTO truc.sync_run_seen (sync_run_id, batch_id, keys) VALUES ($1, $2, '{HS03}')`, [
      id,
      randomUUID(),
    ]);
    return id;
  }

  /** A batch of run `id`'s pages in `status`: its id. */
  async function page(id: number, status: string): Promise<string> {
    const batchId = randomUUID();
    await sql(
      `INSERT INTO truc.batches (id, client_id, school_code, entity, format, records, received, status, sync_run_id)
       VALUES ($1, 'system:pull', '79000001', 'students', 'hcm-csdl', '[]', 0, $2, $3)`,
      [batchId, status, id],
    );
    return batchId;
  }

  /** A dead letter of `work` (a run's pull, or a batch's ingest), open unless `replayed`. */
  async function letter(work: { syncRunId: number } | { batchId: string }, replayed: boolean) {
    const outbox = (
      await sql(
        `INSERT INTO truc.outbox (queue, job_name, payload) VALUES ('pull', 'pull-page', $1) RETURNING id`,
        [JSON.stringify(work)],
      )
    ).rows[0]!.id;
    await sql(
      `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts, replayed_at)
       VALUES ($1, 'pull', 'pull-page', 'ERR_X', 'x', 3, $2)`,
      [outbox, replayed ? new Date() : null],
    );
  }

  const left = async (table: string) =>
    (
      await sql(`SELECT DISTINCT ${table === 'truc.weigh_seen' ? 'h.sync_run_id' : 'x.sync_run_id'} AS id FROM ${table} x
                ${table === 'truc.weigh_seen' ? 'JOIN truc.guard_holds h ON h.id = x.hold_id' : ''} ORDER BY 1`)
    ).rows.map((r) => Number(r.id));

  it('drops the rows of runs finished for good and keeps those a run may still read', async () => {
    const running = await run('running');
    const held = await run('held');
    const reconcileQueued = await run('done', 'queued');
    const reconcileHeld = await run('done', 'held');
    const failedOpen = await run('failed');
    await letter({ syncRunId: failedOpen }, false);
    const batchOpen = await run('failed');
    await letter({ batchId: await page(batchOpen, 'failed') }, false);
    const ingesting = await run('done');
    await page(ingesting, 'queued');
    const justDone = await run('done', null, 10);
    const reconciled = await run('done', 'done');
    const incremental = await run('done');
    await page(incremental, 'done');
    const failedReplayed = await run('failed');
    await letter({ syncRunId: failedReplayed }, true);
    const failed = await run('failed');
    await page(failed, 'failed');

    // Without the fix: { deleted: 10 } alone (all but the running and held runs'), no counts nor weighed rows.
    // fix7: the keys a failed full run's pages saw (truc.sync_run_seen) went only with a newer full run's
    // reconciliation of its system: never, for a system not fully synced again. Now with the rest (seen: 4).
    // review6 R6-4: which runs finished for good is read once, not again by each chunk's DELETE (chunks of 1 here).
    const judged = vi.spyOn(ctx.db, 'query');
    expect(await purgeFinishedRuns(ctx, 1)).toEqual({ deleted: 4, counts: 4, seen: 4, weighed: 4 });
    const finishedReads = judged.mock.calls.filter(([text]) => String(text).includes("r.status = 'failed'"));
    judged.mockRestore();
    expect(finishedReads).toHaveLength(1);
    const kept = [running, held, reconcileQueued, reconcileHeld, failedOpen, batchOpen, ingesting, justDone];
    for (const table of [
      'truc.sync_run_guard',
      'truc.sync_run_deleted',
      'truc.weigh_seen',
      'truc.sync_run_seen',
    ])
      expect(await left(table)).toEqual(kept);
    expect([reconciled, incremental, failedReplayed, failed].every((id) => !kept.includes(id))).toBe(true);
    expect(await purgeFinishedRuns(ctx)).toEqual({ deleted: 0, counts: 0, seen: 0, weighed: 0 });
  });
});
