/**
 * Reconciliation (issue 7, sync-data), through the jobs' registry shape on a real in-memory database: a full run
 * deletes the live records of its scope the source no longer has (and only those its system last wrote), and every
 * deletion travels to the targets that delete by key; a first sync's reconciliation and seen keys. Tombstones, a
 * vendor snapshot's omissions and restores: ./reconcile-deletes.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { afterPulledPage, reconcileRunJob } from '../../../src/jobs/reconcile.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import type { Queryable } from '../../../src/store/db.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import { requestFullStudentsSync, runOf } from './fixtures.js';
import { reconcileWorld, wire } from './reconcile-world.js';

// A full run of the whole city deletes every record its system wrote that it did not see, whichever
// test wrote it: on a database of its own.
describe('reconciliation of a full run of the whole city', () => {
  const { school, ctx, source, drain, seed, live, deleteSets } = reconcileWorld();

  it('a full run deletes what its source no longer has, and the deletion travels to the targets', async () => {
    await seed(['H1', 'H2', 'H3'], 'hcm-csdl');
    await seed(['H4'], 'hcm-csdl', S2);
    await seed(['V1'], 'vendor:vendor-1');
    const runId = await requestFullStudentsSync(ctx);
    source.pages.push(
      { items: [wire('H1')], deletedKeys: [], nextCursor: 'c1', watermark: undefined },
      { items: [wire('H2')], deletedKeys: [], nextCursor: undefined, watermark: 'w-1' },
    );
    // Each page is ingested by its pull job: the run is due for reconciliation once its last page is
    // in, and its reconcile job (queued on the pull queue) runs next.
    expect(await drain('pull')).toEqual([
      { records: 1, last: false },
      { records: 1, last: true },
      { deleted: 2, skipped: null },
    ]);
    expect(await drain('ingest')).toEqual([]);

    // H3 and H4 vanished from the source; V1 was last written by a vendor: left alone.
    expect([
      await live('H1'),
      await live('H2'),
      await live('H3'),
      await live('H4'),
      await live('V1'),
    ]).toEqual([true, true, false, false, true]);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ reconcile: 'done', reconciled: 2 });
    expect(await ctx.db.rows('truc.sync_run_seen', `sync_run_id = ${runId}`)).toEqual([]);
    // The deletion goes to the school system, not back to the source.
    const sets = await deleteSets();
    expect(sets.map((s) => [s.system, s.keys])).toEqual([['vnedu', ['H3', 'H4']]]);
    await drain('push.vnedu');
    expect(school.removals).toEqual([
      {
        entity: 'students',
        keys: ['H3', 'H4'],
        schools: [null, null],
        idempotencyKey: `truc-push-${sets[0]!.id}`,
      },
    ]);
    expect(await ctx.db.rows('truc.audit_log', `action = 'sync.reconciled'`)).toHaveLength(1);
    // A second reconcile job for the same run changes nothing.
    expect(
      await reconcileRunJob.run(ctx, { syncRunId: runId }, runOf('pull', 'reconcile-run', undefined)),
    ).toEqual({ deleted: 0, skipped: 'not-due' });
  });
});

// Issue 7, the city: a first sync's reconciliation sorted the run's 1.7 M seen keys to find nothing unseen.
describe('the reconciliation of a run with no candidate', () => {
  const { ctx, seed } = reconcileWorld();

  it("reads none of the run's seen keys when nothing in its scope was written before it began", async () => {
    await seed(['C1'], 'hcm-csdl', S1);
    const { rows } = await ctx.db.query<{ t: Date }>('SELECT clock_timestamp() AS t');
    const startedAt = rows[0]!.t;
    await seed(['F1'], 'hcm-csdl', S1);
    await seed(['F2'], 'hcm-csdl', S2);
    const runId = await requestFullStudentsSync(ctx);
    await createSyncRunsRepo(ctx.db).recordSeen(runId, randomUUID(), {
      keys: ['F1', 'F2'],
      unkeyed: 0,
      schools: [],
    });
    const sent: string[] = [];
    const spy: Queryable = {
      query: (sql, params, opts) => {
        sent.push(sql);
        return ctx.db.query(sql, params, opts);
      },
    };
    const unseen = (scope: string) =>
      createRecordsRepo(spy).unseenByRun('students', {
        id: runId,
        system: 'hcm-csdl',
        scope,
        startedAt,
        storedBefore: true,
      });
    // S2 holds only F2, written after the run began: nothing can be unseen, the seen keys are not read.
    expect(await unseen(S2)).toEqual([]);
    expect(sent.filter((sql) => sql.includes('sync_run_seen'))).toEqual([]);
    // S1 and the whole city hold C1, written before and not seen: read against the seen keys, unseen.
    expect(await unseen(S1)).toEqual([{ key: 'C1', scope: S1 }]);
    expect(await unseen('')).toEqual([{ key: 'C1', scope: S1 }]);
    expect(sent.filter((sql) => sql.includes('sync_run_seen'))).toHaveLength(2);
  });
});

// Issue 7: an unchanged re-sync's every record is a candidate, so its reconciliation sorts the run's 2 N
// keys; the locale's comparisons made that sort ~2× what it costs by the keys' bytes (300 k students).
describe("the reconciliation's grouping of a run's keys", () => {
  const { ctx, seed } = reconcileWorld();

  it('groups them by their bytes (collation "C") and finds the same unseen, in the database\'s order', async () => {
    await seed(['C2', 'C1', 'C3'], 'hcm-csdl', S1);
    const runId = await requestFullStudentsSync(ctx);
    const run = (await createSyncRunsRepo(ctx.db).get(runId))!;
    await createSyncRunsRepo(ctx.db).recordSeen(runId, randomUUID(), {
      keys: ['C2'],
      unkeyed: 0,
      schools: [],
    });
    const sent: string[] = [];
    const spy: Queryable = {
      query: (sql, params, opts) => {
        sent.push(sql);
        return ctx.db.query(sql, params, opts);
      },
    };
    const unseen = await createRecordsRepo(spy).unseenByRun('students', { ...run, startedAt: new Date() });
    expect(unseen).toEqual([
      { key: 'C1', scope: S1 },
      { key: 'C3', scope: S1 },
    ]);
    // Both arms of the grouping give their keys under "C" (a seen key and a stored one compare by their
    // bytes); this in-memory database's own collation is "C", so its plans do not show it.
    const grouping = sent.find((sql) => sql.includes('sync_run_seen'))!.replace(/\s+/g, ' ');
    expect(grouping).toContain('SELECT r.student_code COLLATE "C" AS key');
    expect(grouping).toContain('SELECT unnest(keys) COLLATE "C"');
    expect(grouping).toMatch(/GROUP BY key HAVING .* ORDER BY key COLLATE "default"$/);
  });
});

// Issue 7, the city: a first sync's reconciliation scanned the 1.7 M rows the run had just written (2.7 s) to
// find that none was written before it began. Whether one can be is noted when the run is requested.
describe("a first sync's reconciliation", () => {
  const { ctx, source, drain, seed, live } = reconcileWorld();
  const storedBefore = async (runId: number) => (await createSyncRunsRepo(ctx.db).get(runId))!.storedBefore;

  it('reads no record when none of its scope was written by its system when it was requested', async () => {
    await seed(['V1'], 'vendor:vendor-1', S1); // another system's
    await seed(['O2'], 'hcm-csdl', S2); // another scope's
    const runId = await requestFullStudentsSync(ctx, S1);
    expect(await storedBefore(runId)).toBe(false);
    source.pages.push(
      { items: [wire('N1')], deletedKeys: [], nextCursor: 'c1', watermark: undefined },
      { items: [wire('N2')], deletedKeys: [], nextCursor: undefined, watermark: 'w-1' },
    );
    expect(await drain('pull')).toEqual([
      { records: 1, last: false },
      { records: 1, last: true },
      { deleted: 0, skipped: null },
    ]);
    const sent: string[] = [];
    const spy: Queryable = {
      query: (sql, params, opts) => {
        sent.push(sql);
        return ctx.db.query(sql, params, opts);
      },
    };
    const run = (await createSyncRunsRepo(ctx.db).get(runId))!;
    const unseen = await createRecordsRepo(spy).unseenByRun('students', { ...run, startedAt: run.createdAt });
    expect(unseen).toEqual([]);
    expect(sent).toEqual([]);
    for (const key of ['N1', 'N2', 'V1', 'O2']) expect(await live(key)).toBe(true);
  });

  it('asks at the end when a record of its scope was written by its system, or one was being written', async () => {
    // N1 and N2 (the run above) are live in S1: a full run of S1 now may find them unseen.
    const again = await requestFullStudentsSync(ctx, S1);
    expect(await storedBefore(again)).toBe(true);
    source.pages.push({ items: [wire('N1')], deletedKeys: [], nextCursor: undefined, watermark: 'w-2' });
    expect(await drain('pull')).toEqual([
      { records: 1, last: true },
      { deleted: 1, skipped: null },
    ]);
    expect([await live('N1'), await live('N2')]).toEqual([true, false]);
    // Another scope holding no record of hcm-csdl: none, unless a run of hcm-csdl students is under way
    // (its pages may commit after this request with a time before it).
    const S3 = '79000003';
    const quiet = await requestFullStudentsSync(ctx, S3);
    expect(await storedBefore(quiet)).toBe(false);
    const whileOpen = await requestFullStudentsSync(ctx, S3);
    expect(await storedBefore(whileOpen)).toBe(true);
  });
});

// Issue 7, the city: a first sync reconciles without reading its seen keys, so it does not write them either.
describe("a first sync's seen keys", () => {
  const { ctx } = reconcileWorld();

  it('are not kept when its reconciliation reads none; how many records had no key is', async () => {
    const first = await requestFullStudentsSync(ctx); // nothing stored: it can find nothing unseen
    const second = await requestFullStudentsSync(ctx); // while the first is under way: it may
    const runs = createSyncRunsRepo(ctx.db);
    for (const id of [first, second]) {
      const run = (await runs.get(id))!;
      const seen = { keys: ['K1', 'K2'], unkeyed: 1, schools: [] };
      await afterPulledPage(ctx.db, { id: randomUUID(), syncRunId: id }, seen, { run });
    }
    const rows = await ctx.db.rows<{ keys: string[]; unkeyed: number }>(
      'truc.sync_run_seen',
      `sync_run_id IN (${first}, ${second}) ORDER BY sync_run_id`,
    );
    expect(rows.map((r) => [r.keys, r.unkeyed])).toEqual([
      [[], 1],
      [['K1', 'K2'], 1],
    ]);
    expect(await runs.unkeyedSeen(first)).toBe(1);
  });

  it('are kept when the run given does not say whether it stored before (read without the column)', async () => {
    const id = await requestFullStudentsSync(ctx);
    const { storedBefore: _dropped, ...narrow } = (await createSyncRunsRepo(ctx.db).get(id))!;
    const run = narrow as unknown as { id: number; since: string | null; storedBefore: boolean };
    await afterPulledPage(
      ctx.db,
      { id: randomUUID(), syncRunId: id },
      { keys: ['K3'], unkeyed: 0, schools: [] },
      { run },
    );
    const rows = await ctx.db.rows<{ keys: string[] }>('truc.sync_run_seen', `sync_run_id = ${id}`);
    expect(rows.map((r) => r.keys)).toEqual([['K3']]);
  });
});
