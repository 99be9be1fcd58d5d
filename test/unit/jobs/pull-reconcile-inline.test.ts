/**
 * The pull job that stores a full run's last page reconciles the run itself, right after that page's
 * commit (issue 7, sync speed: the reconcile-run job's hop through the relay and the queue cost each run
 * 0.15–0.58 s). Its outbox row is still written in the last page's transaction, leased to the job: the
 * relay never queues it, the job closes it; a reconciliation that fails hands it to the relay at once, and a
 * crash (the database lost) leaves it leased until the lease runs out, when the relay queues it and its job
 * reconciles. Once only, held by the guard as before, with the same audit entry.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import type { Queryable } from '../../../src/store/db.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createOutboxRepo, type OutboxRow } from '../../../src/store/outbox.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import {
  fakeSource,
  hcmStudent,
  nextRow,
  requestFullStudentsSync,
  runRow,
  useTestContext,
} from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

/** The run's lock as the reconciliation takes it first in its transaction (a page's transaction reads the run otherwise). */
const RECONCILE_LOCK = 'SELECT id FROM truc.sync_runs WHERE id = $1 FOR UPDATE';

describe('a full run is reconciled by the pull job that stores its last page', () => {
  const source = fakeSource('hcm-csdl', ['students']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, chainMs: 60_000 });

  /** A full run of one school, its pages (keys per page) served in order; the run's id. */
  async function fullRun(school: string, pages: string[][]): Promise<number> {
    const runId = await requestFullStudentsSync(ctx, school);
    source.pages = pages.map((keys, i) => ({
      items: keys.map((k) => hcmStudent(k, { school })),
      deletedKeys: [],
      nextCursor: i < pages.length - 1 ? `c${i + 1}` : undefined,
      watermark: undefined,
    }));
    return runId;
  }
  /** Runs the run's first page's job (it chains the run's other pages). */
  async function pullRun(runId: number) {
    const row = await nextRow(ctx.db, (r) => r.job_name === 'pull-page' && r.payload['syncRunId'] === runId);
    return runRow(ctx, row!);
  }
  const run = async (runId: number) => (await createSyncRunsRepo(ctx.db).get(runId))!;
  const live = (school: string) => createRecordsRepo(ctx.db).count('students', school);
  /** The run's reconcile-run outbox rows. */
  const reconcileRows = (runId: number) =>
    ctx.db.rows<{ id: number; done_at: Date | null; enqueue_count: number; claimed_until: Date | null }>(
      'truc.outbox',
      `job_name = 'reconcile-run' AND (payload->>'syncRunId')::int = ${runId} ORDER BY id`,
    );
  const reconciledAudit = (runId: number) =>
    ctx.db.rows<{ actor: string }>(
      'truc.audit_log',
      `action = 'sync.reconciled' AND subject = 'sync:${runId}'`,
    );
  /** Open outbox rows of the relay's claim now (others' rows left unclaimed again). */
  async function claimable(): Promise<OutboxRow[]> {
    const claimed = await createOutboxRepo(ctx.db).claimPending(50);
    await createOutboxRepo(ctx.db).release(claimed.map((r) => r.id));
    return claimed;
  }

  /**
   * Has the context's reconciliation transactions (those that begin with the run's lock) call `onReconcile`
   * first (it may throw); undoes it.
   */
  function onReconcile(hook: () => Promise<void>): () => void {
    const tx = ctx.db.tx.bind(ctx.db);
    ctx.db.tx = <T>(fn: (q: Queryable) => Promise<T>) =>
      tx((q) => {
        let first = true;
        const spied = Object.create(q) as Queryable;
        spied.query = async (sql: string, params?: unknown[], opts?: never) => {
          const isFirst = first;
          first = false;
          if (isFirst && sql === RECONCILE_LOCK) await hook();
          return q.query(sql, params, opts);
        };
        return fn(spied);
      });
    return () => {
      ctx.db.tx = tx;
    };
  }

  it('reconciles in the job: no reconcile-run job through the queue, its row closed by the job, once', async () => {
    const S = '79000021';
    const keys = codes('IA', 10);
    // A first sync (nothing stored before: its reconciliation reads no key) of two pages.
    const first = await fullRun(S, [keys.slice(0, 6), keys.slice(6)]);
    expect(await pullRun(first)).toEqual({ records: 4, last: true });
    expect(await run(first)).toMatchObject({ status: 'done', pages: 2, reconcile: 'done', reconciled: 0 });
    // The source no longer serves one student (10 %, under the guard's thresholds): the next full run deletes it.
    const second = await fullRun(S, [keys.slice(1)]);
    let reconciliations = 0;
    const undo = onReconcile(async () => {
      reconciliations += 1;
    });
    try {
      expect(await pullRun(second)).toEqual({ records: 9, last: true });
    } finally {
      undo();
    }
    expect(reconciliations).toBe(1);
    expect(await run(second)).toMatchObject({ status: 'done', reconcile: 'done', reconciled: 1 });
    expect(await live(S)).toBe(9);
    for (const id of [first, second]) {
      const rows = await reconcileRows(id);
      expect(rows).toHaveLength(1);
      // Closed by the job that stored the last page, never handed to the queue.
      expect(rows[0]).toMatchObject({ enqueue_count: 0, done_at: expect.any(Date) });
      expect(await reconciledAudit(id)).toEqual([expect.objectContaining({ actor: 'system:reconcile' })]);
    }
    // Its row handed to the queue again all the same (say a relay's lease ran out meanwhile), its job does nothing.
    const [row] = await reconcileRows(second);
    await ctx.db.query('UPDATE truc.outbox SET done_at = NULL, enqueued_at = NULL WHERE id = $1', [row!.id]);
    const again = await runRow(ctx, (await nextRow(ctx.db, (r) => r.id === row!.id))!);
    expect(again).toEqual({ deleted: 0, skipped: 'not-due' });
    expect(await reconciledAudit(second)).toHaveLength(1);
    expect(await run(second)).toMatchObject({ reconcile: 'done', reconciled: 1 });
  });

  it('the guard holds the reconciliation in the job as it did in its own; approved, its job deletes', async () => {
    const S = '79000022';
    const keys = codes('IB', 50);
    const first = await fullRun(S, [keys]);
    await pullRun(first);
    // 20 of 50 no longer served (40 %, over the 30 % threshold): held.
    const vanished = keys.slice(0, 20);
    const second = await fullRun(S, [keys.slice(20)]);
    expect(await pullRun(second)).toEqual({ records: 30, last: true });
    expect(await run(second)).toMatchObject({ status: 'done', reconcile: 'held' });
    expect(await live(S)).toBe(50);
    const holds = createGuardHoldsRepo(ctx.db);
    const hold = (await holds.get((await holds.heldOfRun(second))!.id))!;
    expect(hold).toMatchObject({ kind: 'reconcile', status: 'held' });
    expect(hold.diff[0]?.keys.deleted).toEqual(vanished);
    expect((await reconcileRows(second))[0]).toMatchObject({ enqueue_count: 0, done_at: expect.any(Date) });

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    const approved = await nextRow(
      ctx.db,
      (r) => r.job_name === 'reconcile-run' && r.payload['syncRunId'] === second,
    );
    expect(await runRow(ctx, approved!)).toEqual({ deleted: 20, skipped: null });
    expect(await live(S)).toBe(30);
    expect(await reconciledAudit(second)).toHaveLength(1);
  });

  it('a reconciliation that fails in the job is handed to the relay at once, and its job reconciles', async () => {
    const S = '79000023';
    const keys = codes('IC', 10);
    await pullRun(await fullRun(S, [keys]));
    const runId = await fullRun(S, [keys.slice(1)]);
    const undo = onReconcile(async () => {
      throw new Error('reconciliation failed');
    });
    try {
      // The page is stored: the job's own work is done.
      expect(await pullRun(runId)).toEqual({ records: 9, last: true });
    } finally {
      undo();
    }
    expect(await run(runId)).toMatchObject({ status: 'done', reconcile: 'queued' });
    const handed = (await claimable()).filter((r) => r.job_name === 'reconcile-run');
    expect(handed.map((r) => r.payload)).toEqual([{ syncRunId: runId }]);
    expect(await runRow(ctx, handed[0]!)).toEqual({ deleted: 1, skipped: null });
    expect(await run(runId)).toMatchObject({ reconcile: 'done', reconciled: 1 });
    expect(await live(S)).toBe(9);
  });

  it('a crash between the last page and its reconciliation: once the lease runs out the relay queues it', async () => {
    const S = '79000024';
    const keys = codes('ID', 10);
    await pullRun(await fullRun(S, [keys]));
    const runId = await fullRun(S, [keys.slice(1)]);
    // The database is lost right after the last page's commit: the reconciliation fails, and so does handing
    // its row over (as if the process had died there).
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    const undo = onReconcile(async () => {
      throw lost;
    });
    const query = ctx.db.query.bind(ctx.db);
    ctx.db.query = (sql: string, params?: unknown[], opts?: never) =>
      sql.includes('SET claimed_until = NULL') ? Promise.reject(lost) : query(sql, params, opts);
    try {
      await expect(pullRun(runId)).rejects.toBe(lost);
    } finally {
      undo();
      ctx.db.query = query;
    }
    expect(await run(runId)).toMatchObject({ status: 'done', pages: 1, reconcile: 'queued' });
    // Leased to the dead job: the relay leaves it until the lease runs out.
    expect((await claimable()).filter((r) => r.job_name === 'reconcile-run')).toEqual([]);
    const [row] = await reconcileRows(runId);
    expect(row).toMatchObject({ done_at: null, claimed_until: expect.any(Date) });
    await ctx.db.query("UPDATE truc.outbox SET claimed_until = now() - interval '1 second' WHERE id = $1", [
      row!.id,
    ]);
    const handed = (await claimable()).filter((r) => r.job_name === 'reconcile-run');
    expect(handed.map((r) => r.id)).toEqual([row!.id]);
    expect(await runRow(ctx, handed[0]!)).toEqual({ deleted: 1, skipped: null });
    expect(await run(runId)).toMatchObject({ reconcile: 'done', reconciled: 1 });
    expect(await reconciledAudit(runId)).toHaveLength(1);
  });
});
