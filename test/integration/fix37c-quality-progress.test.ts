/**
 * fix37c item 1: a quality run's progress is real. Its schools are scored a slice at a time, each slice committed, so
 * `GET /v1/quality/runs/{id}` reads the schools scored so far while it runs and `truc quality run --follow` shows
 * them move; a run whose job dies half way keeps what it scored (failed, with its count, once dead-lettered) and its
 * retry or replay resumes from there, its communes summed from exactly the counts its schools were scored from.
 * On PostgreSQL, the API and the operator's shell on one database; the test plays the worker (src/jobs/scorecards.ts)
 * with a slice of one school and holds or breaks the second slice's write.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { computeScorecards } from '../../src/jobs/scorecards.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createQualityRunsRepo } from '../../src/store/quality-runs.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { useCliBesideApi } from '../helpers/cli-in-process.js';
import { waitFor } from '../helpers/env.js';
import { deadLetterJob, runOutbox, schoolRecord, storeSchools } from '../helpers/quality-world.js';

const w = useCliBesideApi();
const call = (url: string) =>
  w.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.token}` } });
/** The worker's dependencies with a slice of one school (`quality.runSliceSchools`). */
const oneBySlice = (db: Db = w.env.deps.db) => {
  const config = w.env.deps.config;
  return { ...w.env.deps, db, config: { ...config, quality: { ...config.quality, runSliceSchools: 1 } } };
};
const runOf = async (id: number) =>
  (await call(`/v1/quality/runs/${id}`)).json<{ status: string; schools: unknown; error: unknown }>();

/** Three schools: A and B in commune 26734, C in 26737 (province 79). */
const SCHOOLS = { A: '79370001', B: '79370002', C: '79370003' } as const;

async function verdicts(school: string, prefix: string, n: number, failing: number): Promise<void> {
  const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/fatherName');
  await createQualityRepo(w.env.deps.db).saveVerdicts(
    'students',
    '00000000-0000-4000-8000-000000003701',
    new Date(),
    Array.from({ length: n }, (_, i) => verdict(`${prefix}${i}`, school, i < failing ? [warn] : [])),
  );
}

beforeAll(async () => {
  await storeSchools(w.env.deps.db, [
    schoolRecord(SCHOOLS.A, '26734'),
    schoolRecord(SCHOOLS.B, '26734'),
    schoolRecord(SCHOOLS.C, '26737'),
  ]);
  await verdicts(SCHOOLS.A, 'A', 4, 1);
  await verdicts(SCHOOLS.B, 'B', 6, 3);
  await verdicts(SCHOOLS.C, 'C', 2, 0);
});

/** A run requested as a city admin's POST does; its id and its job's outbox row, marked started as the job does. */
async function requested(): Promise<{ id: number; outbox: number }> {
  const posted = await w.app.inject({
    method: 'POST',
    url: '/v1/quality/runs',
    headers: { authorization: `Bearer ${w.token}` },
  });
  expect(posted.statusCode, posted.body).toBe(202);
  return started(posted.json<{ runId: number }>().runId);
}

async function started(id: number): Promise<{ id: number; outbox: number }> {
  const outbox = await runOutbox(w.env.deps.db, id);
  await createQualityRunsRepo(w.env.deps.db).start(outbox);
  return { id, outbox };
}

/**
 * The test's database: `hold` runs before the `n`th write of scorecards (a slice's), in its transaction; every other
 * statement as is.
 */
function withHold(db: Db, n: number, hold: () => Promise<void>): Db {
  let writes = 0;
  const wrap = (q: Queryable): Queryable => ({
    query: async (sql, params, opts) => {
      if (sql.includes('INSERT INTO truc.quality_scores') && ++writes === n) await hold();
      return q.query(sql, params, opts);
    },
  });
  return new Proxy(db, {
    get(target, key) {
      if (key === 'tx') return <T>(fn: (q: Queryable) => Promise<T>) => target.tx((q) => fn(wrap(q)));
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The scorecards run `id` holds at `level`, by code: records and the card's schools. */
async function cards(id: number, level: string) {
  const res = await w.env.deps.db.query<{ code: string; records: number }>(
    'SELECT code, records FROM truc.quality_scores WHERE run_id = $1 AND level = $2 ORDER BY code',
    [id, level],
  );
  return Object.fromEntries(res.rows.map((r) => [r.code, r.records]));
}

describe('fix37c: a quality run scores its schools a slice at a time', () => {
  it('the schools scored advance while it runs, and truc quality run --follow shows them move', async () => {
    let stderr = '';
    let stdout = '';
    const before = await w.env.deps.db.query<{ n: string }>(
      'SELECT coalesce(max(id), 0) AS n FROM truc.quality_runs',
    );
    const cli = runCli(['quality', 'run', '--follow', '--interval-ms', '50', '--timeout', '120'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    const id = await waitFor(async () => {
      const r = await w.env.deps.db.query<{ id: string }>('SELECT id FROM truc.quality_runs WHERE id > $1', [
        Number(before.rows[0]!.n),
      ]);
      if (!r.rows[0]) throw new Error(`no run yet; the CLI said: ${stderr}${stdout}`);
      return Number(r.rows[0].id);
    });
    const { outbox } = await started(id);
    let release!: () => void;
    let reached!: () => void;
    const atSecond = new Promise<void>((r) => (reached = r));
    const db = withHold(w.env.deps.db, 2, async () => {
      reached();
      await new Promise<void>((r) => (release = r));
    });
    const computing = computeScorecards(oneBySlice(db), 'test', outbox);
    await atSecond;
    // The first school's slice is committed: the run says so while its second slice is being written.
    expect(await runOf(id)).toMatchObject({ status: 'running', schools: { scored: 1, total: 3 } });
    await waitFor(() => {
      if (stderr.includes('1/3 schools scored')) return true;
      throw new Error(`--follow's stderr so far: ${stderr}`);
    });
    release();
    await computing;
    expect(await cli).toBe(0);
    expect(stderr).toContain(`quality run ${id}: running; 1/3 schools scored`);
    expect(stderr).toContain(`lần tính thẻ điểm ${id}: đang tính; đã chấm 1/3 trường`);
    expect(stderr).toContain(`quality run ${id}: done; 3/3 schools scored`);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({
      id,
      status: 'done',
      schools: { scored: 3, total: 3 },
    });
    expect(await cards(id, 'commune')).toEqual({ '26734': 10, '26737': 2 });
  });

  it('a run that dies half way is failed with what it scored; its replay resumes from there, every card agreeing', async () => {
    const { id, outbox } = await requested();
    const broken = withHold(w.env.deps.db, 2, () => Promise.reject(new Error('worker killed')));
    await expect(computeScorecards(oneBySlice(broken), 'test', outbox)).rejects.toThrow('worker killed');
    expect(await runOf(id)).toMatchObject({ status: 'running', schools: { scored: 1, total: 3 } });
    // Its attempts spent: dead-lettered as the worker does; it reads failed with the school it scored.
    await deadLetterJob(w.env.deps.db, outbox);
    expect(await runOf(id)).toMatchObject({
      status: 'failed',
      schools: { scored: 1, total: 3 },
      error: { code: 'ERR_DB_UNAVAILABLE' },
    });
    // Its partial scorecards are neither the latest nor in a unit's history: those read the runs done.
    const school = await call(`/v1/schools/${SCHOOLS.A}/quality`);
    expect(school.statusCode, school.body).toBe(200);
    const a = school.json<{
      runId: number;
      history: { runId: number }[];
    }>();
    expect(a.runId).not.toBe(id);
    expect(a.history.map((x) => x.runId)).not.toContain(id);
    // School A gains records meanwhile; the replay (the outbox row reopened) goes on from the school it scored.
    await verdicts(SCHOOLS.A, 'A2-', 5, 5);
    await w.env.deps.db.query('UPDATE truc.outbox SET dead_at = NULL WHERE id = $1', [outbox]);
    await computeScorecards(oneBySlice(), 'test', outbox);
    expect(await runOf(id)).toMatchObject({ status: 'done', schools: { scored: 3, total: 3 }, error: null });
    // A was scored before it gained its 5 (4 records), and its commune sums A's and B's cards as scored.
    expect(await cards(id, 'school')).toEqual({ [SCHOOLS.A]: 4, [SCHOOLS.B]: 6, [SCHOOLS.C]: 2 });
    expect(await cards(id, 'commune')).toEqual({ '26734': 10, '26737': 2 });
    expect(await cards(id, 'province')).toEqual({ '79': 12 });
    const kept = await w.env.deps.db.query(
      'SELECT 1 FROM truc.quality_scores WHERE run_id = $1 AND counts IS NOT NULL',
      [id],
    );
    expect(kept.rowCount).toBe(0);
  });
});
