/**
 * fair26 (issue 7, a city of schools at once): one school's long ingest (its big snapshot) must not make every
 * other school wait. A vendor batch's ingest takes its school's lock (src/store/school-lock.ts); it used to wait
 * for it in a worker slot, so the school's own batches queued behind its snapshot (as many as the worker takes at
 * once, `jobs.concurrency`) took every slot, and another school's small batch stayed queued until the snapshot was
 * done. Now a job whose school is busy goes back to its queue (no attempt spent) and the slot serves the next job.
 * Real PostgreSQL and Redis, the worker role (relay and workers) as `truc worker` runs it. The snapshot in progress
 * is this test's transaction holding the school's lock, as the snapshot's ingest holds it, for as long as the test
 * says: the order of events, not their timing, is what is checked.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { SCHOOL_LOCK_SPACE } from '../../src/store/school-lock.js';
import { S1, S2, student } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { queueVendorBody } from '../helpers/vendor-batch.js';

describe("another school's batch beside a school's backlog (fair26)", () => {
  let env: TestEnv;
  let worker: Running;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    worker = startWorkerRole(env.deps);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  const statusOf = async (ids: readonly string[]) =>
    (
      await env.deps.db.query<{ id: string; status: string }>(
        'SELECT id::text AS id, status FROM truc.batches WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).rows.map((r) => r.status);
  const nameOf = async (code: string) =>
    (
      await env.deps.db.query<{ name: string }>(
        `SELECT data->>'fullName' AS name FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL`,
        [code],
      )
    ).rows.map((r) => r.name);

  it('is ingested while the school ahead of it is busy; that school’s batches follow, in arrival order', async () => {
    // S1's snapshot is being ingested: its school's lock is held (here by this client's transaction).
    const snapshot = new pg.Client({ connectionString: env.databaseUrl });
    await snapshot.connect();
    try {
      await snapshot.query('BEGIN');
      await snapshot.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCHOOL_LOCK_SPACE, S1]);
      // S1's vendor sends more batches meanwhile: one more than the worker takes at once, each naming one student
      // anew (the last one sent is the vendor's word).
      const backlog: string[] = [];
      for (let i = 0; i <= env.config.jobs.concurrency; i++) {
        const body = [{ ...student('FAIR1', S1), fullName: `Lê Văn Số ${'ABCDEFGHIJ'[i]}` }];
        backlog.push((await queueVendorBody(env.deps.db, body)).batchId);
      }
      // Then another school's small batch, queued behind all of them.
      const other = (await queueVendorBody(env.deps.db, [student('FAIR2', S2)], { school: S2 })).batchId;
      await waitFor(async () => (await statusOf([other]))[0] === 'done', {
        timeoutMs: 30_000,
        what: "the other school's batch done while S1 is busy",
      });
      // Done before any of S1's: they wait for S1's snapshot, not in the worker's slots.
      expect(await statusOf(backlog)).not.toContain('done');
      expect(await nameOf('FAIR2')).toHaveLength(1);
      // The snapshot ends: S1's batches are ingested, the last one sent is what S1 holds (arrival order).
      await snapshot.query('COMMIT');
      await waitFor(async () => (await statusOf(backlog)).every((s) => s === 'done'), {
        timeoutMs: 30_000,
        what: "S1's batches done once it is free",
      });
      expect(await nameOf('FAIR1')).toEqual([`Lê Văn Số ${'ABCDEFGHIJ'[env.config.jobs.concurrency]}`]);
      // Each was handed back unrun while S1 was busy (no attempt spent, no dead letter).
      const dead = await env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.dead_letters');
      expect(dead.rows[0]!.n).toBe(0);
      const deferred = await env.deps.metrics.registry.getSingleMetricAsString('truc_jobs_deferred_total');
      expect(deferred).toMatch(/reason="school-busy"} [1-9]/);
    } finally {
      await snapshot.query('ROLLBACK').catch(() => undefined);
      await snapshot.end();
    }
  }, 90_000);
});
