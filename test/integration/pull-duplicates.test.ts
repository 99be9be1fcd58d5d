/**
 * Two records of one personal ID from the city database (issue 7, bug): the first night keeps the
 * first and refuses the second (the personal ID repeats in the page); on the second night the first is
 * unchanged at the source and skipped before judging, so the second is judged alone — it must still be
 * refused, because another live student of the same school holds its personal ID. Over the real pull
 * path: the worker role, PostgreSQL and the hcm-csdl simulator behind a proxy that adds the copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';
import { fullStudentsPull } from '../helpers/full-pull.js';
import { startPageProxy, type PageProxy } from '../helpers/page-proxy.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

describe('a personal ID twice in the city database, pulled on two nights', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let proxy: PageProxy;
  let worker: Running;
  /** The student copied, and its copy's code (same personal ID, another student code). */
  let original: string | undefined;
  const copyOf = (code: string) => `8${code.slice(1)}`;

  beforeAll(async () => {
    sim = await startCitySimulator({
      seed: 23,
      studentsPerSchool: 30,
      tombstoneRate: 0,
    });
    // Right after the first student with a personal ID, the page carries a copy of it under another code.
    proxy = await startPageProxy(sim.url, '/v1/students', (page) => {
      const at = page.data.findIndex((s) => typeof s['soDinhDanhCaNhan'] === 'string');
      if (at < 0) return page;
      const first = page.data[at]!;
      original = String(first['maDinhDanh']);
      const data = [...page.data];
      data.splice(at + 1, 0, { ...first, maDinhDanh: copyOf(original) });
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
  const live = async (code: string): Promise<boolean> =>
    (
      await env.deps.db.query('SELECT 1 FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL', [
        code,
      ])
    ).rows.length > 0;
  /** Personal IDs held by more than one live student of one school. */
  const twiceHeld = async (): Promise<number> =>
    (
      await env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT 1 FROM truc.students WHERE deleted_at IS NULL AND personal_id IS NOT NULL
            GROUP BY school_code, personal_id HAVING count(*) > 1) t`,
      )
    ).rows[0]!.n;

  it('keeps one live student per personal ID on the first night and on the second', async () => {
    await fullPull();
    expect(original).toBeDefined();
    expect(await live(original!)).toBe(true);
    expect(await live(copyOf(original!))).toBe(false);
    expect(await twiceHeld()).toBe(0);

    await fullPull();
    expect(await live(original!)).toBe(true);
    expect(await live(copyOf(original!))).toBe(false);
    expect(await twiceHeld()).toBe(0);
    // The copy is refused for its personal ID, and its verdict says so: the first night's (a repeat in
    // the page), kept, since the second night counts it still refused without judging it again while the
    // holder it stood on is live and unchanged (jobs/refusals.ts); judged, it is refused for the stored holder.
    const verdict = await env.deps.db.query<{
      accepted: boolean;
      findings: Array<{ rule: string; severity: string }>;
    }>(`SELECT accepted, findings FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`, [
      copyOf(original!),
    ]);
    expect(verdict.rows[0]?.accepted).toBe(false);
    const errors = verdict.rows[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.rule);
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toMatch(/^SACH_DUPLICATE_PERSONAL_ID(_STORED)?$/);
    // Judged alone (its refusal forgotten), it is refused for the stored holder.
    await env.deps.db.query('DELETE FROM truc.refused_sources');
    await fullPull();
    expect(await live(copyOf(original!))).toBe(false);
    const judged = await env.deps.db.query<{ findings: Array<{ rule: string; severity: string }> }>(
      `SELECT findings FROM truc.quality_records WHERE entity = 'students' AND record_key = $1`,
      [copyOf(original!)],
    );
    expect(judged.rows[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual([
      'SACH_DUPLICATE_PERSONAL_ID_STORED',
    ]);
  });
});
