/**
 * left19 item 2 over HTTP (review19's nit on 42180e3): approving a held page of a whole-city full run, after a
 * full run of the held school alone (requested after the hold) fetched every page, answers 409
 * ERR_GUARD_SUPERSEDED_SCHOOLS — not ERR_GUARD_SUPERSEDED, whose message says the held change deletes nothing
 * and the newer run decides, silent about the whole-city run going on from its cursor, still guarded. A hold
 * with a school no newer run covered is approved (200). On PostgreSQL, the API over HTTP (fastify's inject); no
 * worker runs, so the runs stay as the test leaves them (their state set through the store's repositories).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../src/store/run-guard.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { bearer, expectProblem, tokenFor } from '../helpers/api.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;
const S = '79000091';
const T = '79000092';

describe('approving a held page of a whole-city run its schools’ newer runs overtook, over HTTP', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let admin: string;

  const approve = (holdId: number) =>
    app.inject({ method: 'POST', url: `/v1/guard/holds/${holdId}/approve`, headers: bearer(admin) });
  const run = (id: number) =>
    app
      .inject({ method: 'GET', url: `/v1/syncs/${id}`, headers: bearer(admin) })
      .then((r) => r.json<{ status: string }>());
  const reason = (school: string) => ({
    school,
    kind: 'deleted' as const,
    count: 20,
    live: 50,
    ratio: 0.4,
    threshold: 0.3,
  });
  const diff = (school: string) => ({
    school,
    live: 50,
    deleted: 20,
    moved: 0,
    changed: 0,
    keys: { deleted: [], moved: [], changed: [] },
  });

  /** A whole-city full run held at its first page, its hold over the thresholds of `schools`. */
  async function heldCityRun(schools: string[]): Promise<{ runId: number; holdId: number }> {
    const runs = createSyncRunsRepo(env.deps.db);
    const runId = await runs.create({
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: null,
      requestedBy: 'admin',
    });
    expect(await createRunGuardRepo(env.deps.db).hold(runId)).toBe(true);
    const holdId = await createGuardHoldsRepo(env.deps.db).create({
      kind: 'run',
      syncRunId: runId,
      entity: 'students',
      diff: schools.map(diff),
      reasons: schools.map(reason),
    });
    return { runId, holdId };
  }
  /** A full run of `school` alone, requested now, that fetched its last page. */
  async function doneRunOf(school: string): Promise<void> {
    const runs = createSyncRunsRepo(env.deps.db);
    const id = await runs.create({
      system: 'hcm-csdl',
      entity: 'students',
      scope: school,
      since: null,
      requestedBy: 'admin',
    });
    await runs.recordPage(id, { last: true, cursor: null, records: 50, tombstones: 0, watermark: null });
  }

  beforeAll(async () => {
    env = await makeDeps(backend);
    app = await buildApp(env.deps);
    await app.ready();
    admin = await tokenFor(app, await addClient(env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('answers 409 ERR_GUARD_SUPERSEDED_SCHOOLS; the run goes on from its cursor', async () => {
    const { runId, holdId } = await heldCityRun([S]);
    await doneRunOf(S);
    expectProblem(await approve(holdId), 409, 'ERR_GUARD_SUPERSEDED_SCHOOLS');
    expect(await run(runId)).toMatchObject({ status: 'running' });
    const hold = await app.inject({
      method: 'GET',
      url: `/v1/guard/holds/${holdId}`,
      headers: bearer(admin),
    });
    expect(hold.json()).toMatchObject({ status: 'superseded' });
  });

  it('approves (200) a hold with a school no newer run covered', async () => {
    const { runId, holdId } = await heldCityRun([S, T]);
    await doneRunOf(S);
    const res = await approve(holdId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved' });
    expect(await run(runId)).toMatchObject({ status: 'running' });
  });
});
