/**
 * The schedule-fire job (issue 7) through the registry, on a real in-memory database: a fire requests
 * the schedule's sync run (its first pull queued) and is recorded at the fire time its BullMQ job id
 * carries; the same fire delivered twice requests one run; a paused schedule's fire requests nothing;
 * a schedule no longer configured is skipped.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import type { JobRun } from '../../../src/jobs/define.js';
import { listSchedules, runScheduleNow } from '../../../src/jobs/schedule-control.js';
import { scheduleFireJob } from '../../../src/jobs/schedules.js';
import { createSchedulesRepo } from '../../../src/store/schedules.js';
import { NOW, openWork, useTestContext, type TestContext } from './fixtures.js';

const ID = 'hcm-schools-nightly';
const PAUSED = 'hcm-staff-nightly';
const BUSY = 'smas-students-nightly';
/** A school truc does not hold (yet), named by two schedules' scope. */
const NEW_SCHOOL = '79000881';
const UNKNOWN = 'smas-new-school-nightly';
const NEW_SCHOOLS = 'hcm-new-school-nightly';
/** The default profile's vnEdu nightly pull, of a system truc is not configured for here (no VNEDU_BASE_URL). */
const VNEDU = 'vnedu-students-nightly';

describe('schedule-fire job', () => {
  const base = useTestContext();
  /** The worker's context with two nightly schedules configured. */
  const ctx = (): TestContext => {
    const config = structuredClone<Config>(base.config);
    config.sync.schedules = {
      [ID]: { cron: '0 1 * * *', tz: 'Asia/Ho_Chi_Minh', system: 'hcm-csdl', entity: 'schools', full: false },
      [PAUSED]: {
        cron: '40 1 * * *',
        tz: 'Asia/Ho_Chi_Minh',
        system: 'hcm-csdl',
        entity: 'staff',
        full: true,
      },
      [BUSY]: { cron: '0 2 * * *', tz: 'Asia/Ho_Chi_Minh', system: 'smas', entity: 'students', full: true },
      [UNKNOWN]: {
        cron: '0 3 * * *',
        tz: 'Asia/Ho_Chi_Minh',
        system: 'smas',
        entity: 'students',
        scope: NEW_SCHOOL,
        full: false,
      },
      [NEW_SCHOOLS]: {
        cron: '0 4 * * *',
        tz: 'Asia/Ho_Chi_Minh',
        system: 'hcm-csdl',
        entity: 'schools',
        scope: NEW_SCHOOL,
        full: false,
      },
      [VNEDU]: {
        cron: '0 2 * * *',
        tz: 'Asia/Ho_Chi_Minh',
        system: 'vnedu',
        entity: 'students',
        full: false,
      },
    };
    // truc is configured for the systems they pull from (a URL beside the test profile's credentials): a pull
    // is requested only from a configured system (src/config.ts systemConfigured)
    for (const s of ['hcm-csdl', 'smas'] as const) config.systems[s].baseUrl = 'http://127.0.0.1:9';
    return { ...base, config };
  };
  /** A fire as BullMQ's job scheduler makes it: job id `repeat:<scheduler>:<fire time in ms>`. */
  const runFire = (scheduleId: string, jobId: string | undefined, context: TestContext = ctx()) => {
    const job = { id: jobId, queue: 'schedules', name: 'schedule-fire', attempt: 1, outboxId: undefined };
    return scheduleFireJob.run(context, { scheduleId }, job satisfies JobRun);
  };
  const fires = (scheduleId: string) =>
    base.db.rows<{
      fire_at: Date;
      outcome: string;
      sync_run_id: number | null;
      duplicates: number;
      error_code: string | null;
    }>('truc.schedule_fires', `schedule_id = '${scheduleId}' ORDER BY fire_at`);
  const pulls = async () => (await openWork(base.db)).filter((r) => r.queue === 'pull');

  it('requests the schedule’s sync run, recorded at the fire time of its job, once per fire', async () => {
    const at = Date.parse('2026-01-14T18:00:00.000Z');
    // The other tests' fires and pulls may be there already: this fire's row and the pulls it adds.
    const fired = async () => (await fires(ID)).filter((f) => f.fire_at.getTime() === at);
    const pullsBefore = await pulls();
    const added = async () => (await pulls()).slice(pullsBefore.length);
    const first = await runFire(ID, `repeat:${ID}:${at}`);
    expect(first).toEqual({ syncRunId: expect.any(Number), duplicate: false, outcome: 'requested' });
    const { syncRunId } = first as { syncRunId: number };
    const [run] = await base.db.rows<{ system: string; entity: string; requested_by: string }>(
      'truc.sync_runs',
      `id = ${syncRunId}`,
    );
    expect(run).toMatchObject({ system: 'hcm-csdl', entity: 'schools', requested_by: `schedule:${ID}` });
    expect((await added()).map((r) => r.payload.syncRunId)).toEqual([syncRunId]);
    expect(await fired()).toEqual([
      expect.objectContaining({
        fire_at: new Date(at),
        outcome: 'requested',
        sync_run_id: syncRunId,
        duplicates: 0,
      }),
    ]);

    // The same fire delivered again (BullMQ is at-least-once): no second run; it names the first's.
    expect(await runFire(ID, `repeat:${ID}:${at}`)).toEqual({
      syncRunId,
      duplicate: true,
      outcome: 'requested',
    });
    expect(await added()).toHaveLength(1);
    expect(await fired()).toEqual([expect.objectContaining({ sync_run_id: syncRunId, duplicates: 1 })]);
  });

  it('a fire without a scheduler’s job id is recorded at the current second', async () => {
    await runFire(ID, undefined);
    expect((await fires(ID)).map((f) => f.fire_at)).toContainEqual(NOW);
  });

  it('a paused schedule’s fire is recorded and requests nothing', async () => {
    await createSchedulesRepo(base.db).setPaused(PAUSED, true, 'city-admin-1');
    const before = (await pulls()).length;
    expect(await runFire(PAUSED, `repeat:${PAUSED}:1768410000000`)).toEqual({
      syncRunId: null,
      duplicate: false,
      outcome: 'paused',
    });
    expect(await pulls()).toHaveLength(before);
    expect(await fires(PAUSED)).toEqual([expect.objectContaining({ outcome: 'paused', sync_run_id: null })]);
  });

  it('skips a schedule no longer configured', async () => {
    expect(await runFire('gone-nightly', 'repeat:gone-nightly:1768410000000')).toEqual({
      skipped: 'not configured',
    });
    expect(await fires('gone-nightly')).toEqual([]);
  });

  it('two “run now” calls in one millisecond both answer the one run they requested', async () => {
    const at = new Date('2026-01-15T03:07:00.123Z');
    // The runs the fires before requested are over (a run beside an unfinished one is refused).
    await base.db.query(`UPDATE truc.sync_runs SET status = 'done' WHERE entity = 'schools'`);
    const before = (await pulls()).length;
    const first = await runScheduleNow(base.db, ctx().config, ID, 'city-admin-1', at);
    const second = await runScheduleNow(base.db, ctx().config, ID, 'city-admin-2', at);
    expect(first.syncRunId).toEqual(expect.any(Number));
    expect(second).toEqual(first);
    expect(await pulls()).toHaveLength(before + 1);
    expect((await fires(ID)).filter((f) => f.fire_at.getTime() === at.getTime())).toEqual([
      expect.objectContaining({ outcome: 'manual', sync_run_id: first.syncRunId, duplicates: 1 }),
    ]);
  });

  it('“run now” in the millisecond of a paused fire: a 409 that says to try again, never a null run', async () => {
    const at = new Date('2026-01-15T03:09:00.000Z');
    await createSchedulesRepo(base.db).setPaused(PAUSED, true, 'city-admin-1');
    await runFire(PAUSED, `repeat:${PAUSED}:${at.getTime()}`);
    await expect(runScheduleNow(base.db, ctx().config, PAUSED, 'city-admin-1', at)).rejects.toMatchObject({
      code: 'ERR_SCHEDULE_FIRE_TAKEN',
      status: 409,
    });
  });

  // review25 N7: three nightly smas runs were held at once on one school with one diff (three holds, one decision).
  it('a fire beside an unfinished run of its pull (queued, running, held, reconciling) requests none: busy', async () => {
    const at = (day: number) => Date.parse(`2026-02-${String(day).padStart(2, '0')}T19:00:00.000Z`);
    const first = (await runFire(BUSY, `repeat:${BUSY}:${at(1)}`)) as { syncRunId: number };
    expect(first).toEqual({ syncRunId: expect.any(Number), duplicate: false, outcome: 'requested' });
    const run = first.syncRunId;
    const setRun = (set: string) => base.db.query(`UPDATE truc.sync_runs SET ${set} WHERE id = $1`, [run]);
    const pullsBefore = (await pulls()).length;
    let day = 2;
    for (const state of [
      "status = 'queued'",
      "status = 'running'",
      "status = 'held'",
      "status = 'done', reconcile = 'queued'",
      "status = 'done', reconcile = 'held'",
    ]) {
      await setRun(state);
      expect(await runFire(BUSY, `repeat:${BUSY}:${at(day)}`), state).toEqual({
        syncRunId: null,
        duplicate: false,
        outcome: 'busy',
      });
      expect((await fires(BUSY)).at(-1), state).toMatchObject({ outcome: 'busy', sync_run_id: run });
      day += 1;
    }
    expect(await pulls()).toHaveLength(pullsBefore);
    // Its run over (reconciled, or failed): the next fire requests the next run.
    await setRun("status = 'done', reconcile = 'done'");
    const next = await runFire(BUSY, `repeat:${BUSY}:${at(day)}`);
    expect(next).toEqual({ syncRunId: expect.any(Number), duplicate: false, outcome: 'requested' });
    expect((next as { syncRunId: number }).syncRunId).not.toBe(run);
  });

  // fix34e (review33a): an admin's "run now" while the nightly run was under way started a second copy of it.
  it('“run now” beside an unfinished run of its pull is refused, 409 ERR_SYNC_RUN_UNFINISHED naming the run', async () => {
    const at = (day: number) => new Date(`2026-04-${String(day).padStart(2, '0')}T19:00:00.000Z`);
    const runs = await base.db.rows<{ id: number }>(
      'truc.sync_runs',
      `system = 'smas' AND entity = 'students'`,
    );
    for (const r of runs)
      await base.db.query(`UPDATE truc.sync_runs SET status = 'done', reconcile = 'done' WHERE id = $1`, [
        r.id,
      ]);
    const nightly = (await runFire(BUSY, `repeat:${BUSY}:${at(1).getTime()}`)) as { syncRunId: number };
    const setRun = (set: string) =>
      base.db.query(`UPDATE truc.sync_runs SET ${set} WHERE id = $1`, [nightly.syncRunId]);
    const pullsBefore = (await pulls()).length;
    let day = 2;
    for (const [state, words] of [
      ["status = 'running'", 'is running'],
      ["status = 'held'", 'is held for a decision'],
      ["status = 'done', reconcile = 'held'", 'is held for a decision'],
    ] as const) {
      await setRun(state);
      const refused = runScheduleNow(base.db, ctx().config, BUSY, 'city-admin-1', at(day));
      await expect(refused, state).rejects.toMatchObject({ code: 'ERR_SYNC_RUN_UNFINISHED', status: 409 });
      await expect(refused, state).rejects.toThrow(`sync run ${nightly.syncRunId} ${words}`);
      day += 1;
    }
    // Nothing requested, nothing recorded.
    expect(await pulls()).toHaveLength(pullsBefore);
    expect((await fires(BUSY)).filter((f) => f.outcome === 'manual' && f.fire_at >= at(2))).toEqual([]);
    await setRun("status = 'done', reconcile = 'done'");
    const now = await runScheduleNow(base.db, ctx().config, BUSY, 'city-admin-1', at(day));
    expect(now.syncRunId).not.toBe(nightly.syncRunId);
  });

  // fixes26b: a schedule's scope naming a school truc does not hold is config (it may come before the school), so
  // it is not refused at start; its fire requested a run that ended done with nothing, read as synced.
  it('a fire whose scope names a school truc does not hold requests none: refused, ERR_SCOPE_UNKNOWN, listed bilingual', async () => {
    const at = Date.parse('2026-03-01T20:00:00.000Z');
    const before = (await pulls()).length;
    expect(await runFire(UNKNOWN, `repeat:${UNKNOWN}:${at}`)).toEqual({
      syncRunId: null,
      duplicate: false,
      outcome: 'refused',
      errorCode: 'ERR_SCOPE_UNKNOWN',
    });
    expect(await pulls()).toHaveLength(before);
    const runs = await base.db.rows<{ id: number }>('truc.sync_runs', `scope = '${NEW_SCHOOL}'`);
    expect(runs).toEqual([]);
    expect(await fires(UNKNOWN)).toEqual([
      expect.objectContaining({ outcome: 'refused', sync_run_id: null, error_code: 'ERR_SCOPE_UNKNOWN' }),
    ]);
    // GET /v1/schedules and `truc schedules list` read why nothing ran, in both languages.
    const listed = (await listSchedules(base.db, ctx().config, undefined)).find((x) => x.id === UNKNOWN);
    expect(listed?.lastRun).toEqual({
      fireAt: new Date(at).toISOString(),
      outcome: 'refused',
      syncRunId: null,
      qualityRunId: null,
      runStatus: null,
      error: {
        code: 'ERR_SCOPE_UNKNOWN',
        message: {
          vi: 'Phạm vi không xác định: truc không có trường hay xã nào mang mã này.',
          en: 'Unknown scope: truc holds no school or commune by this code.',
        },
      },
    });
    // An admin's "run now" is refused as an admin's pull is (400), nothing recorded.
    await expect(
      runScheduleNow(base.db, ctx().config, UNKNOWN, 'admin', new Date(at + 60_000)),
    ).rejects.toMatchObject({ code: 'ERR_SCOPE_UNKNOWN', status: 400 });
    expect(await fires(UNKNOWN)).toHaveLength(1);
    // A schools pull of that school is how it comes in: requested.
    expect(await runFire(NEW_SCHOOLS, `repeat:${NEW_SCHOOLS}:${at}`)).toMatchObject({
      syncRunId: expect.any(Number),
      outcome: 'requested',
    });
    // Once truc holds the school, the next fire requests its run.
    await base.db.query(
      `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
       VALUES ($1, '{}', 'f', 'hcm-csdl', 'v1')`,
      [NEW_SCHOOL],
    );
    const next = await runFire(UNKNOWN, `repeat:${UNKNOWN}:${at + 86_400_000}`);
    expect(next).toEqual({ syncRunId: expect.any(Number), duplicate: false, outcome: 'requested' });
    expect((await fires(UNKNOWN)).at(-1)).toMatchObject({ outcome: 'requested', error_code: null });
  });

  // review26a F1: the default profile's smas and vnedu nightly schedules fire in a city that has not configured those
  // systems; each fire requested a run whose pull failed for good: a failed run and an open dead letter every night.
  it('a fire of a system truc is not configured for requests none: refused, ERR_SYSTEM_NOT_CONFIGURED, listed bilingual', async () => {
    const at = Date.parse('2026-03-02T19:00:00.000Z');
    const before = (await pulls()).length;
    expect(await runFire(VNEDU, `repeat:${VNEDU}:${at}`)).toEqual({
      syncRunId: null,
      duplicate: false,
      outcome: 'refused',
      errorCode: 'ERR_SYSTEM_NOT_CONFIGURED',
    });
    expect(await pulls()).toHaveLength(before);
    expect(await base.db.rows('truc.sync_runs', `system = 'vnedu'`)).toEqual([]);
    expect(await fires(VNEDU)).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        sync_run_id: null,
        error_code: 'ERR_SYSTEM_NOT_CONFIGURED',
      }),
    ]);
    const listed = (await listSchedules(base.db, ctx().config, undefined)).find((x) => x.id === VNEDU);
    expect(listed?.lastRun).toMatchObject({
      outcome: 'refused',
      syncRunId: null,
      qualityRunId: null,
      runStatus: null,
      error: {
        code: 'ERR_SYSTEM_NOT_CONFIGURED',
        message: { vi: expect.stringMatching(/^truc chưa được cấu hình/) },
      },
    });
    // An admin's "run now" is refused as an admin's pull is (400), naming the system; nothing recorded.
    await expect(
      runScheduleNow(base.db, ctx().config, VNEDU, 'admin', new Date(at + 60_000)),
    ).rejects.toMatchObject({
      code: 'ERR_SYSTEM_NOT_CONFIGURED',
      status: 400,
      message: expect.stringContaining('vnedu'),
    });
    expect(await fires(VNEDU)).toHaveLength(1);
    // Once truc is configured for vnEdu, the next fire requests its run.
    const configured = ctx();
    configured.config.systems.vnedu.baseUrl = 'http://127.0.0.1:9';
    const next = await runFire(VNEDU, `repeat:${VNEDU}:${at + 86_400_000}`, configured);
    expect(next).toEqual({ syncRunId: expect.any(Number), duplicate: false, outcome: 'requested' });
    expect((await fires(VNEDU)).at(-1)).toMatchObject({ outcome: 'requested', error_code: null });
  });
});
