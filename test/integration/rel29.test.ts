/**
 * rel29: reliability gaps left by stop 48, each tried against real PostgreSQL (and Redis, or the hcm-csdl simulator
 * behind a proxy: ../helpers/city-behind.ts) with the worker role in process (as `truc worker` runs it).
 * 1. A tombstone committed between a full pull page's read of its stored rows and its write: the write restored the
 *    record with a copy the city served before deleting it. The tombstone here is this test's transaction (as
 *    another run's page applies one: the records repository's `tombstone`, with the city's time), begun before the
 *    page's read and committed once the page's write waits for the row it holds.
 * 3. A batch's `finished_at` was the ingest transaction's start (`now()`), not its end: a batch whose ingest waited
 *    (its school's lock, held here by this test's transaction for as long as the test says) showed a finish before
 *    the wait was over. Order of events, not their timing, is checked.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { SCHOOL_LOCK_SPACE } from '../../src/store/school-lock.js';
import { createRecordsRepo } from '../../src/store/records.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import type { Queryable } from '../../src/store/db.js';
import { S1, student } from '../helpers/api.js';
import { cityBehind } from '../helpers/city-behind.js';
import { makeDeps, usePostgresEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { fullStudentsPull, requestFullStudentsPull } from '../helpers/full-pull.js';
import { queueVendorBody } from '../helpers/vendor-batch.js';

/** A pg client as the store's repositories take one. */
const queryable = (c: pg.Client): Queryable => ({
  query: async <R>(sql: string, params?: readonly unknown[]) => {
    const res = await c.query(sql, params ? [...params] : []);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  },
});

describe('rel29 item 1: a tombstone committed between a pull page’s read and its write', () => {
  it('does not let the page restore the record with a copy older than the tombstone', async () => {
    type Page = { data: Array<{ maDinhDanh: string } & Record<string, unknown>> };
    let first: Page | undefined;
    const city = await cityBehind(
      {
        // The first students page the city serves, as it is on the wire.
        rewrite: (url, method, json) => {
          if (method === 'GET' && url.startsWith('/v1/students')) first ??= json as Page;
          return json;
        },
      },
      { seed: 2901, studentsPerSchool: 4 },
    );
    const { db } = city.env.deps;
    const other = new pg.Client({ connectionString: city.env.databaseUrl });
    await other.connect();
    try {
      await fullStudentsPull(db);
      const wire = first!.data.find((r) => r.deleted !== true)!;
      const code = wire.maDinhDanh;
      // The city changes the student (its copy at t1), then deletes it (t2, after t1): a full run's page lists the
      // changed copy; another run's tombstone, t2, is being applied (its transaction not committed yet).
      const t1 = new Date(Date.now() - 60_000).toISOString();
      const t2 = new Date(Date.now() - 30_000).toISOString();
      city.sim.received.put('students', { ...wire, hoTen: 'Nguyễn Văn Đổi' }, t1);
      await other.query('BEGIN');
      const deleted = await createRecordsRepo(queryable(other)).tombstone('students', [code], {
        naturalKeys: true,
        city: 'hcm-csdl',
        sourceAt: new Map([[code, t2]]),
      });
      expect(deleted).toEqual([code]);
      const run = await requestFullStudentsPull(db);
      // The page's read saw the student live (the tombstone uncommitted); its write waits for the student's row.
      await waitFor(
        async () =>
          (
            await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query ILIKE '%truc.students%' AND pid <> $1`,
              [(other as unknown as { processID: number }).processID],
            )
          ).rows[0]!.n > 0,
        { timeoutMs: 40_000, intervalMs: 50, what: "the page's write waiting for the student's row" },
      );
      await other.query('COMMIT');
      const done = await waitFor(
        async () => {
          const r = await createSyncRunsRepo(db).get(run);
          return r && (r.status === 'done' || r.status === 'failed') && r.reconcile !== 'queued'
            ? r
            : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 100, what: `run ${run}` },
      );
      expect(done.status).toBe('done');
      // Without the check in the write: live again, with the copy the city served before deleting it.
      const after = await db.query<{ live: boolean; name: unknown }>(
        `SELECT deleted_at IS NULL AS live, data->>'fullName' AS name FROM truc.students WHERE student_code = $1`,
        [code],
      );
      expect(after.rows[0]!.live).toBe(false);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
      await city.close();
    }
  });
});

describe('rel29 item 3: a batch finishes when its ingest ends, not when its transaction began', () => {
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

  it('a batch that waited for its school has finished_at after the wait ended', async () => {
    const holder = new pg.Client({ connectionString: env.databaseUrl });
    await holder.connect();
    try {
      // Another ingest of S1 in progress: the school's lock held by this client's transaction.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCHOOL_LOCK_SPACE, S1]);
      const { batchId } = await queueVendorBody(env.deps.db, [student('REL29F1', S1)]);
      // The batch's ingest has begun its transaction and waits for the school's lock.
      await waitFor(
        async () =>
          (
            await holder.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks
                WHERE locktype = 'advisory' AND classid = $1 AND NOT granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
              [SCHOOL_LOCK_SPACE],
            )
          ).rows[0]!.n > 0,
        { timeoutMs: 30_000, what: "the batch's ingest waiting for its school" },
      );
      const began = await holder.query<{ at: Date }>(
        `SELECT min(a.xact_start) AS at FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = $1 AND NOT l.granted
            AND a.datname = current_database()`,
        [SCHOOL_LOCK_SPACE],
      );
      // The wait ends when this transaction commits: the clock's time just before.
      const released = (await holder.query<{ at: Date }>('SELECT clock_timestamp() AS at')).rows[0]!.at;
      await holder.query('COMMIT');
      const done = await waitFor(
        async () =>
          (
            await env.deps.db.query<{ status: string; finished: Date; created: Date }>(
              `SELECT status, finished_at AS finished, created_at AS created FROM truc.batches
                WHERE id = $1 AND status = 'done'`,
              [batchId],
            )
          ).rows[0],
        { timeoutMs: 30_000, what: 'the batch done' },
      );
      expect(began.rows[0]!.at.getTime()).toBeLessThan(released.getTime());
      // Without the fix: finished_at is the ingest transaction's start, before the lock was released.
      expect(done.finished.getTime()).toBeGreaterThanOrEqual(released.getTime());
      expect(done.finished.getTime()).toBeGreaterThanOrEqual(done.created.getTime());
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });
});

describe('rel29 item 2: a tombstone of a record deleted already keeps the source’s time', () => {
  const env = usePostgresEnv();

  it('the later of its times, whoever deleted it first', async () => {
    const records = createRecordsRepo(env().deps.db);
    const key = 'REL29T2';
    await records.upsert('students', [{ key, scope: S1, data: student(key, S1), fingerprint: 'f1' }], {
      system: 'hcm-csdl',
      mappingVersion: 'test',
    });
    const timeOf = async () =>
      (
        await env().deps.db.query<{ deleted: boolean; at: Date | null }>(
          `SELECT deleted_at IS NOT NULL AS deleted, source_deleted_at AS at FROM truc.students WHERE student_code = $1`,
          [key],
        )
      ).rows[0]!;
    // Deleted by a word that tells no source time (a vendor's snapshot, a reconciliation of another source).
    expect(await records.tombstone('students', [key], { naturalKeys: true })).toEqual([key]);
    expect(await timeOf()).toEqual({ deleted: true, at: null });
    // The city's tombstone of it (t2): nothing deleted again, its time kept. Without the fix: null.
    const t1 = '2026-11-01T00:00:00.000Z';
    const t2 = '2026-11-02T00:00:00.000Z';
    const t3 = '2026-11-03T00:00:00.000Z';
    const city = (at: string) =>
      records.tombstone('students', [key], {
        naturalKeys: true,
        city: 'hcm-csdl',
        sourceAt: new Map([[key, at]]),
      });
    expect(await city(t2)).toEqual([]);
    expect((await timeOf()).at?.toISOString()).toBe(t2);
    // An older tombstone (t1, served late) does not move it back; a newer one (t3) moves it on.
    expect(await city(t1)).toEqual([]);
    expect((await timeOf()).at?.toISOString()).toBe(t2);
    expect(await city(t3)).toEqual([]);
    expect(await timeOf()).toEqual({ deleted: true, at: new Date(t3) });
  });
});

describe('rel29 item 2: a full run’s reconciliation keeps the run’s start as the source’s time', () => {
  it('a page of an older run, served before the record went and stored after the reconciliation, restores nothing', async () => {
    type Page = { data: Array<{ maDinhDanh: string } & Record<string, unknown>> };
    let holdNext = false;
    let served: (page: Page) => void = () => undefined;
    const servedPage = new Promise<Page>((r) => (served = r));
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    let dropped: string | undefined;
    const city = await cityBehind(
      {
        // The next students page is held on its way to truc until released.
        hold: (url, method, body) => {
          if (!holdNext || method !== 'GET' || !url.startsWith('/v1/students')) return undefined;
          holdNext = false;
          served(JSON.parse(body.toString('utf8')) as Page);
          return released;
        },
        // The city no longer lists `dropped` (gone from its listing, no tombstone: only a full run's
        // reconciliation deletes it).
        rewrite: (url, method, json) => {
          if (dropped === undefined || method !== 'GET' || !url.startsWith('/v1/students')) return json;
          const page = json as Page;
          return { ...page, data: page.data.filter((r) => r.maDinhDanh !== dropped) };
        },
      },
      { seed: 2902, studentsPerSchool: 4 },
      (c) => ({
        ...c,
        systems: { ...c.systems, 'hcm-csdl': { ...c.systems['hcm-csdl'], timeoutMs: 60_000 } },
      }),
    );
    const { db } = city.env.deps;
    try {
      await fullStudentsPull(db);
      // A full run's page, every student live, is served now and reaches truc later.
      holdNext = true;
      const older = await requestFullStudentsPull(db);
      const page = await servedPage;
      const gone = page.data.find((r) => r.deleted !== true)!.maDinhDanh;
      // Then a newer full run no longer sees the student: its reconciliation deletes it.
      dropped = gone;
      const newer = await fullStudentsPull(db);
      const row = await db.query<{ live: boolean; at: Date | null; started: Date }>(
        `SELECT s.deleted_at IS NULL AS live, s.source_deleted_at AS at, r.created_at AS started
           FROM truc.students s, truc.sync_runs r WHERE s.student_code = $1 AND r.id = $2`,
        [gone, newer],
      );
      expect(row.rows[0]!.live).toBe(false);
      // Without the fix: null, and the older page below restores the student.
      expect(row.rows[0]!.at).toEqual(row.rows[0]!.started);
      release();
      await waitFor(
        async () => {
          const r = await createSyncRunsRepo(db).get(older);
          return r && (r.status === 'done' || r.status === 'failed') ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 100, what: `run ${older}` },
      );
      const after = await db.query<{ live: boolean }>(
        'SELECT deleted_at IS NULL AS live FROM truc.students WHERE student_code = $1',
        [gone],
      );
      expect(after.rows[0]!.live).toBe(false);
    } finally {
      release();
      await city.close();
    }
  });
});
