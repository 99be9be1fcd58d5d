/**
 * A quality schedule (`kind: quality`, fix35d): its fire requests the quality scorecard run (the job
 * `POST /v1/quality/runs` queues), recorded once per fire time as a pull's fire is (./schedule-control.ts), and none
 * while an earlier quality run is unfinished (queued or computing: its outbox row open), so a nightly run that is
 * still computing when the next fires is not started twice. The quality run's lock makes two fires at once (two
 * replicas, a fire and a "run now") one after the other: the second sees the first's run.
 */
import { appendAudit } from '../audit/chain.js';
import { AppError, both } from '../errors.js';
import type { Db, Queryable } from '../store/db.js';
import { createQualityRunsRepo } from '../store/quality-runs.js';
import { createQualityScheduleRepo } from '../store/quality-schedule.js';
import { createSchedulesRepo, type FireOutcome } from '../store/schedules.js';
import { enqueue, qualityScorecards } from './contract-table.js';

/** What a quality fire did: its outcome, and the outbox row of the run it requested (busy: found unfinished). */
export interface QualityFire {
  syncRunId: null;
  outboxId: number | null;
  duplicate: boolean;
  outcome: FireOutcome;
}

/**
 * Records the quality schedule `id`'s fire at `fireAt` and requests its run, in the caller's transaction: none when
 * the schedule is paused (its own fire: `paused`) or a quality run is unfinished (`busy`, the fire noting that run);
 * a second delivery of the same fire (BullMQ is at-least-once, two replicas) answers the first's. `actor`: who asked
 * (`schedule:<id>` for its own fire), the run's `requestedBy`.
 */
export async function recordQualityFire(
  q: Queryable,
  id: string,
  fireAt: Date,
  outcome: FireOutcome,
  actor: string,
): Promise<QualityFire> {
  const repo = createSchedulesRepo(q);
  const runs = createQualityScheduleRepo(q);
  await repo.ensure([id]);
  const own = outcome !== 'manual';
  const paused = own && (await repo.get(id))?.paused === true;
  if (!paused) await runs.lock();
  const busy = paused ? undefined : await runs.unfinished(qualityScorecards);
  const actual: FireOutcome = paused ? 'paused' : busy !== undefined ? 'busy' : outcome;
  const fire = await repo.recordFire(id, fireAt, actual);
  if (!fire.first) return { syncRunId: null, outboxId: null, duplicate: true, outcome: fire.outcome };
  if (paused) return { syncRunId: null, outboxId: null, duplicate: false, outcome: actual };
  const asked = busy === undefined ? await requestRun(q, actor) : undefined;
  const outboxId = busy ?? asked!.outboxId;
  // runs item 5: the schedule's own fire asks for a run as a city admin's request does, audited the same
  // (`quality.requested`, actor `schedule:<id>`); a "run now" is audited `schedule.run` by runQualityNow.
  if (asked && own) await auditRequested(q, actor, asked, fireAt, { schedule: id });
  await runs.attachRun(id, fireAt, outboxId);
  return { syncRunId: null, outboxId, duplicate: false, outcome: actual };
}

/**
 * Queues a quality run asked for by `actor` and writes its row (fix36d: a run is a resource from its request on,
 * GET /v1/quality/runs/{id}); its outbox row and its id.
 */
async function requestRun(q: Queryable, actor: string): Promise<{ outboxId: number; runId: number }> {
  const outboxId = await enqueue(q, qualityScorecards, { requestedBy: actor });
  return { outboxId, runId: await createQualityRunsRepo(q).request(actor, outboxId) };
}

/** A quality run asked for, audited `quality.requested` (subject the run; details its outbox row, the schedule's name). */
async function auditRequested(
  q: Queryable,
  actor: string,
  out: { outboxId: number; runId: number },
  at: Date,
  extra: { schedule?: string } = {},
): Promise<void> {
  await appendAudit(
    q,
    [
      {
        actor,
        action: 'quality.requested',
        subject: `quality-run:${out.runId}`,
        details: { outboxId: out.outboxId, ...extra },
      },
    ],
    at,
  );
}

/**
 * Takes the quality run's lock in `q`'s transaction and refuses beside an unfinished quality run (409
 * ERR_QUALITY_RUN_UNFINISHED naming its outbox row), nothing recorded: a schedule's "run now" and a city admin's
 * `POST /v1/quality/runs` alike. `who`: the request's name in the detail (Vietnamese / English).
 */
async function refuseBesideUnfinished(q: Queryable, who: { vi: string; en: string }): Promise<void> {
  const runs = createQualityScheduleRepo(q);
  await runs.lock();
  const outbox = await runs.unfinished(qualityScorecards);
  // The run's id (GET /v1/quality/runs/{id}, fix36d); a run queued before its row was kept by its outbox row's.
  const open =
    outbox === undefined ? undefined : ((await createQualityRunsRepo(q).ofOutbox(outbox)) ?? outbox);
  if (open !== undefined)
    throw new AppError(
      'ERR_QUALITY_RUN_UNFINISHED',
      both(
        `${who.vi}: lần tính thẻ điểm ${open} chưa xong, không chạy thêm`,
        `${who.en}: quality run ${open} is unfinished, none started`,
      ),
    );
}

/**
 * A city admin's `POST /v1/quality/runs` and `truc quality run` (review: fix35d left it queueing a second run beside an
 * unfinished one, two workers then computing the same scorecards at once): one run requested, audited
 * `quality.requested` (subject the run, in the run row's transaction; walk, issue 7: it left no entry, while the same
 * run asked through `schedules run` is `schedule.run`), or 409 beside an unfinished one, nothing recorded.
 */
export async function requestQualityRun(
  db: Db,
  actor: string,
  at: Date = new Date(),
): Promise<{ outboxId: number; runId: number }> {
  return db.tx(async (q) => {
    await refuseBesideUnfinished(q, { vi: 'yêu cầu tính thẻ điểm', en: 'the scorecard run asked for' });
    const out = await requestRun(q, actor);
    await auditRequested(q, actor, out, at);
    return out;
  });
}

/**
 * A city admin runs the quality schedule `id` now (paused or not), audited: refused beside an unfinished quality run
 * (409 ERR_QUALITY_RUN_UNFINISHED, nothing recorded), as a pull's "run now" is beside its unfinished run.
 */
export async function runQualityNow(
  db: Db,
  id: string,
  actor: string,
  at: Date,
): Promise<{ outboxId: number; runId: number }> {
  return db.tx(async (q) => {
    await refuseBesideUnfinished(q, { vi: `lịch ${id}`, en: `schedule ${id}` });
    const out = await recordQualityFire(q, id, at, 'manual', actor);
    if (out.outboxId === null)
      throw new AppError(
        'ERR_SCHEDULE_FIRE_TAKEN',
        both(`lịch ${id} đã chạy lúc ${at.toISOString()}`, `schedule ${id} fired at ${at.toISOString()}`),
      );
    await appendAudit(
      q,
      [{ actor, action: 'schedule.run', subject: `schedule:${id}`, details: { qualityRun: true } }],
      at,
    );
    const runId = await createQualityRunsRepo(q).ofOutbox(out.outboxId);
    return { outboxId: out.outboxId, runId: runId! };
  });
}
