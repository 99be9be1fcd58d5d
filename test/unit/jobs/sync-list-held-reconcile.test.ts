/**
 * review23 (was it.fails; fixed by held23, src/store/sync-run-reads.ts `statusIs`): issue 7 item 6 — sync runs "listed and filtered (system, entity,
 * status, date)"; a city admin looks for the runs waiting for a decision with `GET /v1/syncs?status=held` (and
 * `truc sync list --status held`). A full run whose pages passed but whose reconciliation the guard held (the
 * mass deletion issue 7 is most afraid of) keeps `status: "done"` with `reconcile: "held"`
 * (src/store/sync-runs.ts), and the list filters on `status` alone (src/store/sync-run-reads.ts `list`): the
 * held run is not listed under `held`, and is listed under `done`, as if its deletions had been applied.
 * Expected: `status=held` lists every run waiting for a decision, its reconciliation's hold included (and
 * `done` does not list it while it waits).
 * review24 (was it.fails in ops-sync-runs-held.test.ts, folded here; fixed by runerr24: src/store/overview.ts `syncRuns`
 * filters with the same `statusIs`): the dashboard's `GET /v1/ops/sync-runs?status=held` filtered on `status` alone.
 */
import { describe, expect, it } from 'vitest';
import { createOverviewRepo } from '../../../src/store/overview.js';
import { createRunGuardRepo } from '../../../src/store/run-guard.js';
import { createSyncRunReads } from '../../../src/store/sync-run-reads.js';
import { S1 } from '../../helpers/api.js';
import {
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  runNextReconcile,
  useStudentsSource,
} from './fixtures.js';

describe('a full run whose reconciliation is held, in the list of runs (review23)', () => {
  const { ctx, source } = useStudentsSource();
  const keys = Array.from({ length: 30 }, (_, i) => `HL${String(i).padStart(2, '0')}`);
  async function fullRun(listed: readonly string[]) {
    const id = await requestFullStudentsSync(ctx, S1);
    source.pages.push({
      items: listed.map((k) => hcmStudent(k, { school: S1 })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    await runNextPull(ctx);
    return { id, reconciled: await runNextReconcile(ctx) };
  }
  const listed = async (status: 'held' | 'done') =>
    (await createSyncRunReads(ctx.db).list({ status, limit: 100, offset: 0 })).items.map((r) => r.id);

  it('is listed under status=held, not under done', async () => {
    expect((await fullRun(keys)).reconciled).toMatchObject({ deleted: 0 });
    const heldBefore = await createRunGuardRepo(ctx.db).heldRuns();
    // The source lists 10 of the school's 30 students: the reconciliation (20 deletions, 67%) is held.
    const { id, reconciled } = await fullRun(keys.slice(0, 10));
    expect(reconciled).toMatchObject({ skipped: 'held' });
    expect((await createSyncRunReads(ctx.db).get(id))!.reconcile).toBe('held');
    // Was: [] — the run waiting for a decision was listed under 'done' only.
    expect(await listed('held')).toContain(id);
    expect(await listed('done')).not.toContain(id);
    // The `truc_sync_runs_held` gauge counts it too.
    expect(await createRunGuardRepo(ctx.db).heldRuns()).toBe(heldBefore + 1);
    // And the dashboard's sync runs (GET /v1/ops/sync-runs) filter the same way (review24).
    const onDashboard = async (status: 'held' | 'done') =>
      (await createOverviewRepo(ctx.db).syncRuns({ status }, 100, 0)).map((r) => r.id);
    expect(await onDashboard('held')).toContain(id);
    expect(await onDashboard('done')).not.toContain(id);
  });
});
