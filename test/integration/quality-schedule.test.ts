/**
 * fix35d: the quality run as a schedule (`kind: quality`) on PostgreSQL + Redis with two scheduler replicas and two
 * workers: each fire time is recorded once and requests at most one quality run, each run is computed once (one
 * `truc.quality_runs` row per requested run, asked by `schedule:<id>`), and a fire while the run is still computing
 * starts none (`busy`). A one-second schedule stands in for the nightly cron one; the mechanism is the same.
 * A city admin lists it (`GET /v1/schedules`: kind quality, the run its last fire made) and runs it now.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startScheduler } from '../../src/jobs/schedules.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole } from '../../src/roles.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { verdict } from '../factories/verdicts.js';
import { tokenFor } from '../helpers/api.js';
import { makeDeps, REDIS_TEST_URL, waitFor, type TestEnv } from '../helpers/env.js';
import { duplicatesNotFromStalls, type Fire } from '../helpers/schedule-fires.js';

const ID = 'quality-every-second';

interface QualityFire extends Fire {
  outbox_id: string | number | null;
}

describe('a quality schedule on postgres+redis (fix35d)', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let token: string;
  const running: Array<{ stop(): Promise<void> }> = [];

  const fires = async (): Promise<QualityFire[]> =>
    (
      await env.deps.db.query<QualityFire>(
        `SELECT fire_at, outcome, sync_run_id, duplicates, outbox_id FROM truc.schedule_fires
          WHERE schedule_id = $1 ORDER BY fire_at`,
        [ID],
      )
    ).rows;
  const runs = async () =>
    (
      await env.deps.db.query<{ id: number; outbox_id: number; requested_by: string }>(
        'SELECT id, outbox_id, requested_by FROM truc.quality_runs WHERE computed_at IS NOT NULL ORDER BY id',
      )
    ).rows.map((r) => ({ ...r, id: Number(r.id), outbox_id: Number(r.outbox_id) }));

  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: { [ID]: { kind: 'quality', everyMs: 1000, tz: 'Asia/Ho_Chi_Minh' } },
          },
        }),
      },
    );
    const deps = env.deps;
    app = await buildApp(deps);
    await app.ready();
    token = await tokenFor(app, await addClient(deps.db, { name: 'City', role: 'city-admin' }));
    running.push(startWorkerRole(deps), startWorkerRole(deps));
    running.push(startScheduler(deps), startScheduler(deps));
  }, 120_000);

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    await app?.close();
    await env?.cleanup();
  });

  it('two schedulers and two workers: a fire requests one quality run, computed once; none while one computes', async () => {
    // A run that cannot finish (its scorecards' insert waits for this lock; a school's verdict gives it one to store;
    // fix36d: the run's own row is written at its request, so the lock is on the scorecards): the fires meanwhile
    // start none.
    await createQualityRepo(env.deps.db).saveVerdicts(
      'students',
      '00000000-0000-4000-8000-00000000f36d',
      new Date(),
      [verdict('Q1', '79000001', [])],
    );
    await env.deps.db.tx(async (q) => {
      await q.query('LOCK TABLE truc.quality_scores IN EXCLUSIVE MODE');
      await waitFor(async () => (await fires()).filter((f) => f.outcome === 'busy').length >= 2, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'two fires while the quality run computes',
      });
    });
    const seen = await waitFor(
      async () => {
        const all = await fires();
        return all.filter((f) => f.outcome === 'requested').length >= 3 && all;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'three requested fires' },
    );
    // No fire delivered twice, but for a job BullMQ handed on after its worker stalled past its lock.
    expect(
      await duplicatesNotFromStalls(seen, ID, { url: REDIS_TEST_URL, prefix: env.redisPrefix! }),
    ).toEqual([]);
    expect(seen.every((f) => f.outbox_id !== null && f.sync_run_id === null)).toBe(true);
    const requested = seen.filter((f) => f.outcome === 'requested').map((f) => Number(f.outbox_id));
    const busy = seen.filter((f) => f.outcome === 'busy').map((f) => Number(f.outbox_id));
    expect(new Set(requested).size).toBe(requested.length); // each requested fire its own run
    for (const o of busy) expect(requested).toContain(o); // a busy fire names a run a fire requested
    // Every requested run but the last few is computed, each once, asked by the schedule.
    await waitFor(async () => (await runs()).length >= requested.length - 1, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the requested runs computed',
    });
    const computed = await runs();
    expect(new Set(computed.map((r) => r.outbox_id)).size).toBe(computed.length);
    for (const r of computed) {
      expect(requested).toContain(r.outbox_id);
      expect(r.requested_by).toBe(`schedule:${ID}`);
    }
  });

  it('is listed as a quality schedule naming the run its last fire made; run now requests one or is refused', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/schedules',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [item] = res.json<{ items: Array<Record<string, unknown>> }>().items;
    expect(item).toMatchObject({
      id: ID,
      kind: 'quality',
      system: null,
      entity: null,
      everyMs: 1000,
      lastRun: {
        syncRunId: null,
        qualityRunId: expect.toSatisfy((v) => v === null || typeof v === 'number'),
      },
    });
    const now = await app.inject({
      method: 'POST',
      url: `/v1/schedules/${ID}/run`,
      headers: { authorization: `Bearer ${token}` },
    });
    // Beside a run a fire just requested it is refused, else requested: never a second run at once.
    if (now.statusCode === 409) expect(now.json()).toMatchObject({ code: 'ERR_QUALITY_RUN_UNFINISHED' });
    else {
      expect(now.statusCode, now.body).toBe(202);
      const body = now.json<{ qualityRunId: number }>();
      // fix36d: the run requested, and its status resource.
      expect(body).toEqual({
        kind: 'quality',
        syncRunId: null,
        qualityRunId: expect.any(Number),
        statusUrl: `/v1/quality/runs/${body.qualityRunId}`,
      });
      expect(now.headers.location).toBe(`/v1/quality/runs/${body.qualityRunId}`);
    }
  });
});
