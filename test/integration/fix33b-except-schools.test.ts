/**
 * fix33b (issue 7 item 3): a city admin approves a held city-wide run except one school. Four schools, SMAS serving
 * two of them (as review32-guard: its first full pull changes nearly every student of both, over the guard's
 * threshold): the run is held with both schools in one hold. An approval naming a school the hold does not show is
 * refused (400 ERR_GUARD_EXCEPT_SCHOOLS, bilingual, nothing changed); approved except the second school, the run
 * goes on and finishes: the first school's changes applied, nothing of the second's (neither its pages' records nor
 * a reconciliation's deletion), what was left of it counted per school, the decision audited with the school's code.
 * On PostgreSQL and Redis, the API over HTTP (fastify's inject).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { bearer, expectProblem, tokenFor } from '../helpers/api.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { noRolloverRelief } from '../helpers/guard-rollover.js';
import { settledSync } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const SIZE = { seed: 'fix33b-except', schools: 4, studentsPerSchool: 24, staffPerSchool: 1 };

describe('fix33b, a held run approved except a school (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let worker: Running | undefined;
  let app: FastifyInstance;
  let admin: string;

  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { configure: noRolloverRelief },
    );
    hcm = await startCitySimulator({ ...SIZE, tombstoneRate: 0 });
    smas = await startSmasSimulator({ ...SIZE, apiKey: env.config.systems.smas.apiKey! });
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = hcm.url;
    config.systems.smas.baseUrl = smas.url;
    delete config.systems.vnedu.baseUrl;
    worker = startWorkerRole({ ...env.deps, config });
    await settledSync(env.deps, 'hcm-csdl', true);
    app = await buildApp(env.deps);
    await app.ready();
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' }));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await worker?.stop();
    await Promise.all([hcm?.close(), smas?.close()]);
    await env?.cleanup();
  });

  const approve = (holdId: number, body: unknown) =>
    app.inject({
      method: 'POST',
      url: `/v1/guard/holds/${holdId}/approve`,
      headers: bearer(admin),
      payload: body as object,
    });
  const q = <T extends object>(sql: string, params: unknown[] = []) =>
    env.deps.db.query<T>(sql, params).then((r) => r.rows);
  /** Students of a school SMAS's run wrote. */
  const fromSmas = async (school: string) =>
    (
      await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.students WHERE source_system = 'smas' AND school_code = $1`,
        [school],
      )
    )[0]!.n;

  it('applies the run but for the school left out: nothing of it applied, counted, audited', async () => {
    const run = await env.deps.db.tx((tx) =>
      requestSync(tx, {
        system: 'smas',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: new Date(),
      }),
    );
    const whole = () =>
      q<{ id: number; schools: string[] }>(
        `SELECT id, ARRAY(SELECT DISTINCT r->>'school' FROM jsonb_array_elements(reasons) r ORDER BY 1) AS schools
           FROM truc.guard_holds WHERE sync_run_id = $1 AND status = 'held' AND weighing_until IS NULL`,
        [run],
      );
    await waitFor(async () => (await whole()).length > 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the SMAS run to be held, weighed whole',
    });
    const [hold] = await whole();
    expect(hold!.schools).toHaveLength(2);
    const [kept, left] = hold!.schools as [string, string];
    const liveOfLeft = async () =>
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL`,
          [left],
        )
      )[0]!.n;
    const liveBefore = await liveOfLeft();
    const audits = async () =>
      (await q<{ n: number }>(`SELECT count(*)::int AS n FROM truc.audit_log`))[0]!.n;
    const auditsBefore = await audits();

    // A school the hold does not show: 400, bilingual, nothing changed.
    const refused = expectProblem(
      await approve(hold!.id, { exceptSchools: [left, '79099999'] }),
      400,
      'ERR_GUARD_EXCEPT_SCHOOLS',
    );
    expect(refused.detail).toContain('79099999');
    expect(refused.detail).toContain(' / ');
    expect(await q(`SELECT status, except_schools FROM truc.guard_holds WHERE id = $1`, [hold!.id])).toEqual([
      { status: 'held', except_schools: [] },
    ]);
    expect(await q(`SELECT status, rejected_schools FROM truc.sync_runs WHERE id = $1`, [run])).toEqual([
      { status: 'held', rejected_schools: [] },
    ]);
    expect(await audits()).toBe(auditsBefore);

    // Approved except the second school.
    const res = await approve(hold!.id, {
      exceptSchools: [left],
      reason: 'nguồn của trường lỗi / broken source',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved', exceptSchools: [left] });
    await waitFor(
      async () =>
        (
          await q(`SELECT 1 FROM truc.sync_runs WHERE id = $1 AND status = 'done' AND reconcile = 'done'`, [
            run,
          ])
        ).length > 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'the approved run to finish and reconcile' },
    );
    // The kept school's changes applied; nothing of the left one's, none of its students deleted.
    expect(await fromSmas(kept)).toBeGreaterThan(0);
    expect(await fromSmas(left)).toBe(0);
    expect(await liveOfLeft()).toBe(liveBefore);
    // Held no more (the school left out is not weighed again).
    expect(await q(`SELECT status FROM truc.guard_holds WHERE sync_run_id = $1 ORDER BY id`, [run])).toEqual([
      { status: 'approved' },
    ]);
    // Counted per school: the hold shows what its run did not apply of the school left out.
    const shown = (
      await app.inject({ method: 'GET', url: `/v1/guard/holds/${hold!.id}`, headers: bearer(admin) })
    ).json<{
      exceptSchools: string[];
      notApplied: Array<{ school: string; records: number; deletions: number }>;
    }>();
    expect(shown.exceptSchools).toEqual([left]);
    expect(shown.notApplied).toHaveLength(1);
    expect(shown.notApplied[0]).toMatchObject({ school: left });
    expect(shown.notApplied[0]!.records).toBeGreaterThanOrEqual(20);
    // Audited with the school's code.
    const decided = await q<{ details: { exceptSchools?: string[] } }>(
      `SELECT details FROM truc.audit_log WHERE action = 'guard.approved' AND subject = $1`,
      [`guard-hold:${hold!.id}`],
    );
    expect(decided.map((d) => d.details.exceptSchools)).toEqual([[left]]);
  }, 90_000);
});
