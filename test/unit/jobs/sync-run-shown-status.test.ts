/**
 * A sync run's status as a city admin means it (`held` for a done run whose reconciliation the guard holds) is
 * one rule, src/store/sync-run-reads.ts `SHOWN_STATUS` in SQL: the list and its filter (GET /v1/syncs, truc sync
 * list), the dashboard's runs (GET /v1/ops/sync-runs) and a run read whole (`get`: GET /v1/syncs/{id}'s and
 * `truc sync run --follow`'s summary, `syncRunSummary`) read it from there (fixes26b: it was written twice, the
 * run read whole by a TypeScript copy). Pinned on every state a run can be in, on a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { createOverviewRepo } from '../../../src/store/overview.js';
import { createSyncRunReads, syncRunSummary } from '../../../src/store/sync-run-reads.js';
import { requestFullStudentsSync, useTestContext } from './fixtures.js';

const STATUSES = ['queued', 'running', 'held', 'done', 'failed'] as const;
const RECONCILES = [null, 'queued', 'held', 'done'] as const;

/** What a city admin is shown: a run waiting for a decision is held, its pages' or its reconciliation's. */
const expected = (status: string, reconcile: string | null) =>
  status === 'done' && reconcile === 'held' ? 'held' : status;

describe('the shown status of a sync run, one rule', () => {
  const ctx = useTestContext();

  it('a run read whole, listed, filtered and on the dashboard says the same status in every state', async () => {
    const id = await requestFullStudentsSync(ctx);
    const reads = createSyncRunReads(ctx.db);
    for (const status of STATUSES)
      for (const reconcile of RECONCILES) {
        const state = `${status}/${reconcile}`;
        await ctx.db.query('UPDATE truc.sync_runs SET status = $2, reconcile = $3 WHERE id = $1', [
          id,
          status,
          reconcile,
        ]);
        const shown = expected(status, reconcile);
        const whole = (await reads.get(id))!;
        // The run's own columns are as stored: only the shown status reads the rule.
        expect(whole.status, state).toBe(status);
        expect(whole.shownStatus, state).toBe(shown);
        expect(syncRunSummary(whole).status, state).toBe(shown);
        const [listed] = (await reads.list({ id, limit: 1, offset: 0 })).items;
        expect(syncRunSummary(listed!).status, state).toBe(shown);
        // Filtered by the shown status: listed under it, and under no other.
        for (const filter of STATUSES) {
          const ids = (await reads.list({ id, status: filter, limit: 1, offset: 0 })).items.map((r) => r.id);
          expect(ids, `${state} filtered ${filter}`).toEqual(filter === shown ? [id] : []);
        }
        const onDashboard = await createOverviewRepo(ctx.db).syncRuns({ status: shown }, 500, 0);
        expect(
          onDashboard.find((r) => r.id === id),
          state,
        ).toMatchObject({ status: shown });
      }
  });
});
