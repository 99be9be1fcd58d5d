/**
 * review32 F3 (/work/briefs/review32-findings.md): a night whose change goes over the guard's threshold at many
 * schools is shown to the city admin one school at a time. The pages of a sync run are guarded one by one: a page
 * that takes a school over a threshold is held (kind `run`), the run stops there, and the next school's page is
 * fetched, weighed and held only after the admin approved the hold before it (README, Mass-change guard). Seen on
 * `truc all` against the simulators: the first SMAS pull of a city whose database does not carry the students'
 * disability (SMAS states `LoaiKhuyetTat: "Không"` for every pupil) changes 59 of each school's 60 students; holds
 * 1, 3 and 4 of the one run came one after the other, each ~10–20 s after the admin approved the one before. A city
 * of ~1,000 SMAS schools (or a city database recoding every pupil's commune after the 2025 merger) asks ~1,000
 * approvals in a row, each of one school's codes, none showing how far the run's change goes. Here: four schools,
 * SMAS serving two of them (the even ones); the city's students pulled first, then SMAS's full pull, held. When
 * the run first waits for a decision, the admin should see every school it takes over a threshold (in one hold
 * or in several). fix32e: the job that holds the page weighs the run's next pages (src/jobs/run-weigh.ts) and
 * widens the hold to every school they would hold; one approval lets the whole run through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { decideHold, requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { noRolloverRelief } from '../helpers/guard-rollover.js';
import { settledSync } from '../helpers/settled-sync.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** Four schools of 24 students (over `guard.minRecords`, 20): SMAS serves two of them. */
const SIZE = { seed: 'review32-f3', schools: 4, studentsPerSchool: 24, staffPerSchool: 1 };

describe('review32, a night over the guard at several schools (postgres+redis)', () => {
  let env: TestEnv;
  let hcm: HcmCsdlSimulator;
  let smas: SmasSimulator;
  let worker: Running | undefined;

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
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([hcm?.close(), smas?.close()]);
    await env?.cleanup();
  });

  /** The schools SMAS serves, as its own API lists them. */
  const smasSchools = async (): Promise<string[]> => {
    const res = await fetch(`${smas.url}/schools`, {
      headers: { 'X-Api-Key': env.config.systems.smas.apiKey! },
    });
    const body = (await res.json()) as { Data?: Array<{ MaTruong?: string }> } | Array<{ MaTruong?: string }>;
    const rows = Array.isArray(body) ? body : (body.Data ?? []);
    return rows.map((r) => String(r.MaTruong)).sort();
  };

  it('review32 F3: when a run first waits for the admin, every school it takes over a threshold is shown', async () => {
    const served = await smasSchools();
    expect(served).toHaveLength(2);
    const run = await env.deps.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: new Date(),
      }),
    );
    // The run stops at its first held page.
    const held = () =>
      env.deps.db.query<{ id: number; schools: string[] }>(
        `SELECT id, ARRAY(SELECT DISTINCT r->>'school' FROM jsonb_array_elements(reasons) r) AS schools
             FROM truc.guard_holds WHERE sync_run_id = $1 AND status = 'held' ORDER BY id`,
        [run],
      );
    await waitFor(async () => (await held()).rows.length > 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the SMAS run to be held',
    });
    // fix32e: one hold for the run, whole once its weighing is over (the hold decidable: the run waits for the admin
    // from then on); nothing of SMAS's applied meanwhile.
    await waitFor(
      async () =>
        (
          await env.deps.db.query(
            `SELECT 1 FROM truc.guard_holds WHERE sync_run_id = $1 AND weighing_until IS NULL`,
            [run],
          )
        ).rows.length > 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'the weighing to end' },
    );
    const holds = (await held()).rows;
    const shown = [...new Set(holds.flatMap((h) => h.schools))].sort();
    expect(shown).toEqual(served);
    expect(holds).toHaveLength(1);
    const fromSmas = () =>
      env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.students WHERE source_system = 'smas'`,
      );
    expect((await fromSmas()).rows[0]!.n).toBe(0);
    // One approval: the run goes on and finishes, held no more; both schools' records applied.
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId: holds[0]!.id, decision: 'approved', by: 'test', at: new Date() }),
    );
    await waitFor(
      async () =>
        (await env.deps.db.query(`SELECT 1 FROM truc.sync_runs WHERE id = $1 AND status = 'done'`, [run]))
          .rows.length > 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'the approved run to finish' },
    );
    const all = await env.deps.db.query<{ status: string }>(
      `SELECT status FROM truc.guard_holds WHERE sync_run_id = $1 AND kind = 'run'`,
      [run],
    );
    expect(all.rows.map((h) => h.status)).toEqual(['approved']);
    expect((await fromSmas()).rows[0]!.n).toBeGreaterThan(24);
  }, 60_000);
});
