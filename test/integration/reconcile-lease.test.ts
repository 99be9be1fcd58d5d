/**
 * A full run's reconciliation runs in the pull job that stored its last page, from its outbox row leased to
 * that job for a job's lock (issue 7, src/jobs/pull.ts). A reconciliation that takes longer than the lease
 * (a large city run, or one waiting for a row another transaction holds) must not be queued by the relay
 * meanwhile: that job would wait for the run's lock, then find nothing due (a wasted job and a worker slot
 * held for the reconciliation's length). The reconciliation closes its row first in its transaction, so the
 * row stays locked, and the relay (which skips locked rows) leaves it, however long it runs. Real
 * PostgreSQL and Redis, the worker role and the hcm-csdl simulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'reconcile-lease27', schools: 1, studentsPerSchool: 8, staffPerSchool: 1 };
/** A job's lock, so the lease of the reconciliation's row (and the wait past it) stay short. */
const LOCK_MS = 2000;

/**
 * Waits until the relay has had its chance at the run's reconciliation row with its lease over: the database's clock
 * past the row's lease (as the pull job took it), then a row added after it (on a queue no worker reads) handed to the queue by the relay, which
 * claims open rows in id order (src/store/outbox.ts claimPending): the pass that took it met the reconciliation's row
 * first. The probe's row is removed after.
 */
async function relayPassAfterLease(db: TestEnv['deps']['db'], runId: number): Promise<void> {
  const lease = await db.query<{ until: Date }>(
    `SELECT claimed_until AS until FROM truc.outbox
      WHERE job_name = 'reconcile-run' AND (payload->>'syncRunId')::int = $1`,
    [runId],
  );
  await waitFor(
    async () =>
      (await db.query<{ past: boolean }>('SELECT clock_timestamp() > $1 AS past', [lease.rows[0]!.until]))
        .rows[0]!.past,
    { timeoutMs: 15_000, intervalMs: 100, what: "the reconciliation's lease to run out" },
  );
  const probe = await db.tx((q) => createOutboxRepo(q).add('reconcile-lease-probe', 'probe', {}));
  try {
    await waitFor(
      async () =>
        (await db.query('SELECT 1 FROM truc.outbox WHERE id = $1 AND enqueued_at IS NOT NULL', [probe])).rows
          .length === 1,
      { timeoutMs: 15_000, intervalMs: 100, what: 'a relay pass after the lease' },
    );
  } finally {
    await db.query('DELETE FROM truc.outbox WHERE id = $1', [probe]);
  }
}

describe('a reconciliation longer than its lease (postgres+redis)', () => {
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
    config.sync.worker.lockMs = LOCK_MS;
    worker = startWorkerRole({ ...env.deps, config });
    await settledSync(env.deps, 'hcm-csdl', true);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await hcm?.close();
    await env?.cleanup();
  });

  it('is not queued by the relay while it runs, and reconciles once', async () => {
    const db = env.deps.db;
    // A student of the school the source no longer serves: the next full run's reconciliation deletes it
    // (one of nine, under the guard's thresholds), and waits for its row while a transaction holds it.
    const { rows } = await db.query<{ school_code: string; data: Record<string, unknown> }>(
      `SELECT school_code, data FROM truc.students WHERE source_system = 'hcm-csdl' AND deleted_at IS NULL LIMIT 1`,
    );
    const school = rows[0]!.school_code;
    await db.query(
      `INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
       SELECT 'GONE27', school_code, NULL, data || '{"studentCode":"GONE27"}'::jsonb, 'f', source_system, mapping_version
         FROM truc.students WHERE school_code = $1 AND source_system = 'hcm-csdl' AND deleted_at IS NULL LIMIT 1`,
      [school],
    );
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.tx(async (q) => {
      await q.query(`SELECT 1 FROM truc.students WHERE student_code = 'GONE27' FOR UPDATE`);
      locked();
      await released;
    });
    await isLocked;
    const runId = await db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: new Date(),
      }),
    );
    const reconcileRow = () =>
      db.query<{ enqueue_count: number; done_at: Date | null }>(
        `SELECT enqueue_count, done_at FROM truc.outbox
          WHERE job_name = 'reconcile-run' AND (payload->>'syncRunId')::int = $1`,
        [runId],
      );
    try {
      // The last page stored, its reconciliation waits for the held row.
      await waitFor(async () => (await reconcileRow()).rows.length === 1, {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the run to reach its reconciliation',
      });
      await relayPassAfterLease(db, runId);
      expect((await reconcileRow()).rows[0]).toMatchObject({ enqueue_count: 0, done_at: null });
    } finally {
      release();
      await holder;
    }
    await settleOutbox(db, 'the run');
    const run = await db.query<{ reconcile: string; reconciled: number }>(
      'SELECT reconcile, reconciled FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]).toMatchObject({ reconcile: 'done', reconciled: 1 });
    // Never handed to the queue: the pull job reconciled it, once.
    expect((await reconcileRow()).rows[0]).toMatchObject({ enqueue_count: 0, done_at: expect.any(Date) });
    const audit = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.audit_log WHERE action = 'sync.reconciled' AND subject = $1`,
      [`sync:${runId}`],
    );
    expect(audit.rows[0]!.n).toBe(1);
  }, 120_000);
});
