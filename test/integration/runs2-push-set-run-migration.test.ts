/**
 * Migration 1433 (runs2 item 1): a push set carries the sync run that caused it. The sets made before it are given
 * theirs: a pulled page's by its batch's run, a reconciliation's (no batch) by the `sync.reconciled` audit entry that
 * names it; a vendor batch's, or a set no entry names, none. On PostgreSQL, the other migrations applied first.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/chain.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe('migration 1433: push sets carry their run', () => {
  let own: TestStore;
  beforeAll(async () => {
    own = await openTestStore('postgres', { migrate: false });
  });
  afterAll(async () => {
    await own?.cleanup();
  });

  it("gives a page's set its batch's run and a reconciliation's delete set the run its audit entry names", async () => {
    const all = listMigrations();
    await migrate(
      own.db,
      all.filter((m) => m.version !== 1433),
    );
    const db = own.db;
    const run = (since: string | null) =>
      createSyncRunsRepo(db).create({
        system: 'hcm-csdl',
        entity: 'students',
        scope: '',
        since,
        requestedBy: 'x',
      });
    const [pulled, reconciled, other] = [await run(null), await run(null), await run('w0')];
    const [page, vendor] = [randomUUID(), randomUUID()];
    const batch = (id: string, syncRunId?: number) =>
      createBatchesRepo(db).insert({
        ...{ id, clientId: syncRunId ? 'system:pull' : 'vendor', schoolCode: '79000001', entity: 'students' },
        ...{ format: syncRunId ? 'hcm-csdl' : 'canonical', records: [], ...(syncRunId ? { syncRunId } : {}) },
      });
    await batch(page, pulled);
    await batch(vendor);
    const set = async (batchId: string | null, operation = 'upsert') =>
      (
        await db.query<{ id: number }>(
          `INSERT INTO truc.push_sets (system, entity, keys, batch_id, operation)
           VALUES ('smas', 'students', '{K1}', $1, $2) RETURNING id`,
          [batchId, operation],
        )
      ).rows[0]!.id;
    const sets = {
      page: await set(page),
      vendor: await set(vendor),
      reconcile: await set(null, 'delete'),
      unnamed: await set(null, 'delete'),
    };
    await appendAudit(
      db,
      [
        {
          ...{ actor: 'system:reconcile', action: 'sync.reconciled', subject: `sync:${reconciled}` },
          details: { deleted: 1, pushSets: [String(sets.reconcile)] },
        },
        // another run's entry naming no set of ours
        {
          ...{ actor: 'system:reconcile', action: 'sync.reconciled', subject: `sync:${other}` },
          details: { deleted: 0, pushSets: [] },
        },
      ],
      new Date(),
    );

    expect(await migrate(db, all)).toEqual(['1433_push_set_sync_run']);
    const res = await db.query<{ id: number; run: number | null }>(
      'SELECT id, sync_run_id AS run FROM truc.push_sets ORDER BY id',
    );
    expect(res.rows).toEqual([
      { id: sets.page, run: pulled },
      { id: sets.vendor, run: null },
      { id: sets.reconcile, run: reconciled },
      { id: sets.unnamed, run: null },
    ]);
  });
});
