/**
 * A first-sync page inserts its records as new when none of them is stored (issue 7: no conflict check
 * and no change-feed UPDATE trigger for rows that cannot conflict; by COPY on PostgreSQL), and stays right when another
 * transaction stores one of them between the page's read and its insert: the duplicate key rolls the
 * page back and it is written again as an upsert, in the same job (no failed attempt). On PostgreSQL,
 * over the real pull path: the worker role and the hcm-csdl simulator. Its verdicts are inserted as new
 * too: one kept from before (a record refused earlier) has the page written again the same way (both engines);
 * a page judged ahead is then judged afresh (no store finding twice) and its records counted once.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { backends, makeDeps, waitFor, type Backend, type TestEnv } from '../helpers/env.js';
import { fullStudentsPull, requestFullStudentsPull } from '../helpers/full-pull.js';

describe('a first-sync page of records none of which is stored', () => {
  let sim: HcmCsdlSimulator;
  let env: TestEnv;
  let worker: { stop(): Promise<void> } | undefined;
  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 43, schools: 1, studentsPerSchool: 5, tombstoneRate: 0 });
    env = await makeDeps(
      backends().find((b) => b.name === 'postgres+pg-queue')!,
      {
        env: { HCM_CSDL_BASE_URL: sim.url },
      },
    );
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await worker?.stop();
    await env?.cleanup();
    await sim?.close();
  });

  it('is inserted as new; one stored meanwhile by another transaction has it written again as an upsert', async () => {
    const taken = sim.population.student(0);
    // Another writer's student, not committed yet when the page reads what is stored.
    const other = new pg.Client({ connectionString: env.databaseUrl });
    await other.connect();
    const inserts: string[] = [];
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO truc.students (student_code, school_code, data, fingerprint, source_system, mapping_version)
         VALUES ($1, $2, '{}', 'other', 'vendor:other', 'canonical@1')`,
        [taken.studentCode, taken.schoolCode],
      );
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
      const query = pg.Client.prototype.query;
      vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
        this: pg.Client,
        ...args: unknown[]
      ) {
        const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
        // The upsert answers the keys it left to a later school year (year24): `WITH w AS (INSERT …)`.
        if (/^(WITH w AS \()?(INSERT INTO|COPY) truc\.students /.test(sql)) inserts.push(sql);
        return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
      });
      worker = startWorkerRole(env.deps);
      const runId = await requestFullStudentsPull(env.deps.db);
      // The page's insert waits for the other writer's; then that one commits.
      await waitFor(
        async () =>
          // Not on the other writer's connection: in its transaction the activity read is a snapshot.
          (
            await env.deps.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query LIKE 'COPY truc.students %'`,
            )
          ).rows[0]!.n > 0,
        { timeoutMs: 60_000, what: "the page's insert waiting for the other writer's" },
      );
      await other.query('COMMIT');
      await waitFor(
        async () => {
          const run = await createSyncRunsRepo(env.deps.db).get(runId);
          expect(run?.status).not.toBe('failed');
          return run?.status === 'done' && run.reconcile === 'done';
        },
        { timeoutMs: 60_000, what: 'the run' },
      );
    } finally {
      vi.restoreAllMocks();
      await other.end();
    }
    // COPYed as new first (no conflict check), then, rolled back on the duplicate key, upserted.
    expect(
      inserts.map((sql) => (/^COPY /.test(sql) ? 'copy' : /ON CONFLICT/.test(sql) ? 'upsert' : sql)),
    ).toEqual(['copy', 'upsert']);
    const rows = await env.deps.db.query<{ code: string; system: string }>(
      'SELECT student_code AS code, source_system AS system FROM truc.students ORDER BY 1',
    );
    expect(rows.rows).toHaveLength(5);
    expect(rows.rows.every((r) => r.system === 'hcm-csdl')).toBe(true);
    // In the same job: no pull job failed and was tried again.
    const processed = await env.deps.metrics.jobsProcessed.get();
    const pulls = processed.values.filter((v) => v.labels.queue === 'pull');
    expect(pulls.filter((v) => v.labels.outcome !== 'completed' && v.value > 0)).toEqual([]);
  }, 180_000);
});

/** A city simulator, a test environment on `backend` pulling from it, and the worker role a test starts. */
function firstPullOf(backend: Backend, seed: number, schools: number, studentsPerSchool: number) {
  const its = {} as { sim: HcmCsdlSimulator; env: TestEnv; worker?: { stop(): Promise<void> } };
  beforeAll(async () => {
    its.sim = await startCitySimulator({ seed, schools, studentsPerSchool, tombstoneRate: 0 });
    its.env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: its.sim.url } });
  }, 120_000);
  afterAll(async () => {
    await its.worker?.stop();
    await its.env?.cleanup();
    await its.sim?.close();
  });
  return its;
}

describe.each(backends().filter((b) => b.queue === 'postgres'))(
  'a first-sync page with a record whose verdict is kept from before (refused earlier), on $name',
  (backend) => {
    const its = firstPullOf(backend, 44, 1, 5);

    it('is written again as an upsert in the same job (its verdicts inserted as new meet the kept one)', async () => {
      const { sim, env } = its;
      const refused = sim.population.student(0);
      const earlier = randomUUID();
      await env.deps.db.query(
        `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
         VALUES ('students', $1, $2, false, now(), $3,
                 '[{"rule": "EARLIER", "criterion": "dung", "severity": "error", "pointer": ""}]')`,
        [refused.studentCode, refused.schoolCode, earlier],
      );
      its.worker = startWorkerRole(env.deps);
      await fullStudentsPull(env.deps.db);
      const stored = await env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.students');
      expect(stored.rows[0]!.n).toBe(5);
      const verdicts = await env.deps.db.query<{ key: string; batch: string; findings: { rule: string }[] }>(
        'SELECT record_key AS key, batch_id AS batch, findings FROM truc.quality_records ORDER BY 1',
      );
      expect(verdicts.rows).toHaveLength(5);
      const kept = verdicts.rows.find((v) => v.key === refused.studentCode)!;
      expect(kept.batch).not.toBe(earlier);
      expect(kept.findings.map((f) => f.rule)).not.toContain('EARLIER');
      // In the same job: no pull job failed and was tried again.
      const processed = await env.deps.metrics.jobsProcessed.get();
      const pulls = processed.values.filter((v) => v.labels.queue === 'pull');
      expect(pulls.filter((v) => v.labels.outcome !== 'completed' && v.value > 0)).toEqual([]);
    }, 180_000);
  },
);

describe.each(backends().filter((b) => b.queue === 'postgres'))(
  'first-sync pages judged ahead and written again as an upsert, on $name',
  (backend) => {
    // Three pages: the later ones judged ahead (their record and batch checks run while the one before
    // was stored); each page written twice, its second attempt must not judge on the first one's findings.
    const its = firstPullOf(backend, 45, 3, 700);

    it('has each store finding once and counts each record once', async () => {
      const { sim, env } = its;
      const codes: string[] = [];
      const schools: string[] = [];
      const ids: string[] = [];
      for (let g = 0; g < sim.population.counts.students; g++) {
        const s = sim.population.student(g);
        codes.push(s.studentCode);
        schools.push(s.schoolCode);
        if (s.personalId !== undefined) ids.push(s.personalId);
      }
      // Every student's verdict kept from before (every page is written again as an upsert), and every
      // personal ID held by a live student at another school (a store check's finding on each).
      await env.deps.db.query(
        `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
         SELECT 'students', k, s, false, now(), $3, '[]' FROM unnest($1::text[], $2::text[]) AS u(k, s)`,
        [codes, schools, randomUUID()],
      );
      await env.deps.db.query(
        `INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
         SELECT 'OTHER-' || id, '79999999', id, '{"status": "studying"}', 'other', 'vendor:other', 'canonical@1'
           FROM unnest($1::text[]) AS u(id)`,
        [ids],
      );
      its.worker = startWorkerRole(env.deps);
      const runId = await fullStudentsPull(env.deps.db);
      const doubled = await env.deps.db.query<{ key: string; n: number }>(
        `SELECT record_key AS key, count(*)::int AS n
           FROM truc.quality_records, jsonb_array_elements(findings) f
          WHERE entity = 'students' AND f->>'rule' = 'SACH_ACTIVE_AT_TWO_SCHOOLS'
          GROUP BY 1 HAVING count(*) > 1`,
      );
      const found = await env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.quality_records, jsonb_array_elements(findings) f
          WHERE entity = 'students' AND f->>'rule' = 'SACH_ACTIVE_AT_TWO_SCHOOLS'`,
      );
      expect(found.rows[0]!.n).toBeGreaterThan(0);
      expect(doubled.rows).toEqual([]);
      // Each record counted once in the ingested metrics, though its page was written twice.
      const run = await createSyncRunsRepo(env.deps.db).get(runId);
      const ingested = (await env.deps.metrics.recordsIngested.get()).values
        .filter((v) => v.labels.entity === 'students')
        .reduce((sum, v) => sum + v.value, 0);
      expect(ingested).toBe(run!.records);
    }, 180_000);
  },
);

describe('a first-sync page not read (the reads before it found nothing) with a record stored after all', () => {
  const its = firstPullOf(
    backends().find((b) => b.name === 'postgres+pg-queue')!,
    45,
    1,
    3200,
  );

  it('fails its insert as new on the duplicate key and is written again, read, as an upsert; later pages are read', async () => {
    const { sim, env } = its;
    // Another writer's student on the feed's third page of four (the feed walks the population in order): not
    // a record of the run's system, so the run is a first sync; the first page's read finds nothing of it.
    const taken = sim.population.student(2499);
    await env.deps.db.query(
      `INSERT INTO truc.students (student_code, school_code, data, fingerprint, source_system, mapping_version)
       VALUES ($1, $2, '{}', 'other', 'vendor:other', 'canonical@1')`,
      [taken.studentCode, taken.schoolCode],
    );
    /** What the page transactions sent of interest, in order (outside transactions: reads that are hints). */
    const sent: string[] = [];
    const inTx = new Set<pg.Client>();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as `this`
    const query = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
      if (sql === 'BEGIN') inTx.add(this);
      else if (sql === 'COMMIT' || sql === 'ROLLBACK') inTx.delete(this);
      else if (inTx.has(this)) {
        const kind = /^COPY truc\.students /.test(sql)
          ? 'copy'
          : /^(WITH w AS \()?INSERT INTO truc\.students [\s\S]*ON CONFLICT/.test(sql)
            ? 'upsert'
            : /FROM truc\.students r JOIN v ON v\.key = r\.student_code/.test(sql)
              ? 'read'
              : undefined;
        if (kind) sent.push(kind);
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
    });
    try {
      its.worker = startWorkerRole(env.deps);
      await fullStudentsPull(env.deps.db);
    } finally {
      vi.restoreAllMocks();
    }
    // The first page read (it found nothing) and COPYed; the second only COPYed; the third's COPY met the other
    // writer's row, so it was written again with its read, as an upsert; the fourth is read again.
    expect(sent).toEqual(['read', 'copy', 'copy', 'copy', 'read', 'upsert', 'read', 'copy']);
    const rows = await env.deps.db.query<{ code: string; system: string }>(
      'SELECT student_code AS code, source_system AS system FROM truc.students ORDER BY 1',
    );
    expect(rows.rows).toHaveLength(3200);
    expect(rows.rows.every((r) => r.system === 'hcm-csdl')).toBe(true);
    const processed = await env.deps.metrics.jobsProcessed.get();
    const pulls = processed.values.filter((v) => v.labels.queue === 'pull');
    expect(pulls.filter((v) => v.labels.outcome !== 'completed' && v.value > 0)).toEqual([]);
  }, 180_000);
});
