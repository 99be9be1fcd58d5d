/**
 * Quality scorecards (issue 8): counts the last verdict of every record per school (a fixed number of
 * queries), computes the scorecards of every school, commune and province (src/quality/scorecards.ts),
 * keeps them as one run (their history), and sets the Prometheus pass-ratio gauges of provinces and
 * communes — never of a school or a record.
 */
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { Metrics } from '../observability/metrics.js';
import { CATALOGUE_VERSION, CRITERIA, scorecards, type Scorecard } from '../quality/index.js';
import type { Db } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createQualityRunsRepo } from '../store/quality-runs.js';
import { createQualityRunScoresRepo, type NewScore } from '../store/quality-run-scores.js';
import { createScorecardsRepo, type SchoolCountsRow, type ScoreRow } from '../store/scorecards.js';
import { qualityScorecards } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';

type ScorecardsContext = Pick<WorkerContext, 'db' | 'config' | 'metrics' | 'now' | 'logger'>;

/** A card to store (a school's with the counts it was scored from). */
export const scoreOf = (c: Scorecard, counts?: SchoolCountsRow): NewScore => ({
  level: c.level,
  code: c.code,
  parentCode: c.parentCode,
  records: c.records,
  overall: c.overall.percent,
  band: c.overall.band,
  card: c,
  counts,
});

/**
 * Computes and stores a run; returns its id and scorecards. `outboxId`: its job's outbox row, kept with the run and
 * closed in the transaction that finishes it (fix35d: a schedule's fire finds the quality run unfinished while it is
 * open). Its schools are scored `quality.runSliceSchools` at a time (default 100), each slice committed with the run's
 * `schools` (fix37c: scored so far, GET /v1/quality/runs/{id}), each reading only its schools' verdicts; a job that died resumes the run from the schools it scored, as of the same day and
 * school year. Its communes and provinces are summed, when every school is scored, from the counts its schools were
 * scored from, so every card of the run agrees with its schools'; only then is it done (read as the scorecards).
 */
export async function computeScorecards(
  ctx: Omit<ScorecardsContext, 'logger'>,
  requestedBy: string,
  outboxId?: number,
): Promise<{ runId: number; cards: Scorecard[] }> {
  const today = vietnamDateOf(ctx.now());
  const quality = ctx.config.quality;
  const size = quality.runSliceSchools;
  const specs = quality.masterDataFields.students ?? [];
  const basis = { asOf: today, schoolYear: schoolYearOf(today), catalogueVersion: CATALOGUE_VERSION };
  const run = await ctx.db.tx((q) => createQualityRunScoresRepo(q).begin(requestedBy, outboxId, basis));
  const at = { today: run.asOf, schoolYear: run.schoolYear, config: quality };
  for (;;) {
    const schools = await createQualityRunScoresRepo(ctx.db).unscored(run.runId);
    if (schools.length === 0) break;
    for (let i = 0; i < schools.length; i += size) {
      const slice = schools.slice(i, i + size);
      await ctx.db.tx(async (q) => {
        const counts = await createScorecardsRepo(q).schoolCounts(slice, run.schoolYear, specs);
        const of = new Map(counts.map((c) => [c.schoolCode, c]));
        const cards = scorecards(counts, at).filter((c) => c.level === 'school');
        await createQualityRunScoresRepo(q).save(
          run.runId,
          cards.map((c) => scoreOf(c, of.get(c.code))),
        );
      });
    }
  }
  return ctx.db.tx(async (q) => {
    const repo = createQualityRunScoresRepo(q);
    const cards = scorecards(await repo.scoredCounts(run.runId), at);
    await repo.save(
      run.runId,
      cards.filter((c) => c.level !== 'school').map((c) => scoreOf(c)),
    );
    await repo.finish(run.runId, ctx.now());
    await createOutboxRepo(q).markDone(outboxId);
    setGauges(ctx.metrics, cards);
    return { runId: run.runId, cards };
  });
}

/** Pass ratios (0..1) of provinces and communes as gauges; schools and records never get a series. */
function setGauges(
  metrics: Metrics,
  cards: readonly Pick<Scorecard, 'level' | 'code' | 'criteria' | 'overall'>[],
): void {
  for (const c of cards) {
    if (c.level === 'school') continue;
    for (const k of CRITERIA) {
      metrics.qualityPassRatio.set(
        { criterion: k, level: c.level, unit: c.code },
        c.criteria[k].percent / 100,
      );
    }
    metrics.qualityPassRatio.set(
      { criterion: 'overall', level: c.level, unit: c.code },
      c.overall.percent / 100,
    );
  }
}

/** Sets the gauges from the latest stored run (any process, e.g. the API role before a scrape). */
export async function refreshQualityGauges(db: Db, metrics: Metrics): Promise<void> {
  const repo = createScorecardsRepo(db);
  const rows: ScoreRow[] = [...(await repo.latest('province')), ...(await repo.latest('commune'))];
  setGauges(
    metrics,
    rows.map((r) => r.card as Scorecard),
  );
}

async function run(ctx: ScorecardsContext, payload: { requestedBy: string }, job: JobRun) {
  // A job delivered again after its run was kept (BullMQ is at-least-once) computes nothing more.
  if (
    job.outboxId !== undefined &&
    !(await createOutboxRepo(ctx.db).stillOpen([job.outboxId])).has(job.outboxId)
  )
    return { skipped: 'done' };
  // Its run reads running from now on (fix36d, GET /v1/quality/runs/{id}).
  if (job.outboxId !== undefined) await createQualityRunsRepo(ctx.db).start(job.outboxId);
  const { runId, cards } = await computeScorecards(ctx, payload.requestedBy, job.outboxId);
  ctx.logger.info({ runId, scorecards: cards.length }, 'quality scorecards computed');
  return { runId, scorecards: cards.length };
}

/** The scorecards job: its own queue, one run at a time. */
export const qualityScorecardsJob = defineJob({
  ...qualityScorecards,
  concurrency: 1,
  process: run,
});
