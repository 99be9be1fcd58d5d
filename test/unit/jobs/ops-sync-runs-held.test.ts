/**
 * review24 (was it.fails; fixed by the lead, runerr24: src/store/overview.ts `syncRuns` filters with sync-run-reads.ts
 * `statusIs`, the API list's one rule; the page no longer offers `rejected`): held23 made `GET /v1/syncs?status=held` and `truc sync list --status held`
 * list a full run whose reconciliation the guard held (`status: "done"`, `reconcile: "held"`: the mass deletion issue
 * 7 fears most), but the dashboard's sync runs page reads `GET /v1/ops/sync-runs?status=held`
 * (src/store/overview.ts `syncRuns`), which still filters on `status` alone: there the held reconciliation is not
 * under `held`, it is under `done`, as if its deletions had been applied. (The page's status filter also offers
 * `rejected`, a status no run has.)
 * Expected: the dashboard's `held` lists it as the API's list does, and `done` does not while it waits.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createOverviewRepo } from '../../../src/store/overview.js';
import { S1 } from '../../helpers/api.js';
import { hcmStudent, nextRow, runRow, useStudentsSource } from './fixtures.js';

describe('the dashboard’s sync runs filtered by status, a held reconciliation (review24)', () => {
  const { ctx, source } = useStudentsSource();
  const keys = Array.from({ length: 30 }, (_, i) => `OH${String(i).padStart(2, '0')}`);
  const next = async (which: 'pull' | 'reconcile') => {
    const row = await nextRow(ctx.db, (r) =>
      which === 'reconcile'
        ? r.job_name === 'reconcile-run'
        : r.queue === 'pull' && r.job_name !== 'reconcile-run',
    );
    return row && runRow(ctx, row);
  };
  async function fullRun(listed: readonly string[]) {
    const id = await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'students',
        scope: S1,
        full: true,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({
      items: listed.map((k) => hcmStudent(k, { school: S1 })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    await next('pull');
    return { id, reconciled: await next('reconcile') };
  }
  const listed = async (status: 'held' | 'done') =>
    (await createOverviewRepo(ctx.db).syncRuns({ status }, 100, 0)).map((r) => r.id);

  it('lists it under held, not under done', async () => {
    await fullRun(keys);
    // The source lists 10 of the school's 30 students: the reconciliation (20 deletions, 67%) is held.
    const { id, reconciled } = await fullRun(keys.slice(0, 10));
    expect(reconciled).toMatchObject({ skipped: 'held' });
    // Fails: [] under held; the run is under done.
    expect(await listed('held')).toContain(id);
    expect(await listed('done')).not.toContain(id);
  });
});
