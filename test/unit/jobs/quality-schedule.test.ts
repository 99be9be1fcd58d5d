/**
 * fix35d: a quality schedule (`kind: quality`) through the schedule-fire job, on a real in-memory database. Its fire
 * requests the quality scorecard run (one quality-scorecards job, asked by `schedule:<id>`), recorded once per fire
 * time; a fire while that run is unfinished (queued or computing) requests none (`busy`, naming that run); once the
 * run is computed, the schedule's last run names it and the next fire requests a new one. Paused, it requests
 * nothing; "run now" beside an unfinished run is refused (409 ERR_QUALITY_RUN_UNFINISHED), else requests one.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import type { JobRun } from '../../../src/jobs/define.js';
import { requestQualityRun } from '../../../src/jobs/quality-schedule.js';
import { listSchedules, runScheduleNow, setSchedulePaused } from '../../../src/jobs/schedule-control.js';
import { scheduleFireJob } from '../../../src/jobs/schedules.js';
import { openWork, runRow, useTestContext, type TestContext } from './fixtures.js';

const ID = 'quality-nightly';
const AT = Date.parse('2026-01-14T20:00:00.000Z');
const NEXT = AT + 86_400_000;

describe('a quality schedule’s fire (fix35d)', () => {
  const base = useTestContext();
  const ctx = (): TestContext => {
    const config = structuredClone<Config>(base.config);
    config.sync.schedules = { [ID]: { kind: 'quality', cron: '0 3 * * *', tz: 'Asia/Ho_Chi_Minh' } };
    return { ...base, config };
  };
  const fire = (at: number, context: TestContext = ctx()) => {
    const job = { id: `repeat:${ID}:${at}`, queue: 'schedules', name: 'schedule-fire', attempt: 1 };
    return scheduleFireJob.run(context, { scheduleId: ID }, { ...job, outboxId: undefined } satisfies JobRun);
  };
  const qualityRows = async () =>
    (await openWork(base.db)).filter((r) => r.job_name === 'quality-scorecards');
  const lastRun = async () => (await listSchedules(base.db, ctx().config, undefined))[0]!;
  /** The quality.requested audit entries, oldest first. */
  const audited = () =>
    base.db.rows<{ actor: string; subject: string; details: Record<string, unknown> }>(
      'truc.audit_log',
      `action = 'quality.requested'`,
    );
  /** Computes every quality run still open (a request beside none is not refused); how many entries are audited. */
  const settled = async () => {
    for (const row of await qualityRows()) await runRow(ctx(), row);
    return (await audited()).length;
  };

  it('requests the quality run once per fire, none beside an unfinished one, and names the run it computed', async () => {
    expect(await fire(AT)).toEqual({
      syncRunId: null,
      outboxId: expect.any(Number),
      duplicate: false,
      outcome: 'requested',
    });
    const [row, ...more] = await qualityRows();
    expect(more).toEqual([]);
    expect(row!.payload).toEqual({ requestedBy: `schedule:${ID}` });
    // The same fire delivered again (a second replica's, BullMQ's at-least-once): no second run.
    expect(await fire(AT)).toMatchObject({ duplicate: true, outcome: 'requested' });
    // The next fire while the run is still queued or computing: none started, busy.
    expect(await fire(NEXT)).toEqual({
      syncRunId: null,
      outboxId: row!.id,
      duplicate: false,
      outcome: 'busy',
    });
    expect((await qualityRows()).map((r) => r.id)).toEqual([row!.id]);
    expect(await lastRun()).toMatchObject({
      kind: 'quality',
      system: null,
      entity: null,
      lastRun: { outcome: 'busy', syncRunId: null, qualityRunId: expect.any(Number) },
    });
    // fix36d: the run is named from its request on (GET /v1/quality/runs/{id}), the one computed.
    const named = (await lastRun()).lastRun!.qualityRunId;

    const computed = await runRow<{ runId: number }>(ctx(), row!);
    expect(computed.runId).toBe(named);
    expect(await qualityRows()).toEqual([]);
    expect((await lastRun()).lastRun).toMatchObject({ outcome: 'busy', qualityRunId: computed.runId });
    const [run] = await base.db.rows<{ requested_by: string }>('truc.quality_runs', `id = ${computed.runId}`);
    expect(run!.requested_by).toBe(`schedule:${ID}`);
    // Delivered again after it was kept: nothing computed twice.
    expect(await runRow(ctx(), row!)).toEqual({ skipped: 'done' });

    // The run ended: the next fire requests a new one.
    expect(await fire(NEXT + 86_400_000)).toMatchObject({ outcome: 'requested', duplicate: false });
    expect(await qualityRows()).toHaveLength(1);
  });

  it('"run now" is refused beside an unfinished run; paused, its own fires request nothing', async () => {
    const now = new Date(NEXT + 5 * 86_400_000);
    // The first test's last run is still queued: refused, nothing recorded.
    await expect(runScheduleNow(base.db, ctx().config, ID, 'city-admin-1', now)).rejects.toMatchObject({
      code: 'ERR_QUALITY_RUN_UNFINISHED',
    });
    for (const row of await qualityRows()) await runRow(ctx(), row);
    expect(await runScheduleNow(base.db, ctx().config, ID, 'city-admin-1', now)).toEqual({
      syncRunId: null,
      qualityRunId: expect.any(Number),
    });
    const [asked] = await qualityRows();
    expect(asked!.payload).toEqual({ requestedBy: 'city-admin-1' });
    await runRow(ctx(), asked!);

    await setSchedulePaused(base.db, ctx().config, ID, true, 'city-admin-1', now);
    expect(await fire(NEXT + 10 * 86_400_000)).toMatchObject({ outcome: 'paused', outboxId: null });
    expect(await qualityRows()).toEqual([]);
  });

  it("a city admin's POST /v1/quality/runs is refused beside an unfinished run too (one run, never two computing)", async () => {
    const first = await requestQualityRun(base.db, 'city-admin-1');
    await expect(requestQualityRun(base.db, 'city-admin-2')).rejects.toMatchObject({
      code: 'ERR_QUALITY_RUN_UNFINISHED',
    });
    // Beside it, the schedule's own fire (resumed: the test before paused it) requests none (busy, naming the run).
    await setSchedulePaused(
      base.db,
      ctx().config,
      ID,
      false,
      'city-admin-1',
      new Date(NEXT + 19 * 86_400_000),
    );
    expect(await fire(NEXT + 20 * 86_400_000)).toMatchObject({ outcome: 'busy', outboxId: first.outboxId });
    const rows = await qualityRows();
    expect(rows.map((r) => r.payload)).toEqual([{ requestedBy: 'city-admin-1' }]);
    await runRow(ctx(), rows[0]!);
    expect(await requestQualityRun(base.db, 'city-admin-2')).toEqual({
      outboxId: expect.any(Number),
      runId: expect.any(Number),
    });
  });

  it('walk (issue 7): a run asked for directly is audited quality.requested, subject the run; a refused one is not', async () => {
    const before = await settled();
    const { runId, outboxId } = await requestQualityRun(base.db, 'operator:cli:tran.b');
    await expect(requestQualityRun(base.db, 'city-admin-2')).rejects.toMatchObject({
      code: 'ERR_QUALITY_RUN_UNFINISHED',
    });
    const entries = await audited();
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toMatchObject({
      actor: 'operator:cli:tran.b',
      subject: `quality-run:${runId}`,
      details: { outboxId },
    });
  });

  it('runs item 5: the schedule’s own fire is audited quality.requested as a direct request is; a busy fire is not', async () => {
    const before = await settled();
    const later = AT + 7 * 86_400_000;
    const fired = await fire(later);
    expect(fired).toMatchObject({ outcome: 'requested', duplicate: false });
    expect(await fire(later + 86_400_000)).toMatchObject({ outcome: 'busy' });
    const entries = await audited();
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toMatchObject({
      actor: `schedule:${ID}`,
      subject: expect.stringMatching(/^quality-run:\d+$/),
      details: { outboxId: (fired as unknown as { outboxId: number }).outboxId, schedule: ID },
    });
  });
});
