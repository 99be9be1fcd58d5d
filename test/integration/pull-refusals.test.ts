/**
 * A refusal that depends on another record is remembered with what it stands on (issue 7: an unchanged
 * night re-judges nothing). The city database sends a copy of a student (same personal ID, another code)
 * right after it: the first night keeps the student and refuses the copy. The second night nothing
 * changed: the copy is counted refused without being judged again — no page files a finding, no verdict
 * is rewritten. The third night the source deletes the student the copy's refusal stood on: the copy is
 * judged again, in the same page, and taken. Over the real pull path: the worker role, PostgreSQL and the
 * hcm-csdl simulator behind a proxy that adds the copy (and, the third night, the tombstone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';
import { fullStudentsPull } from '../helpers/full-pull.js';
import { startPageProxy, type PageProxy } from '../helpers/page-proxy.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

describe('a refusal that stands on another record, pulled on three nights', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let proxy: PageProxy;
  let worker: Running;
  /** The student copied, and its copy's code (same personal ID, another student code). */
  let original: string | undefined;
  const copyOf = (code: string) => `8${code.slice(1)}`;
  /** The third night: the source has deleted the original (a tombstone in its place). */
  let deleted = false;

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 29, studentsPerSchool: 30, tombstoneRate: 0 });
    proxy = await startPageProxy(sim.url, '/v1/students', (page) => {
      const at = page.data.findIndex((s) => typeof s['soDinhDanhCaNhan'] === 'string');
      if (at < 0) return page;
      const first = page.data[at]!;
      original = String(first['maDinhDanh']);
      const data = [...page.data];
      const copy = { ...first, maDinhDanh: copyOf(original) };
      if (deleted)
        data.splice(at, 1, { maDinhDanh: original, updatedAt: first['updatedAt'], deleted: true }, copy);
      else data.splice(at + 1, 0, copy);
      return { ...page, data };
    });
    env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: proxy.url } });
    worker = startWorkerRole(env.deps);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
    await proxy?.close();
    await sim?.close();
  });

  const fullPull = (): Promise<number> => fullStudentsPull(env.deps.db);
  const counts = async (run: number) =>
    (
      await env.deps.db.query<{ accepted: number; rejected: number; unchanged: number; findings: number }>(
        `SELECT sum(accepted)::int AS accepted, sum(rejected)::int AS rejected, sum(unchanged)::int AS unchanged,
                (SELECT count(*)::int FROM truc.findings f JOIN truc.batches b ON b.id = f.batch_id
                  WHERE b.sync_run_id = $1) AS findings
           FROM truc.batches WHERE sync_run_id = $1`,
        [run],
      )
    ).rows[0]!;
  const live = async (code: string): Promise<boolean> =>
    (
      await env.deps.db.query('SELECT 1 FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL', [
        code,
      ])
    ).rows.length > 0;
  /** The copy's verdict, with its row version (xmin: changes with any rewrite). */
  const verdict = async () =>
    (
      await env.deps.db.query<{ accepted: boolean; x: string }>(
        `SELECT accepted, xmin::text AS x FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`,
        [copyOf(original!)],
      )
    ).rows[0];

  it('re-judges nothing on an unchanged night, and the copy once the student it stood on is deleted', async () => {
    const first = await fullPull();
    expect(original).toBeDefined();
    expect(await live(copyOf(original!))).toBe(false);
    const night1 = await counts(first);
    expect(night1.rejected).toBe(1);
    expect(night1.findings).toBeGreaterThan(0);
    const refused = await verdict();
    expect(refused?.accepted).toBe(false);
    // Remembered with the holder it stands on: the original, as stored.
    const remembered = await env.deps.db.query<{ depends: Record<string, Record<string, string>> }>(
      `SELECT depends FROM truc.refused_sources WHERE system = 'hcm-csdl' AND entity = 'students' AND source_key = $1`,
      [copyOf(original!)],
    );
    expect(Object.keys(remembered.rows[0]?.depends['students'] ?? {})).toEqual([original]);

    // Nothing changed: every record skipped or still refused; nothing judged, no finding, no verdict rewritten.
    const second = await fullPull();
    const night2 = await counts(second);
    expect(night2).toEqual({ accepted: 0, rejected: 1, unchanged: night1.accepted, findings: 0 });
    expect((await verdict())?.x).toBe(refused?.x);
    expect(await live(original!)).toBe(true);
    // Each page's batch is done (inserted so with the page's closing writes) and audited as ingested.
    const audited = await env.deps.db.query<{ done: number; batches: number; ingested: number }>(
      `SELECT count(*) FILTER (WHERE b.status = 'done' AND b.finished_at IS NOT NULL)::int AS done,
              count(*)::int AS batches,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM truc.audit_log a WHERE a.subject = 'batch:' || b.id AND a.action = 'batch.ingested'
                UNION ALL
                SELECT 1 FROM truc.audit_pending a WHERE a.subject = 'batch:' || b.id AND a.action = 'batch.ingested'
              ))::int AS ingested
         FROM truc.batches b WHERE b.sync_run_id = $1`,
      [second],
    );
    expect(audited.rows[0]).toEqual({
      done: audited.rows[0]!.batches,
      batches: audited.rows[0]!.batches,
      ingested: audited.rows[0]!.batches,
    });
    expect(audited.rows[0]!.batches).toBeGreaterThan(0);

    // The source deletes the original: what the copy's refusal stood on is gone, so it is judged and taken.
    deleted = true;
    const third = await fullPull();
    const night3 = await counts(third);
    expect(night3.accepted).toBe(1);
    expect(night3.rejected).toBe(0);
    expect(await live(original!)).toBe(false);
    expect(await live(copyOf(original!))).toBe(true);
    expect((await verdict())?.accepted).toBe(true);
  });
});
