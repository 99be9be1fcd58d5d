/**
 * The seen keys of runs that never reconcile (issue 7, item 2): a full run keeps the keys of every page it
 * ingested in truc.sync_run_seen (one narrow row a page) until its reconciliation reads them, then drops them.
 * A run that never reconciles — failed, rejected by the guard, done but never due (a page's batch failed) —
 * kept them for good. Once a newer full run of the same system, entity and scope (or of everything) has
 * reconciled, such an older run could only reconcile as superseded (src/jobs/reconcile.ts: it reads no key),
 * so its keys go with the newer run's own (src/store/sync-runs.ts `finishReconcile`). A run still in progress
 * keeps its own: an older one still running or whose reconciliation waits (queued, held by the guard), and a
 * newer one. Incremental runs keep none (./reconcile.ts `afterPulledPage`). Real PostgreSQL and Redis, the
 * worker role and the hcm-csdl simulator over HTTP; the runs around the real one are made through the store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, EntityName } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import type { Queryable } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'run-seen21', schools: 2, studentsPerSchool: 5, staffPerSchool: 1 };

describe('seen keys of runs that never reconcile (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let worker: Running | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    hcm = await startCitySimulator({ ...SIZE, tombstoneRate: 0 });
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = hcm.url;
    delete config.systems.smas.baseUrl;
    delete config.systems.vnedu.baseUrl;
    worker = startWorkerRole({ ...env.deps, config });
    // The first sync: the city's students stored (the runs below find records their system wrote).
    await settledSync(env.deps, 'hcm-csdl', true);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await hcm?.close();
    await env?.cleanup();
  });

  /**
   * A full run of the city's `entity` at `scope` made through the store (no job runs it), one page of it seen,
   * left as `state` says.
   */
  async function runLeft(
    q: Queryable,
    state: 'failed' | 'rejected' | 'never-due' | 'running' | 'reconcile-held',
    opts: { entity?: EntityName; scope?: string } = {},
  ): Promise<number> {
    const runs = createSyncRunsRepo(q);
    const id = await runs.create({
      system: 'hcm-csdl',
      entity: opts.entity ?? 'students',
      scope: opts.scope ?? '',
      since: null,
      requestedBy: 'test',
    });
    await runs.recordSeen(id, randomUUID(), { keys: ['K-SEEN'], unkeyed: 0, schools: ['79000001'] });
    const page = { cursor: null, records: 1, tombstones: 0, watermark: null };
    if (state === 'failed') await runs.fail(id, 'ERR_ADAPTER_BAD_REQUEST');
    if (state === 'rejected') await runs.fail(id, 'ERR_GUARD_REJECTED');
    if (state === 'running') await runs.recordPage(id, { ...page, last: false });
    if (state === 'never-due' || state === 'reconcile-held')
      await runs.recordPage(id, { ...page, last: true });
    if (state === 'reconcile-held') {
      expect(await runs.claimReconcile(id)).toBe(true);
      await runs.holdReconcile(id);
    }
    return id;
  }
  /** The runs of `ids` that still have seen keys. */
  const withSeen = async (ids: readonly number[]) =>
    (
      await env.deps.db.query<{ id: number }>(
        `SELECT DISTINCT sync_run_id::int AS id FROM truc.sync_run_seen WHERE sync_run_id = ANY($1::bigint[])
          ORDER BY 1`,
        [[...ids]],
      )
    ).rows.map((r) => r.id);

  it("a newer full run's reconciliation drops the older runs' leftovers of its scope; runs in progress keep theirs", async () => {
    const school = (
      await env.deps.db.query<{ school: string }>('SELECT min(school_code) AS school FROM truc.students')
    ).rows[0]!.school;
    const left = await env.deps.db.tx(async (q) => ({
      failed: await runLeft(q, 'failed'),
      rejected: await runLeft(q, 'rejected'),
      neverDue: await runLeft(q, 'never-due'),
      // A run of one school: the newer run of everything covers it.
      schoolFailed: await runLeft(q, 'failed', { scope: school }),
      // In progress: kept.
      running: await runLeft(q, 'running'),
      reconcileHeld: await runLeft(q, 'reconcile-held'),
      // Another entity's run: another scope, kept.
      staffFailed: await runLeft(q, 'failed', { entity: 'staff' }),
    }));
    // The newer full run, and a run requested right after it, still running when the newer one reconciles.
    const { runId, newer } = await env.deps.db.tx(async (q) => ({
      runId: await requestSync(q, {
        system: 'hcm-csdl',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: env.deps.now(),
      }),
      newer: await runLeft(q, 'running'),
    }));
    await settleOutbox(env.deps.db, 'the newer full run');
    const run = await env.deps.db.query<{ status: string; reconcile: string | null }>(
      'SELECT status, reconcile FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]).toEqual({ status: 'done', reconcile: 'done' });
    expect(await withSeen([...Object.values(left), runId, newer])).toEqual([
      left.running,
      left.reconcileHeld,
      left.staffFailed,
      newer,
    ]);
  });

  it("a newer run of one school drops that school's runs' leftovers, not those of a run of everything", async () => {
    const school = (
      await env.deps.db.query<{ school: string }>('SELECT min(school_code) AS school FROM truc.students')
    ).rows[0]!.school;
    const left = await env.deps.db.tx(async (q) => ({
      ofEverything: await runLeft(q, 'failed'),
      ofSchool: await runLeft(q, 'failed', { scope: school }),
    }));
    const runId = await env.deps.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'students',
        scope: school,
        full: true,
        requestedBy: 'test',
        at: env.deps.now(),
      }),
    );
    await settleOutbox(env.deps.db, 'the run of one school');
    const run = await env.deps.db.query<{ status: string; reconcile: string | null }>(
      'SELECT status, reconcile FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]).toEqual({ status: 'done', reconcile: 'done' });
    // The run of everything covers other schools too: replayed, its reconciliation would still read its keys.
    expect(await withSeen([left.ofEverything, left.ofSchool, runId])).toEqual([left.ofEverything]);
  });
});
